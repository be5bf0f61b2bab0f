"""What every sound output is: the interface the burst player plays into, and its failure.

Its own module so the Qt Multimedia output and the test outputs can name it
without importing the player that picks among them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject


class AudioUnavailable(Exception):
    """An output cannot play; ``str()`` says why, in words for the nurse."""


class Output(Protocol):
    """Where bursts go. ``play`` gets mono 16-bit samples at ``sample_rate``."""

    sample_rate: int
    description: str

    def play(self, samples: np.ndarray) -> None: ...

    def stop(self) -> None: ...


# (report a failure while playing, Qt parent) -> an output; raises AudioUnavailable
OutputFactory = Callable[[Callable[[str], None], QObject], Output]
