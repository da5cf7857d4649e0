"""Guides: Markdown articles held to the same claim rules as product copy, with product cards.

``models`` (Guide, GuideProduct), ``schemas`` (the article record, also the seed format),
``services`` (save, publish, queries), ``rendering`` (Markdown to sanitised HTML blocks,
table of contents, reading time), ``seed`` (front-matter files) and ``cli``.
"""
