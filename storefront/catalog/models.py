"""Catalogue models: products, their wavelength bands and volume price tiers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class Kind(enum.StrEnum):
    BELT = "belt"  # flexible wrap / belt of LEDs
    HANDHELD = "handheld"  # small LED device held against the skin
    PANEL = "panel"  # LED panel used at a distance
    LASER = "laser"  # class 3B / 4 therapy laser


class Status(enum.StrEnum):
    DRAFT = "draft"  # being edited; never shown to shoppers
    PUBLISHED = "published"  # passed the compliance gate; listed
    ARCHIVED = "archived"  # withdrawn; kept because orders and quotes reference it


class Regulatory(enum.StrEnum):
    WELLNESS = "wellness"  # general-wellness LED device, no medical claims
    OTC_CLEARED = "otc_cleared"  # 510(k)-cleared over-the-counter device
    RX_ONLY = "rx_only"  # prescription device, sold to practitioners via quotes


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_non_negative"),
        CheckConstraint("price_amount >= 0", name="price_non_negative"),
        Index("ix_products_listing", "status", "kind", "price_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[Kind] = mapped_column(StrEnumType(Kind, 16))
    status: Mapped[Status] = mapped_column(StrEnumType(Status, 16), default=Status.DRAFT)
    price_amount: Mapped[int] = mapped_column(Integer, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stock: Mapped[int] = mapped_column(Integer, default=0)

    # Regulatory facts
    regulatory: Mapped[Regulatory] = mapped_column(StrEnumType(Regulatory, 16))
    k_number: Mapped[str | None] = mapped_column(String(7))
    product_code: Mapped[str | None] = mapped_column(String(8))
    indications: Mapped[str | None] = mapped_column(Text)
    certifications: Mapped[list] = mapped_column(JSONType, default=list)

    # Specs
    led_count: Mapped[int | None] = mapped_column(Integer)
    beam_angle_deg: Mapped[float | None] = mapped_column(Float)
    coverage_cm2: Mapped[float | None] = mapped_column(Float)
    irradiance_mw_cm2: Mapped[float | None] = mapped_column(Float)
    irradiance_distance_cm: Mapped[float | None] = mapped_column(Float)
    irradiance_method: Mapped[str | None] = mapped_column(String(300))
    power_draw_w: Mapped[float | None] = mapped_column(Float)
    optical_output_w: Mapped[float | None] = mapped_column(Float)
    laser_class_us: Mapped[str | None] = mapped_column(String(8), index=True)
    laser_class_iec: Mapped[str | None] = mapped_column(String(8))
    beam_divergence_mrad: Mapped[float | None] = mapped_column(Float)
    spot_size_mm: Mapped[float | None] = mapped_column(Float)
    modes: Mapped[list] = mapped_column(JSONType, default=list)
    timer_minutes: Mapped[list] = mapped_column(JSONType, default=list)
    length_mm: Mapped[float | None] = mapped_column(Float)
    width_mm: Mapped[float | None] = mapped_column(Float)
    height_mm: Mapped[float | None] = mapped_column(Float)
    weight_g: Mapped[float | None] = mapped_column(Float)

    # OEM / private-label options
    oem_private_label: Mapped[bool] = mapped_column(Boolean, default=False)
    oem_custom_wavelengths: Mapped[bool] = mapped_column(Boolean, default=False)
    oem_packaging: Mapped[list] = mapped_column(JSONType, default=list)
    oem_moq: Mapped[int | None] = mapped_column(Integer)
    oem_lead_time_days: Mapped[int | None] = mapped_column(Integer)
    oem_sample_price: Mapped[int | None] = mapped_column(Integer)

    # Marketing copy (checked by the compliance gate before publishing)
    headline: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    extra_precautions: Mapped[list] = mapped_column(JSONType, default=list)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    bands: Mapped[list[WavelengthBand]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="WavelengthBand.position"
    )
    tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="PriceTier.min_qty"
    )

    @property
    def wavelengths_nm(self) -> list[int]:
        return [b.nm for b in self.bands]

    @property
    def pulsed_hz(self) -> list[float]:
        return [float(m["hz"]) for m in self.modes or [] if m.get("type") == "pulsed" and m.get("hz")]

    @property
    def is_laser(self) -> bool:
        return self.kind == Kind.LASER

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


class WavelengthBand(Base):
    __tablename__ = "wavelength_bands"
    __table_args__ = (
        CheckConstraint("nm BETWEEN 200 AND 1500", name="nm_range"),
        UniqueConstraint("product_id", "position", name="uq_wavelength_bands_product_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    nm: Mapped[int] = mapped_column(Integer, index=True)
    share_pct: Mapped[float | None] = mapped_column(Float)
    power_w: Mapped[float | None] = mapped_column(Float)

    product: Mapped[Product] = relationship(back_populates="bands")


class PriceTier(Base):
    __tablename__ = "price_tiers"
    __table_args__ = (
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
        CheckConstraint("min_qty >= 1", name="min_qty_positive"),
        UniqueConstraint("product_id", "min_qty", name="uq_price_tiers_product_min_qty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    min_qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)

    product: Mapped[Product] = relationship(back_populates="tiers")


class CatalogVersion(Base):
    """One row whose ``n`` triggers bump on every product insert and delete (migration 0120).

    With the newest ``updated_at`` it fingerprints the catalogue for the listing caches in
    two index lookups, where ``count(*)`` was a scan of every product.
    """

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
