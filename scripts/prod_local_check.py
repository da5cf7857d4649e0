"""Buy something through a running prod-local, as a browser would, and check every hop.

Through nginx: browse the catalogue and a product page, add it to the cart, fill the checkout
form, tokenise the card at localstripe (what Stripe.js does) and pay; then wait for
localstripe's webhook (sent to nginx) to mark the order paid, and for the worker's mail drain
to deliver the confirmation to the SMTP sink's Maildir — exactly once. Also checks that both
gunicorn instances served requests, that stock moved by exactly one, and that ProxyFix took the
client address from nginx, not from a forged X-Forwarded-For.

Usage (scripts/prod-local.sh check runs it): python scripts/prod_local_check.py URL
    --stripe URL --maildir DIR --database URL --instances HOST:PORT,HOST:PORT --access-logs A,B
Exit 0 when every check passes; each step prints one line.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import mailbox
import os
import re
import sys
import time

import requests

FORGED = "203.0.113.77"


def _step(msg: str) -> None:
    print(f"  ok  {msg}", flush=True)


def _fail(msg: str) -> None:
    print(f"FAIL  {msg}", flush=True)
    sys.exit(1)


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not m:
        _fail(f"no {name} field on the page")
    return m.group(1)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    _fail(f"timed out after {timeout:.0f} s waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--stripe", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--instances", default="")
    parser.add_argument("--access-logs", default="")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    http = requests.Session()
    http.headers["X-Forwarded-For"] = FORGED  # nginx must replace it

    resp = http.get(f"{base}/products", timeout=30)
    if resp.status_code != 200:
        _fail(f"GET /products answered {resp.status_code}")
    slugs = list(dict.fromkeys(re.findall(r'href="/products/([a-z0-9-]+)"', resp.text)))
    _step(f"GET /products through nginx: 200, {len(slugs)} product links")
    static = http.get(f"{base}/static/checkout.js", timeout=10)
    if static.status_code != 200 or "Expires" not in static.headers:
        _fail(f"static files not served by nginx ({static.status_code})")

    page = sku = None
    for slug in slugs:
        r = http.get(f"{base}/products/{slug}", timeout=30)
        if r.status_code == 200 and 'class="add-to-cart"' in r.text:
            page, sku = r, _hidden(r.text, "sku")
            break
    if page is None:
        _fail("no product with an add-to-cart form")
    _step(f"GET /products/{slug}: 200, buying {sku}")
    if f"{base}/products/{slug}" not in page.text:
        _fail("the canonical link does not name SITE_URL")
    stock_before = http.get(f"{base}/api/v1/products/{slug}", timeout=30).json()["stock"]

    r = http.post(f"{base}/cart/items", data={"csrf_token": _hidden(page.text, "csrf_token"),
                                              "sku": sku, "quantity": "1"}, timeout=30)
    if r.status_code != 200 or sku not in r.text:
        _fail(f"add to cart: {r.status_code}, cart page {'has' if sku in r.text else 'lacks'} the SKU")
    _step("POST /cart/items: redirected to /cart, which lists it")

    form = http.get(f"{base}/checkout", timeout=30)
    if form.status_code != 200:
        _fail(f"GET /checkout answered {form.status_code}")
    email = f"prodlocal-{int(time.time() * 1000)}@example.com"
    data = {"csrf_token": _hidden(form.text, "csrf_token"),
            "checkout_token": _hidden(form.text, "checkout_token"), "email": email,
            "name": "Pat Local", "line1": "1 Main St", "line2": "", "city": "Austin",
            "state": "TX", "postal_code": "78701", "country": "US",
            "precautions_acknowledged": "1"}
    r = http.post(f"{base}/checkout", data=data, timeout=60, allow_redirects=False)
    if r.status_code != 303 or "/checkout/pay/" not in r.headers.get("Location", ""):
        _fail(f"POST /checkout answered {r.status_code} {r.text[:300]}")
    order_id = r.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    pay = http.get(f"{base}/checkout/pay/{order_id}", timeout=30)
    csrf = re.search(r'data-csrf-token="([^"]+)"', pay.text)
    if pay.status_code != 200 or not csrf:
        _fail(f"payment page: {pay.status_code}")
    _step(f"POST /checkout: order {order_id[:10]}… created, payment page served")

    token = requests.post(f"{args.stripe}/v1/tokens", timeout=30, data={
        "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": "pk_test_localstripe"}).json()["id"]
    r = http.post(f"{base}/checkout/pay/{order_id}", json={"token": token}, timeout=60,
                  headers={"X-CSRFToken": csrf.group(1), "Accept": "application/json"})
    if r.status_code != 200 or r.json().get("status") not in ("processing", "succeeded", "paid"):
        _fail(f"pay: {r.status_code} {r.text[:300]}")
    _step(f"card tokenised at localstripe, paid through nginx: {r.json()['status']}")

    def paid():
        body = http.get(f"{base}/api/v1/orders/{order_id}", timeout=30).json()
        return body if body["status"] == "paid" else None

    order = _wait(paid, 30, "the webhook (localstripe -> nginx -> app) to mark the order paid")
    _step(f"webhook delivered through nginx: order #{order.get('number')} paid, "
          f"{order['amount']} {order['currency']}")
    stock_after = http.get(f"{base}/api/v1/products/{slug}", timeout=30).json()["stock"]
    if stock_after != stock_before - 1:
        _fail(f"stock {stock_before} -> {stock_after}, expected one less")
    _step(f"stock {stock_before} -> {stock_after}")

    def confirmations():
        if not os.path.isdir(os.path.join(args.maildir, "new")):
            return None
        box = mailbox.Maildir(args.maildir, create=False)
        found = [m for m in box if email in (m["To"] or "")]
        return found or None

    mails = _wait(confirmations, 30, "the confirmation email (the worker's mail drain)")
    time.sleep(float(os.environ.get("MAIL_DRAIN_INTERVAL_SECONDS", 5)) + 1)  # a second drain
    mails = confirmations()
    if len(mails) != 1:
        _fail(f"{len(mails)} emails to {email}, expected exactly one")
    _step(f"confirmation email delivered once by the worker: {mails[0]['Subject']!r}")

    import sqlalchemy as sa

    url = args.database.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ref = conn.execute(sa.text("SELECT client_ref FROM orders WHERE public_id = :p"),
                           {"p": order_id}).scalar()
    engine.dispose()
    secret = os.environ["SECRET_KEY"].encode()

    def keyed(addr: str) -> str:
        return hmac.new(secret, addr.encode(), hashlib.sha256).hexdigest()[:32]

    if ref != keyed("127.0.0.1"):
        _fail("ProxyFix: the order's client is not nginx's peer address "
              f"({'the forged header won' if ref == keyed(FORGED) else 'unknown'})")
    _step("ProxyFix: client address from nginx (a forged X-Forwarded-For was replaced)")

    if args.access_logs:
        counts = []
        for path in args.access_logs.split(","):
            with open(path, encoding="utf-8") as f:
                counts.append(sum(1 for _ in f))
        if not all(counts):
            _fail(f"requests per instance {counts}: nginx did not use both")
        _step(f"both instances served requests: {counts}")
    print("prod-local check passed")


if __name__ == "__main__":
    main()
