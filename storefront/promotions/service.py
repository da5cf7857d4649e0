"""Promotion services: create, evaluate against an order, hold, redeem, release, pause."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from storefront.compliance.checker import check_copy
from storefront.db import utcnow
from storefront.errors import Conflict, NotFound, ValidationError
from storefront.promotions.models import (
    DiscountKind,
    Promotion,
    PromotionRedemption,
    PromotionStatus,
    RedemptionStatus,
)

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}\Z")
KINDS = ("belt", "handheld", "panel", "laser")


class PromotionInvalid(ValidationError):
    code = "promotion_invalid"


def _invalid(message: str) -> PromotionInvalid:
    return PromotionInvalid(message, errors={"promotion_code": [message]})


def normalise_code(text: str | None) -> str | None:
    """A code as stored (trimmed, upper case); None for blank."""
    code = (text or "").strip().upper()
    return code or None


@dataclass(frozen=True)
class EligibleLine:
    sku: str
    kind: str
    amount: int  # the line total before discount


@dataclass
class Discount:
    promotion_id: int
    code: str
    per_line: dict[str, int] = field(default_factory=dict)  # sku -> discount on that line

    @property
    def amount(self) -> int:
        return sum(self.per_line.values())


def create(session: Session, code: str, *, percent: int | None = None, amount: int | None = None,
           currency: str = "USD", min_subtotal: int = 0, starts_at: datetime | None = None,
           ends_at: datetime | None = None, usage_limit: int | None = None,
           per_email_limit: int | None = None, kinds: list[str] | None = None,
           skus: list[str] | None = None, banner: str = "", actor: str = "") -> Promotion:
    """Create a promotion code; 422 with every problem by field, 409 when the code exists."""
    errors: dict[str, list[str]] = {}
    norm = normalise_code(code) or ""
    if not CODE_RE.match(norm):
        errors["code"] = ["3 to 40 letters, digits, - or _."]
    if (percent is None) == (amount is None):
        errors["discount"] = ["Give either a percentage or a fixed amount."]
    elif percent is not None and not 1 <= percent <= 100:
        errors["percent"] = ["A whole percentage from 1 to 100."]
    elif amount is not None and amount <= 0:
        errors["amount"] = ["A positive amount in minor units."]
    for name, value in (("min_subtotal", min_subtotal), ("usage_limit", usage_limit),
                        ("per_email_limit", per_email_limit)):
        if value is not None and value < (0 if name == "min_subtotal" else 1):
            errors[name] = ["Must be positive."]
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = ["Must be after the start."]
    bad_kinds = sorted(set(kinds or []) - set(KINDS))
    if bad_kinds:
        errors["kinds"] = [f"Unknown kind(s): {', '.join(bad_kinds)}; use {', '.join(KINDS)}."]
    banner_problems = banner_findings(banner)
    if banner_problems:
        errors["banner"] = banner_problems
    if errors:
        raise ValidationError("The promotion has problems.", errors=errors)
    if session.scalar(select(Promotion.id).where(Promotion.code == norm)) is not None:
        raise Conflict(f"A promotion with code {norm} exists already.", code="promotion_exists",
                       errors={"code": ["Already used."]})
    promo = Promotion(
        code=norm, kind=DiscountKind.PERCENT if percent is not None else DiscountKind.AMOUNT,
        percent=percent, amount_off=amount, currency=currency.upper(), min_subtotal=min_subtotal,
        starts_at=starts_at, ends_at=ends_at, usage_limit=usage_limit,
        per_email_limit=per_email_limit, kinds=sorted(set(kinds or [])),
        skus=sorted({s.strip() for s in skus or [] if s.strip()}), banner=banner.strip(),
        status=PromotionStatus.ACTIVE, held=0, redeemed=0, created_by=actor[:200])
    session.add(promo)
    session.flush()
    return promo


def banner_findings(text: str) -> list[str]:
    """Blocking compliance findings for banner text (the same check as product copy)."""
    if not (text or "").strip():
        return []
    return [f"{f.message} ({text[f.start:f.end] or 'whole text'})"
            for f in check_copy(text, whole_copy=False) if f.severity == "block"]


def get(session: Session, code: str) -> Promotion:
    """A promotion by code, with its redemptions; 404 when there is none."""
    norm = normalise_code(code) or ""
    promo = session.scalar(select(Promotion).where(Promotion.code == norm)
                           .options(selectinload(Promotion.redemptions))) \
        if CODE_RE.match(norm) else None
    if promo is None:
        raise NotFound(f"No promotion with code {normalise_code(code)}.")
    return promo


def list_all(session: Session) -> list[Promotion]:
    """Every promotion, newest first."""
    return list(session.scalars(select(Promotion).order_by(Promotion.id.desc())))


def set_status(session: Session, code: str, status: PromotionStatus) -> Promotion:
    """Pause or resume a promotion (orders already holding it keep their discount)."""
    promo = get(session, code)
    promo.status = status
    session.flush()
    return promo


def active_banners(session: Session, now: datetime | None = None) -> list[str]:
    """Banner texts of promotions a shopper can use right now."""
    now = now or utcnow()
    rows = session.scalars(select(Promotion).where(Promotion.status == PromotionStatus.ACTIVE,
                                                   Promotion.banner != ""))
    return [p.banner for p in rows if _live(p, now) and not _exhausted(p)]


def _live(promo: Promotion, now: datetime) -> bool:
    return (promo.starts_at is None or promo.starts_at <= now) and \
        (promo.ends_at is None or now < promo.ends_at)


def _exhausted(promo: Promotion) -> bool:
    return promo.usage_limit is not None and promo.held + promo.redeemed >= promo.usage_limit


def _uses_by(session: Session, promo_id: int, email: str) -> int:
    return session.scalar(select(func.count()).select_from(PromotionRedemption).where(
        PromotionRedemption.promotion_id == promo_id,
        PromotionRedemption.email == email.lower(),
        PromotionRedemption.status.in_([RedemptionStatus.HELD, RedemptionStatus.REDEEMED]))) or 0


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def evaluate(session: Session, code: str | None, *, lines: list[EligibleLine], currency: str,
             email: str | None = None, now: datetime | None = None) -> Discount | None:
    """The discount ``code`` gives these lines, or 422 ``promotion_invalid`` saying why not."""
    code = normalise_code(code)
    if code is None:
        return None
    now = now or utcnow()
    # Checked before the query: a code with NUL or control characters never reaches the database.
    promo = session.scalar(select(Promotion).where(Promotion.code == code)) \
        if CODE_RE.match(code) else None
    if promo is None:
        raise _invalid("We don't recognise that code. Check it and try again.")
    if promo.status != PromotionStatus.ACTIVE:
        raise _invalid("That code is not available at the moment.")
    if promo.starts_at is not None and now < promo.starts_at:
        raise _invalid("That code is not valid yet.")
    if promo.ends_at is not None and now >= promo.ends_at:
        raise _invalid("That code has expired.")
    if _exhausted(promo):
        raise _invalid("That code has been used up.")
    if promo.per_email_limit is not None and email and \
            _uses_by(session, promo.id, email) >= promo.per_email_limit:
        raise _invalid("You have already used that code.")
    eligible = [line for line in lines
                if (not promo.kinds or line.kind in promo.kinds)
                and (not promo.skus or line.sku in promo.skus)]
    if not eligible:
        raise _invalid("That code does not apply to anything in your cart.")
    subtotal = sum(line.amount for line in lines)
    if subtotal < promo.min_subtotal:
        from storefront.money import format_money

        raise _invalid(f"That code needs an order of at least "
                       f"{format_money(promo.min_subtotal, promo.currency)} before discount.")
    if promo.kind == DiscountKind.AMOUNT and promo.currency != currency.upper():
        raise _invalid("That code is for orders in another currency.")
    discount = Discount(promo.id, promo.code)
    if promo.kind == DiscountKind.PERCENT:
        for line in eligible:  # rounded per line, like tax
            discount.per_line[line.sku] = _round(Decimal(line.amount) * promo.percent / 100)
    else:
        base = sum(line.amount for line in eligible)
        off = min(promo.amount_off or 0, base)
        # Spread over the lines in proportion, largest remainders first, so it sums exactly.
        shares = [(line.sku, off * line.amount // base, off * line.amount % base) for line in eligible]
        left = off - sum(s for _, s, _ in shares)
        for i, (sku, share, _) in enumerate(sorted(shares, key=lambda s: -s[2])):
            discount.per_line[sku] = share + (1 if i < left else 0)
    return discount


def hold(session: Session, promotion_id: int, *, order_id: int, email: str, amount: int) -> None:
    """Hold one use for a pending order; 422 when the last use went to someone else first.

    The conditional UPDATE locks the promotion row until the caller commits, so concurrent
    holders queue on it and each re-checks the limit against the latest count.
    """
    res = session.execute(
        update(Promotion)
        .where(Promotion.id == promotion_id, Promotion.status == PromotionStatus.ACTIVE,
               (Promotion.usage_limit.is_(None))
               | (Promotion.held + Promotion.redeemed < Promotion.usage_limit))
        .values(held=Promotion.held + 1).execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise _invalid("That code has just been used up.")
    per_email = session.scalar(select(Promotion.per_email_limit).where(Promotion.id == promotion_id))
    if per_email is not None and _uses_by(session, promotion_id, email) >= per_email:
        raise _invalid("You have already used that code.")  # the caller rolls back the hold
    session.add(PromotionRedemption(promotion_id=promotion_id, order_id=order_id,
                                    email=email.lower(), amount=amount,
                                    status=RedemptionStatus.HELD))
    session.flush()


def redeem(session: Session, order_id: int) -> str:
    """Count the order's use now that it is paid: "redeemed", "none", or "over_limit".

    A use released meanwhile (the payment came after the order expired) is taken again
    only while the limit allows; otherwise the order is paid but the use is not counted.
    """
    row = session.scalar(select(PromotionRedemption).where(PromotionRedemption.order_id == order_id))
    if row is None:
        return "none"
    now = utcnow()
    moved = session.execute(
        update(PromotionRedemption)
        .where(PromotionRedemption.id == row.id, PromotionRedemption.status == RedemptionStatus.HELD)
        .values(status=RedemptionStatus.REDEEMED, redeemed_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if moved == 1:
        session.execute(update(Promotion).where(Promotion.id == row.promotion_id)
                        .values(held=Promotion.held - 1, redeemed=Promotion.redeemed + 1)
                        .execution_options(synchronize_session=False))
        return "redeemed"
    session.refresh(row)
    if row.status == RedemptionStatus.REDEEMED:
        return "redeemed"
    taken = session.execute(
        update(Promotion)
        .where(Promotion.id == row.promotion_id,
               (Promotion.usage_limit.is_(None))
               | (Promotion.held + Promotion.redeemed < Promotion.usage_limit))
        .values(redeemed=Promotion.redeemed + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return "over_limit"
    session.execute(update(PromotionRedemption).where(PromotionRedemption.id == row.id)
                    .values(status=RedemptionStatus.REDEEMED, redeemed_at=now)
                    .execution_options(synchronize_session=False))
    return "redeemed"


def release(session: Session, order_id: int) -> bool:
    """Give back a pending order's held use (it failed, expired or was cancelled)."""
    row_id = session.scalar(select(PromotionRedemption.id).where(
        PromotionRedemption.order_id == order_id, PromotionRedemption.status == RedemptionStatus.HELD))
    if row_id is None:
        return False
    moved = session.execute(
        update(PromotionRedemption)
        .where(PromotionRedemption.id == row_id, PromotionRedemption.status == RedemptionStatus.HELD)
        .values(status=RedemptionStatus.RELEASED).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return False
    session.execute(update(Promotion)
                    .where(Promotion.id == select(PromotionRedemption.promotion_id)
                           .where(PromotionRedemption.id == row_id).scalar_subquery())
                    .values(held=Promotion.held - 1).execution_options(synchronize_session=False))
    return True
