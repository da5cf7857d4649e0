"""Shipping: zones, their methods and exclusions, read from a data file staff can edit.

Pure data in, figures out: no database and no Flask, so the cart, the checkout and the tests
price shipping the same way. The table lives in ``zones.toml`` beside this module unless
``SHIPPING_FILE`` names another file.
"""

from storefront.shipping.table import (
    DEFAULT_FILE,
    Exclusion,
    Method,
    NotShippable,
    ParcelLine,
    ShippingOption,
    ShippingQuote,
    ShippingTable,
    Zone,
    load_table,
    quote,
)

__all__ = ["DEFAULT_FILE", "Exclusion", "Method", "NotShippable", "ParcelLine", "ShippingOption",
           "ShippingQuote", "ShippingTable", "Zone", "load_table", "quote"]
