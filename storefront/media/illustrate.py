"""Truthful product illustrations drawn from a product's own facts (Pillow).

Not photographs: a schematic of what the record says. A panel is a grid of LEDs in its band
colours (in proportion to each band's share), a wrap is a long padded strip of that size
ratio, a handheld is a wand with an LED head, a laser is a handpiece with its class label.
Near-infrared bands (invisible to the eye) are drawn as dark violet dots with an "NIR" key.
"""

from __future__ import annotations

import io
import math
from typing import Any

from PIL import Image, ImageDraw, ImageFont

W, H = 1200, 900
BG = (246, 244, 239)
INK = (40, 44, 52)
CASE = (58, 63, 72)


def band_colour(nm: int) -> tuple[int, int, int]:
    """An sRGB colour for a wavelength; near-infrared (invisible) is a dark violet."""
    if nm >= 750:
        return (92, 60, 110)
    if nm >= 645:
        return (214, 28, 36)
    if nm >= 590:
        return (240, 80, 30)
    if nm >= 560:
        return (245, 200, 30)
    if nm >= 490:
        return (40, 170, 80)
    if nm >= 440:
        return (40, 90, 220)
    return (120, 60, 200)


def _font(size: int):
    for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _led_colours(rec: dict, n: int) -> list[tuple[int, int, int]]:
    bands = rec.get("wavelengths") or [{"nm": 660}]
    shares = [b.get("share_pct") or (100 / len(bands)) for b in bands]
    total = sum(shares)
    counts = [round(n * s / total) for s in shares]
    counts[-1] = max(0, n - sum(counts[:-1]))
    seq = []
    for b, c in zip(bands, counts, strict=True):
        seq += [band_colour(b["nm"])] * c
    # Interleave so the colours mix across the grid like a real board.
    step = next((s for s in (7, 5, 3, 11, 13) if math.gcd(s, max(len(seq), 1)) == 1), 1)
    return [seq[(i * step) % len(seq)] for i in range(len(seq))] if seq else []


def _grid(d: ImageDraw.ImageDraw, box, rec: dict, cols: int, rows: int) -> None:
    x0, y0, x1, y1 = box
    colours = _led_colours(rec, cols * rows)
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    r = min(cw, ch) * 0.32
    for i, colour in enumerate(colours):
        cx, cy = x0 + (i % cols + 0.5) * cw, y0 + (i // cols + 0.5) * ch
        d.ellipse((cx - r * 1.5, cy - r * 1.5, cx + r * 1.5, cy + r * 1.5), fill=(76, 82, 92))
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)


def _panel(d, rec):
    dims = (rec.get("specs") or {}).get("dimensions_mm") or {}
    ratio = (dims.get("width") or 300) / (dims.get("length") or 400)
    h = 600
    w = max(300, min(900, h * ratio))
    x0, y0 = (W - w) / 2, 90
    d.rounded_rectangle((x0, y0, x0 + w, y0 + h), 24, fill=CASE)
    leds = (rec.get("specs") or {}).get("led_count") or 60
    cols = max(3, round(math.sqrt(leds * w / h)))
    rows = max(3, math.ceil(leds / cols))
    _grid(d, (x0 + 30, y0 + 30, x0 + w - 30, y0 + h - 30), rec, cols, min(rows, 40))


def _belt(d, rec):
    dims = (rec.get("specs") or {}).get("dimensions_mm") or {}
    ratio = (dims.get("width") or 150) / (dims.get("length") or 1000)
    w = 1000
    h = max(90, min(520, w * ratio * 2.2))
    x0, y0 = (W - w) / 2, 90 + (600 - h) / 2
    d.rounded_rectangle((x0, y0, x0 + w, y0 + h), int(h / 3), fill=(70, 74, 84))
    d.rounded_rectangle((x0 - 40, y0 + h * 0.2, x0 + 20, y0 + h * 0.8), 10, fill=(120, 124, 130))
    leds = (rec.get("specs") or {}).get("led_count") or 120
    rows = max(2, min(8, round(math.sqrt(leds * h / w))))
    cols = max(6, math.ceil(leds / rows))
    _grid(d, (x0 + 50, y0 + 16, x0 + w - 50, y0 + h - 16), rec, min(cols, 60), rows)
    d.line((x0 + w - 20, y0 + h / 2, x0 + w + 60, y0 + h / 2 + 120), fill=INK, width=8)
    d.rounded_rectangle((x0 + w + 30, y0 + h / 2 + 110, x0 + w + 90, y0 + h / 2 + 200), 10, fill=CASE)


def _handheld(d, rec):
    d.rounded_rectangle((520, 330, 680, 740), 60, fill=CASE)
    d.ellipse((420, 90, 780, 400), fill=CASE)
    d.ellipse((520, 560, 580, 620), fill=(90, 200, 120))
    leds = (rec.get("specs") or {}).get("led_count") or 9
    n = max(3, math.ceil(math.sqrt(min(leds, 64))))
    _grid(d, (480, 130, 720, 360), rec, n, n)


def _laser(d, rec):
    d.polygon([(220, 420), (760, 380), (820, 400), (820, 480), (760, 500), (220, 460)], fill=CASE)
    d.rounded_rectangle((140, 400, 260, 480), 20, fill=(90, 95, 104))
    d.line((140, 440, 60, 620), fill=INK, width=10)
    colours = [band_colour(b["nm"]) for b in rec.get("wavelengths") or [{"nm": 980}]]
    for i, c in enumerate(colours):
        d.line((820, 430 + i * 8, 1080, 360 + i * 30), fill=c, width=6)
    lc = ((rec.get("specs") or {}).get("laser_class") or {})
    label = f"CLASS {lc.get('us') or lc.get('iec') or '4'} LASER PRODUCT"
    d.rectangle((300, 560, 900, 680), fill=(255, 214, 0), outline=INK, width=5)
    d.text((600, 595), "DANGER", font=_font(34), fill=INK, anchor="mm")
    d.text((600, 645), label, font=_font(30), fill=INK, anchor="mm")


DRAW = {"panel": _panel, "belt": _belt, "handheld": _handheld, "laser": _laser}


def _caption(d, rec):
    bands = rec.get("wavelengths") or []
    x = 60
    for b in bands:
        c = band_colour(b["nm"])
        d.ellipse((x, 790, x + 30, 820), fill=c)
        label = f"{b['nm']} nm" + (" (NIR)" if b["nm"] >= 750 else "")
        d.text((x + 40, 805), label, font=_font(26), fill=INK, anchor="lm")
        x += 60 + int(d.textlength(label, font=_font(26)))
    d.text((W - 40, 860), "Illustration from the product's specifications", font=_font(20),
           fill=(110, 110, 110), anchor="rm")


def illustrate(rec: dict[str, Any]) -> bytes:
    """A PNG illustration of a product record (the seed record shape)."""
    img = Image.new("RGB", (W, H), BG)
    d = ImageDraw.Draw(img)
    DRAW.get(rec.get("kind"), _panel)(d, rec)
    _caption(d, rec)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def alt_text(rec: dict[str, Any]) -> str:
    """Alt text saying what the illustration shows, from the same facts."""
    nms = ", ".join(f"{b['nm']} nm" for b in rec.get("wavelengths") or [])
    kind = rec.get("kind")
    leds = (rec.get("specs") or {}).get("led_count")
    if kind == "laser":
        lc = (rec.get("specs") or {}).get("laser_class") or {}
        return f"Illustration of the {rec['name']} laser handpiece ({nms}) with its class {lc.get('us') or lc.get('iec')} label"
    what = {"panel": "LED panel", "belt": "LED wrap", "handheld": "handheld LED device"}.get(kind, "device")
    count = f"{leds} LEDs" if leds else "LEDs"
    return f"Illustration of the {rec['name']} {what}: {count} at {nms}"[:300]
