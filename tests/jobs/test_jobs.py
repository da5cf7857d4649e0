"""Jobs: inline in tests and development; a real RQ worker on Redis when REDIS_URL is set."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest

from storefront.jobs import enqueue, job_status
from tests.conftest import ROOT, make_app

REDIS_URL = os.environ.get("REDIS_URL", "")


def test_inline_job_runs_now_with_progress_and_result(app):
    with app.app_context():
        job_id = enqueue("tests.jobs.sample.add", 2, 3, times=2)
        assert job_status(job_id) == {"status": "finished", "progress": 0.5, "result": 10,
                                      "error": None}


def test_inline_failure_is_a_status(app):
    with app.app_context():
        job_id = enqueue("tests.jobs.sample.fail")
        status = job_status(job_id)
    assert status["status"] == "failed" and "boom" in status["error"]


def test_unknown_function_refused_at_enqueue(app):
    with app.app_context(), pytest.raises((ImportError, AttributeError)):
        enqueue("tests.jobs.sample.nope")


def test_unknown_job_id(app):
    with app.app_context():
        status = job_status("inline-doesnotexist")
    assert status["status"] == "unknown" and "no such job" in status["error"]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_real_worker_runs_jobs_from_redis(tmp_path):
    if not REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    from tests.conftest import drop_database, fresh_database_url, make_app

    url = fresh_database_url(tmp_path, "jobs")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    try:
        app = make_app(url, JOBS_INLINE=False, REDIS_URL=REDIS_URL, JOBS_QUEUE=queue)
        with app.app_context():
            ok = enqueue("tests.jobs.sample.add", 2, 3, times=2, job_timeout=60)
            bad = enqueue("tests.jobs.sample.fail")
            db_job = enqueue("tests.jobs.sample.count_products")
            assert job_status(ok)["status"] == "queued"
        env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "REDIS_URL": REDIS_URL,
               "JOBS_QUEUE": queue, "JOBS_INLINE": "0", "PYTHONPATH": str(ROOT),
               "SECRET_KEY": "test"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
                       cwd=ROOT, env=env, check=True, timeout=90, capture_output=True)
        with app.app_context():
            deadline = time.monotonic() + 10
            while job_status(ok)["status"] != "finished" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert job_status(ok) == {"status": "finished", "progress": 0.5, "result": 10,
                                      "error": None}
            failed = job_status(bad)
            assert failed["status"] == "failed" and "boom" in failed["error"]
            assert job_status(db_job)["result"] == 0
    finally:
        drop_database(url)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_with_a_worker_web_processes_leave_mail_to_it(tmp_path, smtp_server):
    """A request that queued mail asks the worker to send it; it never talks to SMTP itself."""
    if not REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    from sqlalchemy import select

    from storefront.extensions import db
    from storefront.mail import MailStatus, OutboxEmail, send_after_commit
    from storefront.mail import enqueue as enqueue_mail
    from tests.conftest import drop_database, fresh_database_url, make_app

    url = fresh_database_url(tmp_path, "jobmail")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = None
    try:
        app = make_app(url, JOBS_INLINE=False, REDIS_URL=REDIS_URL, JOBS_QUEUE=queue,
                       MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
        with app.app_context():
            for i in range(3):
                enqueue_mail(db.session, to=f"b{i}@example.com", subject=f"Order #{i} confirmed",
                             body_text="Thanks", dedupe_key=f"jobmail:{i}")
                db.session.commit()
                send_after_commit(app)  # as each request does after its commit
        time.sleep(1.5)
        assert smtp_server.messages == []  # this (web) process sent nothing
        env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "REDIS_URL": REDIS_URL,
               "JOBS_QUEUE": queue, "JOBS_INLINE": "0", "PYTHONPATH": str(ROOT),
               "SECRET_KEY": "test", "MAIL_SERVER": smtp_server.host,
               "MAIL_PORT": str(smtp_server.port)}
        # No schedule: only the drain job the requests queued can send the mail.
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                                   "--no-schedule"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted(m["Subject"] for m in smtp_server.messages) == [
            f"Order #{i} confirmed" for i in range(3)]
        with app.app_context():
            assert set(db.session.scalars(select(OutboxEmail.status))) == {MailStatus.SENT}
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        drop_database(url)


def test_periodic_locks_are_per_queue(tmp_path, monkeypatch):
    """A periodic job's "ran recently" lock belongs to one queue (one shop): another shop,
    or another test run, on the same Redis database must not skip its ticks."""
    if not REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    from storefront.jobs import periodic

    ran = []
    monkeypatch.setitem(periodic.SCHEDULE, "test-tick", ("test.tick", "RECONCILE_INTERVAL_SECONDS"))
    monkeypatch.setattr("storefront.jobs.queue.resolve", lambda path: lambda: ran.append(path) or "ran")
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    results = []
    for queue in (f"shop-a-{uuid.uuid4().hex[:6]}", f"shop-b-{uuid.uuid4().hex[:6]}"):
        app = make_app(url, REDIS_URL=REDIS_URL, JOBS_QUEUE=queue, RECONCILE_INTERVAL_SECONDS=60)
        with app.app_context():
            results += [periodic.run_once("test-tick"), periodic.run_once("test-tick")]
    assert results == ["ran", "skipped", "ran", "skipped"]
    assert len(ran) == 2
