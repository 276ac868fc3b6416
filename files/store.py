"""The file store: put, open, stream by content hash, exists, delete what nothing names.

A file is named by the SHA-256 of its bytes (64 hex digits); a feature keeps that name,
optionally with an extension (``<sha256>.jpg``), in its own column. ``put`` reads its
source twice in chunks of ``CHUNK_SIZE`` (once to hash it, once to write it, if it is
new), so no upload is ever held whole in memory; a source that cannot seek is spooled to
a temporary file of the system's first (never under ``INSTANCE_DIR``).

Two backings keep the bytes (``files.backings``): the database's ``file_chunks`` (the
default) or an S3 bucket. ``stored_files`` names every file in both cases, with its size and
content type.
"""

import hashlib
import io
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app
from sqlalchemy import Column, delete, select, update
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.extensions import db
from files.backings import (
    CHUNK_SIZE,
    FILE_NAME,
    Backing,
    DatabaseBacking,
    S3Backing,
    backing_for,
    pieces,
)
from files.models import FileVariant, StoredFile

__all__ = ["CHUNK_SIZE", "DatabaseBacking", "S3Backing", "backing_for"]

_BATCH = 500


def key_of(name: str | None) -> str | None:
    """The content hash in a stored file's name (``<sha256>`` or ``<sha256>.ext``), or None.

    None also for the names of files that are still in the old upload folders.
    """
    match = FILE_NAME.match(name or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class LegacyFile:
    """A file still in ``INSTANCE_DIR/uploads`` and how to move it into the store.

    ``move`` stores the file and renames it in the row that names it; it only flushes.
    """

    path: Path
    move: Callable[[], None]


def init_app(app: Flask) -> None:
    """Choose the app's backing from its configuration."""
    app.extensions["files_backing"] = backing_for(
        app.config.get("FILES_URL"),
        app.config.get("FILES_S3_ENDPOINT_URL"),
        app.config.get("FILES_S3_REGION"),
    )
    app.extensions.setdefault("files_references", [])
    app.extensions.setdefault("files_legacy", [])


def backing() -> Backing:
    """The current app's backing."""
    return current_app.extensions["files_backing"]


def add_reference(app: Flask, column: Column) -> None:
    """Declare a column that names stored files: what it names is never deleted."""
    app.extensions.setdefault("files_references", []).append(column)


def add_legacy(app: Flask, pending: Callable[[], list]) -> None:
    """Declare where a feature's old uploads are: ``pending()`` lists ``LegacyFile``s."""
    app.extensions.setdefault("files_legacy", []).append(pending)


@contextmanager
def _seekable(source: BinaryIO):
    try:
        start = source.tell()
        source.seek(start)
    except (AttributeError, OSError, io.UnsupportedOperation):
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(source, spool, CHUNK_SIZE)
            spool.seek(0)
            yield spool
        return
    yield source


def put(source: BinaryIO | bytes, content_type: str, *, public: bool = False) -> StoredFile:
    """Store a file (once, however often it is sent) and return its row; only flushes."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    with _seekable(source) as readable:
        start = readable.tell()
        sha256, size = _digest(readable)
        created = False
        row = _touched(sha256)
        if row is None:
            row, created = _new_row(sha256, size, content_type, public)
        if created:
            readable.seek(start)
            backing().write(sha256, readable, content_type)
        elif not backing().has(sha256):  # e.g. a bucket restored older than the database
            readable.seek(start)
            backing().write(sha256, readable, row.content_type)
        if public and not row.public:
            row.public = True
    db.session.flush()
    return row


def _digest(source: BinaryIO) -> tuple[str, int]:
    # A function of its own: its last chunk's buffer is freed before the file is written.
    digest, size = hashlib.sha256(), 0
    for piece in pieces(source):
        digest.update(piece)
        size += len(piece)
    return digest.hexdigest(), size


def _touched(sha256: str) -> StoredFile | None:
    """The row of a file already stored, its ``created_at`` set to now; None if there is none.

    Storing a file again counts as storing it now, so ``delete_unreferenced`` (which spares
    young files) never takes one that a request is about to name. The UPDATE also locks the
    row until this transaction ends, so a deletion under way waits for it or it for the
    deletion (and then finds no row, and stores the file anew).
    """
    touched = db.session.execute(
        update(StoredFile).where(StoredFile.sha256 == sha256).values(created_at=utcnow())
    )
    if not touched.rowcount:
        return None
    return db.session.get(StoredFile, sha256, populate_existing=True)


def _new_row(sha256: str, size: int, content_type: str, public: bool) -> tuple[StoredFile, bool]:
    # Two requests may store the same new file at once: the second finds the first's row.
    try:
        with db.session.begin_nested():
            row = StoredFile(sha256=sha256, size=size, content_type=content_type, public=public)
            db.session.add(row)
        return row, True
    except IntegrityError:
        return db.session.get(StoredFile, sha256), False


def info(sha256: str | None) -> StoredFile | None:
    """The row of a stored file (size, content type), or None."""
    return db.session.get(StoredFile, sha256) if sha256 else None


def exists(sha256: str | None) -> bool:
    """Whether the store has this file."""
    return info(sha256) is not None and backing().has(sha256)


def stream(sha256: str) -> Iterator[bytes]:
    """The file's bytes, a chunk at a time (nothing read before the first ``next``)."""
    return backing().chunks(sha256)


def read(sha256: str) -> bytes:
    """The whole file, for the small ones that must be decoded (images)."""
    return b"".join(stream(sha256))


def variant(source: str, name: str) -> str | None:
    """The hash of the copy ``name`` derived from ``source``, if one was stored."""
    return db.session.scalar(
        select(FileVariant.sha256).where(FileVariant.source == source, FileVariant.variant == name)
    )


def set_variant(source: str, name: str, copy: StoredFile) -> None:
    """Record that ``copy`` is the ``name`` copy of ``source`` (replacing any older one)."""
    found = db.session.get(FileVariant, (source, name))
    if found is None:
        db.session.add(FileVariant(source=source, variant=name, sha256=copy.sha256))
    else:
        found.sha256 = copy.sha256
    db.session.flush()


def referenced() -> set[str]:
    """Every file a declared column names, and the copies derived from them."""
    names: set[str] = set()
    for column in current_app.extensions["files_references"]:
        values = db.session.scalars(select(column).where(column.is_not(None)).distinct())
        names |= {sha for sha in map(key_of, values) if sha}
    copies = select(FileVariant.source, FileVariant.sha256)
    names |= {copy for source, copy in db.session.execute(copies) if source in names}
    return names


def delete_unreferenced(min_age: timedelta = timedelta(hours=24)) -> list[str]:
    """Delete the stored files that nothing names and that were stored more than ``min_age``
    ago, and the bytes a rolled-back upload left behind; the hashes deleted. Only flushes.

    A file stored since (or stored again: ``put`` touches it) is spared, as is a row that a
    request holds locked (PostgreSQL: SKIP LOCKED); each row is deleted only if it is still
    old when deleted, and its bytes only once its row is gone.
    """
    before = utcnow() - min_age
    keep = referenced()
    old = (
        select(StoredFile.sha256).where(StoredFile.created_at < before).order_by(StoredFile.sha256)
    )
    old = old.with_for_update(skip_locked=True)
    orphans = [sha for sha in db.session.scalars(old) if sha not in keep]
    deleted = []
    for start in range(0, len(orphans), _BATCH):
        deleted += _delete_rows(orphans[start : start + _BATCH], before)
    known = set(db.session.scalars(select(StoredFile.sha256)))
    strays = backing().strays(known, before)
    backing().remove(strays)
    db.session.flush()
    return sorted(deleted + strays)


def _delete_rows(hashes: list[str], before: datetime) -> list[str]:
    gone = delete(StoredFile).where(StoredFile.sha256.in_(hashes), StoredFile.created_at < before)
    deleted = list(db.session.scalars(gone.returning(StoredFile.sha256)))
    if deleted:
        db.session.execute(
            delete(FileVariant).where(
                FileVariant.source.in_(deleted) | FileVariant.sha256.in_(deleted)
            )
        )
        backing().remove(deleted)
    return deleted


def lacking(hashes: Iterable[str]) -> set[str]:
    """Those of these files whose bytes the store does not have."""
    return backing().lacking(set(hashes))
