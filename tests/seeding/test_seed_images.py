"""`seed load` reads images relative to the file; `seed export` writes them back beside it."""

from __future__ import annotations

import json

from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.media.models import ProductImage
from tests.factories import product_record
from tests.media.images import make_image


def test_load_images_relative_to_file_and_export_round_trip(cli_runner, db_session, tmp_path):
    src = tmp_path / "src"
    (src / "images").mkdir(parents=True)
    (src / "images" / "a.webp").write_bytes(make_image("WEBP", (640, 480)))
    rec = product_record(status="draft", images=[{"path": "images/a.webp", "alt": "Front view"}])
    (src / "products.json").write_text(json.dumps({"products": [rec]}))
    result = cli_runner.invoke(args=["seed", "load", str(src / "products.json")])
    assert result.exit_code == 0, result.output
    pid = db_session.scalar(select(Product.id).where(Product.sku == rec["sku"]))
    (img,) = db_session.scalars(select(ProductImage).where(ProductImage.product_id == pid)).all()
    assert img.alt == "Front view" and (img.width, img.height) == (640, 480)

    out = tmp_path / "out" / "catalogue.json"
    out.parent.mkdir()
    result = cli_runner.invoke(args=["seed", "export", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    mine = next(p for p in doc["products"] if p["sku"] == rec["sku"])
    assert (out.parent / mine["images"][0]["path"]).is_file()
    result = cli_runner.invoke(args=["seed", "load", "--dry-run", str(out)])
    assert result.exit_code == 0, result.output
    assert "0 updated" in result.output.splitlines()[-1]


def test_missing_or_escaping_image_paths_are_errors(cli_runner, tmp_path):
    rec = product_record(images=[{"path": "images/nope.jpg", "alt": "x"}])
    rec2 = product_record(images=[{"path": "../secret.jpg", "alt": "x"}])
    (tmp_path / "p.json").write_text(json.dumps({"products": [rec2]}))
    result = cli_runner.invoke(args=["seed", "load", str(tmp_path / "p.json")])
    assert result.exit_code == 1
    assert "products[0].images[0].path: must be a path relative" in result.output
    (tmp_path / "p.json").write_text(json.dumps({"products": [rec]}))
    result = cli_runner.invoke(args=["seed", "load", str(tmp_path / "p.json")])
    assert result.exit_code == 1
    assert "products[0].images[0].path: images/nope.jpg: no such file" in result.output
