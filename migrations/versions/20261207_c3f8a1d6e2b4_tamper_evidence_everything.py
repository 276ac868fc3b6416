"""trace: hash version of each event link, lot revisions chained per organization

Revision ID: c3f8a1d6e2b4
Revises: 3f8a6c2d9e41
Create Date: 2026-12-07 15:00:00

Events: the link hash now covers every stored field (version 2). The events already
chained keep version 1 and their stored hashes; they are not recomputed, because a
recomputation would certify whatever the table holds on the day of the upgrade, tampered
rows included, and would break every anchor or copy of a chain head taken before. New
events are chained with version 2 onto the old links; the app writes the version of each
(the server default, 1, only fills the rows already there: a plain ADD COLUMN, no copy of
the table on SQLite, whose rows other tables point to).

Lots: ``batch_revisions`` records each lot's master data after every change. Each lot
that exists gets its first revision here (a baseline of what it holds at the upgrade),
chained per organization with a frozen copy of ``trace.services.revisions.revision_hash``.
"""
import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3f8a1d6e2b4'
down_revision = '3f8a6c2d9e41'
branch_labels = None
depends_on = None

MASTER_COLUMNS = (
    "organization_id", "product_id", "lot_code", "public_code", "quantity", "unit",
    "harvest_date", "production_date", "packing_date", "expiry_date", "status",
    "label_issued_at", "created_by_id", "created_at",
)
batches = sa.table(
    "batches",
    sa.column("id", sa.Integer),
    sa.column("organization_id", sa.Integer),
    sa.column("product_id", sa.Integer),
    sa.column("lot_code", sa.String),
    sa.column("public_code", sa.String),
    sa.column("quantity", sa.Numeric(14, 3)),
    sa.column("unit", sa.String),
    sa.column("harvest_date", sa.Date),
    sa.column("production_date", sa.Date),
    sa.column("packing_date", sa.Date),
    sa.column("expiry_date", sa.Date),
    sa.column("status", sa.String),
    sa.column("label_issued_at", sa.DateTime(timezone=True)),
    sa.column("created_by_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def _hash(row: dict) -> str:
    data = json.dumps(row["data"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    parts = [
        row["chain_prev"] or "",
        str(row["organization_id"]),
        str(row["chain_seq"]),
        str(row["batch_id"]),
        _plain(row["recorded_at"]),
        data,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def upgrade():
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hash_version', sa.SmallInteger(), nullable=False, server_default='1')
        )
    revisions = op.create_table(
        'batch_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('chain_seq', sa.Integer(), nullable=False),
        sa.Column('chain_prev', sa.String(length=64), nullable=True),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organization_id', 'chain_seq'),
    )
    op.create_index('ix_batch_revisions_batch', 'batch_revisions', ['batch_id', 'id'])
    _baseline(revisions)


batch_sites = sa.table("batch_sites", sa.column("batch_id", sa.Integer), sa.column("site_id", sa.Integer))
batch_households = sa.table(
    "batch_households",
    sa.column("batch_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("quantity", sa.Numeric(14, 3)),
)


def _baseline(revisions) -> None:
    """One revision per existing lot, chained per organization in id order, in blocks."""
    connection = op.get_bind()
    recorded = datetime.now(UTC)
    sites, households = {}, {}
    for batch_id, site_id in connection.execute(sa.select(batch_sites)):
        sites.setdefault(batch_id, []).append(site_id)
    for batch_id, member_id, quantity in connection.execute(sa.select(batch_households)):
        households.setdefault(batch_id, []).append([member_id, _plain(quantity)])
    heads: dict[int, tuple[int, str | None]] = {}
    rows = connection.execute(
        sa.select(batches).order_by(batches.c.organization_id, batches.c.id)
    )
    block = []
    for lot in rows.mappings():
        seq, previous = heads.get(lot["organization_id"], (0, None))
        row = {
            "organization_id": lot["organization_id"],
            "batch_id": lot["id"],
            "data": {
                **{name: _plain(lot[name]) for name in MASTER_COLUMNS},
                "site_ids": sorted(sites.get(lot["id"], [])),
                "households": sorted(households.get(lot["id"], [])),
            },
            "recorded_at": recorded,
            "chain_seq": seq + 1,
            "chain_prev": previous,
        }
        row["chain_hash"] = _hash(row)
        heads[lot["organization_id"]] = (row["chain_seq"], row["chain_hash"])
        block.append(row)
        if len(block) >= 5000:
            op.bulk_insert(revisions, block)
            block = []
    if block:
        op.bulk_insert(revisions, block)


def downgrade():
    op.drop_index('ix_batch_revisions_batch', table_name='batch_revisions')
    op.drop_table('batch_revisions')
    with op.batch_alter_table('trace_events', schema=None) as batch_op:
        batch_op.drop_column('hash_version')
