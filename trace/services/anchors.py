"""Anchors outside the database: each day, every organization's chain heads, in a file.

The worker (``trace.tasks``) appends one JSON line a day to ``INSTANCE_DIR/anchors/
chain-heads.jsonl``: the day, each organization's last event and last lot revision (chain
position and hash), the previous line's digest and this line's digest. The open-data page
shows the latest digest and offers the file for download, so copies live outside the
database; ``flask trace verify --against FILE`` then finds a chain that is shorter than, or
differs from, what was anchored (a deleted newest event, or a chain rewritten whole).
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, tuple_

from core.extensions import db
from trace.models import BatchRevision, TraceEvent
from trace.services.chain import canonical_json

ANCHOR_FILE = "chain-heads.jsonl"
_TAIL_BLOCK = 1 << 16


def anchors_path() -> Path:
    """Where the anchors file lives (it may not exist yet)."""
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


def latest_anchor(path: Path | None = None) -> dict | None:
    """The last line of the anchors file, read from its end; None when there is none."""
    path = path or anchors_path()
    if not path.exists():
        return None
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        end = position = file.tell()
        tail = b""
        while position > 0 and tail.rstrip(b"\n").count(b"\n") < 1:
            position = max(0, position - _TAIL_BLOCK)
            file.seek(position)
            tail = file.read(end - position)
    lines = tail.rstrip(b"\n").split(b"\n")
    return json.loads(lines[-1]) if lines and lines[-1] else None


def write_daily_anchor(today: date | None = None) -> dict | None:
    """Append today's line unless the file has one already; return the line written, if any."""
    today = today or datetime.now(UTC).date()
    path = anchors_path()
    previous = latest_anchor(path)
    if previous is not None and previous["day"] >= today.isoformat():
        return None
    line = {
        "day": today.isoformat(),
        "prev": previous["digest"] if previous else None,
        "heads": chain_heads(),
    }
    line["digest"] = line_digest(line)
    line["written_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Append only: O_APPEND, and on disk before the job says it is done.
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return line


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
