"""Compliance engine: claim rules, copy checker, publication gate and precautions.

Pure: text and plain product facts in, findings and precautions out. Nothing here
touches the database, the catalogue models or the request, so it runs anywhere.

The rules live in ``rules.toml`` (documented at its top); staff add or tune rules in
extra files named by ``STOREFRONT_COMPLIANCE_RULES`` (paths separated by os.pathsep).
"""

from storefront.compliance.checker import Finding, check_copy, check_required
from storefront.compliance.facts import ProductFacts
from storefront.compliance.gate import FieldFinding, GateReport, Problem, check_product
from storefront.compliance.precautions import (
    Eyewear,
    PrecautionLine,
    Precautions,
    PrecautionSection,
    build_precautions,
)
from storefront.compliance.rules import (
    KINDS,
    REGULATORY_STATUSES,
    RulesError,
    RuleSet,
    load_rules,
)

__all__ = [
    "check_copy", "check_required", "check_product", "build_precautions", "load_rules",
    "Finding", "FieldFinding", "GateReport", "Problem", "ProductFacts", "Precautions",
    "PrecautionSection", "PrecautionLine", "Eyewear", "RuleSet", "RulesError",
    "KINDS", "REGULATORY_STATUSES",
]
