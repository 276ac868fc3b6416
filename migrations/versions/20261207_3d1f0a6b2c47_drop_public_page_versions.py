"""drop public_page_versions: consumer-page versions live in the shared store

Revision ID: 3d1f0a6b2c47
Revises: 9c4b2e7d5a18
Create Date: 2026-12-07 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d1f0a6b2c47'
down_revision = '9c4b2e7d5a18'
branch_labels = None
depends_on = None


def upgrade():
    # trace.services.public_cache keeps the versions in Redis or the host's shared file,
    # which every worker reads on each request; the table's recheck is gone.
    op.drop_table('public_page_versions')


def downgrade():
    op.create_table('public_page_versions',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_public_page_versions_batch_id_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_public_page_versions'))
    )
