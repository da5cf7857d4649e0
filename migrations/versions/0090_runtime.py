"""runtime: outbox leases, retries and dead letters; orders' client reference

The outbox gains a status (pending / sending / sent / dead), the lease of the drain that
claimed a row (``sending_until``) and the time of its next retry. Rows already sent keep
``sent``; the rest start ``pending``. Orders gain ``client_ref`` (a keyed hash of the client
address) so order creation can cap unpaid orders per client.

Revision ID: 0090
Revises: 0080
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0090"
down_revision = "0080"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_emails") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                   server_default="pending"))
        batch.add_column(sa.Column("sending_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_outbox_emails_status", ["status"])
    op.execute("UPDATE outbox_emails SET status = 'sent' WHERE sent_at IS NOT NULL")
    with op.batch_alter_table("outbox_emails") as batch:
        batch.alter_column("status", server_default=None)
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("client_ref", sa.String(length=64), nullable=True))
        batch.create_index("ix_orders_client_status", ["client_ref", "status"])


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_client_status")
        batch.drop_column("client_ref")
    with op.batch_alter_table("outbox_emails") as batch:
        batch.drop_index("ix_outbox_emails_status")
        batch.drop_column("next_attempt_at")
        batch.drop_column("sending_until")
        batch.drop_column("status")
