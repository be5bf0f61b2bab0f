"""Carries driver and recorder events from their threads into the GUI thread.

The signal is emitted from worker threads; Qt queues it to the receiver's
thread. Only immutable values (frozen dataclasses) travel this way.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class EventBridge(QObject):
    event = Signal(object)  # Reading | LinkEvent | DeviceStatus
    recording_failed = Signal(str)
    recording_recovered = Signal()
