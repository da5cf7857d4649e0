"""Checkout: turns a cart or API request into an order and a Stripe payment.

Entry points for other packages: ``flow`` (place, pay, sync, expire orders),
``refunds.request_refund`` (staff refunds), ``quotes.create_order_for_quote`` (pay an accepted
quote through the normal checkout) and ``events.handle_event`` (Stripe webhooks).
"""
