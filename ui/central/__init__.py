"""The central station's window (``infusion-monitor central``): the room overview fed from the broker."""

from __future__ import annotations

from central.station import Station


def run_central_window(station: Station) -> int:
    """Open the window on ``station`` (built by main.py), with the alarm sound; until it is closed."""
    from PySide6.QtWidgets import QApplication

    from ui.central.window import CentralWindow
    from ui.sound.adapter import SupervisedSound

    app = QApplication.instance() or QApplication([])
    sound = SupervisedSound()
    sound.unavailable.connect(lambda text: station.on_audio(False, text))  # the station's AUDIO_UNAVAILABLE
    sound.restored.connect(lambda: station.on_audio(True))
    window = CentralWindow(station, sound)
    station.start()
    window.resize(1600, 900)
    window.show()
    try:
        return app.exec()
    finally:
        window.timer.stop()
        station.stop()
        sound.close()
