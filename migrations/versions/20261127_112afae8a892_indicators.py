"""indicator targets and indexes

Revision ID: 112afae8a892
Revises: 39487f52c589
Create Date: 2026-11-27 12:00:00

Adds to ``batches`` what the indicators count, kept exact by
``trace.services.completeness``: ``traced`` (every completeness check passes),
``counted_on`` (the lot's day; NULL for drafts) and ``quantity_kg``, with one index
the indicators read alone. Existing lots start uncounted: run
``flask trace refresh-traced`` once after upgrading.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '112afae8a892'
down_revision = '39487f52c589'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('traced', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('counted_on', sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column('quantity_kg', sa.Numeric(precision=14, scale=3), nullable=True)
        )
        batch_op.create_index(
            'ix_batches_indicator',
            ['organization_id', 'counted_on'],
            unique=False,
            postgresql_include=['product_id', 'traced', 'quantity_kg'],
        )


def downgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index('ix_batches_indicator')
        batch_op.drop_column('quantity_kg')
        batch_op.drop_column('counted_on')
        batch_op.drop_column('traced')
