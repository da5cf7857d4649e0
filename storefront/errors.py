"""Typed domain errors with stable codes, rendered as JSON or HTML at the edge.

Field errors are a flat mapping from a field path to a list of messages. Paths read like the
seed loader's: names joined by dots, list indexes in brackets (``lines[0].quantity``,
``shipping_address.postal_code``, ``items[1].sku``); errors about the whole body use ``_schema``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROOT_KEY = "_schema"


def _is_index(key: Any) -> bool:
    if isinstance(key, bool):
        return False
    return isinstance(key, int) or (isinstance(key, str) and (key.isascii() and key.isdigit()))


def field_path(*parts: str | int) -> str:
    """Join names and list indexes into a path: ``field_path("items", 1, "sku") == "items[1].sku"``."""
    path = ""
    for part in parts:
        if part == ROOT_KEY:
            continue
        if _is_index(part):
            path = f"{path}[{int(part)}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def flatten_errors(messages: Any, prefix: str = "", *, root: str = ROOT_KEY) -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict (or any mix of nesting) into ``{path: [messages]}``.

    Already-flat keys pass through unchanged, so flattening twice is harmless.
    """
    out: dict[str, list[str]] = {}

    def add(path: str, msgs: list[str]) -> None:
        out.setdefault(path or root, []).extend(msgs)

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, field_path(path, key) if path else field_path(key))
        elif isinstance(node, (list, tuple)):
            if all(isinstance(m, str) for m in node):
                add(path, list(node))
            else:
                for m in node:
                    walk(m, path)
        elif node is not None:
            add(path, [str(node)])

    walk(messages, prefix)
    return out


class DomainError(Exception):
    """A failure the client can act on; carries a stable code and an HTTP status."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None,
                 code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = flatten_errors(errors) if errors else {}
        if code:
            self.code = code
        if status:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "message": self.message,
                "errors": self.errors}


class ValidationError(DomainError):
    code = "validation_error"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409
