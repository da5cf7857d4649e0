"""The one place that talks to Stripe: the official SDK behind a small, plain-data interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import stripe

from storefront.errors import DomainError

LIVE_PREFIXES = ("sk_live_", "rk_live_")


class PaymentsUnavailable(DomainError):
    """Stripe could not be reached or is not configured; nothing was charged."""

    code = "payment_provider_unavailable"
    status = 503


class CardDeclined(DomainError):
    """The card was refused (at attach time or when charged)."""

    code = "card_declined"
    status = 402


class PaymentRejected(DomainError):
    """Stripe refused the request itself (bad token, wrong state, ...)."""

    code = "payment_rejected"
    status = 422


class LiveKeyRefused(RuntimeError):
    """A live Stripe key is configured without STOREFRONT_ALLOW_LIVE_STRIPE=1."""


@dataclass(frozen=True)
class Intent:
    """The parts of a PaymentIntent the shop uses."""

    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None
    amount_received: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    latest_charge: str | None = None
    customer: str | None = None
    last_error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Intent:
        """Build from a PaymentIntent as JSON (API response or webhook payload)."""
        charge = data.get("latest_charge")
        if isinstance(charge, dict):  # expanded (localstripe always expands it)
            charge = charge.get("id")
        err = data.get("last_payment_error") or {}
        return cls(
            id=data["id"], status=data.get("status") or "", amount=int(data.get("amount") or 0),
            currency=(data.get("currency") or "").lower(), client_secret=data.get("client_secret"),
            amount_received=data.get("amount_received"),
            metadata=dict(data.get("metadata") or {}), latest_charge=charge,
            customer=data.get("customer") if isinstance(data.get("customer"), str) else None,
            last_error=err.get("message") if isinstance(err, dict) else None, raw=data,
        )


def check_key(secret_key: str, allow_live: bool) -> None:
    """Refuse a live secret key unless live mode was explicitly allowed."""
    if secret_key.startswith(LIVE_PREFIXES) and not allow_live:
        raise LiveKeyRefused(
            "STRIPE_SECRET_KEY is a live key; set STOREFRONT_ALLOW_LIVE_STRIPE=1 to use it")


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeGateway:
    """PaymentIntents, cards, refunds and webhook events through ``stripe.StripeClient``."""

    def __init__(self, secret_key: str, *, api_base: str = "", allow_live: bool = False,
                 max_network_retries: int = 1, http_client: Any = None,
                 connect_timeout: float = 3.0, read_timeout: float = 8.0):
        if not secret_key:
            raise PaymentsUnavailable("Payments are not configured (STRIPE_SECRET_KEY is empty).")
        check_key(secret_key, allow_live)
        if http_client is None:
            # Bounded waits: a hanging Stripe must fail a request well inside gunicorn's
            # worker timeout instead of tying the worker up (the SDK's default is 80 s).
            http_client = stripe.RequestsClient(timeout=(connect_timeout, read_timeout))
        kwargs: dict[str, Any] = {"max_network_retries": max_network_retries}
        if api_base:
            kwargs["base_addresses"] = {"api": api_base.rstrip("/")}
        if http_client is not None:
            kwargs["http_client"] = http_client
        self.client = stripe.StripeClient(secret_key, **kwargs)

    # -- errors ------------------------------------------------------------------------------

    @staticmethod
    def _translate(exc: stripe.StripeError) -> DomainError:
        if isinstance(exc, stripe.CardError):
            return CardDeclined(exc.user_message or "Your card was declined.",
                                errors={"card": [exc.code or "card_declined"]})
        if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError,
                            stripe.AuthenticationError, stripe.PermissionError)):
            return PaymentsUnavailable("The payment provider is unavailable; please try again.")
        if isinstance(exc, stripe.InvalidRequestError):
            return PaymentRejected(exc.user_message or "The payment provider refused the request.")
        return PaymentsUnavailable("The payment provider failed; please try again.")

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            raise self._translate(exc) from exc

    # -- PaymentIntents ----------------------------------------------------------------------

    def create_intent(self, *, amount: int, currency: str, metadata: dict[str, str],
                      idempotency_key: str) -> Intent:
        """Create a card PaymentIntent for the server's amount (retries reuse the same key)."""
        # Card only: server-side confirmation then needs no return_url.
        params: dict[str, Any] = {"amount": amount, "currency": currency.lower(),
                                  "metadata": metadata, "payment_method_types": ["card"]}
        obj = self._call(self.client.v1.payment_intents.create, params,
                         {"idempotency_key": idempotency_key})
        return Intent.from_dict(_plain(obj))

    def retrieve_intent(self, intent_id: str) -> Intent:
        """Fetch a PaymentIntent's current state from Stripe."""
        return Intent.from_dict(_plain(self._call(self.client.v1.payment_intents.retrieve, intent_id)))

    def update_intent(self, intent_id: str, *, idempotency_key: str, **params: Any) -> Intent:
        """Change a PaymentIntent that is not confirmed yet (amount, customer, payment method)."""
        obj = self._call(self.client.v1.payment_intents.update, intent_id, params,
                         {"idempotency_key": idempotency_key})
        return Intent.from_dict(_plain(obj))

    def confirm_intent(self, intent_id: str, *, idempotency_key: str) -> Intent:
        """Confirm on the server (Stripe's server-side confirmation flow); may need 3-D Secure."""
        obj = self._call(self.client.v1.payment_intents.confirm, intent_id, None,
                         {"idempotency_key": idempotency_key})
        return Intent.from_dict(_plain(obj))

    def cancel_intent(self, intent_id: str) -> Intent:
        """Cancel a PaymentIntent so it can never be paid; refused once it succeeded."""
        obj = self._call(self.client.v1.payment_intents.cancel, intent_id, None,
                         {"idempotency_key": f"storefront:cancel:{intent_id}"})
        return Intent.from_dict(_plain(obj))

    # -- cards -------------------------------------------------------------------------------

    def attach_card(self, *, token: str, email: str, metadata: dict[str, str],
                    idempotency_key: str) -> tuple[str, str]:
        """Save a Stripe.js card token on a new Customer; returns (customer id, card id).

        Stripe checks the card when it is attached, so a declined card fails here.
        """
        obj = self._call(self.client.v1.customers.create,
                         {"email": email, "source": token, "metadata": metadata},
                         {"idempotency_key": idempotency_key})
        data = _plain(obj)
        card = data.get("default_source")
        if isinstance(card, dict):
            card = card.get("id")
        if not card:
            raise PaymentRejected("The card could not be saved.")
        return data["id"], card

    # -- charges and refunds -----------------------------------------------------------------

    def retrieve_charge(self, charge_id: str) -> dict[str, Any]:
        """Fetch a Charge as plain data (amount_refunded, refunds, payment_intent, ...)."""
        return _plain(self._call(self.client.v1.charges.retrieve, charge_id))

    def retrieve_refund(self, refund_id: str) -> dict[str, Any]:
        """Fetch a Refund as plain data (status, amount, failure_reason, ...)."""
        return _plain(self._call(self.client.v1.refunds.retrieve, refund_id))

    def create_refund(self, *, payment_intent: str, amount: int, metadata: dict[str, str],
                      idempotency_key: str) -> dict[str, Any]:
        """Ask Stripe to refund part or all of a payment."""
        obj = self._call(self.client.v1.refunds.create,
                         {"payment_intent": payment_intent, "amount": amount, "metadata": metadata},
                         {"idempotency_key": idempotency_key})
        return _plain(obj)


# Raised by the SDK when Stripe cannot be reached at all (the gateway translates them; an
# adapter that meets one anyway answers 503).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (stripe.APIConnectionError,)


class UnconfiguredGateway:
    """Stands in for the gateway while no secret key is set: any use answers 503.

    Handed out instead of failing up front, so a request is validated (and refused with its
    own 4xx) before the missing payment provider matters, and pages that only might need
    Stripe still render.
    """

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise PaymentsUnavailable("Payments are not configured (STRIPE_SECRET_KEY is empty).")


def gateway_for(app) -> StripeGateway:
    """The app's gateway, built once from its config (a 503-on-use stand-in without a key)."""
    gw = app.extensions.get("storefront_stripe")
    if gw is None:
        cfg = app.config
        if not cfg.get("STRIPE_SECRET_KEY"):
            return UnconfiguredGateway()  # type: ignore[return-value]  # not cached: keys may arrive
        gw = StripeGateway(cfg["STRIPE_SECRET_KEY"], api_base=cfg.get("STRIPE_API_BASE") or "",
                           allow_live=bool(cfg.get("STOREFRONT_ALLOW_LIVE_STRIPE")),
                           max_network_retries=int(cfg["STRIPE_MAX_RETRIES"]),
                           connect_timeout=float(cfg["STRIPE_CONNECT_TIMEOUT"]),
                           read_timeout=float(cfg["STRIPE_READ_TIMEOUT"]))
        app.extensions["storefront_stripe"] = gw
    return gw
