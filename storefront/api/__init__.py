"""JSON API blueprints (flask-smorest) and the error body they document."""

from __future__ import annotations

import marshmallow as ma


class ErrorSchema(ma.Schema):
    """The JSON error body of every API route (see ``storefront.errorhandlers``)."""

    code = ma.fields.String(required=True, metadata={"description": "Stable error code, e.g. not_found."})
    status = ma.fields.Integer(required=True, metadata={"description": "HTTP status code."})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable message."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True,
        metadata={"description": "Field errors: each key a field path such as `lines[0].quantity` "
                                 "or `shipping_address.postal_code` (`_schema` for the body as a "
                                 "whole), each value the list of messages; empty when none.",
                  "example": {"items[0].quantity": ["Must be greater than or equal to 1."]}})
