"""The one money module: exponents from CLDR (via Babel), formatting and parsing agree."""

import pytest

from storefront import money
from storefront.money import decimal_amount, exponent, format_money, parse_major


def test_format_money():
    assert format_money(19900, "USD") == "$199.00"
    assert format_money(123456789, "usd") == "$1,234,567.89"
    assert format_money(5, "EUR") == "€0.05"
    assert format_money(1500, "JPY") == "¥1,500"
    assert format_money(-250, "CHF") == "-CHF 2.50"
    assert format_money(None, "USD") == "—"


@pytest.mark.parametrize("currency", ["BHD", "KWD", "JOD"])
def test_three_decimal_currencies_agree_everywhere(currency):
    """The seam that used to disagree: 3 decimals for display, JSON-LD and forms alike."""
    assert exponent(currency) == 3
    assert format_money(12345, currency) == f"{currency} 12.345"
    assert decimal_amount(12345, currency) == "12.345"
    assert parse_major("12.345", currency) == 12345
    assert parse_major("12", currency) == 12000
    with pytest.raises(ValueError, match="at most 3 decimal places"):
        parse_major("1.2345", currency)


@pytest.mark.parametrize("currency, places", [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0),
                                              ("ISK", 0), ("CLP", 0), ("GBP", 2)])
def test_exponents(currency, places):
    assert exponent(currency) == places
    assert parse_major(decimal_amount(123456, currency), currency) == 123456


def test_parse_major_refuses_nonsense():
    for bad in ("", "abc", "-1", "0", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            parse_major(bad, "USD")
    with pytest.raises(ValueError, match="at most 0 decimal places for JPY"):
        parse_major("10.5", "JPY")
    assert parse_major("1,234.50", "usd") == 123450


def test_no_other_currency_tables():
    """Exponents and symbols come from Babel only; no module keeps its own table."""
    import pathlib
    import re

    root = pathlib.Path(money.__file__).parent
    pattern = re.compile(r'"(BHD|KWD|JOD|JPY)"\s*:')
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "money.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
