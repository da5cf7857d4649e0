"""Enqueue, look up and report on jobs: RQ on Redis, or inline in this process."""

from __future__ import annotations

import importlib
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

RESULT_TTL = 24 * 3600  # seconds a finished job's result stays readable
FAILURE_TTL = 7 * 24 * 3600  # seconds a failed job stays in RQ's failed registry

_inline_jobs: dict[str, dict[str, Any]] = {}
_inline_lock = threading.Lock()
_local = threading.local()  # the inline job running on this thread, if any
_connections: dict[str, Any] = {}


def resolve(func_path: str) -> Callable[..., Any]:
    """The function named ``package.module.function``."""
    module, _, name = func_path.rpartition(".")
    if not module:
        raise ValueError(f"not a dotted function path: {func_path!r}")
    return getattr(importlib.import_module(module), name)


def _config() -> Any:
    from flask import current_app, has_app_context

    return current_app.config if has_app_context() else {}


def is_inline(config: Any) -> bool:
    """Whether jobs run in the calling process (JOBS_INLINE, or no REDIS_URL)."""
    return bool(config.get("JOBS_INLINE", True)) or not config.get("REDIS_URL")


def redis_connection(url: str):
    """One Redis client per URL per process."""
    conn = _connections.get(url)
    if conn is None:
        from redis import Redis

        conn = _connections[url] = Redis.from_url(url, socket_connect_timeout=5,
                                                  socket_timeout=30)
    return conn


def rq_queue(config: Any):
    """The RQ queue named JOBS_QUEUE on REDIS_URL."""
    from rq import Queue

    return Queue(config.get("JOBS_QUEUE") or "storefront",
                 connection=redis_connection(config["REDIS_URL"]))


def enqueue(func_path: str, *args: Any, job_timeout: int = 600, **kwargs: Any) -> str:
    """Run ``func_path(*args, **kwargs)`` in the background; returns the job id.

    Inline mode runs it now and records the outcome (an exception is logged and kept as the
    job's error, not raised).
    """
    resolve(func_path)  # fail at the call site on a typo, not later in the worker
    config = _config()
    if not is_inline(config):
        job = rq_queue(config).enqueue("storefront.jobs.runner.execute", func_path, list(args),
                                       kwargs, job_timeout=job_timeout, result_ttl=RESULT_TTL,
                                       failure_ttl=FAILURE_TTL, description=func_path)
        return job.id
    job_id = "inline-" + uuid.uuid4().hex
    state: dict[str, Any] = {"status": "started", "progress": None, "result": None, "error": None}
    with _inline_lock:
        _inline_jobs[job_id] = state
    previous = getattr(_local, "job", None)
    _local.job = state
    try:
        from storefront.jobs.runner import execute

        state["result"] = execute(func_path, list(args), kwargs)
        state["status"] = "finished"
    except Exception as exc:  # noqa: BLE001 - a failed job is a status, as on the worker
        log.exception("inline job %s (%s) failed", job_id, func_path)
        state["status"] = "failed"
        state["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        _local.job = previous
    return job_id


def enqueue_on_worker(func_path: str, *args: Any, job_timeout: int = 600, **kwargs: Any) -> str | None:
    """``enqueue`` when a worker runs jobs; None (nothing run) in inline mode."""
    if is_inline(_config()):
        return None
    return enqueue(func_path, *args, job_timeout=job_timeout, **kwargs)


def enqueue_in(seconds: float, func_path: str, *args: Any, job_timeout: int = 600,
               **kwargs: Any) -> str:
    """Like ``enqueue``, but the worker starts it ``seconds`` from now (inline: at once)."""
    config = _config()
    if is_inline(config):
        return enqueue(func_path, *args, job_timeout=job_timeout, **kwargs)
    from datetime import timedelta

    resolve(func_path)
    job = rq_queue(config).enqueue_in(timedelta(seconds=seconds), "storefront.jobs.runner.execute",
                                      func_path, list(args), kwargs, job_timeout=job_timeout,
                                      result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL,
                                      description=func_path)
    return job.id


_RQ_STATUS = {"queued": "queued", "scheduled": "queued", "deferred": "queued",
              "started": "started", "finished": "finished", "failed": "failed",
              "stopped": "failed", "canceled": "failed"}


def _unknown(job_id: str) -> dict[str, Any]:
    return {"status": "unknown", "progress": None, "result": None,
            "error": f"no such job: {job_id}"}


def job_status(job_id: str) -> dict[str, Any]:
    """``{"status": queued|started|finished|failed, "progress": 0..1|None, "result", "error"}``.

    An unknown (or expired) job answers ``status: "unknown"``, so a page polling an old
    import shows that instead of failing.
    """
    with _inline_lock:
        state = _inline_jobs.get(job_id)
    if state is not None:
        return dict(state)
    config = _config()
    if is_inline(config):
        return _unknown(job_id)
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=redis_connection(config["REDIS_URL"]))
    except NoSuchJobError:
        return _unknown(job_id)
    status = _RQ_STATUS.get(str(job.get_status(refresh=True).value), "queued")
    error = None
    if status == "failed":
        latest = job.latest_result()
        error = (latest.exc_string if latest is not None else None) or "failed"
        error = error.strip().splitlines()[-1][:2000]
    return {"status": status, "progress": job.meta.get("progress"),
            "result": job.return_value() if status == "finished" else None, "error": error}


def report_progress(done: int, total: int) -> None:
    """Record how far the running job got (no-op outside a job)."""
    progress = min(1.0, max(0.0, done / total)) if total > 0 else None
    state = getattr(_local, "job", None)
    if state is not None:
        state["progress"] = progress
        return
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        job.meta["progress"] = progress
        job.save_meta()


def request_mail_drain(app) -> bool:
    """Ask the worker for a mail drain a second from now; False when jobs run inline.

    At most one is queued per second across every process: the first message in a second sets
    a Redis key and schedules the drain for just after the key expires, so a message queued
    later in that second is still within its reach. The worker's schedule is the backstop.
    """
    config = app.config
    if is_inline(config):
        return False
    key = f"storefront:mail:drain-queued:{config.get('JOBS_QUEUE') or 'storefront'}"
    try:
        if redis_connection(config["REDIS_URL"]).set(key, "1", nx=True, px=1000):
            with app.app_context():
                enqueue_in(1.0, "storefront.jobs.periodic.drain_mail", job_timeout=300)
    except Exception:  # noqa: BLE001 - Redis away: the worker's schedule sends it
        log.warning("could not queue a mail drain; the worker's schedule will send it",
                    exc_info=True)
    return True
