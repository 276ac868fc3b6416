"""The API's trace of a lot as JSON text (the shape of ``genealogy.as_dict``).

On PostgreSQL the database writes every batch, link and shipment as JSON text: one statement
walks the links (writing theirs), then the batches' and the shipments' statements run at once
on two connections. Python only adds each batch's depth (a breadth-first walk over the links'
ids) and joins the parts, so a 10,000-lot trace never becomes 30,000 Python objects.
"""

import json
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import text

from core.extensions import db
from registry.models import User
from trace.services.batches import get_batch
from trace.services.genealogy import as_dict, depth_levels, link_ends, reader_of, trace_of


def trace_json(
    user: User | None, batch_id: int, direction: str, max_depth: int | None = None
) -> str:
    """The API's trace of a batch the caller may see, as JSON text (the shape of ``as_dict``).

    On PostgreSQL, three statements: the walk over the links (writing the links' JSON),
    then the batches' and the shipments' JSON at once, on this session's connection and on
    one more of the pool, since a large trace spends most of its time writing those two.
    """
    root = get_batch(user, batch_id)
    reader = reader_of(user, root)
    # A buyer's view of a seller's lot is narrowed by the ORM's statements (its traces are
    # small: the lot's history and what the buyer made of it).
    if db.session.get_bind().dialect.name != "postgresql" or reader is not None:
        return json.dumps(as_dict(trace_of(root, direction, max_depth, reader)))
    near, far = (column.name for column in link_ends(direction))
    recursion = "" if max_depth == 1 else _RECURSION.format(near=near, far=far)
    walk = _WALK_SQL.format(near=near, recursion=recursion)
    starts, ends, links = db.session.execute(text(walk), {"root": root.id}).one()
    starts, ends = starts or [], ends or []
    # One array literal ('{1,2,…}'), not ARRAY[1, 2, …]: 10,000 constants cost the
    # parser more than the lookups they name.
    ids = "{" + ",".join(map(str, {root.id, *(ends if direction == "forward" else starts)})) + "}"
    shipments = _on_second_connection(db.engine, _SHIPMENTS_SQL, {"ids": ids})
    batch_ids, batch_texts = db.session.execute(text(_NODES_SQL), {"ids": ids}).one()
    text_of = dict(zip(batch_ids or [], (batch_texts or "").split("\n"), strict=True))
    batches = ",".join(
        f'{{"depth":{depth},{text_of[batch]}'
        for depth, level in enumerate(depth_levels(root.id, starts, ends, direction))
        for batch in sorted(level)
    )
    return (
        f'{{"root":{root.id},"direction":"{direction}","batches":[{batches}],'
        f'"links":[{links or ""}],"shipments":[{shipments.result() or ""}]}}'
    )


_SECOND_CONNECTION = ThreadPoolExecutor(max_workers=4, thread_name_prefix="trace-json")


def _on_second_connection(engine, sql: str, params: dict) -> Future:
    """Run a read-only statement on another connection of the pool; its one value, later."""

    def run():
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    return _SECOND_CONNECTION.submit(run)


# PostgreSQL writes the JSON text, each member with one concat(): strings through to_json
# (enum values and numbers need no quoting or escaping), names of products and organizations
# quoted once each. Batches are separated by newlines, which JSON text never holds raw, so
# Python can put each batch's depth in front of it.
# The walk recurses over the links themselves (UNION: each link once), so the links need no
# second lookup.
_WALK_SQL = """
WITH RECURSIVE links AS (
    SELECT l.id, l.parent_id, l.child_id, l.event_id, l.parent_quantity, l.child_quantity
    FROM batch_links l WHERE l.{near} = :root
    {recursion}
)
SELECT array_agg(l.parent_id), array_agg(l.child_id),
    string_agg(concat('{{"parent_id":', l.parent_id, ',"child_id":', l.child_id,
        ',"event_id":', l.event_id,
        ',"parent_quantity":', coalesce(trim_scale(l.parent_quantity)::text, 'null'),
        ',"child_quantity":', coalesce(trim_scale(l.child_quantity)::text, 'null'), '}}'),
        ',' ORDER BY l.id)
FROM links l
"""
_RECURSION = """UNION
    SELECT l.id, l.parent_id, l.child_id, l.event_id, l.parent_quantity, l.child_quantity
    FROM batch_links l JOIN links r ON l.{near} = r.{far}"""
_NODES_SQL = """
SELECT array_agg(b.id), string_agg(concat('"id":', b.id, ',"lot_code":', to_json(b.lot_code),
    ',"product":', p.json, ',"organization_id":', b.organization_id,
    ',"organization":', o.json, ',"quantity":', trim_scale(b.quantity),
    ',"unit":"', b.unit, '","status":"', b.status, '"}'), E'\\n')
FROM unnest(CAST(:ids AS INTEGER[])) AS ids(id) JOIN batches b ON b.id = ids.id
JOIN (SELECT id, to_json(name)::text AS json FROM products) p ON p.id = b.product_id
JOIN (SELECT id, to_json(name)::text AS json FROM organizations) o ON o.id = b.organization_id
"""
# Shipments come from the shipping lines' index and the shipping events' covering index;
# corrected events are left out by one hashed list of the corrected.
_SHIPMENTS_SQL = """
SELECT string_agg(concat('{"batch_id":', el.batch_id, ',"event_id":', e.id,
    ',"time":', to_json(e.event_time),
    ',"quantity":', coalesce(trim_scale(el.quantity)::text, 'null'),
    ',"to_organization_id":', coalesce(e.destination_org_id::text, 'null'),
    ',"to_organization":', coalesce(d.json, 'null'),
    ',"reference":', coalesce(to_json(e.reference)::text, 'null'), '}'),
    ',' ORDER BY e.event_time, e.id)
FROM unnest(CAST(:ids AS INTEGER[])) AS ids(id)
JOIN event_lines el ON el.batch_id = ids.id AND el.kind = 'shipping'
JOIN trace_events e ON e.id = el.event_id AND e.kind = 'shipping'
LEFT JOIN (SELECT id, to_json(name)::text AS json FROM organizations) d
    ON d.id = e.destination_org_id
WHERE e.id NOT IN (SELECT corrects_event_id FROM trace_events WHERE corrects_event_id IS NOT NULL)
"""
