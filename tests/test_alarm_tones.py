"""The generated alarm bursts, measured back from their samples (issue 5; reference §1.3
Tables 3 and 4): pulse count, pulse duration, spacing, rise time, level, fundamental and
harmonics. Nothing here trusts the generator's own numbers: the envelope comes from a
sliding RMS of the samples and the spectrum from numpy's FFT."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from monitor.alarms import Priority
from monitor.alarms.tones import burst, burst_interval_s, burst_period_s, pattern

RATE = 44100
HIGH, MEDIUM, LOW = Priority.HIGH, Priority.MEDIUM, Priority.LOW


# -- measuring tools --------------------------------------------------------------------

def fundamental(samples: np.ndarray, rate: int) -> float:
    """The strongest audible spectral peak (of the whole burst: good enough to size a window)."""
    freqs, db = spectrum(samples, rate)
    audible = (freqs > 50) & (freqs < 10_000)
    return float(freqs[audible][np.argmax(db[audible])])


def rms_envelope(samples: np.ndarray, rate: int, periods: int = 2) -> np.ndarray:
    """Sliding RMS over whole periods of the tone, normalised to 1 at its maximum:
    the loudness of the burst over time, without the ripple of the waveform itself."""
    x = samples.astype(float)
    n = max(1, round(periods * rate / fundamental(samples, rate)))
    power = np.convolve(x * x, np.ones(n) / n, mode="same")
    env = np.sqrt(power)
    return env / env.max()


def crossings(env: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices where the envelope rises through / falls through ``level``."""
    above = env >= level
    edges = np.diff(above.astype(int))
    rises = np.flatnonzero(edges == 1) + 1
    falls = np.flatnonzero(edges == -1) + 1
    if above[0]:
        rises = np.r_[0, rises]
    if above[-1]:
        falls = np.r_[falls, len(env)]
    return rises, falls


def pulses(samples: np.ndarray, rate: int = RATE) -> list[tuple[float, float]]:
    """(start, end) of each pulse in seconds, at the envelope's 50 % points."""
    rises, falls = crossings(rms_envelope(samples, rate), 0.5)
    return [(r / rate, f / rate) for r, f in zip(rises, falls, strict=True)]


def spacings(found: list[tuple[float, float]]) -> list[float]:
    return [nxt[0] - cur[1] for cur, nxt in itertools.pairwise(found)]


def rise_times(samples: np.ndarray, rate: int = RATE) -> list[float]:
    """10 % to 90 % time of each pulse's rising edge, found from its 50 % point."""
    env = rms_envelope(samples, rate, periods=1)
    times = []
    for start, _ in pulses(samples, rate):
        middle = round(start * rate)
        low = middle - int(np.flatnonzero(env[middle::-1] < 0.1)[0])
        high = middle + int(np.flatnonzero(env[middle:] >= 0.9)[0])
        times.append((high - low) / rate)
    return times


def spectrum(samples: np.ndarray, rate: int = RATE) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and magnitudes in dB (Hann window) of the samples given."""
    x = samples.astype(float) * np.hanning(len(samples))
    magnitude = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return freqs, 20 * np.log10(magnitude + 1e-12)


def pulse_spectrum(samples: np.ndarray, rate: int = RATE, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The spectrum of one pulse, between its 50 % points (Table 4 describes a pulse)."""
    start, end = pulses(samples, rate)[index]
    return spectrum(samples[round(start * rate): round(end * rate)], rate)


def peak_db(freqs: np.ndarray, db: np.ndarray, around: float, width: float = 15.0) -> float:
    band = (freqs > around - width) & (freqs < around + width)
    return float(db[band].max())


# -- Table 3: burst structure ---------------------------------------------------------------

def test_high_priority_is_ten_pulses_heard_as_three_plus_two_pause_three_plus_two():
    found = pulses(burst(HIGH))
    assert len(found) == 10
    gaps = spacings(found)
    x = gaps[0]
    td = float(np.mean([end - start for start, end in found]))
    assert 0.050 <= x <= 0.125  # x
    assert gaps[1] == pytest.approx(x, rel=0.05)  # 2-3: x
    assert gaps[2] == pytest.approx(2 * x + td, abs=0.005)  # 3-4: 2x + td, the missing pulse of "3 + 2"
    assert gaps[3] == pytest.approx(x, rel=0.05)  # 4-5: x
    assert 0.35 <= gaps[4] <= 1.30  # 5-6: the pause between the two halves
    assert gaps[5] == pytest.approx(x, rel=0.05) and gaps[6] == pytest.approx(x, rel=0.05)
    assert gaps[7] == pytest.approx(2 * x + td, abs=0.005)
    assert gaps[8] == pytest.approx(x, rel=0.05)
    short = [g for i, g in enumerate(gaps) if i in (0, 1, 3, 5, 6, 8)]
    assert max(short) / min(short) <= 1.05  # x varies by no more than +-5 % within a burst


def test_medium_priority_is_three_pulses_spaced_by_y():
    found = pulses(burst(MEDIUM))
    assert len(found) == 3
    gaps = spacings(found)
    assert all(0.125 <= g <= 0.250 for g in gaps)  # y
    assert max(gaps) / min(gaps) <= 1.05


@pytest.mark.parametrize("priority", [LOW])
def test_low_priority_is_one_or_two_pulses(priority):
    found = pulses(burst(priority))
    assert 1 <= len(found) <= 2
    assert all(0.125 <= g <= 0.250 for g in spacings(found))


def test_pulse_durations_are_in_the_standards_ranges():
    high = [end - start for start, end in pulses(burst(HIGH))]
    assert all(0.075 <= d <= 0.200 for d in high)
    assert np.mean(high) == pytest.approx(0.150, abs=0.004)  # the documented td
    for priority in (MEDIUM, LOW):
        durations = [end - start for start, end in pulses(burst(priority))]
        assert all(0.125 <= d <= 0.250 for d in durations)
        assert np.mean(durations) == pytest.approx(0.200, abs=0.004)


def test_medium_pulses_are_slower_than_high_ones():
    """Table 3: medium (td + y) >= high (td + x)."""
    def pace(priority: Priority) -> float:
        found = pulses(burst(priority))
        return (found[0][1] - found[0][0]) + spacings(found)[0]
    assert pace(MEDIUM) >= pace(HIGH)


def test_rise_time_is_10_to_20_percent_of_the_pulse_duration():
    for priority in Priority:
        found = pulses(burst(priority))
        td = float(np.mean([end - start for start, end in found]))
        for rise in rise_times(burst(priority)):
            assert 0.10 * td <= rise <= 0.20 * td, (priority, rise, td)


def test_pulses_have_the_same_level():
    """Table 3 allows 10 dB between pulses; ours are equal."""
    for priority in Priority:
        samples = burst(priority).astype(float)
        levels = []
        for start, end in pulses(burst(priority)):
            part = samples[round(start * RATE): round(end * RATE)]
            levels.append(20 * np.log10(np.sqrt(np.mean(part * part))))
        assert max(levels) - min(levels) < 1.0


def test_interburst_intervals_and_repeats_are_in_the_standards_ranges():
    assert 2.5 <= burst_interval_s(HIGH) <= 15
    assert 2.5 <= burst_interval_s(MEDIUM) <= 30
    assert burst_interval_s(LOW) > 15
    assert (burst_period_s(HIGH), burst_period_s(MEDIUM), burst_period_s(LOW)) == pytest.approx((10, 20, 30))
    for priority in Priority:
        found = pulses(burst(priority))
        # the next burst starts interburst_s after the last pulse: measured from the samples
        silence_after = burst_period_s(priority) - found[-1][1] + found[0][0]
        assert silence_after == pytest.approx(burst_interval_s(priority), abs=0.005)


def test_burst_lengths():
    assert len(burst(HIGH)) / RATE == pytest.approx(3.44, abs=0.01)  # 3.4 s between the 50 % points
    assert len(burst(MEDIUM)) / RATE == pytest.approx(1.05, abs=0.01)


def test_priority_may_be_given_by_name():
    assert np.array_equal(burst("high"), burst(HIGH))
    assert burst_interval_s("medium") == burst_interval_s(MEDIUM)


# -- Table 4: the pulse's tone ---------------------------------------------------------------

@pytest.mark.parametrize("priority", list(Priority))
def test_fundamental_is_between_150_and_1000_hz_with_at_least_four_harmonics_within_15_db(priority):
    freqs, db = pulse_spectrum(burst(priority))
    audible = (freqs > 50) & (freqs < 10_000)
    f0 = float(freqs[audible][np.argmax(db[audible])])
    assert 150 <= f0 <= 1000
    level0 = peak_db(freqs, db, f0)
    harmonics = [k * f0 for k in range(2, 20) if 300 <= k * f0 <= 4000]
    close = [f for f in harmonics if abs(peak_db(freqs, db, f) - level0) <= 15]
    assert len(close) >= 4, (f0, [round(peak_db(freqs, db, f) - level0, 1) for f in harmonics])
    # and it is harmonic: between the harmonics the spectrum is far below them
    between = peak_db(freqs, db, 1.5 * f0, width=40)
    assert between < level0 - 30


def test_the_tone_is_not_a_pure_sine():
    freqs, db = pulse_spectrum(burst(HIGH))
    level0 = peak_db(freqs, db, 523.25)
    assert peak_db(freqs, db, 2 * 523.25) > level0 - 6


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
def test_other_sample_rates_keep_the_pattern_and_the_harmonics(rate):
    samples = burst(MEDIUM, rate)
    assert samples.dtype == np.int16
    assert len(pulses(samples, rate)) == 3
    freqs, db = pulse_spectrum(samples, rate)
    level0 = peak_db(freqs, db, 523.25)
    close = [k for k in range(2, 8) if k * 523.25 <= min(4000, 0.45 * rate)
             and abs(peak_db(freqs, db, k * 523.25) - level0) <= 15]
    assert len(close) >= 4


def test_a_sample_rate_too_low_for_four_harmonics_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        burst(HIGH, 4000)


def test_samples_are_16_bit_and_do_not_clip():
    for priority in Priority:
        samples = burst(priority)
        assert samples.dtype == np.int16
        assert 0.8 * 32767 < np.abs(samples.astype(int)).max() < 32767  # about -1 dBFS
        assert samples[0] == 0 and abs(int(samples[-1])) < 200  # starts and ends in silence: no click


def test_the_pattern_is_documented_as_generated():
    high = pattern(HIGH)
    assert (high.pulses, high.pulse_s, high.spacings_s[0], high.spacings_s[4]) == (10, 0.150, 0.100, 0.600)
    assert (pattern(MEDIUM).pulses, pattern(LOW).pulses) == (3, 2)
