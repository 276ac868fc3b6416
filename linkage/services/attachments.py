"""Scanned contracts and annexes: type and size checked, kept in the file store.

``stored_name`` is ``<sha256>.<ext>``, the file store's name (private files: served only
through the contract's views); older names are files in ``INSTANCE_DIR/attachments``,
read from there until ``flask files migrate`` moves them into the store.
"""

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import Forbidden, NotFound, ValidationFailed
from core.extensions import db
from files import store
from linkage.models import ContractAttachment
from linkage.services.contracts import get_contract
from registry.models import User

MAX_BYTES = 10 * 1024 * 1024
# What the bytes must start with; the file name's extension is not trusted.
SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


def _folder() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "attachments"


def _sniff(data: bytes) -> tuple[str, str]:
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            return kind
    raise ValidationFailed.on_field("file", _("Attach a PDF, JPEG or PNG scan."))


def add_attachment(user: User, contract_id: int, filename: str, data: bytes) -> ContractAttachment:
    """Store a scan for a contract the caller is party to."""
    contract = get_contract(user, contract_id)
    if user.organization_id not in {p.organization_id for p in contract.parties}:
        raise Forbidden(_("Only a party to the contract attaches its scans."))
    if not data:
        raise ValidationFailed.on_field("file", _("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ValidationFailed.on_field("file", _("The file is larger than 10 MB."))
    mimetype, extension = _sniff(data)
    stored = store.put(data, mimetype)
    attachment = ContractAttachment(
        contract_id=contract.id,
        filename=Path(filename or "scan").name[:200],
        stored_name=f"{stored.sha256}.{extension}",
        mimetype=mimetype,
        size=len(data),
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachment_file(
    user: User, contract_id: int, attachment_id: int
) -> tuple[str | Path, ContractAttachment]:
    """The stored file of an attachment, for a party or the department: its hash in the file
    store, or its path in the old folder (before ``flask files migrate``)."""
    contract = get_contract(user, contract_id)
    attachment = db.session.get(ContractAttachment, attachment_id)
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound(_("No such attachment."))
    sha256 = store.key_of(attachment.stored_name)
    return (sha256 or _folder() / Path(attachment.stored_name).name), attachment


def legacy_attachments() -> list[store.LegacyFile]:
    """The scans still in the old folder, for ``flask files migrate``."""
    rows = db.session.execute(select(ContractAttachment.id, ContractAttachment.stored_name)).all()
    return [
        store.LegacyFile(_folder() / Path(name).name, _mover(attachment_id, name))
        for attachment_id, name in rows
        if not store.key_of(name)
    ]


def _mover(attachment_id: int, name: str):
    def move() -> None:
        attachment = db.session.get(ContractAttachment, attachment_id)
        with (_folder() / Path(name).name).open("rb") as file:
            stored = store.put(file, attachment.mimetype)
        attachment.stored_name = f"{stored.sha256}.{Path(name).suffix.lstrip('.')}"
        db.session.flush()

    return move
