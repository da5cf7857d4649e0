"""One field-path style for every error: ``lines[0].quantity``, ``shipping_address.postal_code``."""

from __future__ import annotations

from storefront.errorhandlers import api_field_errors
from storefront.errors import DomainError, ValidationError, field_path, flatten_errors


def test_field_path_joins_names_with_dots_and_indexes_in_brackets():
    assert field_path("items", 1, "sku") == "items[1].sku"
    assert field_path("lines", "0", "customisations", "wavelengths_nm", 2) == \
        "lines[0].customisations.wavelengths_nm[2]"
    assert field_path("shipping_address", "postal_code") == "shipping_address.postal_code"
    assert field_path("lines", 3, "_schema") == "lines[3]"


def test_flatten_marshmallow_nesting():
    nested = {
        "lines": {0: {"quantity": ["Too small."], "customisations": {"wavelengths_nm": {1: ["Out of range."]}}},
                  "2": {"_schema": ["Give a SKU or a kind."]}},
        "shipping_address": {"postal_code": ["Missing data for required field."]},
        "_schema": ["Invalid input type."],
        "email": ["Not a valid email address.", "Too long."],
    }
    assert flatten_errors(nested) == {
        "lines[0].quantity": ["Too small."],
        "lines[0].customisations.wavelengths_nm[1]": ["Out of range."],
        "lines[2]": ["Give a SKU or a kind."],
        "shipping_address.postal_code": ["Missing data for required field."],
        "_schema": ["Invalid input type."],
        "email": ["Not a valid email address.", "Too long."],
    }


def test_flatten_is_idempotent_and_merges_paths():
    flat = {"items[1].sku": ["Unknown."], "Idempotency-Key": ["Invalid format."]}
    assert flatten_errors(flat) == flat
    assert flatten_errors({"items[0]": {"sku": ["a"]}, "items": {0: {"sku": ["b"]}}}) == {"items[0].sku": ["a", "b"]}
    assert flatten_errors({"body": ["empty"]}, "message") == {"message.body": ["empty"]}


def test_domain_errors_are_always_flat():
    err = ValidationError("bad", errors={"attachment": {"content_base64": ["not valid base64"]}})
    assert err.errors == {"attachment.content_base64": ["not valid base64"]}
    assert DomainError("x").to_dict()["errors"] == {}


def test_webargs_locations_are_dropped_and_merged():
    messages = {"json": {"lines": {0: {"quantity": ["Too small."]}}},
                "headers": {"Idempotency-Key": ["Invalid."]}}
    assert api_field_errors(messages) == {"lines[0].quantity": ["Too small."],
                                          "Idempotency-Key": ["Invalid."]}
    assert api_field_errors({"query": {"page": ["Bad."]}}) == {"page": ["Bad."]}
    assert api_field_errors(None) == {}


def test_api_422_uses_flat_paths(client):
    resp = client.post("/api/v1/quotes", json={"lines": [{"quantity": 0}]})
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert "lines[0].quantity" in errors and "company" in errors
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())


def test_405_keeps_the_allow_header(client):
    resp = client.delete("/api/v1/products")
    assert resp.status_code == 405
    assert "GET" in resp.headers.get("Allow", "")
    assert resp.get_json()["code"] == "method_not_allowed"
