"""Inline SVG of a product's wavelength bands (no script, no external assets)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 40, 20, 34, 52
VISIBLE_LIMIT_NM = 700


def _rgb_for(nm: float) -> str:
    """An approximate display colour for a visible wavelength; NIR gets a dark stand-in."""
    if nm >= VISIBLE_LIMIT_NM:
        return "#6d1f2a"
    if nm < 380:
        return "#7a4cc2"
    # Piecewise approximation of the visible spectrum (after Dan Bruton).
    if nm < 440:
        r, g, b = -(nm - 440) / 60, 0.0, 1.0
    elif nm < 490:
        r, g, b = 0.0, (nm - 440) / 50, 1.0
    elif nm < 510:
        r, g, b = 0.0, 1.0, -(nm - 510) / 20
    elif nm < 580:
        r, g, b = (nm - 510) / 70, 1.0, 0.0
    elif nm < 645:
        r, g, b = 1.0, -(nm - 645) / 65, 0.0
    else:
        r, g, b = 1.0, 0.0, 0.0
    fade = 1.0 if nm < 650 else 0.55 + 0.45 * (VISIBLE_LIMIT_NM - nm) / 50
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * c * fade) for c in (r, g, b)))


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _band_weight(bands: Sequence) -> list[float]:
    if bands and all(b.share_pct for b in bands):
        return [float(b.share_pct) for b in bands]
    if bands and all(b.power_w for b in bands):
        return [float(b.power_w) for b in bands]
    return [1.0 for _ in bands]


def band_description(bands: Sequence) -> str:
    """A text equivalent of the chart, e.g. ``660 nm (50%), 850 nm (50%)``."""
    parts = []
    for b in bands:
        extra = []
        if b.share_pct:
            extra.append(f"{_fmt(b.share_pct)}%")
        if b.power_w:
            extra.append(f"{_fmt(b.power_w)} W")
        zone = "visible red" if b.nm < VISIBLE_LIMIT_NM else "near-infrared, invisible"
        parts.append(f"{b.nm} nm ({', '.join([*extra, zone])})")
    return ", ".join(parts)


def _spread(wanted: list[float], widths: list[float], lo: float, hi: float) -> list[float]:
    """Label centres near ``wanted`` (sorted) that do not overlap and stay within [lo, hi]."""
    pos: list[float] = []
    for i, x in enumerate(wanted):
        x = max(x, lo + widths[i] / 2)
        if pos:
            x = max(x, pos[-1] + (widths[i - 1] + widths[i]) / 2)
        pos.append(x)
    for i in range(len(pos) - 1, -1, -1):
        limit = hi - widths[i] / 2 if i == len(pos) - 1 else pos[i + 1] - (widths[i] + widths[i + 1]) / 2
        pos[i] = min(pos[i], limit)
    return pos


@dataclass(frozen=True)
class _Band:
    nm: int
    share_pct: float | None
    power_w: float | None


def wavelength_chart(bands: Sequence, *, laser: bool = False, chart_id: str = "wl") -> Markup:
    """An accessible inline SVG with one emission peak per band on a wavelength axis."""
    key = tuple(sorted((b.nm, b.share_pct, b.power_w) for b in bands))
    return _chart(key, laser, chart_id)


@lru_cache(maxsize=1024)
def _chart(key: tuple, laser: bool, chart_id: str) -> Markup:
    # A pure function of the bands: many products share the same band layout.
    if not key:
        return Markup("")
    bands = [_Band(*k) for k in key]
    nms = [b.nm for b in bands]
    lo = min(600, (min(nms) - 30) // 50 * 50)
    hi = max(1100, -(-(max(nms) + 30) // 50) * 50)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base_y = TOP + plot_h

    def x(nm: float) -> float:
        return LEFT + (nm - lo) / (hi - lo) * plot_w

    weights = _band_weight(bands)
    top = max(weights)
    sigma = 2.5 if laser else 11.0
    out: list[str] = [
        f'<svg class="wavelength-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">Emission wavelengths</title>',
        f'<desc id="{chart_id}-desc">{escape(band_description(bands))}</desc>',
    ]
    vis_end = min(max(x(VISIBLE_LIMIT_NM), LEFT), LEFT + plot_w)
    if vis_end > LEFT:
        out.append(f'<rect x="{LEFT}" y="{TOP}" width="{_fmt(vis_end - LEFT)}" height="{plot_h}" '
                   'fill="#fff1ef"/>')
        out.append(f'<text x="{LEFT + 4}" y="{TOP - 8}" class="zone">visible</text>')
    if vis_end < LEFT + plot_w:
        out.append(f'<rect x="{_fmt(vis_end)}" y="{TOP}" width="{_fmt(LEFT + plot_w - vis_end)}" '
                   f'height="{plot_h}" fill="#f3eef5"/>')
        out.append(f'<text x="{_fmt(vis_end + 4)}" y="{TOP - 8}" class="zone">'
                   'near-infrared (invisible)</text>')
    step = 100 if hi - lo > 400 else 50
    for tick in range(int(math.ceil(lo / step) * step), int(hi) + 1, step):
        tx = _fmt(x(tick))
        out.append(f'<line x1="{tx}" y1="{base_y}" x2="{tx}" y2="{base_y + 5}" stroke="#555"/>')
        out.append(f'<text x="{tx}" y="{base_y + 18}" text-anchor="middle" class="tick">{tick}</text>')
    out.append(f'<line x1="{LEFT}" y1="{base_y}" x2="{LEFT + plot_w}" y2="{base_y}" stroke="#555"/>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle" class="axis">'
               'wavelength (nm)</text>')
    peaks: list[tuple[float, float]] = []
    for b, w in zip(bands, weights, strict=True):
        peak_h = plot_h * 0.74 * (w / top)
        pts = []
        for i in range(-16, 17):
            nm = b.nm + i * sigma / 4
            if lo <= nm <= hi:
                y = base_y - peak_h * math.exp(-0.5 * (nm - b.nm) ** 2 / sigma**2)
                pts.append(f"{_fmt(x(nm))},{_fmt(y)}")
        colour = _rgb_for(b.nm)
        out.append(f'<polygon points="{_fmt(x(max(lo, b.nm - 4 * sigma)))},{base_y} {" ".join(pts)} '
                   f'{_fmt(x(min(hi, b.nm + 4 * sigma)))},{base_y}" fill="{colour}" '
                   f'fill-opacity="0.85" stroke="{colour}"/>')
        peaks.append((x(b.nm), base_y - peak_h))
    # Labels sit in one row at the top, spread apart, each tied to its peak by a leader line.
    labels = [f"{b.nm} nm" for b in bands]
    widths = [8.0 * len(t) + 12 for t in labels]
    spots = _spread([px for px, _ in peaks], widths, LEFT, LEFT + plot_w)
    label_y = TOP + 14
    for text, spot, (px, py) in zip(labels, spots, peaks, strict=True):
        out.append(f'<line x1="{_fmt(spot)}" y1="{label_y + 4}" x2="{_fmt(px)}" y2="{_fmt(py - 2)}" '
                   'stroke="#8a8490" stroke-width="1"/>')
        out.append(f'<text x="{_fmt(spot)}" y="{label_y}" text-anchor="middle" class="peak">'
                   f'{escape(text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
