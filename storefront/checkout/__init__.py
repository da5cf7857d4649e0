"""Checkout: turns a cart or API request into an order and a Stripe payment.

Entry points for other packages: ``flow`` (place, pay, sync, expire orders),
``refunds.request_refund`` (staff refunds), ``quote_orders`` (pay an accepted quote through the
normal checkout), ``stripe_events.handle_event`` (Stripe webhooks) and ``cli`` (the
``storefront orders`` commands that talk to Stripe).
"""
