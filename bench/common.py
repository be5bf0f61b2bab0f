"""What every benchmark group shares: a result row, robust statistics, and a clean environment.

A row is one line of the table ``make bench`` prints: what was measured, how,
the median with its spread, the target and PASS/MISS. Groups (``bench.decode``,
``bench.latency``, ...) run in their own process and hand their rows back as
JSON, so one group's threads, caches or Qt application never colour another's.

Spread is the semi-interquartile range (half of Q3 - Q1) of the runs: robust
against one run that the shared machine slowed down, and honest about run-to-run
variation. A comparison against a peer is the median of per-pair ratios, each
pair measured back to back in the same process.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"

PASS, MISS, INFO = "PASS", "MISS", "info"


@dataclass
class Row:
    """One line of the benchmark table."""

    what: str
    how: str
    measured: str  # e.g. "12.3 ms ± 0.4", or "not measured: why"
    target: str
    verdict: str  # PASS, MISS or info (no target: context for another row)
    numbers: dict[str, float] = field(default_factory=dict)  # raw figures for the JSON/Markdown
    group: str = ""

    @classmethod
    def not_measured(cls, what: str, how: str, target: str, why: str, group: str = "") -> Row:
        return cls(what, how, f"not measured: {why}", target, MISS, group=group)


@dataclass(frozen=True)
class Stat:
    """Median and spread (semi-interquartile range) of repeated runs."""

    median: float
    spread: float
    n: int
    low: float
    high: float

    def fmt(self, scale: float = 1.0, unit: str = "", digits: int | None = None) -> str:
        m, s = self.median * scale, self.spread * scale
        return f"{_num(m, digits)} ± {_num(s, digits)}{(' ' + unit) if unit else ''}"


def stat(samples: Sequence[float]) -> Stat:
    values = sorted(float(v) for v in samples)
    if not values:
        raise ValueError("no samples")
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        spread = (q3 - q1) / 2
    else:
        spread = (values[-1] - values[0]) / 2
    return Stat(statistics.median(values), spread, len(values), values[0], values[-1])


def percentile(samples: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by linear interpolation between order statistics."""
    values = sorted(samples)
    if not values:
        raise ValueError("no samples")
    k = (len(values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _num(value: float, digits: int | None) -> str:
    """Three significant figures unless told otherwise; thousands separated."""
    if digits is not None:
        return f"{value:,.{digits}f}"
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    if a == 0:
        return "0"
    return f"{value:.3g}"


def verdict(ok: bool) -> str:
    return PASS if ok else MISS


def isolated_env(home: Path) -> dict[str, str]:
    """Environment for a child program: offscreen Qt, and settings/recordings under ``home``.

    The dashboard remembers its geometry and theme in QSettings and writes recordings
    to the user's data folder; a benchmark must not touch the real user's.
    """
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_DATA_HOME"] = str(home / "data")
    env["XDG_CACHE_HOME"] = str(home / "cache")
    env["XDG_RUNTIME_DIR"] = str(home / "runtime")
    (home / "runtime").mkdir(parents=True, exist_ok=True, mode=0o700)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"bench-{prefix}-"))


def group_main(group: str, run: Callable[[bool], list[Row]]) -> None:
    """``python -m bench.GROUP [--quick] [--json FILE]``: run one group, print or save its rows."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m bench.{group}")
    parser.add_argument("--quick", action="store_true", help="fewer and shorter runs (for development)")
    parser.add_argument("--json", type=Path, help="write the rows here instead of printing them")
    args = parser.parse_args()
    rows = run(args.quick)
    for row in rows:
        row.group = group
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    else:
        for row in rows:
            print(f"{row.verdict:5} {row.what}: {row.measured}  (target {row.target})", file=sys.stdout)
