"""Money: integer minor units plus an ISO 4217 code, never floats. The one home for it.

Exponents (how many minor units make a major one: 2 for USD, 0 for JPY, 3 for BHD, KWD
and JOD) and display formats come from Babel's copy of the Unicode CLDR currency data, so
every page, email, CSV, API body and form agrees on them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

LOCALE = "en_US"  # the storefront's one display locale


def exponent(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (``USD`` 2, ``JPY`` 0, ``BHD`` 3)."""
    return get_currency_precision(currency.upper())


def to_decimal(amount: int, currency: str) -> Decimal:
    """Minor units as an exact major-unit Decimal (``19900, 'USD'`` -> ``Decimal('199.00')``)."""
    return Decimal(int(amount)).scaleb(-exponent(currency))


def decimal_amount(amount: int, currency: str) -> str:
    """Minor units as a plain decimal string (``19900, 'USD'`` -> ``'199.00'``), e.g. for JSON-LD."""
    return f"{to_decimal(amount, currency):f}"


def format_money(amount: int | None, currency: str = "USD") -> str:
    """Minor units for people: ``19900, 'USD'`` -> ``'$199.00'``, ``1500, 'CHF'`` -> ``'CHF 15.00'``.

    ``None`` (no price yet) renders as an em dash.
    """
    if amount is None:
        return "—"
    return _format_money(int(amount), currency.upper())


@lru_cache(maxsize=16384)
def _format_money(amount: int, code: str) -> str:
    # Babel's formatting is most of a catalogue card's cost (~0.4 ms a price, 25 on a
    # listing page); prices repeat, and the result is a pure function of amount and code.
    text = format_currency(to_decimal(amount, code), code, locale=LOCALE, currency_digits=True)
    symbol = get_currency_symbol(code, locale=LOCALE)
    if symbol[-1:].isalpha():  # a code or letters ("CHF", "BHD"): keep it apart from the digits
        text = text.replace(symbol, symbol + " ", 1)
    return text


def parse_major(text: str, currency: str) -> int:
    """Major units typed by a person (``'12.50'``, ``'1,200'``) as minor units of ``currency``.

    Raises ``ValueError`` with a message fit to show for anything that is not a positive
    amount with at most the currency's decimal places.
    """
    code = currency.upper()
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise ValueError("Enter a positive amount.")
    places = exponent(code)
    minor = value.scaleb(places)
    if minor != minor.to_integral_value():
        raise ValueError(f"Use at most {places} decimal places for {code}.")
    return int(minor)
