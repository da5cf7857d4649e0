"""Payments: the only package that knows the Stripe SDK."""

from storefront.payments.gateway import (  # noqa: F401
    CONNECTION_ERRORS,
    CardDeclined,
    Intent,
    LiveKeyRefused,
    PaymentRejected,
    PaymentsUnavailable,
    StripeGateway,
    check_key,
    gateway_for,
)
