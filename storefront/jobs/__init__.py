"""Background jobs: the interface, run inline in this process.

This is the minimal, inline-only implementation of the jobs interface; the RQ version
(a real queue on Redis, ``storefront worker``) replaces this module and keeps the same
three names:

``enqueue(func_path, *args, job_timeout=600, **kwargs) -> job id``
    run ``func_path`` ("package.module.function") with the arguments.
``job_status(job_id) -> dict``
    ``{"id", "status": "queued"|"started"|"finished"|"failed", "progress": 0..1 | None,
    "result", "error"}``.
``report_progress(done, total)``
    called inside a job to publish how far it got.

Here a job runs synchronously inside ``enqueue`` (so it is ``finished`` or ``failed`` by
the time the caller gets its id) and statuses live in a process dict. Job functions must
take JSON-serialisable arguments and return a JSON-serialisable result, so they work
unchanged on the real queue.
"""

from __future__ import annotations

import importlib
import threading
import traceback
import uuid
from collections import OrderedDict
from typing import Any

__all__ = ["enqueue", "job_status", "report_progress"]

_MAX_KEPT = 500  # finished statuses kept in memory (oldest dropped first)
_jobs: OrderedDict[str, dict[str, Any]] = OrderedDict()
_lock = threading.Lock()
_current = threading.local()


def _resolve(func_path: str):
    module, _, name = func_path.replace(":", ".").rpartition(".")
    if not module:
        raise ValueError(f"{func_path!r}: use 'package.module.function'")
    return getattr(importlib.import_module(module), name)


def enqueue(func_path: str, *args: Any, job_timeout: int = 600, **kwargs: Any) -> str:
    """Run ``func_path(*args, **kwargs)`` as a job (inline here) and return its id."""
    func = _resolve(func_path)
    job_id = uuid.uuid4().hex
    status = {"id": job_id, "status": "queued", "progress": None, "result": None,
              "error": None, "func": func_path}
    with _lock:
        _jobs[job_id] = status
        while len(_jobs) > _MAX_KEPT:
            _jobs.popitem(last=False)
    previous = getattr(_current, "job_id", None)
    _current.job_id = job_id
    status["status"] = "started"
    try:
        status["result"] = func(*args, **kwargs)
        status["status"] = "finished"
        status["progress"] = 1.0
    except Exception as exc:  # noqa: BLE001 - a failed job reports, it does not crash the caller
        status["status"] = "failed"
        status["error"] = f"{type(exc).__name__}: {exc}"
        status["traceback"] = traceback.format_exc()
    finally:
        _current.job_id = previous
    return job_id


def job_status(job_id: str) -> dict[str, Any]:
    """The job's status dict; ``status`` is ``"unknown"`` for an id never seen here."""
    with _lock:
        status = _jobs.get(job_id)
    if status is None:
        return {"id": job_id, "status": "unknown", "progress": None, "result": None,
                "error": "no such job"}
    return {k: status[k] for k in ("id", "status", "progress", "result", "error")}


def report_progress(done: int, total: int) -> None:
    """Record progress of the job running in this thread (no-op outside a job)."""
    job_id = getattr(_current, "job_id", None)
    if job_id is None:
        return
    with _lock:
        status = _jobs.get(job_id)
        if status is not None:
            status["progress"] = (min(done, total) / total) if total else None
