"""Topics and payloads between the bedsides and the central station (docs/central-station.md).

Every payload is a versioned JSON object. Readings, alarm events and session
events carry exactly the fields of the ``record --jsonl`` line
(:func:`monitor.event_json.event_to_json`) plus ``bed``, ``site``, ``session``
(one bedside run), ``seq`` (the message's number in its stream: the n-th reading
of the session is the recording's reading row n) and ``late`` (sent afterwards
from the recording). The state is a :class:`ChairSnapshot` with the limits.

The central station believes nothing it has not checked: :func:`parse` refuses
a payload that is too large, is not JSON, names another bed than its topic, or
holds any value outside the catalogue's plausible range, and returns only the
fields it knows, so a forged extra field is never shown either.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.alarms.model import EventType
from monitor.parameters import PARAMETERS, UNITS, Parameter
from monitor.readings import NOT_A_NUMBER, LinkState, Quality
from monitor.session import ANNOTATION_KINDS, Phase
from monitor.snapshot import ChairSnapshot, SnapshotError, snapshot_from_json

VERSION = 1
ROOT = "irm"
MAX_PAYLOAD = 64 * 1024  # bytes; a state with every measurement and alarm is under 8 KiB
MAX_TEXT = 500
MAX_NAME = 64
SEQUENCED = ("reading", "alarm", "event")  # topic kinds whose messages are numbered and replayed
KINDS = (*SEQUENCED, "state", "heartbeat", "online")
EVENT_TYPES = ("phase", "annotation", "link", "device_status", "operator_action")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


class MessageError(ValueError):
    """A payload or topic the central station refuses; ``str()`` says why, in one line."""


def check_name(name: str, what: str) -> str:
    """A site or bed name: letters, digits, space, ``.``, ``_``, ``-``; at most 64; no MQTT wildcard."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise MessageError(f"{what} {name!r} is not a valid name: use up to {MAX_NAME} letters, digits, "
                           "spaces, '.', '_' or '-', starting with a letter or digit")
    return name


def topic(site: str, bed: str, kind: str) -> str:
    return f"{ROOT}/{site}/{bed}/{kind}"


def subscription(site: str | None) -> str:
    """Everything of one site, or of every site."""
    return f"{ROOT}/{site or '+'}/+/+"


def split_topic(name: str) -> tuple[str, str, str]:
    """(site, bed, kind) of a topic; MessageError for any other topic."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != ROOT or parts[3] not in KINDS:
        raise MessageError(f"not a bedside topic: {name[:120]!r}")
    return check_name(parts[1], "site"), check_name(parts[2], "bed"), parts[3]


def topic_kind(event_type: str) -> str:
    """The topic a sequenced message goes to: ``reading``, ``alarm`` or ``event``."""
    return event_type if event_type in ("reading", "alarm") else "event"


# -- the bedside's side -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Origin:
    """Who sends: the site, the bed, and this run of the bedside (a new session id each run)."""

    site: str
    bed: str
    session: str

    def fields(self) -> dict[str, object]:
        return {"v": VERSION, "bed": self.bed, "site": self.site, "session": self.session}


def encode(data: Mapping[str, object]) -> bytes:
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def sequenced(origin: Origin, event_json: Mapping[str, object], seq: int, late: bool) -> bytes:
    """A reading, alarm or session event: the ``record --jsonl`` fields, then who, seq and late."""
    return encode({**event_json, **origin.fields(), "seq": seq, "late": late})


# -- the central station's side: checking what arrives --------------------------------------

@dataclass(frozen=True, slots=True)
class Message:
    """A checked message: its topic's parts, and only the fields the central station knows."""

    site: str
    bed: str
    kind: str  # the topic kind
    session: str
    data: dict[str, object]  # the known fields, checked (sequenced ones include seq and late)
    snapshot: ChairSnapshot | None = None  # the state's

    @property
    def type(self) -> str:
        return str(self.data.get("type", self.kind))

    @property
    def seq(self) -> int | None:
        value = self.data.get("seq")
        return value if isinstance(value, int) else None

    @property
    def late(self) -> bool:
        return self.data.get("late") is True


def parse(topic_name: str, payload: bytes) -> Message:
    """Check one message from the broker; :class:`MessageError` says what is wrong with it."""
    site, bed, kind = split_topic(topic_name)
    if len(payload) > MAX_PAYLOAD:
        raise MessageError(f"{len(payload)} bytes is more than the {MAX_PAYLOAD} a bedside sends")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        raise MessageError("not a JSON object") from None
    if not isinstance(data, dict):
        raise MessageError("not a JSON object")
    if data.get("v") != VERSION:
        raise MessageError(f"version {data.get('v')!r} is not {VERSION}")
    if data.get("bed") != bed or data.get("site") != site:
        raise MessageError(f"the payload names bed {str(data.get('bed'))[:64]!r} of site "
                           f"{str(data.get('site'))[:64]!r}, not its topic's")
    session = _text(data, "session", limit=MAX_NAME, empty=False)
    if kind == "state":
        return _state(site, bed, session, data)
    if kind == "online":
        fields = {"type": "online", "time": _time(data, "time"), "online": _bool(data, "online"),
                  "reason": _text(data, "reason")}
        return Message(site, bed, kind, session, fields)
    if kind == "heartbeat":
        return Message(site, bed, kind, session, _heartbeat(data))
    event_type = _text(data, "type", empty=False)
    if topic_kind(event_type) != kind or (kind == "event" and event_type not in EVENT_TYPES):
        raise MessageError(f"a {event_type[:40]!r} message does not belong on the {kind} topic")
    fields = {"type": event_type, **_CHECKS[event_type](data)}
    fields["seq"] = _count(data, "seq", low=1)
    fields["late"] = _bool(data, "late")
    return Message(site, bed, kind, session, fields)


def _state(site: str, bed: str, session: str, data: dict) -> Message:
    try:
        snapshot = snapshot_from_json(data.get("snapshot"))
    except SnapshotError as exc:
        raise MessageError(f"state: {exc}") from None
    if snapshot.bed != bed:
        raise MessageError(f"the state is of bed {snapshot.bed[:64]!r}, not {bed!r}")
    fields = {"type": "state", "time": _time(data, "time"), "limits": _limits(data.get("limits"))}
    return Message(site, bed, "state", session, fields, snapshot)


def _heartbeat(data: dict) -> dict[str, object]:
    last = data.get("last")
    if not isinstance(last, dict) or len(last) > 16:
        raise MessageError("heartbeat: last must be an object of counts")
    return {"type": "heartbeat", "time": _time(data, "time"), "backlog": _count(data, "backlog"),
            "last": {check_name(str(k), "stream"): _count(last, k) for k in last}}


# -- field checks -------------------------------------------------------------------------------

def _reading(d: dict) -> dict[str, object]:
    try:
        parameter = Parameter(d.get("parameter"))
    except ValueError:
        raise MessageError(f"unknown parameter {str(d.get('parameter'))[:40]!r}") from None
    unit = _text(d, "unit")
    if unit != UNITS[parameter]:
        raise MessageError(f"{parameter.value} in {unit[:20]!r}, not {UNITS[parameter]!r}")
    quality = d.get("quality")
    if not isinstance(quality, list) or not all(isinstance(q, str) and q in Quality.__members__ for q in quality):
        raise MessageError("quality must list known quality flags")
    flags = Quality.from_names(quality)
    value = _optional_number(d, "value")
    if (value is None) != bool(flags & NOT_A_NUMBER):
        raise MessageError(f"{parameter.value}: a value needs no reason flag, a missing one needs one")
    low, high = PARAMETERS[parameter].plausible
    if value is not None and not low <= value <= high:
        raise MessageError(f"{parameter.value} {value:g} is outside the plausible {low:g}-{high:g}")
    return {"time": _time(d, "time"), "device_time": _optional_time(d, "device_time"),
            "parameter": parameter.value, "value": value, "unit": unit, "source": _text(d, "source", limit=64),
            "quality": list(quality)}


def _alarm(d: dict) -> dict[str, object]:
    event = _text(d, "event")
    if event not in EventType.__members__.values():
        raise MessageError(f"unknown alarm event {event[:40]!r}")
    return {"time": _time(d, "time"), "condition": _identifier(d, "condition"), "priority": _priority(d),
            "event": event, "value": _optional_number(d, "value"), "limit": _optional_number(d, "limit"),
            "baseline": _optional_number(d, "baseline"), "phase": _optional_text(d, "phase"),
            "detail": _text(d, "detail")}


def _phase(d: dict) -> dict[str, object]:
    return {"time": _time(d, "time"), "phase": _choice(d, "phase", tuple(Phase)), "by": _text(d, "by", limit=64)}


def _annotation(d: dict) -> dict[str, object]:
    return {"time": _time(d, "time"), "kind": _choice(d, "kind", tuple(ANNOTATION_KINDS)), "text": _text(d, "text")}


def _link(d: dict) -> dict[str, object]:
    return {"time": _time(d, "time"), "state": _choice(d, "state", tuple(LinkState)), "message": _text(d, "message")}


def _device_status(d: dict) -> dict[str, object]:
    conditions = d.get("conditions")
    if not isinstance(conditions, list) or len(conditions) > 32 or not all(
            isinstance(c, str) and len(c) <= 100 for c in conditions):
        raise MessageError("conditions must be a short list of texts")
    return {"time": _time(d, "time"), "device_time": _optional_time(d, "device_time"), "conditions": conditions}


def _operator_action(d: dict) -> dict[str, object]:
    """The action and its details (a flat object of texts, numbers, true/false and null)."""
    known = {"type", "time", "action", "v", "bed", "site", "session", "seq", "late"}
    detail = {k: d[k] for k in d if k not in known}
    if len(detail) > 16 or not all(_scalar(v) for v in detail.values()) or not all(
            _NAME.fullmatch(k) for k in detail):
        raise MessageError("an operator action's details must be a few plain values")
    return {"time": _time(d, "time"), "action": _identifier(d, "action", lower=True), **detail}


_CHECKS: dict[str, Callable[[dict], dict[str, object]]] = {
    "reading": _reading, "alarm": _alarm, "phase": _phase, "annotation": _annotation, "link": _link,
    "device_status": _device_status, "operator_action": _operator_action,
}


def _limits(value: object) -> dict[str, object]:
    """``{"HR": {"above": {"medium": 120, ...}, "below": {...}}, ...}``: known parameters, finite numbers."""
    if not isinstance(value, dict) or len(value) > len(Parameter):
        raise MessageError("limits must be an object per parameter")
    out: dict[str, object] = {}
    for name, sides in value.items():
        if name not in Parameter.__members__ or not isinstance(sides, dict) or set(sides) - {"above", "below"}:
            raise MessageError(f"limits of {str(name)[:20]!r} are not limits of a known parameter")
        out[name] = {side: {p: _number(tiers, p) for p in tiers if _priority({"priority": p})}
                     for side, tiers in sides.items() if isinstance(tiers, dict)}
    return out


def _scalar(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, bool | int)


def _text(d: dict, key: str, limit: int = MAX_TEXT, empty: bool = True) -> str:
    value = d.get(key, "" if empty else None)
    if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
        raise MessageError(f"{key} must be a text of at most {limit} characters")
    return value


def _optional_text(d: dict, key: str) -> str | None:
    return None if d.get(key) is None else _text(d, key, limit=64)


def _identifier(d: dict, key: str, lower: bool = False) -> str:
    value = _text(d, key, limit=64, empty=False)
    if not re.fullmatch(r"[a-z0-9_]+" if lower else r"[A-Z0-9_]+", value):
        raise MessageError(f"{key} {value!r} is not an identifier")
    return value


def _choice(d: dict, key: str, allowed: tuple[str, ...]) -> str:
    value = d.get(key)
    if value not in allowed:
        raise MessageError(f"unknown {key} {str(value)[:40]!r}")
    return str(value)


def _priority(d: dict) -> str:
    return _choice(d, "priority", ("high", "medium", "low"))


def _bool(d: dict, key: str) -> bool:
    value = d.get(key)
    if not isinstance(value, bool):
        raise MessageError(f"{key} must be true or false")
    return value


def _number(d: dict, key: str) -> float | int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MessageError(f"{key} must be a finite number")
    return value


def _optional_number(d: dict, key: str) -> float | int | None:
    return None if d.get(key) is None else _number(d, key)


def _count(d: dict, key: str, low: int = 0) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 2**53:
        raise MessageError(f"{key} must be a whole number of at least {low}")
    return value


def _time(d: dict, key: str) -> str:
    text = d.get(key)
    if not isinstance(text, str) or len(text) > 40:
        raise MessageError(f"{key} must be an ISO-8601 time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MessageError(f"{key} must be an ISO-8601 time") from None
    if moment.tzinfo is None:
        raise MessageError(f"{key} must be an ISO-8601 time with its zone")
    return text


def _optional_time(d: dict, key: str) -> str | None:
    return None if d.get(key) is None else _time(d, key)


def parse_time(text: str) -> datetime:
    """A time :func:`parse` has already checked."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
