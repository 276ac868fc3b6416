"""The national portal adapter: our records as the national traceability portal's objects.

The portal's interface is not public yet (DESIGN.md section 5), so this module defines the
contract our stand-in implements; only this file changes when the real one is published.

Request: ``POST <PORTAL_ENDPOINT>`` with ``Authorization: Bearer <PORTAL_TOKEN>``,
``Idempotency-Key`` and a JSON body::

    {"source": "<PUBLIC_BASE_URL>",
     "records": [
       {"type": "organization", "key": "…", "tax_code": "…", "gln": "…"|null,
        "registration_code": "…", "name": "…", "kind": "cooperative", "admin_unit_code": "…",
        "address": "…"|null},
       {"type": "product", "key": "…", "gtin": "…"|null, "name": "…", "category": "coffee",
        "unit": "kg", "owner": {"tax_code": "…", "gln": "…"},
        "standards": [{"kind": "vietgap", "certificate_number": "…", "expires_on": "…"}]},
       {"type": "growing_area", "key": "…", "code": "<planting-area code or site code>",
        "gln": "…"|null, "name": "…", "kind": "growing_area"|"facility", "area_ha": 1.5,
        "admin_unit_code": "…", "latitude": 13.9, "longitude": 108.0, "owner": {…}},
       {"type": "stage_event", "key": "<event hash>", "event_id": "<event hash>",
        "stage": "harvest", "biz_step": "commissioning", "time": "<ISO 8601, UTC>",
        "time_zone_offset": "+07:00", "location_code": "…", "owner": {…},
        "items": [{"item_code": "<GS1 Digital Link of the lot>", "gtin": "…"|null,
                   "lot": "…", "role": "object"|"input"|"output", "quantity": 12.5,
                   "unit": "kg"}],
        "corrects": "<event hash>"|null, "reason": "…"|null}]}

``key`` is the record's identity; the portal de-duplicates by it (an event's key is its CBV
2.0 hash). Answer: 2xx with ``{"results": [{"key": "…", "status": "created"|"duplicate"|
"rejected", "error": "…"}]}``; a rejected record is refused for good (shown as failing).
"""

import json
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from gs1.codes import lot_uri
from portal.adapters import Adapter
from portal.models import OutboxRecord, RecordKind
from registry.models import Organization
from trace.models import Batch, EventLine, Product, Site, TraceEvent


class NationalPortalAdapter(Adapter):
    """Maps organizations, products, growing areas and events to the portal's objects."""

    name = "national"
    kinds = (RecordKind.ORGANIZATION, RecordKind.PRODUCT, RecordKind.SITE, RecordKind.EVENT)

    def build_payload(self, records: list[OutboxRecord]) -> tuple[bytes, dict[str, str]]:
        """The portal's JSON request for ``records``, in their order."""
        loaded = _load(records)
        corrected = _corrected_hashes(loaded[RecordKind.EVENT].values())
        records_out = []
        for row in records:
            record = loaded[row.kind][row.record_id]
            if row.kind == RecordKind.EVENT:
                records_out.append(_event(record, row, corrected.get(record.corrects_event_id)))
            else:
                records_out.append(_MAPPERS[row.kind](record, row))
        body = {
            "source": current_app.config["PUBLIC_BASE_URL"].rstrip("/"),
            "records": records_out,
        }
        headers = {"Content-Type": "application/json"}
        return json.dumps(body, ensure_ascii=False).encode(), headers

    def parse_response(self, body: bytes, records: list[OutboxRecord]) -> dict[int, str]:
        """Records the portal rejected: {outbox row id: its error}."""
        try:
            results = json.loads(body or b"{}").get("results") or []
        except (ValueError, AttributeError):
            return {}
        by_key = {row.record_key: row.id for row in records}
        return {
            by_key[item["key"]]: str(item.get("error") or "rejected")[:500]
            for item in results
            if item.get("status") == "rejected" and item.get("key") in by_key
        }


def _load(records: list[OutboxRecord]) -> dict[RecordKind, dict[int, object]]:
    """The rows behind the outbox records, a few queries per kind (never one per record)."""
    ids: dict[RecordKind, list[int]] = {kind: [] for kind in RecordKind}
    for row in records:
        ids[row.kind].append(row.record_id)
    queries = {
        RecordKind.ORGANIZATION: select(Organization).options(
            selectinload(Organization.admin_unit)
        ),
        RecordKind.PRODUCT: select(Product).options(
            selectinload(Product.organization), selectinload(Product.standards)
        ),
        RecordKind.SITE: select(Site).options(
            selectinload(Site.organization), selectinload(Site.admin_unit)
        ),
        RecordKind.EVENT: select(TraceEvent).options(
            selectinload(TraceEvent.organization),
            selectinload(TraceEvent.site),
            selectinload(TraceEvent.lines)
            .selectinload(EventLine.batch)
            .selectinload(Batch.product),
        ),
    }
    loaded: dict[RecordKind, dict[int, object]] = {}
    for kind, wanted in ids.items():
        if not wanted:
            loaded[kind] = {}
            continue
        model = queries[kind].column_descriptions[0]["entity"]
        rows = db.session.scalars(queries[kind].where(model.id.in_(wanted)))
        loaded[kind] = {row.id: row for row in rows}
    missing = [row for row in records if row.record_id not in loaded[row.kind]]
    if missing:
        raise LookupError(f"{missing[0].kind.value} {missing[0].record_id} no longer exists")
    return loaded


def _owner(org: Organization) -> dict:
    return {"tax_code": org.tax_code or org.registration_code, "gln": org.gln}


def _organization(org: Organization, row: OutboxRecord) -> dict:
    return {
        "type": "organization",
        "key": row.record_key,
        "tax_code": org.tax_code or org.registration_code,
        "gln": org.gln,
        "registration_code": org.registration_code,
        "name": org.name,
        "kind": org.kind.value,
        "admin_unit_code": org.admin_unit.code,
        "address": org.address,
    }


def _product(product: Product, row: OutboxRecord) -> dict:
    return {
        "type": "product",
        "key": row.record_key,
        "gtin": product.gtin,
        "name": product.name,
        "category": product.category.value,
        "unit": product.unit.value,
        "owner": _owner(product.organization),
        "standards": [
            {
                "kind": standard.kind.value,
                "certificate_number": standard.certificate_number,
                "expires_on": standard.expires_on.isoformat() if standard.expires_on else None,
            }
            for standard in product.standards
        ],
    }


def _site(site: Site, row: OutboxRecord) -> dict:
    return {
        "type": "growing_area",
        "key": row.record_key,
        "code": site.planting_area_code or site.code,
        "gln": site.gln,
        "name": site.name,
        "kind": site.kind.value,
        "area_ha": site.area_ha,
        "admin_unit_code": site.admin_unit.code,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "owner": _owner(site.organization),
    }


def _event(event: TraceEvent, row: OutboxRecord, corrects: str | None) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "type": "stage_event",
        "key": row.record_key,
        "event_id": event.event_hash,
        "stage": event.kind.value,
        "biz_step": event.biz_step,
        "time": _utc(event.event_time),
        "time_zone_offset": event.time_zone_offset,
        "location_code": _location_code(event),
        "owner": _owner(event.organization),
        "items": [
            {
                "item_code": lot_uri(
                    base, line.batch.product.gtin, line.batch.lot_code, line.batch.public_code
                ),
                "gtin": line.batch.product.gtin,
                "lot": line.batch.lot_code,
                "role": line.role.value,
                "quantity": float(line.quantity) if line.quantity is not None else None,
                "unit": line.batch.unit.value,
            }
            for line in event.lines
        ],
        "corrects": corrects,
        "reason": event.correction_reason,
    }


def _location_code(event: TraceEvent) -> str:
    site = event.site
    if site is not None:
        return site.planting_area_code or site.gln or site.code
    return event.location_code


def _corrected_hashes(events) -> dict[int, str]:
    """{id: hash} of the events the given corrections correct, in one query."""
    ids = [event.corrects_event_id for event in events if event.corrects_event_id]
    if not ids:
        return {}
    rows = db.session.execute(
        select(TraceEvent.id, TraceEvent.event_hash).where(TraceEvent.id.in_(ids))
    )
    return {event_id: event_hash for event_id, event_hash in rows}


def _utc(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_MAPPERS = {
    RecordKind.ORGANIZATION: _organization,
    RecordKind.PRODUCT: _product,
    RecordKind.SITE: _site,
}
