"""A national-scale dataset for the indicator benchmark, generated inside PostgreSQL.

35,000 agricultural cooperatives (plus groups, unions and enterprises) spread over the
country's 3,321 current communes, about three products each, 2,000,000 lots and 100,000
contracts with their parties and items, all written by ``INSERT … SELECT
generate_series`` so the rows never travel through Python (a few minutes on a laptop).

The lots carry their stored ``traced`` flag, ``counted_on`` day and ``quantity_kg``
directly. The flag is drawn at random (every lot of a quarter of the cooperatives is
complete, about 70 % of the others'): the completeness inputs behind it (events,
labels, households) are not generated, as the indicators read only the stored flag.
``python -m bench.bench_indicators`` builds it on a fresh database and times the rates.
"""

import time
from dataclasses import dataclass

import click
from sqlalchemy import text

from core.extensions import db

CATEGORIES = ("coffee", "pepper", "durian", "cashew", "rice", "vegetables", "fruit", "cassava")


@dataclass(frozen=True)
class NationalSizes:
    """How much to generate (the issue's national scale by default)."""

    cooperatives: int = 35_000
    groups: int = 3_000
    unions: int = 300
    enterprises: int = 5_000
    products_per_coop: int = 3
    batches: int = 2_000_000
    contracts: int = 100_000

    @classmethod
    def scaled(cls, factor: float) -> "NationalSizes":
        """The same shape, ``factor`` times the size (at least a few rows of each)."""
        base = cls()
        return cls(
            cooperatives=max(50, int(base.cooperatives * factor)),
            groups=max(5, int(base.groups * factor)),
            unions=max(2, int(base.unions * factor)),
            enterprises=max(10, int(base.enterprises * factor)),
            batches=max(1000, int(base.batches * factor)),
            contracts=max(100, int(base.contracts * factor)),
        )


STEPS = {
    "communes": """
        CREATE TEMP TABLE nat_communes ON COMMIT DROP AS
        SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM admin_units
        WHERE valid_to IS NULL AND level IN ('commune', 'ward', 'special_zone')
    """,
    "analyze_communes": "ANALYZE nat_communes",
    "organizations": """
        INSERT INTO organizations (kind, name, registration_code, admin_unit_id, address,
            sector, status, status_since, phone, member_count, search_text, created_at,
            updated_at)
        SELECT k.kind, k.prefix || ' ' || g, 'NAT-' || g, c.id, 'Thôn ' || (g % 12 + 1),
            CASE WHEN g % 20 = 0 THEN 'non_agricultural' ELSE 'agricultural' END,
            CASE WHEN g % 25 = 0 THEN 'suspended' ELSE 'active' END,
            CASE WHEN g % 25 = 0 THEN DATE '2025-01-01' END,
            '09' || lpad(g::text, 8, '0'), 10 + g % 90, '', now(), now()
        FROM generate_series(1, :total) AS g
        CROSS JOIN LATERAL (SELECT CASE
            WHEN g <= :coops THEN 'cooperative'
            WHEN g <= :coops + :groups THEN 'cooperative_group'
            WHEN g <= :coops + :groups + :unions THEN 'cooperative_union'
            ELSE 'enterprise' END AS kind, 'HTX' AS prefix) AS k
        JOIN nat_communes AS c ON c.n = (g::bigint * 7919) % (SELECT count(*) FROM nat_communes)
    """,
    "products": """
        INSERT INTO products (organization_id, name, category, unit, image_path,
            is_agricultural, no_standard_declared, active, created_at)
        SELECT o.id, 'Sản phẩm ' || o.id || '-' || p,
            (:categories)[1 + (o.id + p) % cardinality(:categories)],
            CASE WHEN (o.id + p) % 17 = 0 THEN 't' WHEN (o.id + p) % 13 = 0 THEN 'box'
                 ELSE 'kg' END,
            CASE WHEN (o.id * 3 + p) % 10 = 0 THEN NULL ELSE 'p.jpg' END,
            true, true, (o.id + p) % 50 <> 0, now()
        FROM organizations AS o CROSS JOIN generate_series(1, :per_coop) AS p
        WHERE o.kind IN ('cooperative', 'cooperative_group', 'cooperative_union')
    """,
    "numbered_products": """
        CREATE TEMP TABLE nat_products ON COMMIT DROP AS
        SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id, organization_id, unit
        FROM products
    """,
    "analyze_products": "ANALYZE nat_products",
    # Generated ids are valid by construction: skip the per-row foreign-key triggers
    # (superuser only; otherwise the next statement fails and the run says why).
    "fast_batches": "SET LOCAL session_replication_role = replica",
    # A bulk load builds the lots' secondary indexes once at the end, not row by row.
    "keep_batch_indexes": """
        CREATE TEMP TABLE nat_batch_indexes ON COMMIT DROP AS
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'batches' AND indexname LIKE 'ix\\_%'
    """,
    "drop_batch_indexes": """
        DO $$ DECLARE i record; BEGIN
            FOR i IN SELECT indexname FROM nat_batch_indexes LOOP
                EXECUTE format('DROP INDEX %I', i.indexname);
            END LOOP;
        END $$
    """,
    "batches": """
        INSERT INTO batches (organization_id, product_id, lot_code, public_code, quantity,
            unit, harvest_date, status, traced, counted_on, quantity_kg, created_at)
        SELECT p.organization_id, p.id, 'N' || g, 'NAT' || lpad(g::text, 10, '0'),
            q.quantity, p.unit, q.day, CASE WHEN q.draft THEN 'draft' ELSE 'active' END,
            p.organization_id % 4 = 0 OR (g::bigint * 2654435761) % 100 < 70,
            CASE WHEN NOT q.draft THEN q.day END,
            CASE p.unit WHEN 'kg' THEN q.quantity WHEN 't' THEN q.quantity * 1000 END,
            now()
        FROM generate_series(1, :batches) AS g
        CROSS JOIN LATERAL (SELECT DATE '2024-11-28' + (g % 730) AS day, g % 20 = 0 AS draft,
            CASE WHEN g % 7 = 0 THEN 1 + g % 20 ELSE 10 + g % 990 END AS quantity) AS q
        JOIN nat_products AS p
          ON p.n = (g::bigint * 40503) % (SELECT count(*) FROM nat_products)
    """,
    "build_batch_indexes": """
        DO $$ DECLARE i record; BEGIN
            FOR i IN SELECT indexdef FROM nat_batch_indexes LOOP EXECUTE i.indexdef; END LOOP;
        END $$
    """,
    "numbered_enterprises": """
        CREATE TEMP TABLE nat_enterprises ON COMMIT DROP AS
        SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM organizations
        WHERE kind = 'enterprise'
    """,
    "triggers_back": "SET LOCAL session_replication_role = DEFAULT",
    "analyze_enterprises": "ANALYZE nat_enterprises",
    "contracts": """
        INSERT INTO contracts (number, version, lead_org_id, linkage_form, state, signed_on,
            effective_from, effective_to, ended_on, created_at)
        SELECT 'HĐ-' || g, 1, e.id, 1 + g % 7,
            CASE WHEN g % 7 = 0 THEN 'draft' WHEN g % 11 = 0 THEN 'terminated'
                 ELSE 'signed' END,
            DATE '2024-01-01' + (g % 900),
            DATE '2024-01-01' + (g % 900), DATE '2024-01-01' + (g % 900) + 365,
            CASE WHEN g % 11 = 0 AND g % 7 <> 0 THEN DATE '2024-01-01' + (g % 900) + 100 END,
            now()
        FROM generate_series(1, :contracts) AS g
        JOIN nat_enterprises AS e
          ON e.n = (g::bigint * 31) % (SELECT count(*) FROM nat_enterprises)
    """,
    # Fresh statistics: without them the planner joins the parties row by row (minutes).
    "analyze_contracts": "ANALYZE contracts",
    "contract_parties": """
        INSERT INTO contract_parties (contract_id, organization_id, role, confirmed_at)
        SELECT c.id, c.lead_org_id, 'lead', now() FROM contracts AS c WHERE c.number LIKE 'HĐ-%'
        UNION ALL
        SELECT c.id, o.id, 'cooperative', CASE WHEN c.state <> 'draft' THEN now() END
        FROM contracts AS c
        JOIN organizations AS o ON o.registration_code = 'NAT-' || (
            1 + (c.id::bigint * 104729) % (:coops + :groups + :unions))
        WHERE c.number LIKE 'HĐ-%'
    """,
    "contract_items": """
        INSERT INTO contract_items (contract_id, category, season, due_from, due_to, quantity,
            unit)
        SELECT c.id, (:categories)[1 + c.id % cardinality(:categories)], '2025',
            c.effective_from, c.effective_to, 1000, 'kg'
        FROM contracts AS c WHERE c.number LIKE 'HĐ-%'
    """,
}


def generate(sizes: NationalSizes, echo=click.echo) -> dict[str, float]:
    """Write the dataset into the database of the current app context; seconds per step."""
    params = {
        "total": sizes.cooperatives + sizes.groups + sizes.unions + sizes.enterprises,
        "coops": sizes.cooperatives,
        "groups": sizes.groups,
        "unions": sizes.unions,
        "enterprises": sizes.enterprises,
        "per_coop": sizes.products_per_coop,
        "batches": sizes.batches,
        "contracts": sizes.contracts,
        "categories": list(CATEGORIES),
    }
    seconds = {}
    for name, sql in STEPS.items():
        started = time.perf_counter()
        statement = text(sql)
        used = {key: value for key, value in params.items() if f":{key}" in sql}
        db.session.execute(statement, used)
        seconds[name] = time.perf_counter() - started
        echo(f"  {name}: {seconds[name]:.1f} s")
    db.session.commit()
    started = time.perf_counter()
    # VACUUM sets the visibility map, so the indicators read their index alone, as they
    # do in production once autovacuum has passed.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    seconds["vacuum_analyze"] = time.perf_counter() - started
    echo(f"  vacuum_analyze: {seconds['vacuum_analyze']:.1f} s")
    return seconds
