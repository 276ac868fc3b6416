"""A lot with tens of thousands of events, and small lots beside it, on any engine.

``build_big_lots`` writes, into the database of the current app context (SQLite or
PostgreSQL), what two big EPCIS captures leave behind:

- a cooperative harvests a big lot and two small ones, inspects the big lot ``big_events``
  times (the first capture), and ships the big lot and one small lot to buyer A and the
  other small lot to buyer B; each buyer records its receipts;
- buyer A then inspects the big lot ``big_events`` times (the second capture);
- each small lot gets ``small_events`` inspections by the cooperative.

The harvests, shipments, receipts and the first inspection of each series go through the
API as a client would send them; the other inspections are copies of that first one, each
with its own time, EPCIS ``eventTime``, real CBV 2.0 hash and place in its organization's
hash chain (computed by the app's own ``event_hash`` and ``link_hash``), added through the
ORM in chunks. Nothing engine-specific: the SQLite figures and the PostgreSQL ones read
the same rows.
"""

import copy
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from gs1.event_hash import event_hash
from registry.inputs import MemberInput
from registry.models import Role, User
from registry.schemas import OrganizationInputSchema
from registry.services import accounts, members, organizations
from trace.models import EventLine, TraceEvent
from trace.services.chain import epcis_context, seal

CHUNK = 2_000
SMALL_EVENTS = 20  # inspections of each small lot
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE = "23677"  # Đak Đoa, Gia Lai: one of the units every database has loaded
_serial = itertools.count(1)


def _when(days_ago: float) -> str:
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def _department() -> User:
    """An unsaved department user: who may register organizations and households."""
    return User(role=Role.DEPARTMENT_ADMIN, email="bench", full_name="bench", password_hash="-")  # noqa: S106


def _org(kind: str, name: str) -> int:
    admin = _department()
    code = f"BL{next(_serial):04d}{datetime.now(UTC):%H%M%S}"
    values = {
        "kind": kind,
        "name": name,
        "registration_code": code,
        "admin_unit": COMMUNE,
        "sector": "agricultural",
        "status": "active",
        "address": "Đak Đoa, Gia Lai",
    }
    return organizations.create_organization(admin, OrganizationInputSchema().load(values)).id


def _user(org_id: int, role: str) -> tuple[int, str]:
    org = db.session.get(organizations.Organization, org_id)
    user = accounts.create_user(
        None,
        {
            "email": f"bench{next(_serial)}-{org.registration_code.lower()}@example.vn",
            "full_name": "Người dùng đo",
            "password": "correct horse battery",
            "role": role,
            "organization": org.registration_code,
        },
    )
    _token, secret = accounts.issue_token(user, "bench big lots")
    return user.id, secret


class _Client:
    def __init__(self, app: Flask, secret: str):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def post(self, path: str, body: dict) -> dict:
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.headers)
        if response.status_code != 201:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.get_data(True)}")
        return response.json


def build_big_lots(app: Flask, big_events: int = 20_000, small_events: int = SMALL_EVENTS) -> dict:
    """Write the lots and events described above; return their ids and the users'."""
    with app.test_request_context():
        coop = _org("cooperative", "HTX Cà phê lô lớn")
        buyer_a, buyer_b = _org("enterprise", "Công ty A"), _org("enterprise", "Công ty B")
        member = members.add_member(
            _department(),
            coop,
            MemberInput(head_name="Nguyễn Văn Lô", admin_unit=COMMUNE),
        ).id
        (coop_user, coop_secret), (a_user, a_secret), (b_user, b_secret) = (
            _user(coop, "cooperative"),
            _user(buyer_a, "enterprise"),
            _user(buyer_b, "enterprise"),
        )
        db.session.commit()
    farm, a, b = _Client(app, coop_secret), _Client(app, a_secret), _Client(app, b_secret)
    product = farm.post(
        "/products", {"name": "Cà phê nhân Robusta", "category": "coffee", "unit": "kg"}
    )
    site = farm.post(
        "/sites",
        {
            "name": "Vùng trồng Làng Kon",
            "planting_area_code": "VN-52-CF-9001",
            "admin_unit": COMMUNE,
            "area_ha": 12.5,
            "household_ids": [member],
        },
    )
    lots = {}
    for name in ("big", "small", "small_b"):
        lot = farm.post(
            "/batches",
            {
                "product_id": product["id"],
                "quantity": 1000,
                "harvest_date": _when(30)[:10],
                "households": [{"member_id": member, "quantity": 1000}],
            },
        )
        lots[name] = lot["id"]
        farm.post(
            "/events",
            {
                "kind": "harvest",
                "event_time": _when(30),
                "site_id": site["id"],
                "lines": [{"batch_id": lot["id"]}],
            },
        )
    add_inspections(app, farm, lots["big"], big_events, days=(29, 6))
    add_inspections(app, farm, lots["small"], small_events, days=(29, 6))
    add_inspections(app, farm, lots["small_b"], small_events, days=(29, 6))
    for lot, client, org in (("big", a, buyer_a), ("small", a, buyer_a), ("small_b", b, buyer_b)):
        body = {
            "kind": "shipping",
            "event_time": _when(5),
            "destination_org_id": org,
            "lines": [{"batch_id": lots[lot], "quantity": 500}],
        }
        farm.post("/events", body)
        body = {
            "kind": "receiving",
            "event_time": _when(4),
            "source_org_id": coop,
            "lines": [{"batch_id": lots[lot], "quantity": 500}],
        }
        client.post("/events", body)
    add_inspections(app, a, lots["big"], big_events, days=(3.9, 0.1))
    return {
        "coop": {"org_id": coop, "user_id": coop_user, "secret": coop_secret},
        "buyer_a": {"org_id": buyer_a, "user_id": a_user, "secret": a_secret},
        "buyer_b": {"org_id": buyer_b, "user_id": b_user, "secret": b_secret},
        "lots": lots,
        "big_events": big_events,
        "small_events": small_events,
    }


def add_inspections(app: Flask, client, lot_id: int, count: int, days: tuple) -> None:
    """``count`` inspections of the lot between ``days`` ago: one through the API, the
    rest copies of it with their own times, hashes and places in the chain."""
    if count <= 0:
        return
    start, end = days
    first = client.post(
        "/events",
        {
            "kind": "inspection",
            "event_time": _when(start),
            "lines": [{"batch_id": lot_id}],
            "result": "pass",
        },
    )
    step = timedelta(days=start - end) / max(count, 1)
    with app.app_context():
        model = db.session.scalar(
            select(TraceEvent)
            .where(TraceEvent.id == first["id"])
            .options(selectinload(TraceEvent.lines))
        )
        previous, seq = model.chain_hash, model.chain_seq
        for index in range(1, count):
            seq += 1
            previous = _copy(model, model.event_time + step * index, seq, previous)
            if index % CHUNK == 0:
                db.session.flush()
                db.session.commit()
        db.session.commit()


def _copy(model: TraceEvent, moment: datetime, seq: int, previous: str) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    epcis = copy.deepcopy(model.epcis)
    epcis["eventTime"] = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    epcis.pop("eventID", None)
    event = TraceEvent(
        organization_id=model.organization_id,
        kind=model.kind,
        event_type=model.event_type,
        biz_step=model.biz_step,
        event_time=moment,
        time_zone_offset=model.time_zone_offset,
        site_id=model.site_id,
        location_code=model.location_code,
        epcis=epcis,
        epcis_context=model.epcis_context,
        recorded_by_id=model.recorded_by_id,
        chain_seq=seq,
        chain_prev=previous,
    )
    event.lines = [
        EventLine(batch_id=line.batch_id, role=line.role, quantity=line.quantity, kind=line.kind)
        for line in model.lines
    ]
    event.event_hash = event_hash(epcis, epcis_context(event))
    seal(event)
    db.session.add(event)
    return event.chain_hash
