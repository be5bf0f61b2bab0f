"""The values a recording hands out: one parameter's readings, and one phase's span.

Plain values without SQLite, so the rules that work on them (the hold rule of
:mod:`monitor.review.resample`, the summary) do not depend on the reader that
makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from monitor.parameters import Parameter


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One phase from its start to the next phase (or the end of the data)."""

    phase: str
    start: float
    end: float
    by: str

    @property
    def duration_s(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Samples:
    """Every stored reading of one parameter, ordered by host time.

    ``values`` is NaN where the device had no valid value; ``flags`` holds each
    reading's quality flags (a frozenset of names, empty when none).
    """

    parameter: Parameter
    times: np.ndarray
    values: np.ndarray
    flags: tuple[frozenset[str], ...]
    # (the distinct flag sets, each reading's index into them): made on the first flagged() call
    _flag_index: tuple[tuple[frozenset[str], ...], np.ndarray] | None = field(
        default=None, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.times)

    def flagged(self, names: frozenset[str]) -> np.ndarray:
        """Boolean array: which readings carry any of the quality flags ``names``.

        A recording has a handful of distinct flag sets, so each reading's set is
        numbered once (per Samples) and every later question is one numpy lookup: a
        review asks several per NIBP series (docs/BENCHMARKS.md).
        """
        index = self._flag_index
        if index is None:
            distinct = tuple(dict.fromkeys(self.flags))
            number = {flags: i for i, flags in enumerate(distinct)}
            codes = np.fromiter(map(number.__getitem__, self.flags), dtype=np.intp, count=len(self.flags))
            index = (distinct, codes)
            object.__setattr__(self, "_flag_index", index)
        distinct, codes = index
        return np.array([bool(flags & names) for flags in distinct], dtype=bool)[codes]

    def with_values(self, values: np.ndarray) -> Samples:
        """The same readings and flags with other values (e.g. artefacts blanked)."""
        return Samples(self.parameter, self.times, values, self.flags, self._flag_index)
