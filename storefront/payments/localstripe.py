"""Run localstripe (a Stripe emulator) on a loopback address, for development and tests.

Its own ``localstripe`` command binds every interface; this serves its aiohttp ``app`` on
127.0.0.1 instead, either in a background thread (``serve_in_thread``) or as a process
(``python -m storefront.payments.localstripe --port 8420``). The webhook is registered with
its ``POST /_config/webhooks/<id>`` endpoint, as for a separately started localstripe.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import signal
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"


def _configure_store(persist: str | None) -> None:
    """Keep localstripe's state in ``persist`` (or only in memory) instead of /tmp/localstripe.pickle."""
    from localstripe import resources

    def dump(self) -> None:
        if persist:
            tmp = Path(persist + ".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(persist)

    def load(self) -> None:
        if persist and Path(persist).exists():
            with open(persist, "rb") as f:
                dict.update(self, pickle.load(f))

    resources.Store.dump_to_disk = dump
    resources.Store.try_load_from_disk = load
    resources.store.try_load_from_disk()


@dataclass
class LocalStripe:
    host: str
    port: int
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def js_url(self) -> str:
        return f"{self.url}/js.stripe.com/v3/"

    def register_webhook(self, url: str, secret: str, webhook_id: str = "storefront") -> None:
        """Point localstripe's webhook ``webhook_id`` at ``url``, signed with ``secret``."""
        register_webhook(self.url, url, secret, webhook_id)

    def env(self, webhook_secret: str) -> dict[str, str]:
        """The STRIPE_* settings that point the shop at this localstripe."""
        return {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
                "STRIPE_WEBHOOK_SECRET": webhook_secret, "STRIPE_API_BASE": self.url,
                "STRIPE_JS_URL": self.js_url}

    def stop(self) -> None:
        """Nothing to do: the in-process server lives until the process exits (daemon thread)."""


def register_webhook(base_url: str, url: str, secret: str, webhook_id: str = "storefront") -> None:
    """``POST /_config/webhooks/<id>`` on a running localstripe."""
    body = json.dumps({"url": url, "secret": secret}).encode()
    req = urllib.request.Request(f"{base_url}/_config/webhooks/{webhook_id}", data=body,
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 200:
            raise RuntimeError(f"localstripe refused the webhook: HTTP {resp.status}")


def wait_until_up(base_url: str, timeout: float = 15.0) -> None:
    """Block until localstripe answers (its Stripe.js mock needs no key)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/js.stripe.com/v3/", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"localstripe did not start at {base_url}") from None
            time.sleep(0.05)


async def _start_site(host: str, port: int):
    from aiohttp import web
    from localstripe.server import app

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, site


_RUNNING: LocalStripe | None = None
_LOCK = threading.Lock()


def serve_in_thread(host: str = "127.0.0.1", port: int = 0, *, persist: str | None = None) -> LocalStripe:
    """Start localstripe in a daemon thread (port 0 picks a free one), once per process.

    localstripe's app, store and webhooks are module globals, so a process can run only one:
    later calls get the running server, and ``stop`` leaves it to the end of the process.
    """
    global _RUNNING
    with _LOCK:
        if _RUNNING is not None:
            if port not in (0, _RUNNING.port) or host != _RUNNING.host:
                raise RuntimeError(f"localstripe already runs in this process at {_RUNNING.url}")
            return _RUNNING
        _RUNNING = _serve_in_thread(host, port, persist)
        return _RUNNING


def _serve_in_thread(host: str, port: int, persist: str | None) -> LocalStripe:
    _configure_store(persist)
    ready = threading.Event()
    handle = LocalStripe(host=host, port=port)
    failure: list[BaseException] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            runner, _site = loop.run_until_complete(_start_site(host, port))
            handle.port = runner.addresses[0][1]
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()

    handle._thread = threading.Thread(target=run, name="localstripe", daemon=True)
    handle._thread.start()
    ready.wait(timeout=15)
    if failure:
        raise RuntimeError(f"localstripe could not start on {host}:{port}: {failure[0]}")
    return handle


def main(argv: list[str] | None = None) -> None:
    """Serve localstripe on a loopback address until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--persist", default=None, help="Keep state in this file across restarts.")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("localstripe has no authentication worth the name: serve it on loopback only")
    _configure_store(args.persist)

    async def serve() -> None:
        runner, site = await _start_site(args.host, args.port)
        if args.webhook_url and args.webhook_secret:
            from localstripe.webhooks import register_webhook as register

            register("storefront", args.webhook_url, args.webhook_secret, None)
        print(f"localstripe on http://{args.host}:{args.port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
