"""Scenario files and room files the long measurements need (benchmarks and the room's soak).

The built-in scenarios last 105 minutes; after that a simulated monitor holds its last
values and its cuff stops, which soon raises NIBP overdue. A measurement that runs a
fast-forwarded hour and then a real-time hour, or eight hours, needs the same patients
for longer: :func:`long_scenario` copies a built-in with a longer ``duration_s``
(nothing else changes: the trajectories hold their last point, the cuff keeps cycling).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from bench.common import ROOT

BUILTINS = ROOT / "devices" / "simulator" / "scenarios"

# HR 140/min from the start: HR HIGH (> 130 for 10 s), latched, never acknowledged.
ALARM_SCENARIO = """\
[scenario]
name = "bench-alarm"
description = "Benchmark: a HIGH heart-rate alarm flashing for the whole run"
duration_s = {duration}
arterial_line = false

[nibp]
interval_s = 180
first_s = 0
inflation_s = 25
noise_mmhg = 3

[parameters.HR]
points = [[0, 140]]
noise = 1

[parameters.SPO2]
points = [[0, 98]]
noise = 0.6
noise_period_s = 8

[parameters.ART_SYS]
points = [[0, 124]]
noise = 2

[parameters.ART_DIA]
points = [[0, 78]]
noise = 1.5
"""


def long_scenario(builtin: str, duration_s: float, folder: Path) -> Path:
    """A copy of built-in scenario ``builtin`` lasting ``duration_s`` (at least as long as the
    built-in), written in ``folder``."""
    text = (BUILTINS / f"{builtin}.toml").read_text(encoding="utf-8")
    found = re.search(r"(?m)^duration_s = (\d+)$", text)
    if not found:
        raise ValueError(f"{builtin}: no duration_s to lengthen")
    duration_s = max(duration_s, float(found.group(1)))
    text = text[:found.start()] + f"duration_s = {duration_s:.0f}" + text[found.end():]
    path = folder / f"{builtin}-{duration_s:.0f}s.toml"
    path.write_text(text, encoding="utf-8")
    return path


def alarm_scenario(duration_s: float, folder: Path) -> Path:
    path = folder / "bench-alarm.toml"
    path.write_text(ALARM_SCENARIO.format(duration=f"{duration_s:.0f}"), encoding="utf-8")
    return path


def room_file(folder: Path, scenarios: Sequence[Path | str], name: str = "Bench room") -> Path:
    """A room of ``sim:`` chairs, one per scenario (a file, or a built-in's name)."""
    chairs = "".join(f'\n[[chair]]\nname = "Chair {i + 1}"\nport = "sim:{s}"\nprotocol = "datex"\n'
                     f'patient = "B-{i + 1:04d}"\n' for i, s in enumerate(scenarios))
    path = folder / "room.toml"
    path.write_text(f'[room]\nname = "{name}"\n{chairs}', encoding="utf-8")
    return path
