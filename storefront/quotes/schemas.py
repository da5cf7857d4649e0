"""Marshmallow schemas for quote requests (JSON API and HTML form share them) and price queries."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from storefront.catalog.models import Kind
from storefront.catalog.schemas import StrictInt
from storefront.quotes.models import BuyerType
from storefront.quotes.pricing import CURRENCIES

# Certifications a buyer can require of a build (fixed list: staff quote against known costs).
CERTIFICATIONS = (
    "FDA 510(k)",
    "CE",
    "UKCA",
    "FCC",
    "UL",
    "ETL",
    "RoHS",
    "IEC 60601-1",
    "IEC 60601-2-57",
    "IEC 60601-2-22",
    "IEC 62471",
    "ISO 13485",
    "Health Canada",
    "TGA",
)
MAX_LINES = 20
MAX_QUANTITY = 1_000_000
MAX_PRICE = 100_000_000  # minor units
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,30}$")
SKU_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,63}$")


@cache
def countries() -> tuple[tuple[str, str], ...]:
    """ISO 3166-1 alpha-2 codes and English names, as shipped with the package."""
    data = json.loads(resources.files("storefront.quotes").joinpath("countries.json").read_text("utf-8"))
    return tuple((c["code"], c["name"]) for c in data["countries"])


@cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _ in countries())


class SingleLine(fields.String):
    """A one-line string: CR, LF and other control characters are refused, not stripped.

    These values end up in email headers and CSV cells; a line break there is an injection.
    """

    default_error_messages = {"line_break": "must be a single line (no line breaks or control characters)"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise self.make_error("line_break")
        return text.strip()


class MultiLine(fields.String):
    """Free text: line breaks and tabs allowed, other control characters refused."""

    default_error_messages = {"control": "must not contain control characters"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).replace("\r\n", "\n")
        if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text.replace("\r", "\n")):
            raise self.make_error("control")
        return text.strip()


class StrictBool(fields.Boolean):
    """true / false only (the form adapter converts checkbox values before loading)."""

    truthy = {True}
    falsy = {False}


def _opt(field_cls, *args, **kwargs):
    return field_cls(*args, load_default=None, allow_none=True, **kwargs)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class QuoteCustomisationsSchema(_Strict):
    private_label = StrictBool(load_default=False)
    logo = StrictBool(load_default=False)  # print the buyer's logo (attach it to the request)
    wavelengths_nm = fields.List(
        StrictInt(validate=validate.Range(200, 1500, error="must be between 200 and 1500")),
        load_default=list,
        validate=validate.Length(max=8, error="at most 8 wavelengths"),
    )
    led_count = _opt(StrictInt, validate=validate.Range(1, 100_000, error="must be between 1 and 100000"))
    packaging = _opt(SingleLine, validate=validate.Length(max=200))
    certifications = fields.List(
        fields.String(validate=validate.OneOf(CERTIFICATIONS, error="must be one of: {choices}")),
        load_default=list,
    )

    @validates("wavelengths_nm")
    def _unique_nm(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("each wavelength may appear only once")

    @validates("certifications")
    def _unique_cert(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("each certification may appear only once")

    @post_load
    def _compact(self, data, **kwargs):
        # Store only what was asked for, so an empty request compares equal to {}.
        return {k: v for k, v in data.items() if v not in (None, False, [], "")}


class QuotePractitionerSchema(_Strict):
    licence_number = SingleLine(required=True, validate=validate.Length(2, 80))
    practice_name = SingleLine(required=True, validate=validate.Length(2, 200))


class QuoteLineSchema(_Strict):
    sku = _opt(fields.String, validate=validate.Regexp(SKU_PATTERN, error="not a valid SKU"))
    kind = _opt(fields.String, validate=validate.OneOf([k.value for k in Kind], error="must be one of: {choices}"))
    quantity = StrictInt(required=True, validate=validate.Range(
        1, MAX_QUANTITY, error=f"must be between 1 and {MAX_QUANTITY}"))
    description = SingleLine(load_default="", validate=validate.Length(max=500))
    customisations = fields.Nested(QuoteCustomisationsSchema, load_default=dict)

    @pre_load
    def _upper_sku(self, data, **kwargs):
        if isinstance(data, dict) and isinstance(data.get("sku"), str):
            data = {**data, "sku": data["sku"].strip().upper() or None}
        return data

    @validates_schema(skip_on_field_errors=True)
    def _sku_or_kind(self, data, **kwargs):
        if data.get("sku") and data.get("kind"):
            raise ValidationError("give a catalogue sku or a custom kind, not both", "kind")
        if not data.get("sku") and not data.get("kind"):
            raise ValidationError("give a catalogue sku, or a kind for a custom device", "sku")
        if data.get("kind") and not data.get("description"):
            raise ValidationError("describe the custom device", "description")


class QuoteAttachmentSchema(_Strict):
    """A file sent through the JSON API (the HTML form uses multipart upload instead)."""

    filename = SingleLine(required=True, validate=validate.Length(1, 200))
    content_base64 = fields.String(required=True)


class QuoteRequestSchema(_Strict):
    company = SingleLine(required=True, validate=validate.Length(2, 200))
    contact_name = SingleLine(required=True, validate=validate.Length(1, 120))
    email = SingleLine(required=True, validate=[validate.Length(max=254), validate.Email()])
    phone = _opt(SingleLine, validate=validate.Regexp(_PHONE, error="not a valid phone number"))
    country = fields.String(required=True)
    buyer_type = fields.String(required=True, validate=validate.OneOf(
        [b.value for b in BuyerType], error="must be one of: {choices}"))
    practitioner = fields.Nested(QuotePractitionerSchema, load_default=None, allow_none=True)
    lines = fields.List(fields.Nested(QuoteLineSchema), required=True, validate=validate.Length(
        1, MAX_LINES, error=f"between 1 and {MAX_LINES} lines"))
    target_unit_price = _opt(StrictInt, validate=validate.Range(
        0, MAX_PRICE, error=f"must be between 0 and {MAX_PRICE} (minor units)"))
    currency = fields.String(load_default="USD", validate=validate.OneOf(CURRENCIES, error="must be one of: {choices}"))
    needed_by = _opt(fields.Date)
    notes = MultiLine(load_default="", validate=validate.Length(max=5000))
    attachment = fields.Nested(QuoteAttachmentSchema, load_default=None, allow_none=True)

    @validates("country")
    def _country(self, value, **kwargs):
        if value not in country_codes():
            raise ValidationError("must be an ISO 3166-1 alpha-2 country code such as DE or US")

    @validates("needed_by")
    def _needed_by(self, value, **kwargs):
        if value is None:
            return
        today = datetime.now(UTC).date()
        if value < today:
            raise ValidationError("must not be in the past")
        if value > today + timedelta(days=5 * 366):
            raise ValidationError("must be within five years")

    @pre_load
    def _normalise(self, data, **kwargs):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("country", "currency"):
                if isinstance(data.get(key), str):
                    data[key] = data[key].strip().upper()
        return data

    @post_load
    def _email_lower_domain(self, data, **kwargs):
        local, _, domain = data["email"].rpartition("@")
        data["email"] = f"{local}@{domain.lower()}"
        return data


class QuotePriceQuerySchema(Schema):
    sku = fields.String(required=True, validate=validate.Length(1, 64))
    quantity = fields.Integer(required=True, validate=validate.Range(
        1, MAX_QUANTITY, error=f"must be between 1 and {MAX_QUANTITY}"))

    @pre_load
    def _upper(self, data, **kwargs):
        # webargs hands over a MultiDict proxy; copy to a plain dict before changing it.
        data = {k: data.get(k) for k in data}
        if isinstance(data.get("sku"), str):
            data["sku"] = data["sku"].strip().upper()
        return data


class QuotePriceSchema(Schema):
    sku = fields.String()
    name = fields.String()
    quantity = fields.Integer()
    currency = fields.String()
    unit_price = fields.Integer()
    total = fields.Integer()
    list_price = fields.Integer()
    tier_min_qty = fields.Integer(allow_none=True)
    moq = fields.Integer(allow_none=True)
    below_moq = fields.Boolean()
    next_tier = fields.Dict(allow_none=True)
    lead_time_days = fields.Integer(allow_none=True)
    prescription = fields.Boolean()
    warnings = fields.List(fields.String())
    unit_price_display = fields.String()
    total_display = fields.String()


class QuoteCreatedSchema(Schema):
    reference = fields.String()
    status = fields.String()
    warnings = fields.List(fields.String())
