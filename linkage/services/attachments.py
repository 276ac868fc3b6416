"""Scanned contracts and annexes: type and size checked, stored outside the web root."""

from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from core.errors import Forbidden, NotFound, ValidationFailed
from core.extensions import db
from gs1.codes import new_public_code
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
    folder = Path(current_app.config["INSTANCE_DIR"]) / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    stored = f"{contract.id}-{new_public_code()}.{extension}"
    (_folder() / stored).write_bytes(data)
    attachment = ContractAttachment(
        contract_id=contract.id,
        filename=Path(filename or "scan").name[:200],
        stored_name=stored,
        mimetype=mimetype,
        size=len(data),
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachment_file(
    user: User, contract_id: int, attachment_id: int
) -> tuple[Path, ContractAttachment]:
    """The stored file of an attachment, for a party or the department."""
    contract = get_contract(user, contract_id)
    attachment = db.session.get(ContractAttachment, attachment_id)
    if attachment is None or attachment.contract_id != contract.id:
        raise NotFound(_("No such attachment."))
    return _folder() / attachment.stored_name, attachment
