"""Through real gunicorn processes: shared Redis rate limits, Redis outage, 413s, concurrent intake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import drop_database, free_port, fresh_database_url, make_app
from tests.factories import create_products
from tests.quotes.conftest import contract_request, panel_record

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = int(os.environ.get("QUOTES_TEST_REDIS_DB", "11"))


def _redis_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return f"redis://{base.netloc}/{REDIS_DB}"


@pytest.fixture()
def redis_url():
    import redis

    url = _redis_url()
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"needs Redis at {url}")
    client.flushdb()  # this database number is reserved for these tests
    yield url
    client.flushdb()
    client.close()


def _start(port: int, config: dict) -> subprocess.Popen:
    env = {**os.environ, "STOREFRONT_TEST_CONFIG": json.dumps(config)}
    cmd = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning", "tests.quotes.serve_app:build()"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)  # polling a socket, not waiting for an effect
    raise RuntimeError("server did not start")


@pytest.fixture()
def servers(tmp_path):
    """Start gunicorn servers sharing one migrated database (with the contract's panel)."""
    url = fresh_database_url(tmp_path, "ratelimit")
    app = make_app(url)
    from storefront.extensions import db

    with app.app_context():
        create_products(db.session, panel_record())
        db.session.commit()
        db.engine.dispose()
    procs: list[subprocess.Popen] = []

    def start(n: int, **config) -> list[str]:
        config = {
            "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "shared-test-secret", "TESTING": True,
            "RATELIMIT_ENABLED": True, "QUOTE_RATE_LIMIT": "4 per minute", "WTF_CSRF_ENABLED": True,
            "UPLOAD_DIR": str(tmp_path / "uploads"), "MAIL_SERVER": "", **config,
        }
        ports = [free_port() for _ in range(n)]
        started = [_start(p, config) for p in ports]
        procs.extend(started)
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base, proc in zip(bases, started, strict=True):
            _wait_ready(base, proc)
        return bases

    try:
        yield start, url
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(url)


@pytest.fixture()
def two_servers(servers, redis_url):
    start, url = servers
    prefix = f"sf-test-{uuid.uuid4().hex[:8]}"
    bases = start(2, RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix)
    return bases, url, prefix


def _stored(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM quotes")).scalar_one()
    finally:
        engine.dispose()


def test_limit_is_shared_across_processes_and_routes(two_servers, redis_url):
    import redis

    (a, b), url, prefix = two_servers
    statuses = []
    for i in range(4):
        base = (a, b)[i % 2]
        statuses.append(requests.post(base + "/api/v1/quotes", json=contract_request(), timeout=10).status_code)
    assert statuses == [201, 201, 201, 201]
    # The fifth request is refused whichever process gets it: the count lives in Redis.
    for base in (a, b):
        resp = requests.post(base + "/api/v1/quotes", json=contract_request(), timeout=10)
        assert resp.status_code == 429
        body = resp.json()
        assert body["status"] == 429 and body["code"] == "too_many_requests"
        assert int(resp.headers["Retry-After"]) > 0
    assert _stored(url) == 4
    assert redis.Redis.from_url(redis_url).keys(f"*{prefix}*"), "limits were not kept in Redis"

    # The HTML form shares the bucket; the refused page keeps what the buyer typed.
    s = requests.Session()
    page = s.get(a + "/oem/quote", timeout=10).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": token, "company": "Kept Input Ltd", "contact_name": "Kim", "email": "kim@example.com",
            "country": "GB", "buyer_type": "clinic", "lines-0-kind": "panel", "lines-0-quantity": "5",
            "lines-0-description": "custom panel", "currency": "GBP"}
    resp = s.post(b + "/oem/quote", data=form, timeout=10, allow_redirects=False)
    assert resp.status_code == 429
    assert "Too many requests" in resp.text and 'value="Kept Input Ltd"' in resp.text
    assert _stored(url) == 4

    # Price look-ups have their own, larger budget.
    price = requests.get(a + "/api/v1/quotes/price", params={"sku": "PANEL-5W-300", "quantity": 10}, timeout=10)
    assert price.status_code == 200


def test_redis_outage_does_not_lose_requests(servers):
    """With the limit storage unreachable, requests are still served (and limited per process)."""
    start, url = servers
    (base,) = start(1, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    statuses = [requests.post(base + "/api/v1/quotes", json=contract_request(), timeout=10).status_code
                for _ in range(5)]
    assert statuses == [201, 201, 201, 201, 429]
    assert _stored(url) == 4


def test_oversize_bodies_get_a_clean_413_from_a_real_server(servers):
    """Through gunicorn, a body over MAX_CONTENT_LENGTH is a JSON 413, with or without a length."""
    start, url = servers
    (base,) = start(1, RATELIMIT_ENABLED=False, MAX_CONTENT_LENGTH=64 * 1024)
    body = json.dumps(contract_request(notes="x" * 200_000)).encode()
    sized = requests.post(base + "/api/v1/quotes", data=body, timeout=10,
                          headers={"Content-Type": "application/json"})

    def chunks():
        for i in range(0, len(body), 8192):
            yield body[i:i + 8192]

    chunked = requests.post(base + "/api/v1/quotes", data=chunks(), timeout=10,
                            headers={"Content-Type": "application/json"})
    for resp in (sized, chunked):
        assert resp.status_code == 413
        assert resp.json()["code"] == "request_entity_too_large" and resp.json()["status"] == 413
    assert _stored(url) == 0
    ok = requests.post(base + "/api/v1/quotes", json=contract_request(), timeout=10)
    assert ok.status_code == 201


def test_concurrent_submissions_to_two_processes_all_succeed(servers):
    """Many buyers at once, two server processes, one database: every request is stored once."""
    from concurrent.futures import ThreadPoolExecutor

    start, url = servers
    bases = start(2, RATELIMIT_ENABLED=False)

    def submit(i: int):
        return requests.post(bases[i % 2] + "/api/v1/quotes", json=contract_request(), timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(submit, range(40)))
    assert [r.status_code for r in responses] == [201] * 40, [r.text[:200] for r in responses if r.status_code != 201]
    refs = {r.json()["reference"] for r in responses}
    assert len(refs) == 40 and _stored(url) == 40
