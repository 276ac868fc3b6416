"""trace_events.epcis_event_id: a partner's own EPCIS eventID, kept as sent

Revision ID: 4f8a2d6c1e93
Revises: f1e5a0c7b242
Create Date: 2026-12-07 15:00:00.000000

Null for our own events (their eventID is event_hash, the CBV 2.0 hash, which stays the
duplicate key); unique, as EPCIS eventIDs are.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f8a2d6c1e93'
down_revision = 'f1e5a0c7b242'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('epcis_event_id', sa.String(length=500), nullable=True))
        batch_op.create_index(
            'ix_trace_events_epcis_event_id', ['epcis_event_id'], unique=True
        )


def downgrade():
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index('ix_trace_events_epcis_event_id')
        batch_op.drop_column('epcis_event_id')
