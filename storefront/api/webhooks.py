"""``POST /stripe/webhook``: Stripe events, verified on the raw body, applied exactly once."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from storefront.checkout.settings import CheckoutSettings
from storefront.checkout.stripe_events import handle_event
from storefront.extensions import db
from storefront.mail import send_after_commit
from storefront.payments import PaymentsUnavailable, gateway_for
from storefront.payments.intents import release_quietly
from storefront.payments.signatures import verify_event

bp = Blueprint("stripe_webhooks", __name__)


@bp.post("/stripe/webhook")
def stripe_webhook():
    """Verify the signature (400 otherwise), record the event id and apply it; 200 for any type."""
    event = verify_event(request.get_data(), request.headers.get("Stripe-Signature"),
                         current_app.config["STRIPE_WEBHOOK_SECRET"])
    settings = CheckoutSettings.from_config(current_app.config, site_url=request.url_root)
    outcome = handle_event(db.session, event, settings)
    db.session.commit()
    app = current_app._get_current_object()
    send_after_commit(app)
    if outcome.cancel_intent:
        try:
            release_quietly(gateway_for(app), outcome.cancel_intent)
        except PaymentsUnavailable:
            pass  # payments not configured here; the intent is left to expire at Stripe
    return jsonify({"received": True, "outcome": outcome.outcome})
