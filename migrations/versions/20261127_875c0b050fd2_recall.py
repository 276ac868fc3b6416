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
    op.create_table('recalls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('severity', sa.Enum('serious', 'moderate', 'low', name='recall_severity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='recall_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('destroyed', 'returned', 'reprocessed', 'not_found', 'other', name='recall_outcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_recalls_batch_id_batches')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_recalls_closed_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['trace_events.id'], name=op.f('fk_recalls_event_id_trace_events')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_recalls_opened_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_recalls_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recalls'))
    )
    with op.batch_alter_table('recalls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recalls_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recalls_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_recalls_status_opened', ['status', 'opened_at'], unique=False)

    op.create_table('recall_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('unit', sa.Enum('kg', 't', 'g', 'l', 'piece', 'box', 'bag', name='quantity_unit', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('previous_status', sa.Enum('draft', 'active', 'closed', 'recalled', name='batch_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_recall_batches_batch_id_batches')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_recall_batches_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recall_id'], ['recalls.id'], name=op.f('fk_recall_batches_recall_id_recalls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recall_batches')),
    sa.UniqueConstraint('recall_id', 'batch_id', name=op.f('uq_recall_batches_recall_id_batch_id'))
    )
    with op.batch_alter_table('recall_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recall_batches_batch_id'), ['batch_id'], unique=False)

    op.create_table('recall_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('received', sa.JSON(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_by_name', sa.String(length=120), nullable=True),
    sa.Column('acknowledged_via', sa.Enum('link', 'web', 'api', name='ack_channel', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_recall_recipients_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_recall_recipients_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recall_id'], ['recalls.id'], name=op.f('fk_recall_recipients_recall_id_recalls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recall_recipients')),
    sa.UniqueConstraint('recall_id', 'organization_id', name=op.f('uq_recall_recipients_recall_id_organization_id'))
    )
    with op.batch_alter_table('recall_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recall_recipients_organization_id'), ['organization_id'], unique=False)

    op.create_table('recall_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recall_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='notice_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recall_id'], ['recalls.id'], name=op.f('fk_recall_notices_recall_id_recalls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['recall_recipients.id'], name=op.f('fk_recall_notices_recipient_id_recall_recipients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recall_notices'))
    )
    with op.batch_alter_table('recall_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recall_notices_recall_id'), ['recall_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recall_notices_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_recall_notices_status_id', ['status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('recall_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_recall_notices_status_id')
        batch_op.drop_index(batch_op.f('ix_recall_notices_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_recall_notices_recall_id'))

    op.drop_table('recall_notices')
    with op.batch_alter_table('recall_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recall_recipients_organization_id'))

    op.drop_table('recall_recipients')
    with op.batch_alter_table('recall_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recall_batches_batch_id'))

    op.drop_table('recall_batches')
    with op.batch_alter_table('recalls', schema=None) as batch_op:
        batch_op.drop_index('ix_recalls_status_opened')
        batch_op.drop_index(batch_op.f('ix_recalls_organization_id'))
        batch_op.drop_index(batch_op.f('ix_recalls_batch_id'))

    op.drop_table('recalls')
