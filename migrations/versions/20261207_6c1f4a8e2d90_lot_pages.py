"""lot_pages: each lot's rendered consumer page per language, kept for the next first view

Revision ID: 6c1f4a8e2d90
Revises: 5a9d3e1c7b24
Create Date: 2026-12-07 21:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c1f4a8e2d90'
down_revision = "5a9d3e1c7b24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lot_pages',
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('lots', sa.Text(), nullable=False),
        sa.Column('versions', sa.Text(), nullable=False),
        sa.Column('stamp', sa.String(length=16), nullable=False),
        sa.Column('valid_through', sa.Date(), nullable=True),
        sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_lot_pages_batch_id_batches'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('batch_id', 'language', name=op.f('pk_lot_pages')),
    )


def downgrade():
    op.drop_table('lot_pages')
