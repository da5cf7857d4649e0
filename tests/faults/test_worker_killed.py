"""gunicorn workers SIGKILLed mid-request during a run of orders: nothing lost, doubled or oversold.

Buyers order and pay through localstripe against gunicorn (2 workers x 4 threads) on
PostgreSQL, with a real `storefront worker` beside it; twice during the run one gunicorn worker
is killed outright while requests are in flight (gunicorn starts a new one). Cut requests are
retried by the buyers (the order with its Idempotency-Key); payments whose outcome was lost and
webhooks the dead process had taken are reconciled from Stripe by the worker, which also sends
every email — web processes never talk to SMTP when a worker runs, so a kill cannot leave a
message accepted by SMTP but not recorded as sent.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.checkout.fixtures import localstripe  # noqa: F401 - fixture
from tests.conftest import drop_database, fresh_database_url, require_postgres
from tests.faults.harness import (
    Stack,
    require_redis,
    run_buyers,
    start_stack,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BUYERS = 36
STOCK = 50


def _workers(master_pid: int) -> list[int]:
    path = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(p) for p in path.read_text().split()]


@pytest.mark.timeout(150)
def test_workers_killed_mid_request(tmp_path, localstripe):  # noqa: F811
    require_postgres()
    require_redis()
    started = time.monotonic()
    url = fresh_database_url(tmp_path, "workerkill")
    stack = Stack(url, localstripe, "workerkill")
    try:
        start_stack(stack, STOCK, tmp_path / "worker.log")
        shop = stack.shop

        run, threads = run_buyers(shop.url, localstripe.url, stack.sku, BUYERS, concurrency=8,
                                  trigger_after=BUYERS // 4, timeout=60)
        assert run.acknowledged.wait(40), "the buyers never got going"
        killed = []
        for _ in range(2):
            victim = _workers(shop.proc.pid)[0]
            os.kill(victim, signal.SIGKILL)  # no clean-up, no finishing the request
            killed.append(victim)
            time.sleep(1.5)
        for t in threads:
            t.join(90)
        answers = run.answers()
        # Requests really were cut mid-flight (the client saw the connection drop).
        assert any("Error" in a for a in answers), answers
        assert not any(a.endswith(":500") for a in answers), answers
        assert shop.proc.poll() is None and len(_workers(shop.proc.pid)) == 2  # replaced

        figures, settled = stack.outcome(run, BUYERS, STOCK, tmp_path / "worker.log")
        print(f"\nworkers {killed} killed: {figures}; left to the worker: {settled}; "
              f"{time.monotonic() - started:.0f} s")
    finally:
        stack.stop()
        drop_database(url)
