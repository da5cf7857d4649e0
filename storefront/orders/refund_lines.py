"""What a refund of chosen order lines (and shipping) comes to, in integer minor units.

A line's charged amount is its total less its discount share, plus its tax when prices
exclude tax. Units are refunded at cumulative shares of that amount, so refunding a line's
units one refund at a time adds up to exactly what was charged for it: no cent lost or
invented by rounding. Quantities already covered by earlier refunds (not failed ones) are
not offered again.
"""

from __future__ import annotations

from dataclasses import dataclass

from storefront.errors import ValidationError
from storefront.orders.models import Order, OrderLine, RefundStatus


@dataclass(frozen=True)
class LineChoice:
    line: OrderLine
    quantity: int
    amount: int


@dataclass(frozen=True)
class RefundSelection:
    lines: list[LineChoice]
    shipping: int  # minor units of shipping (and its tax) refunded; 0 when not chosen

    @property
    def amount(self) -> int:
        return sum(c.amount for c in self.lines) + self.shipping

    def to_json(self) -> list[dict]:
        out: list[dict] = [{"line_id": c.line.id, "sku": c.line.sku, "name": c.line.name[:120],
                            "quantity": c.quantity, "amount": c.amount} for c in self.lines]
        if self.shipping:
            out.append({"shipping": True, "amount": self.shipping})
        return out


def _live_refunds(order: Order):
    return [r for r in order.refunds if r.status != RefundStatus.FAILED]


def charged_for_line(order: Order, line: OrderLine) -> int:
    """What the buyer paid for the whole line."""
    tax = 0 if order.tax_included else (line.tax_amount or 0)
    return max(0, line.line_total - (line.discount_amount or 0) + tax)


def shipping_charged(order: Order) -> int:
    """Shipping and the tax charged on it (the order's tax beyond its lines' tax)."""
    extra_tax = 0
    if not order.tax_included:
        extra_tax = max(0, (order.tax_amount or 0) - sum(ln.tax_amount or 0 for ln in order.lines))
    return (order.shipping_amount or 0) + extra_tax


def refunded_quantities(order: Order) -> dict[int, int]:
    """Units of each line covered by refunds that were not refused."""
    done: dict[int, int] = {}
    for r in _live_refunds(order):
        for item in r.lines or []:
            if item.get("line_id") is not None:
                done[item["line_id"]] = done.get(item["line_id"], 0) + int(item.get("quantity") or 0)
    return done


def shipping_refunded(order: Order) -> bool:
    """Whether an earlier refund (not refused) already covered shipping."""
    return any(item.get("shipping") for r in _live_refunds(order) for item in r.lines or [])


def refundable_units(order: Order) -> dict[int, int]:
    """Units of each line that may still be chosen for a refund."""
    done = refunded_quantities(order)
    return {ln.id: max(0, ln.quantity - done.get(ln.id, 0)) for ln in order.lines}


def unit_refund(order: Order, line: OrderLine, quantity: int, already: int | None = None) -> int:
    """What refunding ``quantity`` more units of ``line`` comes to."""
    if already is None:
        already = refunded_quantities(order).get(line.id, 0)
    charged = charged_for_line(order, line)
    upto = min(line.quantity, already + quantity)
    return charged * upto // line.quantity - charged * already // line.quantity


def parse_quantities(form, order: Order, prefix: str = "qty-") -> dict[int, int]:
    """``qty-<line id>`` fields: how many units of each line to refund (blank = none)."""
    out: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for line in order.lines:
        raw = (form.get(f"{prefix}{line.id}") or "").strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 5:
            errors[f"{prefix}{line.id}"] = ["A whole number of units."]
        elif int(raw):
            out[line.id] = int(raw)
    if errors:
        raise ValidationError("invalid quantity", errors=errors)
    return out


def select(order: Order, quantities: dict[int, int], *, shipping: bool = False) -> RefundSelection:
    """Check the chosen units against what is left and price them."""
    by_id = {ln.id: ln for ln in order.lines}
    left = refundable_units(order)
    done = refunded_quantities(order)
    errors: dict[str, list[str]] = {}
    choices = []
    for line_id, qty in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            errors[f"qty-{line_id}"] = ["Not a line of this order."]
            continue
        if qty < 0 or qty > left[line_id]:
            errors[f"qty-{line_id}"] = [f"Between 0 and {left[line_id]}."]
            continue
        if qty:
            choices.append(LineChoice(line, qty, unit_refund(order, line, qty, done.get(line_id, 0))))
    ship = 0
    if shipping:
        if shipping_refunded(order):
            errors["shipping"] = ["Shipping was refunded already."]
        else:
            ship = shipping_charged(order)
    if errors:
        raise ValidationError("Check the units to refund.", errors=errors)
    choices.sort(key=lambda c: c.line.position)
    return RefundSelection(choices, ship)
