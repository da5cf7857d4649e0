"""Product images and their stored variants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Base, JSONType, UTCDateTime, utcnow


class ProductImage(Base):
    """One picture of a product; position 0 is the primary image."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    alt: Mapped[str] = mapped_column(String(300))
    # Storage key of the re-encoded full-size JPEG (what an export writes back).
    master_key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the bytes as uploaded / loaded, so a re-load of the same file is "unchanged".
    source_sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # [{"width", "height", "webp", "jpeg"}] smallest first; webp / jpeg are storage keys.
    variants: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_primary(self) -> bool:
        return self.position == 0

    def keys(self) -> list[str]:
        """Every storage key this image uses."""
        out = [self.master_key]
        for v in self.variants or []:
            out += [v["webp"], v["jpeg"]]
        return out
