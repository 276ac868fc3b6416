"""season_imports: spreadsheets of a season's lots, inputs and shipments, run at once or by
the worker, with their outcome

Revision ID: 5a9d3e1c7b24
Revises: 5d1f0b7e9c32
Create Date: 2026-12-07 18:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a9d3e1c7b24'
down_revision = "5d1f0b7e9c32"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'season_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_season_imports_organization_id_organizations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_season_imports_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_season_imports')),
    )
    op.create_index('ix_season_imports_org_created', 'season_imports', ['organization_id', 'created_at'])


def downgrade():
    op.drop_index('ix_season_imports_org_created', table_name='season_imports')
    op.drop_table('season_imports')
