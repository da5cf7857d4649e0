"""Typed domain errors with stable codes, rendered as JSON or HTML at the edge."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A failure the client can act on; carries a stable code and an HTTP status."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, errors: dict[str, Any] | None = None,
                 code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
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
