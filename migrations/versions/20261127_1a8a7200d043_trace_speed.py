"""trace and capture speed

Revision ID: 1a8a7200d043
Revises: 612e33616f21
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1a8a7200d043'
down_revision = '612e33616f21'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
