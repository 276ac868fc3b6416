"""Scans (lượt quét): consumer page views of a code, stored without the client's address.

What is kept of a client: ``client_hash`` = HMAC-SHA256 of
"<Vietnam date>|<network>|<user agent>" keyed with the app's SECRET_KEY, where the
network is the IPv4 address or the /64 prefix of an IPv6 address (a phone's IPv6
suffix changes every few hours). The date in the message rotates the hash every day:
scans of one day can be told apart by visitor, but no one — not even with the
database — can follow a visitor across days or test a known address against old rows
without the secret. The cost is that distinct visitors can only be counted within a
day; across days we count visitor-days. The user agent kept beside the hash is
reduced to "os/browser" (``android/chrome``).

Every figure of a lot's scans is the number of distinct visitors per day (reloading
the page adds nothing), with the raw number of page views beside it; the counterfeit
warning reads distinct visitors only. Both are counted in SQL.

Not counted as scans: HEAD requests, prefetches and prerenders (``Purpose`` /
``Sec-Purpose`` headers), link previews and crawlers (by user agent), and
requests without a user agent.
"""

import hashlib
import hmac
import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, insert, select, text

from core.extensions import db
from core.sql import local_date
from core.write_behind import WriteBehind
from registry.models import User
from registry.services.scoping import ensure_visible, scope_to_caller
from trace.models import Batch, Scan
from trace.services.batches import get_batch

log = logging.getLogger(__name__)
VIETNAM = timezone(timedelta(hours=7))  # Vietnam keeps no daylight saving time

# A unit code is printed on one item, so its scans come from the few people who
# handle that item. A code copied onto fakes is scanned by many people in many
# places. A unit code is flagged when any of these is exceeded; batch codes are
# shared by every item of a lot and are never flagged.
# Page views are not counted against a code: one visitor reloading is one visitor.
MAX_CLIENTS_PER_DAY = 5  # distinct visitors in one day
MAX_CLIENT_DAYS = 15  # distinct (visitor, day) pairs over the code's life

_BOTS = re.compile(
    r"(?<!cu)bot(?:[/\-_ ;),]|$)|crawl|spider|slurp|preview|facebookexternalhit|facebookcatalog|"
    r"meta-external|whatsapp|telegram|slack|discord|skypeuri|linkedin|pinterest|embedly|"
    r"iframely|vkshare|headlesschrome|lighthouse|curl/|wget/|python-|go-http-client|"
    r"java/|okhttp|axios|node-fetch|libwww|httpclient|scrapy|validator",
    re.IGNORECASE,
)
_OS = (
    ("android", re.compile(r"android", re.I)),
    ("ios", re.compile(r"iphone|ipad|ipod|ios", re.I)),
    ("windows", re.compile(r"windows", re.I)),
    ("macos", re.compile(r"macintosh|mac os", re.I)),
    ("linux", re.compile(r"linux|x11|cros", re.I)),
)
_BROWSERS = (
    ("zalo", re.compile(r"zalo", re.I)),
    ("facebook", re.compile(r"fban|fbav|fb_iab", re.I)),
    ("coccoc", re.compile(r"coc_coc|coccoc", re.I)),
    ("samsung", re.compile(r"samsungbrowser", re.I)),
    ("edge", re.compile(r"edg(e|a|ios)?/", re.I)),
    ("opera", re.compile(r"opr/|opera", re.I)),
    ("firefox", re.compile(r"firefox|fxios", re.I)),
    ("chrome", re.compile(r"chrome|crios", re.I)),
    ("safari", re.compile(r"safari", re.I)),
)


@lru_cache(maxsize=4096)  # the same few agents come back all day
def is_bot(user_agent: str | None) -> bool:
    """True for crawlers, link previews and scripts, and for a missing user agent.

    Zalo's in-app browser says "Zalo" too, after a normal "Mozilla/5.0 …"; a
    "Zalo" agent without "Mozilla" is taken for its link preview fetcher.
    """
    if not user_agent or not user_agent.strip():
        return True
    if "zalo" in user_agent.lower() and "mozilla" not in user_agent.lower():
        return True
    return bool(_BOTS.search(user_agent))


@lru_cache(maxsize=4096)
def coarse_user_agent(user_agent: str | None) -> str:
    """The user agent reduced to "os/browser" (``android/chrome``, ``ios/zalo``) or "bot"."""
    if is_bot(user_agent):
        return "bot"
    system = next((name for name, pattern in _OS if pattern.search(user_agent)), "other")
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), "other")
    return f"{system}/{browser}"


def is_prefetch(headers: Mapping[str, str]) -> bool:
    """True when the browser fetches the page ahead of a click (prefetch, prerender, preview)."""
    purpose = " ".join(
        headers.get(name, "") for name in ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz")
    ).lower()
    return any(word in purpose for word in ("prefetch", "prerender", "preview"))


def counts_as_scan(method: str, headers: Mapping[str, str]) -> bool:
    """Whether a request for a consumer page is a person's scan (GET by a browser, not ahead)."""
    return method == "GET" and not is_prefetch(headers) and not is_bot(headers.get("User-Agent"))


def vietnam_day(moment: datetime) -> date:
    """The calendar day in Vietnam of an aware moment."""
    return moment.astimezone(VIETNAM).date()


def client_network(address: str | None) -> str:
    """The part of a client address that identifies it: IPv4 whole, IPv6 by its /64."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_hash(address: str | None, day: date, user_agent: str | None = None) -> str:
    """HMAC-SHA256 (hex) of the day, the client's network and its user agent, keyed with
    SECRET_KEY: one visitor of one day (two browsers behind one address are two)."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{day.isoformat()}|{client_network(address)}|{user_agent or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


_SCAN_COLUMNS = ["batch_id", "unit_id", "scanned_at", "client_hash", "user_agent", "language"]
_INSERT_SCAN = insert(Scan)  # built once; Core, so nothing is read back
# PostgreSQL: the same INSERT after a SET LOCAL, sent as one statement (one round trip).
_INSERT_SCAN_ASYNC = text(
    f"SET LOCAL synchronous_commit TO OFF; INSERT INTO {Scan.__tablename__} "
    f"({', '.join(_SCAN_COLUMNS)}) VALUES ({', '.join(':' + c for c in _SCAN_COLUMNS)})"
)


def record_scan(
    batch_id: int,
    unit_id: int | None,
    address: str | None,
    user_agent: str | None,
    language: str | None,
    buffered: bool = False,
) -> None:
    """Add one scan: a single INSERT, no read-back (the caller commits).

    On PostgreSQL the transaction commits without waiting for its WAL to reach the
    disk: a crash may lose the last fraction of a second of scans, which are
    statistics, and the shopper's page does not wait for a disk flush.

    ``buffered``: when ``SCAN_BUFFER_SIZE`` is set, the row is queued instead and
    written with others a moment later (``scan_buffer``), so the page costs no
    write at all. For a lot's code only: a unit's page shows its own fresh count.
    """
    now = datetime.now(UTC)
    row = {
        "batch_id": batch_id,
        "unit_id": unit_id,
        "scanned_at": now,
        "client_hash": client_hash(address, vietnam_day(now), user_agent),
        "user_agent": coarse_user_agent(user_agent),
        "language": (language or None) and language[:8],
    }
    if buffered and current_app.config.get("SCAN_BUFFER_SIZE"):
        scan_buffer(current_app._get_current_object()).add(row)  # the app, not the proxy
        return
    postgres = db.session.get_bind().dialect.name == "postgresql"
    db.session.execute(_INSERT_SCAN_ASYNC if postgres else _INSERT_SCAN, row)


def _write_scans(connection, rows: list[dict]) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
    connection.execute(_INSERT_SCAN, rows)


def scan_buffer(app) -> WriteBehind:
    """This process's queue of lot scans: written when ``SCAN_BUFFER_SIZE`` rows wait or
    every ``SCAN_BUFFER_SECONDS``; a killed process loses seconds of statistics."""
    config = app.config
    size, seconds = config["SCAN_BUFFER_SIZE"], config["SCAN_BUFFER_SECONDS"]
    return WriteBehind.of(app, "scan_buffer", _write_scans, size, seconds)


@dataclass(frozen=True)
class UnitScanStats:
    """What the consumer page says about a unit code's scans."""

    visitors: int  # distinct visitors per day, summed over the days
    views: int  # every page view, reloads included
    first_day: date | None
    suspicious: bool


def unit_scan_stats(unit_id: int) -> UnitScanStats:
    """A unit code's scans so far, and whether they look like a copied code: more distinct
    visitors in a day, or visitor-days in all, than one item's handlers make (see the
    limits). Reloads by one visitor never make a code suspicious."""
    day = local_date(Scan.scanned_at)
    rows = db.session.execute(
        select(day, func.count(func.distinct(Scan.client_hash)), func.count())
        .where(Scan.unit_id == unit_id)
        .group_by(day)
    ).all()
    if not rows:
        return UnitScanStats(0, 0, None, False)
    visitors = sum(clients for _d, clients, _v in rows)
    suspicious = (
        any(clients > MAX_CLIENTS_PER_DAY for _d, clients, _v in rows) or visitors > MAX_CLIENT_DAYS
    )
    return UnitScanStats(
        visitors,
        sum(views for _d, _c, views in rows),
        min(_as_date(d) for d, _c, _v in rows),
        suspicious,
    )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class DayScans(NamedTuple):
    """A lot's scans on one Vietnam day: distinct visitors, and page views."""

    day: date
    visitors: int
    views: int


class ScanTotal(NamedTuple):
    """A lot's scans so far: visitor-days (distinct visitors per day, summed), page views."""

    visitors: int
    views: int


def scan_counts(user: User | None, batch_id: int, days: int = 30) -> list[DayScans]:
    """Scans of one of the caller's batches per Vietnam day, the last ``days`` days, oldest first.

    Every day of the window is listed, with 0 where there were no scans. Scans of
    the batch's unit codes count for the batch. Only the batch's owner (and the
    department) may see them.
    """
    batch = get_batch(user, batch_id)
    ensure_visible(user, batch.organization_id)
    today = vietnam_day(datetime.now(UTC))
    first = today - timedelta(days=max(days, 1) - 1)
    since = datetime.combine(first, time(0), VIETNAM).astimezone(UTC)
    day = local_date(Scan.scanned_at)
    rows = db.session.execute(
        select(day, func.count(func.distinct(Scan.client_hash)), func.count())
        .where(Scan.batch_id == batch.id, Scan.scanned_at >= since)
        .group_by(day)
    ).all()
    counted = {_as_date(d): (visitors, views) for d, visitors, views in rows}
    window = (first + timedelta(n) for n in range(days))
    return [DayScans(d, *counted.get(d, (0, 0))) for d in window]


def scan_totals(user: User | None, batch_ids: list[int]) -> dict[int, ScanTotal]:
    """All-time scans of each of these batches the caller owns (others are left out).

    The hash of a visitor changes every day, so its distinct count over all time is
    the number of visitor-days, as the per-day figures add up to."""
    if not batch_ids:
        return {}
    owned = scope_to_caller(select(Batch.id), user, Batch.organization_id).where(
        Batch.id.in_(batch_ids)
    )
    rows = db.session.execute(
        select(Scan.batch_id, func.count(func.distinct(Scan.client_hash)), func.count())
        .where(Scan.batch_id.in_(owned))
        .group_by(Scan.batch_id)
    ).all()
    totals = dict.fromkeys(db.session.scalars(owned), ScanTotal(0, 0))
    totals.update({batch_id: ScanTotal(visitors, views) for batch_id, visitors, views in rows})
    return totals
