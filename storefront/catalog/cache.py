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
