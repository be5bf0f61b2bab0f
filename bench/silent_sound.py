"""Run the real program with a silent sound card: ``python bench/silent_sound.py live --port ...``.

The benchmark machine has no audio output, and the dashboard rightly raises the
AUDIO_UNAVAILABLE technical alarm (medium priority: the alarm bar flashes) when it
finds none, so a "quiet" dashboard would never be quiet here, unlike on a clinic PC
with speakers. This launcher gives the program the one thing the machine lacks: it
replaces the operating system's default audio output
(:func:`ui.alarm_sound.qt_output`) by an output that accepts every alarm burst and
plays it nowhere. Everything else is ``main.main`` as ``infusion-monitor`` runs it;
the product has no flag or variable for this. (A real device would add the sound
server's own work while a burst plays; only the alarming run plays bursts.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ui.alarm_sound as alarm_sound  # noqa: E402 (after the path is set)


class SilentOutput:
    """An :class:`ui.alarm_sound.Output` that takes bursts and plays them nowhere."""

    sample_rate = alarm_sound.SAMPLE_RATE
    description = "silent sound card (benchmark)"

    def __init__(self) -> None:
        self.bursts = 0

    def play(self, samples: np.ndarray) -> None:
        self.bursts += 1

    def stop(self) -> None:
        pass


alarm_sound.qt_output = lambda on_failure, parent: SilentOutput()

import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main.main(sys.argv[1:]))
