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
from reliability.harness import scenario_toml

BUILTINS = ROOT / "devices" / "simulator" / "scenarios"

HR_140 = "[parameters.HR]\npoints = [[0, 140]]"  # HR HIGH (> 130 for 10 s), latched, never acknowledged


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


def alarm_scenario(folder: Path) -> Path:
    """A flat patient (the reliability harness's) but for a heart rate of 140/min from the start,
    with no end: a HIGH heart-rate alarm for as long as the measurement runs."""
    text = scenario_toml("bench-alarm", ())
    flat = "[parameters.HR]\npoints = [[0, 68]]"
    if flat not in text:
        raise ValueError("the harness's patient changed: no HR of 68 to raise")
    path = folder / "bench-alarm.toml"
    path.write_text(text.replace(flat, HR_140), encoding="utf-8")
    return path


def room_file(folder: Path, scenarios: Sequence[Path | str], name: str = "Bench room") -> Path:
    """A room of ``sim:`` chairs, one per scenario (a file, or a built-in's name)."""
    chairs = "".join(f'\n[[chair]]\nname = "Chair {i + 1}"\nport = "sim:{s}"\nprotocol = "datex"\n'
                     f'patient = "B-{i + 1:04d}"\n' for i, s in enumerate(scenarios))
    path = folder / "room.toml"
    path.write_text(f'[room]\nname = "{name}"\n{chairs}', encoding="utf-8")
    return path
