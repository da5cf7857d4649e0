"""Where image bytes live: one small interface, a local directory or S3-compatible storage.

Keys are content-hashed (``ab/abcdef…-640.webp``), so a stored object never changes and
can be cached for a year. Choose the backend with ``MEDIA_STORAGE``:

``local`` (default)
    files under ``MEDIA_DIR`` (default ``instance/media``), served by the app at
    ``/media/<key>`` with ``Cache-Control: public, max-age=31536000, immutable``.
``s3``
    any S3-compatible store (AWS S3, MinIO, Ceph, R2) for several app instances; needs the
    optional ``boto3`` package (``pip install boto3``) and ``MEDIA_S3_BUCKET``, optionally
    ``MEDIA_S3_ENDPOINT_URL`` (non-AWS), ``MEDIA_S3_PREFIX`` and ``MEDIA_PUBLIC_URL`` (a CDN
    or the bucket's public address; without it the app serves the objects itself).
    Credentials come from boto3's usual environment variables / files.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

_KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{16,64}(?:-[a-z0-9]+)?\.(?:webp|jpg|png)\Z")
CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}
CACHE_FOREVER = "public, max-age=31536000, immutable"


def make_key(digest: str, suffix: str, ext: str) -> str:
    """A content-hashed key such as ``3f/3fa1…-640.webp``."""
    name = f"{digest[:32]}-{suffix}" if suffix else digest[:32]
    return f"{digest[:2]}/{name}.{ext}"


def valid_key(key: str) -> bool:
    """Whether ``key`` has the shape ``make_key`` produces (no traversal, known type)."""
    return bool(_KEY_RE.match(key))


def content_type(key: str) -> str:
    return CONTENT_TYPES[key.rsplit(".", 1)[-1]]


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def public_url(self, key: str) -> str | None:
        """An absolute URL when the objects are served elsewhere (CDN); None: the app serves them."""
        ...


class LocalStorage:
    """Files in a directory; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not valid_key(key):
            raise KeyError(key)
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        if path.exists():
            return  # content-addressed: same key, same bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return valid_key(key) and self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def public_url(self, key: str) -> str | None:
        return None


class S3Storage:
    """An S3-compatible bucket (boto3 is imported only when this backend is chosen)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, prefix: str = "",
                 public_url: str | None = None, client: Any = None):
        if client is None:
            try:
                import boto3
            except ImportError as exc:  # pragma: no cover - depends on the optional extra
                raise RuntimeError("MEDIA_STORAGE=s3 needs boto3: pip install boto3") from exc
            client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.base = public_url.rstrip("/") if public_url else None

    def _k(self, key: str) -> str:
        if not valid_key(key):
            raise KeyError(key)
        return self.prefix + key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._k(key), Body=data,
                               ContentType=content_type(key), CacheControl=CACHE_FOREVER)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=self._k(key))["Body"].read()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._k(key))
        except Exception:  # noqa: BLE001 - botocore's ClientError without importing botocore
            return False
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def public_url(self, key: str) -> str | None:
        return f"{self.base}/{self.prefix}{key}" if self.base else None


def from_config(config: dict) -> Storage:
    """The backend ``config`` asks for."""
    kind = (config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "local":
        return LocalStorage(config["MEDIA_DIR"])
    if kind == "s3":
        return S3Storage(config["MEDIA_S3_BUCKET"], endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL"),
                         prefix=config.get("MEDIA_S3_PREFIX", ""),
                         public_url=config.get("MEDIA_PUBLIC_URL"))
    raise RuntimeError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")
