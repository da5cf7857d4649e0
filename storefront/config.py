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


def _optional_bool(name: str) -> bool | None:
    value = os.environ.get(name, "").strip()
    return None if not value else value.lower() in {"1", "true", "yes", "on"}


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


def engine_options(url: str) -> dict:
    """Pool options for a database URL (none for SQLite)."""
    if url.startswith("sqlite"):
        return {}
    # Test each pooled connection before use, so the first request after a database restart
    # (or a terminated backend) reconnects instead of answering 500.
    return {"pool_pre_ping": _bool("DB_POOL_PRE_PING", True),
            "pool_recycle": _int("DB_POOL_RECYCLE_SECONDS", 1800),
            "connect_args": {"connect_timeout": _int("DB_CONNECT_TIMEOUT_SECONDS", 5)}}


def _check_production(env: str) -> None:
    if env != "production":
        return
    if not os.environ.get("SITE_URL"):
        raise RuntimeError("SITE_URL must be set in production (absolute links and the "
                           "canonical host come from it, never from the request's Host)")
    if not os.environ.get("REDIS_URL") and not os.environ.get("LIMITER_MEMORY_OK_REASON"):
        raise RuntimeError(
            "REDIS_URL must be set in production: without it rate limits (login throttling, "
            "order creation) are per process, so several workers or hosts multiply them. If "
            "this deployment runs a single process, say so in LIMITER_MEMORY_OK_REASON.")


def validate(config: dict) -> None:
    """Refuse settings that cannot work together (called by ``create_app`` after overrides)."""
    budget = ((float(config["STRIPE_CONNECT_TIMEOUT"]) + float(config["STRIPE_READ_TIMEOUT"]))
              * (1 + int(config["STRIPE_MAX_RETRIES"])))
    if budget >= float(config["WORKER_TIMEOUT_SECONDS"]):
        raise RuntimeError(
            f"Stripe calls could take {budget:.0f} s (connect + read timeouts times attempts), "
            f"not under the worker timeout of {config['WORKER_TIMEOUT_SECONDS']} s")
    if config.get("ENV_NAME") == "production" and config.get("DEV_MAIL_PAGE"):
        raise RuntimeError("DEV_MAIL_PAGE is for development only: it shows every email, one-time "
                           "links included, to any staff account")
    if (config.get("ENV_NAME") == "production" and config.get("RATELIMIT_STORAGE_URI") == "memory://"
            and config.get("LIMITER_MEMORY_OK_REASON")):
        import logging

        logging.getLogger("storefront").warning(
            "rate limits are per process (no REDIS_URL); accepted because: %s",
            config["LIMITER_MEMORY_OK_REASON"])


def from_env() -> dict:
    """Build the configuration mapping from environment variables."""
    env = os.environ.get("STOREFRONT_ENV", "development")
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production")
        # Development only: a per-process key means sessions do not survive restarts.
        secret = secrets.token_hex(32)
    _check_production(env)
    db_url = _db_url()
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": db_url,
        # Pool options for PostgreSQL (DB_POOL_PRE_PING, DB_POOL_RECYCLE_SECONDS,
        # DB_CONNECT_TIMEOUT_SECONDS); SQLite needs none.
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(db_url),
        # An unreachable database or payment provider answers 503 with this Retry-After.
        "UNAVAILABLE_RETRY_AFTER_SECONDS": _int("UNAVAILABLE_RETRY_AFTER_SECONDS", 5),
        # gunicorn's worker timeout (wsgi.py / scripts use it): outbound calls must fit under it.
        "WORKER_TIMEOUT_SECONDS": _int("WORKER_TIMEOUT_SECONDS", 30),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "STOREFRONT_ALLOW_LIVE_STRIPE": _bool("STOREFRONT_ALLOW_LIVE_STRIPE"),
        # Stripe client: seconds to connect / to wait for an answer, and retries of a failed
        # network call (same idempotency key). (connect + read) x (1 + retries) must stay
        # under WORKER_TIMEOUT_SECONDS, or a hanging Stripe ties up every worker.
        "STRIPE_CONNECT_TIMEOUT": _float("STRIPE_CONNECT_TIMEOUT", 3),
        "STRIPE_READ_TIMEOUT": _float("STRIPE_READ_TIMEOUT", 8),
        "STRIPE_MAX_RETRIES": _int("STRIPE_MAX_RETRIES", 1),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Background jobs (RQ on REDIS_URL). JOBS_INLINE=1, or no REDIS_URL, runs them in the
        # calling process instead (development, tests).
        "JOBS_INLINE": _bool("JOBS_INLINE", not os.environ.get("REDIS_URL")),
        "JOBS_QUEUE": _str("JOBS_QUEUE", "storefront"),
        # `storefront worker`'s schedule: seconds between runs of each periodic job (0 = off).
        "MAIL_DRAIN_INTERVAL_SECONDS": _float("MAIL_DRAIN_INTERVAL_SECONDS", 15),
        "EXPIRE_INTERVAL_SECONDS": _float("EXPIRE_INTERVAL_SECONDS", 60),
        "RECONCILE_INTERVAL_SECONDS": _float("RECONCILE_INTERVAL_SECONDS", 300),
        # Reconciliation asks Stripe about pending orders whose PaymentIntent is older than this.
        "RECONCILE_GRACE_SECONDS": _float("RECONCILE_GRACE_SECONDS", 600),
        # Outbox: a claimed row is someone's for this long (then another drain retries it);
        # failures wait MAIL_RETRY_BASE_SECONDS x 2^(attempts-1) (capped at an hour); after
        # MAIL_MAX_ATTEMPTS a row is dead-lettered for staff to resend.
        "MAIL_LEASE_SECONDS": _float("MAIL_LEASE_SECONDS", 120),
        "MAIL_RETRY_BASE_SECONDS": _float("MAIL_RETRY_BASE_SECONDS", 30),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 8),
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
        # The public origin ("https://shop.example.com"): every absolute URL (canonical links,
        # JSON-LD, emails) and the Host the app sees come from it, never from the request's
        # Host header (cache poisoning). Required in production.
        "SITE_URL": _str("SITE_URL").rstrip("/"),
        # Send queued mail right after commit in the request (unset: when MAIL_SERVER is set;
        # 0: leave it to the worker / `storefront mail drain`; 1: in the request, synchronously).
        "MAIL_SYNC_DRAIN": _optional_bool("MAIL_SYNC_DRAIN"),
        # Catalogue caches (facet counts, listing fragments): seconds an entry lives; 0 = off.
        "CATALOG_CACHE_SECONDS": _float("CATALOG_CACHE_SECONDS", 30),
        # The shared full-page cache for anonymous visitors (storefront/web/page_cache.py):
        # seconds an entry may live (each hit is re-validated against the database); 0 = off.
        # Store: Redis with REDIS_URL, else files in PAGE_CACHE_DIR; PAGE_CACHE_STORE forces
        # redis, file or memory (one process only).
        "PAGE_CACHE_SECONDS": _float("PAGE_CACHE_SECONDS", 3600),
        "PAGE_CACHE_STORE": _str("PAGE_CACHE_STORE"),
        "PAGE_CACHE_DIR": _str("PAGE_CACHE_DIR", str(Path(__file__).resolve().parent.parent
                                                     / "instance" / "page-cache")),
        "PAGE_CACHE_PREFIX": _str("PAGE_CACHE_PREFIX", "sf:page:"),
        # Each process keeps the pages it served lately in front of a shared store (Redis,
        # files): up to PAGE_CACHE_LOCAL_MB of bodies, each for PAGE_CACHE_LOCAL_SECONDS at
        # most. Hits are re-validated all the same; 0 = off.
        "PAGE_CACHE_LOCAL_MB": _float("PAGE_CACHE_LOCAL_MB", 16),
        "PAGE_CACHE_LOCAL_SECONDS": _float("PAGE_CACHE_LOCAL_SECONDS", 60),
        # After an import or a publish, a worker job pre-renders the catalogue's first
        # PAGE_CACHE_WARM_LISTING_PAGES pages, up to PAGE_CACHE_WARM_FILTERS filter states
        # the catalogue links to (facet links, then their combinations) and every product
        # page (only with a worker).
        "PAGE_CACHE_WARM": _bool("PAGE_CACHE_WARM", True),
        "PAGE_CACHE_WARM_LISTING_PAGES": _int("PAGE_CACHE_WARM_LISTING_PAGES", 5),
        "PAGE_CACHE_WARM_FILTERS": _int("PAGE_CACHE_WARM_FILTERS", 400),
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
        # Failed logins per client address AND account: slows a guesser without locking the
        # account's owner (on another address) out; `storefront staff unlock EMAIL` clears it.
        "STAFF_LOGIN_RATE_ACCOUNT": _str("STAFF_LOGIN_RATE_ACCOUNT", "5 per minute; 20 per hour"),
        # POST /api/v1/orders and POST /checkout: per client address, and how many unpaid
        # orders (stock held) one client may have at once.
        "ORDER_RATE_LIMIT": _str("ORDER_RATE_LIMIT", "10 per minute;60 per hour"),
        "ORDER_UNPAID_PER_CLIENT": _int("ORDER_UNPAID_PER_CLIENT", 5),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        # Production without REDIS_URL refuses to start unless this says why per-process
        # limits are safe here (e.g. "one gunicorn worker on one host").
        "LIMITER_MEMORY_OK_REASON": _str("LIMITER_MEMORY_OK_REASON"),
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
