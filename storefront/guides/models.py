"""Guide articles and the products they feature."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import Product
from storefront.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class GuideStatus(enum.StrEnum):
    DRAFT = "draft"  # being written or taken down; never shown to shoppers
    PUBLISHED = "published"  # passed the article gate; listed, in the feed and sitemap


class Guide(Base):
    """One article: Markdown body, reviewer, numbered references, tags, featured products."""

    __tablename__ = "guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200))
    reviewer_name: Mapped[str] = mapped_column(String(200))
    reviewer_credentials: Mapped[str] = mapped_column(String(200))
    reviewed_on: Mapped[date] = mapped_column(Date)
    # [{"title", "year", "doi"?, "url"?, "authors"?, "journal"?}], numbered from 1 in order.
    references: Mapped[list] = mapped_column(JSONType, default=list)
    tags: Mapped[list] = mapped_column(JSONType, default=list)
    status: Mapped[GuideStatus] = mapped_column(StrEnumType(GuideStatus, 16), index=True,
                                                default=GuideStatus.DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    links: Mapped[list[GuideProduct]] = relationship(
        back_populates="guide", cascade="all, delete-orphan", order_by="GuideProduct.position")

    def __repr__(self) -> str:
        return f"<Guide {self.slug}>"


class GuideProduct(Base):
    """A product a guide features: embedded as a card, or listed as related."""

    __tablename__ = "guide_products"
    __table_args__ = (UniqueConstraint("guide_id", "product_id",
                                       name="uq_guide_products_guide_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    card: Mapped[bool] = mapped_column(Boolean, default=False)  # embedded by shortcode
    related: Mapped[bool] = mapped_column(Boolean, default=False)  # listed in front matter

    guide: Mapped[Guide] = relationship(back_populates="links")
    product: Mapped[Product] = relationship()
