"""Outputs for tests and benchmarks, and the choice of output from ``--output``.

``qt`` is the sound card (``ui.sound.qt_output``). ``null`` takes every burst and
plays it nowhere (the benchmark's silent sound card: this machine has none, and
a dashboard without sound rightly flashes AUDIO_UNAVAILABLE). ``jsonl:PATH``
also plays nowhere but appends one line per burst to PATH, so a test can see
what the sound process would have played and when, with no audio device. The
priority written is recognised from the samples themselves (compared with
``tones.burst`` of each priority), not taken from the request.

Neither test output is reachable from the product's command line or
environment: a silent output that says it works must never run in a clinic.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from monitor.alarms import tones
from monitor.alarms.model import Priority
from ui.sound.output import AudioUnavailable, Output, OutputFactory
from ui.sound.player import default_output

TEST_SAMPLE_RATE = 16000  # enough for the harmonics (tones.harmonic_frequencies), cheap to compare


class NullOutput:
    """Takes bursts and plays them nowhere; counts them."""

    sample_rate = TEST_SAMPLE_RATE
    description = "silent output (no sound card: benchmark or test)"

    def __init__(self) -> None:
        self.bursts = 0

    def play(self, samples: np.ndarray) -> None:
        self.bursts += 1

    def stop(self) -> None:
        pass


class JsonlOutput(NullOutput):
    """Plays nowhere; appends ``{"event": "burst", "priority": ..., "t": ..., ...}`` per burst."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.description = f"burst log {path} (test)"
        try:
            self._file = path.open("a", buffering=1, encoding="utf-8")  # one line at a time
        except OSError as exc:
            raise AudioUnavailable(f"the burst log {path} cannot be written ({exc.strerror})") from exc
        self._known = {p: tones.burst(p, self.sample_rate) for p in Priority}

    def play(self, samples: np.ndarray) -> None:
        super().play(samples)
        priority = next((p.value for p, burst in self._known.items() if np.array_equal(samples, burst)), None)
        self._file.write(json.dumps({
            "event": "burst", "priority": priority, "pid": os.getpid(),
            "t": time.time(), "monotonic": time.monotonic(),
            "samples": len(samples), "duration_s": round(len(samples) / self.sample_rate, 4),
        }) + "\n")

    def close(self) -> None:
        self._file.close()


def output_factory(spec: str) -> tuple[OutputFactory, bool]:
    """``--output`` as (factory, whether to follow audio devices coming and going)."""
    if spec == "qt":
        return default_output, True
    if spec == "null":
        return _fixed(NullOutput), False
    kind, _, path = spec.partition(":")
    if kind == "jsonl" and path:
        return _fixed(lambda: JsonlOutput(Path(path))), False
    raise ValueError(f"unknown sound output {spec!r}: use qt, null or jsonl:PATH")


def _fixed(make: Callable[[], Output]) -> OutputFactory:
    return lambda _on_failure, _parent: make()


__all__ = ["JsonlOutput", "NullOutput", "output_factory"]
