"""The central station's window (``infusion-monitor central``): the room overview fed from the broker."""

from __future__ import annotations

from collections.abc import Callable

from central.station import Station
from ui.sound.annunciator import Annunciator


def run_central_window(station: Station, annunciator: Annunciator,
                       on_stop_signals: Callable[[Callable[[str], object]], None]) -> int:
    """Open the window on ``station`` until it is closed or a stop signal comes. Both are built
    by main.py, where ``annunciator`` was told to follow the station (it sounds what the station
    judges, on the station's threads); this starts the program as a bedside's starts."""
    from ui.app import start_program
    from ui.central.window import CentralWindow

    quit_on = None
    try:
        app, quit_on, heartbeat = start_program(annunciator, on_stop_signals)
        window = CentralWindow(station)
        station.start()
        window.resize(1600, 900)
        window.show()
        try:
            return app.exec()
        finally:
            window.timer.stop()
            heartbeat.stop()
    finally:
        annunciator.close()  # its display watchdog first: stopping the station takes a moment
        station.stop()
        if quit_on is not None:
            quit_on.close()
