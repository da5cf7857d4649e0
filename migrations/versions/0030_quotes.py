"""quotes: requests, lines, event and message history, attachments, reference counter

Revision ID: 0030
Revises: 0020
Create Date: 2026-11-22 01:58:39.119912

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quote_sequences',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_quote_sequences'))
    )
    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('buyer_type', sa.String(length=16), nullable=False),
    sa.Column('licence_number', sa.String(length=80), nullable=True),
    sa.Column('practice_name', sa.String(length=200), nullable=True),
    sa.Column('target_unit_price', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('client_ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('quote_currency', sa.String(length=3), nullable=True),
    sa.Column('quoted_total', sa.BigInteger(), nullable=True),
    sa.Column('deposit_pct', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('quoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('accept_token_hash', sa.String(length=64), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('payment_option', sa.String(length=8), nullable=True),
    sa.Column('amount_due', sa.BigInteger(), nullable=True),
    sa.Column('order_ref', sa.String(length=64), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_due IS NULL OR amount_due > 0', name=op.f('ck_quotes_amount_due_positive')),
    sa.CheckConstraint('deposit_pct IS NULL OR (deposit_pct BETWEEN 1 AND 99)', name=op.f('ck_quotes_deposit_pct_range')),
    sa.CheckConstraint('quoted_total IS NULL OR quoted_total >= 0', name=op.f('ck_quotes_quoted_total_non_negative')),
    sa.CheckConstraint("status IN ('new', 'in_review', 'quoted', 'accepted', 'declined', 'expired')", name=op.f('ck_quotes_status_known')),
    sa.CheckConstraint('target_unit_price IS NULL OR target_unit_price >= 0', name=op.f('ck_quotes_target_price_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('accept_token_hash', name=op.f('uq_quotes_accept_token_hash')),
    sa.UniqueConstraint('reference', name=op.f('uq_quotes_reference'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_order_ref'), ['order_ref'], unique=False)
        batch_op.create_index('ix_quotes_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_valid_until'), ['valid_until'], unique=False)

    op.create_table('quote_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_quote_attachments_size_positive')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_attachments_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_quote_attachments_storage_key'))
    )
    with op.batch_alter_table('quote_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_attachments_quote_id'), ['quote_id'], unique=False)

    op.create_table('quote_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_events_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_events'))
    )
    with op.batch_alter_table('quote_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_events_quote_id'), ['quote_id'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=True),
    sa.Column('product_name', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('prescription', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('customisations', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('indicative_unit_price', sa.Integer(), nullable=True),
    sa.Column('indicative_currency', sa.String(length=3), nullable=True),
    sa.Column('moq', sa.Integer(), nullable=True),
    sa.Column('below_moq', sa.Boolean(), nullable=False),
    sa.Column('quoted_unit_price', sa.Integer(), nullable=True),
    sa.Column('lead_time_days', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_quote_lines_quantity_positive')),
    sa.CheckConstraint('quoted_unit_price IS NULL OR quoted_unit_price >= 0', name=op.f('ck_quote_lines_quoted_unit_price_non_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_quote_lines_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines')),
    sa.UniqueConstraint('quote_id', 'position', name='uq_quote_lines_quote_position')
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_product_id'), ['product_id'], unique=False)

    op.create_table('quote_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('from_buyer', sa.Boolean(), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_messages_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_messages'))
    )
    with op.batch_alter_table('quote_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_messages_quote_id'), ['quote_id'], unique=False)



def downgrade():
    with op.batch_alter_table('quote_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_messages_quote_id'))

    op.drop_table('quote_messages')
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_lines_product_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('quote_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_events_quote_id'))

    op.drop_table('quote_events')
    with op.batch_alter_table('quote_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_attachments_quote_id'))

    op.drop_table('quote_attachments')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_valid_until'))
        batch_op.drop_index('ix_quotes_status_created')
        batch_op.drop_index(batch_op.f('ix_quotes_order_ref'))
        batch_op.drop_index(batch_op.f('ix_quotes_email'))

    op.drop_table('quotes')
    op.drop_table('quote_sequences')
