"""`make run`'s worker: started beside the server when Redis answers, stopped on exit."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from storefront import devserver
from tests.conftest import ROOT, drop_database, free_port, fresh_database_url, make_app


def test_without_redis_jobs_run_inline(capsys):
    env = {"PATH": os.environ.get("PATH", "")}
    assert devserver._start_worker(env) is None
    assert "inline (no REDIS_URL" in capsys.readouterr().out


def test_a_redis_that_does_not_answer_is_dropped(capsys):
    env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}  # nothing listens there
    assert devserver._start_worker(env) is None
    assert "REDIS_URL" not in env  # the server limits in memory and runs jobs inline
    assert "does not answer" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_with_redis_a_worker_runs_jobs_and_stops(tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    from storefront.jobs import enqueue, job_status

    url = fresh_database_url(tmp_path, "devworker")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = None
    try:
        app = make_app(url, JOBS_INLINE=False, REDIS_URL=redis_url, JOBS_QUEUE=queue)
        env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "REDIS_URL": redis_url,
               "JOBS_QUEUE": queue, "SECRET_KEY": "test", "PYTHONPATH": str(ROOT)}
        env.pop("JOBS_INLINE", None)
        worker = devserver._start_worker(env)
        assert worker is not None
        with app.app_context():
            job = enqueue("tests.jobs.sample.add", 2, 3, times=2, job_timeout=60)
            deadline = time.monotonic() + 45
            while job_status(job)["status"] != "finished" and time.monotonic() < deadline:
                time.sleep(0.2)
            assert job_status(job)["result"] == 10
        devserver._stop(worker)
        assert worker.returncode is not None  # gone, not left behind
    finally:
        devserver._stop(worker)
        drop_database(url)
