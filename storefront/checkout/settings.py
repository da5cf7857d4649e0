"""Checkout settings taken from the app config once, so services stay free of Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class CheckoutSettings:
    secret_key: str  # derives order ids from idempotency keys
    reservation: timedelta = timedelta(minutes=30)  # how long unpaid stock stays reserved
    quote_reservation: timedelta = timedelta(days=7)  # how long a quote's payment stays open
    # A payment Stripe accepted but whose webhook has not arrived after this long is looked
    # up at Stripe when the order is read (a lost or misrouted webhook).
    webhook_grace: timedelta = timedelta(seconds=60)
    # Reconciliation asks Stripe about pending orders whose PaymentIntent is older than this.
    reconcile_grace: timedelta = timedelta(minutes=10)
    # Unpaid orders (stock held) one client may have at once; 0 = no cap.
    unpaid_per_client: int = 5
    staff_email: str = "sales@localhost"  # receives "ship this order" requests
    site_url: str = ""  # absolute base for links in emails
    shipping_file: str = ""  # shipping zones (default: storefront/shipping/zones.toml)
    tax_file: str = ""  # tax rates (default: storefront/tax/rates.toml)

    def shipping_table(self):
        """The shipping zones and methods in force."""
        from storefront.shipping import load_table

        return load_table(self.shipping_file or None)

    def tax_calculator(self):
        """The tax calculator in force (the rate table; a hosted service could replace it)."""
        from storefront.tax import load_calculator

        return load_calculator(self.tax_file or None)

    @classmethod
    def from_config(cls, config: Any, *, site_url: str = "") -> CheckoutSettings:
        """Build from a Flask config mapping."""
        return cls(
            secret_key=config["SECRET_KEY"],
            reservation=timedelta(minutes=float(config["ORDER_RESERVATION_MINUTES"])),
            quote_reservation=timedelta(hours=float(config["QUOTE_PAYMENT_HOURS"])),
            webhook_grace=timedelta(seconds=float(config["WEBHOOK_GRACE_SECONDS"])),
            reconcile_grace=timedelta(seconds=float(config["RECONCILE_GRACE_SECONDS"])),
            unpaid_per_client=int(config["ORDER_UNPAID_PER_CLIENT"]),
            staff_email=config["STAFF_EMAIL"],
            site_url=config["SITE_URL"] or site_url,
            shipping_file=config.get("SHIPPING_FILE") or "",
            tax_file=config.get("TAX_FILE") or "",
        )
