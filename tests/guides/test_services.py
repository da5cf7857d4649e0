"""Saving and publishing guides: product checks at save time, the gate at publication."""

import pytest

from storefront.errors import ValidationError
from storefront.guides import services
from storefront.guides.models import GuideStatus
from storefront.guides.schemas import GuideRecordSchema
from tests.guides.conftest import guide_record

schema = GuideRecordSchema()


def load(**kw):
    return schema.load(guide_record(**kw))


def test_unknown_or_unpublished_product_is_refused_at_save(db_session, products):
    with pytest.raises(ValidationError) as exc:
        services.save(db_session, load(body="Text.\n\n{{ product: no-such-thing }}\n"))
    assert "body[para 2]" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        services.save(db_session, load(products=["nope"]))
    assert "products[0]" in exc.value.errors


def test_blocked_guide_saves_as_draft_but_cannot_publish(db_session, products):
    body = "Light may help with back pain.\n"
    guide, report = services.save(db_session, load(body=body, status="draft"))
    assert guide.status == GuideStatus.DRAFT and report.blocking
    with pytest.raises(services.GuideRefused) as exc:
        services.publish(db_session, guide)
    assert "body[para 1]" in exc.value.errors
    with pytest.raises(services.GuideRefused):
        services.save(db_session, load(body=body, status="published"))


def test_publish_links_products_and_lists_guides_featuring_them(db_session, products):
    body = "Intro.\n\n{{ product: clinic-belt }}\n"
    guide, _ = services.save(db_session, load(body=body, products=["glow-belt"]))
    assert guide.status == GuideStatus.PUBLISHED
    assert {(lk.product.slug, lk.card, lk.related) for lk in guide.links} == {
        ("clinic-belt", True, False), ("glow-belt", False, True)}
    assert services.featuring(db_session, products["cleared"].id) == [(guide.slug, guide.title)]
    assert services.guide_to_record(guide)["products"] == ["glow-belt"]
    services.unpublish(db_session, guide)
    assert services.featuring(db_session, products["cleared"].id) == []


def test_related_by_tags(db_session, products):
    a, _ = services.save(db_session, load(tags=["panels", "dose"]))
    b, _ = services.save(db_session, load(tags=["dose"]))
    c, _ = services.save(db_session, load(tags=["lasers"]))
    assert services.related(db_session, a) == [b]
    assert c not in services.related(db_session, b)
