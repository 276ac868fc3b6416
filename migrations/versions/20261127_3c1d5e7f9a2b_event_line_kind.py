"""event kind on event lines

Revision ID: 3c1d5e7f9a2b
Revises: 628e82bd70c1
Create Date: 2026-11-27 15:00:00

Each event line carries its event's kind (events never change kind), so a trace finds the
shipments of its lots in one small index (lot → shipping lines) instead of visiting every
event of every lot; the index of shipping events holds what a trace shows of them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1d5e7f9a2b'
down_revision = '628e82bd70c1'
branch_labels = None
depends_on = None

SHIPPING = sa.text("kind = 'shipping'")
KINDS = (
    'harvest', 'input_applied', 'transformation', 'shipping', 'receiving', 'inspection',
    'recall', 'correction', 'other',
)


def upgrade():
    op.add_column('event_lines', sa.Column('kind', sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE event_lines SET kind ="
        " (SELECT kind FROM trace_events WHERE trace_events.id = event_lines.event_id)"
    )
    with op.batch_alter_table('event_lines', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_check_constraint(
            op.f('ck_event_lines_event_kind'), sa.column('kind').in_(KINDS)
        )
        batch_op.create_index(
            'ix_event_lines_shipping',
            ['batch_id'],
            unique=False,
            postgresql_include=['event_id', 'quantity'],
            postgresql_where=SHIPPING,
            sqlite_where=SHIPPING,
        )
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index('ix_trace_events_shipping')
        batch_op.create_index(
            'ix_trace_events_shipping',
            ['id'],
            unique=False,
            postgresql_include=['event_time', 'destination_org_id', 'reference'],
            postgresql_where=SHIPPING,
            sqlite_where=SHIPPING,
        )


def downgrade():
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index('ix_trace_events_shipping')
        batch_op.create_index(
            'ix_trace_events_shipping',
            ['id'],
            unique=False,
            postgresql_where=SHIPPING,
            sqlite_where=SHIPPING,
        )
    with op.batch_alter_table('event_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_event_lines_shipping')
        batch_op.drop_constraint(op.f('ck_event_lines_event_kind'), type_='check')
        batch_op.drop_column('kind')
