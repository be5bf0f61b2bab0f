"""The parameter catalogue: every vital parameter described once.

Why one table: a parameter used to be a string repeated across the tiles, both
charts, the alarm presenter, the CSV, EDF+ and PDF exports, the plausibility
screen and the alarm-limit rules, so adding one meant editing eight files and
missing one meant a parameter shown but not exported, or exported without a
plausible range. Now each of those reads its facts here:

- :data:`PARAMETERS`: one row per parameter (what a reading carries);
- :data:`MEASUREMENTS`: one row per measurement, the thing a nurse reads as one
  number on one tile and that alarms as one condition per direction
  (NIBP is one measurement of three parameters: systolic, diastolic, mean);
- :data:`TREND_PANELS`: the chart panels parameters are drawn in, so values of
  very different scales (mmHg, %, degrees Celsius) never share one y axis.

Adding a parameter to the display and the exports is one row here (plus a
measurement row if it gets its own tile) and its codec mapping in ``devices/``.

No Qt and no I/O: the domain, the devices and the UI all import this.
Colours are named by role (``colour``); the UI's theme maps roles to colours.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class Parameter(enum.StrEnum):
    """Vital-sign parameters the product understands, named as in the recordings.

    The order is the product's order everywhere (CSV columns, review tables,
    legends); new parameters are appended so older exports keep their columns.
    """

    HR = "HR"
    PR = "PR"
    NIBP_SYS = "NIBP_SYS"
    NIBP_DIA = "NIBP_DIA"
    NIBP_MEAN = "NIBP_MEAN"
    ART_SYS = "ART_SYS"
    ART_DIA = "ART_DIA"
    ART_MEAN = "ART_MEAN"
    SPO2 = "SPO2"
    RR = "RR"
    ETCO2 = "ETCO2"
    TEMP = "TEMP"


@dataclass(frozen=True, slots=True)
class LimitBounds:
    """Where an alarm limit can sensibly be set: outside this it is a typo, not a clinical choice."""

    low: float
    high: float
    max_hysteresis: float


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """Everything the product needs to know about one parameter.

    ``plausible`` is what any supported monitor can measure on any patient: a
    value outside it can only be damage on the line and is made invalid, never
    shown as a number (``devices.protocols.plausibility``). It is deliberately
    wider than ``limits``, the range an alarm limit may be set within.
    """

    parameter: Parameter
    label: str  # short, in alarm messages and legends: "NIBP sys"
    name: str  # long, in reports and review tables: "NIBP systolic"
    unit: str
    decimals: int  # digits after the point on screen and in reports
    measurement: str  # key of its row in MEASUREMENTS
    role: str  # its place in the measurement: "value", or "sys" / "dia" / "mean"
    plausible: tuple[float, float]
    limits: LimitBounds
    stale_after_s: float  # a value older than this is not current (monitor.latest)
    trend: str | None  # key of its panel in TREND_PANELS; None: not charted
    trend_style: str  # "line", "dashed", or "cuff" (NIBP: one bar per measurement)
    chart_label: str  # name of its threshold lines on the charts: "SBP 160"
    csv_column: str
    csv_always: bool  # a column in every CSV export, or only when the recording has it
    edf_transducer: str  # EDF+ signal header: the transducer type
    report: bool  # a row in the PDF report's table of values

    def format(self, value: float | None, missing: str = "---") -> str:
        """The value as shown to people: ``72``, ``36.8``; ``missing`` for no value."""
        return missing if value is None else f"{value:.{self.decimals}f}"


@dataclass(frozen=True, slots=True)
class MeasurementSpec:
    """One tile on the dashboard and one alarm group: a number a nurse reads at a glance."""

    key: str  # "HR", "NIBP"
    title: str  # tile title: "SpO\u2082"
    unit: str
    colour: str  # theme colour role
    sample: str  # the widest text the tile's digits must fit ("888/188")
    always_shown: bool  # shown before any data arrives (else once the monitor sends it)
    stretch: int  # relative width on the dashboard's row of tiles
    discrete: bool = False  # measured on demand (the cuff), not streamed: alarms on each result
    small: bool = False  # shares a column with the next small tile when more than two are shown

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Its parameters in catalogue order (systolic, diastolic, mean for a pressure)."""
        return tuple(p for p, spec in PARAMETERS.items() if spec.measurement == self.key)

    @property
    def pressure(self) -> bool:
        return len(self.parameters) == 3


@dataclass(frozen=True, slots=True)
class TrendPanel:
    """A chart panel: parameters of one scale share its y axis."""

    key: str
    title: str
    default_y: tuple[float, float]  # always in view, so a normal session never rescales
    height: int  # relative height beside the other panels
    step: float  # a value outside default_y widens the axis to whole steps of this


_STREAMED_STALE_S = 15.0  # continuous values update every few seconds
_CUFF_STALE_S = 20 * 60.0  # a cuff result stays valid until the next cycle (3-15 minutes)


def _row(
    parameter: Parameter, label: str, name: str, unit: str, measurement: str, *,
    plausible: tuple[float, float], limits: tuple[float, float, float],
    role: str = "value", decimals: int = 0, stale_after_s: float = _STREAMED_STALE_S,
    trend: str | None = None, trend_style: str = "line", chart_label: str = "",
    csv_always: bool = False, edf_transducer: str = "", report: bool = True,
) -> ParameterSpec:
    return ParameterSpec(
        parameter=parameter, label=label, name=name, unit=unit, decimals=decimals,
        measurement=measurement, role=role, plausible=plausible, limits=LimitBounds(*limits),
        stale_after_s=stale_after_s, trend=trend, trend_style=trend_style,
        chart_label=chart_label or label, csv_column=parameter.value, csv_always=csv_always,
        edf_transducer=edf_transducer, report=report,
    )


P = Parameter
# Plausible ranges are at or beyond the monitors' own measurement ranges (asystole's HR 0,
# an SpO2 of 40 %); limit bounds are the adjustable ranges of common monitors narrowed to
# adult physiology (reference alarm-system-and-ketamine-thresholds.md §2.6).
PARAMETERS: Mapping[Parameter, ParameterSpec] = MappingProxyType({row.parameter: row for row in (
    _row(P.HR, "HR", "Heart rate", "/min", "HR", plausible=(0, 300), limits=(20, 250, 20),
         trend="haemo", csv_always=True, edf_transducer="ECG"),
    _row(P.PR, "Pulse", "Pulse rate", "/min", "PR", plausible=(0, 300), limits=(20, 250, 20),
         csv_always=True, edf_transducer="pulse oximeter"),
    _row(P.NIBP_SYS, "NIBP sys", "NIBP systolic", "mmHg", "NIBP", role="sys", plausible=(0, 300),
         limits=(40, 270, 20), stale_after_s=_CUFF_STALE_S, trend="haemo", trend_style="cuff",
         chart_label="SBP", csv_always=True, edf_transducer="NIBP cuff"),
    _row(P.NIBP_DIA, "NIBP dia", "NIBP diastolic", "mmHg", "NIBP", role="dia", plausible=(0, 300),
         limits=(20, 180, 20), stale_after_s=_CUFF_STALE_S, trend="haemo", trend_style="cuff",
         chart_label="DBP", csv_always=True, edf_transducer="NIBP cuff"),
    _row(P.NIBP_MEAN, "NIBP mean", "NIBP mean", "mmHg", "NIBP", role="mean", plausible=(0, 300),
         limits=(30, 220, 20), stale_after_s=_CUFF_STALE_S, chart_label="MAP", csv_always=True,
         edf_transducer="NIBP cuff"),
    # A limit line is named by what it limits, however measured: one "SBP 160" line, cuff or line.
    _row(P.ART_SYS, "ART sys", "ART systolic", "mmHg", "ART", role="sys", plausible=(-40, 360),
         limits=(40, 270, 20), trend="haemo", chart_label="SBP", csv_always=True,
         edf_transducer="arterial line"),
    _row(P.ART_DIA, "ART dia", "ART diastolic", "mmHg", "ART", role="dia", plausible=(-40, 360),
         limits=(20, 180, 20), trend="haemo", chart_label="DBP", csv_always=True,
         edf_transducer="arterial line"),
    _row(P.ART_MEAN, "ART mean", "ART mean", "mmHg", "ART", role="mean", plausible=(-40, 360),
         limits=(30, 220, 20), trend="haemo", trend_style="dashed", chart_label="MAP", csv_always=True,
         edf_transducer="arterial line"),
    _row(P.SPO2, "SpO2", "SpO\u2082", "%", "SPO2", plausible=(0, 100), limits=(50, 100, 5),
         trend="spo2", csv_always=True, edf_transducer="pulse oximeter"),
    # Sedation monitoring: respiration from ECG impedance or the capnograph, end-tidal CO2
    # (a falling RR or rising EtCO2 is how over-sedation shows), and body temperature.
    _row(P.RR, "RR", "Respiration rate", "/min", "RR", plausible=(0, 150), limits=(2, 60, 5),
         trend="resp", edf_transducer="impedance or capnograph"),
    _row(P.ETCO2, "EtCO2", "End-tidal CO\u2082", "mmHg", "ETCO2", plausible=(0, 150),
         limits=(5, 100, 10), trend="resp", edf_transducer="capnograph"),
    _row(P.TEMP, "Temp", "Temperature", "\u00b0C", "TEMP", decimals=1, plausible=(0, 50),
         limits=(30, 43, 1), stale_after_s=60.0, trend="temp", edf_transducer="temperature probe"),
)})

MEASUREMENTS: Mapping[str, MeasurementSpec] = MappingProxyType({row.key: row for row in (
    # widths: a pressure's "888/188" needs over twice the room of HR's "888" for digits as tall
    MeasurementSpec("HR", "HR", "/min", "hr", "888", always_shown=True, stretch=3),
    MeasurementSpec("NIBP", "NIBP", "mmHg", "nibp", "888/188", always_shown=True, stretch=7, discrete=True),
    MeasurementSpec("ART", "ART", "mmHg", "art", "888/188", always_shown=False, stretch=7),
    MeasurementSpec("SPO2", "SpO\u2082", "%", "spo2", "188", always_shown=False, stretch=3, small=True),
    MeasurementSpec("PR", "PR", "/min", "pr", "888", always_shown=False, stretch=3, small=True),
    MeasurementSpec("RR", "RR", "/min", "resp", "188", always_shown=False, stretch=3, small=True),
    MeasurementSpec("ETCO2", "EtCO\u2082", "mmHg", "co2", "188", always_shown=False, stretch=3, small=True),
    MeasurementSpec("TEMP", "Temp", "\u00b0C", "temp", "88.8", always_shown=False, stretch=3, small=True),
)})

TREND_PANELS: Mapping[str, TrendPanel] = MappingProxyType({row.key: row for row in (
    TrendPanel("haemo", "Heart rate and blood pressure", (40.0, 180.0), height=12, step=10.0),
    # SpO2 to 101: the 100 % a healthy patient reads is a line, not the plot's edge
    TrendPanel("spo2", "SpO\u2082 %", (85.0, 101.0), height=3, step=5.0),
    TrendPanel("resp", "RR /min, EtCO\u2082 mmHg", (0.0, 50.0), height=3, step=10.0),
    TrendPanel("temp", "Temperature \u00b0C", (35.0, 39.0), height=2, step=1.0),
)})


def spec(parameter: Parameter | str) -> ParameterSpec:
    return PARAMETERS[Parameter(parameter)]


def measurement_of(parameter: Parameter | str) -> MeasurementSpec:
    return MEASUREMENTS[spec(parameter).measurement]


def charted(panel: str) -> tuple[Parameter, ...]:
    """The parameters drawn in one trend panel, in catalogue order."""
    return tuple(p for p, row in PARAMETERS.items() if row.trend == panel)


UNITS: Mapping[Parameter, str] = MappingProxyType({p: row.unit for p, row in PARAMETERS.items()})
NIBP_PARAMETERS: tuple[Parameter, ...] = MEASUREMENTS["NIBP"].parameters
ART_PARAMETERS: tuple[Parameter, ...] = MEASUREMENTS["ART"].parameters


def _check() -> None:
    """The catalogue is read everywhere: a broken row must fail at import, not on a ward."""
    assert set(PARAMETERS) == set(Parameter), "every Parameter has exactly one catalogue row"
    for p, row in PARAMETERS.items():
        assert row.measurement in MEASUREMENTS, f"{p}: unknown measurement {row.measurement}"
        assert row.trend is None or row.trend in TREND_PANELS, f"{p}: unknown trend panel {row.trend}"
        assert row.trend_style in ("line", "dashed", "cuff"), f"{p}: unknown trend style"
        low, high = row.plausible
        assert low < high and low <= row.limits.low < row.limits.high <= high, f"{p}: limits outside plausible"
    for key, m in MEASUREMENTS.items():
        roles = tuple(PARAMETERS[p].role for p in m.parameters)
        assert roles in (("value",), ("sys", "dia", "mean")), f"{key}: parameters {roles}"


_check()
