"""eudr: each plot's GeoJSON Feature for the EU Information System, kept as text

Revision ID: 5a9e3c1f7b62
Revises: 5e1c9a7d3b20
Create Date: 2026-12-07 18:10:00.000000

Written by eudr.services.features whenever the plot, its growing area, its households or their
consent change; null for plots saved before (the evidence writes those on the fly).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a9e3c1f7b62'
down_revision = '5e1c9a7d3b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('eudr_plots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eu_feature', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('eudr_plots', schema=None) as batch_op:
        batch_op.drop_column('eu_feature')
