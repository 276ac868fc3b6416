"""linkage speed: contracts that can be in force, and confirmed cooperatives, as covering indexes

Revision ID: 7b3e9c4d1f20
Revises: 5d2e8f1a3b4c
Create Date: 2026-11-27 18:00:00

The linkage rate finds the cooperatives linked on a day from the contracts in force then
and the cooperatives that confirmed them. Two partial covering indexes let it read both
without visiting the tables: the contracts that may be in force (not superseded; signed,
completed or terminated) by end and start date, with their lead organization and end
date, and each contract's confirmed cooperative parties.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e9c4d1f20'
down_revision = '5d2e8f1a3b4c'
branch_labels = None
depends_on = None

MAY_BE_IN_FORCE = "superseded_at IS NULL AND state IN ('signed', 'completed', 'terminated')"
CONFIRMED_COOPERATIVE = "role = 'cooperative' AND confirmed_at IS NOT NULL"


def upgrade():
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_contracts_in_force',
            ['effective_to', 'effective_from'],
            unique=False,
            postgresql_include=['lead_org_id', 'ended_on'],
            postgresql_where=sa.text(MAY_BE_IN_FORCE),
            sqlite_where=sa.text(MAY_BE_IN_FORCE),
        )
    with op.batch_alter_table('contract_parties', schema=None) as batch_op:
        batch_op.create_index(
            'ix_contract_parties_confirmed_cooperative',
            ['contract_id'],
            unique=False,
            postgresql_include=['organization_id'],
            postgresql_where=sa.text(CONFIRMED_COOPERATIVE),
            sqlite_where=sa.text(CONFIRMED_COOPERATIVE),
        )


def downgrade():
    with op.batch_alter_table('contract_parties', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_parties_confirmed_cooperative')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_in_force')
