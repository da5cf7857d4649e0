"""``storefront media illustrate``: give products without pictures a generated illustration."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.catalog.models import Product
from storefront.catalog.records import product_to_record
from storefront.extensions import db
from storefront.media import service
from storefront.media.illustrate import alt_text, illustrate

media_cli = AppGroup("media", help="Product images.")


@media_cli.command("illustrate")
@click.option("--all", "everything", is_flag=True, help="Also products that already have pictures.")
def illustrate_command(everything: bool) -> None:
    """Draw an illustration from each product's facts and attach it (products without pictures)."""
    storage = service.storage_for(current_app)
    products = db.session.scalars(select(Product).options(
        selectinload(Product.bands), selectinload(Product.tiers)).order_by(Product.sku)).all()
    have = service.images_for(db.session, [p.id for p in products])
    done = 0
    for p in products:
        if have[p.id] and not everything:
            continue
        rec = product_to_record(p)
        service.add_image(db.session, storage, p.id, illustrate(rec), alt_text(rec))
        done += 1
    db.session.commit()
    click.echo(f"Illustrated {done} product(s).")
