"""files: the file store (stored_files, file_chunks, file_variants)

Revision ID: f1e5a0c7b242
Revises: d3a8f61c2e47
Create Date: 2026-12-07 15:00:00.000000

Uploaded files, by the SHA-256 of their content; their bytes in file_chunks when the
database is the store (FILES_URL unset), in object storage otherwise. A contract
attachment's stored_name is now the file's hash: no longer unique (two contracts may
attach the same scan), indexed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1e5a0c7b242'
down_revision = 'd3a8f61c2e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stored_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_files'))
    )
    op.create_table('file_chunks',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['stored_files.sha256'], name=op.f('fk_file_chunks_sha256_stored_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sha256', 'seq', name=op.f('pk_file_chunks'))
    )
    op.create_table('file_variants',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('variant', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['stored_files.sha256'], name=op.f('fk_file_variants_sha256_stored_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source'], ['stored_files.sha256'], name=op.f('fk_file_variants_source_stored_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source', 'variant', name=op.f('pk_file_variants'))
    )
    with op.batch_alter_table('file_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_variants_sha256'), ['sha256'], unique=False)
    with op.batch_alter_table('contract_attachments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_contract_attachments_stored_name', type_='unique')
        batch_op.create_index(
            batch_op.f('ix_contract_attachments_stored_name'), ['stored_name'], unique=False
        )


def downgrade():
    with op.batch_alter_table('contract_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_attachments_stored_name'))
        batch_op.create_unique_constraint('uq_contract_attachments_stored_name', ['stored_name'])
    with op.batch_alter_table('file_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_file_variants_sha256'))
    op.drop_table('file_variants')
    op.drop_table('file_chunks')
    op.drop_table('stored_files')
