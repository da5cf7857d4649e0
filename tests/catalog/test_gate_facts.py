"""The publication gate builds ProductFacts from the stored product itself (no record round trip)."""

from storefront.catalog.gate import check, check_record, facts_from_product, facts_from_record
from storefront.catalog.records import product_to_record
from tests.factories import create_products, laser_record, product_record


def test_facts_from_product_match_the_seed_record_facts(db_session):
    modes = [{"type": "pulsed", "hz": 10}, {"type": "cw"}]
    products = create_products(db_session, product_record(), laser_record(),
                               product_record(specs={**product_record()["specs"], "modes": modes}))
    for p in products:
        assert facts_from_product(p) == facts_from_record(product_to_record(p))
        assert check(p).to_dict() == check_record(product_to_record(p)).to_dict()
