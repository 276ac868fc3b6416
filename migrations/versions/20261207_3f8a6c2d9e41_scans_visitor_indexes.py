"""scans: indexes that cover the distinct-visitor counts

Revision ID: 3f8a6c2d9e41
Revises: b7d41e9a2c65
Create Date: 2026-12-07 15:00:00.000000

A lot's and a unit code's scan figures count distinct visitors per day
(COUNT(DISTINCT client_hash)); the indexes on (batch_id, scanned_at) and
(unit_id, scanned_at) gain client_hash, so those counts read the index alone. The old
indexes are prefixes of the new ones and go.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f8a6c2d9e41'
down_revision = 'b7d41e9a2c65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index(
            'ix_scans_batch_time_client', ['batch_id', 'scanned_at', 'client_hash'], unique=False
        )
        batch_op.create_index(
            'ix_scans_unit_time_client', ['unit_id', 'scanned_at', 'client_hash'], unique=False
        )
        batch_op.drop_index('ix_scans_batch_time')
        batch_op.drop_index('ix_scans_unit_time')


def downgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index('ix_scans_batch_time', ['batch_id', 'scanned_at'], unique=False)
        batch_op.create_index('ix_scans_unit_time', ['unit_id', 'scanned_at'], unique=False)
        batch_op.drop_index('ix_scans_unit_time_client')
        batch_op.drop_index('ix_scans_batch_time_client')
