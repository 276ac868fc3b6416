"""The file store: put, open, stream by content hash, exists, delete what nothing names.

A file is named by the SHA-256 of its bytes (64 hex digits); a feature keeps that name,
optionally with an extension (``<sha256>.jpg``), in its own column. ``put`` reads its
source twice in chunks of ``CHUNK_SIZE`` (once to hash it, once to write it, if it is
new), so no upload is ever held whole in memory; a source that cannot seek is spooled to
a temporary file of the system's first (never under ``INSTANCE_DIR``).

Two backings keep the bytes: ``DatabaseBacking`` (``file_chunks``, the default: the
SQLite file stays one file to copy and a backup holds every file) and ``S3Backing``
(``FILES_URL=s3://bucket/prefix``, boto3, any S3-compatible server such as MinIO).
``stored_files`` names every file in both cases, with its size and content type.
"""

import hashlib
import io
import re
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

from flask import Flask, current_app
from sqlalchemy import Column, delete, select, update
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.extensions import db
from files.models import FileChunk, FileVariant, StoredFile

CHUNK_SIZE = 256 * 1024
_NAME = re.compile(r"^([0-9a-f]{64})(\.[a-z0-9]{1,5})?$")
_BATCH = 500


def key_of(name: str | None) -> str | None:
    """The content hash in a stored file's name (``<sha256>`` or ``<sha256>.ext``), or None.

    None also for the names of files that are still in the old upload folders.
    """
    match = _NAME.match(name or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class LegacyFile:
    """A file still in ``INSTANCE_DIR/uploads`` and how to move it into the store.

    ``move`` stores the file and renames it in the row that names it; it only flushes.
    """

    path: Path
    move: Callable[[], None]


def _pieces(source: BinaryIO) -> Iterator[memoryview]:
    """The source, a chunk at a time, read into one buffer: each view is valid until the next
    one is taken, so no more than a chunk is ever held."""
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    read = getattr(source, "readinto", None)
    while True:
        if read is not None:
            count = read(buffer)
        else:
            piece = source.read(CHUNK_SIZE)
            count = len(piece)
            buffer[:count] = piece
            del piece
        if not count:
            return
        yield view[:count]


class Backing(Protocol):
    """Where the bytes of stored files are kept."""

    def write(self, sha256: str, source: BinaryIO, content_type: str) -> None:
        """Keep the bytes read from ``source`` under ``sha256``."""

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time."""

    def has(self, sha256: str) -> bool:
        """Whether the bytes of this file are kept."""

    def lacking(self, hashes: set[str]) -> set[str]:
        """Those of ``hashes`` whose bytes are not kept."""

    def remove(self, hashes: list[str]) -> None:
        """Forget the bytes of these files (their rows are deleted by the caller)."""

    def strays(self, known: set[str], before: datetime) -> list[str]:
        """Bytes kept under no known hash since before ``before``: an upload whose
        transaction rolled back after its bytes were written."""


class DatabaseBacking:
    """Files in ``file_chunks``, in the same transaction as the rows that name them."""

    def write(self, sha256: str, source: BinaryIO, content_type: str) -> None:
        """Insert the chunks, in the session's transaction, one chunk in memory at a time.

        PostgreSQL: one ``COPY … FROM STDIN (FORMAT binary)`` fed as the source is read
        (psycopg2 would otherwise send each chunk as hex text inside its statement, five
        times its size); elsewhere a Core insert per chunk (nothing kept by the session).
        """
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            stream = _CopyStream(_copy_rows(sha256, source))
            with connection.connection.dbapi_connection.cursor() as cursor:
                cursor.copy_expert(_COPY_CHUNKS, stream, size=_COPY_READ)
            return
        table = FileChunk.__table__
        for seq, piece in enumerate(_pieces(source)):
            connection.execute(table.insert(), {"sha256": sha256, "seq": seq, "data": piece})

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """Read on a connection of its own, a row at a time (a server-side cursor on
        PostgreSQL), so a response can stream after its request's session is gone."""
        engine = db.engine
        query = select(FileChunk.data).where(FileChunk.sha256 == sha256).order_by(FileChunk.seq)

        def generate() -> Iterator[bytes]:
            with engine.connect() as connection:
                result = connection.execution_options(yield_per=1).execute(query)
                while (row := result.fetchone()) is not None:
                    data = row[0]
                    del row  # the chunk is held once, by the caller, while the next is read
                    yield data if isinstance(data, bytes) else bytes(data)
                    del data

        return generate()

    def has(self, sha256: str) -> bool:
        """A file with no bytes is stored with no chunks, so its row is enough."""
        return db.session.get(StoredFile, sha256) is not None

    def lacking(self, hashes: set[str]) -> set[str]:
        """Files are in the database with the rows naming them: none lacks if its row is
        there (a zero-byte file has no chunk)."""
        present = set()
        ordered = sorted(hashes)
        for start in range(0, len(ordered), _BATCH):
            batch = ordered[start : start + _BATCH]
            present |= set(
                db.session.scalars(select(StoredFile.sha256).where(StoredFile.sha256.in_(batch)))
            )
        return hashes - present

    def remove(self, hashes: list[str]) -> None:
        """Delete the chunks (the rows' foreign keys would cascade; SQLite may not)."""
        db.session.execute(delete(FileChunk).where(FileChunk.sha256.in_(hashes)))

    def strays(self, known: set[str], before: datetime) -> list[str]:
        """None: chunks are written in the transaction of their row and roll back with it."""
        return []


_COPY_CHUNKS = "COPY file_chunks (sha256, seq, data) FROM STDIN WITH (FORMAT binary)"
_COPY_READ = 64 * 1024
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)


def _copy_rows(sha256: str, source: BinaryIO) -> Iterator[bytes | memoryview]:
    """PostgreSQL's binary COPY format of a file's chunks: each row (sha256, seq, data) as
    three fields of a length and their bytes (text as UTF-8, int4 big-endian, bytea raw)."""
    key = sha256.encode()
    yield _COPY_HEADER
    for seq, piece in enumerate(_pieces(source)):
        yield struct.pack("!hi", 3, len(key)) + key + struct.pack("!iii", 4, seq, len(piece))
        yield piece
    yield struct.pack("!h", -1)


class _CopyStream:
    """A file-like over byte pieces, for ``copy_expert``: reads of at most ``size``."""

    def __init__(self, pieces: Iterator[bytes | memoryview]):
        self.pieces = pieces
        self.current = memoryview(b"")

    def read(self, size: int = _COPY_READ) -> bytes:
        """The next bytes, at most ``size`` of them; b"" at the end."""
        while not len(self.current):
            piece = next(self.pieces, None)
            if piece is None:
                return b""
            self.current = memoryview(piece)
        taken, self.current = self.current[:size], self.current[size:]
        return bytes(taken)

    def readline(self, size: int = -1) -> bytes:
        """Not used by COPY; present because psycopg2 checks for it."""
        return self.read(size if size > 0 else _COPY_READ)


class S3Backing:
    """Files as objects ``<prefix>/<sha256>`` of one bucket of an S3-compatible server."""

    def __init__(self, url: str, endpoint_url: str | None, region: str | None):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"FILES_URL must look like s3://bucket/prefix, not {url!r}")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.endpoint_url = endpoint_url
        self.region = region
        self._client = None

    @property
    def client(self):
        """The boto3 client, made on first use (credentials the usual AWS way)."""
        if self._client is None:
            import boto3  # noqa: PLC0415 - only deployments on S3 pay for the import

            self._client = boto3.client(
                "s3", endpoint_url=self.endpoint_url, region_name=self.region
            )
        return self._client

    def key(self, sha256: str) -> str:
        """The object key of a file."""
        return f"{self.prefix}/{sha256}" if self.prefix else sha256

    def write(self, sha256: str, source: BinaryIO, content_type: str) -> None:
        """Upload in parts of ``CHUNK_SIZE`` multiples (boto3's managed transfer)."""
        from boto3.s3.transfer import TransferConfig  # noqa: PLC0415

        config = TransferConfig(
            multipart_threshold=8 * 1024 * 1024,
            multipart_chunksize=8 * 1024 * 1024,
            max_concurrency=1,
            use_threads=False,
        )
        self.client.upload_fileobj(
            source,
            self.bucket,
            self.key(sha256),
            ExtraArgs={"ContentType": content_type},
            Config=config,
        )

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The object's body, read a chunk at a time."""
        body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]

        def generate() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK_SIZE)
            finally:
                body.close()

        return generate()

    def has(self, sha256: str) -> bool:
        """Whether the object is there (a HEAD request)."""
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def lacking(self, hashes: set[str]) -> set[str]:
        """Lists the prefix once rather than asking for each object."""
        prefix = f"{self.prefix}/" if self.prefix else ""
        present = set()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            present |= {item["Key"][len(prefix) :] for item in page.get("Contents", [])}
        return hashes - present

    def strays(self, known: set[str], before: datetime) -> list[str]:
        """Objects under the prefix named by no known hash, last written before ``before``."""
        prefix = f"{self.prefix}/" if self.prefix else ""
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if _NAME.match(name) and name not in known and item["LastModified"] < before:
                    found.append(name)
        return found

    def remove(self, hashes: list[str]) -> None:
        """Delete the objects, a thousand a request."""
        for start in range(0, len(hashes), 1000):
            objects = [{"Key": self.key(sha)} for sha in hashes[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})


def backing_for(url: str | None, endpoint_url: str | None = None, region: str | None = None):
    """The backing a ``FILES_URL`` names: ``s3://…``, else the database."""
    if url and url.startswith("s3://"):
        return S3Backing(url, endpoint_url, region)
    if url and url not in ("db", "database"):
        raise ValueError(f"FILES_URL must be unset, 'db' or s3://bucket/prefix, not {url!r}")
    return DatabaseBacking()


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
    for piece in _pieces(source):
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
