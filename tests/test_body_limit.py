"""Bodies over MAX_CONTENT_LENGTH get a clean 413 on every route, sized or chunked, through a real server."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import drop_database, free_port, fresh_database_url, make_app

LIMIT = 32 * 1024
ADDRESS = {"name": "A Buyer", "line1": "1 Main St", "line2": None, "city": "Austin",
           "state": "TX", "postal_code": "78701", "country": "US"}


def _order(size: int) -> bytes:
    """An order body padded with JSON whitespace to ``size`` bytes."""
    body = json.dumps({"items": [{"sku": "NO-SUCH-SKU", "quantity": 1}], "email": "buyer@example.com",
                       "shipping_address": ADDRESS, "precautions_acknowledged": True}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def _chunks(data: bytes, size: int = 4096):
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app behind werkzeug's threaded server (which de-chunks bodies itself)."""
    url = fresh_database_url(tmp_path_factory.mktemp("bodylimit"), "bodylimit")
    app = make_app(url, MAX_CONTENT_LENGTH=LIMIT, STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="whsec_x")
    srv = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(timeout=10)
        from storefront.extensions import db

        with app.app_context():
            db.engine.dispose()
        drop_database(url)


JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("chunked", [False, True], ids=["sized", "chunked"])
def test_orders_api_answers_json_413(server, chunked):
    big = _order(LIMIT + 1)
    resp = requests.post(server + "/api/v1/orders", data=_chunks(big) if chunked else big,
                         headers=JSON, timeout=10)
    assert resp.status_code == 413
    body = resp.json()
    assert body == {"code": "request_entity_too_large", "status": 413, "message": body["message"],
                    "errors": {}} and body["message"]


def test_chunked_body_under_the_limit_reaches_the_view_whole(server):
    """A chunked body up to the limit is read in full: the view validates the real JSON."""
    quote = {"contact_name": "Ana", "email": "ana@example.com", "country": "DE", "buyer_type": "brand",
             "lines": [{"kind": "belt", "quantity": 10, "description": "custom wrap"}], "currency": "USD"}
    raw = json.dumps(quote).encode()
    for size in (LIMIT // 2, LIMIT):
        body = raw[:-1] + b" " * (size - len(raw)) + b"}"
        resp = requests.post(server + "/api/v1/quotes", data=_chunks(body), headers=JSON, timeout=10)
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"] == {"company": ["Missing data for required field."]}


@pytest.mark.parametrize("path", ["/api/v1/products", "/stripe/webhook", "/api/v1/quotes"])
def test_other_api_routes_answer_json_413(server, path):
    resp = requests.post(server + path, data=_chunks(b"{" + b" " * (LIMIT + 10) + b"}"), headers=JSON,
                         timeout=10)
    assert resp.status_code == 413
    assert resp.json()["code"] == "request_entity_too_large"


def test_forms_answer_a_413_page(server):
    form = "email=a%40example.com&line1=" + "x" * (LIMIT + 10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for data in (form.encode(), _chunks(form.encode())):
        resp = requests.post(server + "/checkout", data=data, headers=headers, timeout=10)
        assert resp.status_code == 413
        assert resp.headers["Content-Type"].startswith("text/html")
    quote = requests.post(server + "/oem/quote", data=_chunks(form.encode()), headers=headers, timeout=10)
    assert quote.status_code == 413 and "too large" in quote.text
