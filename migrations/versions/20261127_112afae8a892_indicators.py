"""indicator targets and indexes

Revision ID: 112afae8a892
Revises: 39487f52c589
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '112afae8a892'
down_revision = '39487f52c589'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
