"""The article record: the seed files' front matter plus body, the staff form, the export."""

from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

F = ma.fields

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
STATUSES = ("draft", "published")


class ReviewerSchema(ma.Schema):
    name = F.String(required=True, validate=validate.Length(1, 200))
    credentials = F.String(required=True, validate=validate.Length(1, 200),
                           metadata={"description": "e.g. 'PT, DPT' or 'PhD, laser safety officer'"})
    reviewed_on = F.Date(required=True, metadata={"description": "ISO date of the last review."})


class ReferenceSchema(ma.Schema):
    title = F.String(required=True, validate=validate.Length(1, 400))
    year = F.Integer(required=True, validate=validate.Range(1900, 2100))
    authors = F.String(validate=validate.Length(max=300))
    journal = F.String(validate=validate.Length(max=200))
    doi = F.String(validate=validate.Regexp(DOI, error="must look like 10.1234/abc"))
    url = F.Url(schemes={"http", "https"})

    @ma.validates_schema
    def _doi_or_url(self, data, **_):
        if not data.get("doi") and not data.get("url"):
            raise ma.ValidationError("a reference needs a doi or a url", "_schema")


class GuideRecordSchema(ma.Schema):
    """One article, as a seed file (front matter + body) or the staff form gives it."""

    slug = F.String(required=True, validate=[validate.Length(1, 160),
                                             validate.Regexp(SLUG, error="lowercase words joined by '-'")])
    title = F.String(required=True, validate=validate.Length(1, 200))
    summary = F.String(required=True, validate=validate.Length(1, 1000))
    body = F.String(required=True, validate=validate.Length(1, 60000))
    author = F.String(required=True, validate=validate.Length(1, 200))
    reviewer = F.Nested(ReviewerSchema, required=True)
    references = F.List(F.Nested(ReferenceSchema), load_default=list)
    tags = F.List(F.String(validate=[validate.Length(1, 40), validate.Regexp(SLUG, error="lowercase words joined by '-'")]),
                  load_default=list, validate=validate.Length(max=12))
    products = F.List(F.String(validate=validate.Length(1, 160)), load_default=list,
                      validate=validate.Length(max=20),
                      metadata={"description": "Slugs of related products (cards come from the body)."})
    status = F.String(load_default="draft", validate=validate.OneOf(STATUSES))

    class Meta:
        unknown = ma.RAISE

    @ma.post_load
    def _tidy(self, data, **_):
        data["body"] = data["body"].replace("\r\n", "\n")
        data["tags"] = list(dict.fromkeys(data["tags"]))
        data["products"] = list(dict.fromkeys(data["products"]))
        return data
