"""Every event of a bed as one JSON object: the ``record --jsonl`` line and the central station's payload.

Why here and not in ``cli/``: two front ends write the same objects, the
command line (``cli/printer.py``) and the bedside's publisher to the central
station (``central/``), and a nurse's station must show exactly the fields a QA
run of ``record --jsonl`` shows. One encoder, so they cannot drift apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from monitor.alarms.model import number, utc_text
from monitor.readings import DeviceStatus, LinkEvent, Reading


def json_number(value: float | None) -> float | int | None:
    """72.0 prints as 72; other values to two decimals."""
    return number(value, places=2)


def event_to_json(event: object, received_at: datetime) -> dict:
    """The JSON object of one event; ``received_at`` stamps a device status that has no time of its own.

    Alarm events, phase changes, annotations and operator actions carry their own ``as_json``.
    """
    if isinstance(event, Reading):
        return {
            "type": "reading",
            "time": utc_text(event.received_at),
            "device_time": event.device_time.isoformat() if event.device_time else None,
            "parameter": event.parameter.value,
            "value": json_number(event.value),
            "unit": event.unit,
            "source": event.source,
            "quality": list(event.quality.names),
        }
    if isinstance(event, LinkEvent):
        return {"type": "link", "time": utc_text(event.at), "state": event.state.value, "message": event.message}
    if isinstance(event, DeviceStatus):
        return {
            "type": "device_status",
            "time": utc_text(event.received_at or received_at),
            "device_time": event.device_time.isoformat() if event.device_time else None,
            "conditions": list(event.conditions),
        }
    if not hasattr(event, "as_json") and hasattr(event, "to_record"):
        return _treatment_json(event)
    return event.as_json()  # type: ignore[attr-defined]  # alarm events, phase changes, annotations, actions


# The treatment's events (monitor/treatment) as their recording rows say them, under these types.
TREATMENT_TYPES = {
    "treatment_plans": "treatment_plan", "infusion_rate_changes": "rate_change", "clinical_checks": "check",
    "discharge_criteria": "discharge_criterion", "discharge_signoffs": "sign_off",
}
_JSON_COLUMNS = frozenset({"confirmations", "items", "unmet"})  # stored as JSON text


def _treatment_json(event: object) -> dict:
    """``{"type": "check", "time": ..., "kind": "sedation", "scale": "MOAA/S", "score": 5, ...,
    "text": "Sedation MOAA/S 5 (...)"}``: the recording's columns, with the one-line description."""
    table, columns = event.to_record()  # type: ignore[attr-defined]
    data: dict = {"type": TREATMENT_TYPES.get(table, table),
                  "time": utc_text(datetime.fromtimestamp(float(columns["host_time"]), UTC))}
    for name, value in columns.items():
        if name != "host_time":
            data[name] = json.loads(value) if name in _JSON_COLUMNS and value else value
    describe = getattr(event, "describe", None)
    if describe is not None:
        data["text"] = describe()
    elif hasattr(event, "plan"):
        data["text"] = event.plan.summary()  # type: ignore[attr-defined]
    return data
