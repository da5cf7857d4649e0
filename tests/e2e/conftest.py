"""Shared browser fixtures: a live server on a fresh database and headless Chromium pages.

Use ``live_server`` (one per test module) or ``live_server_factory(**config)`` for a server
with its own settings; drive it with the ``page`` fixture (a fresh Chromium context per
test). The server runs in a thread of this process on its own database, so browser tests
must not use the ``db_session`` / ``client`` fixtures (those swap the global session).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import chromium_path, drop_database, free_port, fresh_database_url, make_app

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class LiveServer:
    """A real HTTP server for ``app`` on 127.0.0.1; ``url`` has no trailing slash."""

    app: Flask
    database_url: str
    url: str
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def seed(self, *records: dict[str, Any]) -> list:
        """Store product records (see ``tests.factories``) and commit; returns the products."""
        from storefront.extensions import db
        from tests.factories import create_products

        # The seed writer takes SQLite's write lock itself (storefront.sqlite.begin_writing).
        with self.app.app_context():
            products = create_products(db.session, *records)
            db.session.commit()
            return products

    def run(self, fn: Callable[[], Any]) -> Any:
        """Call ``fn`` inside the server app's context (for direct database checks).

        On SQLite its transaction holds the write lock from the start, so a read followed by
        a write cannot fail because the server committed in between (late webhooks do).
        """
        from storefront.sqlite import write_intent

        with self.app.app_context(), write_intent():
            return fn()

    def stop(self) -> None:
        from storefront.extensions import db

        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        with self.app.app_context():
            db.engine.dispose()
        drop_database(self.database_url)


@pytest.fixture(scope="session")
def live_server_factory(tmp_path_factory) -> Iterator[Callable[..., LiveServer]]:
    """Start servers on demand: ``live_server_factory(**config_overrides)``; all stop at the end."""
    started: list[LiveServer] = []

    def start(**config: Any) -> LiveServer:
        url = fresh_database_url(tmp_path_factory.mktemp("live"), "live")
        # Real forms in a real browser: keep CSRF on unless a test says otherwise.
        config.setdefault("WTF_CSRF_ENABLED", True)
        config.setdefault("MAIL_SYNC_DRAIN", True)
        app = make_app(url, **config)
        port = free_port()
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name=f"live-server-{port}", daemon=True)
        thread.start()
        live = LiveServer(app=app, database_url=url, url=f"http://127.0.0.1:{port}",
                          _server=server, _thread=thread)
        started.append(live)
        return live

    yield start
    for live in started:
        if live._thread.is_alive():
            live.stop()


@pytest.fixture(scope="module")
def live_server(live_server_factory) -> Iterator[LiveServer]:
    """A live server on a fresh, migrated database, shared by the tests of one module."""
    live = live_server_factory()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's ``chromium``); skips without it unless it is required."""
    path = chromium_path()
    if path is None:
        if os.environ.get("STOREFRONT_REQUIRE_BROWSER") == "1":
            pytest.fail("STOREFRONT_REQUIRE_BROWSER=1 but no chromium executable was found")
        pytest.skip("Chromium is not installed (apt-get install chromium); "
                    "set STOREFRONT_REQUIRE_BROWSER=1 to make this a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser):
    """A fresh browser context and page (own cookies) for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # uncaught script errors, for tests that want to assert none
    yield pg
    context.close()
