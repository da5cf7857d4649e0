"""Price requested items from the catalogue: the server's prices, never the client's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.cart.service import MAX_QUANTITY, PrescriptionOnly
from storefront.catalog.models import Product, Regulatory, Status
from storefront.errors import ValidationError
from storefront.orders.service import LineSpec, OutOfStock

# Stripe's bounds for a card payment in two-decimal currencies (minor units).
MIN_CHARGE = 50
MAX_CHARGE = 99_999_999


@dataclass
class PricedOrder:
    lines: list[LineSpec]
    currency: str
    products: dict[int, Product] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(line.line_total for line in self.lines)


def _merge(items: list[dict[str, Any]]) -> list[tuple[int, str, int]]:
    """(first index, sku, quantity) per SKU; a SKU listed twice is one line."""
    merged: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        sku, qty = item["sku"], item["quantity"]
        if sku in merged:
            merged[sku][1] += qty
        else:
            merged[sku] = [i, qty]
    return [(i, sku, qty) for sku, (i, qty) in merged.items()]


def price_items(session: Session, items: list[dict[str, Any]]) -> PricedOrder:
    """Check and price ``[{sku, quantity}]``; 422 for what cannot be sold, 409 beyond stock."""
    if not items:
        raise ValidationError("The order has no items.", errors={"items": ["At least one item."]})
    merged = _merge(items)
    products = {p.sku: p for p in session.scalars(
        select(Product).where(Product.sku.in_([sku for _, sku, _ in merged]))
        .options(selectinload(Product.bands), selectinload(Product.tiers)))}
    errors: dict[str, list[str]] = {}
    rx: list[str] = []
    for i, sku, qty in merged:
        p = products.get(sku)
        if p is None or p.status != Status.PUBLISHED:
            errors[f"items[{i}].sku"] = ["No published product with this SKU."]
        elif p.regulatory == Regulatory.RX_ONLY:
            rx.append(sku)
            errors[f"items[{i}].sku"] = ["Prescription device: sold to practitioners through a quote."]
        elif qty > MAX_QUANTITY:
            errors[f"items[{i}].quantity"] = [f"At most {MAX_QUANTITY} per order; ask for a quote."]
    if rx:
        raise PrescriptionOnly(
            "Prescription (Rx only) devices cannot be ordered here; practitioners can request a quote.",
            errors=errors)
    if errors:
        raise ValidationError("Some items cannot be ordered.", errors=errors)
    currencies = {products[sku].currency for _, sku, _ in merged}
    if len(currencies) > 1:
        raise ValidationError("Products priced in different currencies cannot share an order.",
                              errors={"items": ["Mixed currencies."]}, code="mixed_currency")
    short = {f"items[{i}].quantity": [f"Only {products[sku].stock} left."]
             for i, sku, qty in merged if qty > products[sku].stock}
    if short:
        raise OutOfStock("Some items are out of stock (or fewer units are left than requested).",
                         errors=short)
    lines = [LineSpec(sku=sku, name=products[sku].name, unit_price=products[sku].price_amount,
                      quantity=qty, product_id=products[sku].id, path=f"items[{i}].quantity")
             for i, sku, qty in merged]
    priced = PricedOrder(lines=lines, currency=currencies.pop(),
                         products={p.id: p for p in products.values()})
    check_amount(priced.total)
    return priced


def check_amount(total: int) -> None:
    """Refuse totals a card payment cannot carry."""
    if total < MIN_CHARGE:
        raise ValidationError("The order total is below the minimum card payment.",
                              errors={"items": ["Total too small."]}, code="amount_too_small")
    if total > MAX_CHARGE:
        raise ValidationError("The order total is above the maximum card payment; ask for a quote.",
                              errors={"items": ["Total too large."]}, code="amount_too_large")


def precautions_snapshot(priced: PricedOrder) -> list[dict[str, Any]]:
    """The precautions the buyer acknowledges, per product, as the compliance engine builds them."""
    from storefront.catalog.gate import precautions_for

    seen: list[dict[str, Any]] = []
    for line in priced.lines:
        product = priced.products[line.product_id]
        seen.append({"sku": product.sku, "name": product.name,
                     "text": precautions_for(product).render_text()})
    return seen
