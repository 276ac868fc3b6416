"""linkage: a delivery recorded by the buyer waits for the seller (status, decision)

Revision ID: d3a8f61c2e47
Revises: c3f8a1d6e2b4
Create Date: 2026-12-07 14:50:00.000000

Every delivery recorded so far wrote its trace events at once: it is confirmed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a8f61c2e47'
down_revision = 'c3f8a1d6e2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', name='delivery_status', native_enum=False, create_constraint=True, length=32), nullable=False, server_default='confirmed'))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key('fk_deliveries_decided_by_id_users', 'users', ['decided_by_id'], ['id'])
        batch_op.create_index('ix_deliveries_cooperative_status', ['cooperative_id', 'status'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)


def downgrade():
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_cooperative_status')
        batch_op.drop_constraint('fk_deliveries_decided_by_id_users', type_='foreignkey')
        # SQLite's copy of the table would keep the CHECK on a column it no longer has.
        batch_op.drop_constraint(op.f('ck_deliveries_delivery_status'), type_='check')
        batch_op.drop_column('reject_reason')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('status')
