"""Starts, feeds and watches the sound process (``ui.sound.child``): the dashboard's side.

No Qt, and nothing of the audio stack: whatever happens to the sound process
(a crash in the sound server's libraries, ``kill -9``, a hang), this process
goes on monitoring. Thread-safe: :meth:`SoundSupervisor.play` and
:meth:`~SoundSupervisor.heartbeat` may be called from any thread and never
block on the child (writes go to a non-blocking pipe; one that would block is
dropped and counted as a hang).

The policy is here; the mechanics of one process (its pipes, its reading
thread, how it ended) are in ``ui.sound.process``. A thread of its own pings the
child every 0.5 s. A child that exits (any exit
code or signal), or stays silent for :data:`HANG_S` (or does not start within
:data:`START_S`), is reported as ``failed``, killed if need be, and replaced:
at once, then after 0.5, 1, 2 and 3 s while new children keep failing within
:data:`STABLE_S` of their start, and every 30 s after ten such failures in a
row. A new child is told what is sounding (it plays it at once) and what the
last child knew of the display.

What the dashboard hears, as :class:`SoundEvent` values passed to ``on_event``
from the supervisor's threads (never from the caller's):

- ``available``: the first child's output can play (``text`` names it);
- ``unavailable``: the output cannot play (``text``: the sentence for the
  AUDIO_UNAVAILABLE alarm), or says so with a new reason;
- ``failed``: the child died or hung (``text``: the sentence); a new one is coming;
- ``restored``: sound plays again after ``unavailable`` or ``failed``;
- ``display_frozen`` (``seconds``: the heartbeat's silence so far) and
  ``display_recovered`` (``seconds``: how long the display was frozen): the
  child's display watchdog, each once per freeze.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ui.sound.process import QUIT_S, SoundProcess
from ui.sound.protocol import Message, child_command, priority_name, unavailable_text

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = "qt"  # the sound card; bench/silent_sound.py sets "null"
PING_S = 0.5
HANG_S = 3.0  # no line from the child for this long: hung
HELD_UP_S = 1.0  # the supervisor's own loop late by more than this: it, not the child, was held up
START_S = 15.0  # a new child must say hello within this (a loaded PC imports slowly)
STABLE_S = 10.0  # a child that ran this long resets the back-off
BACKOFF_S = (0.0, 0.5, 1.0, 2.0, 3.0)
GIVE_UP_AFTER = 10  # quick failures in a row before restarts slow down ...
SLOW_RESTART_S = 30.0  # ... to this


@dataclass(frozen=True, slots=True)
class SoundEvent:
    kind: str  # available | unavailable | failed | restored | display_frozen | display_recovered
    text: str = ""
    seconds: float | None = None


class SoundSupervisor:
    def __init__(
        self,
        output: str | None = None,
        on_event: Callable[[SoundEvent], None] | None = None,
        *,
        command: Callable[[str], list[str]] = child_command,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.output = output or DEFAULT_OUTPUT
        self._on_event = on_event or (lambda event: None)
        self._command = command
        self._now = monotonic
        self._lock = threading.Lock()  # guards the state below and every write to the child
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._child: SoundProcess | None = None
        self._priority: str | None = None
        self._last_heartbeat: float | None = None
        self._frozen_since: float | None = None  # the last heartbeat before the display froze
        self._state: str | None = None  # available | unavailable | failed (None: nothing said yet)
        self.problem: str | None = None  # the sentence while sound cannot play
        self._failures = 0  # children in a row that failed before STABLE_S
        self._delay = 0.0
        self._seq = 0
        self.started = 0  # children started
        self.hangs = 0  # children killed because they did not respond (or read)
        self.heartbeats = 0  # sent by the GUI thread

    # -- for the dashboard ------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None and child.running else None

    @property
    def available(self) -> bool:
        return self._state == "available"

    @property
    def priority(self) -> str | None:
        return self._priority

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sound-supervisor", daemon=True)
            self._thread.start()
            atexit.register(self.stop)  # a program leaving without stop() still ends its child cleanly

    def stop(self) -> None:
        """Stop restarting, and end the child: asked to quit, killed if it is still there after 2 s."""
        atexit.unregister(self.stop)
        with self._lock:
            self._stopping = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(3 * QUIT_S)

    def play(self, priority: object) -> None:
        """Sound this priority ("high" | "medium" | "low" | a Priority), or nothing; only changes are sent."""
        name = priority_name(priority)
        with self._lock:
            if name == self._priority:
                return
            self._priority = name
            if self._child is not None:
                self._child.send("play", priority=name)

    def heartbeat(self) -> None:
        """The GUI thread is alive: call only from a timer of the GUI thread's event loop."""
        with self._lock:
            self._last_heartbeat = self._now()
            self.heartbeats += 1
            if self._child is not None:
                self._child.send("heartbeat")

    # -- the supervisor's thread ---------------------------------------------------------------------

    def _run(self) -> None:
        pinged: tuple[SoundProcess, float] | None = None  # the child pinged last, and when
        while not self._stopping:
            child = self._child
            if pinged is not None and pinged[0] is child:
                self._unless_held_up(child, pinged[1])
            pinged = None
            if child is None:
                if not self._wake.wait(self._delay):
                    self._spawn()
                self._wake.clear()
                continue
            if not child.running:
                self._bury(child)
                continue
            why = self._hang(child)
            if why is not None:
                self._kill(child, why)
                continue
            with self._lock:
                self._seq += 1
                child.send("ping", seq=self._seq)
            pinged = (child, self._now())
            self._wake.wait(PING_S)
            self._wake.clear()
        self._end_child()

    def _unless_held_up(self, child: SoundProcess, pinged_at: float) -> None:
        """If this process was held up since the last ping (stopped, or its GUI thread held the
        interpreter), the child's answers wait unread in the pipe: its silence proves nothing yet."""
        late = self._now() - pinged_at - PING_S
        if late > HELD_UP_S:
            log.warning("the sound supervisor was held up for %.1f s", late + PING_S)
            child.heard = max(child.heard, self._now())

    def _spawn(self) -> None:
        try:
            child = SoundProcess(self._command(self.output), self._now, self._wake, self._on_message)
        except OSError as exc:
            log.error("the alarm sound process cannot start: %s", exc)
            self._failed(f"sound process cannot start ({exc.strerror or exc})")
            self._delay = self._next_delay(stable=False)
            return
        with self._lock:
            self._child = child
            self.started += 1
            child.send("play", priority=self._priority)  # a new child plays what was sounding
            if self._last_heartbeat is not None:
                since = self._frozen_since if self._frozen_since is not None else self._last_heartbeat
                child.send("display", silent_s=round(self._now() - since, 3), frozen=self._frozen_since is not None)
        log.info("alarm sound process %d started (output %s)", child.pid, self.output)

    def _hang(self, child: SoundProcess) -> str | None:
        if child.hung is not None:
            return child.hung
        now = self._now()
        if not child.ready and now - child.started > START_S:
            return f"not started within {START_S:g} s"
        if child.ready and now - child.heard > HANG_S:
            return f"not responding for {HANG_S:g} s"
        return None

    def _kill(self, child: SoundProcess, why: str) -> None:
        log.error("alarm sound process %d hangs (%s): killing it", child.pid, why)
        self.hangs += 1
        child.kill(why)

    def _bury(self, child: SoundProcess) -> None:
        """The child is gone: say so and plan the next one."""
        how = child.reap()
        with self._lock:
            self._child = None
        if self._stopping:
            return
        log.error("alarm sound process %d ended (%s); starting a new one", child.pid, how)
        stable = child.ready and self._now() - child.started >= STABLE_S
        self._failed(f"sound process {how}; restarting")
        self._delay = self._next_delay(stable)

    def _next_delay(self, stable: bool) -> float:
        self._failures = 1 if stable else self._failures + 1
        if self._failures > GIVE_UP_AFTER:
            return SLOW_RESTART_S
        return BACKOFF_S[min(self._failures, len(BACKOFF_S)) - 1]

    def _end_child(self) -> None:
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            child.end()

    # -- what the child says (its reading thread) -------------------------------------------------------

    def _on_message(self, child: SoundProcess, message: Message) -> None:
        if self._child not in (None, child):
            return  # one already replaced
        op = message["op"]
        if op == "hello":
            child.ready = True
            log.info("alarm sound process %d ready: %s", child.pid, message.get("text"))
            self._sound(bool(message.get("available")), str(message.get("text") or ""))
        elif op == "sound":
            self._sound(bool(message.get("available")), str(message.get("text") or ""))
        elif op == "display":
            self._display(bool(message.get("frozen")), message)
        elif op != "pong":
            log.warning("sound process %d: ignored unknown message %r", child.pid, message)

    def _sound(self, available: bool, text: str) -> None:
        with self._lock:
            before, self._state = self._state, "available" if available else "unavailable"
            if available:
                kind = "available" if before is None else "restored" if before != "available" else None
                self.problem = None
            else:
                kind = None if (before, self.problem) == ("unavailable", text) else "unavailable"
                self.problem = text
        if kind is not None:
            self._emit(SoundEvent(kind, text))

    def _failed(self, reason: str) -> None:
        with self._lock:
            self._state, self.problem = "failed", unavailable_text(reason)
        self._emit(SoundEvent("failed", self.problem))

    def _display(self, frozen: bool, message: Message) -> None:
        with self._lock:
            was = self._frozen_since is not None
            if frozen and not was:
                self._frozen_since = self._last_heartbeat
            elif not frozen:
                self._frozen_since = None
        if frozen and not was:
            seconds = float(message.get("silent_s") or 0.0)
            log.error("display frozen: no heartbeat from the GUI thread for %.1f s", seconds)
            self._emit(SoundEvent("display_frozen", seconds=seconds))
        elif not frozen and was:
            seconds = float(message.get("frozen_s") or 0.0)
            log.warning("display responds again: it was frozen for %.1f s", seconds)
            self._emit(SoundEvent("display_recovered", seconds=seconds))

    def _emit(self, event: SoundEvent) -> None:
        try:
            self._on_event(event)
        except Exception:  # a listener's bug must not stop the supervision
            log.exception("sound supervisor: a listener failed on %s", event)


__all__ = ["DEFAULT_OUTPUT", "SoundEvent", "SoundSupervisor"]
