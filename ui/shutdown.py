"""Ending the dashboard on SIGTERM, SIGINT or SIGHUP as cleanly as by closing its window.

Why: a logout or a shutdown sends SIGTERM, Ctrl-C in a terminal SIGINT, a closed
terminal SIGHUP. Each must end the session as a normal end, with the reason
("program closed (SIGTERM)"), say goodbye to the monitor and stop the sound
process, never leave a recording that reads "ended unexpectedly".

The catch: Python runs a signal handler only when the interpreter gets control,
and while ``app.exec()`` runs, Qt waits for events in C. So the signal's C-level
handler is made to write a byte to a socket (``signal.set_wakeup_fd``) that Qt
watches (:class:`QSocketNotifier`): Qt wakes at once, calls back into Python, the
Python handler runs and quits the event loop (dialogs included); ``ui.app.run_live``
then ends the session. No polling timer is needed.
"""

from __future__ import annotations

import logging
import signal
import socket

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSocketNotifier

log = logging.getLogger(__name__)


class QuitOnRequest(QObject):
    """Quits the Qt event loop when :meth:`request` is called (by a signal handler), and
    keeps the reason; makes Qt wake up for every signal while it lives."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reason: str | None = None
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def request(self, reason: str) -> None:
        """End the program: the first reason given is the one recorded."""
        if self.reason is None:
            log.info("%s: ending the session", reason)
            self.reason = reason
        QCoreApplication.quit()

    def close(self) -> None:
        """Stop waking Qt (the program is ending); the handlers stay, so a second signal
        does not interrupt the closing of the recording.

        Also drops a quit Qt left pending: since Qt 6, quitting closes every window, and the
        last window closing posts a second quit, which the next event loop of this process
        would take as its own and end at once (an in-process caller's, a test's)."""
        QCoreApplication.removePostedEvents(QCoreApplication.instance(), QEvent.Type.Quit)
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        self._read.close()
        self._write.close()

    def _drain(self) -> None:
        """The bytes only woke Qt up; the Python handler has run by now."""
        try:
            while self._read.recv(512):
                pass
        except OSError:  # nothing more to read (BlockingIOError), or closed
            pass


__all__ = ["QuitOnRequest"]
