"""Address facts for the checkout form and its checks: countries by ISO 3166 name, regions."""

from __future__ import annotations

from functools import cache

from babel import Locale

from storefront.tax import load_calculator

# Countries whose addresses must name a region, and what the form calls it.
REGION_LABELS = {"US": "State", "CA": "Province or territory"}


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name (Babel's CLDR data)."""
    names = Locale("en").territories
    return {code: names[code] for code in sorted(names, key=lambda c: names[c])
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK")}


def regions(country: str) -> list[tuple[str, str]]:
    """(code, name) of the regions an address in ``country`` must name; empty when none."""
    if country.upper() not in REGION_LABELS:
        return []
    return [(r.code, r.name) for r in load_calculator().regions(country)]


def region_label(country: str) -> str:
    return REGION_LABELS.get(country.upper(), "State / region")
