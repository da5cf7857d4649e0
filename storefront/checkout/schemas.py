"""Request and response shapes of checkout (JSON API and the checkout form)."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import fields, post_load, validate

from storefront.cart.service import MAX_LINES, MAX_QUANTITY
from storefront.catalog.schemas import SKU_RE

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


class AddressSchema(ma.Schema):
    name = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    line1 = SingleLine(required=True, validate=validate.Length(min=1, max=200))
    line2 = SingleLine(allow_none=True, load_default=None, validate=validate.Length(max=200))
    city = SingleLine(required=True, validate=validate.Length(min=1, max=100))
    state = SingleLine(allow_none=True, load_default=None, validate=validate.Length(max=100))
    postal_code = SingleLine(required=True, validate=validate.Length(min=1, max=20))
    country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z]{2}$", error="Two-letter ISO country code."),
        metadata={"example": "US"})

    @post_load
    def _tidy(self, data, **kwargs):
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        data["country"] = data["country"].upper()
        for key in ("line2", "state"):
            if data.get(key) == "":
                data[key] = None
        return data


class ItemSchema(ma.Schema):
    sku = fields.String(required=True, validate=validate.Regexp(SKU_RE, error="Not a valid SKU."))
    quantity = fields.Integer(required=True, strict=True,
                              validate=validate.Range(min=1, max=MAX_QUANTITY))


class OrderCreateSchema(ma.Schema):
    """``POST /api/v1/orders``: items by SKU and quantity only; prices are the shop's."""

    items = fields.List(fields.Nested(ItemSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    shipping_address = fields.Nested(AddressSchema, required=True)
    precautions_acknowledged = fields.Boolean(
        required=True, metadata={"description": "The buyer read the products' precautions; must be true."})


class OrderCreatedSchema(ma.Schema):
    order_id = fields.String(required=True)
    status = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Total in minor units."})
    currency = fields.String(required=True)
    client_secret = fields.String(allow_none=True, metadata={
        "description": "PaymentIntent client secret for Stripe.js (null once the order is not payable)."})


class OrderLineOutSchema(ma.Schema):
    sku = fields.String(allow_none=True)
    name = fields.String()
    unit_price = fields.Integer()
    quantity = fields.Integer()
    line_total = fields.Integer()


class OrderOutSchema(ma.Schema):
    order_id = fields.String(attribute="public_id")
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
