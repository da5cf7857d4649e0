"""Stripe webhook signatures: verify incoming events, and sign payloads the same way (tests)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import stripe

from storefront.errors import DomainError

TOLERANCE_SECONDS = 300


class InvalidSignature(DomainError):
    code = "invalid_signature"
    status = 400


class InvalidPayload(DomainError):
    code = "invalid_payload"
    status = 400


def verify_event(payload: bytes, sig_header: str | None, secret: str,
                 tolerance: int = TOLERANCE_SECONDS) -> dict[str, Any]:
    """Check the Stripe-Signature header on the raw body and return the event as plain data."""
    if not secret:
        raise InvalidSignature("Webhook secret is not configured.")
    try:
        stripe.WebhookSignature.verify_header(payload, sig_header or "", secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidSignature(f"Signature verification failed: {exc.user_message or exc}") from None
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        raise InvalidPayload("The body is not JSON.") from None
    if (not isinstance(event, dict) or not isinstance(event.get("id"), str)
            or not isinstance(event.get("type"), str)):
        raise InvalidPayload("The body is not a Stripe event.")
    # A signed event of an unexpected shape is acknowledged and recorded by the handler
    # (checkout.stripe_events.shape_problem), never applied.
    return event


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload`` (Stripe's scheme: HMAC-SHA256 of "t.body")."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"
