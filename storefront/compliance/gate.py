"""The publication gate: a product's copy and regulatory facts, judged together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from storefront.compliance.checker import Finding, check_copy, check_required, valid_k_number
from storefront.compliance.facts import ProductFacts
from storefront.compliance.rules import KINDS, REGULATORY_STATUSES, RuleSet, active_rules

COPY_FIELDS = ("headline", "summary", "body")
MARKDOWN_FIELDS = {"body"}


@dataclass(frozen=True, slots=True)
class FieldFinding:
    """A finding in one copy field ('headline', 'summary', 'body', 'precautions', 'copy')."""

    field: str
    finding: Finding

    @property
    def severity(self) -> str:
        """The finding's severity."""
        return self.finding.severity

    def to_dict(self) -> dict:
        """Return the finding with its field name, JSON-ready."""
        return {"field": self.field, **self.finding.to_dict()}


@dataclass(frozen=True, slots=True)
class Problem:
    """Missing or inconsistent regulatory data; always blocks publication."""

    field: str
    message: str

    def to_dict(self) -> dict:
        """Return the problem JSON-ready."""
        return {"field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class GateReport:
    """Everything that stands between a product and publication."""

    sku: str
    findings: tuple[FieldFinding, ...]
    problems: tuple[Problem, ...]

    @property
    def blocks(self) -> list[FieldFinding]:
        """Findings with severity 'block'."""
        return [f for f in self.findings if f.severity == "block"]

    @property
    def warnings(self) -> list[FieldFinding]:
        """Findings with severity 'warn' (staff review)."""
        return [f for f in self.findings if f.severity == "warn"]

    @property
    def blocking(self) -> bool:
        """True when the product cannot be published."""
        return bool(self.problems) or bool(self.blocks)

    def for_field(self, name: str) -> list[Finding]:
        """Findings of one field, spans into that field's text."""
        return [f.finding for f in self.findings if f.field == name]

    def to_dict(self) -> dict:
        """Return the report as JSON-ready data."""
        return {"sku": self.sku, "blocking": self.blocking,
                "problems": [p.to_dict() for p in self.problems],
                "findings": [f.to_dict() for f in self.findings],
                "counts": {"block": len(self.blocks), "warn": len(self.warnings),
                           "problems": len(self.problems)}}


def regulatory_problems(facts: ProductFacts) -> list[Problem]:
    """Missing or contradictory regulatory facts (status, 510(k), indications, laser data)."""
    out: list[Problem] = []
    if facts.kind not in KINDS:
        out.append(Problem("kind", f"unknown kind {facts.kind!r}; expected one of {', '.join(KINDS)}"))
    if facts.regulatory not in REGULATORY_STATUSES:
        out.append(Problem("regulatory", f"unknown status {facts.regulatory!r}; expected one of "
                                         f"{', '.join(REGULATORY_STATUSES)}"))
    cleared = facts.regulatory in ("otc_cleared", "rx_only")
    if facts.regulatory == "otc_cleared" and not valid_k_number(facts.k_number):
        out.append(Problem("k_number", "an otc_cleared product needs its 510(k) number "
                                       "(K followed by 6 digits)"))
    elif facts.k_number and not valid_k_number(facts.k_number):
        out.append(Problem("k_number", f"{facts.k_number!r} is not a 510(k) number "
                                       "(K followed by 6 digits)"))
    if facts.k_number and facts.regulatory == "wellness":
        out.append(Problem("k_number", "a wellness product has no 510(k) number"))
    if cleared and not (facts.indications or "").strip():
        out.append(Problem("indications", f"a {facts.regulatory} product needs its cleared "
                                          "indications for use"))
    if not facts.wavelengths_nm:
        out.append(Problem("wavelengths_nm", "at least one wavelength is needed to build the "
                                             "precautions"))
    if facts.kind == "laser":
        if facts.regulatory == "wellness":
            out.append(Problem("regulatory", "a laser can never be sold as a wellness product"))
        if facts.laser_class is None:
            out.append(Problem("laser_class", "a laser needs its class (US and/or IEC 60825-1)"))
        if not facts.optical_output_w:
            out.append(Problem("optical_output_w", "a laser needs its optical output power"))
        if facts.is_hazard_laser and facts.regulatory != "rx_only":
            out.append(Problem("regulatory", f"a class {facts.laser_class} laser is a "
                                             "prescription (rx_only) device"))
    return out


def check_product(facts: ProductFacts, copy: Mapping[str, str], *,
                  rules: RuleSet | None = None) -> GateReport:
    """Check a product's copy fields and regulatory facts; return the gate report."""
    rules = rules or active_rules()
    problems = regulatory_problems(facts)
    kind = facts.kind if facts.kind in KINDS else None
    status = facts.regulatory if facts.regulatory in REGULATORY_STATUSES else None
    args = dict(k_number=facts.k_number, indications=facts.indications, rules=rules)

    findings: list[FieldFinding] = []
    texts = []
    for name in COPY_FIELDS:
        text = copy.get(name) or ""
        texts.append(text)
        for f in check_copy(text, kind, status, markdown=name in MARKDOWN_FIELDS,
                            whole_copy=False, **args):
            findings.append(FieldFinding(name, f))
    # Staff precaution lines are published too, so they may not carry claims either.
    for i, line in enumerate(facts.extra_precautions or []):
        for f in check_copy(str(line), kind, status, markdown=False, whole_copy=False, **args):
            findings.append(FieldFinding(f"precautions[{i}]", f))
    # Document-level requirements (the Rx-only statement) hold for the copy as a whole.
    combined = "\n\n".join(texts)
    findings += [FieldFinding("copy", f)
                 for f in check_required(combined, kind, status, rules=rules)]
    return GateReport(facts.sku, tuple(findings), tuple(problems))
