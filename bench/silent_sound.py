"""Run the real program with a silent sound card: ``python bench/silent_sound.py [--fast-forward S] live ...``.

The benchmark machine has no audio output, and the dashboard rightly raises the
AUDIO_UNAVAILABLE technical alarm (medium priority: the alarm bar flashes) when it
finds none, so a "quiet" dashboard would never be quiet here, unlike on a clinic PC
with speakers. This launcher gives the program the one thing the machine lacks: its
sound process (ui/sound/child.py) is started with the ``null`` output, which takes
every alarm burst in the real rhythm and plays it nowhere, instead of the sound card.
(A real device would add the sound server's own work while a burst plays; only the
alarming runs play bursts.)

``--fast-forward S``: the program's clock (``--speed X``) runs X times faster for its
first S seconds, then at real time (:class:`monitor.clock.FastForwardClock`), so the
program can be measured an hour into a session, its trend full, without waiting the
hour. Everything else is ``main.main`` as ``infusion-monitor`` runs it; the product
has no flag or variable for either.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ui.sound.supervisor  # noqa: E402 (after the path is set)

ui.sound.supervisor.DEFAULT_OUTPUT = "null"

import main  # noqa: E402
from monitor.clock import FastForwardClock  # noqa: E402


def fast_forward(argv: list[str]) -> list[str]:
    """Take ``--fast-forward S`` off the front of ``argv`` and make the program's clock one."""
    if argv[:1] != ["--fast-forward"]:
        return argv
    until_s = float(argv[1])
    main.ScaledClock = lambda speed=1.0, start=None: FastForwardClock(speed, until_s, start)  # type: ignore[assignment]
    return argv[2:]


if __name__ == "__main__":
    sys.exit(main.main(fast_forward(sys.argv[1:])))
