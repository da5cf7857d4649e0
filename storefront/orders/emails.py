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


def figures(order: Order) -> str:
    """Subtotal, discount, shipping, tax and total as the order page shows them."""
    cur = order.currency

    def row(label: str, amount: str) -> str:
        return f"  {label:<38} {amount:>12}"

    if order.quote_ref:
        return row("Total", format_money(order.total_amount, cur))
    rows = [row("Subtotal", format_money(order.subtotal_amount, cur))]
    if order.discount_amount:
        label = f"Discount ({order.promotion_code})" if order.promotion_code else "Discount"
        rows.append(row(label, "-" + format_money(order.discount_amount, cur)))
    ship = f"Shipping ({order.shipping_method_name})" if order.shipping_method_name else "Shipping"
    rows.append(row(ship, format_money(order.shipping_amount, cur) if order.shipping_amount else "Free"))
    taxes = [row(f"{t['name']} ({t['rate']} %)", format_money(t["amount"], cur))
             for t in order.tax_lines or []]
    if not order.tax_included:
        rows += taxes
    rows.append(row("Total", format_money(order.total_amount, cur)))
    if order.tax_included:
        rows += [row(f"Includes {t['name']} {t['rate']} %", format_money(t["amount"], cur))
                 for t in order.tax_lines or []]
    return "\n".join(rows)


def queue_confirmation(session: Session, order: Order, *, site_url: str = "") -> None:
    """Queue the buyer's order confirmation (once per order, whatever the number of webhooks)."""
    link = f"{site_url.rstrip('/')}/orders/{order.public_id}" if site_url else f"/orders/{order.public_id}"
    body = (
        f"Thank you for your order.\n\n"
        f"Order number: {order.display_number}\n"
        f"Date: {order.created_at:%d %B %Y}\n"
        f"Email: {order.email}\n"
        f"Paid: {format_money(order.amount_paid, order.currency)}\n\n"
        f"{_lines(order)}\n\n{figures(order)}\n\n"
        + (f"Shipping to:\n{_address(order)}\n\n" if order.shipping_address else "")
        + "Before first use, read the precautions that came with your device and that you "
        "acknowledged at checkout. Use only as directed.\n\n"
        f"Order status: {link}\n"
    )
    enqueue(session, to=order.email, subject=f"Order {order.display_number} confirmed", body_text=body,
            dedupe_key=f"order-paid:{order.public_id}")


def queue_fulfilment_request(session: Session, order: Order, *, staff_email: str) -> None:
    """Ask the shipping team to send a paid order (the shop's one fulfilment trigger)."""
    body = (f"Order {order.display_number} ({order.public_id}) is paid and ready to ship.\n"
            + (f"Method: {order.shipping_method_name}\n" if order.shipping_method_name else "")
            + f"\n{_lines(order)}\n\n"
            + (f"Ship to:\n{_address(order)}\n" if order.shipping_address else "")
            + (f"\nQuote: {order.quote_ref} ({order.quote_payment})\n" if order.quote_ref else ""))
    enqueue(session, to=staff_email, subject=f"Ship order {order.display_number}", body_text=body,
            dedupe_key=f"order-fulfil:{order.public_id}")


def queue_refund_notice(session: Session, order: Order) -> None:
    """Tell the buyer about a refund Stripe confirmed (once per refunded total)."""
    body = (f"We refunded {format_money(order.amount_refunded, order.currency)} of your "
            f"{format_money(order.amount_paid, order.currency)} payment for order "
            f"{order.display_number}.\nIt can take 5-10 business days to appear on your statement.\n")
    enqueue(session, to=order.email, subject=f"Refund for order {order.display_number}", body_text=body,
            dedupe_key=f"order-refund:{order.public_id}:{order.amount_refunded}")
