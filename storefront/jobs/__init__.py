"""Background jobs on RQ, with a periodic schedule; inline when there is no Redis.

Why RQ: the shop already runs Redis (shared rate limits), and RQ needs nothing else — no
broker to operate (Celery) and no extra middleware (Dramatiq); jobs are plain functions
named by import path, its worker forks a work horse per job (a crashing or leaking job
cannot take the worker down), and rq >= 2.5 carries a cron scheduler for the periodic jobs.

Other packages use only this interface:

* ``enqueue("storefront.x.y.func", *args, job_timeout=600, **kwargs) -> job id``
* ``job_status(job_id) -> {"status", "progress", "result", "error"}``
* ``report_progress(done, total)`` from inside a running job

With ``JOBS_INLINE`` (the default without ``REDIS_URL``, and in tests) a job runs at once in
the calling process and its status is kept in that process.
"""

from storefront.jobs.queue import enqueue, job_status, report_progress

__all__ = ["enqueue", "job_status", "report_progress"]
