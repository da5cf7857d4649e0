"""Marshmallow schemas for product records (the seed file format and staff input).

A record is the nested JSON shape documented in ``seed/products.schema.json``; loading
one yields a fully normalised dict (every optional key present) so that two records can
be compared for equality to decide created / updated / unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

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


def _doc(text: str) -> dict[str, str]:
    """Field metadata: the description published in the JSON Schema."""
    return {"description": text}


def _positive(**kw):
    return validate.Range(min=0, min_inclusive=False, **kw)


@dataclass(frozen=True)
class When:
    """A rule's condition: the loaded value at the dotted ``field`` is one of ``values``
    (or, with ``negate``, is not)."""

    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class Rule:
    """A conditional constraint between fields, stated once as data.

    The marshmallow schema enforces it (``_Strict._check_rules``) and the JSON Schema
    generator (``storefront.seeding.json_schema``) turns it into ``if`` / ``then``.
    ``must`` is ``"present"`` (set and not blank), ``"absent"`` (missing or null) or
    ``"not_in"`` (not one of ``values``). The error goes to each failing field, or to
    ``report_at`` only; ``{value}`` in the message is the value the condition saw.
    """

    when: When
    must: Literal["present", "absent", "not_in"]
    fields: tuple[str, ...]
    message: str
    values: tuple[str, ...] = ()
    report_at: str | None = None

    def failing(self, data: dict) -> list[str]:
        """The fields of ``data`` (a loaded record) that break the rule."""
        seen = _at(data, self.when.field)
        if (seen in self.when.values) == self.when.negate:
            return []
        if self.must == "present":
            return [f for f in self.fields if _at(data, f) in (None, "")]
        if self.must == "absent":
            return [f for f in self.fields if _at(data, f) is not None]
        return [f for f in self.fields if _at(data, f) in self.values]


def _at(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


class _Strict(Schema):
    class Meta:
        unknown = RAISE

    # Conditional constraints between this schema's fields (see Rule).
    rules: ClassVar[tuple[Rule, ...]] = ()
    # Extra JSON Schema keywords for this object (title, description, $comment).
    json_schema_extra: ClassVar[dict[str, Any]] = {}

    @validates_schema(skip_on_field_errors=True)
    def _check_rules(self, data, **kwargs):
        errors: dict = {}
        for rule in self.rules:
            bad = rule.failing(data)
            message = rule.message.format(value=_at(data, rule.when.field))
            for dotted in [rule.report_at] if bad and rule.report_at else bad:
                *parents, leaf = dotted.split(".")
                node = errors
                for key in parents:
                    node = node.setdefault(key, {})
                node.setdefault(leaf, [message])
        if errors:
            raise ValidationError(errors)


class BandSchema(_Strict):
    json_schema_extra = {"description": "One emission band."}

    nm = StrictInt(required=True, validate=validate.Range(200, 1500, error="must be between 200 and 1500"),
                   metadata=_doc("Peak wavelength in nanometres."))
    share_pct = _opt(Number, validate=validate.Range(0, 100, min_inclusive=False), metadata=_doc(
        "Share of the LEDs (or of the output) at this wavelength, percent. When every band gives "
        "a share, the shares must add up to 100 (±1)."))
    power_w = _opt(Number, validate=_positive(), metadata=_doc("Optical output at this wavelength, watts (lasers)."))


class RegulatorySchema(_Strict):
    status = fields.String(required=True, validate=validate.OneOf([r.value for r in Regulatory]), metadata=_doc(
        "Regulatory route: general wellness (LEDs only), 510(k)-cleared over-the-counter, "
        "or prescription (Rx only)."))
    k_number = _opt(Text, validate=validate.Regexp(K_NUMBER_RE, error="must be K followed by 6 digits, e.g. K123456"),
                    metadata=_doc("FDA 510(k) number: K followed by 6 digits, e.g. K123456. "
                                  "Required for otc_cleared; not allowed for wellness."))
    product_code = _opt(Text, validate=validate.Regexp(r"^[A-Z]{3}\Z", error="must be 3 capital letters, e.g. ILY"),
                        metadata=_doc("FDA product code: 3 capital letters, e.g. ILY or NHN."))
    indications = _opt(Text, validate=validate.Length(max=4000), metadata=_doc(
        "Cleared indications for use, quoted from the clearance; required for otc_cleared and rx_only."))


class IrradianceSchema(_Strict):
    mw_cm2 = Number(required=True, validate=_positive(max=100000), metadata=_doc("Irradiance in mW/cm²."))
    distance_cm = Number(required=True, validate=validate.Range(0, 500), metadata=_doc(
        "Distance from the emitting surface at which it was measured, cm (0 = contact)."))
    method = _opt(Text, validate=validate.Length(max=300), metadata=_doc(
        "How it was measured (sensor, points, conditions)."))


class LaserClassSchema(_Strict):
    us = fields.String(required=True, validate=validate.OneOf(US_LASER_CLASSES),
                       metadata=_doc("US laser class (21 CFR 1040.10)."))
    iec = fields.String(required=True, validate=validate.OneOf(IEC_LASER_CLASSES),
                        metadata=_doc("IEC 60825-1 laser class."))


class ModeSchema(_Strict):
    json_schema_extra = {"description": "An operating mode."}
    rules = (
        Rule(When("type", ("pulsed",)), "present", ("hz",), "required for a pulsed mode"),
        Rule(When("type", ("cw",)), "absent", ("hz", "duty_cycle_pct"),
             "a continuous-wave mode has no frequency or duty cycle", report_at="hz"),
    )

    type = fields.String(required=True, validate=validate.OneOf(["cw", "pulsed"]),
                         metadata=_doc("cw = continuous wave; pulsed needs hz."))
    hz = _opt(Number, validate=validate.Range(0, 100000, min_inclusive=False),
              metadata=_doc("Pulse frequency in hertz (pulsed modes only)."))
    duty_cycle_pct = _opt(Number, validate=validate.Range(0, 100, min_inclusive=False),
                          metadata=_doc("Duty cycle in percent (pulsed modes only)."))


class DimensionsSchema(_Strict):
    length = Number(required=True, validate=_positive(max=10000), metadata=_doc("Length in millimetres."))
    width = Number(required=True, validate=_positive(max=10000), metadata=_doc("Width in millimetres."))
    height = Number(required=True, validate=_positive(max=10000), metadata=_doc("Height in millimetres."))


class SpecsSchema(_Strict):
    led_count = _opt(StrictInt, validate=validate.Range(1, 100000), metadata=_doc("Number of LEDs."))
    beam_angle_deg = _opt(Number, validate=_positive(max=180), metadata=_doc("LED beam angle, degrees."))
    coverage_cm2 = _opt(Number, validate=_positive(max=100000), metadata=_doc("Area lit at the stated distance, cm²."))
    irradiance = fields.Nested(IrradianceSchema, load_default=None, allow_none=True,
                               metadata=_doc("Measured irradiance at a stated distance."))
    power_draw_w = _opt(Number, validate=_positive(max=10000), metadata=_doc("Electrical power drawn, watts."))
    optical_output_w = _opt(Number, validate=_positive(max=500),
                            metadata=_doc("Optical output power, watts; required for lasers."))
    laser_class = fields.Nested(LaserClassSchema, load_default=None, allow_none=True,
                                metadata=_doc("Laser class; lasers only."))
    beam_divergence_mrad = _opt(Number, validate=_positive(max=2000),
                                metadata=_doc("Beam divergence (full angle), milliradians."))
    spot_size_mm = _opt(Number, validate=_positive(max=500), metadata=_doc("Spot diameter at the handpiece window, mm."))
    modes = fields.List(fields.Nested(ModeSchema), load_default=list,
                        metadata=_doc("Operating modes (continuous and/or pulsed)."))
    timer_minutes = fields.List(StrictInt(validate=validate.Range(1, 240), metadata=_doc("Timer setting in minutes.")),
                                load_default=list, metadata=_doc("Selectable session timers, minutes."))
    dimensions_mm = fields.Nested(DimensionsSchema, load_default=None, allow_none=True,
                                  metadata=_doc("Outer dimensions, mm."))
    weight_g = _opt(Number, validate=_positive(max=1000000), metadata=_doc("Weight in grams."))


class TierSchema(_Strict):
    json_schema_extra = {"description": "A volume price tier."}

    min_qty = StrictInt(required=True, validate=validate.Range(min=1),
                        metadata=_doc("Smallest order quantity for this price."))
    unit_price = StrictInt(required=True, validate=validate.Range(min=0, error="must be >= 0"),
                           metadata=_doc("Unit price at this quantity, minor units (cents)."))


class OemSchema(_Strict):
    private_label = StrictBool(load_default=False, metadata=_doc("Private label / logo printing offered."))
    custom_wavelengths = StrictBool(load_default=False, metadata=_doc("Custom wavelength mix offered."))
    packaging = fields.List(Text(validate=validate.Length(1, 200), metadata=_doc("A packaging option.")),
                            load_default=list, metadata=_doc("Packaging options."))
    moq = _opt(StrictInt, validate=validate.Range(min=1), metadata=_doc("Minimum order quantity, units."))
    lead_time_days = _opt(StrictInt, validate=validate.Range(0, 365), metadata=_doc("Production lead time, days."))
    sample_price = _opt(StrictInt, validate=validate.Range(min=0, error="must be >= 0"),
                        metadata=_doc("Price of one sample unit, minor units (cents)."))
    tiers = fields.List(fields.Nested(TierSchema), load_default=list, metadata=_doc(
        "Volume price tiers: min_qty strictly ascending and unit_price never rising from one tier to the next."))

    # Compares tiers with each other, which JSON Schema cannot state: `seed load` only.
    @validates_schema
    def _cross_item_tiers_ascend(self, data, **kwargs):
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
# Relative to the catalogue file and inside its folder (no leading slash or backslash, no
# drive letter, no '..' segment), naming a JPEG, PNG or WebP file. Regexes, so the JSON
# Schema generator states the same rules.
IMAGE_PATH_RE = r"^(?![/\\])(?![A-Za-z]:)(?!(?:.*[/\\])?\.\.(?:[/\\]|$)).*\Z"
IMAGE_FILE_RE = r"^.*\.(?:[jJ][pP][eE]?[gG]|[pP][nN][gG]|[wW][eE][bB][pP])\Z"


class ImageRefSchema(_Strict):
    """A picture of the product: a file path relative to the seed file, and its alt text."""

    path = Text(required=True, validate=[
        validate.Length(1, 500),
        validate.Regexp(IMAGE_PATH_RE, error="must be a path relative to the catalogue file, "
                                             "inside its folder"),
        validate.Regexp(IMAGE_FILE_RE, error="must name a .jpg, .png or .webp file")],
        metadata=_doc("Image file, relative to the catalogue file."))
    alt = Text(required=True, validate=validate.Length(
        1, 300, error="alt text is required (at most 300 characters)"),
        metadata=_doc("Alt text describing the picture."))


class CopySchema(_Strict):
    headline = Text(load_default="", validate=validate.Length(max=200), metadata=_doc("Headline."))
    summary = Text(load_default="", validate=validate.Length(max=2000), metadata=_doc("Summary shown in listings."))
    body = fields.String(load_default="", validate=validate.Length(max=50000), metadata=_doc("Markdown body."))


def _empty_specs() -> dict:
    return SpecsSchema().load({})


def _empty_oem() -> dict:
    return OemSchema().load({})


LASER, WELLNESS = Kind.LASER.value, Regulatory.WELLNESS.value
OTC_CLEARED, RX_ONLY = Regulatory.OTC_CLEARED.value, Regulatory.RX_ONLY.value


class ProductRecordSchema(_Strict):
    json_schema_extra = {"description": "One product."}
    rules = (
        Rule(When("kind", (LASER,)), "present", ("specs.laser_class", "specs.optical_output_w"),
             "required for a laser"),
        Rule(When("kind", (LASER,)), "not_in", ("regulatory.status",),
             "a laser cannot be sold as a wellness device", values=(WELLNESS,)),
        Rule(When("kind", (LASER,), negate=True), "absent", ("specs.laser_class",),
             "only lasers have a laser class"),
        Rule(When("regulatory.status", (OTC_CLEARED,)), "present", ("regulatory.k_number",),
             "required when status is otc_cleared"),
        Rule(When("regulatory.status", (OTC_CLEARED, RX_ONLY)), "present", ("regulatory.indications",),
             "required when status is {value}"),
        Rule(When("regulatory.status", (WELLNESS,)), "absent", ("regulatory.k_number",),
             "a wellness device has no 510(k) number"),
    )

    sku = fields.String(required=True, validate=validate.Regexp(SKU_RE, error="must be 2-64 characters of A-Z, 0-9, '.', '_' or '-', starting with a letter or digit"),
                        metadata=_doc("Stock-keeping unit, unique in the file: 2-64 characters of A-Z, 0-9, "
                                      "'.', '_' or '-', starting with a letter or digit."))
    slug = _opt(fields.String, validate=validate.Regexp(SLUG_RE, error="must be lowercase words joined by hyphens"),
                metadata=_doc("URL slug (lowercase words joined by hyphens); derived from the name when absent."))
    name = Text(required=True, validate=validate.Length(1, 200), metadata=_doc("Product name."))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in Kind]), metadata=_doc("Product kind."))
    status = fields.String(load_default=Status.DRAFT.value, validate=validate.OneOf([s.value for s in Status]),
                           metadata=_doc("Publication status; published products must pass the compliance gate."))
    price = StrictInt(required=True, validate=validate.Range(min=0, max=100_000_000, error="must be between 0 and 100000000 (minor units)"),
                      metadata=_doc("Retail price in minor units of the currency (cents for USD)."))
    currency = fields.String(load_default="USD", validate=validate.Regexp(r"^[A-Z]{3}\Z", error="must be an ISO 4217 code such as USD"),
                             metadata=_doc("ISO 4217 currency code."))
    stock = StrictInt(load_default=0, validate=validate.Range(0, 10_000_000, error="must be between 0 and 10000000"),
                      metadata=_doc("Units in stock."))
    regulatory = fields.Nested(RegulatorySchema, required=True,
                               metadata=_doc("Regulatory facts that decide what the copy may claim."))
    certifications = fields.List(
        Text(validate=validate.Length(1, 80),
             metadata=_doc("A certification or standard, e.g. CE, FCC Part 15B, IEC 60601-2-57.")),
        load_default=list, metadata=_doc("Certifications and standards met."))
    wavelengths = fields.List(fields.Nested(BandSchema), required=True, validate=validate.Length(min=1, error="at least one wavelength band is required"),
                              metadata=_doc("Emission bands, at least one; each wavelength at most once."))
    specs = fields.Nested(SpecsSchema, load_default=_empty_specs,
                          metadata=_doc("Technical specifications; every key is optional."))
    oem = fields.Nested(OemSchema, load_default=_empty_oem, metadata=_doc("OEM / private-label options for B2B buyers."))
    copy = fields.Nested(CopySchema, load_default=lambda: {"headline": "", "summary": "", "body": ""},
                         metadata=_doc("Marketing copy; checked by the compliance gate before publication."))
    precautions = fields.List(Text(validate=validate.Length(1, 500), metadata=_doc("A precaution line.")),
                              load_default=list,
                              metadata=_doc("Staff-added precaution lines, shown after the mandatory ones."))
    # None: the record says nothing about pictures (keep what the product has); [] removes them.
    images = fields.List(fields.Nested(ImageRefSchema), load_default=None, allow_none=True,
                         validate=validate.Length(max=12, error="at most 12 images a product"),
                         metadata=_doc("Pictures, in display order; the first is the primary."))

    # These compare bands with each other, which JSON Schema cannot state: `seed load` only.
    @validates_schema(skip_on_field_errors=True)
    def _cross_item_bands(self, data, **kwargs):
        errors: dict = {}
        shares = [b.get("share_pct") for b in data["wavelengths"]]
        if all(s is not None for s in shares) and abs(sum(shares) - 100) > 1:
            errors["wavelengths"] = [f"band shares add up to {sum(shares):g}%, not 100%"]
        nms = [b["nm"] for b in data["wavelengths"]]
        if len(set(nms)) != len(nms):
            errors["wavelengths"] = ["each wavelength may appear only once"]
        if errors:
            raise ValidationError(errors)


class SeedFileSchema(_Strict):
    """The whole seed file. ``seed load`` checks the top level itself and each product with
    ProductRecordSchema; this schema is the root the JSON Schema is generated from."""

    json_schema_extra = {
        "title": "Storefront product seed file",
        "description": "The file `storefront seed load` reads and `storefront seed export` writes. "
                       "Money is in integer minor units; lengths in mm, irradiance in mW/cm².",
        "$comment": "Generated from storefront.catalog.schemas.SeedFileSchema by `storefront seed schema`; "
                    "do not edit by hand. Three rules compare array items with each other and are "
                    "checked only by `seed load`: band shares add up to 100 (±1) when every band has one, "
                    "a wavelength appears once per product, and price tiers ascend. SKUs and slugs must "
                    "also be unique across the file. JSON Schema treats 5.0 as an integer; `seed load` wants 5.",
    }

    schema_ref = fields.String(data_key="$schema", metadata=_doc("Path or URL of this schema, for editors."))
    products = fields.List(fields.Nested(ProductRecordSchema, metadata={"json_schema_def": "product"}),
                           required=True, metadata=_doc("The catalogue."))


__all__ = ["ProductRecordSchema", "Rule", "SeedFileSchema", "When", "EXCLUDE"]
