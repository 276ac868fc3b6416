"""Fixtures and helpers for recall tests: a real SMTP server (aiosmtpd) on a free localhost
port, and the issue's chain: a raw lot split, processed and shipped to two enterprises."""

import email
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from core.extensions import db
from gs1.codes import new_public_code
from tests.server_helpers import free_port
from trace.models import UnitCode

SMTP_KEYS = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS")


@dataclass
class Inbox:
    """What the SMTP server received: one parsed message per envelope recipient."""

    messages: list = field(default_factory=list)
    port: int = 0
    on_message: Callable[[], None] | None = None  # run (in the server's thread) on each message

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.on_message is not None:
            self.on_message()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        for rcpt in envelope.rcpt_tos:
            self.messages.append((rcpt, message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        """Messages delivered to one address."""
        return [message for rcpt, message in self.messages if rcpt == address]

    @staticmethod
    def body(message) -> str:
        """The plain-text body of a message."""
        return message.get_body(preferencelist=("plain",)).get_content()

    def ack_path(self, address: str) -> str:
        """The path of the acknowledgement link in the first message to ``address``."""
        text = self.body(self.to(address)[0])
        match = re.search(r"https?://[^/\s]+(/recalls/ack/\S+)", text)
        assert match, text
        return match.group(1)


@pytest.fixture
def smtp_settings(app):
    """Restore the app's SMTP settings after a test that changes them."""
    saved = {key: app.config.get(key) for key in SMTP_KEYS}
    for key in (
        "RECALL_NOTICE_RETRY_SECONDS",
        "RECALL_ACK_LINK_DAYS",
    ):
        saved[key] = app.config[key]
    yield app.config
    app.config.update(saved)


@pytest.fixture
def smtp_server(smtp_settings):
    """A real SMTP server on a free localhost port; the app sends its notices to it."""
    port = free_port()
    inbox = Inbox(port=port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def no_smtp(smtp_settings):
    """SMTP not configured: notices stay pending in the outbox."""
    smtp_settings.update(SMTP_HOST=None)
    return smtp_settings


def add_unit(app, batch_id: int, serial: str = "0001") -> str:
    """Give a lot a unit code and return its public code."""
    with app.app_context():
        unit = UnitCode(batch_id=batch_id, serial=serial, public_code=new_public_code())
        db.session.add(unit)
        db.session.commit()
        return unit.public_code


@dataclass
class Chain:
    """The lots of the issue's scenario, by name, as the API returned them."""

    lots: dict
    site: dict

    def id(self, name: str) -> int:
        """A lot's id."""
        return self.lots[name]["id"]

    def code(self, name: str) -> str:
        """A lot's public code."""
        return self.lots[name]["public_code"]


def build_chain(farm, buyer) -> Chain:
    """RAW (1000 kg) split into A (600) and B (400); A roasted into ROAST (500);
    300 kg of ROAST shipped to enterprise X, which packs 200 kg into PACK; B's 400 kg
    shipped to enterprise Y. An unrelated lot OTHER is shipped to Y too."""
    world = farm.world
    raw_product = farm.product()
    roast_product = farm.product(name="Cà phê rang xay Đăk Đoa")
    site = farm.site()
    raw = farm.batch(raw_product["id"], 1000)
    farm.harvest(raw["id"], site["id"], days_ago=20)
    split = farm.transform(
        [(raw["id"], 1000)],
        [
            {"product_id": raw_product["id"], "quantity": 600},
            {"product_id": raw_product["id"], "quantity": 400},
        ],
        how="splitting",
        days_ago=15,
    )
    part_a, part_b = _outputs(split)
    roast = farm.transform(
        [(part_a, 600)], [{"product_id": roast_product["id"], "quantity": 500}], days_ago=10
    )
    (roast_id,) = _outputs(roast)
    farm.ship(roast_id, 300, world["ent_x"], days_ago=5)
    farm.ship(part_b, 400, world["ent_y"], days_ago=4)
    pack_product = buyer.product(name="Cà phê rang gói 500 g X")
    pack = buyer.transform(
        [(roast_id, 200)],
        [{"product_id": pack_product["id"], "quantity": 400}],
        how="packing",
        days_ago=3,
    )
    (pack_id,) = _outputs(pack)
    other = farm.batch(raw_product["id"], 50)
    farm.harvest(other["id"], site["id"], days_ago=20)
    farm.ship(other["id"], 50, world["ent_y"], days_ago=4)
    lots = {
        "RAW": raw,
        "A": farm.get(f"/batches/{part_a}"),
        "B": farm.get(f"/batches/{part_b}"),
        "ROAST": farm.get(f"/batches/{roast_id}"),
        "PACK": buyer.get(f"/batches/{pack_id}"),
        "OTHER": other,
    }
    return Chain(lots, site)


def _outputs(event: dict) -> list[int]:
    return [line["batch_id"] for line in event["lines"] if line["role"] == "output"]


@pytest.fixture
def chain(farm, buyer) -> Chain:
    return build_chain(farm, buyer)
