"""EDF+ export: one 1 Hz signal per recorded parameter, events and gaps as annotations.

Layout (``docs/exports.md`` is the user-facing description):

* **Grid:** sample *k* of every signal is the value current at ``t0 + k`` seconds,
  where ``t0`` is the session start rounded down to a whole second (the EDF start
  time). "Current" is sample-and-hold within the parameter's staleness limit
  (:mod:`monitor.review.resample`): 15 s for continuous parameters, 20 min after
  the cuff measured for NIBP. Nothing is interpolated or smoothed.
* **Data records** of 60 s (60 samples per signal); the last record is filled up
  to the minute with the gap value.
* **Values** are exact to 0.01 (the finest resolution any supported monitor
  sends): digital = value x 100, physical range -327.68..327.67. A signal with
  values beyond that range uses 0.1 or 1 instead, still exact to what its values
  need; the header's physical range says which.
* **Gaps:** the digital minimum (-32768, physically -327.68 or lower, a value no
  parameter can take) is reserved for "no value", and every run of it has an EDF+
  annotation ``gap <label>`` whose onset and duration cover the run.
* **Annotations:** phase changes, nurse's notes, every alarm event, operator
  actions and link changes, worded as in the review window.
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime

import edfio
import numpy as np

from monitor.export.common import ExportError
from monitor.readings import UNITS, Parameter
from monitor.review.reader import Recording
from monitor.review.resample import gaps, hold, stale_after_s

DIGITAL_RANGE = (-32768, 32767)
GAP_DIGITAL = DIGITAL_RANGE[0]
RESOLUTIONS = (0.01, 0.1, 1.0)
RECORD_S = 60
TRANSDUCERS = {
    Parameter.HR: "ECG",
    Parameter.PR: "pulse oximeter",
    Parameter.SPO2: "pulse oximeter",
    Parameter.NIBP_SYS: "NIBP cuff",
    Parameter.NIBP_DIA: "NIBP cuff",
    Parameter.NIBP_MEAN: "NIBP cuff",
    Parameter.ART_SYS: "arterial line",
    Parameter.ART_DIA: "arterial line",
    Parameter.ART_MEAN: "arterial line",
    Parameter.RR: "impedance or capnograph",
    Parameter.ETCO2: "capnograph",
    Parameter.TEMP: "temperature probe",
}
_NOT_IN_TAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # EDF+ allows TAB, LF, CR only


def resolution_for(values: np.ndarray) -> float:
    """The finest resolution at which every value fits the 16-bit range beside the gap marker."""
    finite = values[np.isfinite(values)]
    largest = float(np.max(np.abs(finite))) if len(finite) else 0.0
    for resolution in RESOLUTIONS:
        if round(largest / resolution) <= DIGITAL_RANGE[1]:
            return resolution
    raise ExportError(f"A value of {largest:g} is too large for EDF+; export to CSV instead.")


def to_digital(values: np.ndarray, resolution: float) -> np.ndarray:
    digital = np.full(values.shape, GAP_DIGITAL, dtype=np.int16)
    finite = np.isfinite(values)
    digital[finite] = np.rint(values[finite] / resolution).astype(np.int16)
    return digital


def physical_range(resolution: float) -> tuple[float, float]:
    """Physical = digital x resolution exactly: (-327.68, 327.67) for 0.01."""
    return round(DIGITAL_RANGE[0] * resolution, 2), round(DIGITAL_RANGE[1] * resolution, 2)


def _ascii_field(text: str, fallback: str = "X") -> str:
    """A header subfield: printable ASCII without spaces (EDF+), 'X' when unknown."""
    cleaned = re.sub(r"[^\x21-\x7e]+", "_", text.strip()).strip("_")
    return cleaned or fallback


def _tal_text(text: str) -> str:
    return _NOT_IN_TAL.sub(" ", text).replace("\x14", " ").replace("\x15", " ")


def grid(recording: Recording) -> tuple[float, int]:
    """``(t0, samples)``: the 1 Hz grid's first second and its length in whole records."""
    t0 = math.floor(recording.start)
    needed = math.floor(recording.end - t0) + 1
    return float(t0), max(1, math.ceil(needed / RECORD_S)) * RECORD_S


def build_edf(recording: Recording) -> edfio.Edf:
    parameters = recording.parameters()
    if not parameters:
        raise ExportError(f"{recording.path.name} has no readings, so there is nothing to put in an EDF+ file.")
    t0, samples = grid(recording)
    times = t0 + np.arange(samples, dtype=float)
    signals = []
    annotations = []
    for parameter in parameters:
        values = hold(recording.samples(parameter), times)
        resolution = resolution_for(values)
        signals.append(edfio.EdfSignal.from_digital(
            to_digital(values, resolution),
            sampling_frequency=1,
            label=parameter.value,
            transducer_type=TRANSDUCERS[parameter],
            physical_dimension=UNITS[parameter].replace("\u00b0", "deg"),  # ASCII, EDF+'s "degC"
            physical_range=physical_range(resolution),
            digital_range=DIGITAL_RANGE,
            prefiltering=f"1 Hz sample-and-hold, max {stale_after_s(parameter):g} s; gap={GAP_DIGITAL}",
        ))
        for first, stop in gaps(values):
            annotations.append(edfio.EdfAnnotation(float(first), float(stop - first), f"gap {parameter.value}"))
    for event in recording.events():
        annotations.append(edfio.EdfAnnotation(round(event.time - t0, 3), None, _tal_text(event.describe())))
    start_local = datetime.fromtimestamp(t0, UTC).astimezone()  # this computer's local time
    return _with_header(signals, annotations, recording, start_local)


class _Edf(edfio.Edf):
    """edfio's Edf, tolerant of its own rounding in the annotation signal's duration.

    edfio gives the annotation signal ``n / 60`` samples per second (``n``: the longest
    record's TAL bytes / 2) and then requires every signal's duration, samples / rate
    rounded to 12 decimals, to be identical. For most ``n`` that division is inexact, and
    for a long session the error passes 1e-12 s: an 8-hour session whose busiest minute
    holds 74 bytes of annotations is refused with "Inconsistent signal durations
    (28860.0, ..., 28860.000000000004)" (edfio issue, upstream PR #101: round to 9
    decimals). The samples themselves are exact; only this check is. Compared here to a
    microsecond, which no record boundary can be mistaken by.
    """

    def _set_num_data_records_with_signals(self, signals) -> None:  # type: ignore[no-untyped-def]
        durations = [s._num_samples / s.sampling_frequency for s in signals]
        if durations and all(abs(d - durations[0]) < 1e-6 for d in durations):
            records = round(durations[0] / self.data_record_duration)
            if records > 0 and all(s._num_samples % records == 0 for s in signals):
                self._set_num_data_records(records)
                return
        super()._set_num_data_records_with_signals(signals)


def _with_header(signals, annotations, recording: Recording, start_local: datetime) -> edfio.Edf:
    meta = recording.metadata
    offset = start_local.strftime("%z")
    additional = [
        f"{_ascii_field(meta.program or 'infusion-monitor')}_{_ascii_field(meta.program_version, '?')}",
        f"UTC{offset[:3]}:{offset[3:]}",
        _ascii_field(meta.port),
    ]
    if meta.simulated:
        additional.insert(0, "SIMULATED")
    patient = edfio.Patient(code=_ascii_field(meta.patient_id)[:70])
    while True:
        try:
            header = edfio.Recording(
                startdate=start_local.date(),
                equipment_code=_ascii_field(meta.device or meta.protocol)[:30],
                additional=tuple(additional),
            )
            break
        except ValueError:
            if not additional:
                raise
            additional.pop()  # too long for the 80-character field: drop the least needed
    return _Edf(
        signals, patient=patient, recording=header, starttime=start_local.time().replace(tzinfo=None),
        data_record_duration=RECORD_S, annotations=annotations,
    )


def edf_bytes(recording: Recording) -> bytes:
    """The whole EDF+ file (about 1 MB for 8 hours), so writing it is one plain file write."""
    buffer = io.BytesIO()
    build_edf(recording).write(buffer)
    return buffer.getvalue()
