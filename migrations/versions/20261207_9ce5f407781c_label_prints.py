"""label prints: print jobs, the one way a lot's label is issued

Revision ID: 9ce5f407781c
Revises: 3d1f0a6b2c47
Create Date: 2026-12-07 11:30:00

Issuing a label was a side effect of downloading one (a GET). Now a print job (POST) is
recorded here: who printed which labels of a lot, on which stock, and whether it issued the
lot's label. Lots labelled before keep their ``label_issued_at``, without a job.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9ce5f407781c'
down_revision = '3d1f0a6b2c47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('label_prints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('layout', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.Enum('batch', 'units', name='label_print_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('labels', sa.Integer(), nullable=False),
    sa.Column('first_unit_id', sa.Integer(), nullable=True),
    sa.Column('last_unit_id', sa.Integer(), nullable=True),
    sa.Column('issued_label', sa.Boolean(), nullable=False),
    sa.CheckConstraint('labels > 0', name=op.f('ck_label_prints_labels_positive')),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_label_prints_batch_id_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['printed_by_id'], ['users.id'], name=op.f('fk_label_prints_printed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_label_prints'))
    )
    with op.batch_alter_table('label_prints', schema=None) as batch_op:
        batch_op.create_index('ix_label_prints_batch_id', ['batch_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('label_prints', schema=None) as batch_op:
        batch_op.drop_index('ix_label_prints_batch_id')

    op.drop_table('label_prints')
