"""users.session_version: logout, a password change or a reset ends the user's other sessions

Revision ID: 5e7a1c9d3b20
Revises: 9ce5f407781c
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c9d3b20'
down_revision = '9ce5f407781c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_version')
