"""Reads scenario TOML files (built-in or QA's own) and validates every field.

Validation is strict and every complaint names the file, the line and the
field, because the person reading it is a QA engineer with the file open, and
a scenario that silently does something else than written would invalidate
the test it drives. The format is described in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources
from pathlib import Path
from typing import Any

from devices.simulator.scenario_model import (
    EVENT_KINDS,
    FAULT_KINDS,
    MIN_PULSE_PRESSURE_MMHG,
    RATE_FAULT_KINDS,
    SENSORS,
    STANDARD_AMBIENT_MMHG,
    Fault,
    Scenario,
    ScenarioError,
    TimelineEvent,
    Trajectory,
)
from devices.simulator.scenario_toml import (
    REQUIRED,
    TomlSource,
    boolean,
    check_keys,
    choice,
    decode,
    hint,
    in_range,
    number,
    one_line,
    parse_toml,
    shown_number,
    table_at,
    type_name,
)
from monitor.readings import Parameter
from monitor.toml_lines import KeyPath, LineIndex
from monitor.treatment.scenario import scenario_text_problem

log = logging.getLogger(__name__)

MAX_TIME_S = 24 * 3600.0  # no session is longer; larger numbers are typos (ms instead of s)
MIN_NIBP_INTERVAL_S = 60.0  # monitors do not cycle the cuff faster (tissue, venous congestion)
MAX_RATE_PER_S = 50.0
MAX_FILE_BYTES = 1_000_000  # a day of faults every minute is 150 kB; a bigger file is the wrong file

# Values a monitor could show for a conscious adult in an infusion room.
PLAUSIBLE: dict[Parameter, tuple[float, float]] = {
    Parameter.HR: (25.0, 220.0),
    Parameter.PR: (25.0, 220.0),
    Parameter.SPO2: (50.0, 100.0),
    Parameter.ART_SYS: (60.0, 260.0),
    Parameter.ART_DIA: (30.0, 160.0),
    Parameter.RR: (0.0, 60.0),  # 0: apnoea
    Parameter.ETCO2: (0.0, 100.0),  # mmHg; near 0: no exhaled CO2 (apnoea, line off the nose)
    Parameter.TEMP: (32.0, 42.0),
}
OPTIONAL_MODULES = (Parameter.RR, Parameter.ETCO2, Parameter.TEMP)  # measured only if given
REQUIRED_PARAMETERS = (Parameter.HR, Parameter.SPO2, Parameter.ART_SYS, Parameter.ART_DIA)
_DERIVED_HINT = {
    "NIBP_SYS": "NIBP results are sampled from ART_SYS/ART_DIA (the patient's arterial "
    "pressure); give ART_SYS instead",
    "NIBP_DIA": "NIBP results are sampled from ART_SYS/ART_DIA; give ART_DIA instead",
    "NIBP_MEAN": "the mean is derived as dia + (sys - dia)/3; give ART_SYS and ART_DIA",
    "ART_MEAN": "the mean is derived as dia + (sys - dia)/3; give ART_SYS and ART_DIA",
}

_KEYS: dict[str, tuple[str, ...]] = {
    "": ("scenario", "nibp", "parameters", "events", "faults"),
    "scenario": ("name", "description", "duration_s", "arterial_line", "ambient_mmhg"),
    "nibp": ("interval_s", "first_s", "inflation_s", "noise_mmhg"),
    "trajectory": ("points", "noise", "noise_period_s", "wander", "wander_period_s"),
    "event": ("at_s", "kind", "text"),
    "fault": ("kind", "start_s", "duration_s", "parameters", "rate_per_s"),
}
_DEFAULT_EVENT_TEXT = {"infusion_start": "Infusion started", "infusion_stop": "Infusion stopped",
                       "sign_off": ""}


# -- sections -------------------------------------------------------------------


def _build(src: TomlSource, doc: dict[str, Any], default_name: str) -> Scenario:
    check_keys(src, doc, (), _KEYS[""])
    head = table_at(src, doc.get("scenario", {}), ("scenario",))
    check_keys(src, head, ("scenario",), _KEYS["scenario"])
    duration = number(src, head, ("scenario",), "duration_s", 0.0, MAX_TIME_S, None, low_open=True)
    nibp = _nibp(src, table_at(src, doc.get("nibp", {}), ("nibp",)))
    arterial = boolean(src, head, ("scenario",), "arterial_line", False)
    ambient = number(src, head, ("scenario",), "ambient_mmhg", 400.0, 800.0, STANDARD_AMBIENT_MMHG)
    limit = duration if duration is not None else MAX_TIME_S
    trajectories = _parameters(src, doc.get("parameters"), limit)
    measured = _measured(trajectories, arterial)
    return Scenario(
        name=one_line(src, head, ("scenario",), "name", default_name, max_len=80),
        description=one_line(src, head, ("scenario",), "description", ""),
        duration_s=duration,
        arterial_line=arterial,
        nibp_interval_s=nibp[0],
        nibp_first_s=nibp[1],
        nibp_inflation_s=nibp[2],
        nibp_noise_mmhg=nibp[3],
        trajectories=trajectories,
        events=_events(src, doc.get("events", []), limit),
        faults=_faults(src, doc.get("faults", []), limit, measured),
        source=src.name,
        ambient_mmhg=ambient,
    )


def _measured(trajectories: dict[Parameter, Trajectory], arterial: bool) -> frozenset[Parameter]:
    """Parameters the simulated monitor sends: ART only with a line, RR/ETCO2/TEMP if given."""
    return frozenset(
        p for p in Parameter
        if not (p.value.startswith("ART_") and not arterial)
        and not (p in OPTIONAL_MODULES and p not in trajectories)
    )


def _nibp(src: TomlSource, table: dict[str, Any]) -> tuple[float, float, float, float]:
    path = ("nibp",)
    check_keys(src, table, path, _KEYS["nibp"])
    interval = number(src, table, path, "interval_s", MIN_NIBP_INTERVAL_S, 3600.0, 180.0)
    first = number(src, table, path, "first_s", 0.0, MAX_TIME_S, 0.0)
    inflation = number(src, table, path, "inflation_s", 0.0, 180.0, 25.0, low_open=True)
    if inflation >= interval:
        raise src.error(path + ("inflation_s",), f"must be shorter than interval_s "
                        f"({inflation:g} s >= {interval:g} s)")
    noise = number(src, table, path, "noise_mmhg", 0.0, 15.0, 3.0)
    return interval, first, inflation, noise


def _parameters(src: TomlSource, value: Any, limit: float) -> dict[Parameter, Trajectory]:
    path = ("parameters",)
    if value is None:
        raise src.error(path, "missing (required): give [parameters.HR], [parameters.SPO2], "
                        "[parameters.ART_SYS] and [parameters.ART_DIA]")
    table = table_at(src, value, path)
    trajectories: dict[Parameter, Trajectory] = {}
    for name, spec in table.items():
        parameter = _trajectory_parameter(src, name)
        trajectories[parameter] = _trajectory(src, spec, path + (name,), parameter, limit)
    for parameter in REQUIRED_PARAMETERS:
        if parameter not in trajectories:
            raise src.error(path + (parameter.value,), "missing (required)")
    if Parameter.ETCO2 in trajectories and Parameter.RR not in trajectories:
        raise src.error(path + ("ETCO2",), "needs [parameters.RR] too: a capnograph counts the "
                        "breaths whose CO2 it measures")
    _check_pulse_pressure(src, trajectories[Parameter.ART_SYS], trajectories[Parameter.ART_DIA])
    return trajectories


def _trajectory_parameter(src: TomlSource, name: str) -> Parameter:
    path = ("parameters", name)
    if name in _DERIVED_HINT:
        raise src.error(path, f"not a trajectory: {_DERIVED_HINT[name]}")
    if name not in {p.value for p in PLAUSIBLE}:
        names = tuple(p.value for p in PLAUSIBLE)
        raise src.error(path, f"unknown parameter{hint(name, names)}; known: {', '.join(names)}")
    return Parameter(name)


def _trajectory(src: TomlSource, value: Any, path: KeyPath, parameter: Parameter,
                limit: float) -> Trajectory:
    table = table_at(src, value, path)
    check_keys(src, table, path, _KEYS["trajectory"])
    return Trajectory(
        points=_points(src, table.get("points"), path + ("points",), parameter, limit),
        noise=number(src, table, path, "noise", 0.0, 25.0, 0.0),
        noise_period_s=number(src, table, path, "noise_period_s", 0.5, 600.0, 4.0),
        wander=number(src, table, path, "wander", 0.0, 30.0, 0.0),
        wander_period_s=number(src, table, path, "wander_period_s", 10.0, 7200.0, 300.0),
    )


def _points(src: TomlSource, value: Any, path: KeyPath, parameter: Parameter,
            limit: float) -> tuple[tuple[float, float], ...]:
    if value is None:
        raise src.error(path, "missing (required): e.g. points = [[0, 72], [300, 80]]")
    if not isinstance(value, list) or not value:
        raise src.error(path, "must be a non-empty array of [time_s, value] pairs")
    points: list[tuple[float, float]] = []
    for i, pair in enumerate(value):
        at = path + (i,)
        if not isinstance(pair, list) or len(pair) != 2:
            raise src.error(path, f"point {i + 1} must be a [time_s, value] pair", at)
        t = in_range(src, pair[0], path, 0.0, limit, unit=" s", at=at)
        if points and t <= points[-1][0]:
            raise src.error(path, f"times must increase (got {t:g} after {points[-1][0]:g})", at)
        v = _plausible(src, pair[1], path, parameter, t, at)
        points.append((t, v))
    return tuple(points)


def _plausible(src: TomlSource, value: Any, path: KeyPath, parameter: Parameter, t: float,
               at: KeyPath) -> float:
    low, high = PLAUSIBLE[parameter]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise src.error(path, f"value at {t:g} s must be a number (got {type_name(value)})", at)
    if not low <= value <= high:
        raise src.error(path, f"implausible {parameter.value} {shown_number(value)} at {t:g} s "
                        f"(plausible: {low:g} to {high:g})", at)
    return float(value)


def _check_pulse_pressure(src: TomlSource, sys: Trajectory, dia: Trajectory) -> None:
    """sys - dia is piecewise linear, so checking every knot of either checks it everywhere."""
    for t in sorted({p[0] for p in sys.points} | {p[0] for p in dia.points}):
        if sys.base_at(t) - dia.base_at(t) < MIN_PULSE_PRESSURE_MMHG:
            raise src.error(("parameters", "ART_DIA", "points"),
                            f"diastolic must stay at least {MIN_PULSE_PRESSURE_MMHG:g} mmHg "
                            f"below systolic (at {t:g} s: {sys.base_at(t):g}/{dia.base_at(t):g})")


def _array_of_tables(src: TomlSource, value: Any, path: KeyPath) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise src.error(path, f"must be an array of tables, e.g. [[{path[0]}]]")
    return [table_at(src, item, path + (i,)) for i, item in enumerate(value)]


def _events(src: TomlSource, value: Any, limit: float) -> tuple[TimelineEvent, ...]:
    events: list[TimelineEvent] = []
    for i, table in enumerate(_array_of_tables(src, value, ("events",))):
        path: KeyPath = ("events", i)
        check_keys(src, table, path, _KEYS["event"])
        kind = choice(src, table, path, "kind", EVENT_KINDS)
        at_s = number(src, table, path, "at_s", 0.0, limit)
        text = one_line(src, table, path, "text", _DEFAULT_EVENT_TEXT.get(kind, REQUIRED))
        problem = scenario_text_problem(kind, text)
        if problem is not None:
            raise src.error(path + ("text",), problem)
        events.append(TimelineEvent(at_s=at_s, kind=kind, text=text))
    _check_infusion(src, events)
    return tuple(sorted(events, key=lambda e: e.at_s))


def _check_infusion(src: TomlSource, events: list[TimelineEvent]) -> None:
    """At most one infusion, and it stops after it starts."""
    index: dict[str, list[int]] = {"infusion_start": [], "infusion_stop": []}
    for i, event in enumerate(events):
        index.get(event.kind, []).append(i)
    for kind, found in index.items():
        if len(found) > 1:
            raise src.error(("events", found[1], "kind"),
                            f"a second {kind}: one infusion per scenario")
    starts, stops = index["infusion_start"], index["infusion_stop"]
    if stops and not starts:
        raise src.error(("events", stops[0], "kind"), "infusion_stop without an infusion_start")
    if stops and events[stops[0]].at_s <= events[starts[0]].at_s:
        raise src.error(("events", stops[0], "at_s"),
                        "infusion_stop must come after infusion_start")


def _faults(src: TomlSource, value: Any, limit: float,
            measured: frozenset[Parameter]) -> tuple[Fault, ...]:
    faults = []
    for i, table in enumerate(_array_of_tables(src, value, ("faults",))):
        faults.append(_fault(src, table, ("faults", i), limit, measured))
    _check_overlaps(src, faults)
    return tuple(sorted(faults, key=lambda f: f.start_s))


def _fault(src: TomlSource, table: dict[str, Any], path: KeyPath, limit: float,
           measured: frozenset[Parameter]) -> Fault:
    check_keys(src, table, path, _KEYS["fault"])
    kind = choice(src, table, path, "kind", FAULT_KINDS)
    start = number(src, table, path, "start_s", 0.0, limit)
    duration = number(src, table, path, "duration_s", 0.0, MAX_TIME_S, low_open=True)
    if start + duration > limit:
        raise src.error(path + ("duration_s",), f"fault ends at {start + duration:g} s, after "
                        f"the end of the scenario ({limit:g} s)")
    rate = 0.0
    if kind in RATE_FAULT_KINDS:
        rate = number(src, table, path, "rate_per_s", 0.0, MAX_RATE_PER_S, low_open=True)
    elif "rate_per_s" in table:
        raise src.error(path + ("rate_per_s",),
                        f"only for kinds {', '.join(sorted(RATE_FAULT_KINDS))}")
    parameters: frozenset[Parameter] = frozenset()
    if kind == "invalid":
        parameters = _fault_parameters(src, table.get("parameters"), path + ("parameters",),
                                       measured, tuple(p.value for p in Parameter), kind)
    elif kind == "sensor_off":
        parameters = frozenset({Parameter.SPO2})  # the SpO2 probe, unless named otherwise
        if "parameters" in table:
            parameters = _fault_parameters(src, table["parameters"], path + ("parameters",),
                                           measured, tuple(p.value for p in SENSORS), kind)
    elif "parameters" in table:
        raise src.error(path + ("parameters",), "only for kinds 'invalid' and 'sensor_off'")
    return Fault(kind=kind, start_s=start, duration_s=duration, parameters=parameters,
                 rate_per_s=rate)


def _fault_parameters(src: TomlSource, value: Any, path: KeyPath, measured: frozenset[Parameter],
                      names: tuple[str, ...], kind: str) -> frozenset[Parameter]:
    """The names a fault lists: each one of ``names`` and measured by the scenario's monitor."""
    if not isinstance(value, list) or not value:
        need = "required for kind 'invalid':" if kind == "invalid" else "if given, must be"
        raise src.error(path, f"{need} a non-empty array of names from {', '.join(names)}")
    found: set[Parameter] = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in names:
            shown = name if isinstance(name, str) else type_name(name)
            suggestion = hint(name, names) if isinstance(name, str) else ""
            raise src.error(path, f"unknown parameter '{shown}'{suggestion}", path + (i,))
        if Parameter(name) not in measured:
            what = "arterial line" if name.startswith("ART_") else f"[parameters.{name}]"
            raise src.error(path, f"{name}: the scenario has no {what}", path + (i,))
        found.add(Parameter(name))
    return frozenset(found)


def _check_overlaps(src: TomlSource, faults: list[Fault]) -> None:
    """Two windows of one kind must not overlap: a rate or state would be ambiguous."""
    for i, later in enumerate(faults):
        for j, earlier in enumerate(faults[:i]):
            same = later.kind == earlier.kind and (
                not later.parameters or bool(later.parameters & earlier.parameters))
            if same and later.start_s < earlier.end_s and earlier.start_s < later.end_s:
                raise src.error(("faults", i, "start_s"), f"overlaps faults[{j}] of the same "
                                f"kind '{later.kind}' ({earlier.start_s:g}-{earlier.end_s:g} s)")


# -- reading files --------------------------------------------------------------


def scenario_from_text(text: str, name: str, default_name: str = "scenario") -> Scenario:
    """Parse and validate TOML ``text``; ``name`` is how messages refer to the file."""
    doc = parse_toml(text, name)
    return _build(TomlSource(name, LineIndex.of(text)), doc, default_name)


def _builtin_dir() -> Any:
    return resources.files("devices.simulator").joinpath("scenarios")


@functools.cache
def _builtin_names() -> tuple[str, ...]:
    return tuple(sorted(entry.name[:-5] for entry in _builtin_dir().iterdir()
                        if entry.name.endswith(".toml")))


@functools.cache
def _load_builtin(name: str) -> Scenario:
    """Built-ins are immutable package data, so each is parsed once."""
    label = f"scenarios/{name}.toml"
    content = decode(_builtin_dir().joinpath(f"{name}.toml").read_bytes(), label)
    scenario = scenario_from_text(content, label, name)
    if scenario.name != name:
        line = LineIndex.of(content).line_of(("scenario", "name"))
        raise ScenarioError(f"{label} line {line}: scenario.name: must be '{name}', like the file")
    return scenario


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a scenario TOML file by path; fully validated."""
    if name_or_path in _builtin_names():
        return _load_builtin(name_or_path)
    path = Path(name_or_path)
    if not path.is_file() and path.suffix != ".toml" and len(path.parts) == 1:
        names = _builtin_names()
        raise ScenarioError(f"{name_or_path}: no such built-in scenario{hint(name_or_path, names)}"
                            f" and no such file; built-ins: {', '.join(names)}")
    try:
        if path.is_dir():
            raise ScenarioError(f"{name_or_path}: is a folder, not a scenario file")
        if path.exists() and not path.is_file():  # a pipe or device could block for ever
            raise ScenarioError(f"{name_or_path}: not a regular file (a pipe or a device); "
                                "give a scenario file")
        if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(f"{name_or_path}: is {path.stat().st_size / 1e6:.1f} MB, far too large "
                                f"for a scenario (at most {MAX_FILE_BYTES / 1e6:g} MB); is this the "
                                "right file?")
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScenarioError(f"{name_or_path}: cannot read scenario file: {reason}") from exc
    scenario = scenario_from_text(decode(data, name_or_path), name_or_path, path.stem)
    log.info("loaded scenario %r from %s", scenario.name, name_or_path)
    return scenario


def builtin_scenarios() -> dict[str, str]:
    """Built-in scenario names mapped to their one-line descriptions."""
    return {name: _load_builtin(name).description for name in _builtin_names()}
