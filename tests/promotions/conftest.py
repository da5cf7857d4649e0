"""Checkout fixtures (localstripe, card tokens, signed webhooks) for this folder."""

from tests.checkout.fixtures import gateway, localstripe, shop, webhook_secret  # noqa: F401
