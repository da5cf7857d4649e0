"""Promotions and their redemptions (one per order)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class DiscountKind(enum.StrEnum):
    PERCENT = "percent"  # ``percent`` off each eligible line
    AMOUNT = "amount"  # ``amount_off`` minor units off the eligible lines, spread over them


class PromotionStatus(enum.StrEnum):
    ACTIVE = "active"  # can be applied (within its dates and limits)
    PAUSED = "paused"  # staff stopped it; pending orders keep what they were promised


class RedemptionStatus(enum.StrEnum):
    HELD = "held"  # a pending order uses the code; counts against the limit, not yet redeemed
    REDEEMED = "redeemed"  # the order's payment succeeded: one use counted
    RELEASED = "released"  # the order failed, expired or was cancelled: the use is free again


class Promotion(Base):
    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint("held >= 0 AND redeemed >= 0", name="counts_non_negative"),
        CheckConstraint("usage_limit IS NULL OR held + redeemed <= usage_limit",
                        name="within_usage_limit"),
        CheckConstraint("(kind = 'percent' AND percent BETWEEN 1 AND 100) OR "
                        "(kind = 'amount' AND amount_off > 0)", name="discount_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # upper case
    kind: Mapped[DiscountKind] = mapped_column(StrEnumType(DiscountKind, 16))
    percent: Mapped[int | None] = mapped_column(Integer)
    amount_off: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    min_subtotal: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    per_email_limit: Mapped[int | None] = mapped_column(Integer)
    kinds: Mapped[list] = mapped_column(JSONType, default=list)  # empty: every kind
    skus: Mapped[list] = mapped_column(JSONType, default=list)  # empty: every SKU
    banner: Mapped[str] = mapped_column(Text, default="")  # checked like product copy
    status: Mapped[PromotionStatus] = mapped_column(
        StrEnumType(PromotionStatus, 16), default=PromotionStatus.ACTIVE)
    held: Mapped[int] = mapped_column(Integer, default=0)
    redeemed: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    redemptions: Mapped[list[PromotionRedemption]] = relationship(
        back_populates="promotion", order_by="PromotionRedemption.id")


class PromotionRedemption(Base):
    __tablename__ = "promotion_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(320), index=True)  # lower case
    amount: Mapped[int] = mapped_column(Integer)  # the discount given
    status: Mapped[RedemptionStatus] = mapped_column(
        StrEnumType(RedemptionStatus, 16), default=RedemptionStatus.HELD)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    promotion: Mapped[Promotion] = relationship(back_populates="redemptions")
