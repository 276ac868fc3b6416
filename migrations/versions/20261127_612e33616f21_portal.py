"""portal sync outbox

Revision ID: 612e33616f21
Revises: 875c0b050fd2
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '612e33616f21'
down_revision = '875c0b050fd2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
