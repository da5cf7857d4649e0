"""Order emails, queued in the outbox inside the business transaction (sent after commit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storefront.mail import enqueue
from storefront.money import format_money
from storefront.orders.models import Order


def _lines(order: Order) -> str:
    rows = [f"  {line.quantity} x {line.name}" + (f" ({line.sku})" if line.sku else "")
            + f"  {format_money(line.line_total, order.currency)}" for line in order.lines]
    return "\n".join(rows)


def _address(order: Order) -> str:
    a = order.shipping_address or {}
    parts = [a.get("name"), a.get("line1"), a.get("line2"),
             " ".join(p for p in (a.get("city"), a.get("state"), a.get("postal_code")) if p),
             a.get("country")]
    return "\n".join(f"  {p}" for p in parts if p)


def queue_confirmation(session: Session, order: Order, *, site_url: str = "") -> None:
    """Queue the buyer's order confirmation (once per order, whatever the number of webhooks)."""
    link = f"{site_url.rstrip('/')}/orders/{order.public_id}" if site_url else f"/orders/{order.public_id}"
    body = (
        f"Thank you for your order.\n\n"
        f"Order: {order.public_id}\n"
        f"Paid: {format_money(order.amount_paid, order.currency)}\n\n"
        f"{_lines(order)}\n\n"
        + (f"Shipping to:\n{_address(order)}\n\n" if order.shipping_address else "")
        + "Before first use, read the precautions that came with your device and that you "
        "acknowledged at checkout. Use only as directed.\n\n"
        f"Order status: {link}\n"
    )
    enqueue(session, to=order.email, subject=f"Order {order.public_id} confirmed", body_text=body,
            dedupe_key=f"order-paid:{order.public_id}")


def queue_fulfilment_request(session: Session, order: Order, *, staff_email: str) -> None:
    """Ask the shipping team to send a paid order (the shop's one fulfilment trigger)."""
    body = (f"Order {order.public_id} is paid and ready to ship.\n\n{_lines(order)}\n\n"
            + (f"Ship to:\n{_address(order)}\n" if order.shipping_address else "")
            + (f"\nQuote: {order.quote_ref} ({order.quote_payment})\n" if order.quote_ref else ""))
    enqueue(session, to=staff_email, subject=f"Ship order {order.public_id}", body_text=body,
            dedupe_key=f"order-fulfil:{order.public_id}")


def queue_refund_notice(session: Session, order: Order) -> None:
    """Tell the buyer about a refund Stripe confirmed (once per refunded total)."""
    body = (f"We refunded {format_money(order.amount_refunded, order.currency)} of your "
            f"{format_money(order.amount_paid, order.currency)} payment for order "
            f"{order.public_id}.\nIt can take 5-10 business days to appear on your statement.\n")
    enqueue(session, to=order.email, subject=f"Refund for order {order.public_id}", body_text=body,
            dedupe_key=f"order-refund:{order.public_id}:{order.amount_refunded}")
