"""The batch submit: each record judged and stored on its own, exactly once per key.

Every record runs in a savepoint of the request's one transaction: a refused record rolls
back its own savepoint (nothing of it is half-stored) and the next record is judged as if it
had never been sent. The key is written first, so a second send of the same key (a retry,
another tab) waits on it, then answers what the first stored.
"""

import json

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.errors import Conflict, ServiceError, UnknownReference
from core.extensions import db
from field.inputs import FieldRecordInput, InvalidRecord
from field.models import FieldRecord
from field.services import photos
from registry.models import User
from registry.services.scoping import require_own_org
from trace.inputs import BatchInput, HarvestInput, InputAppliedInput, InspectionInput, LineInput
from trace.models import Batch, BatchStatus, TraceEvent
from trace.services import batches, events

# The trace services name a record's lot "lines"; the phone's form calls it "lot_id".
_FORM_FIELDS = {"lines": "lot_id", "site_ids": "site_id"}


def submit(user: User, records: list[FieldRecordInput | InvalidRecord]) -> list[dict]:
    """Judge each record alone; one result per record, in order. Only flushes."""
    require_own_org(user, user.organization_id)
    stored = stored_results(user.id, [r.key for r in records if r.key])
    return [_judge(user, record, stored) for record in records]


def stored_results(user_id: int, keys: list[str]) -> dict[str, dict]:
    """The stored result of each of these keys already sent by the user (one query)."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(FieldRecord.key, FieldRecord.result).where(
            FieldRecord.user_id == user_id, FieldRecord.key.in_(set(keys))
        )
    )
    return {key: json.loads(result) for key, result in rows}


def _judge(user: User, record, stored: dict[str, dict]) -> dict:
    if isinstance(record, InvalidRecord):
        message = _("This record is not valid.")
        return _refused(record.key, 422, "validation_failed", message, record.errors)
    if record.key in stored:
        return {**stored[record.key], "replayed": True}
    try:
        with db.session.begin_nested():
            result = _store(user, record)
    except ServiceError as refusal:
        errors = {_FORM_FIELDS.get(k, k): v for k, v in (refusal.errors or {}).items()}
        return _refused(record.key, refusal.status, refusal.code, refusal.message, errors)
    except IntegrityError:
        # The same key was stored meanwhile (another tab): answer as that send was answered.
        again = stored_results(user.id, [record.key]).get(record.key)
        if again is None:
            message = _("This conflicts with a record saved at the same moment; try again.")
            return _refused(record.key, 409, "conflict", message, {})
        return {**again, "replayed": True}
    stored[record.key] = result
    return result


def _refused(key, status: int, code: str, message: str, errors: dict) -> dict:
    return {
        "key": key,
        "status": "refused",
        "status_code": status,
        "replayed": False,
        "code": code,
        "message": message,
        "errors": errors,
    }


def _store(user: User, record: FieldRecordInput) -> dict:
    photo_type = photos.image_type(record.photo) if record.photo else None
    received = utcnow()
    row = FieldRecord(
        user_id=user.id,
        key=record.key,
        kind=record.kind,
        event_time=record.event_time,
        received_at=received,
        result="",
    )
    db.session.add(row)
    db.session.flush()  # the key first: a concurrent send of it waits here
    event, batch = _RECORDERS[record.kind](user, record)
    if record.photo:
        photos.attach(event, record.photo, photo_type)
    result = {
        "key": record.key,
        "status": "stored",
        "status_code": 201,
        "replayed": False,
        "event_id": event.id,
        "batch_id": batch.id if batch else None,
        "lot_code": batch.lot_code if batch else None,
        "received_at": received.isoformat(),
    }
    row.event_id, row.result = event.id, json.dumps(result)
    db.session.flush()
    return result


def _harvest(user: User, record: FieldRecordInput) -> tuple[TraceEvent, Batch]:
    """A new lot, harvested by the households named, at the site, on the event's day."""
    batch = batches.create_batch(
        user,
        BatchInput(
            product_id=record.product_id,
            quantity=record.quantity,
            harvest_date=record.event_time.date(),  # the day where it happened
            site_ids=(record.site_id,),
            households=record.households,
        ),
    )
    line = LineInput(batch_id=batch.id, quantity=record.quantity)
    values = HarvestInput(event_time=record.event_time, site_id=record.site_id, lines=(line,))
    return events.record_event(user, values), batch


def _input_applied(user: User, record: FieldRecordInput) -> tuple[TraceEvent, Batch | None]:
    """A fertiliser or pesticide applied to an open lot, or to a growing area."""
    lot = open_lot(user, record.lot_id) if record.lot_id else None
    values = InputAppliedInput(
        event_time=record.event_time,
        site_id=record.site_id,
        lines=(LineInput(batch_id=lot.id),) if lot else (),
        input_name=record.input_name,
        dose=record.dose,
        dose_unit=record.dose_unit,
        pre_harvest_interval_days=record.pre_harvest_interval_days,
    )
    return events.record_event(user, values), lot


def _inspection(user: User, record: FieldRecordInput) -> tuple[TraceEvent, Batch]:
    """An inspection of an open lot, with its result and note."""
    lot = open_lot(user, record.lot_id)
    values = InspectionInput(
        event_time=record.event_time,
        site_id=record.site_id,
        lines=(LineInput(batch_id=lot.id),),
        result=record.result,
        note=record.note,
    )
    return events.record_event(user, values), lot


def open_lot(user: User, lot_id: int) -> Batch:
    """A lot of the caller's that is still open (draft or active), its row locked so that a
    lot closed at the same moment is seen closed; refused with the reason otherwise."""
    batch = db.session.scalar(
        select(Batch)
        .where(Batch.id == lot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if batch is None or batch.organization_id != user.organization_id:
        raise UnknownReference.on_field("lot_id", _("No such lot of your organization."))
    if batch.status == BatchStatus.CLOSED:
        message = _(
            "Lot %(lot)s was closed after this record was made: choose an open lot.",
            lot=batch.lot_code,
        )
        raise Conflict.on_field("lot_id", message)
    if batch.status == BatchStatus.RECALLED:
        raise Conflict.on_field("lot_id", _("Lot %(lot)s is recalled.", lot=batch.lot_code))
    return batch


_RECORDERS = {
    "harvest": _harvest,
    "input_applied": _input_applied,
    "inspection": _inspection,
}
