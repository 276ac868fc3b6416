"""recalls and notices

Revision ID: 875c0b050fd2
Revises: 112afae8a892
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '875c0b050fd2'
down_revision = '112afae8a892'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
