"""indicator speed: kilograms as double precision, lots by product and day

Revision ID: 5d2e8f1a3b4c
Revises: 3c1d5e7f9a2b
Create Date: 2026-11-27 15:10:00

``batches.quantity_kg`` is a statistic the indicators sum over millions of lots: as double
precision it sums several times faster than NUMERIC (whose conversion goes through text).
The traceability rate reads each product's lots of the period in product order from one
covering index, (product_id, counted_on) with traced and quantity_kg, which replaces the
plain index on product_id.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2e8f1a3b4c'
down_revision = '3c1d5e7f9a2b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.alter_column(
            'quantity_kg',
            existing_type=sa.Numeric(precision=14, scale=3),
            type_=sa.Double(),
            existing_nullable=True,
            postgresql_using='quantity_kg::double precision',
        )
        batch_op.drop_index('ix_batches_product_id')
        batch_op.create_index(
            'ix_batches_product_day',
            ['product_id', 'counted_on'],
            unique=False,
            postgresql_include=['traced', 'quantity_kg'],
        )


def downgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index('ix_batches_product_day')
        batch_op.create_index('ix_batches_product_id', ['product_id'], unique=False)
        batch_op.alter_column(
            'quantity_kg',
            existing_type=sa.Double(),
            type_=sa.Numeric(precision=14, scale=3),
            existing_nullable=True,
            postgresql_using='quantity_kg::numeric(14, 3)',
        )
