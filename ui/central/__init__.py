"""The central station's window (``infusion-monitor central``): the room overview fed from the broker."""

from __future__ import annotations

from central.station import Station


def run_central_window(station: Station) -> int:
    """Open the window on ``station`` (built by main.py), with the alarm sound; until it is closed."""
    from PySide6.QtWidgets import QApplication

    from ui.central.window import CentralWindow
    from ui.sound.adapter import DisplayHeartbeat
    from ui.sound.supervisor import SoundEvent, SoundSupervisor

    def report(event: SoundEvent) -> None:  # the supervisor's threads: the station's AUDIO_UNAVAILABLE
        if event.kind in ("available", "restored", "unavailable", "failed"):
            station.on_audio(event.kind in ("available", "restored"), event.text)

    app = QApplication.instance() or QApplication([])
    sound = SoundSupervisor(None, report)
    sound.start()
    heartbeat = DisplayHeartbeat(sound.heartbeat, app)  # the sound process's display watchdog
    heartbeat.start()
    window = CentralWindow(station, sound)
    station.start()
    window.resize(1600, 900)
    window.show()
    try:
        return app.exec()
    finally:
        window.timer.stop()
        heartbeat.stop()
        station.stop()
        sound.stop()
