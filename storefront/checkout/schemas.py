"""Request and response shapes of checkout (JSON API and the checkout form)."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, post_load, validate, validates_schema

from storefront.cart.service import MAX_LINES, MAX_QUANTITY
from storefront.catalog.schemas import SKU_RE
from storefront.checkout.addresses import REGION_LABELS

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class SingleLine(fields.String):
    """One line of text; control characters (line breaks, NUL) are refused, not stripped.

    Addresses end up in email bodies and headers, and PostgreSQL refuses NUL outright.
    """

    default_error_messages = {"control": "Must be a single line without control characters."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise self.make_error("control")
        return text


def _text(required_msg: str, max_len: int, *, required: bool = True, **kw) -> SingleLine:
    """A single-line field whose messages read like a person wrote them."""
    checks = [validate.Length(max=max_len, error=f"Use at most {max_len} characters.")]
    if required:
        checks.insert(0, validate.Length(min=1, error=required_msg))
    return SingleLine(required=required, validate=checks,
                      error_messages={"required": required_msg, "null": required_msg,
                                      "invalid": required_msg}, **kw)


_US_ZIP = re.compile(r"^\d{5}(-\d{4})?$")


class AddressSchema(ma.Schema):
    name = _text("Enter your full name.", 200)
    line1 = _text("Enter the first line of your address.", 200)
    line2 = _text("", 200, required=False, allow_none=True, load_default=None)
    city = _text("Enter your town or city.", 100)
    state = _text("", 100, required=False, allow_none=True, load_default=None)
    postal_code = _text("Enter your postal code.", 20)
    country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error="Choose your country from the list."),
        error_messages={"required": "Choose your country from the list."},
        metadata={"example": "US", "description": "ISO 3166-1 alpha-2 code"})

    @post_load
    def _tidy(self, data, **kwargs):
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        data["country"] = data["country"].upper()
        for key in ("line2", "state"):
            if data.get(key) == "":
                data[key] = None
        if data["country"] in REGION_LABELS and data.get("state"):
            data["state"] = data["state"].upper()
        return data

    @validates_schema
    def _country_and_region(self, data, **kwargs):
        from storefront.checkout.addresses import country_names, region_label, regions

        country = str(data.get("country") or "").upper()
        errors: dict[str, list[str]] = {}
        if country and country not in country_names():
            errors["country"] = ["Choose your country from the list."]
        known = regions(country)
        if known and str(data.get("state") or "").strip().upper() not in {c for c, _ in known}:
            errors["state"] = [f"Choose your {region_label(country).lower()}."]
        zip_code = str(data.get("postal_code") or "").strip()
        if country == "US" and zip_code and not _US_ZIP.match(zip_code):
            errors["postal_code"] = ["Enter a 5-digit ZIP code, like 97201."]
        if errors:
            raise ma.ValidationError(errors)


class ItemSchema(ma.Schema):
    sku = fields.String(required=True, validate=validate.Regexp(SKU_RE, error="Not a valid SKU."))
    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=MAX_QUANTITY))


class OrderCreateSchema(ma.Schema):
    """``POST /api/v1/orders``: items by SKU and quantity only; prices are the shop's."""

    items = fields.List(fields.Nested(ItemSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))
    email = fields.Email(required=True, validate=validate.Length(max=320, error="Use at most 320 characters."),
                         error_messages={"required": "Enter your email address.",
                                         "invalid": "Enter an email address like name@example.com."})
    shipping_address = fields.Nested(AddressSchema, required=True)
    precautions_acknowledged = fields.Boolean(
        required=True, metadata={"description": "The buyer read the products' precautions; must be true."})
    shipping_method = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^[a-z0-9_-]{1,40}$"),
        metadata={"description": "A delivery option code (standard, express); default: the first."})
    promotion_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=40),
        metadata={"description": "A promotion code; unknown or unusable: 422 promotion_invalid."})


class TaxLineSchema(ma.Schema):
    name = fields.String()
    rate = fields.String(metadata={"description": "Percent, e.g. \"6.25\""})
    amount = fields.Integer()


class ShippingOutSchema(ma.Schema):
    method = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    amount = fields.Integer()


class TaxOutSchema(ma.Schema):
    amount = fields.Integer()
    included = fields.Boolean(metadata={"description": "True: prices include it (EU / UK VAT); "
                                                       "not added to the total."})
    lines = fields.List(fields.Nested(TaxLineSchema))


class DiscountOutSchema(ma.Schema):
    code = fields.String(allow_none=True)
    amount = fields.Integer()


class _Figures(ma.Schema):
    number = fields.Integer(allow_none=True, metadata={
        "description": "Human order number (shown as #10042); the order_id stays the key."})
    subtotal = fields.Integer(metadata={"description": "Lines before discount, minor units."})
    shipping = fields.Nested(ShippingOutSchema)
    tax = fields.Nested(TaxOutSchema)
    discount = fields.Nested(DiscountOutSchema)


class OrderCreatedSchema(_Figures):
    order_id = fields.String(required=True)
    status = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={
        "description": "Total charged in minor units: subtotal - discount + shipping + tax "
                       "(tax only when not included in the prices)."})
    currency = fields.String(required=True)
    client_secret = fields.String(allow_none=True, metadata={
        "description": "PaymentIntent client secret for Stripe.js (null once the order is not payable)."})


class OrderLineOutSchema(ma.Schema):
    sku = fields.String(allow_none=True)
    name = fields.String()
    unit_price = fields.Integer()
    quantity = fields.Integer()
    line_total = fields.Integer()
    discount = fields.Integer(attribute="discount_amount")
    tax = fields.Integer(attribute="tax_amount")


class OrderOutSchema(_Figures):
    order_id = fields.String(attribute="public_id")
    subtotal = fields.Integer(attribute="subtotal_amount")
    shipping = fields.Nested(ShippingOutSchema, attribute="shipping_figures")
    tax = fields.Nested(TaxOutSchema, attribute="tax_figures")
    discount = fields.Nested(DiscountOutSchema, attribute="discount_figures")
    status = fields.String()
    amount = fields.Integer(attribute="total_amount")
    currency = fields.String()
    amount_paid = fields.Integer()
    amount_refunded = fields.Integer()
    payment_status = fields.String(allow_none=True)
    payment_error = fields.String(allow_none=True)
    precautions_acknowledged = fields.Function(lambda o: o.precautions_acknowledged_at is not None)
    reservation_expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineOutSchema))


class PaymentSchema(ma.Schema):
    """A card token from Stripe.js ``createToken``; the server saves it and confirms."""

    token = fields.String(required=True, validate=[
        validate.Length(max=255), validate.Regexp(r"^tok_[A-Za-z0-9_]+$", error="A Stripe card token.")])


class PaymentResultSchema(ma.Schema):
    status = fields.String(required=True, metadata={
        "description": "processing | requires_action | failed | paid"})
    client_secret = fields.String(allow_none=True, metadata={
        "description": "Present with requires_action: pass to stripe.confirmCardPayment."})
    message = fields.String(allow_none=True)
