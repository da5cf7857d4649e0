"""Attach images to products: store the renditions, order them, pick the primary one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.errors import ValidationError
from storefront.media.models import ProductImage
from storefront.media.processing import ImageRejected, ProcessedImage, process
from storefront.media.storage import Storage, from_config, make_key

MAX_ALT = 300
MAX_IMAGES = 12


def storage_for(app) -> Storage:
    """The app's storage backend (built once per app from its config)."""
    store = app.extensions.get("storefront_media")
    if store is None:
        store = app.extensions["storefront_media"] = from_config(app.config)
    return store


def clean_alt(alt: Any) -> str:
    """Alt text is required: a short description of what the picture shows."""
    text = " ".join(str(alt or "").split())
    if not text:
        raise ValidationError("alt text is required", errors={"alt": [
            "describe what the picture shows (alt text is required)"]})
    if len(text) > MAX_ALT:
        raise ValidationError("alt text too long", errors={"alt": [
            f"must be at most {MAX_ALT} characters"]})
    return text


def store(storage: Storage, processed: ProcessedImage) -> dict[str, Any]:
    """Write the renditions; returns the column values of a ProductImage."""
    master_key = make_key(processed.master.digest, "", processed.master.ext)
    storage.put(master_key, processed.master.data)
    variants = []
    for webp, jpeg in processed.variants:
        wk = make_key(webp.digest, str(webp.width), webp.ext)
        jk = make_key(jpeg.digest, str(jpeg.width), jpeg.ext)
        storage.put(wk, webp.data)
        storage.put(jk, jpeg.data)
        variants.append({"width": webp.width, "height": webp.height, "webp": wk, "jpeg": jk})
    return {"master_key": master_key, "source_sha256": processed.source_sha256,
            "width": processed.width, "height": processed.height, "variants": variants}


def image_url(key: str) -> str:
    """Where a browser fetches a stored rendition: the storage's public URL, else the shop's
    media route (local storage, or S3 without a public URL)."""
    from flask import current_app, url_for

    public = storage_for(current_app).public_url(key)
    return public or url_for("media.serve", key=key)


def image_refs(images: list[ProductImage]) -> list[dict[str, Any]]:
    """The API shape of a product's images, primary first: full-size JPEG url, alt, size."""
    return [{"url": image_url(i.master_key), "alt": i.alt, "width": i.width, "height": i.height}
            for i in images]


def images_of(session: Session, product_id: int) -> list[ProductImage]:
    """A product's images, primary first."""
    stmt = (select(ProductImage).where(ProductImage.product_id == product_id)
            .order_by(ProductImage.position, ProductImage.id))
    return list(session.scalars(stmt))


def images_for(session: Session, product_ids: list[int]) -> dict[int, list[ProductImage]]:
    """Images of several products at once, each list primary first."""
    out: dict[int, list[ProductImage]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return out
    stmt = (select(ProductImage).where(ProductImage.product_id.in_(product_ids))
            .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id))
    for img in session.scalars(stmt):
        out[img.product_id].append(img)
    return out


def add_image(session: Session, storage: Storage, product_id: int, data: bytes, alt: Any, *,
              max_pixels: int | None = None, position: int | None = None) -> ProductImage:
    """Validate, re-encode and attach an image (last, unless ``position`` is given)."""
    alt_text = clean_alt(alt)
    count = session.scalar(select(func.count()).where(ProductImage.product_id == product_id)) or 0
    if count >= MAX_IMAGES:
        raise ValidationError("too many images", errors={"file": [
            f"a product has at most {MAX_IMAGES} images; remove one first"]})
    try:
        processed = process(data, **({"max_pixels": max_pixels} if max_pixels else {}))
    except ImageRejected as exc:
        raise ValidationError(str(exc), errors={"file": [str(exc)]}) from None
    image = ProductImage(product_id=product_id, alt=alt_text,
                         position=count if position is None else position,
                         **store(storage, processed))
    session.add(image)
    session.flush()
    touch(product_id, session)
    return image


def _renumber(images: list[ProductImage]) -> None:
    for i, img in enumerate(images):
        img.position = i
    if images:
        touch(images[0].product_id)


def touch(product_id: int, session: Session | None = None) -> None:
    """Bump the product's updated_at: cached listing and product pages are keyed on it."""
    from sqlalchemy import update

    from storefront.catalog.models import Product
    from storefront.db import utcnow
    from storefront.extensions import db

    (session or db.session).execute(update(Product).where(Product.id == product_id)
                                    .values(updated_at=utcnow()))


def move(session: Session, image: ProductImage, offset: int) -> None:
    """Move an image earlier (-1) or later (+1) in the gallery."""
    images = images_of(session, image.product_id)
    i = next(i for i, img in enumerate(images) if img.id == image.id)
    j = max(0, min(len(images) - 1, i + offset))
    images.insert(j, images.pop(i))
    _renumber(images)
    session.flush()


def make_primary(session: Session, image: ProductImage) -> None:
    """Put an image first: the listing card and the product page lead with it."""
    images = images_of(session, image.product_id)
    images.sort(key=lambda img: (img.id != image.id, img.position, img.id))
    _renumber(images)
    session.flush()


def remove(session: Session, image: ProductImage) -> None:
    """Detach an image (the stored objects stay: other rows or exports may share them)."""
    product_id = image.product_id
    session.delete(image)
    session.flush()
    _renumber(images_of(session, product_id))
    session.flush()


def snapshot(image: ProductImage) -> dict[str, Any]:
    """What the audit log keeps about an image."""
    return {"id": image.id, "alt": image.alt, "position": image.position,
            "width": image.width, "height": image.height, "sha256": image.source_sha256}
