"""Indicative volume pricing from a product's price tiers and minimum order quantity."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.catalog.models import Product, Regulatory, Status
from storefront.money import format_money

# Currencies a quote may be priced in; all have two decimal places (minor unit = 1/100).
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF")

# Stripe takes one card payment of 50 to 99,999,999 minor units (e.g. $0.50 to $999,999.99).
MIN_ONLINE_AMOUNT = 50
MAX_ONLINE_AMOUNT = 99_999_999


@dataclass(frozen=True)
class IndicativePrice:
    """What the buyer sees while filling the form; staff confirm the real price."""

    sku: str
    name: str
    quantity: int
    currency: str
    unit_price: int
    total: int
    list_price: int
    tier_min_qty: int | None  # None: below every tier, so the list price applies
    moq: int | None
    below_moq: bool
    next_tier: dict | None  # {"min_qty", "unit_price"} of the next cheaper tier, if any
    lead_time_days: int | None
    prescription: bool
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["unit_price_display"] = format_money(self.unit_price, self.currency)
        data["total_display"] = format_money(self.total, self.currency)
        if self.next_tier:
            data["next_tier"]["unit_price_display"] = format_money(self.next_tier["unit_price"], self.currency)
        return data


def quotable_product(session: Session, sku: str) -> Product | None:
    """The published product with this SKU (tiers loaded), or None."""
    return session.scalar(
        select(Product)
        .where(Product.sku == sku, Product.status == Status.PUBLISHED)
        .options(selectinload(Product.tiers))
    )


def indicative_price(product: Product, quantity: int) -> IndicativePrice:
    """Price ``quantity`` units from the highest tier the quantity reaches (list price below all)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    tiers = sorted(product.tiers, key=lambda t: t.min_qty)
    reached = [t for t in tiers if t.min_qty <= quantity]
    tier = reached[-1] if reached else None
    unit = tier.unit_price if tier else product.price_amount
    # A tier is never dearer than the list price even if the data says otherwise.
    unit = min(unit, product.price_amount)
    upcoming = next((t for t in tiers if t.min_qty > quantity and t.unit_price < unit), None)
    moq = product.oem_moq
    below = moq is not None and quantity < moq
    warnings: list[str] = []
    if below:
        warnings.append(
            f"{quantity} is below the minimum order quantity of {moq}; "
            "you can still ask, and our team will confirm whether a smaller run is possible."
        )
    prescription = product.regulatory == Regulatory.RX_ONLY
    if prescription:
        warnings.append("Prescription device (Rx only): practitioner details are required.")
    return IndicativePrice(
        sku=product.sku,
        name=product.name,
        quantity=quantity,
        currency=product.currency,
        unit_price=unit,
        total=unit * quantity,
        list_price=product.price_amount,
        tier_min_qty=tier.min_qty if tier else None,
        moq=moq,
        below_moq=below,
        next_tier={"min_qty": upcoming.min_qty, "unit_price": upcoming.unit_price} if upcoming else None,
        lead_time_days=product.oem_lead_time_days,
        prescription=prescription,
        warnings=warnings,
    )


def customisation_warnings(product: Product, customisations: dict) -> list[str]:
    """Point out requested options the catalogue product does not normally offer."""
    out: list[str] = []
    if customisations.get("private_label") and not product.oem_private_label:
        out.append(f"{product.sku} is not normally offered as private label; our team will check.")
    if customisations.get("wavelengths_nm") and not product.oem_custom_wavelengths:
        out.append(f"{product.sku} is not normally built with custom wavelengths; our team will check.")
    packaging = customisations.get("packaging")
    if packaging and product.oem_packaging and packaging not in product.oem_packaging:
        out.append(f"Packaging '{packaging}' is not a standard option for {product.sku}.")
    return out
