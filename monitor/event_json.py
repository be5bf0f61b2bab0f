"""Every event of a bed as one JSON object: the ``record --jsonl`` line and the central station's payload.

Why here and not in ``cli/``: two front ends write the same objects, the
command line (``cli/printer.py``) and the bedside's publisher to the central
station (``central/``), and a nurse's station must show exactly the fields a QA
run of ``record --jsonl`` shows. One encoder, so they cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

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
    return event.as_json()  # type: ignore[attr-defined]  # alarm events, phase changes, annotations, actions
