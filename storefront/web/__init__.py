"""Server-rendered pages: catalogue, product, compare, sitemap and robots.txt."""

from __future__ import annotations

from flask import Flask, session

from storefront.catalog.cache import CatalogCache
from storefront.catalog.display import availability, format_money
from storefront.catalog.filters import laser_class_label


def cart_count() -> int:
    """Items in the session cart (``{"sku": qty}``), tolerant of anything else stored there."""
    cart = session.get("cart")
    if not isinstance(cart, dict):
        return 0
    total = 0
    for qty in cart.values():
        if isinstance(qty, int) and not isinstance(qty, bool) and qty > 0:
            total += qty
    return total


def shared_page_ok() -> bool:
    """Whether this visitor sees the page everyone sees (no cart, messages or login).

    A session holding only a CSRF token qualifies: pages that carry the token get it
    filled in per request.
    """
    return set(session.keys()) <= {"csrf_token"}


def band_class(nm: int) -> str:
    """CSS class of a wavelength swatch: orange-red, deep red, near-infrared or far NIR."""
    if nm < 650:
        return "w-red"
    if nm < 700:
        return "w-deep"
    return "w-nir" if nm < 950 else "w-far"


def catalog_cache(app: Flask) -> CatalogCache | None:
    """Totals, facet counts and page ids per filter state (None when caching is off)."""
    return app.extensions.get("catalog_cache")


def fragment_cache(app: Flask) -> CatalogCache | None:
    """Rendered listing fragments and API list bodies (None when caching is off)."""
    return app.extensions.get("catalog_fragments")


def clear_caches(app: Flask) -> None:
    """Forget everything cached from the catalogue (tests; after restoring a backup)."""
    for cache in (catalog_cache(app), fragment_cache(app)):
        if cache is not None:
            cache.clear()


def init_app(app: Flask) -> None:
    """Register the page blueprints, template helpers and the facet cache."""
    from storefront.web.catalog import bp as catalog_bp
    from storefront.web.seo import bp as seo_bp

    ttl = float(app.config.get("CATALOG_CACHE_SECONDS", 30))
    if ttl > 0:
        app.extensions["catalog_cache"] = CatalogCache(ttl=ttl, size=2048)
        app.extensions["catalog_fragments"] = CatalogCache(ttl=ttl, size=512)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(seo_bp)
    app.add_template_filter(format_money, "money")
    app.add_template_global(availability, "availability")
    app.add_template_global(laser_class_label, "laser_class_label")
    app.add_template_global(band_class, "band_class")

    @app.context_processor
    def _layout():
        return {"cart_count": cart_count}
