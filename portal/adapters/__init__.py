"""Adapters: how outbox records become one request to a destination, behind one interface.

An adapter turns a batch of outbox rows into a request body and headers
(``build_payload``) and reads the destination's 2xx answer for records it refused one by
one (``parse_response``). Sending, retries and bookkeeping are the worker's
(``portal.services.worker``), alike for every adapter.

Delivery contract (at-least-once + idempotent receiver = exactly-once effect): a batch is
marked sent only after the destination answered 2xx. A batch the destination may have
received before the connection dropped (or before the worker was killed) is sent again,
with the same ``Idempotency-Key`` when it holds the same records; the receiver must
de-duplicate by event hash (EPCIS ``eventID``) or record key, so a record sent twice takes
effect once. The EPCIS capture interface and our stand-in of the national portal both do.
"""

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from portal.models import OutboxRecord, RecordKind


class PayloadRefused(Exception):
    """Records that cannot be sent as they are (they break the destination's schema)."""

    def __init__(self, problems: dict[int, str]):
        super().__init__(f"{len(problems)} record(s) refused before sending")
        self.problems = problems  # outbox row id → why


@dataclass
class Payload:
    """One request: its body, its headers and the rows it carries."""

    body: bytes
    headers: dict[str, str]
    rows: list[OutboxRecord] = field(default_factory=list)


class Adapter(ABC):
    """The interface every destination's adapter implements."""

    name = "abstract"
    kinds: tuple[RecordKind, ...] = ()

    @abstractmethod
    def build_payload(self, records: list[OutboxRecord]) -> tuple[bytes, dict[str, str]]:
        """The request body and its headers for ``records``; PayloadRefused names bad ones."""

    def parse_response(self, body: bytes, records: list[OutboxRecord]) -> dict[int, str]:
        """Records the destination refused one by one in a 2xx answer: {row id: why}."""
        return {}


def idempotency_key(destination: str, records: list[OutboxRecord]) -> str:
    """A key naming exactly this set of records, so a re-sent batch carries the same key."""
    digest = hashlib.sha256(destination.encode())
    for key in sorted(f"{row.kind.value}:{row.record_key}" for row in records):
        digest.update(b"\n" + key.encode())
    return f"{destination}-{digest.hexdigest()[:48]}"


def adapter_for(name: str) -> Adapter:
    """The adapter called ``name`` (``epcis`` or ``national``); ValueError for another."""
    from portal.adapters.epcis import EpcisAdapter
    from portal.adapters.national import NationalPortalAdapter

    adapters = {EpcisAdapter.name: EpcisAdapter, NationalPortalAdapter.name: NationalPortalAdapter}
    if name not in adapters:
        raise ValueError(f"Unknown portal adapter {name!r}; expected one of {sorted(adapters)}.")
    return adapters[name]()
