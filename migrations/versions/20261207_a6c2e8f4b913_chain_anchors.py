"""chain_anchors: each day's anchor of the chain heads, in the database

Revision ID: a6c2e8f4b913
Revises: 4f8a2d6c1e93
Create Date: 2026-12-07 15:40:00.000000

The open-data page and its download read the anchors from here, so every web host serves
them; the worker still appends each line to the export file (ANCHORS_FILE). Lines already in
an old INSTANCE_DIR/anchors file are loaded by the next `flask trace anchor` or worker run.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c2e8f4b913'
down_revision = '4f8a2d6c1e93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chain_anchors',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('line', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_chain_anchors')),
    )


def downgrade():
    op.drop_table('chain_anchors')
