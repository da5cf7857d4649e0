"""Per-IP rate limits for quote submissions (shared by the form and the API) and price look-ups.

Limits come from the config so deployments and tests can tune them; the storage is the app's
limiter storage (Redis when ``REDIS_URL`` is set), so every worker and host shares one count.
"""

from __future__ import annotations

from flask import current_app

from storefront.extensions import limiter


def _submit_value() -> str:
    return current_app.config["QUOTE_RATE_LIMIT"]


def price_limit() -> str:
    """The limit on indicative price look-ups (the form calls it as the buyer types)."""
    return current_app.config["QUOTE_PRICE_RATE_LIMIT"]


# One bucket for POST /oem/quote and POST /api/v1/quotes: switching route does not reset it.
submit_limit = limiter.shared_limit(_submit_value, scope="quote-submit", methods=["POST"])
