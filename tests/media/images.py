"""Real test images made with Pillow."""

from __future__ import annotations

import io

from PIL import Image


def make_image(fmt: str = "PNG", size=(800, 600), color=(200, 30, 30), exif: bool = False,
               mode: str = "RGB") -> bytes:
    img = Image.new(mode, size, color if mode == "RGB" else (*color, 128))
    buf = io.BytesIO()
    kwargs = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "SecretCam"  # Make
        ex[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS latitude
        kwargs["exif"] = ex.tobytes()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()
