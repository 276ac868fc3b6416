"""consumer page and labels

Revision ID: 628e82bd70c1
Revises: 1a8a7200d043
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '628e82bd70c1'
down_revision = '1a8a7200d043'
branch_labels = None
depends_on = None


def upgrade():
    # A lot's public-page version (trace.services.public_cache.invalidate_lots).
    op.create_table('public_page_versions',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_public_page_versions_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_public_page_versions'))
    )


def downgrade():
    op.drop_table('public_page_versions')
