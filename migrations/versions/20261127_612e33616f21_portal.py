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
    op.create_table('portal_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.Enum('organization', 'product', 'site', 'event', name='portal_record_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('record_key', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'retrying', 'failing', 'sent', name='portal_outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_outbox')),
    sa.UniqueConstraint('destination', 'kind', 'record_key', name=op.f('uq_portal_outbox_destination_kind_record_key'))
    )
    with op.batch_alter_table('portal_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_portal_outbox_due', ['destination', 'status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_outbox_due')

    op.drop_table('portal_outbox')
