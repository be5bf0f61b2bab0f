"""What a chair's panel says, as a pure function of its :class:`~monitor.snapshot.ChairSnapshot`.

The panel (:mod:`ui.room.panel`) only paints this; tests read it here. It follows
the bedside dashboard's words and rules so a nurse reads the room the way she
reads a bedside: the phase and its clock as the header writes them
(:func:`ui.dashboard.header.session_texts`), numbers with their catalogue decimals
and a real minus sign (:mod:`ui.dashboard.tile_text`), a value that is not current
greyed and marked, an absent one as dashes with the monitor's reason, the blood
pressure with how long ago the cuff measured it.

Large cells are the measurements a nurse watches most (HR, NIBP, and ART when the
monitor has a line: the catalogue's not-``small`` rows); small cells hold the rest
the monitor sends (SpO2, PR, RR, EtCO2, temperature).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.latest import Freshness
from monitor.parameters import MEASUREMENTS, PARAMETERS
from monitor.readings import LinkState
from monitor.session import Phase
from monitor.snapshot import AlarmSnapshot, ChairSnapshot, MeasurementSnapshot
from ui.dashboard.header import LINK_WORDS, session_texts
from ui.dashboard.tile_text import DASH, age_text, fmt, signed

OFFLINE = "offline"  # the central station's word for a bedside it no longer hears
PREFIX = {"high": "***", "medium": "**", "low": "*"}
RANK = {"high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True, slots=True)
class Cell:
    """One measurement in the panel."""

    key: str  # catalogue key: "HR", "NIBP", ...
    title: str  # "HR", "SpO\u2082"
    unit: str
    value: str  # "81", "139/83", "---"
    note: str  # "+9 from 72", "measured 2 min ago", "NOT CURRENT 3 min", "sensor off"
    colour: str  # the catalogue's colour role; "stale" when the value is not current
    sample: str  # the widest text the digits are sized for (the catalogue's)
    stale: bool = False


@dataclass(frozen=True, slots=True)
class PanelText:
    chair: str
    patient: str
    link: str  # a LinkState value, or "offline"
    link_word: str  # "Monitor connected", "LINK LOST", ...
    phase: str  # a Phase value: colours the phase word
    phase_word: str  # "INFUSION"
    clock: str  # "28:59 / 40:00"
    detail: str  # "11:01 left", "OVERRUN +02:00"
    progress: float | None  # infusion progress 0..1, None outside the infusion
    overrun: bool
    alarm: str  # the top alarm: "*** NIBP sys 182 > 180  (+1 more)"; "" when none
    alarm_priority: str | None  # its priority (the badge's colour)
    flashing: str | None  # the highest unacknowledged priority: the panel flashes at it
    big: tuple[Cell, ...]
    small: tuple[Cell, ...]
    notice: str  # why the link is down, why the chair is not recorded: "" when all is well

    @property
    def receiving(self) -> bool:
        return self.link == LinkState.RECEIVING.value


@dataclass(frozen=True, slots=True)
class _PhaseView:
    """What :func:`session_texts` reads of a session view, made from a snapshot."""

    phase: Phase
    planned_infusion_s: float
    phase_elapsed_s: float
    infusion_elapsed_s: float | None
    infusion_remaining_s: float | None
    infusion_progress: float
    recovery_elapsed_s: float | None


def panel_text(snap: ChairSnapshot) -> PanelText:
    elapsed = snap.infusion_elapsed_s
    remaining = None if elapsed is None else snap.planned_infusion_s - elapsed
    progress = 0.0 if elapsed is None or snap.planned_infusion_s <= 0 else min(1.0, elapsed / snap.planned_infusion_s)
    phase_word, clock, detail, shown_progress, overrun = session_texts(_PhaseView(
        snap.phase, snap.planned_infusion_s, snap.phase_elapsed_s, elapsed, remaining, progress,
        snap.recovery_elapsed_s))
    forming = snap.phase is Phase.BASELINE
    cells = [_cell(m, forming) for m in snap.measurements if m.key in MEASUREMENTS]
    alarm, priority = alarm_line(snap.alarms)
    return PanelText(
        chair=snap.bed, patient=snap.patient, link=snap.link, link_word=link_word(snap.link),
        phase=snap.phase.value, phase_word=phase_word, clock=clock, detail=detail, progress=shown_progress,
        overrun=overrun, alarm=alarm, alarm_priority=priority, flashing=snap.top_priority,
        big=tuple(c for c in cells if not MEASUREMENTS[c.key].small),
        small=tuple(c for c in cells if MEASUREMENTS[c.key].small),
        notice=_notice(snap),
    )


def link_word(link: str) -> str:
    if link == OFFLINE:
        return "NO CONTACT"
    try:
        return LINK_WORDS[LinkState(link)]
    except ValueError:
        return link.upper()


def top_alarm(alarms: Sequence[AlarmSnapshot]) -> AlarmSnapshot | None:
    """The most severe alarm; of those, an unacknowledged one first."""
    return min(alarms, key=lambda a: (-RANK.get(a.priority, 0), a.status != "active"), default=None)


def alarm_line(alarms: Sequence[AlarmSnapshot]) -> tuple[str, str | None]:
    """The most severe alarm in one line, ``(+N more)`` for the rest."""
    top = top_alarm(alarms)
    if top is None:
        return "", None
    more = f"  (+{len(alarms) - 1} more)" if len(alarms) > 1 else ""
    return f"{PREFIX.get(top.priority, '')} {top.message}{acknowledged_text(top)}{more}", top.priority


def acknowledged_text(alarm: AlarmSnapshot) -> str:
    """`` (ack.)``; with who and when if the snapshot says (the central station's: ``(ack. Ana 09:41)``)."""
    if alarm.status != "acknowledged":
        return ""
    if not alarm.acknowledged_by:
        return " (ack.)"
    when = f" {alarm.acknowledged_at.astimezone():%H:%M}" if alarm.acknowledged_at else ""
    return f" (ack. {alarm.acknowledged_by}{when})"


def _notice(snap: ChairSnapshot) -> str:
    parts = [] if snap.link == LinkState.RECEIVING.value else [snap.link_message]
    return " \u00b7 ".join(p for p in (*parts, snap.notice) if p)


def _cell(m: MeasurementSnapshot, forming: bool) -> Cell:
    spec = MEASUREMENTS[m.key]
    decimals = PARAMETERS[spec.parameters[0]].decimals
    shown = m.values[:2] if spec.pressure else m.values[:1]
    value = "/".join(fmt(v, decimals) for v in shown)
    if any(v is None for v in shown):
        value = "/".join(DASH for _ in shown)
        note = m.reason or "no value"
        return Cell(m.key, spec.title, spec.unit, value, note, "stale", spec.sample)
    if m.freshness is Freshness.STALE:
        age = f" {age_text(m.age_s)}" if m.age_s is not None else ""
        return Cell(m.key, spec.title, spec.unit, value, f"NOT CURRENT{age}", "stale", spec.sample, stale=True)
    return Cell(m.key, spec.title, spec.unit, value, _change(m, shown, forming, decimals), spec.colour, spec.sample)


def _change(m: MeasurementSnapshot, shown: tuple[float | None, ...], forming: bool, decimals: int) -> str:
    """``+9 from 72``; a pressure's change ``+15/+3``, and for the cuff how long ago it measured;
    while the baseline forms, the baseline so far."""
    spec = MEASUREMENTS[m.key]
    baseline = m.baseline[: len(shown)]
    age = f"{age_text(m.age_s)} ago" if spec.discrete and m.age_s is not None else ""
    if all(b is None for b in baseline):
        change = "" if forming else "no baseline"
    elif forming:
        change = "baseline so far " + "/".join(fmt(b, decimals) for b in baseline)
    else:
        deltas = "/".join(signed(d, decimals) if d is not None else DASH for d in m.deltas()[: len(shown)])
        # a pressure's note also says how old the cuff result is: its change alone, no baseline
        change = deltas if spec.pressure else f"{deltas} from {fmt(baseline[0], decimals)}"
    note = m.reason if m.reason and m.reason != "measuring" else ("cuff measuring" if m.reason else "")
    return " \u00b7 ".join(p for p in (change, age, note) if p)
