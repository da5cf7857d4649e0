"""Tax: one small interface (``TaxCalculator``) and a rate table behind it.

A hosted tax service can replace ``TableTaxCalculator`` by implementing ``calculate``; the
checkout only ever sees a ``TaxResult`` in integer minor units.
"""

from storefront.tax.calculator import (
    DEFAULT_FILE,
    Region,
    TableTaxCalculator,
    TaxableLine,
    TaxCalculator,
    TaxLine,
    TaxRequest,
    TaxResult,
    load_calculator,
)

__all__ = ["DEFAULT_FILE", "Region", "TableTaxCalculator", "TaxCalculator", "TaxLine",
           "TaxRequest", "TaxResult", "TaxableLine", "load_calculator"]
