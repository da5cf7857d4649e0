"""Server-rendered pages: catalogue, product, compare, sitemap and robots.txt."""

from __future__ import annotations

from flask import Flask, session

from storefront.catalog.display import availability
from storefront.compliance import laser_class
from storefront.money import format_money


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


def init_app(app: Flask) -> None:
    """Register the pages' template helpers (the blueprints are registered in ``create_app``)."""
    app.add_template_filter(format_money, "money")
    app.add_template_global(availability, "availability")
    app.add_template_global(laser_class.label, "laser_class_label")
    app.add_template_global(band_class, "band_class")
    from storefront.web.media import image_url, srcsets

    app.add_template_global(image_url, "image_url")
    app.add_template_global(srcsets, "image_srcsets")

    def primary_images(products) -> dict:
        from storefront.extensions import db
        from storefront.media.service import images_for

        found = images_for(db.session, [p.id for p in products or []])
        return {pid: imgs[0] for pid, imgs in found.items() if imgs}

    def product_images(product) -> list:
        from storefront.extensions import db
        from storefront.media.service import images_of

        return images_of(db.session, product.id)

    app.add_template_global(primary_images, "primary_images")
    app.add_template_global(product_images, "product_images")

    @app.context_processor
    def _layout():
        return {"cart_count": cart_count}
