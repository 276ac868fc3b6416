"""Python's cyclic garbage collector paused while a document is captured.

A 10,000-event document is a few hundred thousand live dicts and lists, and checking it
allocates as many again; each full collection walks them all, which cost a quarter of the
capture's CPU while finding nothing to free (the document is alive until the end).
Reference counting still frees everything meanwhile; cycles wait until no capture of the
process is running, and the collector is then as it was before the first one began.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_state = {"running": 0, "was_enabled": False}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (captures in other threads may overlap)."""
    with _lock:
        if _state["running"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["running"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["running"] -= 1
            if _state["running"] == 0 and _state["was_enabled"]:
                gc.enable()
