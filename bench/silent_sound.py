"""Run the real program with a silent sound card: ``python bench/silent_sound.py live --port ...``.

The benchmark machine has no audio output, and the dashboard rightly raises the
AUDIO_UNAVAILABLE technical alarm (medium priority: the alarm bar flashes) when it
finds none, so a "quiet" dashboard would never be quiet here, unlike on a clinic PC
with speakers. This launcher gives the program the one thing the machine lacks: its
sound process (ui/sound/child.py) is started with the ``null`` output, which takes
every alarm burst in the real rhythm and plays it nowhere, instead of the sound card.
Everything else is ``main.main`` as ``infusion-monitor`` runs it; the product has no
flag or variable for this. (A real device would add the sound server's own work
while a burst plays; only the alarming run plays bursts.)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ui.sound.supervisor  # noqa: E402 (after the path is set)

ui.sound.supervisor.DEFAULT_OUTPUT = "null"

import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main.main(sys.argv[1:]))
