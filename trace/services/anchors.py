"""Anchors outside the database's chains: each day, every organization's chain heads.

Once a day the worker (``trace.tasks``) or ``flask trace anchor`` records one JSON line: the
day, each organization's last event and last lot revision (chain position and hash), the
previous line's digest and this line's digest. The line is kept in the ``chain_anchors``
table, exactly as written, so the open-data page and its download (every line in day order)
read the same on every web host; and it is appended to the export file ``ANCHORS_FILE``,
which belongs on storage kept apart from the database host (a mounted backup volume), so
copies live outside the database. ``flask trace verify --against FILE`` (the export file or
the download) then finds a chain that is shorter than, or differs from, what was anchored (a
deleted newest event, or a chain rewritten whole).
"""

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from trace.chain_models import BatchRevision, ChainAnchor
from trace.models import TraceEvent
from trace.services.chain import canonical_json

ANCHOR_FILE = "chain-heads.jsonl"
_TAIL_BLOCK = 1 << 16
_CHUNK_DAYS = 50


def anchors_path() -> Path | None:
    """The export file (it may not exist yet): ``ANCHORS_FILE``; unset, the instance folder's
    ``anchors/chain-heads.jsonl`` outside production, and no file at all in production."""
    configured = current_app.config.get("ANCHORS_FILE")
    if configured:
        return Path(configured)
    if current_app.config.get("ENV_NAME") == "production":
        return None
    return Path(current_app.config["INSTANCE_DIR"]) / "anchors" / ANCHOR_FILE


def _last_links(model) -> dict[int, list]:
    last = (
        select(model.organization_id, func.max(model.chain_seq).label("seq"))
        .group_by(model.organization_id)
        .subquery()
    )
    rows = db.session.execute(
        select(model.organization_id, model.chain_seq, model.chain_hash).join(
            last,
            (last.c.organization_id == model.organization_id) & (last.c.seq == model.chain_seq),
        )
    )
    return {row.organization_id: [row.chain_seq, row.chain_hash] for row in rows}


def chain_heads() -> dict[str, dict]:
    """Each organization's last event and last lot revision: ``{org id: {"events": [seq,
    hash], "lots": [seq, hash]}}`` (keys as strings, as JSON has them). Two queries."""
    heads: dict[str, dict] = {}
    for name, model in (("events", TraceEvent), ("lots", BatchRevision)):
        for org_id, link in _last_links(model).items():
            heads.setdefault(str(org_id), {})[name] = link
    return dict(sorted(heads.items(), key=lambda item: int(item[0])))


def line_digest(line: dict) -> str:
    """SHA-256 of what an anchor line states (its day, the previous digest and the heads)."""
    stated = {"day": line["day"], "prev": line["prev"], "heads": line["heads"]}
    return hashlib.sha256(canonical_json(stated).encode()).hexdigest()


def _text(line: dict) -> str:
    """An anchor line as published: compact JSON, UTF-8 as is, no newline."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def latest_anchor() -> dict | None:
    """The latest day's anchor line, from the database; None when there is none."""
    text = db.session.scalar(select(ChainAnchor.line).order_by(ChainAnchor.day.desc()).limit(1))
    return json.loads(text) if text is not None else None


def anchor_lines(after: date | None = None) -> Iterator[str]:
    """Every anchor line (after ``after``, when given) in day order, each with its newline:
    the export file's content. Read a chunk of days at a time."""
    while True:
        # One query per chunk, each from the last day read: a server-side cursor would not
        # outlive the request's transaction, which ends before a streamed body is sent.
        query = select(ChainAnchor.day, ChainAnchor.line).order_by(ChainAnchor.day)
        if after is not None:
            query = query.where(ChainAnchor.day > after)
        rows = db.session.execute(query.limit(_CHUNK_DAYS)).all()
        for row in rows:
            yield row.line + "\n"
        if len(rows) < _CHUNK_DAYS:
            return
        after = rows[-1].day


def record_daily_anchor(today: date | None = None) -> dict | None:
    """Record today's line in the database unless a line of today (or later) is there;
    return the line recorded, if any. Flushes only: the caller commits, then calls
    ``export_anchors``. A worker racing another one for the day records nothing."""
    today = today or datetime.now(UTC).date()
    _load_old_export()
    previous = latest_anchor()
    if previous is not None and previous["day"] >= today.isoformat():
        return None
    line = {
        "day": today.isoformat(),
        "prev": previous["digest"] if previous else None,
        "heads": chain_heads(),
    }
    line["digest"] = line_digest(line)
    line["written_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with db.session.begin_nested():
            db.session.add(ChainAnchor(day=today, line=_text(line), digest=line["digest"]))
    except IntegrityError:
        return None  # another worker recorded the day first
    return line


def _load_old_export() -> None:
    """Before the first line is recorded in the database, load the lines an export file of
    the old code holds (the worker wrote them there only), so the chain of digests goes on."""
    path = anchors_path()
    if path is None or not path.exists():
        return
    if db.session.scalar(select(ChainAnchor.day).limit(1)) is not None:
        return
    with path.open(encoding="utf-8") as file:
        texts = [text.rstrip("\n") for text in file if text.strip()]
    rows = [
        {"day": date.fromisoformat(line["day"]), "line": text, "digest": line["digest"]}
        for text, line in ((text, json.loads(text)) for text in texts)
    ]
    if rows:
        db.session.execute(ChainAnchor.__table__.insert(), rows)
        db.session.flush()


def _last_day_in(file) -> date | None:
    """The day of an open export file's last line, read from its end."""
    file.seek(0, os.SEEK_END)
    end = position = file.tell()
    tail = b""
    while position > 0 and tail.rstrip(b"\n").count(b"\n") < 1:
        position = max(0, position - _TAIL_BLOCK)
        file.seek(position)
        tail = file.read(end - position)
    last = tail.rstrip(b"\n").split(b"\n")[-1]
    return date.fromisoformat(json.loads(last)["day"]) if last.strip() else None


def export_anchors() -> int:
    """Append to the export file the committed lines it lacks (every line after its last
    day); return how many. Locked while it runs, so two workers sharing it write each once."""
    path = anchors_path()
    if path is None:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        written = 0
        # Append only: O_APPEND, and on disk before the job says it is done.
        for text in anchor_lines(after=_last_day_in(file)):
            file.write(text.encode())
            written += 1
        if written:
            file.flush()
            os.fsync(file.fileno())
    return written


@dataclass
class AnchorProblem:
    """What an anchors file shows wrong: about the file itself, or one organization's chain."""

    organization_id: int | None
    problem: str


def check_file(path: Path) -> tuple[dict | None, list[AnchorProblem]]:
    """Read an anchors file line by line: each line's digest and its link to the line before.

    Returns the last line and the problems found (an edited or removed line of the file).
    """
    problems, previous, last = [], None, None
    with path.open(encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                digest_ok = line_digest(line) == line.get("digest")
            except (ValueError, KeyError, TypeError):
                return last, [
                    AnchorProblem(None, f"line {number} of the anchors file is not an anchor")
                ]
            if not digest_ok:
                problems.append(
                    AnchorProblem(None, f"line {number} ({line['day']}) does not match its digest")
                )
            if line["prev"] != (previous["digest"] if previous else None):
                problems.append(
                    AnchorProblem(
                        None, f"line {number} ({line['day']}) does not follow the line before"
                    )
                )
            previous = last = line
    return last, problems


def check_against(path: Path) -> list[AnchorProblem]:
    """Compare the database's chains with the last anchor in ``path``.

    Every anchored head must still be in its chain, at its position, with its hash: a
    chain shorter than anchored lost its newest records. One query per kind of chain.
    """
    last, problems = check_file(path)
    if last is None:
        return problems or [AnchorProblem(None, "the anchors file holds no anchor")]
    found: dict[int, AnchorProblem] = {}
    for name, model, what in (
        ("events", TraceEvent, "event"),
        ("lots", BatchRevision, "lot revision"),
    ):
        anchored = {
            (int(org), heads[name][0]): heads[name][1]
            for org, heads in last["heads"].items()
            if name in heads
        }
        if not anchored:
            continue
        current = {
            (row.organization_id, row.chain_seq): row.chain_hash
            for row in db.session.execute(
                select(model.organization_id, model.chain_seq, model.chain_hash).where(
                    tuple_(model.organization_id, model.chain_seq).in_(list(anchored))
                )
            )
        }
        for (org_id, seq), digest in sorted(anchored.items()):
            stored = current.get((org_id, seq))
            if stored is None:
                problem = (
                    f"the {what} at chain position {seq}, anchored on {last['day']}, is missing:"
                    " the chain is shorter than anchored"
                )
            elif stored != digest:
                problem = (
                    f"the {what} at chain position {seq} differs from the one anchored on"
                    f" {last['day']}"
                )
            else:
                continue
            found.setdefault(org_id, AnchorProblem(org_id, problem))
    return problems + [found[org] for org in sorted(found)]
