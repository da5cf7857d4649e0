"""A shared full-page cache for anonymous visitors: the catalogue and product pages.

It is WSGI middleware inside ``CanonicalOrigin`` (so the origin in its keys is SITE_URL's,
never a client's Host) and outside Flask, so a hit skips the session, CSRF, limiter and
view work altogether. What it decides, precisely:

* **Which requests it answers**: ``GET``/``HEAD`` of ``/``, ``/products`` and
  ``/products/<slug>`` with no session cookie, no remember-me cookie and no
  ``Authorization`` header. A visitor with a cart, a flash message, a CSRF token already
  issued or a staff login carries the session cookie, so is always served by the app.
* **Which responses it stores**: only those a view opted in to (the view puts a validator
  in ``request.environ[ENVIRON_KEY]``; order, checkout and quote pages never do), with
  status 200, no ``Set-Cookie`` and no ``no-store``/``private``. Stored: the body and the
  headers (security headers included), keyed by origin + path + sorted query.
* **When an entry is still good**: every hit re-reads the entry's validator from the
  database in one statement — for a product page its price, stock, content fingerprint
  (``updated_at``, bands, tiers), that it is still published, and the guides' fingerprint;
  for a catalogue page the catalogue version (migration 0120's ``catalog_version`` plus the
  newest ``updated_at``) and the availability of the products it shows. The view computes
  the same validator *before* it renders, so a change made while a page renders can only
  make the entry look stale, never make stale content look fresh. ``PAGE_CACHE_SECONDS``
  bounds how long an entry lives; templates and the settings pages show are part of the key.

The store is shared by every worker and instance: Redis when ``REDIS_URL`` is set, else
files in ``PAGE_CACHE_DIR`` (shared by the workers of one host), or process memory.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from werkzeug.http import parse_cookie

from storefront.catalog.cache import CatalogCache

log = logging.getLogger(__name__)

ENVIRON_KEY = "storefront.page_cache"  # the middleware listens: {}; the view opts in: a validator
HEADER = "X-Page-Cache"  # "hit" (served from the store) or "miss" (rendered and stored)
CACHE_CONTROL = "no-cache"  # browsers and proxies ask again: a price may change any time
_DROP_HEADERS = {"content-length", "date", "set-cookie", HEADER.lower()}


# --------------------------------------------------------------------------- stores

class Entry:
    """One stored page: what it is (key, kind, validator, shown ids), its headers and body."""

    __slots__ = ("key", "kind", "validator", "ids", "headers", "body", "_hit_headers")

    def __init__(self, key: str, kind: str, validator: Any, ids: list[int],
                 headers: list[tuple[str, str]], body: bytes):
        self.key, self.kind, self.validator, self.ids = key, kind, validator, ids
        self.headers, self.body = headers, body
        self._hit_headers: list[tuple[str, str]] | None = None

    def hit_headers(self) -> list[tuple[str, str]]:
        """The headers a hit answers with (built once per entry; a fresh list each time)."""
        if self._hit_headers is None:
            self._hit_headers = [*self.headers, ("Content-Length", str(len(self.body))), (HEADER, "hit")]
        return list(self._hit_headers)

    def dumps(self) -> bytes:
        head = json.dumps({"key": self.key, "kind": self.kind, "validator": self.validator,
                           "ids": self.ids, "headers": self.headers}, separators=(",", ":"))
        return head.encode() + b"\n" + self.body

    @classmethod
    def loads(cls, raw: bytes) -> Entry:
        head, _, body = raw.partition(b"\n")
        d = json.loads(head)
        return cls(d["key"], d["kind"], d["validator"], d["ids"],
                   [tuple(h) for h in d["headers"]], body)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class MemoryStore(CatalogCache):
    """Process-local (one process only: other workers keep their own)."""

    shared = False

    def __init__(self, ttl: float, size: int = 4096):
        super().__init__(ttl=ttl, size=size)


class FileStore:
    """One file per page in a directory: shared by the workers of one host (no Redis)."""

    shared = True

    def __init__(self, directory: str, ttl: float):
        self.dir = Path(directory)
        self.ttl = ttl
        self.dir.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> bytes | None:
        path = self.dir / _digest(key)
        try:
            with open(path, "rb") as fh:
                if time.time() - os.fstat(fh.fileno()).st_mtime > self.ttl:
                    return None
                return fh.read()
        except FileNotFoundError:
            return None

    def put(self, key: str, raw: bytes) -> None:
        path = self.dir / _digest(key)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(raw)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one

    def clear(self) -> None:
        for path in self.dir.iterdir():
            path.unlink(missing_ok=True)


class RedisStore:
    """Redis (``REDIS_URL``): shared by every worker and instance; entries expire by TTL."""

    shared = True

    def __init__(self, url: str, prefix: str, ttl: float):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.prefix, self.ttl = prefix, max(1, int(ttl))

    def get(self, key: str) -> bytes | None:
        return self.redis.get(self.prefix + _digest(key))

    def put(self, key: str, raw: bytes) -> None:
        self.redis.set(self.prefix + _digest(key), raw, ex=self.ttl)

    def clear(self) -> None:
        batch = []
        for name in self.redis.scan_iter(match=self.prefix + "*", count=1000):
            batch.append(name)
            if len(batch) >= 1000:
                self.redis.delete(*batch)
                batch = []
        if batch:
            self.redis.delete(*batch)


class NearCache:
    """This process's copy of the entries it served lately, in front of a shared store.

    Saves a hit the store's round trip and the entry's parsing. Safe because a hit is
    served only when the entry's validator matches the database *now*, whichever copy it
    came from; a copy that no longer matches is dropped and the shared store asked (another
    process may have stored the fresh page). Bounded by bytes of body and by age
    (``PAGE_CACHE_LOCAL_MB``, ``PAGE_CACHE_LOCAL_SECONDS``).
    """

    def __init__(self, max_bytes: int, ttl: float):
        self.max_bytes, self.ttl = max_bytes, ttl
        self.bytes = 0
        self._data: OrderedDict[str, tuple[float, Entry]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if time.monotonic() - hit[0] > self.ttl:
                self._remove(key)
                return None
            self._data.move_to_end(key)
            return hit[1]

    def put(self, entry: Entry) -> None:
        size = len(entry.body)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            self._remove(entry.key)
            self._data[entry.key] = (time.monotonic(), entry)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._remove(next(iter(self._data)))

    def forget(self, key: str) -> None:
        with self._lock:
            self._remove(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0

    def _remove(self, key: str) -> None:
        old = self._data.pop(key, None)
        if old is not None:
            self.bytes -= len(old[1].body)


def make_store(config) -> MemoryStore | FileStore | RedisStore:
    """The configured store: PAGE_CACHE_STORE, else Redis with REDIS_URL, else files."""
    ttl = float(config["PAGE_CACHE_SECONDS"])
    kind = config.get("PAGE_CACHE_STORE") or ("redis" if config.get("REDIS_URL") else "file")
    if kind == "redis":
        return RedisStore(config["REDIS_URL"], config["PAGE_CACHE_PREFIX"], ttl)
    if kind == "file":
        return FileStore(config["PAGE_CACHE_DIR"], ttl)
    if kind == "memory":
        return MemoryStore(ttl)
    raise RuntimeError(f"PAGE_CACHE_STORE must be redis, file or memory, not {kind!r}")


# --------------------------------------------------------------------------- validators

_product_sql: dict[str, tuple[str, bool]] = {}
_SLUG = "__page_cache_slug__"
_PLACEHOLDERS = {"pyformat": "%(slug)s", "named": ":slug", "qmark": "?", "format": "%s", "numeric": ":1"}


def product_sql(dialect) -> tuple[str, bool]:
    """The product page's validating statement as the driver takes it: SQL text, and whether
    its one parameter (the slug) goes by name. Built once per dialect from the product head's
    statement; run as driver SQL both when a view stores a page and when a hit is checked,
    so both read the driver's own values (no type processing on either side)."""
    cached = _product_sql.get(f"{dialect.name}+{dialect.driver}")
    if cached is None:
        from storefront.catalog.queries import head_statement
        from storefront.guides.models import Guide

        stmt = head_statement(sa.select(sa.func.count()).select_from(Guide).scalar_subquery(),
                              sa.select(sa.func.max(Guide.updated_at)).scalar_subquery(),
                              slug=sa.literal_column(_SLUG))
        text = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if text.count(_SLUG) != 1:
            raise RuntimeError("the product validator's statement must name the slug once")
        cached = (text.replace(_SLUG, _PLACEHOLDERS[dialect.paramstyle]),
                  dialect.paramstyle in ("pyformat", "named"))
        _product_sql[f"{dialect.name}+{dialect.driver}"] = cached
    return cached


def _product_row_state(row) -> list | None:
    # Strings and None only: already what JSON gives back, so it compares with a stored one.
    return None if row is None else [str(v) if v is not None else None for v in row]


def product_validator(session, slug: str) -> list | None:
    """What a shared product page shows that can change: None when it is not published."""
    return product_state(session.connection(), slug)


def product_state(conn: sa.Connection, slug: str) -> list | None:
    """``product_validator`` on a connection."""
    sql, named = product_sql(conn.dialect)
    return _product_row_state(conn.exec_driver_sql(sql, {"slug": slug} if named else (slug,)).first())


def product_state_dbapi(conn: sa.Connection, slug: str) -> list | None:
    """``product_state`` straight on the driver's connection (the freshness check's: it is
    in autocommit, so a statement is all it takes; SQLAlchemy's execution work is most of a
    hit's cost otherwise)."""
    sql, named = product_sql(conn.dialect)
    rows = _driver_rows(conn, sql, {"slug": slug} if named else (slug,))
    return _product_row_state(rows[0] if rows else None)


def _driver_rows(conn: sa.Connection, sql: str, params) -> list:
    """``sql`` run on the driver's own connection under ``conn``: its rows, as the driver
    gives them (no SQLAlchemy execution or type processing)."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def catalogue_validator(session, ids: list[int]) -> list:
    """The catalogue version and the availability of the products a listing shows (on a
    session, or on the freshness check's own connection)."""
    from storefront.catalog.display import availability
    from storefront.catalog.queries import version_and_stock

    version, stock = version_and_stock(session, ids)
    return listing_validator(version, stock, ids, availability)


_catalogue_sql: dict[str, tuple[str, list]] = {}
_IDS = "__page_cache_ids__"


def catalogue_sql(dialect) -> tuple[str, list]:
    """The catalogue validator's statement as the driver takes it, and the result processors
    of its columns that have one (column index, processor): on PostgreSQL the newest
    ``updated_at`` (UTC made explicit), on SQLite that too (text parsed into a datetime).

    Built once per dialect from ``version_and_stock``'s statement, with one positional
    parameter per shown id to go in place of ``__page_cache_ids__`` (``catalogue_ids_sql``:
    pages showing as many products share one statement, which the driver prepares). The freshness
    check applies the processors itself, so its rows are what a SQLAlchemy execution gives
    the listing view, and the validators compare."""
    cached = _catalogue_sql.get(f"{dialect.name}+{dialect.driver}")
    if cached is None:
        from storefront.catalog.queries import version_and_stock_statement

        stmt = version_and_stock_statement([sa.literal_column(_IDS)])
        text = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if text.count(_IDS) != 1:
            raise RuntimeError("the catalogue validator's statement must name the ids once")
        processors = [(i, proc) for i, c in enumerate(stmt.selected_columns)
                      if (proc := c.type.dialect_impl(dialect).result_processor(dialect, None)) is not None]
        cached = (text, processors)
        _catalogue_sql[f"{dialect.name}+{dialect.driver}"] = cached
    return cached


_catalogue_ids_sql: dict[tuple[str, int], str] = {}
_POSITIONAL = {"pyformat": "%s", "format": "%s", "qmark": "?"}


def catalogue_ids_sql(dialect, text: str, n: int) -> str:
    """``catalogue_sql``'s text with ``n`` positional parameters for the ids (``NULL`` for none)."""
    key = (f"{dialect.name}+{dialect.driver}", n)
    sql = _catalogue_ids_sql.get(key)
    if sql is None:
        mark = _POSITIONAL.get(dialect.paramstyle)
        if mark is None:
            raise RuntimeError(f"no positional parameters for paramstyle {dialect.paramstyle!r}")
        sql = text.replace(_IDS, ", ".join([mark] * n) or "NULL")
        if len(_catalogue_ids_sql) < 1024:
            _catalogue_ids_sql[key] = sql
    return sql


def catalogue_state_dbapi(conn: sa.Connection, ids: list[int]) -> list:
    """``catalogue_validator`` straight on the driver's connection (the freshness check's)."""
    from storefront.catalog.display import availability
    from storefront.catalog.queries import version_and_stock_from_rows

    text, processors = catalogue_sql(conn.dialect)
    sql = catalogue_ids_sql(conn.dialect, text, len(ids))
    raw = _driver_rows(conn, sql, tuple(ids))
    rows = raw
    if processors:
        rows = [list(row) for row in raw]
        for row in rows:
            for i, proc in processors:
                row[i] = proc(row[i])
    version, stock = version_and_stock_from_rows(rows)
    return listing_validator(version, stock, ids, availability)


def listing_validator(version, stock: dict[int, int], ids: list[int], availability) -> list:
    """The validator of a listing, from what the view already read (before rendering)."""
    return _normal([version, [availability(stock.get(i, 0)) for i in ids]])


def _normal(value: Any) -> Any:
    """As stored (JSON): tuples become lists, so a fresh value compares equal to a stored one."""
    return json.loads(json.dumps(value, default=str))


def opt_in(environ: dict, kind: str, validator: Any, ids: list[int] | None = None,
           query: str | None = None) -> None:
    """A view says: this response is the shared page, valid while ``validator`` holds (a
    catalogue view also says which canonical query it rendered: ``catalogue_query``)."""
    if ENVIRON_KEY in environ:
        environ[ENVIRON_KEY] = {"kind": kind, "validator": _normal(validator), "ids": list(ids or []),
                                "query": query}


def listening(environ: dict) -> bool:
    """Whether the cache would store this response (an anonymous GET of a cached path)."""
    return ENVIRON_KEY in environ


# --------------------------------------------------------------------------- freshness check

class FreshnessCheck:
    """The connection every hit's validating statement runs on: one per thread, kept open.

    A hit needs one read of committed data, so it skips the session (begin, rollback, pool
    checkout, ``pool_pre_ping``'s extra round trip): the connection is in autocommit, one
    round trip per hit. A connection that fails (a restarted database, a terminated backend)
    is dropped and the statement tried once on a new one; if that fails too the hit is
    refused and the app answers (503 on a database outage).
    """

    def __init__(self, app):
        self.app = app
        self._engine = None
        self._local = threading.local()

    def engine(self):
        if self._engine is None:
            from storefront.extensions import db

            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def _connection(self) -> tuple[sa.Connection, bool]:
        """This thread's connection, and whether it was just opened."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn, False
        # Opened after a fork (gunicorn's workers), never shared with the parent's.
        conn = self.engine().connect().execution_options(isolation_level="AUTOCOMMIT")
        self._local.conn, self._local.pid = conn, os.getpid()
        return conn, True

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.invalidate()  # the DBAPI connection is closed, never returned to the pool
            except Exception:  # noqa: BLE001 - it is being thrown away
                log.debug("page cache: closing a failed connection", exc_info=True)

    def run(self, read):
        """``read(connection)`` on this thread's connection, reconnecting once on failure."""
        conn, fresh = self._connection()
        errors = (sa.exc.DBAPIError, conn.dialect.loaded_dbapi.Error)  # reads may use the driver
        try:
            return read(conn)
        except errors:
            self._drop()
            if fresh:
                raise
        conn, _ = self._connection()
        try:
            return read(conn)
        except errors:
            self._drop()
            raise

    def close(self) -> None:
        """Close this thread's connection (tests; a process exiting closes its own)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and self._local.pid == os.getpid():
            conn.close()


def entry_state(conn: sa.Connection, entry: Entry, *, dbapi: bool = False) -> Any:
    """The current validator of a stored page, read on ``conn`` (with ``dbapi``, on the
    driver's connection underneath)."""
    if entry.kind == "product":
        from urllib.parse import unquote

        slug = unquote(entry.key.rsplit("/", 1)[1].split("?", 1)[0])
        return product_state_dbapi(conn, slug) if dbapi else product_state(conn, slug)
    return catalogue_state_dbapi(conn, entry.ids) if dbapi else catalogue_validator(conn, entry.ids)


# --------------------------------------------------------------------------- middleware

def page_kind(path: str) -> str | None:
    """Which cached page a path is: the catalogue, a product page, or none."""
    if path in ("/", "/products"):
        return "catalogue"
    if path.startswith("/products/"):
        slug = path[len("/products/"):]
        if slug and "/" not in slug:
            return "product"
    return None


def _sorted_query(raw: str) -> str:
    pairs = sorted(parse_qsl(raw, keep_blank_values=True)) if raw else None
    return urlencode(pairs) if pairs else ""


# raw query string -> the catalogue's own spelling of it (a pure function of the string)
_catalogue_queries = CatalogCache(ttl=float("inf"), size=4096)


def catalogue_query(raw: str) -> str:
    """A catalogue query as the catalogue page itself writes its links (``Filters.to_query``):
    parameters in one order, blanks, defaults (``page=1``, ``per_page=24``), repeats and
    parameters the page ignores (``utm_source``...) dropped, so every spelling of one filter
    state shares one entry. A query the page reports errors for keeps its sorted pairs (it
    is answered 422 and never stored)."""
    if not raw:
        return ""
    hit = _catalogue_queries.get(raw)
    if hit is None:
        from werkzeug.wrappers import Request

        from storefront.web.catalog import parse_query

        # Parsed as the view will parse it (werkzeug's ``request.args``), so the key names
        # the state the view renders; the view confirms it before the page is stored.
        filters, errors = parse_query(Request({"QUERY_STRING": raw}).args)
        hit = _sorted_query(raw) if errors else urlencode(filters.to_query())
        _catalogue_queries.put(raw, hit)
    return hit


def canonical_key(environ: dict, build: str, kind: str | None = None) -> str:
    """Origin + path + the query: the catalogue's canonical spelling for a catalogue page
    (``catalogue_query``), else the query's pairs sorted (``?b=2&a=1`` is ``?a=1&b=2``)."""
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    raw = environ.get("QUERY_STRING", "")
    query = catalogue_query(raw) if kind == "catalogue" else _sorted_query(raw)
    return (f"{build} {environ.get('wsgi.url_scheme', 'http')}://{host}"
            f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}{'?' + query if query else ''}")


class PageCache:
    """The WSGI middleware (see the module docstring)."""

    def __init__(self, wsgi_app, app, store, build: str, near: NearCache | None = None):
        self.wsgi_app = wsgi_app
        self.app = app
        self.store = store
        self.build = build
        self.near = near
        self.private_cookies = (app.config.get("SESSION_COOKIE_NAME") or "session",
                                app.config.get("REMEMBER_COOKIE_NAME") or "remember_token")
        self.freshness = FreshnessCheck(app)

    def anonymous(self, environ: dict) -> bool:
        """No session, no remember-me cookie, no credentials: the visitor everyone is."""
        if environ.get("HTTP_AUTHORIZATION"):
            return False
        raw = environ.get("HTTP_COOKIE")
        if raw:
            cookies = parse_cookie(raw)
            if any(name in cookies for name in self.private_cookies):
                return False
        return True

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        kind = page_kind(environ.get("PATH_INFO", "")) if method in ("GET", "HEAD") else None
        if kind is None or not self.anonymous(environ):
            return self.wsgi_app(environ, start_response)
        key = canonical_key(environ, self.build, kind)
        try:
            entry = self.fresh_entry(key)
        except Exception:  # noqa: BLE001 - the app answers (503 on a database outage)
            log.warning("page cache validation failed", exc_info=True)
            entry = None
        if entry is not None:
            start_response("200 OK", entry.hit_headers())
            return [] if method == "HEAD" else [entry.body]
        if method != "GET":
            return self.wsgi_app(environ, start_response)
        return self.render_and_store(environ, start_response, key, kind)

    def lookup(self, key: str) -> Entry | None:
        try:
            raw = self.store.get(key)
        except Exception:  # noqa: BLE001 - a store outage serves pages from the app
            log.warning("page cache store unavailable", exc_info=True)
            return None
        if raw is None:
            return None
        entry = Entry.loads(raw)
        return entry if entry.key == key else None

    def clear(self) -> None:
        """Forget every stored page (the shared store, and this process's copies)."""
        self.store.clear()
        if self.near is not None:
            self.near.clear()

    def fresh_entry(self, key: str) -> Entry | None:
        """The stored page for ``key`` if its validator still holds (raises when the check
        cannot be made): this process's copy first, then the shared store."""
        near = self.near
        entry = near.get(key) if near is not None else None
        if entry is not None:
            if self.current_state(entry) == entry.validator:
                return entry
            near.forget(key)  # another process may have stored the fresh page
        entry = self.lookup(key)
        if entry is None or self.current_state(entry) != entry.validator:
            return None
        if near is not None:
            near.put(entry)
        return entry

    def current_state(self, entry: Entry) -> Any:
        """Re-read the entry's validator from the database (one statement)."""
        from flask import current_app, has_app_context

        if has_app_context() and current_app._get_current_object() is self.app:
            # An app context already pushed for this app (a job warming pages, a test)
            # reads through its session: what that session sees is what it renders.
            from storefront.extensions import db

            try:
                return entry_state(db.session.connection(), entry)
            finally:
                db.session.rollback()
        return self.freshness.run(lambda conn: entry_state(conn, entry, dbapi=True))  # a server's requests

    def render_and_store(self, environ, start_response, key: str, kind: str):
        environ[ENVIRON_KEY] = {}
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            opted = environ.get(ENVIRON_KEY) or {}
            names = {name.lower() for name, _ in headers}
            cache_control = ",".join(v for n, v in headers if n.lower() == "cache-control").lower()
            ctype = ",".join(v for n, v in headers if n.lower() == "content-type")
            # A catalogue page is stored under its canonical query only if that is the state
            # the view rendered (the key's parse and the view's agree; else it is not kept).
            same_state = kind != "catalogue" or opted.get("query") == catalogue_query(environ.get("QUERY_STRING", ""))
            if (opted.get("kind") == kind and same_state and status.startswith("200 ") and "set-cookie" not in names
                    and "no-store" not in cache_control and "private" not in cache_control
                    and ctype.startswith("text/html") and exc_info is None):
                headers = shared_headers(headers)
                captured["headers"] = headers
                headers = [*headers, (HEADER, "miss")]
            return start_response(status, headers, exc_info)

        app_iter = self.wsgi_app(environ, capture)
        if "headers" not in captured:
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        opted = environ[ENVIRON_KEY]
        entry = Entry(key, kind, opted["validator"], opted["ids"],
                      [h for h in captured["headers"] if h[0].lower() not in _DROP_HEADERS], body)
        try:
            self.store.put(key, entry.dumps())
        except Exception:  # noqa: BLE001 - the page is still answered
            log.warning("page cache store unavailable", exc_info=True)
        if self.near is not None:
            self.near.put(entry)
        return [body]


def shared_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A shared page's headers: ``Vary: Cookie`` (a session changes the page) and no-cache."""
    out = [(n, v) for n, v in headers if n.lower() not in ("vary", "cache-control")]
    vary = [v.strip() for n, val in headers if n.lower() == "vary" for v in val.split(",") if v.strip()]
    if not any(v.lower() == "cookie" for v in vary):
        vary.append("Cookie")
    out.append(("Vary", ", ".join(vary)))
    out.append(("Cache-Control", CACHE_CONTROL))
    return out


def build_id(app) -> str:
    """Templates and the settings pages show, hashed: a deploy that changes them starts afresh."""
    from storefront.security import content_security_policy

    h = hashlib.sha256()
    templates = Path(app.template_folder)
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(templates).as_posix().encode() + b"\0" + path.read_bytes())
    for name in ("SHOP_NAME", "SITE_URL", "MEDIA_PUBLIC_URL", "CATALOG_PER_PAGE"):
        h.update(f"{name}={app.config.get(name)!r}".encode())
    h.update(content_security_policy(app.config).encode())
    return h.hexdigest()[:16]


def init_app(app) -> None:
    """Wrap the app in the page cache (before CanonicalOrigin wraps it) unless it is off."""
    if float(app.config.get("PAGE_CACHE_SECONDS") or 0) <= 0:
        return
    store = make_store(app.config)
    near = None
    local_mb = float(app.config.get("PAGE_CACHE_LOCAL_MB") or 0)
    if store.shared and local_mb > 0:
        near = NearCache(int(local_mb * 1024 * 1024),
                         min(float(app.config["PAGE_CACHE_SECONDS"]),
                             float(app.config.get("PAGE_CACHE_LOCAL_SECONDS") or 60)))
    cache = PageCache(app.wsgi_app, app, store, build_id(app), near)
    app.wsgi_app = cache
    app.extensions["page_cache"] = cache
    from storefront.catalog.cache import on_catalogue_change

    on_catalogue_change(app, _enqueue_warming)


def page_cache(app) -> PageCache | None:
    """The app's page cache (None when it is off)."""
    return app.extensions.get("page_cache")


# --------------------------------------------------------------------------- warming

WARM_JOB = "storefront.web.page_cache.warm_pages"
# ``enqueue_on_worker(path, **kwargs)`` from storefront.jobs, set by create_app.
ENQUEUE = "page_cache_enqueue"


def _enqueue_warming(app) -> None:
    """After an import or a publish: pre-render the pages in a worker (never inline: a
    request or a CLI command must not render thousands of pages)."""
    cache = page_cache(app)
    enqueue = app.extensions.get(ENQUEUE)
    if cache is None or not cache.store.shared or not app.config.get("PAGE_CACHE_WARM") or not enqueue:
        return
    enqueue(WARM_JOB, job_timeout=3600)


def listing_urls(listing_pages: int) -> list[str]:
    """The front page and the catalogue's first ``listing_pages`` pages."""
    return ["/", "/products"] + [f"/products?page={n}" for n in range(2, listing_pages + 1)]


def product_urls(session) -> list[str]:
    """Every published product page."""
    from urllib.parse import quote

    from storefront.catalog.queries import published_slugs

    return [f"/products/{quote(slug)}" for slug, _ in published_slugs(session)]


_LISTING_HREF = re.compile(r'href="(/products\?[^"#]*)"')


def filter_links(body: str) -> list[str]:
    """The filter states a catalogue page links to (facet toggles, active-filter chips,
    "clear", "any price"), first pages only, in canonical spelling and page order."""
    out: list[str] = []
    for href in _LISTING_HREF.findall(body):
        query = catalogue_query(html.unescape(href).split("?", 1)[1])
        if not query or "page" in dict(parse_qsl(query)):  # the catalogue itself, or a later page
            continue
        url = "/products?" + query
        if url not in out:
            out.append(url)
    return out


def filter_states(fetch, seeds: list[str], budget: int) -> list[str]:
    """Up to ``budget`` filter states, breadth first from the links in ``seeds`` (pages'
    bodies): every facet link the catalogue offers, then the combinations those pages offer,
    and so on. ``fetch(url)`` warms one page and returns its body."""
    queue: list[str] = []
    seen: set[str] = set()

    def follow(body: str) -> None:
        for url in filter_links(body):
            if url not in seen and len(seen) < budget:
                seen.add(url)
                queue.append(url)

    for body in seeds:
        follow(body)
    done: list[str] = []
    while queue:
        url = queue.pop(0)
        done.append(url)
        follow(fetch(url))
    return done


def warm_pages(listing_pages: int | None = None, filters: int | None = None) -> dict[str, int]:
    """Fetch the pages the cache keeps, as an anonymous visitor would (a CDN warm-up): the
    catalogue's first pages, up to ``filters`` filter states the catalogue links to
    (``PAGE_CACHE_WARM_FILTERS``; ``filter_states``), then every product page.

    A page already stored and still valid costs one validating statement; the others are
    rendered and stored. Runs in the worker (``storefront pages warm`` runs it in the CLI).
    """
    from flask import current_app

    from storefront.extensions import db

    app = current_app._get_current_object()
    counts = {"pages": 0, "hits": 0, "stored": 0, "other": 0, "filters": 0}
    if page_cache(app) is None:
        return counts
    n = int(listing_pages if listing_pages is not None else app.config.get("PAGE_CACHE_WARM_LISTING_PAGES", 5))
    budget = int(filters if filters is not None else app.config.get("PAGE_CACHE_WARM_FILTERS", 0))
    products = product_urls(db.session)
    db.session.remove()
    client = app.test_client(use_cookies=False)

    def fetch(url: str) -> str:
        response = client.get(url)
        state = response.headers.get(HEADER)
        counts["pages"] += 1
        counts["hits" if state == "hit" else "stored" if state == "miss" else "other"] += 1
        body = response.get_data(as_text=True) if response.status_code == 200 else ""
        response.close()
        db.session.remove()  # the job's app context spans every request: keep it small
        return body

    seeds = [fetch(url) for url in listing_urls(n)]
    counts["filters"] = len(filter_states(fetch, seeds[:2], budget)) if budget > 0 else 0
    for url in products:
        fetch(url)
    return counts


# --------------------------------------------------------------------------- CLI

def pages_cli():
    """`storefront pages warm / clear`: the shared page cache from the command line."""
    import click
    from flask.cli import AppGroup

    group = AppGroup("pages", help="The shared page cache for anonymous visitors.")

    @group.command("warm")
    @click.option("--listing-pages", type=int, default=None,
                  help="How many catalogue pages (default PAGE_CACHE_WARM_LISTING_PAGES).")
    @click.option("--filters", type=int, default=None,
                  help="How many filter states the catalogue links to (default PAGE_CACHE_WARM_FILTERS).")
    def warm_command(listing_pages: int | None, filters: int | None) -> None:
        """Render the catalogue's first pages, the filter states it links to and every
        product page into the store."""
        from flask import current_app

        if page_cache(current_app) is None:
            raise click.ClickException("the page cache is off (PAGE_CACHE_SECONDS=0)")
        started = time.perf_counter()
        c = warm_pages(listing_pages, filters)
        click.echo(f"{c['pages']} pages: {c['stored']} rendered and stored, {c['hits']} already "
                   f"stored, {c['other']} not cacheable ({c['filters']} filter states); "
                   f"{time.perf_counter() - started:.1f} s")

    @group.command("clear")
    def clear_command() -> None:
        """Forget every stored page."""
        from flask import current_app

        cache = page_cache(current_app)
        if cache is not None:
            cache.clear()
        click.echo("page cache cleared")

    return group
