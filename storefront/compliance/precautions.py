"""The precautions block: mandatory lines built from product facts, plus staff additions.

Mandatory lines come only from the facts (kind, laser class, wavelengths, pulse modes,
status), so no product can be listed without them; staff lines are appended under
"Additional precautions" and there is no way to remove a mandatory line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from storefront.compliance.facts import ProductFacts, normalise_laser_class

NIR_NM = 700  # bands at or above this are near-infrared: invisible, heating
FLICKER_HZ = (3.0, 30.0)  # usual photosensitive-epilepsy trigger range
OD_RANGE = (1, 10)  # eyewear ODs outside this are not meaningful products


@dataclass(frozen=True, slots=True)
class PrecautionLine:
    """One precaution; mandatory lines come from the facts, staff lines are not."""

    id: str
    text: str
    mandatory: bool = True

    def to_dict(self) -> dict:
        """Return the line JSON-ready."""
        return {"id": self.id, "text": self.text, "mandatory": self.mandatory}


@dataclass(frozen=True, slots=True)
class PrecautionSection:
    """A titled group of precaution lines."""

    id: str
    title: str
    lines: tuple[PrecautionLine, ...]

    def to_dict(self) -> dict:
        """Return the section JSON-ready."""
        return {"id": self.id, "title": self.title, "lines": [ln.to_dict() for ln in self.lines]}


@dataclass(frozen=True, slots=True)
class Eyewear:
    """Required laser eyewear optical density at one wavelength (None: not computable)."""

    nm: int
    od: int | None

    def to_dict(self) -> dict:
        """Return {nm, od}."""
        return {"nm": self.nm, "od": self.od}


@dataclass(frozen=True, slots=True)
class Precautions:
    """A product's precautions: sections of lines, eyewear ODs, NOHD and laser label."""

    sku: str
    sections: tuple[PrecautionSection, ...]
    eyewear: tuple[Eyewear, ...] = ()
    nohd_m: float | None = None
    laser_label: str | None = None
    audience: str = "consumer"  # 'consumer' (lay user) or 'professional' (practitioner)

    @property
    def lines(self) -> list[PrecautionLine]:
        """Every line, in order."""
        return [ln for s in self.sections for ln in s.lines]

    @property
    def mandatory_lines(self) -> list[PrecautionLine]:
        """The lines staff cannot remove."""
        return [ln for ln in self.lines if ln.mandatory]

    def section(self, section_id: str) -> PrecautionSection | None:
        """The section with this id, if present."""
        return next((s for s in self.sections if s.id == section_id), None)

    def to_dict(self) -> dict:
        """Return the block as JSON-ready data."""
        return {"sku": self.sku, "sections": [s.to_dict() for s in self.sections],
                "eyewear": [e.to_dict() for e in self.eyewear], "nohd_m": self.nohd_m,
                "laser_label": self.laser_label}

    def render_text(self) -> str:
        """Render the block as plain text (one section per paragraph)."""
        parts = ["PRECAUTIONS"]
        for s in self.sections:
            parts.append("\n".join([s.title] + [f"- {ln.text}" for ln in s.lines]))
        return "\n\n".join(parts) + "\n"


# --- laser hazard arithmetic -------------------------------------------------------------

def _c_a(nm: float) -> float:
    if nm < 700:
        return 1.0
    if nm < 1050:
        return 10 ** (0.002 * (nm - 700))
    return 5.0


def _c_c(nm: float) -> float:
    if nm < 1150:
        return 1.0
    if nm < 1200:
        return 10 ** (0.018 * (nm - 1150))
    return 8.0


def exposure_s(nm: float) -> float:
    """Exposure duration assumed for ocular MPE: 0.25 s visible (blink), 10 s otherwise."""
    return 0.25 if nm < NIR_NM else 10.0


def limiting_aperture_mm(nm: float) -> float:
    """Limiting aperture over which irradiance is averaged (7 mm retinal, 3.5 mm beyond)."""
    return 7.0 if nm < 1400 else 3.5


def mpe_w_m2(nm: float, t: float | None = None) -> float | None:
    """Ocular MPE (W/m²) for CW exposure of ``t`` s at ``nm``; None outside 400-1800 nm.

    Simplified ANSI Z136.1 / IEC 60825-1 point-source limits, valid for 0.25 s <= t <= 10 s:

    - 400-1050 nm (retinal thermal): H = 18 · C_A · t^0.75 J/m²,
      C_A = 1 (400-700 nm), 10^(0.002(λ-700)) (700-1050 nm);
    - 1050-1400 nm: H = 90 · C_C · t^0.75 J/m², C_C = 1 (1050-1150 nm),
      10^(0.018(λ-1150)) (1150-1200 nm), 8 (1200-1400 nm);
    - 1400-1500 nm (corneal): H = 5600 · t^0.25 J/m²; 1500-1800 nm: H = 10⁴ J/m².

    MPE as irradiance is H / t. Extended sources, repetitive pulses and the photochemical
    blue-light limit (exposures longer than 10 s) are ignored: therapy lasers are point
    sources and the durations used here are short.
    """
    t = exposure_s(nm) if t is None else t
    if 400 <= nm < 1050:
        h = 18.0 * _c_a(nm) * t ** 0.75
    elif 1050 <= nm < 1400:
        h = 90.0 * _c_c(nm) * t ** 0.75
    elif 1400 <= nm < 1500:
        h = 5600.0 * t ** 0.25
    elif 1500 <= nm <= 1800:
        h = 10000.0
    else:
        return None
    return h / t


def required_od(nm: float, power_w: float, beam_diameter_mm: float | None) -> int | None:
    """Eyewear optical density: OD = ceil(log10(H0 / MPE)), clamped to 1..10.

    H0 is the irradiance at the aperture: the full output power ``power_w`` (assumed at
    every emitted wavelength, which is conservative for multi-wavelength lasers) spread
    over the beam diameter, but never over less than the limiting aperture: a beam
    narrower than the pupil puts all its power into the eye.
    """
    mpe = mpe_w_m2(nm)
    if mpe is None or power_w is None or power_w <= 0:
        return None
    d_mm = max(beam_diameter_mm or 0.0, limiting_aperture_mm(nm))
    h0 = power_w / (math.pi * (d_mm / 2000.0) ** 2)
    od = math.ceil(math.log10(h0 / mpe))
    return min(max(od, OD_RANGE[0]), OD_RANGE[1])


def nohd_m(nm: float, power_w: float, divergence_mrad: float | None,
           beam_diameter_mm: float | None) -> float | None:
    """Nominal ocular hazard distance (m): (sqrt(4P / (π·MPE)) − a) / φ, at least 0.

    ``a`` is the beam diameter at the aperture (m, 0 when unknown: conservative) and φ
    the full divergence angle (rad). None when the divergence or the MPE is unknown.
    """
    mpe = mpe_w_m2(nm)
    if mpe is None or not divergence_mrad or divergence_mrad <= 0 or not power_w:
        return None
    a = (beam_diameter_mm or 0.0) / 1000.0
    d = (math.sqrt(4.0 * power_w / (math.pi * mpe)) - a) / (divergence_mrad / 1000.0)
    return max(d, 0.0)


def _us_name(cls: str | None) -> str | None:
    return {"1": "I", "1M": "I", "2": "II", "2M": "II", "3R": "IIIa", "3B": "IIIb",
            "4": "IV"}.get(cls or "")


def laser_label(facts: ProductFacts) -> str | None:
    """The class label text (21 CFR 1040.10(g); IEC 60825-1) for a laser, else None."""
    if facts.kind != "laser" or facts.laser_class is None:
        return None
    iec = normalise_laser_class(facts.laser_class_iec) or facts.laser_class
    us = _us_name(normalise_laser_class(facts.laser_class_us) or iec)
    nms = sorted(set(facts.wavelengths_nm))
    visible = any(400 <= n < NIR_NM for n in nms)
    invisible = any(n >= NIR_NM or n < 400 for n in nms)
    radiation = ("VISIBLE AND INVISIBLE LASER RADIATION" if visible and invisible
                 else "INVISIBLE LASER RADIATION" if invisible else "LASER RADIATION")
    if iec == "4":
        avoid, word = "AVOID EYE OR SKIN EXPOSURE TO DIRECT OR SCATTERED RADIATION", "DANGER"
    elif iec == "3B":
        avoid, word = "AVOID EXPOSURE TO THE BEAM", "DANGER"
    else:
        avoid, word = "DO NOT STARE INTO THE BEAM", "CAUTION"
    parts = [word, radiation, avoid, f"CLASS {us} LASER PRODUCT (IEC 60825-1 CLASS {iec})"]
    if facts.optical_output_w:
        parts.append(f"MAXIMUM OUTPUT {facts.optical_output_w:g} W")
    if nms:
        parts.append("WAVELENGTH " + " / ".join(str(n) for n in nms) + " nm")
    return " \u2013 ".join(parts)


# --- the block ---------------------------------------------------------------------------

def _lines(prefix: str, items: Iterable[tuple[str, str]]) -> tuple[PrecautionLine, ...]:
    return tuple(PrecautionLine(f"{prefix}.{key}", text) for key, text in items)


# Who a block speaks to. Consumer LED devices (wellness, otc_cleared) and low-class lasers
# sold over the counter: the lay user. Class 3B/4 lasers and rx_only devices: the
# practitioner who operates the device on a patient (21 CFR 801.109), so no line may address
# a lay user ("ask your doctor") or allow what the professional lines forbid.
CONSUMER, PROFESSIONAL = "consumer", "professional"


def audience(facts: ProductFacts) -> str:
    """'professional' for class 3B/4 lasers and rx_only devices, else 'consumer'."""
    return PROFESSIONAL if facts.is_hazard_laser or facts.regulatory == "rx_only" else CONSUMER


# COMPLIANCE.md section 3, once per audience. A line addressed to a different person gets
# its own id ("general.pro-...", "...-patient", "...-room") so the table below can name it;
# the same instruction reworded ("Do not use" / "Do not treat") keeps its id.
GENERAL = (
    ("eyes", "Do not look into the light; wear the supplied goggles during every session."),
    ("physician", "Consult a physician before use; stop using the device and seek medical "
                  "advice if any adverse reaction occurs."),
    ("unattended", "Do not use on anyone who is asleep, incapacitated or unconscious."),
    ("children", "Not a toy. Children may use it only under adult supervision; do not use on "
                 "infants."),
    ("balms", "Do not apply heat-producing balms or creams to the treated area."),
    ("timer", "Do not exceed the timed session or the number of sessions in the instructions."),
)
PRO_EYES_LASER = ("Never look into the aperture, the beam or its reflections, even while "
                  "wearing laser eyewear; the eyewear required at each wavelength is listed "
                  "under laser safety.")
PRO_EYES_LIGHT = ("Operator and patient must not look into the light, and both must wear the eye "
                  "protection the operator manual specifies for this device's wavelengths "
                  "throughout every session.")
PRO_GENERAL = (
    ("assessment", "Assess every patient before the first session (history, medication and the "
                   "contraindications below); stop the session and provide or arrange medical "
                   "care if the patient has any adverse reaction."),
    ("unattended", "Never leave a patient alone during a session; do not treat anyone who is "
                   "asleep, sedated, incapacitated or unconscious and so cannot report heat or "
                   "discomfort."),
    ("children", "Not a consumer product: children and untrained people must never operate it, "
                 "so store the device (and its key) out of their reach. Do not treat infants."),
    ("balms", "Make sure no heat-producing balm or cream is on the treatment area."),
    ("timer", "Do not exceed the dose, session time or number of sessions in the treatment "
              "protocol of the operator manual."),
)
PRO_USER = ("Only trained staff may operate this device, on the order of a licensed "
            "practitioner; it is not for home use or self-treatment.")
CONTRAINDICATIONS = (
    ("malignancy", "Do not use over areas of known or suspected malignancy (cancer)."),
    ("thyroid", "Do not use over the thyroid (front of the neck)."),
    ("pregnancy", "Do not use over the abdomen or pelvis during pregnancy."),
    ("photosensitivity", "Do not use if you take photosensitising medication or have a "
                         "light-sensitive condition; ask your doctor."),
    ("tattoos", "Do not use over tattoos."),
    ("sensation", "Do not use over areas with impaired sensation."),
    ("implants", "If you have an implanted electronic device (pacemaker, defibrillator, "
                 "neurostimulator), ask your doctor before use."),
    ("steroid", "Do not use over the site of a recent steroid injection."),
)
PRO_CONTRAINDICATIONS = (
    ("malignancy", "Do not treat over areas of known or suspected malignancy (cancer)."),
    ("thyroid", "Do not treat over the thyroid (front of the neck)."),
    ("pregnancy", "Do not treat over the abdomen or pelvis of a pregnant patient."),
    ("photosensitivity-patient", "Do not treat a patient who takes photosensitising medication "
                                 "or has a light-sensitive condition."),
    ("tattoos", "Do not treat over tattoos."),
    ("sensation", "Do not treat over areas with impaired sensation."),
    ("implants-patient", "Do not treat a patient with an implanted electronic device "
                         "(pacemaker, defibrillator, neurostimulator) until the implant's "
                         "physician or manufacturer has confirmed it is safe, and never over "
                         "the implant."),
    ("steroid", "Do not treat over the site of a recent steroid injection."),
)
NIR = (
    ("burns", "Burn risk is higher with reduced sensation, diabetes or poor circulation; check "
              "the skin during and after each session."),
    ("wounds", "Do not use over open wounds."),
    ("invisible", "Near-infrared light is invisible and does not trigger the blink reflex: "
                  "protect your eyes even when the light looks dim or off."),
)
PRO_NIR = (
    ("burns", "Burn risk is higher in patients with reduced sensation, diabetes or poor "
              "circulation; check the skin during and after each session."),
    ("wounds", "Do not treat over open wounds."),
    ("invisible-room", "Near-infrared radiation is invisible and does not trigger the blink "
                       "reflex: eye protection stays on for everyone in the room even when no "
                       "light is visible."),
)
EPILEPSY = ("People with photosensitive epilepsy must not use the pulsed modes: flicker between "
            "{lo:g} and {hi:g} Hz is the usual seizure trigger range.")
PRO_EPILEPSY = ("Do not use the pulsed modes when the patient or anyone else in the room has "
                "photosensitive epilepsy: flicker between {lo:g} and {hi:g} Hz is the usual "
                "seizure trigger range.")
RX_STATEMENT = ("Rx only. Caution: Federal law restricts this device to sale by or on the "
                "order of a licensed practitioner.")

# Lines that cannot both hold. Each entry: two id patterns (fnmatch, so "laser.eyewear.*" is
# every wavelength) and why. Consumer lines address a lay user who runs the device on
# themselves; professional lines address a trained operator treating a patient.
EXCLUSIVE: tuple[tuple[str, str, str], ...] = (
    ("general.children", "laser.operator",
     "children may use it under supervision, yet only a trained operator may use the laser"),
    ("general.children", "general.pro-user",
     "children may use it under supervision, yet only trained staff may operate it"),
    ("general.children", "general.pro-children",
     "children may use it under supervision, yet children must never operate it"),
    ("general.eyes", "laser.eyewear.*",
     "'the supplied goggles', yet eyewear rated to a stated OD at each wavelength is required"),
    ("general.eyes", "general.pro-eyes",
     "consumer goggles line beside the practitioner's eye-protection line"),
    ("nir.invisible", "laser.eyewear.*",
     "'protect your eyes' to a lay user, yet OD-rated eyewear for everyone in the room"),
    ("general.physician", "rx.statement",
     "a lay user told to consult a physician, yet the device is used by a licensed practitioner"),
    ("general.physician", "general.pro-assessment",
     "a lay user told to consult a physician, yet the practitioner assesses the patient"),
    ("general.unattended", "general.pro-unattended", "two versions of the same line"),
    ("general.timer", "general.pro-timer",
     "the user's instructions, yet the practitioner's treatment protocol"),
    ("contra.photosensitivity", "contra.photosensitivity-patient",
     "'ask your doctor' to a lay user, yet a contraindication for the practitioner"),
    ("contra.implants", "contra.implants-patient",
     "'ask your doctor' to a lay user, yet a contraindication for the practitioner"),
    ("contra.photosensitivity", "rx.statement", "'ask your doctor' on a prescription device"),
    ("contra.implants", "rx.statement", "'ask your doctor' on a prescription device"),
    ("pulsed.epilepsy", "pulsed.epilepsy-room", "two versions of the same line"),
    ("nir.invisible", "nir.invisible-room", "two versions of the same line"),
)


# Wording that addresses a lay user; a staff line on a professional block may not use it.
CONSUMER_ONLY = (
    (re.compile(r"\bnot a toy\b", re.I), "'not a toy' addresses a consumer"),
    (re.compile(r"\bchildren\b[^.;]{0,40}\b(?:may|can)\s+use\b", re.I),
     "children may use it, yet only a trained operator may"),
    (re.compile(r"\bsupplied goggles\b", re.I),
     "'the supplied goggles', yet eyewear is specified per wavelength"),
    (re.compile(r"\b(?:consult|ask|see)\s+(?:a|your)\s+(?:physician|doctor)\b", re.I),
     "'ask your doctor' addresses a lay user, yet the user is the practitioner"),
)


def contradictions(p: Precautions) -> list[tuple[str, str, str]]:
    """Lines of the block that cannot both hold, as (id, id, why).

    Mandatory lines are compared by id through EXCLUSIVE; on a professional block, staff
    lines are also read for consumer-only wording (reported against "audience").
    """
    present = [ln.id for ln in p.lines]
    found = []
    for a, b, why in EXCLUSIVE:
        for x in (i for i in present if fnmatchcase(i, a)):
            found += [(x, y, why) for y in present if fnmatchcase(y, b)]
    if p.audience == PROFESSIONAL:
        for ln in p.lines:
            found += [(ln.id, "audience", why) for rx, why in CONSUMER_ONLY
                      if not ln.mandatory and rx.search(ln.text)]
    return found


def _hz(v: float) -> str:
    return f"{v:g} Hz"


def _laser_section(facts: ProductFacts) -> tuple[PrecautionSection, tuple[Eyewear, ...],
                                                  float | None]:
    beam = facts.beam_diameter_mm or facts.spot_size_mm
    eyewear, lines = [], []
    for nm in sorted(set(facts.wavelengths_nm)):
        od = required_od(nm, facts.optical_output_w, beam)
        eyewear.append(Eyewear(nm, od))
        text = (f"Everyone in the room (operator, patient, observers) must wear laser eyewear "
                f"rated OD \u2265 {od} at {nm} nm." if od is not None else
                f"Everyone in the room must wear laser eyewear rated for {nm} nm; the optical "
                f"density could not be computed from the stated output, so use the "
                f"manufacturer's eyewear specification.")
        lines.append(PrecautionLine(f"laser.eyewear.{nm}", text))
    distances = [(d, nm) for nm in set(facts.wavelengths_nm)
                 if (d := nohd_m(nm, facts.optical_output_w, facts.beam_divergence_mrad,
                                 beam)) is not None]
    nohd = None
    if distances:
        d, nm = max(distances)
        nohd = math.ceil(d * 10) / 10  # round up: a hazard distance must not shrink
        text = (f"Nominal ocular hazard distance (NOHD): {nohd:g} m (at {nm} nm); within it, "
                f"unprotected eyes are at risk from the direct beam.")
    else:
        text = ("Nominal ocular hazard distance (NOHD) not stated (beam divergence unknown): "
                "treat the whole room as the nominal hazard zone.")
    lines.append(PrecautionLine("laser.nohd", text))
    lines += _lines("laser", (
        ("aim", "Never aim the beam at the eyes or at reflective surfaces (mirrors, jewellery, "
                "instruments)."),
        ("area", "Use only in a controlled area with the door closed and a laser warning sign "
                 "at the entrance."),
        ("operator", "Only a trained operator may use this laser."),
        ("controls", "Remove the key when the laser is not in use, connect the remote "
                     "interlock, and check the emission indicator before every session."),
        ("moving", "Keep the beam moving over the skin; holding it on one spot can burn."),
        ("fire", "Fire hazard: keep flammable materials, solvents and oxygen away from the "
                 "beam."),
    ))
    label = laser_label(facts)
    if label:
        lines.append(PrecautionLine("laser.label", f"Laser class label: {label}"))
    title = f"Class {facts.laser_class} laser safety"
    return PrecautionSection("laser", title, tuple(lines)), tuple(eyewear), nohd


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.casefold()).strip()


def _general(facts: ProductFacts, who: str) -> tuple[PrecautionSection, PrecautionSection]:
    if who == CONSUMER:
        return (PrecautionSection("general", "General", _lines("general", GENERAL)),
                PrecautionSection("contraindications", "Do not use",
                                  _lines("contra", CONTRAINDICATIONS)))
    eyes = PRO_EYES_LASER if facts.is_hazard_laser else PRO_EYES_LIGHT
    lines = [PrecautionLine("general.pro-eyes", eyes)]
    if not facts.is_hazard_laser:  # the laser section says it for 3B/4 ("trained operator")
        lines.append(PrecautionLine("general.pro-user", PRO_USER))
    for key, text in PRO_GENERAL:
        if not facts.is_hazard_laser:  # only 3B/4 lasers have key control
            text = text.replace(" (and its key)", "")
        lines.append(PrecautionLine(f"general.{'balms' if key == 'balms' else 'pro-' + key}",
                                    text))
    return (PrecautionSection("general", "General (for the practitioner)", tuple(lines)),
            PrecautionSection("contraindications", "Do not treat",
                              _lines("contra", PRO_CONTRAINDICATIONS)))


def build_precautions(facts: ProductFacts, extra_lines: Iterable[str] = ()) -> Precautions:
    """Build the precautions block for a product; staff lines are appended, never replace.

    The mandatory lines are COMPLIANCE.md section 3's, worded for the block's audience (see
    ``audience``): a consumer block never mentions a practitioner, a professional block never
    tells a lay user to supervise children, wear "the supplied goggles" or ask a doctor.
    """
    who = audience(facts)
    pro = who == PROFESSIONAL
    sections = list(_general(facts, who))
    if any(nm >= NIR_NM for nm in facts.wavelengths_nm):
        sections.append(PrecautionSection("nir", "Near-infrared and heat",
                                          _lines("nir", PRO_NIR if pro else NIR)))
    if facts.pulsed_hz:
        lines = [PrecautionLine("pulsed.epilepsy-room" if pro else "pulsed.epilepsy",
                                (PRO_EPILEPSY if pro else EPILEPSY).format(
                                    lo=FLICKER_HZ[0], hi=FLICKER_HZ[1]))]
        inside = sorted({f for f in facts.pulsed_hz if FLICKER_HZ[0] <= f <= FLICKER_HZ[1]})
        if inside:
            lines.append(PrecautionLine("pulsed.in-range", (
                "This device pulses at " + ", ".join(_hz(f) for f in inside)
                + ", inside that range.")))
        sections.append(PrecautionSection("pulsed", "Pulsed modes", tuple(lines)))
    eyewear, nohd, label = (), None, laser_label(facts)
    if facts.is_hazard_laser:
        section, eyewear, nohd = _laser_section(facts)
        sections.append(section)
    elif label:
        sections.append(PrecautionSection("laser", "Laser", (
            PrecautionLine("laser.aim", "Do not stare into the beam or aim it at anyone's eyes."),
            PrecautionLine("laser.label", f"Laser class label: {label}"))))
    if pro:
        sections.append(PrecautionSection("prescription", "Prescription device",
                                          (PrecautionLine("rx.statement", RX_STATEMENT),)))

    # Staff lines: kept in order, trimmed, never duplicating a mandatory line or each other.
    seen = {_key(ln.text) for s in sections for ln in s.lines}
    extra = []
    for text in [*facts.extra_precautions, *extra_lines]:
        text = " ".join(str(text).split())
        if text and _key(text) and _key(text) not in seen:
            seen.add(_key(text))
            extra.append(PrecautionLine(f"additional.{len(extra) + 1}", text, mandatory=False))
    if extra:
        sections.append(PrecautionSection("additional", "Additional precautions", tuple(extra)))
    return Precautions(facts.sku, tuple(sections), eyewear, nohd, label, who)
