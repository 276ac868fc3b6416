"""trace and capture speed

Revision ID: 1a8a7200d043
Revises: 612e33616f21
Create Date: 2026-11-27 12:00:00

The backward walk of a trace reads (child_id, parent_id) from one index, as the forward walk
already does from the (parent_id, child_id, event_id) key; shipments among a trace's events
are found in a partial index of shipping events.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1a8a7200d043'
down_revision = '612e33616f21'
branch_labels = None
depends_on = None

SHIPPING = sa.text("kind = 'shipping'")


def upgrade():
    with op.batch_alter_table('batch_links', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_links_child')
        batch_op.create_index(
            'ix_batch_links_child_parent', ['child_id', 'parent_id'], unique=False
        )
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.create_index(
            'ix_trace_events_shipping',
            ['id'],
            unique=False,
            postgresql_where=SHIPPING,
            sqlite_where=SHIPPING,
        )


def downgrade():
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index('ix_trace_events_shipping')
    with op.batch_alter_table('batch_links', schema=None) as batch_op:
        batch_op.drop_index('ix_batch_links_child_parent')
        batch_op.create_index('ix_batch_links_child', ['child_id'], unique=False)
