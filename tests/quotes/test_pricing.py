"""Indicative prices follow the product's volume tiers; MOQ gives a warning, not a refusal."""

import pytest

from storefront.money import format_money
from storefront.quotes.pricing import indicative_price


@pytest.mark.parametrize(
    ("quantity", "unit", "tier", "below_moq"),
    [
        (1, 24900, None, True),  # below every tier: the list price
        (99, 24900, None, True),
        (100, 15000, 100, False),  # tier boundaries are inclusive
        (499, 15000, 100, False),
        (500, 12500, 500, False),
        (1999, 12500, 500, False),
        (2000, 11000, 2000, False),
        (1_000_000, 11000, 2000, False),
    ],
)
def test_tiers_and_moq(catalogue, quantity, unit, tier, below_moq):
    price = indicative_price(catalogue["panel"], quantity)
    assert (price.unit_price, price.tier_min_qty, price.below_moq) == (unit, tier, below_moq)
    assert price.total == unit * quantity
    assert price.currency == "USD"
    assert any("minimum order quantity of 100" in w for w in price.warnings) is below_moq


def test_next_tier_is_announced(catalogue):
    price = indicative_price(catalogue["panel"], 450)
    assert price.next_tier == {"min_qty": 500, "unit_price": 12500}
    assert indicative_price(catalogue["panel"], 5000).next_tier is None


def test_prescription_laser_is_flagged(catalogue):
    price = indicative_price(catalogue["laser"], 1)
    assert price.prescription is True and price.below_moq is True
    assert any("practitioner" in w for w in price.warnings)


def test_quantity_must_be_positive(catalogue):
    with pytest.raises(ValueError):
        indicative_price(catalogue["panel"], 0)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(0, "USD", "$0.00"), (5, "USD", "$0.05"), (1234567, "EUR", "€12,345.67"),
     (-250, "GBP", "-£2.50"), (None, "USD", "—"), (100, "CHF", "CHF 1.00")],
)
def test_format_money(amount, currency, text):
    assert format_money(amount, currency) == text
