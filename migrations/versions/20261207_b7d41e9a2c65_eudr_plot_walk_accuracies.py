"""eudr: the GPS accuracy of each corner of a plot walked with a phone

Revision ID: b7d41e9a2c65
Revises: ec1e3e0803d3
Create Date: 2026-12-07 13:00:00.000000

A JSON list of metres, one per corner in the ring's order; null for a plot drawn or imported.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e9a2c65'
down_revision = 'ec1e3e0803d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('eudr_plots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_accuracies_m', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('eudr_plots', schema=None) as batch_op:
        batch_op.drop_column('walk_accuracies_m')
