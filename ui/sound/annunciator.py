"""The program's alarm sound: the highest priority any bed should sound, chosen off the GUI thread.

Why not the display: the alarm presenter refreshes on the GUI thread four times a
second. If it chose what to sound, a frozen or busy display would hold back a new
alarm's sound (the display watchdog only steps in after 2 s). The beds judge
their alarms on their own threads (``monitor/bed.py``): a listener there tells the
annunciator, after every alarm event, what that bed should sound now
(``bed.alarms.should_sound()``), and the annunciator plays the highest of all the
beds it follows on the one sound process (:class:`ui.sound.supervisor.SoundSupervisor`).
So a new alarm sounds as soon as its bed has judged it, whatever the display does.

The other way, the supervisor's reports go to every bed it follows by
``bed.post``, which never waits for a bed: whether sound can play
(:class:`monitor.core.AudioStatus`: the AUDIO_UNAVAILABLE alarm) and the display
watchdog's verdicts (:class:`monitor.core.DisplayStatus`: DISPLAY_FROZEN). The
GUI thread's only part is the heartbeat (:meth:`Annunciator.heartbeat`, from a
timer of its event loop: ``ui.sound.adapter.DisplayHeartbeat``).

A room of several chairs on one screen (issue 15) builds one annunciator for the
program and calls :meth:`Annunciator.follow` for each chair's bed: one speaker
plays the most urgent alarm of the room (each chair's audio pause silences that
chair only), and every chair raises AUDIO_UNAVAILABLE and DISPLAY_FROZEN, since
they share the speaker and the display. ``follow`` returns the call that stops
following a chair that is closed. A bed followed after a sound report still gets
the last one about the sound.

No Qt; thread-safe. Lock order: a bed's lock may be held while the annunciator's
is taken (a listener), never the other way round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from monitor.alarms.model import Priority
from monitor.core import AudioStatus, DisplayStatus
from ui.sound.supervisor import SoundEvent, SoundSupervisor

log = logging.getLogger(__name__)

Report = Callable[[SoundEvent], None]


class Sound(Protocol):
    """The sound process's supervisor, as the annunciator uses it."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def play(self, priority: object) -> None: ...
    def heartbeat(self) -> None: ...


class BedAlarmsLike(Protocol):
    def should_sound(self) -> Priority | None: ...


class FollowedBed(Protocol):
    """What the annunciator needs of a bed (:class:`monitor.bed.Bed` is one; the central
    station follows its beds through :class:`central.station_sound.StationSound`)."""

    alarms: BedAlarmsLike
    sound_events: tuple[type, ...]  # after which events what it should sound may have changed

    def subscribe(self, listener: Callable[[object], None]) -> Callable[[], None]: ...
    def post(self, event: object) -> None: ...


class Annunciator:
    def __init__(self, sound: Callable[[Report], Sound] | None = None, output: str | None = None) -> None:
        """``sound(report)`` builds the sound process's supervisor reporting to ``report``
        (default: :class:`SoundSupervisor` on ``output``, the sound card unless told)."""
        self._lock = threading.Lock()
        self._beds: dict[int, FollowedBed] = {}
        self._wanted: dict[int, Priority | None] = {}
        self._playing: Priority | None = None
        self._audio: AudioStatus | None = None  # the last report on the sound, for beds followed later
        self.sound = (sound or (lambda report: SoundSupervisor(output, report)))(self.report)

    # -- lifecycle (the composition root) ------------------------------------------------------
    def start(self) -> None:
        self.sound.start()

    def close(self) -> None:
        """Silence and end the sound process (at the end of the program)."""
        with self._lock:
            self._wanted.clear()
            self._play_highest()
        self.sound.stop()

    def heartbeat(self) -> None:
        """The display is alive: only from a timer of the GUI thread's event loop."""
        self.sound.heartbeat()

    # -- state --------------------------------------------------------------------------------------
    @property
    def playing(self) -> Priority | None:
        """The priority the sound process was last asked to repeat."""
        return self._playing

    @property
    def problem(self) -> str | None:
        """Why sound cannot play, as last reported; None when it can (or nothing was said yet)."""
        audio = self._audio
        return None if audio is None or audio.available else audio.message

    # -- beds ---------------------------------------------------------------------------------------
    def follow(self, bed: FollowedBed) -> Callable[[], None]:
        """Sound what ``bed`` should sound, and tell it about the sound; returns the unfollow."""
        key = id(bed)
        with self._lock:
            self._beds[key] = bed
            audio = self._audio
        if audio is not None:
            bed.post(audio)

        def listener(event: object) -> None:  # the bed's thread (or a command's), under its lock
            if isinstance(event, bed.sound_events):
                self._want(key, bed.alarms.should_sound())

        unsubscribe = bed.subscribe(listener)
        self._want(key, bed.alarms.should_sound())

        def unfollow() -> None:
            unsubscribe()
            with self._lock:
                self._beds.pop(key, None)
                self._wanted.pop(key, None)
                self._play_highest()
        return unfollow

    def _want(self, key: int, priority: Priority | None) -> None:
        with self._lock:
            if key in self._beds:  # not a late call from a bed already unfollowed
                self._wanted[key] = priority
                self._play_highest()

    def _play_highest(self) -> None:
        """Under the lock: only changes are sent (the supervisor never blocks on the child)."""
        highest = max((p for p in self._wanted.values() if p is not None), default=None)
        if highest != self._playing:
            self._playing = highest
            self.sound.play(highest)

    # -- the supervisor's reports (its threads) ---------------------------------------------------------
    def report(self, event: SoundEvent) -> None:
        status: AudioStatus | DisplayStatus
        if event.kind in ("available", "restored"):
            status = AudioStatus(True)
        elif event.kind in ("unavailable", "failed"):
            status = AudioStatus(False, event.text)
        elif event.kind in ("display_frozen", "display_recovered"):
            status = DisplayStatus(event.kind == "display_frozen", event.seconds or 0.0)
        else:
            log.warning("annunciator: ignored a sound report of kind %r", event.kind)
            return
        with self._lock:
            if isinstance(status, AudioStatus):
                self._audio = status
            beds = list(self._beds.values())
        for bed in beds:
            bed.post(status)


__all__ = ["Annunciator", "FollowedBed", "Sound"]
