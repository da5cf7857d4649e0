"""The storefront application factory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from flask import Flask

# Flask and the extensions are imported when an app is created, not when a submodule is:
# the pure packages (compliance, money) load without the web stack.
ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; ``config`` overrides settings from the environment."""
    from flask import Flask

    from storefront import config as config_module

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(config_module.from_env())
    if config:
        app.config.update(config)
    if not app.config.get("SQLALCHEMY_ENGINE_OPTIONS"):  # a URI given by override gets them too
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"])
    config_module.validate(app.config)
    from storefront import bodylimit

    bodylimit.init_app(app)  # 413 for bodies over MAX_CONTENT_LENGTH on every route, chunked too
    from storefront.web import page_cache

    # Inside CanonicalOrigin (keys name SITE_URL's origin), outside the session and CSRF work.
    page_cache.init_app(app)
    apply_canonical_origin(app)
    apply_proxy_fix(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def apply_proxy_fix(app: Flask) -> None:
    """Behind trusted reverse proxies, take the client address and scheme from X-Forwarded-*."""
    x_for = int(app.config["PROXY_FIX_X_FOR"])
    x_proto = int(app.config["PROXY_FIX_X_PROTO"])
    if x_for or x_proto:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so every other layer sees the proxied client's address and scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0,
                                x_prefix=0)


class CanonicalOrigin:
    """WSGI middleware: the app sees SITE_URL's scheme and host, whatever Host the client sent.

    Every absolute URL (``url_for(..., _external=True)``, ``request.url_root``) then names the
    shop's real origin, so a forged Host header cannot reach a canonical link, JSON-LD, an
    email or a cached page.
    """

    def __init__(self, wsgi_app, site_url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(site_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RuntimeError(f"SITE_URL must be an absolute http(s) URL, not {site_url!r}")
        self.wsgi_app = wsgi_app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.server_name = parts.hostname
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))

    def __call__(self, environ, start_response):
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"] = self.server_name
        environ["SERVER_PORT"] = self.port
        environ["wsgi.url_scheme"] = self.scheme
        return self.wsgi_app(environ, start_response)


def apply_canonical_origin(app: Flask) -> None:
    """With SITE_URL set, take the origin from it instead of the request (inside ProxyFix)."""
    if app.config["SITE_URL"]:
        app.wsgi_app = CanonicalOrigin(app.wsgi_app, app.config["SITE_URL"])


def register_extensions(app: Flask) -> None:
    import storefront.model_registry  # noqa: F401  (registers every table on the metadata)
    from storefront.extensions import csrf, db, limiter, migrate, openapi

    db.init_app(app)
    from storefront.catalog.search import include_name

    # The full-text search index is raw DDL (migration 0010); autogenerate leaves it alone.
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), include_name=include_name)
    csrf.init_app(app)
    limiter.init_app(app)
    from storefront.catalog import cache

    cache.init_app(app, ttl=float(app.config["CATALOG_CACHE_SECONDS"]))
    from storefront.payments import check_key

    # Refuse to start with a live key unless live mode was asked for explicitly.
    check_key(app.config["STRIPE_SECRET_KEY"], app.config["STOREFRONT_ALLOW_LIVE_STRIPE"])
    from storefront.jobs.queue import request_mail_drain
    from storefront.mail import DRAIN_HOOK

    # With a worker, mail queued by a request is sent by it, never by a web process.
    app.extensions[DRAIN_HOOK] = request_mail_drain
    from storefront.jobs.queue import enqueue_on_worker
    from storefront.web.page_cache import ENQUEUE

    # After an import or a publish, a worker pre-renders the shared pages (web/page_cache.py).
    app.extensions[ENQUEUE] = enqueue_on_worker
    from storefront import security

    security.init_app(app)  # security headers on every response, hardened session cookie
    from storefront.api import ErrorSchema

    openapi.ERROR_SCHEMA = ErrorSchema  # document our {code: str, status: int, ...} error body
    openapi.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from storefront.sqlite import enable_sqlite_pragmas

        with app.app_context():
            enable_sqlite_pragmas(db.engine)


def register_blueprints(app: Flask) -> None:
    """Every blueprint, in one place: pages, the JSON API (flask-smorest) and the Stripe webhook."""
    from storefront.api.guides import blp as guides_api
    from storefront.api.orders import blp as orders_api
    from storefront.api.products import blp as products_api
    from storefront.api.quotes import blp as quotes_api
    from storefront.api.webhooks import bp as stripe_webhook
    from storefront.extensions import csrf, openapi
    from storefront.health import bp as health
    from storefront.staff.views import init_app as init_staff
    from storefront.web import cart, catalog, checkout, guides, media, orders, quotes, seo
    from storefront.web import init_app as init_web

    app.register_blueprint(health)  # /healthz
    init_staff(app)  # /staff/ blueprint and the Flask-Login manager
    init_web(app)  # the pages' template helpers
    for page_bp in (quotes.bp,  # /oem/quote, /oem/quotes/<token>
                    catalog.bp, seo.bp,  # catalogue, product, compare; sitemap.xml, robots.txt
                    cart.bp, checkout.bp, orders.bp,  # /cart, /checkout, /orders/<id>
                    media.bp,  # /media/<key> (product images)
                    guides.bp):  # /guides, /guides/<slug>, /guides/feed.xml
        app.register_blueprint(page_bp)
    # The JSON API takes no cookies for authority, and Stripe signs its requests instead:
    # both are exempt from the form CSRF check.
    # /api/v1/quotes, products, orders, guides
    for api_bp in (quotes_api, products_api, orders_api, guides_api):
        csrf.exempt(api_bp)
        openapi.register_blueprint(api_bp)
    csrf.exempt(stripe_webhook)
    app.register_blueprint(stripe_webhook)  # POST /stripe/webhook


def register_errorhandlers(app: Flask) -> None:
    from storefront.errorhandlers import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from storefront.compliance.cli import compliance_cli  # `check`, and `report` over the catalogue
    from storefront.guides.cli import COMMANDS as GUIDE_SEED_COMMANDS
    from storefront.mail.cli import mail_cli
    from storefront.media.cli import media_cli
    from storefront.seeding.cli import seed_cli

    for command in GUIDE_SEED_COMMANDS:  # `seed articles`, `seed export-articles`
        seed_cli.add_command(command)
    app.cli.add_command(compliance_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(media_cli)
    from storefront.quotes.cli import quotes_cli

    app.cli.add_command(quotes_cli)
    from storefront.promotions.cli import promotions_cli
    from storefront.staff.cli import staff_cli

    app.cli.add_command(promotions_cli)

    app.cli.add_command(staff_cli)
    from storefront.jobs.cli import worker_command

    app.cli.add_command(worker_command)
    from storefront.web.page_cache import pages_cli

    app.cli.add_command(pages_cli())  # `pages warm`, `pages clear`
    from storefront.checkout.cli import ORDER_COMMANDS
    from storefront.orders.cli import orders_cli

    for command in ORDER_COMMANDS:  # expire, refund, sync, cancel, reconcile: checkout's
        orders_cli.add_command(command)
    app.cli.add_command(orders_cli)
