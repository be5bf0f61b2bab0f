"""The central station's overview: the infusion room's, in the central station's words.

A nurse at the station reads the same screen as in the room (``ui/room``: one
:class:`~ui.room.panel.ChairPanel` per chair and one alarm bar), drawn from the
snapshots the bedsides publish. Only the words differ: the station's own
technical alarms (the broker lost, a bed's heartbeat stopped, ...) are listed in
the bar once each as ``Central: ...``, where the room lists its own as ``Room:
...``; its button silences them here (a chair's own alarms are acknowledged at
its bedside); a click on a chair opens its trend, and there are no Ctrl+number
keys to a chair's dashboard, which is at the bedside.
"""

from __future__ import annotations

from collections.abc import Sequence

from central.alarms import CentralAlarm
from monitor.snapshot import AlarmSnapshot
from ui.dashboard.theme import Theme
from ui.room.overview import RoomOverview, StationWords

CENTRAL_WORDS = StationWords(
    prefix="Central",
    acknowledge="Silence station alarms   F5",
    acknowledge_tip="Silence the central station's own alarms here (F5); a chair's alarms are acknowledged "
                    "at its bedside",
    hint="Click a chair for its trend since its session began. Chairs' alarms are acknowledged at the bedside.",
    shortcuts=False,
)


def make_overview(title: str, theme: Theme) -> RoomOverview:
    """The room's overview with the central station's words; its panels follow the beds shown."""
    return RoomOverview(title, theme, words=CENTRAL_WORDS)


def station_alarms(alarms: Sequence[CentralAlarm]) -> list[AlarmSnapshot]:
    """The station's own alarms as the room's bar lists a station's (acknowledged: silenced here)."""
    return [AlarmSnapshot(a.condition.value, a.priority.value, "acknowledged" if a.acknowledged else "active",
                          a.message, a.raised_at, a.acknowledged_at) for a in alarms]


__all__ = ["CENTRAL_WORDS", "make_overview", "station_alarms"]
