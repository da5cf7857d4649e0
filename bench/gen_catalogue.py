"""Generate a large synthetic product catalogue in the seed format, for benchmarks.

Usage: python bench/gen_catalogue.py N OUT.json [--seed S]

The output is deterministic for a given N and seed. Every record passes `storefront seed
load` (schema and compliance gate): the copy is assembled from sentence templates that
only state measured figures, routine wording, cleared indications quoted word for word
and the mandatory Rx / precaution lines. Benchmarks import ``generate`` via sys.path.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

KINDS = ("belt", "panel", "handheld", "laser")
KIND_WEIGHTS = (30, 30, 25, 15)
KIND_CODES = {"belt": "BLT", "panel": "PNL", "handheld": "HHD", "laser": "LSR"}

SERIES = ("Aster", "Boreal", "Cirrus", "Delta", "Ember", "Fjord", "Glint", "Halcyon", "Iris",
          "Juniper", "Kestrel", "Lumo", "Meridian", "Nimbus", "Orion", "Prism", "Quill", "Riviera",
          "Solace", "Tidal", "Umbra", "Vesper", "Willow", "Zephyr")
NOUNS = {"belt": ("Wrap Belt", "Wrap", "Contour Belt", "Flex Pad"),
         "panel": ("Panel", "Light Panel", "Tower Panel", "Wall Panel"),
         "handheld": ("Handheld", "Wand", "Pocket Light", "Cluster"),
         "laser": ("Therapy Laser", "Class 4 Laser", "Clinic Laser", "Laser System")}

LED_BANDS = {
    "belt": [(660, 850), (630, 660, 850), (660,), (810, 850), (630, 850), (660, 830, 850)],
    "panel": [(630, 660, 810, 830, 850), (660, 850), (630, 660, 850), (660,), (630, 660, 830, 850),
              (660, 810, 850)],
    "handheld": [(630, 660, 850), (660, 850), (660,), (850,), (630, 850)],
}
LASER_BANDS = [(810, 980), (810, 980, 1064), (980,), (980, 1064), (810,), (915, 1064)]

CLEARED = {
    "ILY": ("Temporary relief of minor muscle and joint pain and stiffness, minor arthritis pain, "
            "muscle spasm; temporary increase in local blood circulation; temporary relaxation of "
            "muscles."),
    "NHN": ("Temporary relief of minor muscle and joint pain, arthritis and muscle spasm, relieving "
            "stiffness, promoting relaxation of muscle tissue and temporarily increasing local blood "
            "circulation."),
}
LED_CERTS = ("CE", "FCC Part 15B", "ETL", "IEC 60601-1", "IEC 60601-1-2", "IEC 60601-2-57", "RoHS")
LASER_CERTS = ("CE", "FCC Part 15B", "UL", "IEC 60601-1", "IEC 60601-1-2", "IEC 60601-2-22",
               "IEC 60825-1", "21 CFR 1040.10")
PACKAGING = ("Retail colour box", "Plain export carton", "Gift box with magnetic lid",
             "Zippered carry pouch", "Export carton with foam inserts", "Aluminium flight case")

METHODS = {
    0: ("Thermopile power sensor (10 mm aperture) at the emitting surface, mean of {pts} points",
        "Calibrated thermal power sensor in contact with the window, centre point, 25 °C"),
    15: ("Thermopile power sensor on the panel axis, 15 cm from the lens face, after warm-up",
         "Thermal power sensor at 15 cm, centred, mean of {pts} readings after 5 min warm-up"),
}

INTROS = {
    "belt": ("{name} holds {leds} LEDs at {bands} in a padded, adjustable wrap.",
             "A flexible wrap with {leds} LEDs at {bands} and a hook-and-loop strap.",
             "This belt places {leds} LEDs at {bands} in a soft cover that wipes clean."),
    "panel": ("{name} is a {leds}-LED panel at {bands} for sessions at a set distance.",
              "A fan-cooled aluminium panel carrying {leds} LEDs at {bands}.",
              "{leds} LEDs at {bands} behind {beam}° lenses, on a door strap or floor stand."),
    "handheld": ("A battery-powered handheld with {leds} LEDs at {bands}.",
                 "{name} fits in one hand and carries {leds} LEDs at {bands}.",
                 "A compact light with {leds} LEDs at {bands} and USB-C charging."),
}
ROUTINE = ("Set the timer, sit back and make it part of a quiet evening routine.",
           "The timer switches the light off, so a session fits into a morning or evening routine.",
           "Many people pair a session with reading or a slow stretch at the end of the day.",
           "Sessions are short and timed, which makes a regular routine easy to keep.",
           "A simple controller with one button per channel keeps each session predictable.")
WELLNESS_CLOSE = ("A general wellness product; not intended to diagnose, treat, cure or prevent any "
                  "disease. Use only as directed; see Precautions.",
                  "This general wellness product makes no medical claims. Read the Precautions "
                  "before first use and follow the timer.",
                  "Not intended to diagnose, treat, cure or prevent any disease. Results vary; see "
                  "Precautions before use.")
NIR_NOTE = ("Near-infrared light is invisible, so an indicator shows when it is on.",
            "The near-infrared LEDs give no visible glow; the controller shows when they are on.")
PULSED_NOTE = ("Pulsed settings at {hz} flicker visibly: people with photosensitive epilepsy "
               "should use the continuous mode only.")
HEADLINES = {
    "belt": ("A {bands} {noun} with a {t}-minute timer", "{leds} LEDs at {bands} in a flexible wrap",
             "A padded {bands} wrap for a steady routine"),
    "panel": ("A {bands} {noun} measured at 15 cm", "{leds} LEDs at {bands} for a home routine",
              "A {noun} with {bands} and a {t}-minute timer"),
    "handheld": ("A {bands} {noun} that runs on its own battery", "{leds} LEDs at {bands} in one hand",
                 "A cordless {noun} with {bands}"),
}
RX_LINE = ("Rx only. Caution: Federal law restricts this device to sale by or on the order of a "
           "licensed healthcare practitioner.")


def _band_text(nms) -> str:
    parts = [f"{n} nm" for n in nms]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _shares(rng: random.Random, count: int) -> list[int]:
    """Integer percentages that add up to exactly 100."""
    if count == 1:
        return [100]
    weights = [rng.randint(2, 6) for _ in range(count)]
    raw = [w * 100 // sum(weights) for w in weights]
    raw[-1] += 100 - sum(raw)
    return raw


def _tiers(rng: random.Random, price: int, moq: int) -> list[dict[str, int]]:
    qty, unit, out = moq, int(price * rng.uniform(0.45, 0.65)), []
    for _ in range(rng.randint(1, 4)):
        out.append({"min_qty": qty, "unit_price": unit})
        qty *= rng.choice((2, 3, 5))
        unit = int(unit * rng.uniform(0.85, 0.97))
    return out


def _oem(rng: random.Random, price: int, kind: str, multi_band: bool) -> dict[str, Any]:
    moq = {"laser": 5, "panel": rng.choice((10, 30, 50)),
           "belt": rng.choice((50, 100, 200)), "handheld": rng.choice((100, 200, 500))}[kind]
    return {"private_label": rng.random() < 0.85,
            "custom_wavelengths": kind != "laser" and multi_band and rng.random() < 0.8,
            "packaging": rng.sample(PACKAGING, rng.randint(1, 3)),
            "moq": moq, "lead_time_days": rng.choice((21, 30, 35, 45, 60, 90)),
            "sample_price": None if kind == "laser" else int(round(price * rng.uniform(0.6, 0.8), -2)),
            "tiers": _tiers(rng, price, moq)}


def _modes(rng: random.Random, kind: str) -> list[dict[str, Any]]:
    if kind == "laser":
        hz = sorted(rng.sample((10, 20, 50, 500, 1000, 2500, 5000), rng.randint(1, 3)))
        return [{"type": "cw"}] + [{"type": "pulsed", "hz": h, "duty_cycle_pct": 50} for h in hz]
    if rng.random() < 0.25:
        return [{"type": "cw"}, {"type": "pulsed", "hz": 10, "duty_cycle_pct": 50},
                {"type": "pulsed", "hz": 40, "duty_cycle_pct": 50}]
    return [{"type": "cw"}]


def _dose_line(mw: float, minutes: int, where: str) -> str:
    return f"- {minutes} min: {mw * minutes * 60 / 1000:.1f} J/cm² {where}"


def _led_product(rng: random.Random, i: int, kind: str) -> dict[str, Any]:
    nms = rng.choice(LED_BANDS[kind])
    leds = {"belt": rng.randrange(48, 361, 12), "panel": rng.choice((20, 45, 60, 120, 180, 240)),
            "handheld": rng.randrange(9, 73, 3)}[kind]
    dist = 15 if kind == "panel" else 0
    mw = round(rng.uniform(35, 110) if kind != "belt" else rng.uniform(30, 55), 1)
    draw = {"panel": round(leds * rng.uniform(2.4, 2.9)), "belt": round(leds * 0.2 + 4),
            "handheld": rng.choice((5, 6, 9, 12))}[kind]
    timers = sorted(rng.sample((5, 10, 15, 20), 3) if kind != "handheld" else rng.sample((3, 5, 10), 2))
    price = {"belt": rng.randrange(9900, 39900, 1000), "panel": rng.randrange(15900, 149900, 1000),
             "handheld": rng.randrange(5900, 29900, 500)}[kind]
    noun = rng.choice(NOUNS[kind])
    name = f"{rng.choice(SERIES)} {'/'.join(map(str, nms))} {noun} G{i}"
    status = "wellness" if rng.random() < 0.85 else "otc_cleared"
    modes = _modes(rng, kind)
    regulatory: dict[str, Any] = {"status": status}
    if status == "otc_cleared":
        code = rng.choice(("ILY", "NHN"))
        regulatory.update(k_number=f"K29{rng.randrange(10000):04d}", product_code=code,
                          indications=CLEARED[code])
    bands = [{"nm": n, "share_pct": s} for n, s in zip(nms, _shares(rng, len(nms)), strict=True)]
    method = rng.choice(METHODS[dist]).format(pts=rng.choice((5, 9, 13)))
    where = "at 15 cm" if dist else "at contact"
    fmt = {"name": name, "leds": leds, "bands": _band_text(nms), "beam": rng.choice((30, 45, 60))}
    intro = [rng.choice(INTROS[kind]).format(**fmt)]
    if any(n >= 700 for n in nms) and rng.random() < 0.6:
        intro.append(rng.choice(NIR_NOTE))
    pulsed = [m["hz"] for m in modes if m["type"] == "pulsed"]
    lines = ["## Overview", " ".join(intro), "", "## Measured figures",
             f"- {mw:g} mW/cm² {where}; {method[0].lower()}{method[1:]}",
             f"- {draw:g} W power draw; timer {', '.join(map(str, timers))} min",
             _dose_line(mw, timers[-1], where), ""]
    if pulsed:
        lines += [PULSED_NOTE.format(hz=" and ".join(f"{h:g} Hz" for h in pulsed)), ""]
    if status == "otc_cleared":
        lines += [f"FDA-cleared ({regulatory['k_number']}), product code {regulatory['product_code']}, "
                  f"for the following indications: \"{regulatory['indications']}\" Results vary. Use "
                  "only as directed; see Precautions."]
    else:
        lines += [rng.choice(ROUTINE), "", rng.choice(WELLNESS_CLOSE)]
    dims = {"belt": (rng.randrange(400, 1500, 50), rng.randrange(120, 260, 10), 14),
            "panel": (rng.randrange(260, 1200, 20), rng.randrange(180, 440, 20), 70),
            "handheld": (rng.randrange(100, 220, 5), rng.randrange(35, 90, 5), 40)}[kind]
    return {
        "regulatory": regulatory, "name": name, "price": price, "bands": bands,
        "certifications": list(LED_CERTS) + [f"IEC 62471 ({rng.choice(('Exempt Group', 'Risk Group 1', 'Risk Group 2'))})"],
        "specs": {"led_count": leds, "beam_angle_deg": 120 if kind == "belt" else fmt["beam"],
                  "coverage_cm2": round(rng.uniform(0.6, 0.9) * dims[0] * dims[1] / 100)
                  if kind != "handheld" else rng.randrange(10, 60),
                  "irradiance": {"mw_cm2": mw, "distance_cm": dist, "method": method},
                  "power_draw_w": draw, "modes": modes, "timer_minutes": timers,
                  "dimensions_mm": dict(zip(("length", "width", "height"), dims, strict=True)),
                  "weight_g": round(dims[0] * dims[1] * rng.uniform(0.004, 0.03))},
        "oem": _oem(rng, price, kind, len(nms) > 1),
        "copy": {"headline": rng.choice(HEADLINES[kind]).format(
                     bands=_band_text(nms), noun=noun.lower(), t=timers[-1], leds=leds),
                 "summary": f"{leds} LEDs; {mw:g} mW/cm² measured {where}; {draw:g} W.",
                 "body": "\n".join(lines) + "\n"},
        "precautions": [],
    }


def _laser_product(rng: random.Random, i: int) -> dict[str, Any]:
    nms = rng.choice(LASER_BANDS)
    total = rng.choice((10, 12, 15, 20, 25, 30))
    split = _shares(rng, len(nms))
    bands = [{"nm": n, "power_w": round(total * s / 100, 2)} for n, s in zip(nms, split, strict=True)]
    total = round(sum(b["power_w"] for b in bands), 2)
    od = "OD 6+" if total > 15 else "OD 5+"
    spot, divergence = rng.choice((20, 25, 30, 35)), rng.randrange(150, 260, 10)
    modes = _modes(rng, "laser")
    pulsed = [f"{m['hz']:g}" for m in modes if m["type"] == "pulsed"]
    hz = pulsed[0] if len(pulsed) == 1 else ", ".join(pulsed[:-1]) + " or " + pulsed[-1]
    k = f"K29{rng.randrange(10000):04d}"
    name = f"{rng.choice(SERIES)} {total:g} {rng.choice(NOUNS['laser'])} L{i}"
    price = rng.randrange(990000, 3990000, 10000)
    body = "\n".join([
        f"Class 4 therapy laser for licensed practitioners: {total:g} W at {_band_text(nms)}, "
        f"continuous or pulsed at {hz} Hz; spot {spot} mm, divergence {divergence} mrad.", "",
        f"FDA-cleared ({k}), product code ILY, for the following indications: \"{CLEARED['ILY']}\"", "",
        "## Operation",
        "- Class IV (21 CFR 1040.10) / Class 4 (IEC 60825-1); key switch, remote interlock",
        f"- Eyewear for everyone in the room: {od} at 790–1100 nm",
        "- Produces warmth: keep the handpiece moving; trained operators only; see Precautions", "",
        RX_LINE]) + "\n"
    return {
        "regulatory": {"status": "rx_only", "k_number": k, "product_code": "ILY",
                       "indications": CLEARED["ILY"]},
        "name": name, "price": price, "bands": bands, "certifications": list(LASER_CERTS),
        "specs": {"optical_output_w": total, "laser_class": {"us": "IV", "iec": "4"},
                  "beam_divergence_mrad": divergence, "spot_size_mm": spot,
                  "power_draw_w": round(total * rng.uniform(9, 14)), "modes": modes,
                  "timer_minutes": [1, 2, 5, 10],
                  "dimensions_mm": {"length": rng.randrange(330, 520, 10),
                                    "width": rng.randrange(260, 420, 10), "height": 210},
                  "weight_g": rng.randrange(5000, 38000, 100)},
        "oem": _oem(rng, price, "laser", len(nms) > 1),
        "copy": {"headline": f"A {total:g} W class 4 therapy laser at {_band_text(nms)}",
                 "summary": f"Class 4, {total:g} W at {_band_text(nms)}. Rx only.",
                 "body": body},
        "precautions": [f"Eyewear supplied: {od} at 790–1100 nm, covering every emitted wavelength."],
    }


def generate(n: int, seed: int = 0) -> dict[str, Any]:
    """Return a seed document with ``n`` valid synthetic products, deterministic per seed."""
    rng = random.Random(seed)
    products = []
    for i in range(n):
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        part = _laser_product(rng, i) if kind == "laser" else _led_product(rng, i, kind)
        sku = f"GEN-{KIND_CODES[kind]}-{i:06d}"
        roll = rng.random()
        products.append({
            "sku": sku, "slug": sku.lower(), "name": part["name"], "kind": kind,
            "status": "draft" if roll < 0.06 else "archived" if roll < 0.08 else "published",
            "price": part["price"], "currency": "USD",
            "stock": 0 if rng.random() < 0.05 else rng.randrange(1, 500),
            "regulatory": part["regulatory"], "certifications": part["certifications"],
            "wavelengths": part["bands"], "specs": part["specs"], "oem": part["oem"],
            "copy": part["copy"], "precautions": part["precautions"],
        })
    return {"products": products}


def main(argv: list[str] | None = None) -> None:
    """Write a generated catalogue to a file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of products")
    parser.add_argument("out", help="output JSON path ('-' for stdout)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    text = json.dumps(generate(args.n, seed=args.seed), ensure_ascii=False, indent=1) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"Wrote {args.n} products to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
