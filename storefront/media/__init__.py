"""Product images: validation and re-encoding (Pillow), responsive variants, storage backends.

``process`` turns uploaded bytes into a clean master and 320/640/1280 px variants (WebP plus
a JPEG fallback); ``storage`` keeps the bytes under content-hashed names, in a local
directory by default or in S3-compatible object storage (``MEDIA_STORAGE=s3``);
``service`` attaches images to products, orders them and picks the primary one.
"""
