"""The central station as the program's sound follows it (``ui.sound.annunciator``).

Why not the window: it refreshes on the GUI thread twice a second. If it chose what
to sound, a frozen or busy window would hold back a new alarm's sound. The station
judges on its own threads (the broker's as a message arrives, its watch thread as
a bed falls silent), so the annunciator follows it like a bedside's bed: after every
station event it asks what the station should sound now, and plays the highest.
The sound process's reports come back the same way as to a bed: the station raises
AUDIO_UNAVAILABLE or DISPLAY_FROZEN among its own alarms.

No Qt. Lock order as for a bed: the station's lock may be held while the annunciator's
is taken, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable

from central.station import Station
from monitor.alarms import Priority
from monitor.core import AudioStatus, DisplayStatus


class StationSound:
    """A :class:`ui.sound.annunciator.FollowedBed` made of a :class:`Station`."""

    sound_events: tuple[type, ...] = (object,)  # a bed's state (its own alarm, silence) changes it too

    def __init__(self, station: Station) -> None:
        self.station = station
        self.alarms = self  # ``alarms.should_sound()``, as of a bed

    def should_sound(self) -> Priority | None:
        return self.station.sounding()

    def subscribe(self, listener: Callable[[object], None]) -> Callable[[], None]:
        return self.station.subscribe(listener)

    def post(self, event: object) -> None:
        """The sound process's reports (its supervisor's threads)."""
        if isinstance(event, AudioStatus):
            self.station.on_audio(event.available, event.message)
        elif isinstance(event, DisplayStatus):
            self.station.on_display(event.frozen, event.seconds)


__all__ = ["StationSound"]
