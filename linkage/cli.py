"""Linkage's part in the operator commands: its demo data joins ``flask demo``; its contract
scans join the file store's ``flask files`` commands."""

from flask import Flask

from files import store
from linkage.demo import create_linkage_demo
from linkage.models import ContractAttachment
from linkage.services import attachments
from registry.demo import add_demo_step


def register(app: Flask) -> None:
    """Add the linkage demo after the trace demo (it delivers the trace demo's lots)."""
    add_demo_step("linkage", create_linkage_demo)
    # Contract scans are in the file store: kept while an attachment names them, and moved
    # there from the old folder by ``flask files migrate``.
    store.add_reference(app, ContractAttachment.stored_name)
    store.add_legacy(app, attachments.legacy_attachments)
