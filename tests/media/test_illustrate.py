"""Generated illustrations: drawn from the product's facts, attached with alt text."""

from __future__ import annotations

import io
import json
import socket

from PIL import Image
from sqlalchemy import select

from storefront.media.illustrate import alt_text, band_colour, illustrate
from storefront.media.models import ProductImage
from tests.conftest import ROOT
from tests.factories import create_products, laser_record, product_record


def test_every_demo_product_draws_in_its_band_colours():
    products = json.loads((ROOT / "seed" / "products.json").read_text())["products"]
    for rec in products:
        img = Image.open(io.BytesIO(illustrate(rec))).convert("RGB")
        colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
        for band in rec["wavelengths"]:
            assert band_colour(band["nm"]) in colours, (rec["sku"], band["nm"])
        assert rec["name"] in alt_text(rec)


def test_laser_alt_names_its_class():
    rec = laser_record()
    assert "class" in alt_text(rec) and "laser" in alt_text(rec)


def test_illustrate_command_attaches_pictures(cli_runner, db_session):
    (p,) = create_products(db_session, product_record(status="draft"))
    db_session.commit()
    result = cli_runner.invoke(args=["media", "illustrate"])
    assert result.exit_code == 0, result.output
    img = db_session.scalar(select(ProductImage).where(ProductImage.product_id == p.id))
    assert img is not None and img.alt.startswith("Illustration of")
    result = cli_runner.invoke(args=["media", "illustrate"])
    assert "Illustrated 0" in result.output


def test_devserver_port_check_sees_a_listener():
    from storefront import devserver

    with socket.socket() as s:
        s.bind((devserver.HOST, 0))
        s.listen()
        assert not devserver._port_free(s.getsockname()[1])
    with socket.socket() as s:
        s.bind((devserver.HOST, 0))
        port = s.getsockname()[1]
    assert devserver._port_free(port)
