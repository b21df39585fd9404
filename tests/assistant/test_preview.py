"""A preview (the copilot's suggestion) is scoped to its block and its thread."""

from __future__ import annotations

import threading

from assistant.safety.preview import in_preview, previewing


def test_preview_is_on_only_inside_its_block_and_nests() -> None:
    assert not in_preview()
    with previewing():
        assert in_preview()
        with previewing():
            assert in_preview()
        assert in_preview()
    assert not in_preview()


def test_preview_does_not_leak_into_other_threads() -> None:
    seen: list[bool] = []
    with previewing():
        worker = threading.Thread(target=lambda: seen.append(in_preview()))
        worker.start()
        worker.join()
    assert seen == [False]
