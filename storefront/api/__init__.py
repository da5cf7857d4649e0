"""JSON API blueprints (flask-smorest) and the error body they document."""

from __future__ import annotations

import marshmallow as ma


class ErrorSchema(ma.Schema):
    """The JSON error body of every API route (see ``storefront.errorhandlers``)."""

    code = ma.fields.String(required=True, metadata={"description": "Stable error code, e.g. not_found."})
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable message."})
    errors = ma.fields.Dict(required=True, metadata={
        "description": "Field errors keyed by field path (empty when none)."})
