"""A small per-process cache for values derived from the catalogue."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class CatalogCache:
    """A small per-process LRU with a time limit, for values derived from the catalogue.

    Callers put the catalogue's version (product count and newest ``updated_at``, one
    indexed probe) in their keys, so an entry is only reused while the data it came from
    is unchanged; ``ttl`` bounds staleness for changes the probe cannot see (edits to
    wavelength bands alone, which every editing path pairs with a product update anyway).
    """

    def __init__(self, ttl: float = 30.0, size: int = 512):
        self.ttl = ttl
        self.size = size
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            stored, value = hit
            if time.monotonic() - stored > self.ttl:
                del self._data[key]
                return None
            self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = (time.monotonic(), value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


# The app's two catalogue caches, used by the pages and the JSON API alike. They live in
# ``app.extensions`` so each app (and each test app) has its own.


def init_app(app, ttl: float) -> None:
    """Create the app's catalogue caches (none when ``ttl`` is 0: caching off)."""
    if ttl > 0:
        app.extensions["catalog_cache"] = CatalogCache(ttl=ttl, size=2048)
        app.extensions["catalog_fragments"] = CatalogCache(ttl=ttl, size=512)


def catalog_cache(app) -> CatalogCache | None:
    """Totals, facet counts and page ids per filter state (None when caching is off)."""
    return app.extensions.get("catalog_cache")


def fragment_cache(app) -> CatalogCache | None:
    """Rendered listing fragments and API list bodies (None when caching is off)."""
    return app.extensions.get("catalog_fragments")


def clear_caches(app) -> None:
    """Forget everything cached from the catalogue (tests; after restoring a backup)."""
    for cache in (catalog_cache(app), fragment_cache(app)):
        if cache is not None:
            cache.clear()


CHANGE_HOOKS = "catalog_change_hooks"


def on_catalogue_change(app, hook) -> None:
    """Call ``hook(app)`` after an import or a publish has been committed."""
    app.extensions.setdefault(CHANGE_HOOKS, []).append(hook)


def catalogue_changed(app) -> None:
    """Tell the listeners (the page cache's warming) that the catalogue changed."""
    for hook in app.extensions.get(CHANGE_HOOKS, ()):
        try:
            hook(app)
        except Exception:  # noqa: BLE001 - a listener's failure never undoes the change
            import logging

            logging.getLogger(__name__).warning("catalogue change hook failed", exc_info=True)
