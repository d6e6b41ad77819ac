"""The collector's freeze while a report is made (``reports.heap``, ADR 0056)."""

from __future__ import annotations

import gc
import threading
import weakref

from seip.reports.heap import older_objects_frozen


def test_older_objects_are_frozen_only_while_a_report_is_made() -> None:
    assert gc.get_freeze_count() == 0
    with older_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_the_freeze_lasts_until_the_last_report_of_the_process_ends() -> None:
    inside = threading.Event()
    leave = threading.Event()

    def other_report() -> None:
        with older_objects_frozen():
            inside.set()
            leave.wait(timeout=10)

    thread = threading.Thread(target=other_report)
    with older_objects_frozen():
        thread.start()
        assert inside.wait(timeout=10)
    # This report ended; the other thread's has not: still frozen.
    assert gc.get_freeze_count() > 0
    leave.set()
    thread.join(timeout=10)
    assert gc.get_freeze_count() == 0


def test_garbage_made_before_a_report_is_freed_after_it() -> None:
    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    gone = weakref.ref(a)
    del a, b
    with older_objects_frozen():
        gc.collect()
        assert gone() is not None  # frozen: not scanned during the report
    gc.collect()
    assert gone() is None
