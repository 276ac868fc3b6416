"""field_records and field_photos: the field app's records, stored once per (user, key),
and the photos taken with events

Revision ID: 5d1f0b7e9c32
Revises: 5a9e3c1f7b62
Create Date: 2026-12-07 18:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5d1f0b7e9c32"
down_revision = "5a9e3c1f7b62"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "field_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trace_events.id"],
            name=op.f("fk_field_records_event_id_trace_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_field_records_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_records")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_field_records_user_id_key")),
    )
    op.create_index(op.f("ix_field_records_event_id"), "field_records", ["event_id"])
    op.create_table(
        "field_photos",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trace_events.id"],
            name=op.f("fk_field_photos_event_id_trace_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["stored_files.sha256"], name=op.f("fk_field_photos_sha256_stored_files")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_field_photos")),
    )
    op.create_index(op.f("ix_field_photos_sha256"), "field_photos", ["sha256"])


def downgrade():
    op.drop_index(op.f("ix_field_photos_sha256"), table_name="field_photos")
    op.drop_table("field_photos")
    op.drop_index(op.f("ix_field_records_event_id"), table_name="field_records")
    op.drop_table("field_records")
