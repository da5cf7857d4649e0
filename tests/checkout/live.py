"""A multi-process shop for race tests: gunicorn workers on a fresh database, localstripe, SMTP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import requests

from storefront.payments.localstripe import LocalStripe

ROOT = Path(__file__).resolve().parents[2]


class SmtpSink:
    """A real SMTP server (aiosmtpd) collecting messages, for servers in other processes."""

    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                sink.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
                return "250 OK"

        self.host, self.port = "127.0.0.1", port
        self.controller = Controller(Handler(), hostname=self.host, port=port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class GunicornShop:
    url: str
    database_url: str
    webhook_secret: str
    localstripe: LocalStripe
    proc: subprocess.Popen = field(repr=False)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_gunicorn(database_url: str, port: int, ls: LocalStripe, *, workers: int = 2,
                   threads: int = 8, extra_env: dict[str, str] | None = None,
                   config: dict | None = None, start_timeout: float = 30) -> GunicornShop:
    """gunicorn with ``workers`` processes serving the shop on 127.0.0.1:``port``."""
    secret = "whsec_" + secrets.token_hex(16)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "race-" + secrets.token_hex(8),
           "STAFF_EMAIL": "ship@example.com", **ls.env(secret),
           # No worker runs beside these servers unless a test starts one (and says so in
           # extra_env): jobs, and the mail they would leave to the worker, run in-process.
           "JOBS_INLINE": "1", **(extra_env or {})}
    # Every simulated buyer comes from 127.0.0.1: no per-client cap on unpaid orders here.
    cfg = {"RATELIMIT_ENABLED": False, "ORDER_UNPAID_PER_CLIENT": 0, **(config or {})}
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
           "--worker-class", "gthread", "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
           "--log-level", "warning", "--graceful-timeout", "5", f"storefront:create_app({cfg!r})"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)
    return GunicornShop(url=url, database_url=database_url, webhook_secret=secret,
                        localstripe=ls, proc=proc)
