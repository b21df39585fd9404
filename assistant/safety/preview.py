"""A dry run of a turn: inside ``previewing()`` (this thread only) nothing a turn would write is
written: no handoff ticket, no order-log entry. The agent copilot's suggestions run this way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = threading.local()


@contextmanager
def previewing() -> Iterator[None]:
    outer = in_preview()
    _state.on = True
    try:
        yield
    finally:
        _state.on = outer


def in_preview() -> bool:
    return bool(getattr(_state, "on", False))
