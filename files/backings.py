"""Where the bytes of stored files are kept: ``DatabaseBacking`` (``file_chunks``, the
default: the SQLite file stays one file to copy and a backup holds every file) and
``S3Backing`` (``FILES_URL=s3://bucket/prefix``, boto3, any S3-compatible server such as
MinIO). ``files.store`` names the files and picks the backing (``backing_for``).
"""

import re
import struct
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

from sqlalchemy import delete, select

from core.extensions import db
from files.models import FileChunk, StoredFile

CHUNK_SIZE = 256 * 1024
# A stored file's name: its SHA-256, optionally with an extension (<sha256>.jpg).
FILE_NAME = re.compile(r"^([0-9a-f]{64})(\.[a-z0-9]{1,5})?$")
_BATCH = 500


def pieces(source: BinaryIO) -> Iterator[memoryview]:
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
        for seq, piece in enumerate(pieces(source)):
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
    for seq, piece in enumerate(pieces(source)):
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
                if FILE_NAME.match(name) and name not in known and item["LastModified"] < before:
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
