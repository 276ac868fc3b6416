"""What trace announces to the packages above it, which it does not know (blinker signals).

``lots_changed``: sent before the commit of a transaction that changes what lots show
(events stored on them, a recall, rows written past the ORM), with ``batch_ids``. The
consumer pages subscribe (``consumer.page_cache``): the lots' pages are fresh on the next
request after the commit.
"""

from blinker import Namespace

_signals = Namespace()
lots_changed = _signals.signal("lots-changed")


def announce_lots_changed(batch_ids) -> None:
    """Send ``lots_changed`` for these lots (the subscribers act when the transaction commits)."""
    lots_changed.send(__name__, batch_ids=frozenset(batch_ids))
