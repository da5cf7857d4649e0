"""JSON API for OEM / B2B quote requests and the live indicative price."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from storefront.errors import ValidationError
from storefront.extensions import db, limiter
from storefront.mail import send_after_commit
from storefront.quotes import attachments, intake
from storefront.quotes.pricing import indicative_price, quotable_product
from storefront.quotes.ratelimit import price_limit, submit_limit
from storefront.quotes.schemas import (
    QuoteCreatedSchema,
    QuotePriceQuerySchema,
    QuotePriceSchema,
    QuoteRequestSchema,
)

blp = Blueprint("quotes_api", __name__, url_prefix="/api/v1/quotes",
                description="OEM / B2B quote requests and indicative volume prices.")


@blp.route("", methods=["POST"])
@submit_limit
@blp.arguments(QuoteRequestSchema, location="json")
@blp.response(201, QuoteCreatedSchema)
@blp.alt_response(413, schema="Error", description="Body or attachment too large")
@blp.alt_response(422, schema="Error", description="Invalid request; field errors by path")
@blp.alt_response(429, schema="Error", description="Too many requests from this address")
def create_quote(data):
    """Request a quote; answers the reference. Emails go out after the request is stored."""
    upload_dir = current_app.config["UPLOAD_DIR"]
    result = intake.create_request(
        db.session, data, source="api", staff_email=current_app.config["STAFF_EMAIL"],
        upload_dir=upload_dir, attachment=intake.decode_attachment(data.get("attachment")),
        max_attachment_bytes=current_app.config["QUOTE_ATTACHMENT_MAX_BYTES"],
        client_ip=request.remote_addr,
    )
    try:
        db.session.commit()
    except BaseException:
        attachments.discard(upload_dir, result.stored_keys)
        raise
    send_after_commit(current_app._get_current_object())
    quote = result.quote
    return {"reference": quote.reference, "status": quote.status.value, "warnings": result.warnings}


@blp.route("/price", methods=["GET"])
@limiter.limit(price_limit)
@blp.arguments(QuotePriceQuerySchema, location="query")
@blp.response(200, QuotePriceSchema)
@blp.alt_response(422, schema="Error", description="Unknown SKU or bad quantity")
def price(args):
    """Indicative unit and total price for a published SKU at a quantity (tiers and MOQ applied)."""
    product = quotable_product(db.session, args["sku"])
    if product is None:
        raise ValidationError("Unknown SKU.", errors={"sku": [f"unknown SKU {args['sku']}"]})
    return indicative_price(product, args["quantity"]).to_dict()
