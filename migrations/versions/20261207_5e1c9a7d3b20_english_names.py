"""trace: optional English names of products and sites, for the English consumer page

Revision ID: 5e1c9a7d3b20
Revises: 9b2e4c7a1d58
Create Date: 2026-12-07 18:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e1c9a7d3b20"
down_revision = "9b2e4c7a1d58"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("name_en")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("name_en")
