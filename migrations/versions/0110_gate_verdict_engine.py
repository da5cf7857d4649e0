"""gate verdicts name the compliance engine that gave them

A verdict is fresh only for the product version it was given on *and* for the same
compliance engine (rules, vocabularies, model and checker code: ``compliance.version``).
Rows from before this column carry an empty engine and are checked again.

Revision ID: 0110
Revises: 0100
Create Date: 2026-11-28 09:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0110"
down_revision = "0100"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("product_gate_verdicts") as batch:
        batch.add_column(sa.Column("engine", sa.String(16), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("product_gate_verdicts") as batch:
        batch.drop_column("engine")
