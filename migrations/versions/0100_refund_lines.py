"""refund lines and gate verdicts

Staff refunds record what they cover (order lines and quantities, shipping). The
publication gate's verdict on each product is kept per product version (``checked_for`` =
the product's ``updated_at``) so the staff dashboard and the "blocked by the gate" filter
need not run the gate over the whole catalogue on every load.

Revision ID: 0100
Revises: 0090
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0090"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_refunds") as batch:
        batch.add_column(sa.Column("lines", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql"),
                                   nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "product_gate_verdicts",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("checked_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_product_gate_verdicts_product_id_products")),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_gate_verdicts")),
    )
    op.create_index(op.f("ix_product_gate_verdicts_blocked"), "product_gate_verdicts", ["blocked"])


def downgrade():
    op.drop_index(op.f("ix_product_gate_verdicts_blocked"), table_name="product_gate_verdicts")
    op.drop_table("product_gate_verdicts")
    with op.batch_alter_table("order_refunds") as batch:
        batch.drop_column("lines")
