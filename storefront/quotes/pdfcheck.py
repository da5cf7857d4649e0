"""Find active content in a PDF with a real parser (pypdf), not a byte pattern.

A byte regex misses name escapes (``/J#61vaScript`` is ``/JavaScript``), objects packed in
compressed object streams, and actions other than scripts. pypdf decodes names and reads
object streams; every object reachable in the file (all xref entries, object streams
included) is walked and any dictionary naming an action or embedded file is refused.
A file pypdf cannot parse is refused too: a spec sheet is never an exotic PDF.
"""

from __future__ import annotations

import io
import logging

# Keys and action types that make a PDF do something when opened, clicked or submitted.
ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/URI",
                         "/SubmitForm", "/ImportData", "/EmbeddedFile", "/EmbeddedFiles",
                         "/RichMedia", "/GoToR", "/GoToE", "/XFA"})
ACTIVE_TYPES = frozenset({"/JavaScript", "/Launch", "/URI", "/SubmitForm", "/ImportData",
                          "/GoToR", "/GoToE", "/RichMedia", "/EmbeddedFile", "/Rendition",
                          "/Sound", "/Movie"})
MAX_OBJECTS = 200_000


def active_content(data: bytes) -> str | None:
    """The first active feature found (e.g. "/OpenAction"), "unreadable", or None when clean."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "encrypted"
        roots: list = [reader.trailer]
        # Every object the cross-reference tables know, including those in object streams.
        for gen, ids in reader.xref.items():
            for num in ids:
                roots.append(IndirectObject(num, gen, reader))
        for num in reader.xref_objStm:
            roots.append(IndirectObject(num, 0, reader))
    except Exception:  # noqa: BLE001 - any parse failure means we cannot vouch for it
        return "unreadable"
    seen: set[int] = set()
    stack = roots
    count = 0
    while stack:
        obj = stack.pop()
        count += 1
        if count > MAX_OBJECTS:
            return "too_complex"
        try:
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if hash(key) in seen:
                    continue
                seen.add(hash(key))
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                for k, v in obj.items():
                    if str(k) in ACTIVE_KEYS:
                        return str(k)
                    if str(k) == "/S" and isinstance(v, NameObject) and str(v) in ACTIVE_TYPES:
                        return str(v)
                    if str(k) == "/Type" and isinstance(v, NameObject) and str(v) in ACTIVE_TYPES:
                        return str(v)
                    stack.append(v)
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
        except Exception:  # noqa: BLE001
            return "unreadable"
    return None
