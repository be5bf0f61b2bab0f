"""The session's trend history: what the chart draws, in bounded memory, without Qt.

Continuous parameters (HR, PR, SpO2, ART) are kept as ``(session minutes, value)``
in preallocated numpy buffers. An absent value is stored as NaN, and a silence
longer than :data:`GAP_MINUTES` gets a NaN inserted, so the chart (pyqtgraph
``connect="finite"``) shows a gap as a gap and never draws a line across time
when nothing was measured.

Memory does not grow with session length: a buffer grows by doubling up to
:data:`MAX_POINTS` (24 h at 1 Hz); when it is full, neighbouring points are
averaged in pairs and later points are averaged in groups of the same size, so
the whole session stays visible at a coarser resolution.

NIBP is a measurement, not a stream: monitors repeat the last result in every
record until the next cuff cycle. Each measurement is stored once (rule in
:meth:`TrendStore.add`), as one row of sys/dia/mean.

Session minutes are relative to the infusion start, whose origin moves until
the infusion starts (:meth:`monitor.session.InfusionSession.minutes_at`). The
store therefore keeps its own x values plus one offset; :meth:`TrendStore.shift`
moves every stored point and marker in O(1).

Everything the GUI reads (:meth:`series`, :meth:`nibp`, :meth:`markers`) is a
copy, so drawing never sees a buffer in the middle of an update.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from monitor.readings import NIBP_PARAMETERS, Parameter, Quality

MAX_POINTS = 24 * 3600  # per continuous parameter: 24 h at 1 Hz before decimating
INITIAL_CAPACITY = 1024
GAP_MINUTES = 0.5  # a silence longer than this breaks the line
MAX_NIBP = 20_000  # measurements kept (a cuff every minute for two weeks)
MAX_MARKERS = 5_000
NIBP_FRAME_MINUTES = 0.5 / 60  # sys/dia/mean readings this close belong to one record

MARKER_KINDS = frozenset({"alarm", "annotation", "phase", "check", "rate"})


@dataclass(frozen=True, slots=True)
class Marker:
    """Something that happened at a point of the session, drawn on the chart."""

    minutes: float
    kind: str  # "alarm" | "annotation" | "phase" | "check" (sedation, dissociation, side effect) | "rate" (pump)
    text: str


@dataclass(frozen=True, slots=True)
class NibpSeries:
    """All NIBP measurements, one entry per cuff result (NaN where a part was missing)."""

    minutes: np.ndarray
    sys: np.ndarray
    dia: np.ndarray
    mean: np.ndarray

    def __len__(self) -> int:
        return len(self.minutes)


class _LineBuffer:
    """x/y of one continuous parameter with bounded memory (see module docstring)."""

    def __init__(self, max_points: int, initial: int) -> None:
        self._max = max(4, max_points - max_points % 2)
        self._x = np.empty(min(initial, self._max))
        self._y = np.empty(min(initial, self._max))
        self._n = 0
        self.stride = 1  # raw points averaged into one stored point
        self._pending: list[tuple[float, float]] = []
        self.last: tuple[float, float] | None = None  # the last raw point appended

    def append(self, x: float, y: float) -> None:
        self.last = (x, y)
        if self._n == self._max:  # before the next bucket closes, so every bucket has one size
            self._decimate()
        if self.stride == 1:
            self._push(x, y)
            return
        self._pending.append((x, y))
        if len(self._pending) >= self.stride:
            xs, ys = zip(*self._pending, strict=True)
            self._pending.clear()
            self._push(xs[0], _mean_or_nan(ys))

    def _push(self, x: float, y: float) -> None:
        if self._n == len(self._x):
            self._grow(min(self._max, 2 * len(self._x)))
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1

    def _grow(self, capacity: int) -> None:
        for name in ("_x", "_y"):
            old = getattr(self, name)
            new = np.empty(capacity)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def _decimate(self) -> None:
        """Halve the stored points: each pair becomes its first x and the mean of its values."""
        pairs = self._n // 2
        x = self._x[: 2 * pairs].reshape(pairs, 2)
        y = self._y[: 2 * pairs].reshape(pairs, 2)
        finite = np.isfinite(y)
        counts = finite.sum(axis=1)
        sums = np.where(finite, y, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        self._x[:pairs] = x[:, 0]
        self._y[:pairs] = means
        self._n = pairs
        self.stride *= 2

    def arrays(self, offset: float) -> tuple[np.ndarray, np.ndarray]:
        return self._x[: self._n] + offset, self._y[: self._n].copy()

    def __len__(self) -> int:
        return self._n


def _mean_or_nan(values: tuple[float, ...]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


class _NibpBuffer:
    """One row per cuff measurement, assembled from the separate sys/dia/mean readings.

    A record from the monitor carries sys, dia and mean as three readings at
    (almost) the same time; they are gathered into one frame. A frame that
    has sys and dia is a new measurement when it differs from the last one
    stored, or when the cuff was seen measuring since (a new cycle may give the
    same numbers). A later reading of the same frame (the mean) completes the
    row instead of adding another.
    """

    _FIELDS: ClassVar[dict[Parameter, int]] = {Parameter.NIBP_SYS: 0, Parameter.NIBP_DIA: 1, Parameter.NIBP_MEAN: 2}

    def __init__(self, max_rows: int) -> None:
        self._rows = np.full((64, 4), np.nan)  # x, sys, dia, mean
        self._n = 0
        self._max = max_rows
        self._frame_x: float | None = None
        self._frame = [math.nan, math.nan, math.nan]
        self._frame_stored = False
        self._cycle_seen = False

    def add(self, parameter: Parameter, x: float, value: float | None, quality: Quality) -> bool:
        """Feed one NIBP reading; True when the stored measurements changed."""
        if quality & Quality.NIBP_MEASURING:
            self._cycle_seen = True
            return False
        if value is None or not math.isfinite(value) or quality & Quality.OLDER_THAN_60S:
            return False  # nothing new: no number, or the monitor repeating an old result
        if self._frame_x is None or abs(x - self._frame_x) > NIBP_FRAME_MINUTES:
            self._frame_x, self._frame, self._frame_stored = x, [math.nan] * 3, False
        self._frame[self._FIELDS[parameter]] = float(value)
        sys, dia, mean = self._frame
        if math.isnan(sys) or math.isnan(dia):
            return False
        if self._frame_stored:  # the same record completing its row (e.g. the mean)
            self._rows[self._n - 1, 1:] = self._frame
            return True
        if not self._cycle_seen and self._n and self._same_as_last(sys, dia, mean):
            return False
        self._append(self._frame_x, sys, dia, mean)
        self._frame_stored = True
        self._cycle_seen = False
        return True

    def _same_as_last(self, sys: float, dia: float, mean: float) -> bool:
        _, last_sys, last_dia, last_mean = self._rows[self._n - 1]
        same_mean = math.isnan(mean) or math.isnan(last_mean) or mean == last_mean
        return sys == last_sys and dia == last_dia and same_mean

    def _append(self, x: float, sys: float, dia: float, mean: float) -> None:
        if self._n == len(self._rows):
            if len(self._rows) < self._max:
                grown = np.full((min(self._max, 2 * len(self._rows)), 4), np.nan)
                grown[: self._n] = self._rows[: self._n]
                self._rows = grown
            else:  # keep the newest: drop the oldest half (weeks of measurements)
                keep = self._n // 2
                self._rows[:keep] = self._rows[self._n - keep : self._n]
                self._n = keep
        self._rows[self._n] = (x, sys, dia, mean)
        self._n += 1

    def series(self, offset: float) -> NibpSeries:
        rows = self._rows[: self._n]
        return NibpSeries(rows[:, 0] + offset, rows[:, 1].copy(), rows[:, 2].copy(), rows[:, 3].copy())

    def __len__(self) -> int:
        return self._n


class TrendStore:
    """Per-parameter trend buffers and the session's markers, in session minutes.

    Owned by the GUI thread (readings arrive there as immutable values).
    ``version`` increases on every change so the chart redraws only when needed.
    """

    def __init__(
        self,
        max_points: int = MAX_POINTS,
        gap_minutes: float = GAP_MINUTES,
        initial_capacity: int = INITIAL_CAPACITY,
    ) -> None:
        self._max_points = max_points
        self._initial = initial_capacity
        self._gap = gap_minutes
        self._lines: dict[Parameter, _LineBuffer] = {}
        self._nibp = _NibpBuffer(MAX_NIBP)
        self._markers: list[tuple[float, str, str]] = []
        self._offset = 0.0  # session minutes = stored x + offset
        self.version = 0

    # -- writing ---------------------------------------------------------------------

    def add(
        self, parameter: Parameter, minutes: float, value: float | None, quality: Quality = Quality.NONE
    ) -> None:
        """Add one reading at ``minutes``; ``None`` (no valid value) becomes a gap.

        NIBP readings are folded into measurements (see :class:`_NibpBuffer`);
        pass the reading's quality so a cuff cycle and an old result are recognised.
        """
        x = minutes - self._offset
        if parameter in NIBP_PARAMETERS:
            if self._nibp.add(parameter, x, value, quality):
                self.version += 1
            return
        line = self._lines.get(parameter)
        if line is None:
            line = self._lines[parameter] = _LineBuffer(self._max_points, self._initial)
        y = math.nan if value is None or not math.isfinite(value) else float(value)
        if line.last is not None and x - line.last[0] > self._gap and math.isfinite(line.last[1]):
            line.append(x, math.nan)  # silence: do not join across it
        line.append(x, y)
        self.version += 1

    def add_gap(self, minutes: float) -> None:
        """Break every line at ``minutes`` (e.g. the link to the monitor was lost)."""
        x = minutes - self._offset
        for line in self._lines.values():
            if line.last is not None and math.isfinite(line.last[1]):
                line.append(x, math.nan)
        self.version += 1

    def add_marker(self, minutes: float, kind: str, text: str) -> None:
        if kind not in MARKER_KINDS:
            raise ValueError(f"marker kind must be one of {sorted(MARKER_KINDS)}, not {kind!r}")
        self._markers.append((minutes - self._offset, kind, text))
        if len(self._markers) > MAX_MARKERS:
            del self._markers[: len(self._markers) - MAX_MARKERS]
        self.version += 1

    def shift(self, delta_minutes: float) -> None:
        """Move every stored point and marker by ``delta_minutes`` (the x origin moved)."""
        if delta_minutes:
            self._offset += delta_minutes
            self.version += 1

    # -- reading (copies, safe to hand to the drawing code) -----------------------------

    def parameters(self) -> tuple[Parameter, ...]:
        """Parameters with any stored data, in the product's order."""
        present = set(self._lines)
        if len(self._nibp):
            present.update(NIBP_PARAMETERS)
        return tuple(p for p in Parameter if p in present)

    def series(self, parameter: Parameter) -> tuple[np.ndarray, np.ndarray]:
        """``(minutes, values)`` copies; NaN marks a gap. NIBP gives one point per measurement."""
        if parameter in NIBP_PARAMETERS:
            nibp = self.nibp()
            column = {Parameter.NIBP_SYS: nibp.sys, Parameter.NIBP_DIA: nibp.dia, Parameter.NIBP_MEAN: nibp.mean}
            return nibp.minutes, column[parameter]
        line = self._lines.get(parameter)
        if line is None:
            return np.empty(0), np.empty(0)
        return line.arrays(self._offset)

    def nibp(self) -> NibpSeries:
        return self._nibp.series(self._offset)

    def markers(self, kinds: frozenset[str] = MARKER_KINDS) -> tuple[Marker, ...]:
        return tuple(Marker(x + self._offset, kind, text) for x, kind, text in self._markers if kind in kinds)

    def resolution(self, parameter: Parameter) -> int:
        """How many received values each stored point stands for (1 until decimated)."""
        line = self._lines.get(parameter)
        return 1 if line is None else line.stride

    def __len__(self) -> int:
        """Stored points over all parameters (for memory checks)."""
        return sum(len(line) for line in self._lines.values()) + len(self._nibp)
