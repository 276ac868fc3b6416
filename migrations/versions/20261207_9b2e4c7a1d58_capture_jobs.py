"""capture_jobs: documents sent to the EPCIS 2.0 REST binding's /capture, run by the worker;
an index on trace_events.location_code (the binding's EQ_bizLocation)

Revision ID: 9b2e4c7a1d58
Revises: a6c2e8f4b913
Create Date: 2026-12-07 15:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b2e4c7a1d58'
down_revision = 'a6c2e8f4b913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'capture_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('capture_id', sa.String(length=40), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=True),
        sa.Column('running', sa.Boolean(), nullable=False),
        sa.Column('success', sa.Boolean(), nullable=False),
        sa.Column('stored', sa.Integer(), nullable=False),
        sa.Column('duplicates', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_capture_jobs_organization_id_organizations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_capture_jobs_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_capture_jobs')),
        sa.UniqueConstraint('capture_id', name=op.f('uq_capture_jobs_capture_id')),
    )
    op.create_index(op.f('ix_capture_jobs_organization_id'), 'capture_jobs', ['organization_id'])
    # The REST binding's EQ_bizLocation and /bizLocations/{uri}/events filter on it.
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_events_location_code'), ['location_code'])


def downgrade():
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_events_location_code'))
    op.drop_index('ix_capture_jobs_organization_id', table_name='capture_jobs')
    op.drop_table('capture_jobs')
