"""Fault-test harness: a private PostgreSQL cluster, buyers who retry like real clients, an audit.

The audit states what every fault test must end with: every order a buyer was told about
exists once (0 lost, 0 doubled), every payment Stripe took is on exactly one paid order and no
order was charged twice, stock moved by exactly the units paid for, and each paid order sent
its two emails (the buyer's confirmation, staff's "ship it") exactly once.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.mail import MailStatus, OutboxEmail
from storefront.orders.models import Order, StockReservation
from storefront.payments import StripeGateway
from tests.checkout.fixtures import order_body
from tests.conftest import free_port

# --------------------------------------------------------------------------- private cluster

class PrivateCluster:
    """A throwaway PostgreSQL cluster (initdb / pg_ctl) on a free port, ours to restart."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                       key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
        if not found:
            pytest.skip("needs PostgreSQL's server programs (/usr/lib/postgresql/*/bin) for a "
                        "private cluster to restart")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sf-pgfault-"))
        self.data = self.dir / "data"
        # initdb and postgres refuse to run as root: use the postgres account then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
            self.prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")
        self.start()

    def _run(self, prog: str, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.prefix, str(self.bin / prog), *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def server_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", opts,
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa

        admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        return self.server_url.rsplit("/", 1)[0] + f"/{name}"

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------- buyers

@dataclass
class Buyer:
    index: int
    email: str
    order_id: str | None = None
    pay_status: str | None = None
    answers: list = field(default_factory=list)  # every status code or error seen


@dataclass
class Run:
    buyers: list[Buyer]
    acknowledged: threading.Event  # set once ``trigger_after`` orders were acknowledged

    def answers(self) -> Counter:
        return Counter(a for b in self.buyers for a in b.answers)


def _card_token(stripe_url: str) -> str:
    resp = requests.post(f"{stripe_url}/v1/tokens", timeout=10, data={
        "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": "pk_test_localstripe"})
    resp.raise_for_status()
    return resp.json()["id"]


def _retryable(resp: requests.Response) -> bool:
    return resp.status_code in (500, 502, 503, 504)


def buy(shop_url: str, stripe_url: str, sku: str, buyer: Buyer, deadline: float,
        on_order=None) -> None:
    """Order one unit and pay for it, retrying as a careful client does.

    The order is retried with the same Idempotency-Key (an answer lost in a fault must not make
    a second order); the payment is retried with a new card token while the shop answers 5xx or
    the connection breaks, and stops at the first 200 or 4xx (after that, Stripe and the
    reconciliation settle it).
    """
    key = f"fault-{uuid.uuid4().hex}"
    body = order_body((sku, 1), email=buyer.email)
    http = requests.Session()
    while buyer.order_id is None:
        if time.monotonic() > deadline:
            return
        try:
            resp = http.post(f"{shop_url}/api/v1/orders", json=body, timeout=30,
                             headers={"Idempotency-Key": key})
        except requests.RequestException as exc:
            buyer.answers.append(f"order:{type(exc).__name__}")
            http = requests.Session()
            time.sleep(0.2)
            continue
        buyer.answers.append(f"order:{resp.status_code}")
        if resp.status_code == 201:
            buyer.order_id = resp.json()["order_id"]
            if on_order:
                on_order()
        elif _retryable(resp):
            time.sleep(0.2)
        else:
            return
    while buyer.pay_status is None and time.monotonic() < deadline:
        token = _card_token(stripe_url)
        try:
            resp = http.post(f"{shop_url}/api/v1/orders/{buyer.order_id}/payment",
                             json={"token": token}, timeout=30)
        except requests.RequestException as exc:
            buyer.answers.append(f"pay:{type(exc).__name__}")
            http = requests.Session()
            time.sleep(0.2)
            continue
        buyer.answers.append(f"pay:{resp.status_code}")
        if _retryable(resp):
            time.sleep(0.2)
            continue
        if resp.status_code == 200:
            buyer.pay_status = resp.json().get("status")
        else:
            buyer.pay_status = f"http {resp.status_code}"
            buyer.answers[-1] += f":{resp.json().get('code')}"


def run_buyers(shop_url: str, stripe_url: str, sku: str, count: int, concurrency: int,
               trigger_after: int, timeout: float = 60) -> tuple[Run, list[threading.Thread]]:
    """Start ``count`` buyers on ``concurrency`` threads; returns at once (join the threads)."""
    from concurrent.futures import ThreadPoolExecutor

    buyers = [Buyer(i, f"fault-buyer-{i}-{uuid.uuid4().hex[:6]}@example.com") for i in range(count)]
    run = Run(buyers, threading.Event())
    lock = threading.Lock()
    done = [0]

    def acknowledged():
        with lock:
            done[0] += 1
            if done[0] >= trigger_after:
                run.acknowledged.set()

    deadline = time.monotonic() + timeout

    def go():
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda b: buy(shop_url, stripe_url, sku, b, deadline, acknowledged), buyers))

    thread = threading.Thread(target=go, name="buyers")
    thread.start()
    return run, [thread]


# --------------------------------------------------------------------------- settling and audit

def worker_env(database_url: str, sink, queue: str) -> dict[str, str]:
    """Settings shared by the shop and its worker in a fault test (Redis queue, fast schedule).

    With a worker, web processes leave mail to it (send_after_commit queues a drain job), the
    worker drains every second and reconciles payments older than 2 s every 2 s.
    """
    return {"DATABASE_URL": database_url, "REDIS_URL": os.environ["REDIS_URL"],
            "JOBS_QUEUE": queue, "JOBS_INLINE": "0", "MAIL_SERVER": sink.host,
            "MAIL_PORT": str(sink.port), "MAIL_LEASE_SECONDS": "2", "MAIL_RETRY_BASE_SECONDS": "0.2",
            "MAIL_DRAIN_INTERVAL_SECONDS": "1", "RECONCILE_INTERVAL_SECONDS": "2",
            "RECONCILE_GRACE_SECONDS": "2", "DB_CONNECT_TIMEOUT_SECONDS": "2",
            "STAFF_EMAIL": "ship@example.com"}


def require_redis() -> None:
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis for the worker: set REDIS_URL (CI does)")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """``storefront worker`` (RQ worker + its schedule) as its own process, logging to ``log``."""
    from tests.conftest import ROOT

    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                                cwd=ROOT, env={**os.environ, "SECRET_KEY": "fault-worker", **env},
                                stdout=out, stderr=subprocess.STDOUT)


def stop_process(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def settle(app, orders_expected: int, worker_log: Path, timeout: float = 40) -> dict:
    """Wait, without lifting a finger, for the worker to finish what the fault left undone.

    Returns what was left to it when the run ended: orders not yet paid (webhooks lost in the
    fault, reconciled from Stripe by the worker) and emails not yet sent.
    """
    deadline = time.monotonic() + timeout
    report: dict = {}
    with app.app_context():
        while True:
            paid = db.session.scalar(select(func.count(Order.id)).where(Order.status == "paid"))
            unsent = db.session.scalar(select(func.count(OutboxEmail.id)).where(
                OutboxEmail.status != MailStatus.SENT))
            db.session.commit()
            report.setdefault("unpaid_after_run", orders_expected - paid)
            report.setdefault("unsent_after_run", unsent)
            if (paid >= orders_expected and not unsent) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        db.session.remove()
    if paid < orders_expected or unsent:
        tail = worker_log.read_text(errors="replace")[-3000:] if worker_log.exists() else ""
        raise AssertionError(f"the worker left {orders_expected - paid} orders unpaid and "
                             f"{unsent} emails unsent after {timeout:.0f} s; its log ends:\n{tail}")
    report["settled_in_s"] = round(timeout - (deadline - time.monotonic()), 1)
    return report


def audit(app, gateway: StripeGateway, run: Run, sku: str, initial_stock: int, messages: list) -> dict:
    """Assert the invariants; returns the figures for the report."""
    acknowledged = {b.order_id for b in run.buyers if b.order_id}
    with app.app_context():
        rows = db.session.execute(select(Order.public_id, Order.email, Order.status, Order.number,
                                         Order.payment_intent_id)).all()
        stock = db.session.scalar(select(Product.stock).where(Product.sku == sku))
        held = db.session.scalar(select(func.coalesce(func.sum(StockReservation.quantity), 0))
                                 .where(StockReservation.released_at.is_(None)))
        unsent = db.session.scalar(select(func.count(OutboxEmail.id)).where(
            OutboxEmail.status != MailStatus.SENT))
        db.session.remove()
    by_id = {r.public_id: r for r in rows}
    # 0 lost orders: every order a buyer was told about is stored; none stored twice per buyer.
    assert acknowledged <= set(by_id), "an acknowledged order is missing"
    per_email = Counter(r.email for r in rows)
    assert max(per_email.values(), default=0) <= 1, f"a buyer has two orders: {per_email.most_common(3)}"
    # Every buyer got through, and every order is paid (late webhooks reconciled).
    assert len(acknowledged) == len(run.buyers), (len(acknowledged), run.answers())
    # No buyer whose card was charged was told otherwise (a retry after a lost answer).
    told = Counter(b.pay_status for b in run.buyers)
    assert set(told) <= {"processing", "paid"}, told
    statuses = Counter(r.status for r in rows)
    assert statuses == {"paid": len(rows)}, statuses
    # Stripe's side: exactly one succeeded PaymentIntent per paid order, none elsewhere.
    intents = {r.payment_intent_id: r for r in rows}
    succeeded = Counter()
    for pi in gateway.client.v1.payment_intents.list({"limit": 100}).auto_paging_iter():
        data = pi.to_dict()
        oid = (data.get("metadata") or {}).get("order_id")
        if data["status"] == "succeeded" and (oid in by_id or data["id"] in intents):
            succeeded[oid or intents[data["id"]].public_id] += 1
    assert set(succeeded) == set(by_id), "a paid order without a Stripe payment, or the reverse"
    assert max(succeeded.values()) == 1, f"charged twice: {succeeded.most_common(3)}"
    # Stock exact: one unit per paid order, held by exactly those reservations.
    paid = statuses["paid"]
    assert stock == initial_stock - paid, (stock, initial_stock, paid)
    assert held == paid
    # Mail: each paid order's two emails exactly once, nothing left unsent.
    assert unsent == 0
    mine = Counter(m["Subject"] for m in messages
                   if m["Subject"].split()[-1] in {f"#{r.number}" for r in rows}
                   or any(m["Subject"] == f"Order #{r.number} confirmed" for r in rows))
    expected = Counter({f"Order #{r.number} confirmed": 1 for r in rows}
                       | {f"Ship order #{r.number}": 1 for r in rows})
    assert mine == expected, {k: v for k, v in (mine - expected).items()} or (expected - mine)
    to_buyers = Counter(m["To"] for m in messages if m["Subject"].startswith("Order #"))
    assert all(to_buyers[r.email] == 1 for r in rows)
    return {"orders": len(rows), "paid": paid, "stock": stock, "emails": sum(mine.values()),
            "answers": dict(run.answers())}


# --------------------------------------------------------------------------- the whole stack

@dataclass
class Stack:
    """One product's shop under fault: two gunicorn workers and an RQ worker on ``url``,
    mail to an SMTP sink, localstripe's webhook pointed at the shop. ``stop()`` undoes
    whatever was started, also after a failure half-way through ``start_stack``."""

    url: str
    localstripe: object
    webhook_name: str
    sink: object = None
    app: object = None
    sku: str = ""
    shop: object = None
    worker: subprocess.Popen | None = None

    def outcome(self, run: Run, buyers: int, stock: int, worker_log: Path) -> tuple[dict, dict]:
        """Wait for the stragglers, then audit; every buyer must have a paid order."""
        settled = settle(self.app, buyers, worker_log)
        gateway = StripeGateway("sk_test_localstripe", api_base=self.localstripe.url)
        figures = audit(self.app, gateway, run, self.sku, stock, self.sink.messages)
        assert figures["paid"] == buyers
        return figures, settled

    def stop(self) -> None:
        self.localstripe.register_webhook("http://127.0.0.1:9/unused", "whsec_unused",
                                          self.webhook_name)
        stop_process(self.worker)
        if self.shop is not None:
            self.shop.stop()
        if self.sink is not None:
            self.sink.stop()
        if self.app is not None:
            with self.app.app_context():
                db.engine.dispose()


def start_stack(stack: Stack, stock: int, worker_log: Path, price: int = 4900) -> Stack:
    """Fill in ``stack``: database rows, sink, shop, worker and webhook, in that order."""
    from tests.checkout.live import SmtpSink, start_gunicorn
    from tests.conftest import make_app
    from tests.factories import create_products, product_record

    stack.sink = SmtpSink(free_port())
    stack.app = make_app(stack.url)
    with stack.app.app_context():
        product, = create_products(db.session, product_record(stock=stock, price=price))
        stack.sku = product.sku
        db.session.commit()
        db.engine.dispose()
    env = worker_env(stack.url, stack.sink, f"fault-{uuid.uuid4().hex[:8]}")
    stack.shop = start_gunicorn(stack.url, free_port(), stack.localstripe, workers=2, threads=4,
                                extra_env=env)
    env.update(stack.localstripe.env(stack.shop.webhook_secret))
    stack.worker = start_worker(env, worker_log)
    stack.localstripe.register_webhook(f"{stack.shop.url}/stripe/webhook",
                                       stack.shop.webhook_secret, stack.webhook_name)
    return stack
