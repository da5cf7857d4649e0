"""guides: articles held to the claim rules, and the products they feature

Revision ID: 0070
Revises: 0060
Create Date: 2026-11-30 10:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0070'
down_revision = '0060'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=160), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('body_md', sa.Text(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('reviewer_name', sa.String(length=200), nullable=False),
        sa.Column('reviewer_credentials', sa.String(length=200), nullable=False),
        sa.Column('reviewed_on', sa.Date(), nullable=False),
        sa.Column('references', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
        sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guides')),
        sa.UniqueConstraint('slug', name=op.f('uq_guides_slug')),
    )
    op.create_index(op.f('ix_guides_status'), 'guides', ['status'], unique=False)
    op.create_table(
        'guide_products',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guide_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('card', sa.Boolean(), nullable=False),
        sa.Column('related', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], ondelete='CASCADE',
                                name=op.f('fk_guide_products_guide_id_guides')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE',
                                name=op.f('fk_guide_products_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_products')),
        sa.UniqueConstraint('guide_id', 'product_id', name='uq_guide_products_guide_product'),
    )
    op.create_index(op.f('ix_guide_products_product_id'), 'guide_products', ['product_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_guide_products_product_id'), table_name='guide_products')
    op.drop_table('guide_products')
    op.drop_index(op.f('ix_guides_status'), table_name='guides')
    op.drop_table('guides')
