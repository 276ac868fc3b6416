"""Event photos: the scene a phone photographed, stored in the file store with the event."""

import io
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import bindparam, select

from core.errors import NotFound, ValidationFailed
from core.extensions import db
from field.models import FieldPhoto
from files import store
from registry.models import User
from registry.services.scoping import require_own_org, sees_everything
from trace.models import EventKind, EventLine, TraceEvent
from trace.signals import announce_lots_changed

_TYPES = {"JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class LotPhoto:
    """A photo as the lot page lists it."""

    event_id: int
    kind: EventKind
    event_time: datetime
    public: bool


def attach(event: TraceEvent, data: bytes, content_type: str) -> FieldPhoto:
    """Store the photo (checked by ``image_type``) with the event; only flushes."""
    stored = store.put(data, content_type)
    photo = FieldPhoto(event_id=event.id, sha256=stored.sha256, public=False)
    db.session.add(photo)
    db.session.flush()
    return photo


def image_type(data: bytes) -> str:
    """The media type of a photo, JPEG or WebP, checked by decoding it; refused otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in _TYPES or image.width * image.height > MAX_PIXELS:
                raise ValueError(image.format)
            image.verify()
            return _TYPES[image.format]
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError):
        raise ValidationFailed.on_field(
            "photo", _("The photo must be a JPEG or WebP image.")
        ) from None


def _may_see(user: User | None, organization_id: int) -> bool:
    return user is not None and (sees_everything(user) or user.organization_id == organization_id)


def _lots_of(event_id: int):
    return select(EventLine.batch_id).where(EventLine.event_id == event_id)


def _events_of(batch_id: int):
    return select(EventLine.event_id).where(EventLine.batch_id == batch_id)


def lot_photos(user: User | None, batch_id: int) -> list[LotPhoto]:
    """The photos of a lot's events, oldest first, for its cooperative and the department."""
    rows = db.session.execute(
        select(
            FieldPhoto.event_id,
            TraceEvent.kind,
            TraceEvent.event_time,
            FieldPhoto.public,
            TraceEvent.organization_id,
        )
        .join(TraceEvent, TraceEvent.id == FieldPhoto.event_id)
        .where(FieldPhoto.event_id.in_(_events_of(batch_id)))
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )
    return [LotPhoto(*row[:4]) for row in rows if _may_see(user, row.organization_id)]


# Built once, run as Core on the session's connection: the consumer page asks on every
# render, and the ORM's own work would cost more than the query.
_PUBLIC_PHOTOS = (
    select(FieldPhoto.sha256)
    .where(
        FieldPhoto.event_id.in_(
            select(EventLine.event_id).where(EventLine.batch_id == bindparam("batch_id"))
        ),
        FieldPhoto.public.is_(True),
    )
    .order_by(FieldPhoto.event_id)
)


def public_photos(batch_id: int) -> list[str]:
    """The hashes of a lot's photos its cooperative made public (for the consumer page)."""
    rows = db.session.connection().execute(_PUBLIC_PHOTOS, {"batch_id": batch_id})
    return list(rows.scalars())


def photo_of(user: User | None, event_id: int) -> FieldPhoto:
    """An event's photo, for its cooperative and the department; 404 otherwise."""
    row = db.session.execute(
        select(FieldPhoto, TraceEvent.organization_id)
        .join(TraceEvent, TraceEvent.id == FieldPhoto.event_id)
        .where(FieldPhoto.event_id == event_id)
    ).first()
    if row is None or not _may_see(user, row.organization_id):
        raise NotFound(_("No such photo."))
    return row.FieldPhoto


def set_public(user: User, event_id: int, public: bool) -> FieldPhoto:
    """Show an event's photo on the consumer page, or hide it again; only its cooperative."""
    photo = photo_of(user, event_id)
    require_own_org(user, db.session.get(TraceEvent, event_id).organization_id)
    photo.public = public
    db.session.flush()
    # The file is served to anyone by its hash only while some event shows it.
    shown = select(FieldPhoto.event_id).where(
        FieldPhoto.sha256 == photo.sha256, FieldPhoto.public.is_(True)
    )
    store.info(photo.sha256).public = db.session.scalar(shown.limit(1)) is not None
    announce_lots_changed(db.session.scalars(_lots_of(event_id)))  # fresh pages
    return photo
