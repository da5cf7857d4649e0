"""`storefront seed articles`: all or nothing, errors by file and path, dry run, export."""

from sqlalchemy import func, select

from storefront.guides.models import Guide
from storefront.guides.seed import parse_file, to_file
from tests.guides.conftest import guide_record

FRONT = """+++
slug = "{slug}"
title = "Reading a panel's specifications"
summary = "How to read irradiance."
author = "Editorial team"
status = "published"
tags = ["panels"]

[reviewer]
name = "A Reviewer"
credentials = "PhD"
reviewed_on = 2026-11-01

[[references]]
title = "A trial"
year = 2006
doi = "10.1155/2006/876920"
+++
{body}
"""


def _write(tmp_path, name, slug, body="Irradiance is power per area at a stated distance [1]."):
    (tmp_path / name).write_text(FRONT.format(slug=slug, body=body), encoding="utf-8")


def _count(db_session):
    return db_session.scalar(select(func.count(Guide.id)))


def test_load_dry_run_and_reload(cli_runner, db_session, products, tmp_path):
    _write(tmp_path, "a.md", "guide-a")
    _write(tmp_path, "b.md", "guide-b", "Text.\n\n{{ product: glow-belt }}\n")
    res = cli_runner.invoke(args=["seed", "articles", str(tmp_path), "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "Dry run" in res.output and "2 created" in res.output and _count(db_session) == 0
    res = cli_runner.invoke(args=["seed", "articles", str(tmp_path)])
    assert res.exit_code == 0 and _count(db_session) == 2
    res = cli_runner.invoke(args=["seed", "articles", str(tmp_path)])
    assert "2 unchanged" in res.output


def test_errors_by_path_and_nothing_written(cli_runner, db_session, products, tmp_path):
    _write(tmp_path, "good.md", "guide-good")
    _write(tmp_path, "claim.md", "guide-claim", "Intro.\n\nLight may help with back pain.")
    _write(tmp_path, "card.md", "guide-card", "Text.\n\n{{ product: nope }}")
    (tmp_path / "broken.md").write_text("no front matter", encoding="utf-8")
    res = cli_runner.invoke(args=["seed", "articles", str(tmp_path)])
    assert res.exit_code == 1
    out = res.output
    assert "claim.md: body[para 2]: [" in out
    assert "card.md: body[para 2]: {{ product: nope }}" in out
    assert "broken.md: must start with a '+++' line" in out
    assert _count(db_session) == 0


def test_export_round_trip(cli_runner, db_session, products, tmp_path):
    _write(tmp_path, "a.md", "guide-a", "Text.\n\n{{ product: clinic-belt }}\n")
    assert cli_runner.invoke(args=["seed", "articles", str(tmp_path)]).exit_code == 0
    out = tmp_path / "export"
    res = cli_runner.invoke(args=["seed", "export-articles", str(out)])
    assert "Exported 1 guides" in res.output
    res = cli_runner.invoke(args=["seed", "articles", str(out)])
    assert "1 unchanged" in res.output, res.output


def test_file_format_round_trip():
    rec = guide_record(body="Body with \"quotes\" and {{ product: x }}.\n")
    assert parse_file(to_file(rec))["slug"] == rec["slug"]
    assert parse_file(to_file(rec))["body"] == rec["body"]


def test_demo_guides_load_with_the_demo_catalogue(cli_runner, db_session):
    from tests.conftest import ROOT

    assert cli_runner.invoke(args=["seed", "load", str(ROOT / "seed" / "products.json")]).exit_code == 0
    res = cli_runner.invoke(args=["seed", "articles", str(ROOT / "seed" / "articles")])
    assert res.exit_code == 0, res.output
    assert db_session.scalar(select(func.count(Guide.id)).where(Guide.status == "published")) == 3
