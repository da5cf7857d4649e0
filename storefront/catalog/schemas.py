"""Marshmallow schemas for product records (the seed file format and staff input).

A record is the nested JSON shape documented in ``seed/products.schema.json``; loading
one yields a fully normalised dict (every optional key present) so that two records can
be compared for equality to decide created / updated / unchanged.
"""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

from storefront.catalog.models import Kind, Regulatory, Status
from storefront.compliance import laser_class

# \Z, not $: in Python "$" also matches just before a trailing newline ("AB\n").
SKU_RE = r"^[A-Z0-9][A-Z0-9._-]{1,63}\Z"
SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
K_NUMBER_RE = re.compile(r"^K[0-9]{6}\Z")
US_LASER_CLASSES = laser_class.US_CLASSES
IEC_LASER_CLASSES = laser_class.IEC_CLASSES


class StrictInt(fields.Integer):
    """An integer that refuses booleans, floats and numeric strings."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class Number(fields.Float):
    """A JSON number (int or float); refuses booleans and strings."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._validated(value)


class StrictBool(fields.Boolean):
    """A JSON boolean only (1 == True in Python, so truthy sets would accept 1)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Text(fields.String):
    """A string stripped of surrounding whitespace."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def _opt(field_cls, *args, **kwargs):
    return field_cls(*args, load_default=None, allow_none=True, **kwargs)


def _positive(**kw):
    return validate.Range(min=0, min_inclusive=False, **kw)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class BandSchema(_Strict):
    nm = StrictInt(required=True, validate=validate.Range(200, 1500, error="must be between 200 and 1500"))
    share_pct = _opt(Number, validate=validate.Range(0, 100, min_inclusive=False))
    power_w = _opt(Number, validate=_positive())


class RegulatorySchema(_Strict):
    status = fields.String(required=True, validate=validate.OneOf([r.value for r in Regulatory]))
    k_number = _opt(Text, validate=validate.Regexp(K_NUMBER_RE, error="must be K followed by 6 digits, e.g. K123456"))
    product_code = _opt(Text, validate=validate.Regexp(r"^[A-Z]{3}\Z", error="must be 3 capital letters, e.g. ILY"))
    indications = _opt(Text, validate=validate.Length(max=4000))


class IrradianceSchema(_Strict):
    mw_cm2 = Number(required=True, validate=_positive(max=100000))
    distance_cm = Number(required=True, validate=validate.Range(0, 500))
    method = _opt(Text, validate=validate.Length(max=300))


class LaserClassSchema(_Strict):
    us = fields.String(required=True, validate=validate.OneOf(US_LASER_CLASSES))
    iec = fields.String(required=True, validate=validate.OneOf(IEC_LASER_CLASSES))


class ModeSchema(_Strict):
    type = fields.String(required=True, validate=validate.OneOf(["cw", "pulsed"]))
    hz = _opt(Number, validate=validate.Range(0, 100000, min_inclusive=False))
    duty_cycle_pct = _opt(Number, validate=validate.Range(0, 100, min_inclusive=False))

    @validates_schema
    def _pulsed_needs_hz(self, data, **kwargs):
        if data["type"] == "pulsed" and data.get("hz") is None:
            raise ValidationError({"hz": ["required for a pulsed mode"]})
        if data["type"] == "cw" and (data.get("hz") is not None or data.get("duty_cycle_pct") is not None):
            raise ValidationError({"hz": ["a continuous-wave mode has no frequency or duty cycle"]})


class DimensionsSchema(_Strict):
    length = Number(required=True, validate=_positive(max=10000))
    width = Number(required=True, validate=_positive(max=10000))
    height = Number(required=True, validate=_positive(max=10000))


class SpecsSchema(_Strict):
    led_count = _opt(StrictInt, validate=validate.Range(1, 100000))
    beam_angle_deg = _opt(Number, validate=_positive(max=180))
    coverage_cm2 = _opt(Number, validate=_positive(max=100000))
    irradiance = fields.Nested(IrradianceSchema, load_default=None, allow_none=True)
    power_draw_w = _opt(Number, validate=_positive(max=10000))
    optical_output_w = _opt(Number, validate=_positive(max=500))
    laser_class = fields.Nested(LaserClassSchema, load_default=None, allow_none=True)
    beam_divergence_mrad = _opt(Number, validate=_positive(max=2000))
    spot_size_mm = _opt(Number, validate=_positive(max=500))
    modes = fields.List(fields.Nested(ModeSchema), load_default=list)
    timer_minutes = fields.List(StrictInt(validate=validate.Range(1, 240)), load_default=list)
    dimensions_mm = fields.Nested(DimensionsSchema, load_default=None, allow_none=True)
    weight_g = _opt(Number, validate=_positive(max=1000000))


class TierSchema(_Strict):
    min_qty = StrictInt(required=True, validate=validate.Range(min=1))
    unit_price = StrictInt(required=True, validate=validate.Range(min=0, error="must be >= 0"))


class OemSchema(_Strict):
    private_label = StrictBool(load_default=False)
    custom_wavelengths = StrictBool(load_default=False)
    packaging = fields.List(Text(validate=validate.Length(1, 200)), load_default=list)
    moq = _opt(StrictInt, validate=validate.Range(min=1))
    lead_time_days = _opt(StrictInt, validate=validate.Range(0, 365))
    sample_price = _opt(StrictInt, validate=validate.Range(min=0, error="must be >= 0"))
    tiers = fields.List(fields.Nested(TierSchema), load_default=list)

    @validates_schema
    def _tiers_ascend(self, data, **kwargs):
        tiers = data.get("tiers") or []
        errors: dict = {}
        for i in range(1, len(tiers)):
            prev, cur = tiers[i - 1], tiers[i]
            if cur["min_qty"] <= prev["min_qty"]:
                errors[i] = {"min_qty": [f"tiers must ascend: {cur['min_qty']} is not above {prev['min_qty']}"]}
            elif cur["unit_price"] > prev["unit_price"]:
                errors[i] = {"unit_price": ["a larger quantity cannot have a higher unit price"]}
        if errors:
            raise ValidationError({"tiers": errors})


IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def _relative_image_path(value: str) -> None:
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
        raise ValidationError("must be a path relative to the catalogue file, inside its folder")
    if not value.lower().endswith(IMAGE_EXTENSIONS):
        raise ValidationError("must name a .jpg, .png or .webp file")


class ImageRefSchema(_Strict):
    """A picture of the product: a file path relative to the seed file, and its alt text."""

    path = Text(required=True, validate=[validate.Length(1, 500), _relative_image_path])
    alt = Text(required=True, validate=validate.Length(
        1, 300, error="alt text is required (at most 300 characters)"))


class CopySchema(_Strict):
    headline = Text(load_default="", validate=validate.Length(max=200))
    summary = Text(load_default="", validate=validate.Length(max=2000))
    body = fields.String(load_default="", validate=validate.Length(max=50000))


def _empty_specs() -> dict:
    return SpecsSchema().load({})


def _empty_oem() -> dict:
    return OemSchema().load({})


class ProductRecordSchema(_Strict):
    sku = fields.String(required=True, validate=validate.Regexp(SKU_RE, error="must be 2-64 characters of A-Z, 0-9, '.', '_' or '-', starting with a letter or digit"))
    slug = _opt(fields.String, validate=validate.Regexp(SLUG_RE, error="must be lowercase words joined by hyphens"))
    name = Text(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in Kind]))
    status = fields.String(load_default=Status.DRAFT.value, validate=validate.OneOf([s.value for s in Status]))
    price = StrictInt(required=True, validate=validate.Range(min=0, max=100_000_000, error="must be between 0 and 100000000 (minor units)"))
    currency = fields.String(load_default="USD", validate=validate.Regexp(r"^[A-Z]{3}\Z", error="must be an ISO 4217 code such as USD"))
    stock = StrictInt(load_default=0, validate=validate.Range(0, 10_000_000, error="must be between 0 and 10000000"))
    regulatory = fields.Nested(RegulatorySchema, required=True)
    certifications = fields.List(Text(validate=validate.Length(1, 80)), load_default=list)
    wavelengths = fields.List(fields.Nested(BandSchema), required=True, validate=validate.Length(min=1, error="at least one wavelength band is required"))
    specs = fields.Nested(SpecsSchema, load_default=_empty_specs)
    oem = fields.Nested(OemSchema, load_default=_empty_oem)
    copy = fields.Nested(CopySchema, load_default=lambda: {"headline": "", "summary": "", "body": ""})
    precautions = fields.List(Text(validate=validate.Length(1, 500)), load_default=list)
    # None: the record says nothing about pictures (keep what the product has); [] removes them.
    images = fields.List(fields.Nested(ImageRefSchema), load_default=None, allow_none=True,
                         validate=validate.Length(max=12, error="at most 12 images a product"))

    @validates_schema(skip_on_field_errors=True)
    def _per_kind(self, data, **kwargs):
        errors: dict = {}
        reg = data["regulatory"]
        specs = data["specs"]
        is_laser = data["kind"] == Kind.LASER.value
        if is_laser:
            if specs.get("laser_class") is None:
                errors.setdefault("specs", {})["laser_class"] = ["required for a laser"]
            if specs.get("optical_output_w") is None:
                errors.setdefault("specs", {})["optical_output_w"] = ["required for a laser"]
            if reg["status"] == Regulatory.WELLNESS.value:
                errors.setdefault("regulatory", {})["status"] = ["a laser cannot be sold as a wellness device"]
        elif specs.get("laser_class") is not None:
            errors.setdefault("specs", {})["laser_class"] = ["only lasers have a laser class"]
        if reg["status"] == Regulatory.OTC_CLEARED.value and not reg.get("k_number"):
            errors.setdefault("regulatory", {})["k_number"] = ["required when status is otc_cleared"]
        if reg["status"] in (Regulatory.OTC_CLEARED.value, Regulatory.RX_ONLY.value) and not reg.get("indications"):
            errors.setdefault("regulatory", {})["indications"] = [f"required when status is {reg['status']}"]
        if reg["status"] == Regulatory.WELLNESS.value and reg.get("k_number"):
            errors.setdefault("regulatory", {})["k_number"] = ["a wellness device has no 510(k) number"]
        shares = [b.get("share_pct") for b in data["wavelengths"]]
        if all(s is not None for s in shares) and abs(sum(shares) - 100) > 1:
            errors["wavelengths"] = [f"band shares add up to {sum(shares):g}%, not 100%"]
        nms = [b["nm"] for b in data["wavelengths"]]
        if len(set(nms)) != len(nms):
            errors["wavelengths"] = ["each wavelength may appear only once"]
        if errors:
            raise ValidationError(errors)


class SeedFileSchema(_Strict):
    products = fields.List(fields.Nested(ProductRecordSchema), required=True)


__all__ = ["ProductRecordSchema", "SeedFileSchema", "EXCLUDE"]
