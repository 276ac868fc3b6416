"""Recall demo data: one delivered lot recalled by its cooperative, one buyer has acknowledged.

Runs after the linkage demo (it recalls a lot that demo delivered). With no SMTP
server the notices wait in the outbox, as they would on a fresh install.
"""

from sqlalchemy import select

from core.extensions import db
from recall.models import AckChannel
from recall.services import recalls
from registry.models import OrgKind, Role, User
from trace.models import Batch, BatchStatus, EventKind, EventLine, TraceEvent

REASON = (
    "Mẫu lưu có dư lượng thuốc bảo vệ thực vật vượt mức cho phép "
    "(phiếu kết quả thử nghiệm của Chi cục Chất lượng, Chế biến và Phát triển thị trường)"
)


def _delivered_lot() -> Batch | None:
    """The most recently shipped active lot of a cooperative that has a user."""
    return db.session.scalar(
        select(Batch)
        .join(EventLine, EventLine.batch_id == Batch.id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .join(User, User.organization_id == Batch.organization_id)
        .where(
            TraceEvent.kind == EventKind.SHIPPING,
            Batch.status == BatchStatus.ACTIVE,
            User.role == Role.COOPERATIVE,
        )
        .order_by(TraceEvent.event_time.desc(), Batch.id)
        .limit(1)
    )


def create_recall_demo(seed: int) -> dict[str, int]:
    """Open one recall and acknowledge it for its first recipient; returns counts."""
    lot = _delivered_lot()
    if lot is None:
        return {"recalls": 0}
    opener = db.session.scalar(
        select(User).where(
            User.organization_id == lot.organization_id, User.role == Role.COOPERATIVE
        )
    )
    recall = recalls.open_recall(
        opener, {"batch_id": lot.id, "reason": REASON, "severity": "moderate"}
    )
    acknowledged = 0
    for recipient in recall.recipients[:1]:
        user = db.session.scalar(
            select(User).where(User.organization_id == recipient.organization_id).limit(1)
        )
        if user is not None and recipient.organization.kind == OrgKind.ENTERPRISE:
            recalls.acknowledge(user, recall.id, AckChannel.WEB)
            acknowledged += 1
    return {
        "recalls": 1,
        "recalled lots": len(recall.batches),
        "recipients": len(recall.recipients),
        "acknowledged": acknowledged,
    }
