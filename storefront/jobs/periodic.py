"""The worker's periodic jobs: send mail, expire reservations, reconcile payments.

Each takes a Redis lock for its interval, so several workers on one schedule run it once.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)

# name -> (function path, the setting holding its interval in seconds)
SCHEDULE: dict[str, tuple[str, str]] = {
    "mail-drain": ("storefront.jobs.periodic.drain_mail", "MAIL_DRAIN_INTERVAL_SECONDS"),
    "expire-reservations": ("storefront.jobs.periodic.expire_reservations",
                            "EXPIRE_INTERVAL_SECONDS"),
    "reconcile-payments": ("storefront.jobs.periodic.reconcile_payments",
                           "RECONCILE_INTERVAL_SECONDS"),
}


def run_once(name: str) -> Any:
    """Run the periodic job ``name`` unless another worker ran it within its interval."""
    func_path, setting = SCHEDULE[name]
    config = current_app.config
    interval = float(config[setting])
    if config.get("REDIS_URL") and interval > 0:
        from storefront.jobs.queue import redis_connection

        # One lock per queue: two shops (or two test runs) sharing a Redis database never
        # skip each other's ticks.
        lock = f"storefront:periodic:{config.get('JOBS_QUEUE') or 'storefront'}:{name}"
        # Slightly shorter than the interval, so the next tick is never skipped by its own lock.
        if not redis_connection(config["REDIS_URL"]).set(lock, "1", nx=True,
                                                         px=int(interval * 900)):
            return "skipped"
    from storefront.jobs.queue import resolve

    return resolve(func_path)()


def drain_mail() -> dict[str, int]:
    """Send due outbox mail (claims with a lease; safe beside other drains)."""
    from storefront.extensions import db
    from storefront.mail import drain

    return drain(db.session, current_app.config, limit=500)


def expire_reservations() -> dict[str, int]:
    """Release the stock of unpaid orders past their reservation (never a charged one)."""
    from storefront.checkout.flow import expire_due
    from storefront.checkout.settings import CheckoutSettings
    from storefront.extensions import db
    from storefront.payments import gateway_for

    report = expire_due(db.session, gateway_for(current_app), CheckoutSettings.from_config(
        current_app.config), limit=500)
    return dict(report.counts)


def reconcile_payments() -> dict[str, int]:
    """Ask Stripe about pending orders past the grace period and apply what it says."""
    from storefront.checkout.reconcile import reconcile
    from storefront.checkout.settings import CheckoutSettings
    from storefront.extensions import db
    from storefront.payments import gateway_for

    report = reconcile(db.session, gateway_for(current_app),
                       CheckoutSettings.from_config(current_app.config), limit=500)
    return dict(report)
