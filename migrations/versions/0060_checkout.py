"""checkout a seller can go live with: order numbers, shipping, tax, discounts, promotions

Orders gain a human number (PostgreSQL: the ``order_number_seq`` sequence; SQLite: the
``order_number_counter`` row), the shipping method, discount and tax figures (per line too)
and the promotion code; lines record units restocked after a refund. Existing orders are
numbered by id from 10001. Promotion codes and their redemptions get their own tables.

Columns are only added (no table rebuilds), so SQLite never drops and re-creates ``orders``.

Revision ID: 0060
Revises: 0050
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0060'
down_revision = '0050'
branch_labels = None
depends_on = None

FIRST_NUMBER = 10001


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    for name, col in (
        ("number", sa.Column("number", sa.Integer(), nullable=True)),
        ("discount_amount", sa.Column("discount_amount", sa.Integer(), nullable=False, server_default="0")),
        ("tax_amount", sa.Column("tax_amount", sa.Integer(), nullable=False, server_default="0")),
        ("tax_included", sa.Column("tax_included", sa.Boolean(), nullable=False, server_default=sa.false())),
        ("tax_lines", sa.Column("tax_lines", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                                nullable=False, server_default=sa.text("'[]'"))),
        ("shipping_method", sa.Column("shipping_method", sa.String(length=40), nullable=True)),
        ("shipping_method_name", sa.Column("shipping_method_name", sa.String(length=120), nullable=True)),
        ("promotion_code", sa.Column("promotion_code", sa.String(length=40), nullable=True)),
    ):
        op.add_column("orders", col)
    for col in ("discount_amount", "tax_amount", "restocked_quantity"):
        op.add_column("order_lines", sa.Column(col, sa.Integer(), nullable=False, server_default="0"))
    op.execute(f"UPDATE orders SET number = id + {FIRST_NUMBER - 1}")
    op.create_index("ix_orders_number", "orders", ["number"], unique=True)
    op.create_index("ix_orders_promotion_code", "orders", ["promotion_code"], unique=False)
    if pg:
        op.create_check_constraint("ck_order_lines_restock_within_quantity", "order_lines",
                                   "restocked_quantity >= 0 AND restocked_quantity <= quantity")

    op.create_table(
        "order_number_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_number_counter")),
    )
    start = bind.execute(sa.text(f"SELECT coalesce(max(number), {FIRST_NUMBER - 1}) FROM orders")).scalar()
    op.execute(f"INSERT INTO order_number_counter (id, last_value) VALUES (1, {int(start)})")
    if pg:
        op.execute(f"CREATE SEQUENCE order_number_seq START WITH {int(start) + 1}")

    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("amount_off", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_subtotal", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("per_email_limit", sa.Integer(), nullable=True),
        sa.Column("kinds", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("skus", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("banner", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("held >= 0 AND redeemed >= 0", name=op.f("ck_promotions_counts_non_negative")),
        sa.CheckConstraint("usage_limit IS NULL OR held + redeemed <= usage_limit",
                           name=op.f("ck_promotions_within_usage_limit")),
        sa.CheckConstraint("(kind = 'percent' AND percent BETWEEN 1 AND 100) OR "
                           "(kind = 'amount' AND amount_off > 0)", name=op.f("ck_promotions_discount_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
        sa.UniqueConstraint("code", name=op.f("uq_promotions_code")),
    )
    op.create_table(
        "promotion_redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("promotion_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_promotion_redemptions_order_id_orders")),
        sa.ForeignKeyConstraint(["promotion_id"], ["promotions.id"],
                                name=op.f("fk_promotion_redemptions_promotion_id_promotions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotion_redemptions")),
        sa.UniqueConstraint("order_id", name=op.f("uq_promotion_redemptions_order_id")),
    )
    op.create_index("ix_promotion_redemptions_email", "promotion_redemptions", ["email"], unique=False)
    op.create_index("ix_promotion_redemptions_promotion_id", "promotion_redemptions",
                    ["promotion_id"], unique=False)


def downgrade():
    pg = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_promotion_redemptions_promotion_id", table_name="promotion_redemptions")
    op.drop_index("ix_promotion_redemptions_email", table_name="promotion_redemptions")
    op.drop_table("promotion_redemptions")
    op.drop_table("promotions")
    if pg:
        op.execute("DROP SEQUENCE IF EXISTS order_number_seq")
        op.drop_constraint("ck_order_lines_restock_within_quantity", "order_lines", type_="check")
    op.drop_table("order_number_counter")
    op.drop_index("ix_orders_promotion_code", table_name="orders")
    op.drop_index("ix_orders_number", table_name="orders")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no table rebuild, no cascades.
    for col in ("discount_amount", "tax_amount", "restocked_quantity"):
        op.drop_column("order_lines", col)
    for col in ("promotion_code", "shipping_method_name", "shipping_method", "tax_lines",
                "tax_included", "tax_amount", "discount_amount", "number"):
        op.drop_column("orders", col)
