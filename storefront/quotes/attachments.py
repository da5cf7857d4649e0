"""Attachment checks (type by content, size) and storage outside the web root."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from werkzeug.utils import secure_filename

from storefront.errors import DomainError, ValidationError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
ALLOWED_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}
_KEY = re.compile(r"^[0-9a-f]{32}$")


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"
    status = 413


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """Detect PNG, JPEG, PDF or SVG from the leading bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head) or (
        head.startswith(b"<!doctype svg")
    ):
        return "image/svg+xml"
    return None


def check(filename: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedFile:
    """Accept a PNG, JPEG or PDF of at most ``max_bytes``; the client's type claim is ignored."""
    field = "attachment"
    if not data:
        raise ValidationError("The attachment is empty.", errors={field: ["the file is empty"]})
    if len(data) > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise AttachmentTooLarge(
            f"The attachment is larger than {limit_mb:g} MB.",
            errors={field: [f"must be at most {limit_mb:g} MB"]},
        )
    kind = sniff(data)
    if kind == "image/svg+xml":
        # SVG is XML that can carry script and external references; we do not accept it.
        raise ValidationError("SVG files are not accepted.", errors={
            field: ["SVG is not accepted because it can carry scripts; send the logo as PNG, JPEG or PDF"]})
    if kind not in ALLOWED_TYPES:
        raise ValidationError("Unsupported attachment type.", errors={
            field: ["must be a PNG, JPEG or PDF file (checked by its content, not its name)"]})
    if kind == "application/pdf":
        from storefront.quotes.pdfcheck import active_content

        found = active_content(data)
        if found is not None:
            raise ValidationError("PDF with active content refused.", errors={
                field: [f"PDFs with scripts, actions, links that run or embedded files are not "
                        f"accepted ({found.lstrip('/')}); print it to a plain PDF"]})
    return CheckedFile(filename=safe_filename(filename, kind), content_type=kind, data=data)


def safe_filename(filename: str, content_type: str) -> str:
    """A display name safe for headers and paths, with the extension of the detected type."""
    ext = ALLOWED_TYPES[content_type]
    stem = secure_filename(os.path.splitext(filename or "")[0])[:150] or "attachment"
    return stem + ext


def _dir(upload_dir: str | os.PathLike) -> Path:
    path = Path(upload_dir) / "quotes"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store(upload_dir: str | os.PathLike, data: bytes) -> str:
    """Write bytes under a random key (atomically) and return the key."""
    key = secrets.token_hex(16)
    directory = _dir(upload_dir)
    tmp = directory / f".{key}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / key)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return key


def path_for(upload_dir: str | os.PathLike, key: str) -> Path:
    """The file for a storage key; refuses anything that is not one of our keys."""
    if not _KEY.match(key or ""):
        raise ValueError("not a storage key")
    return Path(upload_dir) / "quotes" / key


def discard(upload_dir: str | os.PathLike, keys: list[str]) -> None:
    """Delete stored files (used when the transaction that referenced them rolls back)."""
    for key in keys:
        try:
            path_for(upload_dir, key).unlink(missing_ok=True)
        except (ValueError, OSError):
            pass
