"""refund lines: what each staff refund covers (order lines and quantities, shipping)

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


def downgrade():
    with op.batch_alter_table("order_refunds") as batch:
        batch.drop_column("lines")
