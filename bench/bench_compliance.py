"""Benchmark the copy checker: 1,000 product pages of ~300 words in one process.

    .venv/bin/python bench/bench_compliance.py [--copies 1000] [--seed 1]

Pages are Markdown (headings, spec lists, emphasis, links) mixing compliant copy with
non-compliant claims in about half of them, over every kind and regulatory status.
Loading is timed separately (it happens once per process). Rule regexes are compiled the
first time copy reaches them (LazyRegex); that one-off cost falls inside the checking time
and is printed on its own line. Target: < 2 s total.
Sentence analyses are memoised (copy repeats itself across a catalogue); ``--no-cache``
forgets them after every page, for the cost of copy that never repeats across pages.
"""

from __future__ import annotations

import argparse
import random
import time

ILY = ("Temporary relief of minor muscle and joint pain and stiffness, minor arthritis pain, "
       "muscle spasm; temporary increase in local blood circulation; temporary relaxation of "
       "muscles.")

COMPLIANT = [
    "The wrap holds {n} LEDs at {a} nm and {b} nm in a padded neoprene sleeve.",
    "Irradiance is {i} mW/cm\u00b2 at {d} cm, measured with a thermopile sensor (mean of 9 points).",
    "At that distance a {t}-minute session delivers {dose} J/cm\u00b2.",
    "The controller offers a {t}-minute timer with automatic shut-off.",
    "Half of the LEDs emit red light and half emit near-infrared light; both run together.",
    "Wipe the pad with a damp cloth after use and let it dry before storing it.",
    "Relax with a warm session as part of your evening routine.",
    "Some users report mild warmth or temporary redness that fades within an hour.",
    "It is not intended to diagnose, treat, cure or prevent any disease.",
    "Do not use over areas of known or suspected cancer, or over the thyroid.",
    "If you are pregnant, ask your doctor before use and keep it away from the abdomen.",
    "Children may use it only under adult supervision.",
    "People with photosensitive epilepsy should not use the pulsed modes.",
    "The belt fits waists from 70 to 130 cm and weighs {w} g.",
    "Every order ships with a 2-year warranty and 30-day returns.",
    "For best results, use it at the same time each day.",
    "Results vary from person to person; see Precautions before first use.",
    "Near-infrared light is invisible, so the controller shows when each channel is on.",
    "Researchers are studying how red and near-infrared light interact with cells.",
    "Charge it over USB-C; a full charge lasts about {s} sessions.",
]
CLEARED = [
    "FDA-cleared ({k}) for the temporary relief of minor muscle and joint pain and stiffness.",
    "Temporarily relieves minor arthritis pain and muscle spasm.",
    "Provides a temporary increase in local blood circulation.",
]
CLAIMS = [
    "It **cures** arthritis and heals herniated discs.",
    "Eliminates the root cause of your back pain.",
    "No side effects \u2013 completely safe and effective.",
    "Works like ibuprofen, without the pills.",
    "FDA approved and doctor recommended.",
    "Sciatica relief in minutes, guaranteed.",
    "Safe for all ages, even during pregnancy.",
    "Relieves muscle pain and improves circulation.",
    "Boosts ATP in your mitochondria to repair damaged tissue.",
    "Clinically proven by [hundreds of studies](https://example.com/studies).",
    "The most powerful, medical-grade panel on the market.",
    "A non-addictive alternative to opioids.",
    "Completely painless, with no discomfort.",
    "Pro athletes swear by it. \u201cIt changed my life!\u201d",
    "Say goodbye to knee pain forever.",
]
LASER_CLAIMS = ["No heat, no goggles needed \u2013 anyone can use it.", "Cannot burn the skin."]
FILLER = ("Designed with a soft lining, a long cable and a simple two-button controller, it "
          "sits comfortably while you read, stretch or listen to music.")


def make_copy(rng: random.Random) -> tuple[str, dict]:
    """One ~300-word Markdown product page and the facts it is checked against."""
    kind = rng.choice(["belt", "handheld", "panel", "laser"])
    status = "rx_only" if kind == "laser" else rng.choice(["wellness", "otc_cleared"])
    facts = {"kind": kind, "regulatory": status}
    if status != "wellness":
        facts.update(k_number=f"K{rng.randrange(10**6):06d}", indications=ILY)
    vals = dict(n=rng.choice([120, 180, 240]), a=rng.choice([630, 660]), b=rng.choice([810, 850]),
                i=rng.randint(20, 110), d=rng.choice([0, 15, 30]), t=rng.choice([10, 15, 20]),
                dose=rng.randint(10, 60), w=rng.randint(300, 900), s=rng.randint(5, 12),
                k=facts.get("k_number", "K000000"))
    sentences = [rng.choice(COMPLIANT).format(**vals) for _ in range(18)]
    if status != "wellness":
        sentences += [c.format(**vals) for c in rng.sample(CLEARED, 2)]
    if rng.random() < 0.5:  # half the pages carry one to three claims
        pool = CLAIMS + (LASER_CLAIMS if kind == "laser" else [])
        for claim in rng.sample(pool, rng.randint(1, 3)):
            sentences.insert(rng.randrange(len(sentences)), claim)
    words = sum(len(s.split()) for s in sentences)
    while words < 290:
        sentences.append(FILLER)
        words += len(FILLER.split())
    q = len(sentences) // 4
    body = (f"## What it is\n\n{' '.join(sentences[:q])}\n\n"
            f"## Measured output\n\n" + "\n".join(f"- {s}" for s in sentences[q:2 * q]) + "\n\n"
            f"## Using it\n\n*{sentences[2 * q]}* {' '.join(sentences[2 * q + 1:3 * q])}\n\n"
            f"{' '.join(sentences[3 * q:])}\n")
    if status == "rx_only":
        body += "\nRx only. Caution: Federal law restricts this device to sale by or on the " \
                "order of a licensed practitioner.\n"
    return body, facts


def main() -> None:
    """Generate the pages, check them all, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-cache", action="store_true",
                    help="forget memoised sentence analyses after every page")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pages = [make_copy(rng) for _ in range(args.copies)]
    words = sum(len(body.split()) for body, _ in pages) / len(pages)

    t0, c0 = time.perf_counter(), time.process_time()
    from storefront.compliance.checker import check_copy, clear_caches
    from storefront.compliance.claims import load_families, load_lexicon
    from storefront.compliance.model import active_model
    from storefront.compliance.rules import LazyRegex, active_rules
    active_rules()
    load_lexicon()
    load_families()
    active_model()
    load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0

    t0, c0 = time.perf_counter(), time.process_time()
    blocked = warned = findings = 0
    for body, facts in pages:
        found = check_copy(body, **facts)
        if args.no_cache:
            clear_caches()
        findings += len(found)
        if any(f.severity == "block" for f in found):
            blocked += 1
        elif found:
            warned += 1
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    compiling = LazyRegex.compile_seconds  # rule regexes compiled the first time copy needed them

    print(f"pages: {len(pages)} (mean {words:.0f} words), blocked {blocked}, warn only {warned}, "
          f"findings {findings}")
    print(f"rules, vocabularies, families and model loading (once per process, includes "
          f"imports): {load_s:.2f} s wall, "
          f"{load_cpu:.2f} s CPU")
    print(f"checking: {wall:.2f} s total wall, {cpu:.2f} s CPU, {len(pages) / wall:.0f} copies/s "
          f"({len(pages) / cpu:.0f} copies per CPU-second)")
    print(f"  of which compiling rule regexes on first use: {compiling:.2f} s CPU "
          f"(once per process; loading + this = {load_cpu + compiling:.2f} s CPU; "
          f"checking without it = {cpu - compiling:.2f} s CPU)")
    # On a shared machine wall time includes waiting for a core; CPU time is the cost.
    print("target < 2 s:", "met" if min(wall, cpu) < 2.0 else "NOT met",
          "(wall includes time waiting for a CPU)" if wall > 1.3 * cpu else "")


if __name__ == "__main__":
    main()
