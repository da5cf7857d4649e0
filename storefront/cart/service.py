"""The shopping cart: ``{sku: quantity}`` kept in the signed session; prices come from the server."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.catalog.models import Product, Regulatory, Status
from storefront.catalog.schemas import SKU_RE
from storefront.errors import NotFound, ValidationError
from storefront.orders.service import OutOfStock

MAX_QUANTITY = 10  # per line; larger volumes go through an OEM quote
MAX_LINES = 20
# Anything that looks like the client pricing its own order is refused outright.
PRICE_FIELDS = frozenset({"price", "unit_price", "amount", "total", "subtotal", "discount",
                          "discount_code", "coupon", "line_total", "currency", "shipping",
                          "tax", "price_amount"})


class PrescriptionOnly(ValidationError):
    code = "prescription_only"


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def unit_price(self) -> int:
        return self.product.price_amount

    @property
    def line_total(self) -> int:
        return self.product.price_amount * self.quantity


@dataclass
class CartView:
    lines: list[CartLine] = field(default_factory=list)
    # SKUs that were in the cart but can no longer be bought (kept out of the totals).
    unavailable: list[str] = field(default_factory=list)

    @property
    def currency(self) -> str | None:
        return self.lines[0].product.currency if self.lines else None

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    def items(self) -> list[dict[str, Any]]:
        """The cart as order items (``[{sku, quantity}]``)."""
        return [{"sku": line.product.sku, "quantity": line.quantity} for line in self.lines]


def normalise(raw: Any) -> dict[str, int]:
    """A clean cart from whatever the session holds (signed, but maybe from an older version)."""
    if not isinstance(raw, Mapping):
        return {}
    cart: dict[str, int] = {}
    for sku, qty in raw.items():
        if isinstance(sku, str) and isinstance(qty, int) and not isinstance(qty, bool) \
                and 1 <= qty <= MAX_QUANTITY and len(cart) < MAX_LINES:
            cart[sku] = qty
    return cart


def reject_price_fields(fields: Mapping[str, Any]) -> None:
    """Refuse a request that tries to set a price, total or discount."""
    bad = sorted(k for k in fields if k.lower() in PRICE_FIELDS)
    if bad:
        raise ValidationError("Prices, totals and discounts are set by the shop, not the request.",
                              errors={k: ["Not accepted."] for k in bad},
                              code="client_price_rejected")


def parse_quantity(value: Any, *, allow_zero: bool) -> int:
    """A quantity from a form or JSON value, within the cart's bounds."""
    low = 0 if allow_zero else 1
    msg = f"Enter a whole number from {low} to {MAX_QUANTITY}."
    if isinstance(value, bool):
        raise ValidationError(msg, errors={"quantity": [msg]})
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 4:
            raise ValidationError(msg, errors={"quantity": [msg]})
        value = int(value)
    if not isinstance(value, int) or not low <= value <= MAX_QUANTITY:
        raise ValidationError(msg, errors={"quantity": [msg]})
    return value


def parse_sku(value: Any) -> str:
    """A SKU from a request value."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("A product SKU is required.", errors={"sku": ["Missing SKU."]})
    if not re.match(SKU_RE, value.strip()):
        raise NotFound("No such product.", errors={"sku": ["Not a valid SKU."]})
    return value.strip()


def sellable_product(session: Session, sku: str) -> Product:
    """The published product a shopper may put in the cart, or the reason they may not."""
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None or product.status != Status.PUBLISHED:
        raise NotFound("No such product.", errors={"sku": ["No published product with this SKU."]})
    if product.regulatory == Regulatory.RX_ONLY:
        raise PrescriptionOnly(
            f"{product.name} is a prescription device; it is sold to practitioners through a quote.",
            errors={"sku": ["Prescription device: request a quote instead."]})
    return product


def add_item(session: Session, cart: Mapping[str, int], sku: Any, quantity: Any) -> dict[str, int]:
    """Return the cart with ``quantity`` more of ``sku`` (checked against catalogue and stock)."""
    sku = parse_sku(sku)
    qty = parse_quantity(quantity, allow_zero=False)
    product = sellable_product(session, sku)
    cart = dict(normalise(cart))
    if sku not in cart and len(cart) >= MAX_LINES:
        raise ValidationError(f"A cart holds at most {MAX_LINES} different products.",
                              errors={"sku": ["Cart is full."]})
    total = cart.get(sku, 0) + qty
    if total > MAX_QUANTITY:
        raise ValidationError(f"At most {MAX_QUANTITY} of one product per order; ask for a quote "
                              "for larger volumes.", errors={"quantity": ["Too many."]})
    if total > product.stock:
        raise OutOfStock(f"Only {product.stock} of {product.name} left.",
                         errors={"quantity": [f"Only {product.stock} left."]})
    if cart and product.currency != _cart_currency(session, cart):
        raise ValidationError("Products priced in different currencies cannot share a cart.",
                              errors={"sku": ["Different currency."]}, code="mixed_currency")
    cart[sku] = total
    return cart


def _cart_currency(session: Session, cart: Mapping[str, int]) -> str | None:
    return session.scalar(select(Product.currency).where(Product.sku.in_(list(cart))).limit(1))


def set_quantity(session: Session, cart: Mapping[str, int], sku: Any, quantity: Any) -> dict[str, int]:
    """Return the cart with ``sku`` set to ``quantity``; 0 removes it."""
    sku = parse_sku(sku)
    qty = parse_quantity(quantity, allow_zero=True)
    cart = dict(normalise(cart))
    if sku not in cart:
        raise NotFound("That product is not in your cart.", errors={"sku": ["Not in cart."]})
    if qty == 0:
        cart.pop(sku)
        return cart
    product = sellable_product(session, sku)
    if qty > product.stock:
        raise OutOfStock(f"Only {product.stock} of {product.name} left.",
                         errors={"quantity": [f"Only {product.stock} left."]})
    cart[sku] = qty
    return cart


def view(session: Session, cart: Mapping[str, int], *, with_specs: bool = False) -> CartView:
    """The cart priced from the catalogue, in the order items were added.

    ``with_specs`` also loads bands and tiers (the checkout page builds precautions from them).
    """
    cart = normalise(cart)
    if not cart:
        return CartView()
    stmt = select(Product).where(Product.sku.in_(list(cart)))
    if with_specs:
        stmt = stmt.options(selectinload(Product.bands), selectinload(Product.tiers))
    products = {p.sku: p for p in session.scalars(stmt)}
    result = CartView()
    for sku, qty in cart.items():
        p = products.get(sku)
        if p is None or p.status != Status.PUBLISHED or p.regulatory == Regulatory.RX_ONLY:
            result.unavailable.append(sku)
            continue
        result.lines.append(CartLine(product=p, quantity=qty))
    return result
