"""Carries a bed's events from the bed's thread into the GUI thread.

The signal is emitted on the thread that produced the event (the bed's thread,
or the GUI thread for the nurse's own commands); Qt queues it to the receiver's
thread. Only immutable values (frozen dataclasses) travel this way.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class EventBridge(QObject):
    event = Signal(object)  # whatever the bed hands its listeners: Reading, LinkEvent, AlarmEvent, ...
