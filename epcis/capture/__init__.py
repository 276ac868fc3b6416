"""EPCIS 2.0 capture: a JSON(-LD) document from another system, stored whole or refused whole.

1. The project's EPCIS 2.0 validation checks the document (``validation``), and GS1's JSON
   schema too where EPCIS_SCHEMA_PATH names it (``schema``).
2. Each event's CBV 2.0 hash is computed: it is the duplicate key, so an event already stored,
   or repeated in the document, is skipped whatever ``eventID`` it was sent under. A sent
   ``eventID`` is kept as the event's ID, whatever URI it is (``urn:uuid:…``); a
   ``ni:///sha-256;…`` one that is neither our hash nor GS1's reference tool's JSON form of it
   is kept with a warning in the report. An eventID already naming another event is refused.
3. Lots that the document's transformations output, or its ObjectEvents ADD with ``ilmd``
   commission, and that we do not know, are created as the capturing organization's draft lots
   (``lots``); one of another organization's is refused.
4. Each event is read as the API's input (``mapping``), then the whole document is checked by
   the same rules as the API's (``rules.check_document``): lots, parties and places read and
   the lots locked once (``identifiers``), quantities read once and moved in Python.
5. If every event passed, they are chained and inserted in bulk (``store``); the received
   event is what is stored, so its hash stays the sender's.
"""

from dataclasses import dataclass, field
from datetime import UTC

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.urls import base_url
from epcis.capture.collector import collector_paused
from epcis.capture.identifiers import CHUNK, Resolver
from epcis.capture.ledger import DocumentLedger, Entry, EntryLine
from epcis.capture.lots import LotMaker
from epcis.capture.mapping import Mapped, read_event
from epcis.capture.schema import DOCUMENT, SchemaUnavailable, schema_problems
from epcis.capture.store import store_all
from gs1.event_hash import HASH_PREFIX, document_events, event_hashes, reference_json_hash
from registry.models import Organization, User
from registry.services.scoping import require_own_org
from trace.inputs import event_input
from trace.models import EventKind, TraceEvent
from trace.services import rules
from trace.services.epcis_build import extension_namespace, org_uri
from trace.services.events import check_event_time
from trace.services.rules import Checked

__all__ = ["CaptureError", "CaptureReport", "SchemaUnavailable", "capture_document"]
NOT_STORED = ("eventID", "recordTime")
MAX_EVENT_ID = 500  # TraceEvent.epcis_event_id


@dataclass
class CaptureError:
    """One problem: the event's index in the event list (-1: the document), its ID, where, why."""

    index: int
    event_id: str | None
    field: str
    message: str


@dataclass
class CaptureReport:
    """What a capture did: events stored, duplicates skipped, every problem found, and what was
    stored but deserves a look (``warnings``, in the same form as problems)."""

    stored: int = 0
    duplicates: int = 0
    lots_created: int = 0
    errors: list[CaptureError] = field(default_factory=list)
    warnings: list[CaptureError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong (the caller then commits)."""
        return not self.errors


def capture_document(user: User, document: dict) -> CaptureReport:
    """Validate and store an EPCIS document's events as the caller's; flushes, never commits.

    All or nothing: when the report is not ``ok`` nothing was written and the caller rolls
    back. Raises SchemaUnavailable (503) when EPCIS_SCHEMA_PATH names a file that cannot be
    read as GS1's schema.
    """
    require_own_org(user, user.organization_id)
    with collector_paused():
        return _capture(user, document)


def _capture(user: User, document: dict) -> CaptureReport:
    report = CaptureReport()
    problems = schema_problems(document)
    events = [] if _broken(problems) else list(document_events(document))
    for index, where, message in problems:
        report.errors.append(CaptureError(index, _sent_id(events, index), where, message))
    if events:
        invalid = {problem[0] for problem in problems}
        _Capture(user, document, report).run(events, invalid)
    return report


def _broken(problems: list[tuple]) -> bool:
    return any(index == DOCUMENT for index, _where, _message in problems)


def _sent_id(events: list, index: int) -> str | None:
    if 0 <= index < len(events) and isinstance(events[index], dict):
        value = events[index].get("eventID")
        return value if isinstance(value, str) else None
    return None


def context_prefixes(context) -> dict:
    """The prefix → namespace entries of a JSON-LD @context (a URL, a dict or a list of them)."""
    merged = {}
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict):
            merged.update(entry)
    return merged


class _Capture:
    """One document's capture by one user."""

    def __init__(self, user: User, document: dict, report: CaptureReport):
        self.user, self.report = user, report
        self.context = document.get("@context")
        self.prefixes = context_prefixes(self.context)
        ours = extension_namespace()["htx"]
        names = [f"{prefix}:input" for prefix, iri in self.prefixes.items() if iri == ours]
        self.input_names = frozenset([*names, f"{ours}input"])
        self.own_uri = org_uri(user.organization)

    def run(self, events: list[dict], invalid: set[int]) -> None:
        """Check every schema-valid event, then store them all if none was refused."""
        valid = [index for index in range(len(events)) if index not in invalid]
        hashes = dict(
            zip(valid, event_hashes([events[i] for i in valid], self.context), strict=True)
        )
        resolver = Resolver(base_url())
        resolver.load([events[i] for i in hashes])
        org_id = self.user.organization_id
        # After the lots (the API's lock order): captures of one organization queue here,
        # so the second of two identical documents finds the first's events stored.
        db.session.execute(
            select(Organization.id).where(Organization.id == org_id).with_for_update()
        )
        sent = {i: _sent_id(events, i) for i in hashes}
        fresh, taken = self._fresh(hashes, sent)
        problems = {index: [] for index in fresh}
        self.own_ids = self._event_ids(fresh, events, hashes, sent, taken, problems)
        maker = LotMaker(self.user, resolver, self.prefixes, extension_namespace()["htx"])
        self.report.lots_created = maker.make([(i, events[i]) for i in fresh], problems)
        self.unmade = maker.refused
        ledger = DocumentLedger(
            org_id, resolver.batches, resolver.sites_by_id, resolver.parties_by_id
        )
        with db.session.no_autoflush:
            accepted = self._judge(fresh, events, hashes, resolver, ledger, problems)
        if not self.report.ok:
            for batch in resolver.batches.values():
                db.session.expire(batch)  # lots the rules activated, in memory only
            return
        self._store(org_id, accepted)

    def _judge(self, fresh, events, hashes, resolver, ledger, problems) -> list[Entry]:
        """Map every fresh event, check them all by the rules at once, report per event."""
        mapped = [self._map(i, events[i], resolver, problems[i]) for i in fresh]
        items = [
            event_input({**m.values, "kind": _rules_of(m.kind)}) if m else None for m in mapped
        ]
        verdicts = rules.check_document(self.user, items, ledger)
        accepted = []
        for index, found, verdict in zip(fresh, mapped, verdicts, strict=True):
            if isinstance(verdict, ValidationFailed):
                problems[index].extend(_refusals(verdict, found))
            elif verdict is not None:
                accepted.append(self._entry(verdict, found, events[index], hashes[index], index))
            sent = events[index].get("eventID") or hashes[index]
            for where, message in problems[index]:
                self.report.errors.append(
                    CaptureError(index, sent, f"eventList[{index}].{where}", message)
                )
        return accepted

    def _fresh(self, hashes: dict[int, str], sent: dict) -> tuple[list[int], set[str]]:
        """Indexes of events neither stored already nor repeated earlier in the document, and
        which of our hashes and the sent eventIDs stored events already hold as their ID."""
        values = sorted(set(hashes.values()) | {value for value in sent.values() if value})
        seen, taken = set(), set()
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            rows = db.session.execute(
                select(TraceEvent.event_hash, TraceEvent.epcis_event_id).where(
                    or_(TraceEvent.event_hash.in_(chunk), TraceEvent.epcis_event_id.in_(chunk))
                )
            )
            for stored_hash, stored_id in rows:
                seen.add(stored_hash)
                if stored_id:
                    taken.add(stored_id)
        taken |= seen
        fresh = []
        for index, value in hashes.items():
            if value in seen:
                self.report.duplicates += 1
            else:
                seen.add(value)
                fresh.append(index)
        return fresh, taken

    def _event_ids(self, fresh, events, hashes, sent, taken, problems) -> dict[int, str | None]:
        """The sender's eventID of each fresh event where it is not our hash (None: it is).

        An ID that another event holds, stored or earlier in the document, is refused; a
        ``ni:`` hash that is neither ours nor the reference tool's JSON form is kept, with a
        warning.
        """
        own_ids, used = {}, set(taken)
        for index in fresh:
            value, hashed = sent[index], hashes[index]
            own = value if value and value != hashed else None
            if own and len(own) > MAX_EVENT_ID:
                message = _("An eventID is at most %(max)s characters here.", max=MAX_EVENT_ID)
                problems[index].append(("eventID", message))
            elif (own or hashed) in used:
                message = _("This eventID already names another event stored here.")
                problems[index].append(("eventID", message))
            elif self._foreign_hash(own, events[index]):
                message = _(
                    "This eventID is not the event's CBV 2.0 hash, %(hash)s; kept as sent.",
                    hash=hashed,
                )
                where = f"eventList[{index}].eventID"
                self.report.warnings.append(CaptureError(index, own, where, message))
            used.add(own or hashed)
            own_ids[index] = own
        return own_ids

    def _foreign_hash(self, own: str | None, event: dict) -> bool:
        """True for a ``ni:`` hash eventID that neither we nor the reference tool's JSON path
        compute for the event (the sender hashed something else)."""
        return bool(own and own.startswith(HASH_PREFIX)) and own != reference_json_hash(
            event, self.context
        )

    def _map(self, index, event, resolver, problems: list) -> Mapped | None:
        """The event as the rules' input, or None with its problems noted."""
        if "errorDeclaration" in event:
            problems.append(
                ("errorDeclaration", _("Declare an event erroneous through its corrections."))
            )
        mapped = read_event(event, resolver, self.input_names, self.user.organization_id)
        # A lot that capture could not create was refused already, with the reason.
        problems.extend(p for p in mapped.problems if (index, p[0]) not in self.unmade)
        if mapped.problems or "errorDeclaration" in event:
            return None
        try:
            check_event_time(mapped.values["event_time"])
        except ValidationFailed as refusal:
            problems.extend(_refusals(refusal, mapped))
            return None
        return mapped

    def _entry(
        self, checked: Checked, mapped: Mapped, event: dict, hashed: str, index: int
    ) -> Entry:
        """The event as received (so its hash stays the sender's), with the query columns."""
        step, site = event.get("bizStep"), checked.site
        reference = mapped.values.get("reference") or {}
        entry = Entry(
            organization_id=self.user.organization_id,
            kind=mapped.kind,
            event_type=event["type"],
            biz_step=step if step and len(step) <= 120 else None,
            event_time=mapped.values["event_time"].astimezone(UTC),
            time_zone_offset=event["eventTimeZoneOffset"],
            site_id=site.id if site else None,
            location_code=mapped.location or self.own_uri,
            source_org_id=checked.source_org_id,
            destination_org_id=checked.destination_org_id,
            reference_type=reference.get("type"),
            reference=reference.get("id"),
            epcis={key: value for key, value in event.items() if key not in NOT_STORED},
            epcis_context=self.prefixes,
            event_hash=hashed,
            epcis_event_id=self.own_ids[index],
            recorded_by_id=self.user.id,
        )
        entry.lines = [EntryLine(batch.id, role, qty) for role, batch, qty in checked.lines]
        return entry

    def _store(self, org_id: int, accepted: list[Entry]) -> None:
        try:
            with db.session.begin_nested():
                store_all(org_id, accepted)
        except IntegrityError as clash:
            raise Conflict(
                _("Some of these events were stored at the same moment; send the document again.")
            ) from clash
        self.report.stored = len(accepted)


def _rules_of(kind: EventKind) -> EventKind:
    """Whose rules an event follows: an observation of no kind of ours, the inspection's
    (lots you made or hold)."""
    return EventKind.INSPECTION if kind == EventKind.OTHER else kind


def _refusals(refusal: ValidationFailed, mapped: Mapped) -> list[tuple[str, str]]:
    """(where, message) of each message of a rule's refusal of the event."""
    return [
        (_path(name, message, mapped), message)
        for name, messages in (refusal.errors or {"": [refusal.message]}).items()
        for message in messages
    ]


def _path(name: str, message: str, mapped: Mapped) -> str:
    """Where in the event a recorder's refusal of field ``name`` points (the lot it names)."""
    if name in ("lines", "inputs", "outputs"):
        named = [(len(lot), where) for lot, where in mapped.lot_paths if lot and lot in message]
        if named:
            return max(named)[1]
    return mapped.paths.get(name, name or "type")
