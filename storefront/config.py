"""Every setting, typed and documented, read from the environment once (in ``create_app``).

This is the one place a default lives: the rest of the code reads ``app.config[KEY]``
without a fallback. The README's Configuration table lists the same settings. Tests and
``create_app(config)`` may override any key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _db_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        instance = ROOT / "instance"
        instance.mkdir(exist_ok=True)
        return f"sqlite:///{instance / 'storefront.db'}"
    # Heroku-style URLs and plain postgresql:// both go through psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def _str(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


def _hops(name: str) -> int:
    """A proxy hop count (0 = off) from the environment; refuses anything but a small integer."""
    raw = os.environ.get(name, "").strip() or "0"
    if not raw.isdigit() or int(raw) > 10:
        raise RuntimeError(f"{name} must be a whole number of trusted proxies (0-10), not {raw!r}")
    return int(raw)


def from_env() -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ.get("STOREFRONT_ENV", "development")
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production")
        # Development only: a per-process key means sessions do not survive restarts.
        secret = secrets.token_hex(32)
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _db_url(),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "STOREFRONT_ALLOW_LIVE_STRIPE": _bool("STOREFRONT_ALLOW_LIVE_STRIPE"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "shop@localhost"),
        "STAFF_EMAIL": os.environ.get("STAFF_EMAIL", "sales@localhost"),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(ROOT / "instance" / "uploads")),
        # Product images (storefront/media/storage.py): "local" (files under MEDIA_DIR, served
        # at /media/) or "s3" (S3-compatible; needs boto3 and MEDIA_S3_BUCKET).
        "MEDIA_STORAGE": _str("MEDIA_STORAGE", "local"),
        "MEDIA_DIR": _str("MEDIA_DIR", str(ROOT / "instance" / "media")),
        "MEDIA_S3_BUCKET": _str("MEDIA_S3_BUCKET"),
        "MEDIA_S3_ENDPOINT_URL": _str("MEDIA_S3_ENDPOINT_URL"),
        "MEDIA_S3_PREFIX": _str("MEDIA_S3_PREFIX"),
        "MEDIA_PUBLIC_URL": _str("MEDIA_PUBLIC_URL"),
        # Largest image accepted, in pixels (decoded size; refuses decompression bombs).
        "MEDIA_MAX_PIXELS": _int("MEDIA_MAX_PIXELS", 40_000_000),
        # Catalogue import in the browser: largest upload (JSON or .zip with images), and the
        # product count from which a dry run runs as a background job.
        "IMPORT_MAX_BYTES": _int("IMPORT_MAX_BYTES", 64 * 1024 * 1024),
        "IMPORT_JOB_THRESHOLD": _int("IMPORT_JOB_THRESHOLD", 500),
        # Development only: the staff page listing every email the shop would have sent.
        "DEV_MAIL_PAGE": _bool("DEV_MAIL_PAGE", env == "development"),
        # Absolute links in emails and Stripe return URLs sent outside a request.
        "SITE_URL": _str("SITE_URL"),
        # Send queued mail right after commit in the request (None: when MAIL_SERVER is set;
        # False: leave it to `storefront mail drain`).
        "MAIL_SYNC_DRAIN": None,
        # Catalogue caches (facet counts, listing fragments): seconds an entry lives; 0 = off.
        "CATALOG_CACHE_SECONDS": _float("CATALOG_CACHE_SECONDS", 30),
        # Checkout: how long stock stays reserved for an unpaid order, a quote's payment
        # window, and how long a payment may wait for its webhook before a sync asks Stripe.
        # Shipping zones and tax rates (data files staff edit); blank: the ones in the package.
        "SHIPPING_FILE": _str("SHIPPING_FILE"),
        "TAX_FILE": _str("TAX_FILE"),
        "ORDER_RESERVATION_MINUTES": _float("ORDER_RESERVATION_MINUTES", 30),
        "QUOTE_PAYMENT_HOURS": _float("QUOTE_PAYMENT_HOURS", 168),
        "WEBHOOK_GRACE_SECONDS": _float("WEBHOOK_GRACE_SECONDS", 60),
        # Rate limits (Flask-Limiter syntax); storage is Redis when REDIS_URL is set.
        "CHECKOUT_PAY_RATE_LIMIT": _str("CHECKOUT_PAY_RATE_LIMIT", "20 per minute"),
        "QUOTE_RATE_LIMIT": _str("QUOTE_RATE_LIMIT", "5 per minute;30 per hour"),
        "QUOTE_PRICE_RATE_LIMIT": _str("QUOTE_PRICE_RATE_LIMIT", "120 per minute"),
        "STAFF_LOGIN_RATE_IP": _str("STAFF_LOGIN_RATE_IP", "20 per minute; 200 per day"),
        "STAFF_LOGIN_RATE_ACCOUNT": _str("STAFF_LOGIN_RATE_ACCOUNT", "5 per minute; 30 per day"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        # If Redis goes away, keep limiting per process instead of failing limited requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Quote attachments: the largest file accepted.
        "QUOTE_ATTACHMENT_MAX_BYTES": _int("QUOTE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024),
        # Staff sessions: idle and absolute timeouts (seconds); a larger login body is a 413.
        "STAFF_IDLE_TIMEOUT": _int("STAFF_IDLE_TIMEOUT", 30 * 60),
        "STAFF_ABSOLUTE_TIMEOUT": _int("STAFF_ABSOLUTE_TIMEOUT", 12 * 3600),
        "STAFF_LOGIN_MAX_BYTES": _int("STAFF_LOGIN_MAX_BYTES", 16 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env == "production"),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        # Trust this many reverse proxies' X-Forwarded-For / -Proto (0 = ignore the headers).
        "PROXY_FIX_X_FOR": _hops("PROXY_FIX_X_FOR"),
        "PROXY_FIX_X_PROTO": _hops("PROXY_FIX_X_PROTO"),
        "API_TITLE": "Storefront API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
