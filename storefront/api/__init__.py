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


def _install_json_guard() -> None:
    """Bodies json.loads chokes on in other ways (5,001-digit integers, 100,000 nested
    brackets) are "Invalid JSON body." 400s like any malformed JSON, never 500s."""
    from flask_smorest.arguments import ArgumentsMixin
    from webargs import core
    from webargs.flaskparser import FlaskParser, is_json_request

    class GuardedParser(FlaskParser):
        def _raw_load_json(self, req):
            if not is_json_request(req):
                return core.missing
            try:
                return core.parse_json(req.get_data(cache=True))
            except (ValueError, RecursionError) as exc:
                self._handle_invalid_json_error(exc, req)

    ArgumentsMixin.ARGUMENTS_PARSER = GuardedParser()


_install_json_guard()
