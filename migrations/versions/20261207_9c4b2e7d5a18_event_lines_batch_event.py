"""event lines by lot, with their event

Revision ID: 9c4b2e7d5a18
Revises: 7b3e9c4d1f20
Create Date: 2026-12-07 06:00:00

The events about a set of lots (a lot's page, the events a buyer may read about the lots
shipped to it) are read as one set from the (batch_id, event_id) index alone, on SQLite and
PostgreSQL, instead of a correlated EXISTS per event line.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9c4b2e7d5a18'
down_revision = '7b3e9c4d1f20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_lines', schema=None) as batch_op:
        batch_op.create_index(
            'ix_event_lines_batch_event', ['batch_id', 'event_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('event_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_event_lines_batch_event')
