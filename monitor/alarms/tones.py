"""IEC 60601-1-8 alarm bursts, generated as sample arrays (pure numpy, no Qt).

The sound process (``ui/sound/player.py``) plays :func:`burst` for the priority the
engine asks for and repeats it: the next burst starts :func:`burst_interval_s`
after the end of the previous one. The tone is built here, from numbers that
can be checked against the standard's tables (reference §1.3,
``alarm-system-and-ketamine-thresholds.md``); ``tests/test_alarm_tones.py``
measures them back from the samples.

Chosen values (reference labels: [V] checked in a source, [M] from memory of the
standard, to be checked against the purchased text):

=====================  ==========  ==========  ==========  =================================
                       high        medium      low         standard's range
=====================  ==========  ==========  ==========  =================================
pulses per burst       10 (3+2,    3           2           10 / 3 / 1-2 (Table 3) [M]
                       pause, 3+2)
pulse duration td      150 ms      200 ms      200 ms      high 75-200, others 125-250 ms [M]
pulse spacing          x = 100 ms  y = 200 ms  y = 200 ms  x 50-125 ms, y 125-250 ms [M]
spacing 3-4 and 8-9    2x + td     -           -           = 350 ms: the silent slot of "3+2"
spacing 5-6            600 ms      -           -           0.35-1.30 s [M]
rise / fall time       15 % of td  15 % of td  15 % of td  rise 10-20 % of td [M]
interburst interval    6.6 s       19.0 s      29.4 s      2.5-15 / 2.5-30 / > 15 s [M]
burst repeats every    10.0 s      20.0 s      30.0 s      (burst + interburst interval)
fundamental f0         523.25 Hz (C5) for all priorities    150-1000 Hz [V]
harmonics              2nd-7th (1046-3663 Hz), -2 to -11 dB  >= 4 in 300-4000 Hz within
                                                             +-15 dB of f0 [V]
=====================  ==========  ==========  ==========  =================================

Why these: they are the reference's "compliant example timing for a desktop app"
(§1.3.2): high td 150 ms, x 100 ms, 600 ms between the two halves (one burst
lasts 3.4 s) repeated every 10 s as Edan, Mindray and MakAir do; medium 3 x 200
ms every 20 s (Edan: 25 s, Mindray: 10 s); low 2 x 200 ms every 30 s (Edan:
30 s). Medium (td + y = 400 ms) is slower than high (td + x = 250 ms), as Table 3
requires. All pulses of a burst have the same level (at most 10 dB apart is
allowed) and x and y do not vary within a burst (+-5 % is allowed).

How times are measured here: a pulse's duration and the spacing between pulses
are taken between the points where the pulse envelope crosses 50 % of its
maximum; rise and fall times between 10 % and 90 %. The envelope ramps are raised
cosines (no clicks, little energy outside the harmonics). The waveform is the sum
of the fundamental and its harmonics up to 4 kHz (never above 45 % of the sample
rate), with Schroeder phases so its peak is low and it plays loud without
clipping; the burst peaks at -1 dBFS. A pure sine beep would not comply
(reference §1.3.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from monitor.alarms.model import Priority

FUNDAMENTAL_HZ = 523.25  # C5: in the 150-1000 Hz band, and heard through small PC speakers
HARMONIC_LEVELS = (1.0, 0.8, 0.6, 0.5, 0.4, 0.33, 0.28)  # amplitude of f0, 2 f0, 3 f0 ... (0 to -11 dB)
HARMONIC_BAND_HZ = (300.0, 4000.0)  # where the standard counts harmonics
MIN_HARMONICS = 4
PEAK = 10 ** (-1 / 20)  # -1 dBFS
RISE_SHARE = 0.15  # rise and fall time as a share of td (standard: 10-20 %)
_RAMP_10_90 = (math.acos(-0.8) - math.acos(0.8)) / math.pi  # 10-90 % time of a raised cosine of length 1


@dataclass(frozen=True, slots=True)
class BurstPattern:
    """One priority's burst: pulse length, the spacings between pulses, and the repeat."""

    pulse_s: float  # effective pulse duration td (50 % points)
    spacings_s: tuple[float, ...]  # from the end of each pulse to the start of the next (50 % points)
    interburst_s: float  # from the end of the last pulse to the start of the next burst

    @property
    def pulses(self) -> int:
        return len(self.spacings_s) + 1

    @property
    def rise_s(self) -> float:
        """Rise (and fall) time, 10 % to 90 % of the pulse's amplitude."""
        return RISE_SHARE * self.pulse_s

    @property
    def ramp_s(self) -> float:
        """Length of the raised-cosine ramp (0 to 100 %) that gives that rise time."""
        return self.rise_s / _RAMP_10_90

    def onsets_s(self) -> tuple[float, ...]:
        """Where each pulse starts (its 50 % point), the first at half a ramp into the burst."""
        t = self.ramp_s / 2
        onsets = [t]
        for spacing in self.spacings_s:
            t += self.pulse_s + spacing
            onsets.append(t)
        return tuple(onsets)

    @property
    def duration_s(self) -> float:
        """Length of the generated burst: first ramp start to last ramp end."""
        return self.onsets_s()[-1] + self.pulse_s + self.ramp_s / 2

    @property
    def period_s(self) -> float:
        """From the start of one burst to the start of the next."""
        return self.duration_s - self.ramp_s + self.interburst_s


def _high() -> BurstPattern:
    td, x, halves = 0.150, 0.100, 0.600
    slot = 2 * x + td  # the missing pulse that makes "3 + 2"
    return BurstPattern(td, (x, x, slot, x, halves, x, x, slot, x), 6.6)


PATTERNS: dict[Priority, BurstPattern] = {
    Priority.HIGH: _high(),
    Priority.MEDIUM: BurstPattern(0.200, (0.200, 0.200), 19.0),
    Priority.LOW: BurstPattern(0.200, (0.200,), 29.4),
}


def pattern(priority: Priority | str) -> BurstPattern:
    return PATTERNS[_priority(priority)]


def burst_interval_s(priority: Priority | str) -> float:
    """The interburst interval: silence from the end of one burst to the start of the next."""
    return pattern(priority).interburst_s


def burst_period_s(priority: Priority | str) -> float:
    """How often a burst starts while the alarm sounds (burst length + interburst interval)."""
    return pattern(priority).period_s


def harmonic_frequencies(sample_rate: int, fundamental_hz: float = FUNDAMENTAL_HZ) -> tuple[float, ...]:
    """f0 and the harmonics used: up to 4 kHz and below 45 % of the sample rate."""
    top = min(HARMONIC_BAND_HZ[1], 0.45 * sample_rate)
    freqs = tuple(k * fundamental_hz for k in range(1, len(HARMONIC_LEVELS) + 1) if k * fundamental_hz <= top)
    in_band = [f for f in freqs[1:] if f >= HARMONIC_BAND_HZ[0]]
    if len(in_band) < MIN_HARMONICS:
        raise ValueError(
            f"a sample rate of {sample_rate} Hz leaves {len(in_band)} harmonics of {fundamental_hz:g} Hz: "
            f"IEC 60601-1-8 needs at least {MIN_HARMONICS} (use a higher sample rate)"
        )
    return freqs


def tone(duration_s: float, sample_rate: int, fundamental_hz: float = FUNDAMENTAL_HZ) -> np.ndarray:
    """The harmonic-rich carrier, float, peak about 1 (Schroeder phases keep the peak low)."""
    freqs = harmonic_frequencies(sample_rate, fundamental_hz)
    n = len(freqs)
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    wave = np.zeros_like(t)
    for k, (freq, level) in enumerate(zip(freqs, HARMONIC_LEVELS, strict=False), start=1):
        phase = -math.pi * k * (k - 1) / n
        wave += level * np.sin(2 * math.pi * freq * t + phase)
    return wave


def envelope(p: BurstPattern, sample_rate: int) -> np.ndarray:
    """0-1 amplitude envelope of the whole burst: raised-cosine ramps centred on the 50 % points."""
    size = round(p.duration_s * sample_rate)
    t = (np.arange(size) + 0.5) / sample_rate
    env = np.zeros(size)
    ramp = p.ramp_s
    for onset in p.onsets_s():
        end = onset + p.pulse_s
        rise = np.clip((t - (onset - ramp / 2)) / ramp, 0.0, 1.0)
        fall = np.clip(((end + ramp / 2) - t) / ramp, 0.0, 1.0)
        shape = np.minimum(rise, fall)
        env = np.maximum(env, 0.5 - 0.5 * np.cos(math.pi * shape))
    return env


def burst(priority: Priority | str, sample_rate: int = 44100) -> np.ndarray:
    """One burst for ``priority`` as mono 16-bit samples; play it, then wait ``burst_interval_s``."""
    p = pattern(priority)
    env = envelope(p, sample_rate)
    carrier = tone(len(env) / sample_rate, sample_rate)
    carrier = carrier[: len(env)]
    wave = env * carrier
    wave *= PEAK / float(np.max(np.abs(wave)))
    return np.round(wave * 32767).astype(np.int16)


def _priority(priority: Priority | str) -> Priority:
    if isinstance(priority, Priority):
        return priority
    return Priority(str(getattr(priority, "value", priority)).lower())


__all__ = [
    "FUNDAMENTAL_HZ",
    "PATTERNS",
    "BurstPattern",
    "burst",
    "burst_interval_s",
    "burst_period_s",
    "harmonic_frequencies",
    "pattern",
]
