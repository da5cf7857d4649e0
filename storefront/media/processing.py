"""Validate an uploaded image and re-encode it: metadata stripped, size capped, variants made."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
VARIANT_WIDTHS = (320, 640, 1280)
MASTER_MAX_SIDE = 2560
# A decoded image costs ~4 bytes a pixel; refuse anything bigger before decoding it.
DEFAULT_MAX_PIXELS = 40_000_000
MIN_SIDE = 16


class ImageRejected(ValueError):
    """The bytes are not an image we accept; the message says why, in plain words."""


@dataclass
class Rendition:
    width: int
    height: int
    data: bytes
    content_type: str
    ext: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ProcessedImage:
    source_sha256: str
    width: int
    height: int
    master: Rendition
    # (webp, jpeg) pairs, smallest first
    variants: list[tuple[Rendition, Rendition]] = field(default_factory=list)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise ImageRejected("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))  # reads the header only
            if img.format not in ALLOWED_FORMATS:
                raise ImageRejected(f"{img.format or 'this'} files are not accepted; "
                                    "upload a JPEG, PNG or WebP image")
            w, h = img.size
            if w * h > max_pixels:
                raise ImageRejected(f"the image is {w}×{h} pixels; the limit is "
                                    f"{max_pixels:,} pixels")
            if min(w, h) < MIN_SIDE:
                raise ImageRejected(f"the image is {w}×{h} pixels; at least {MIN_SIDE} px a side")
            img.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(f"the image has too many pixels; the limit is {max_pixels:,} "
                            "pixels") from None
    except UnidentifiedImageError:
        raise ImageRejected("not a readable JPEG, PNG or WebP image") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(f"the image is damaged ({exc})") from None
    return img


def _flatten(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, then drop alpha onto white (JPEG has none)."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        bg = Image.new("RGB", img.size, (255, 255, 255))
        bg.paste(img, mask=img.getchannel("A"))
        return bg
    return img.convert("RGB")


def _encode(img: Image.Image, fmt: str) -> Rendition:
    buf = io.BytesIO()
    # No exif= / icc_profile= arguments: the re-encoded file carries no metadata.
    if fmt == "WEBP":
        img.save(buf, "WEBP", quality=82, method=4)
        return Rendition(img.width, img.height, buf.getvalue(), "image/webp", "webp")
    img.save(buf, "JPEG", quality=85, optimize=True, progressive=True)
    return Rendition(img.width, img.height, buf.getvalue(), "image/jpeg", "jpg")


def _resized(img: Image.Image, width: int) -> Image.Image:
    if img.width <= width:
        return img
    height = max(1, round(img.height * width / img.width))
    return img.resize((width, height), Image.Resampling.LANCZOS)


def process(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ProcessedImage:
    """Validate ``data`` and produce the master and the responsive variants."""
    img = _flatten(_open(data, max_pixels))
    master_img = img.copy()
    master_img.thumbnail((MASTER_MAX_SIDE, MASTER_MAX_SIDE), Image.Resampling.LANCZOS)
    out = ProcessedImage(source_sha256=hashlib.sha256(data).hexdigest(), width=master_img.width,
                         height=master_img.height, master=_encode(master_img, "JPEG"))
    widths = [w for w in VARIANT_WIDTHS if w < master_img.width] + [
        min(master_img.width, VARIANT_WIDTHS[-1])]
    for w in sorted(set(widths)):
        small = _resized(master_img, w)
        out.variants.append((_encode(small, "WEBP"), _encode(small, "JPEG")))
    return out
