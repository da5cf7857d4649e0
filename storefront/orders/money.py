"""Minor-unit money helpers (integers only; never floats)."""

from __future__ import annotations

ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF",
                          "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


def format_money(amount: int, currency: str) -> str:
    """Render minor units for people: ``format_money(19900, "USD") == "$199.00"``."""
    currency = currency.upper()
    sign = "-" if amount < 0 else ""
    amount = abs(int(amount))
    if currency in ZERO_DECIMAL:
        number = f"{amount:,}"
    else:
        number = f"{amount // 100:,}.{amount % 100:02d}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"
