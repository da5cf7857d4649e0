"""Laser classes: the one home for what the storefront knows about them.

US classes (21 CFR 1040.10: I, II, IIIa, IIIb, IV) and IEC 60825-1 classes (1, 1M, 2, 2M,
3R, 3B, 4), how one maps to the other, the label shown wherever a laser is listed and the
short hazard advice on its product page. Pure data and functions, like the rest of
``compliance``; the catalogue's schema, filters, facets, pages and API read it from here.

(The precautions block's own label text, in ``precautions.py``, and the alias table behind
``normalise_laser_class`` in ``facts.py`` are the engine's internals; they are re-exported,
not copied, here.)
"""

from __future__ import annotations

from storefront.compliance.facts import normalise_laser_class

__all__ = ["US_CLASSES", "IEC_CLASSES", "US_TO_IEC", "HAZARD_ADVICE", "label", "advice",
           "normalise_laser_class"]

US_CLASSES = ("I", "II", "IIIa", "IIIb", "IV")
IEC_CLASSES = ("1", "1M", "2", "2M", "3R", "3B", "4")
# The IEC class a US class corresponds to (shown when only the US class is known).
US_TO_IEC = {"I": "1", "II": "2", "IIIa": "3R", "IIIb": "3B", "IV": "4"}

HAZARD_ADVICE = {
    "IV": "Avoid eye or skin exposure to direct or scattered radiation.",
    "IIIb": "Avoid exposure to the beam.",
    "IIIa": "Avoid direct eye exposure.",
}
DEFAULT_ADVICE = "Do not stare into the beam."


def label(us: str | None, iec: str | None = None) -> str:
    """The class label as shown wherever a laser is listed (``US Class IV / IEC Class 4 laser product``)."""
    if not us and not iec:
        return ""
    iec = iec or US_TO_IEC.get(us or "", "")
    parts = []
    if us:
        parts.append(f"US Class {us}")
    if iec:
        parts.append(f"IEC Class {iec}")
    return " / ".join(parts) + " laser product"


def advice(us: str | None) -> str:
    """The one-line hazard advice for a US laser class."""
    return HAZARD_ADVICE.get(us or "", DEFAULT_ADVICE)
