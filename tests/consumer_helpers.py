"""Helpers for the consumer page tests: a phone browser's headers, lots made through the API.

Lots are made through the API (the ``farm`` fixture); the few states the API cannot
reach yet (a recall, unit codes) are set in the database, as the helpers say.
"""

import pytest
import redis
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import select, update

from consumer import page_cache
from core.extensions import db
from core.i18n import LOCALE_SESSION_KEY
from gs1.codes import new_public_code
from tests.missing import unavailable
from tests.trace_helpers import GTIN
from trace.models import Batch, BatchStatus, Scan, UnitCode

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)

BROWSER = {"User-Agent": PHONE_UA, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

CONTRACT = "HDLK-2026-017"


def make_lot(farm, gtin: str | None = GTIN, contract: bool = True, **batch_values) -> dict:
    """A harvested lot of a product with a VietGAP certificate; optionally sold under contract."""
    product = farm.product(gtin=gtin) if gtin else farm.product()
    site = farm.site()
    values = {"packing_date": "2026-11-05", "expiry_date": "2027-11-01", **batch_values}
    batch = farm.batch(product["id"], **values)
    farm.harvest(batch["id"], site["id"])
    if contract:
        farm.ship(
            batch["id"], 400, farm.world["ent_x"], reference={"type": "contract", "id": CONTRACT}
        )
    return {"product": product, "site": site, "batch": batch, "code": batch["public_code"]}


@pytest.fixture
def lot(farm):
    """A harvested lot sold under contract, made through the API (``make_lot``)."""
    return make_lot(farm)


def set_status(app, batch_id: int, status: BatchStatus) -> None:
    """Change a batch's status in the database, then announce it as the recall workflow does."""
    with app.app_context():
        db.session.execute(update(Batch).where(Batch.id == batch_id).values(status=status))
        db.session.commit()
        page_cache.invalidate_lots([batch_id])


def add_unit(app, batch_id: int, serial: str = "0001") -> str:
    """Give a lot a unit code (no API yet) and return its public code."""
    with app.app_context():
        unit = UnitCode(batch_id=batch_id, serial=serial, public_code=new_public_code())
        db.session.add(unit)
        db.session.commit()
        return unit.public_code


def scan_rows(app) -> list[Scan]:
    """Every stored scan."""
    with app.app_context():
        rows = list(db.session.scalars(select(Scan).order_by(Scan.id)))
        db.session.expunge_all()
        return rows


def in_english(client) -> None:
    """Pick English for the rest of the test, as the switch does (kept in the session)."""
    with client.session_transaction() as session:
        session[LOCALE_SESSION_KEY] = "en"


def vietnamese(app, message: str, **values) -> str:
    """A message as the Vietnamese page says it (whatever the catalogue holds today)."""
    with app.test_request_context("/?lang=vi"):
        return str(escape(gettext(message, **values)))


def page(client, path: str, **headers):
    """GET a public page as a phone browser would."""
    return client.get(path, headers={**BROWSER, **headers})


def pack_from(buyer, lot: dict, days_ago: int = 2) -> dict:
    """A lot the enterprise packed from 500 of ``lot`` (its page shows ``lot``'s story too)."""
    roasted = buyer.product(name="Cà phê rang xay Phố Núi", standards=[])
    packing = buyer.transform(
        [(lot["batch"]["id"], 500)],
        [{"product_id": roasted["id"], "quantity": 450, "packing_date": "2026-11-25"}],
        how="packing",
        days_ago=days_ago,
    )
    packed_id = next(line["batch_id"] for line in packing["lines"] if line["role"] == "output")
    return buyer.get(f"/batches/{packed_id}")


def local_redis(url: str):
    """A client of the local Redis at ``url``; the test is skipped without one (failed under CI)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        unavailable(f"no Redis answers at {url}")
    return client
