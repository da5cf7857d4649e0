"""Price requested items from the catalogue: the server's prices, never the client's."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from storefront.cart.service import MAX_QUANTITY, PrescriptionOnly
from storefront.catalog.models import Product, Regulatory, Status
from storefront.errors import ValidationError
from storefront.orders.service import LineSpec, OutOfStock
from storefront.promotions.service import Discount, EligibleLine
from storefront.promotions.service import evaluate as evaluate_promotion
from storefront.shipping import (
    NotShippable,
    ParcelLine,
    ShippingOption,
    ShippingQuote,
    ShippingTable,
)
from storefront.shipping import quote as ship_quote
from storefront.tax import TaxableLine, TaxCalculator, TaxRequest, TaxResult

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
    # Bands (the precautions name the wavelengths) in the same statement; tiers are quotes' only.
    products = {p.sku: p for p in session.scalars(
        select(Product).where(Product.sku.in_([sku for _, sku, _ in merged]))
        .options(joinedload(Product.bands))).unique()}
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


@dataclass
class CheckoutTotals:
    """Every figure of an order, in minor units, as cart, checkout, order and Stripe see it.

    ``total = subtotal - discount + shipping + tax`` when tax is added (US, Canada); with
    tax-inclusive prices (EU, UK) the tax is part of the lines and shipping and not added.
    """

    currency: str
    lines: list[LineSpec]
    subtotal: int
    discount: int = 0
    promotion: Discount | None = None
    shipping: int = 0
    shipping_method: str | None = None
    shipping_method_name: str | None = None
    shipping_options: list[ShippingOption] = field(default_factory=list)
    tax: TaxResult = field(default_factory=TaxResult)

    @property
    def tax_amount(self) -> int:
        return self.tax.amount

    @property
    def total(self) -> int:
        return self.subtotal - self.discount + self.shipping + self.tax.added

    def to_dict(self) -> dict[str, Any]:
        """The figures for JSON (cart estimate, checkout summary)."""
        return {"currency": self.currency, "subtotal": self.subtotal,
                "discount": {"amount": self.discount,
                             "code": self.promotion.code if self.promotion else None},
                "shipping": {"amount": self.shipping, "method": self.shipping_method,
                             "name": self.shipping_method_name,
                             "options": [{"code": o.code, "name": o.name, "amount": o.amount}
                                         for o in self.shipping_options]},
                "tax": {"amount": self.tax.amount, "included": self.tax.included,
                        "lines": [t.to_dict() for t in self.tax.lines]},
                "total": self.total}


def _where(address: dict[str, Any] | None) -> tuple[str, str | None]:
    address = address or {}
    return (str(address.get("country") or "").upper(),
            (str(address.get("state")).upper() if address.get("state") else None))


def shipping_quote(priced: PricedOrder, goods: int, address: dict[str, Any] | None,
                   table: ShippingTable) -> ShippingQuote:
    """Shipping options for the priced lines to ``address``; 422 not_shippable with the reason."""
    country, region = _where(address)
    parcel = [ParcelLine(sku=line.sku or "", kind=str(priced.products[line.product_id].kind),
                         quantity=line.quantity,
                         weight_g=priced.products[line.product_id].weight_g)
              for line in priced.lines]
    quoted = ship_quote(table, country=country, region=region, lines=parcel, goods=goods,
                        currency=priced.currency)
    if quoted.zone is None:
        msg = "Sorry, we don't ship to that country yet."
        raise NotShippable(msg, errors={"shipping_address.country": [msg]})
    if quoted.blocked:
        paths = {line.sku: line.path.replace(".quantity", ".sku") for line in priced.lines}
        names = {line.sku: line.name for line in priced.lines}
        raise NotShippable(
            " ".join(f"{names[sku]}: {reason}" for sku, reason in quoted.blocked.items()),
            errors={paths.get(sku) or "items": [reason] for sku, reason in quoted.blocked.items()})
    return quoted


def price_checkout(session: Session, priced: PricedOrder, *, address: dict[str, Any] | None,
                   shipping_method: str | None, promotion_code: str | None,
                   email: str | None, table: ShippingTable,
                   tax: TaxCalculator) -> CheckoutTotals:
    """Discount, shipping and tax for priced lines: the one place an order's total is made."""
    products = priced.products
    discount = evaluate_promotion(
        session, promotion_code, currency=priced.currency, email=email,
        lines=[EligibleLine(line.sku or "", str(products[line.product_id].kind), line.line_total)
               for line in priced.lines])
    off = discount.per_line if discount else {}
    subtotal = priced.total
    goods = subtotal - sum(off.values())
    quoted = shipping_quote(priced, goods, address, table)
    option = quoted.option(shipping_method)
    if option is None:
        codes = ", ".join(o.code for o in quoted.options)
        msg = f"Choose a delivery option available for this address ({codes})."
        raise ValidationError(msg, errors={"shipping_method": [msg]}, code="shipping_method_invalid")
    country, region = _where(address)
    taxed = tax.calculate(TaxRequest(
        currency=priced.currency, country=country, region=region, shipping=option.amount,
        lines=tuple(TaxableLine(line.sku or "", line.line_total - off.get(line.sku or "", 0))
                    for line in priced.lines)))
    lines = [replace(line, discount_amount=off.get(line.sku or "", 0),
                     tax_amount=taxed.per_line.get(line.sku or "", 0)) for line in priced.lines]
    totals = CheckoutTotals(
        currency=priced.currency, lines=lines, subtotal=subtotal, discount=sum(off.values()),
        promotion=discount, shipping=option.amount, shipping_method=option.code,
        shipping_method_name=option.name, shipping_options=quoted.options, tax=taxed)
    check_amount(totals.total)
    return totals
