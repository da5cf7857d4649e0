"""``storefront worker``: an RQ worker plus the periodic schedule (RQ's cron scheduler)."""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext

log = logging.getLogger(__name__)


def _schedule(config):
    """RQ's cron scheduler with every periodic job registered (built before the worker
    starts, in the main thread: the loop thread only drives it)."""
    from rq.cron import CronScheduler

    from storefront.jobs.periodic import SCHEDULE
    from storefront.jobs.queue import redis_connection
    from storefront.jobs.runner import execute

    cron = CronScheduler(connection=redis_connection(config["REDIS_URL"]))
    for name, (_, setting) in SCHEDULE.items():
        interval = int(float(config[setting]))
        if interval > 0:
            cron.register(execute, config["JOBS_QUEUE"],
                          args=("storefront.jobs.periodic.run_once", [name], {}), interval=interval,
                          job_timeout=max(60, interval * 4), name=name)
    return cron


def _schedule_loop(cron, stop: threading.Event) -> None:
    # RQ's own start() installs signal handlers (main thread only); drive its loop here.
    while not stop.is_set():
        try:
            cron.enqueue_jobs()
        except Exception:  # noqa: BLE001 - Redis blips: keep scheduling
            log.exception("could not enqueue periodic jobs")
        stop.wait(max(0.5, min(cron.calculate_sleep_interval(), 5.0)))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then exit.")
@click.option("--no-schedule", is_flag=True, help="Do not enqueue the periodic jobs.")
@with_appcontext
def worker_command(burst: bool, no_schedule: bool) -> None:
    """Run the background worker (RQ on REDIS_URL) and the periodic schedule."""
    from rq import Worker

    from storefront.jobs import runner
    from storefront.jobs.queue import redis_connection, rq_queue

    config = current_app.config
    if not config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    runner.set_app(app)
    from storefront.extensions import db

    db.engine.dispose()  # no pooled connection crosses into the forked work horses
    stop = threading.Event()
    thread = None
    if not no_schedule and not burst:
        thread = threading.Thread(target=_schedule_loop, args=(_schedule(config), stop),
                                  daemon=True, name="schedule")
        thread.start()
    worker = Worker([rq_queue(config)], connection=redis_connection(config["REDIS_URL"]))
    started = time.monotonic()
    try:
        worker.work(burst=burst, with_scheduler=not burst, logging_level="INFO")
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=5)
    log.info("worker stopped after %.0f s", time.monotonic() - started)
