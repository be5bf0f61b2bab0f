"""Treatment profiles in TOML: dose bounds, the check schedule and scales, the discharge criteria.

Read like the alarm profiles (:func:`monitor.alarms.profile.read_profile_toml`): every
key must be known and every value of the right type and range, so a typo such as
``stable_mn`` is refused instead of silently ignored. A refused profile raises
:class:`ProfileError` whose message names the file, the line and the key, e.g.
``ketamine-iv.toml line 52: discharge.stable_min: must be 1 to 240 min, not 0``,
and nothing of it is used. The shipped profile is ``profiles/ketamine-iv.toml``;
its defaults are proposals that need the clinic's approval (``docs/treatment.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from monitor.alarms.profile import ProfileError, TomlTable, read_profile_toml
from monitor.readings import Parameter
from monitor.toml_lines import LineIndex
from monitor.treatment.discharge import DischargeCriteria
from monitor.treatment.dose import EntryLimits
from monitor.treatment.entry import Field
from monitor.treatment.scales import DISSOCIATION, SCALES, SEDATION, Scale

DEFAULT_TREATMENT_PROFILE = "ketamine-iv"
_ENTRY_KEYS = {
    "weight": Field.WEIGHT, "dose": Field.DOSE, "infusion_time": Field.INFUSION_TIME,
    "concentration": Field.CONCENTRATION, "volume": Field.VOLUME,
}
_NEEDS_DEFAULT = frozenset({Field.DOSE, Field.INFUSION_TIME, Field.CONCENTRATION, Field.VOLUME})


@dataclass(frozen=True, slots=True)
class CheckSettings:
    interval_s: float = 15 * 60.0
    overdue_after_s: float = 5 * 60.0
    sedation_scale: Scale = SCALES["MOAA/S"]
    dissociation_scale: Scale = SCALES["nurse-0-10"]


@dataclass(frozen=True, slots=True)
class TreatmentProfile:
    name: str
    source: str
    description: str
    entries: Mapping[Field, EntryLimits]
    rate_refuse_above_ml_per_h: float
    checks: CheckSettings = field(default_factory=CheckSettings)
    discharge: DischargeCriteria = field(default_factory=DischargeCriteria)

    def default(self, entry: Field) -> float | None:
        limits = self.entries.get(entry)
        return limits.default if limits else None


def load_treatment_profile(name_or_path: str | Path = DEFAULT_TREATMENT_PROFILE) -> TreatmentProfile:
    """A built-in treatment profile by name, or a TOML file by path; validated, or ProfileError."""
    source, data, text = read_profile_toml(name_or_path, "monitor.treatment", "a treatment profile")
    return treatment_profile_from_dict(data, source, text)


def treatment_profile_from_dict(data: Mapping[str, Any], source: str, text: str = "") -> TreatmentProfile:
    """Parse and validate; ``text`` (the file's) lets every message name the line."""
    try:
        return _build(TomlTable(data, "", source), source)
    except ProfileError as exc:
        if not text:
            raise
        line = LineIndex.of(text).line_of(tuple(exc.where.split("."))) if exc.where else 1
        raise ProfileError(f"{exc.source} line {line}", exc.where, exc.rule) from None


def _known(table: TomlTable, *keys: str) -> TomlTable:
    """Refuse unknown keys first: a typo must be named as one, not as its key missing."""
    for key in keys:
        table.raw(key)
    table.finish()
    return table


def _build(root: TomlTable, source: str) -> TreatmentProfile:
    _known(root, "profile", "entry", "checks", "discharge")
    info = root.table("profile") or TomlTable({}, "profile", source)
    name = info.line("name", Path(source).stem, 80)
    description = info.line("description", "", 300)
    info.finish()
    entry = _known(_required(root, "entry"), *_ENTRY_KEYS, "rate")
    entries = {kind: _entry(_required(entry, key), kind) for key, kind in _ENTRY_KEYS.items()}
    rate = _known(_required(entry, "rate"), "refuse_above")
    rate_max = _ranged(rate, "refuse_above", 1, 5000, "mL/h")
    rate.finish()
    entry.finish()
    profile = TreatmentProfile(
        name=name, source=source, description=description, entries=MappingProxyType(entries),
        rate_refuse_above_ml_per_h=rate_max, checks=_checks(_required(root, "checks")),
        discharge=_discharge(_required(root, "discharge")),
    )
    root.finish()
    return profile


def _required(table: TomlTable, key: str) -> TomlTable:
    sub = table.table(key)
    if sub is None:
        raise table.fail(key, "missing: the treatment profile needs this table")
    return sub


def _ranged(table: TomlTable, key: str, low: float, high: float, unit: str, default: float | None = None) -> float:
    value = table.number(key)
    if value is None:
        if default is None:
            raise table.fail(key, f"missing: give it in {unit}")
        return default
    if not low <= value <= high:
        raise table.fail(key, f"must be {low:g} to {high:g}{' ' + unit if unit else ''}, not {value:g}")
    return value


def _entry(table: TomlTable, kind: Field) -> EntryLimits:
    _known(table, "default", "sensible", "refuse_above")
    unit = kind.unit
    sensible = table.raw("sensible")
    if (not isinstance(sensible, list) or len(sensible) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in sensible)):
        raise table.fail("sensible", f"must be [low, high] in {unit}, e.g. [20, 300]")
    low, high = float(sensible[0]), float(sensible[1])
    if not 0 < low < high:
        raise table.fail("sensible", f"must be more than 0 and low below high, not [{low:g}, {high:g}] {unit}")
    refuse = _ranged(table, "refuse_above", high, 1e6, unit)
    default = table.number("default")
    if kind in _NEEDS_DEFAULT and default is None:
        raise table.fail("default", f"missing: give the default {kind.spec.name} in {unit}")
    if kind not in _NEEDS_DEFAULT and default is not None:
        raise table.fail("default", f"the {kind.spec.name} has no default: the nurse enters it")
    if default is not None and not low <= default <= high:
        raise table.fail("default", f"must be inside sensible [{low:g}, {high:g}] {unit}, not {default:g}")
    table.finish()
    return EntryLimits(kind, low, high, refuse, default)


def _scale(table: TomlTable, key: str, kind: str, default: Scale) -> Scale:
    scale_id = table.text(key, default.id)
    scale = SCALES.get(scale_id)
    if scale is None or scale.kind != kind:
        known = ", ".join(s.id for s in SCALES.values() if s.kind == kind)
        raise table.fail(key, f"unknown {kind} scale {scale_id!r} (known: {known})")
    return scale


def _checks(table: TomlTable) -> CheckSettings:
    _known(table, "interval_min", "overdue_after_min", "sedation_scale", "dissociation_scale")
    interval = _ranged(table, "interval_min", 1, 120, "min")
    checks = CheckSettings(
        interval_s=interval * 60.0,
        overdue_after_s=_ranged(table, "overdue_after_min", 0, interval, "min") * 60.0,
        sedation_scale=_scale(table, "sedation_scale", SEDATION, SCALES["MOAA/S"]),
        dissociation_scale=_scale(table, "dissociation_scale", DISSOCIATION, SCALES["nurse-0-10"]),
    )
    table.finish()
    return checks


def _discharge(table: TomlTable) -> DischargeCriteria:
    _known(table, "observation_min", "vitals", "within_percent_of_baseline", "or_inside_alarm_limits",
           "stable_min", "min_cuff_measurements", "sedation_awake")
    names = table.raw("vitals")
    if not isinstance(names, list) or not all(isinstance(n, str) and n in Parameter.__members__ for n in names):
        raise table.fail("vitals", f"must be a list of parameters, e.g. [\"HR\", \"NIBP_SYS\"] "
                         f"(known: {', '.join(Parameter.__members__)})")
    percent = table.number("within_percent_of_baseline")
    if percent is not None and not 1 <= percent <= 100:
        raise table.fail("within_percent_of_baseline", f"must be 1 to 100 %, not {percent:g}")
    inside = table.flag("or_inside_alarm_limits")
    if names and percent is None and not inside:
        raise table.fail("within_percent_of_baseline", "missing: with no percentage and "
                         "or_inside_alarm_limits = false no value of the vitals could ever count")
    criteria = DischargeCriteria(
        observation_s=_ranged(table, "observation_min", 0, 480, "min") * 60.0,
        vitals=tuple(Parameter(n) for n in dict.fromkeys(names)),
        within_percent=percent,
        or_inside_alarm_limits=inside,
        stable_s=_ranged(table, "stable_min", 1, 240, "min") * 60.0,
        min_cuff_measurements=int(_whole(table, "min_cuff_measurements", 1, 10)),
        sedation_awake=table.flag("sedation_awake"),
    )
    table.finish()
    return criteria


def _whole(table: TomlTable, key: str, low: int, high: int) -> int:
    value = _ranged(table, key, low, high, "")
    if value != int(value):
        raise table.fail(key, f"must be a whole number, not {value:g}")
    return int(value)


__all__ = ["CheckSettings", "DEFAULT_TREATMENT_PROFILE", "ProfileError", "TreatmentProfile",
           "load_treatment_profile", "treatment_profile_from_dict"]
