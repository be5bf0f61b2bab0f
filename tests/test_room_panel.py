"""A chair's panel and the room's bar, drawn from snapshots (ui/room): what they say and how they look.

The snapshots are made the way a room makes them, by a ChairWatch listening to a real bed
fed readings by hand (ManualClock), or written out by hand; the expected words come from
the readings given, not from the code under test. Colours are read from grabbed pixels.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtGui import QColor

from monitor.alarms import DEFAULT_PROFILE, load_profile
from monitor.bed import Bed, BedConfig
from monitor.chair_watch import ChairWatch
from monitor.clock import ManualClock
from monitor.latest import Freshness
from monitor.readings import LinkEvent, LinkState, Parameter, Reading
from monitor.session import Phase
from monitor.snapshot import AlarmSnapshot, ChairSnapshot, MeasurementSnapshot
from ui.dashboard.theme import DARK
from ui.room.app import split_station
from ui.room.overview import RoomOverview, bar_items, grid_shape
from ui.room.panel import ChairPanel
from ui.room.panel_text import panel_text

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
UNITS = {"HR": "/min", "SPO2": "%", "RR": "/min", "TEMP": "\u00b0C"}


def a_bed() -> tuple[ManualClock, Bed, ChairWatch]:
    clock = ManualClock(T0)
    bed = Bed(BedConfig("Chair 3", "sim:stable", "datex", clock, load_profile(DEFAULT_PROFILE), patient_id="K-0142"))
    watch = ChairWatch(bed, "K-0142", clock.now)
    return clock, bed, watch


def feed(bed: Bed, clock: ManualClock, seconds: float = 0, **values: float) -> None:
    """The values now and every 5 s (a Datex monitor's record) until ``seconds`` have passed, judged
    and ticked."""
    for _ in range(max(1, int(seconds // 5))):
        for name, value in values.items():
            bed.post(Reading(Parameter(name), value, UNITS.get(name, "mmHg"), clock.now(), "datex"))
        bed.tick()
        if seconds:
            clock.advance(5)


def test_a_panel_says_chair_patient_phase_clock_and_each_number_with_its_change():
    clock, bed, watch = a_bed()
    bed.post(LinkEvent(LinkState.RECEIVING, "Receiving datex data.", clock.now()))
    feed(bed, clock, NIBP_SYS=124, NIBP_DIA=80, NIBP_MEAN=95)  # one cuff 124/80 (95)
    feed(bed, clock, 300, HR=72, SPO2=98)  # five minutes of baseline: HR 72, SpO2 98
    bed.session.start_infusion(confirm=lambda *args: True)
    feed(bed, clock, 28 * 60 + 55, HR=95, SPO2=97)
    clock.advance(4)
    feed(bed, clock, HR=95, SPO2=97, TEMP=36.8)
    text = panel_text(watch.snapshot())
    assert (text.chair, text.patient, text.link_word) == ("Chair 3", "K-0142", "Monitor connected")
    assert (text.phase_word, text.clock, text.detail) == ("INFUSION", "28:59 / 40:00", "11:01 left")
    assert text.progress is not None and abs(text.progress - (28 * 60 + 59) / 2400) < 1e-9
    big = {c.key: c for c in text.big}
    small = {c.key: c for c in text.small}
    assert list(big) == ["HR", "NIBP"] and list(small) == ["SPO2", "TEMP"]  # what the monitor sent
    assert (big["HR"].value, big["HR"].note) == ("95", "+23 from 72")
    assert (small["SPO2"].value, small["SPO2"].note) == ("97", "\u22121 from 98")  # a real minus sign
    assert small["TEMP"].value == "36.8" and small["TEMP"].note == "no baseline"
    # the cuff measured 33 min 59 s ago (5:00 of baseline + 28:59): beyond its 20 minutes, greyed, marked; overdue
    assert big["NIBP"].value == "124/80" and big["NIBP"].stale and big["NIBP"].note == "NOT CURRENT 33 min"
    assert text.alarm.startswith("** NIBP overdue: no new cuff measurement for over 6 min")
    assert (text.alarm_priority, text.flashing, text.notice) == ("medium", "medium", "")


def test_while_the_baseline_forms_a_panel_gives_it_and_without_a_link_says_why():
    clock, bed, watch = a_bed()
    bed.post(LinkEvent(LinkState.DISCONNECTED, "Serial port /dev/ttyUSB3 was not found. Retrying in 4 s.",
                       clock.now()))
    feed(bed, clock, HR=70)
    clock.advance(65)
    bed.tick()
    text = panel_text(watch.snapshot())
    assert (text.phase_word, text.clock) == ("BASELINE", "01:05")
    hr = text.big[0]
    assert hr.value == "70" and hr.note == "NOT CURRENT 1 min" and hr.colour == "stale"
    assert text.big[1].value == "---/---" and text.big[1].note == "no data yet"
    assert text.link_word == "LINK LOST" and text.notice.startswith("Serial port /dev/ttyUSB3 was not found")


def snap(bed: str, *alarms: AlarmSnapshot) -> ChairSnapshot:
    hr = MeasurementSnapshot("HR", (80,), (72,), Freshness.CURRENT, 2.0, "")
    return ChairSnapshot(bed, "", T0, Phase.INFUSION, 60, 60, 2400, None, "receiving", "", (hr,), alarms)


def alarm(condition: str, priority: str, message: str, status: str = "active") -> AlarmSnapshot:
    return AlarmSnapshot(condition, priority, status, message, T0)


def test_the_room_bar_lists_every_alarm_with_its_chair_and_the_rooms_own_once(qtbot):
    audio = alarm("AUDIO_UNAVAILABLE", "medium", "No alarm sound: no audio output device.")
    chairs = [
        snap("Chair 1", alarm("HR_HIGH", "medium", "HR 121 > 110", "acknowledged"), audio),
        snap("Chair 2", audio),
        snap("Chair 3", alarm("NIBP_HIGH", "high", "NIBP sys 182 > 180"), alarm("HR_HIGH", "medium", "HR 115 > 110"),
             audio),
    ]
    own, station = split_station(chairs)
    assert [len(s.alarms) for s in own] == [1, 0, 2] and station == [audio]
    items, steady = bar_items(own, station)
    assert items == [  # one line per chair (its worst alarm), the room's own once, highest first
        ("high", "Chair 3: NIBP sys 182 > 180  (+1 more)"),
        ("medium", "Room: No alarm sound: no audio output device."),
        ("medium", "Chair 1: HR 121 > 110 (acknowledged)"),
    ] and not steady
    overview = RoomOverview("Room 2", DARK)
    qtbot.addWidget(overview)
    overview.show_chairs(own, station)
    assert overview.alarm_bar.message.text() == "*** Chair 3: NIBP sys 182 > 180  (+1 more)"
    assert overview.alarm_bar.others.text().count("Room:") == 1 and overview.alarm_bar.acknowledge.isVisibleTo(overview)
    assert [p.flashing for p in overview.panels] == [None, None, "high"]  # the acknowledged chair 1: steady
    assert bar_items([snap("Chair 1", alarm("HR_HIGH", "medium", "HR 121 > 110", "acknowledged"))])[1] is True


def test_an_alarming_panel_flashes_in_its_alarm_colour_and_a_quiet_one_does_not(qtbot):
    panels = [ChairPanel(DARK), ChairPanel(DARK)]
    for panel, chair in zip(panels, (snap("Chair 1", alarm("NIBP_HIGH", "high", "NIBP sys 182 > 180")),
                                     snap("Chair 2")), strict=True):
        qtbot.addWidget(panel)
        panel.resize(470, 480)
        panel.show_snapshot(chair)
    loud, quiet = panels
    assert loud.flasher.flashing and loud.flasher.interval_ms == 250  # 2 Hz, like the bedside tiles
    assert not quiet.flasher.flashing

    def centre_colour(panel: ChairPanel, on: bool) -> str:
        panel.flasher._set(on)
        image = panel.grab().toImage()
        return QColor(image.pixel(image.width() // 2, image.height() - 30)).name()

    assert centre_colour(loud, True) == DARK.alarm_high
    assert centre_colour(loud, False) == DARK.surface
    assert centre_colour(quiet, False) == DARK.surface
    assert loud.text.alarm == "*** NIBP sys 182 > 180"


def test_panels_are_laid_out_for_a_landscape_screen():
    assert [grid_shape(n) for n in (1, 2, 4, 5, 8, 9, 12)] == [(1, 1), (2, 1), (2, 2), (3, 2), (4, 2), (3, 3), (4, 3)]


def test_eight_chairs_on_a_1920_by_1080_screen_keep_numbers_a_room_can_read(qtbot):
    """HR and NIBP on each of eight panels at least 64 px (digits 47 px, 13 mm on a 24-inch
    1920x1080 screen: 15 arc minutes at 3 m); 55 px on a chair with an arterial line as well
    (three large numbers)."""
    art = MeasurementSnapshot("ART", (150, 88, 110), (130, 80, 97), Freshness.CURRENT, 1.0, "")
    nibp = MeasurementSnapshot("NIBP", (139, 83, 102), (124, 80, 95), Freshness.CURRENT, 130.0, "")
    chairs = [replace(snap(f"Chair {n}"), measurements=(*snap("").measurements, nibp, *((art,) if n == 2 else ())))
              for n in range(1, 9)]
    overview = RoomOverview("Room 2", DARK)
    qtbot.addWidget(overview)
    overview.resize(1920, 1080)
    overview.show()
    overview.show_chairs(chairs)
    qtbot.waitUntil(lambda: all(p.digits_px for p in overview.panels), timeout=5000)
    sizes = [p.digits_px for p in overview.panels]
    assert min(sizes[:1] + sizes[2:]) >= 64 and sizes[1] >= 55, sizes


def test_a_flashing_panel_keeps_the_grey_not_current_band_under_an_old_number(qtbot):
    """A lost link flashes the panel in the alarm's colour; the last heart rate, two minutes old, must
    still be marked as not current in the flash's on phase (on the bedside tile the band stays too)."""
    hr = MeasurementSnapshot("HR", (80,), (72,), Freshness.STALE, 120.0, "")
    chair = replace(snap("Chair 6", alarm("LINK_LOST", "medium", "Monitor link lost")), measurements=(hr,),
                    link="disconnected")
    panel = ChairPanel(DARK)
    qtbot.addWidget(panel)
    panel.resize(470, 480)
    panel.show_snapshot(chair)
    assert panel.flasher.flashing and panel.text.big[0].stale

    def greys(on: bool) -> int:
        panel.flasher._set(on)
        image = panel.grab().toImage()
        band = QColor(DARK.stale).rgb()
        return sum(image.pixel(x, y) == band for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))

    assert greys(False) > 50
    assert greys(True) > 50  # the band is drawn over the yellow too


def test_the_strip_over_a_chair_ends_what_does_not_fit_with_an_ellipsis_never_half_a_word(qtbot):
    from ui.room.window import ChairStrip

    strip = ChairStrip("Chair 1", DARK)
    qtbot.addWidget(strip)
    strip.resize(900, 60)
    strip.show()
    others = [("high", f"Chair {n}: NIBP sys 197 > 180, dia 113 > 110, mean 140 > 130") for n in range(2, 6)]
    strip.show_others(others, steady=False)
    qtbot.waitUntil(lambda: strip.others.text().endswith("\u2026"), timeout=2000)
    assert strip.others.toolTip().count("Chair ") == 4  # the whole list, for the mouse
    assert strip.others.fontMetrics().horizontalAdvance(strip.others.text()) <= strip.others.width()
