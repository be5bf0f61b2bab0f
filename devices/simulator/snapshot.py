"""What the simulated patient and monitor look like at one instant.

The scenario engine produces snapshots; each protocol's simulated device
encodes them into the bytes a real monitor would send. Values are floats in the
product's units (mmHg, /min, %, degC); a ``None`` means the monitor has no value for
that parameter right now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.readings import Parameter


@dataclass(frozen=True, slots=True)
class NibpResult:
    """The last completed cuff measurement."""

    sys: float
    dia: float
    mean: float
    measured_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The monitor's state at ``device_time`` (simulated time, UTC)."""

    device_time: datetime
    elapsed_s: float  # simulated seconds since the scenario started
    hr: float | None
    pr: float | None
    spo2: float | None
    art: tuple[float, float, float] | None  # sys, dia, mean; None without an arterial line
    nibp: NibpResult | None  # None until the first cuff measurement completes
    nibp_measuring: bool = False
    sensor_off: bool = False  # SpO2 probe off the finger: SpO2 and PR have no value
    invalid: frozenset[Parameter] = field(default_factory=frozenset)  # device marks these invalid
    # Sedation monitoring. ``rr`` is the breathing rate the monitor counts, from the ECG
    # impedance and, with a capnograph, from the exhaled CO2 too (None: not measured).
    rr: float | None = None
    etco2: float | None = None  # mmHg: None without a capnograph or with its sampling line off
    temp: float | None = None  # degC, 0.1: None without a probe or with the probe off
    capnograph: bool = False  # a CO2 module is connected
    thermometer: bool = False  # a temperature module is connected
    sensors_off: frozenset[Parameter] = field(default_factory=frozenset)  # ETCO2 line, TEMP probe
    ambient_mmhg: float = 760.0  # the air pressure the capnograph measures (Datex sends it)

    @property
    def co2_rr(self) -> float | None:
        """RR as the capnograph counts it: None without one, or with its sampling line off."""
        return self.rr if self.capnograph and Parameter.ETCO2 not in self.sensors_off else None
