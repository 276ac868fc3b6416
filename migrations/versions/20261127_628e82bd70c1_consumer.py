"""consumer page and labels

Revision ID: 628e82bd70c1
Revises: 1a8a7200d043
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '628e82bd70c1'
down_revision = '1a8a7200d043'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
