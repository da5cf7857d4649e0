"""The inline jobs implementation keeps the interface the RQ version provides."""

from __future__ import annotations

from storefront.jobs import enqueue, job_status, report_progress


def counting(n):
    for i in range(n):
        report_progress(i + 1, n)
    return {"counted": n}


def broken():
    raise RuntimeError("boom")


def test_enqueue_runs_and_reports():
    job_id = enqueue("tests.test_jobs.counting", 4, job_timeout=5)
    status = job_status(job_id)
    assert status["status"] == "finished"
    assert status["progress"] == 1.0
    assert status["result"] == {"counted": 4}
    assert status["error"] is None


def test_failed_job_reports_error():
    status = job_status(enqueue("tests.test_jobs.broken"))
    assert status["status"] == "failed"
    assert "boom" in status["error"]


def test_unknown_job_and_progress_outside_a_job():
    assert job_status("nope")["status"] == "unknown"
    report_progress(1, 2)  # no-op outside a job
