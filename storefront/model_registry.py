"""Import every model module so the metadata (and Alembic) sees all tables."""

import storefront.catalog.queries  # noqa: F401  (listing indexes on products)
from storefront.catalog.models import PriceTier, Product, WavelengthBand  # noqa: F401
from storefront.guides.models import Guide, GuideProduct  # noqa: F401
from storefront.mail.outbox import OutboxEmail  # noqa: F401
from storefront.media.models import ProductImage  # noqa: F401
from storefront.orders.models import (  # noqa: F401
    Order,
    OrderEvent,
    OrderLine,
    OrderNumberCounter,
    OrderRefund,
    StockReservation,
)
from storefront.payments.models import PaymentIntentRecord, StripeEvent  # noqa: F401
from storefront.promotions.models import Promotion, PromotionRedemption  # noqa: F401
from storefront.quotes.models import (  # noqa: F401
    Quote,
    QuoteAttachment,
    QuoteEvent,
    QuoteLine,
    QuoteMessage,
    QuoteSequence,
)
from storefront.staff.imports import CatalogImport  # noqa: F401
from storefront.staff.models import AuditLog, GateVerdict, StaffUser  # noqa: F401
