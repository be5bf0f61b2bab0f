"""``infusion-monitor live --room``: the room on screen, as a new user runs it, and what a nurse does in it.

Real parts: the real command as a process (offscreen), chairs built by ``main.build_room``
(the composition root) on in-process simulators and on a separate ``infusion-sim --tcp``
(a serial device server) that the test kills; real recordings read back with SQLite; the
real room window offscreen, grabbed as a screenshot. Tests wait on what the program
shows or records, with deadlines, never on a sleep.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

import main
from bench.scenarios import alarm_scenario
from monitor.alarms import AlarmCondition
from monitor.clock import ScaledClock
from monitor.latest import Freshness
from monitor.room import room_from_text
from monitor.session import Phase
from reliability.harness import start_simulator, stop
from tests.conftest import ROOT
from ui.dashboard.plan_dialog import START_WITHOUT_PLAN, PlanAnswer
from ui.room.app import RoomView
from ui.sound.adapter import DisplayHeartbeat
from ui.sound.annunciator import Annunciator

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
PROTOCOLS = ("datex", "masimo", "intellivue")
# Digits a nurse reads from 3 m: 16 arc minutes (ISO 9241-303's preferred least character height)
# is 14 mm at 3 m, 50 px of digit height on a 24-inch 1920x1080 screen (0.277 mm a pixel), which
# DejaVu Sans Bold draws at a font size of 68 px (digits are 0.73 of it).
READABLE_PX = 68


def room_text(ports: list[str], name: str = "Room 2", chair_keys: str = "") -> str:
    chairs = "".join(f'[[chair]]\nname = "Chair {i + 1}"\nport = "{port}"\nprotocol = "datex"\npatient = "K-{i + 1:04d}"\n'
                     f"{chair_keys}" for i, port in enumerate(ports))
    return f'[room]\nname = "{name}"\n\n{chairs}'


def rows(path: Path, sql: str, *args) -> list[tuple]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()
    except sqlite3.Error:  # not created yet
        return []


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the program ended ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)  # polling files another process writes: there is no signal to wait on


def test_the_room_runs_offscreen_and_a_dead_monitor_takes_down_only_its_own_chair(tmp_path, cli_env):
    """The command a nurse runs, for 30 s of real time; the fourth chair's monitor is a serial
    device server (``infusion-sim --tcp``), killed half way."""
    speed = 5.0
    sim, address = start_simulator("--protocol", "datex", "--scenario", "stable", "--tcp", "127.0.0.1:0",
                                   "--speed", f"{speed:g}")
    room = tmp_path / "room.toml"
    room.write_text(room_text(["sim:ketamine-typical", "sim:hypertensive-episode", "sim:stable", address]))
    folder = tmp_path / "recordings"
    env = dict(cli_env, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_RUNTIME_DIR=str(tmp_path))
    with (tmp_path / "stderr.txt").open("w") as err:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "live", "--room", str(room), "--recordings",
                                 str(folder), "--speed", f"{speed:g}", "--theme", "dark"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    started = time.time()
    try:
        def file_of(chair: int) -> Path | None:
            found = sorted(folder.glob(f"*-Chair_{chair}-*.irm.sqlite")) if folder.exists() else []
            return found[0] if found else None

        def hr_after(chair: int, moment: float) -> bool:
            path = file_of(chair)
            return path is not None and bool(rows(path, "SELECT 1 FROM readings WHERE parameter='HR' AND value IS NOT "
                                                        "NULL AND host_time > ? LIMIT 1", moment))

        wait_for(lambda: all(hr_after(c, 0) for c in range(1, 5)), 60, "every chair's first heart rate", proc)
        killed = time.time()
        sim.kill()
        sim.wait(10)
        clock_at_kill = started + (killed - started) * speed  # the program's clock runs 5x from its start
        wait_for(lambda: rows(file_of(4), "SELECT 1 FROM link_events WHERE state='disconnected' AND host_time > ?",
                              clock_at_kill - 5 * speed), 30, "chair 4's link lost", proc)
        thirty_s = started + 30 * speed  # the clock's reading 30 real seconds after the start
        wait_for(lambda: all(hr_after(c, thirty_s) for c in (1, 2, 3)), 60, "30 s of the other chairs", proc)
        assert not rows(file_of(4), "SELECT 1 FROM readings WHERE host_time > ? AND parameter='HR'",
                        clock_at_kill + 5 * speed)  # nothing invented for the dead chair
        lost = {c: rows(file_of(c), "SELECT 1 FROM alarm_events WHERE condition='LINK_LOST'") for c in range(1, 5)}
        assert [bool(lost[c]) for c in (1, 2, 3)] == [False, False, False]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        stop(sim)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "Traceback" not in stderr, stderr[-3000:]
    for chair in range(1, 5):  # closing the room is no frozen display (the watchdog is stopped first)
        assert not rows(file_of(chair), "SELECT 1 FROM alarm_events WHERE condition='DISPLAY_FROZEN'")


# -- the room in this process: what the nurse sees and does ---------------------------------------------


@pytest.fixture
def room_of(tmp_path, qtbot) -> Iterator:
    made: list[tuple[RoomView, list, Annunciator, DisplayHeartbeat]] = []

    def make(ports: list[str], speed: float, *, silent: bool = True, chair_keys: str = "") -> RoomView:
        """As ``ui.room.app.run_room`` wires it: one annunciator following every chair, the
        display's heartbeat; ``silent``: a room with speakers (this machine has no sound card);
        ``chair_keys``: more keys of every chair (a treatment plan)."""
        room = room_from_text(room_text(ports, chair_keys=chair_keys), "room.toml", PROTOCOLS)
        beds = main.build_room(room, ScaledClock(speed), tmp_path / "recordings", "ketamine-infusion",
                               recording_required=False)
        annunciator = Annunciator(output="null" if silent else None)
        annunciator.start()
        heartbeat = DisplayHeartbeat(annunciator.heartbeat)
        heartbeat.start()
        for bed in beds:
            annunciator.follow(bed)
        settings = QSettings(str(tmp_path / "room.ini"), QSettings.Format.IniFormat)
        view = RoomView(room.name, beds, "dark", settings)
        view.annunciator = annunciator  # the test's handle on the room's sound
        made.append((view, beds, annunciator, heartbeat))
        qtbot.addWidget(view.window)
        view.start()
        view.window.resize(1920, 1080)
        view.window.show()
        return view

    yield make
    for view, beds, annunciator, heartbeat in made:
        heartbeat.stop()
        view.stop()
        for bed in beds:
            bed.stop("ended normally")
        annunciator.close()


def wanted(view: RoomView):
    """The highest priority any chair's alarm engine wants sounded: what the room must play."""
    return max((p for p in (bed.alarms.should_sound() for bed in view.beds) if p is not None), default=None)


def numbers_shown(view: RoomView) -> bool:
    return all(p.text is not None and p.text.big[0].value.isdigit() for p in view.overview.panels)


def test_four_readable_panels_and_a_killed_monitor_shows_link_lost_while_the_others_update(qtbot, room_of, tmp_path):
    speed = 5.0
    sim, address = start_simulator("--protocol", "datex", "--scenario", "stable", "--tcp", "127.0.0.1:0",
                                   "--speed", f"{speed:g}")
    try:
        view = room_of(["sim:ketamine-typical", "sim:hypertensive-episode", "sim:stable", address], speed)
        qtbot.waitUntil(lambda: numbers_shown(view), timeout=30000)
        shot = tmp_path / "room-4.png"
        assert view.window.grab().save(str(shot))
        panels = view.overview.panels
        assert [p.text.chair for p in panels] == ["Chair 1", "Chair 2", "Chair 3", "Chair 4"]
        assert all(p.width() >= 900 and p.height() >= 400 for p in panels)  # 2 x 2 on 1920 x 1080
        assert min(p.digits_px for p in panels) >= READABLE_PX
        assert all(p.text.receiving and p.flashing is None for p in panels)
        sim.kill()
        sim.wait(10)
        killed_at = view.beds[0].clock.now()
        qtbot.waitUntil(lambda: panels[3].text.link_word == "LINK LOST", timeout=20000)
        qtbot.waitUntil(lambda: "Chair 4: " in view.overview.alarm_bar.message.text(), timeout=20000)  # LINK_LOST
        assert panels[3].flashing == "medium"

        def updated_after_the_kill(panel) -> bool:
            hr = panel.snapshot.measurement("HR")
            return (panel.snapshot.at - killed_at).total_seconds() > 30 and hr.freshness is Freshness.CURRENT \
                and hr.age_s < 10
        qtbot.waitUntil(lambda: all(updated_after_the_kill(p) for p in panels[:3]), timeout=30000)
        assert all(p.text.receiving for p in panels[:3])
        assert not any(a.condition == "LINK_LOST" for p in panels[:3] for a in p.snapshot.alarms)
    finally:
        stop(sim)


def test_each_chair_is_opened_by_click_or_ctrl_number_and_its_controls_act_on_that_chair_only(
        qtbot, room_of, tmp_path, monkeypatch):
    import ui.app

    monkeypatch.setattr(ui.app, "confirm_start_despite", lambda *args, **kwargs: True)  # the nurse confirms
    scenario = alarm_scenario(tmp_path)  # HR 140/min from the start: HR HIGH
    # each chair's plan from the room file: Start (F2) starts at once, without the plan dialog
    view = room_of(["sim:stable", "sim:stable", f"sim:{scenario}"], 10.0, chair_keys="weight = 70\n")
    view.window.activateWindow()
    qtbot.waitActive(view.window)
    window, overview = view.window, view.overview
    qtbot.waitUntil(lambda: numbers_shown(view), timeout=30000)
    assert window.dashboards[1] is None or not window.dashboards[1].isVisible()
    qtbot.mouseClick(overview.panels[1], Qt.MouseButton.LeftButton)  # built now if it was not yet
    assert window.current_chair == 1 and window.dashboards[1].isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.current_chair is None and overview.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_chair == 0
    qtbot.waitUntil(lambda: all(c.view is not None for c in view.chairs), timeout=10000)
    first, second, third = (c.view.window for c in view.chairs)
    for chair in view.chairs:  # the dose plan dialog at Start: the nurse starts without one
        chair.view.treatment.dialogs.plan = lambda *args: PlanAnswer(START_WITHOUT_PLAN)
    beds = view.beds

    first.annotation_requested.emit("Nausea", "quick")
    qtbot.waitUntil(lambda: any(getattr(e, "text", "") == "Nausea" for e in beds[0].session.events), timeout=5000)
    assert not any(getattr(e, "text", "") == "Nausea" for e in beds[1].session.events)
    second.start_infusion_requested.emit()
    assert beds[1].session.phase is Phase.INFUSION and beds[0].session.phase is Phase.BASELINE
    second.stop_infusion_requested.emit()
    assert beds[1].session.phase is Phase.RECOVERY and beds[0].session.phase is Phase.BASELINE

    # chair 3's heart rate alarms: the room sounds it, its panel flashes, the others do not
    qtbot.waitUntil(lambda: wanted(view) is not None, timeout=30000)
    qtbot.waitUntil(lambda: overview.panels[2].flashing is not None, timeout=5000)
    assert [p.flashing for p in overview.panels[:2]] == [None, None], [p.snapshot.alarms for p in overview.panels[:2]]
    qtbot.waitUntil(lambda: view.annunciator.playing is not None, timeout=2000)  # chosen on the beds' threads
    assert view.annunciator.playing == wanted(view)
    assert overview.alarm_bar.message.text().split(" ", 1)[1].startswith("Chair 3: ")
    window.show_chair(2)
    third.audio_pause_requested.emit()
    assert beds[2].alarms.audio_pause_remaining_s() is not None and beds[0].alarms.audio_pause_remaining_s() is None
    third.acknowledge_requested.emit()
    qtbot.waitUntil(lambda: overview.panels[2].flashing is None, timeout=5000)
    assert all(a.silenced for a in beds[2].alarms.active())
    assert wanted(view) is None
    qtbot.waitUntil(lambda: view.annunciator.playing is None, timeout=2000)


def test_the_rooms_own_sound_failure_is_shown_once_and_acknowledged_once_for_every_chair(qtbot, room_of, tmp_path):
    """This machine has no sound card: the room's one sound process says so, every chair's engine
    raises AUDIO_UNAVAILABLE (each recording says its alarms could not be heard), and the room
    shows it once, acknowledged once."""
    view = room_of(["sim:stable", "sim:stable", "sim:stable", "sim:stable"], 5.0, silent=False)
    bar = view.overview.alarm_bar
    qtbot.waitUntil(lambda: bar.message.text().startswith("** Room: "), timeout=30000)
    assert "Chair" not in bar.message.text() and "Room:" not in bar.others.text()  # once, not once per chair
    assert all(p.flashing is None for p in view.overview.panels)  # no panel flashes for the room's fault
    assert all(any(a.condition is AlarmCondition.AUDIO_UNAVAILABLE for a in b.alarms.active()) for b in view.beds)
    assert bar.acknowledge.isVisible()
    view.window.activateWindow()
    qtbot.waitActive(view.window)
    qtbot.keyClick(view.window, Qt.Key.Key_F5)  # the overview's key for the bar's button
    qtbot.waitUntil(lambda: "acknowledged" in bar.message.text(), timeout=5000)
    assert all(a.silenced for b in view.beds for a in b.alarms.active()
               if a.condition is AlarmCondition.AUDIO_UNAVAILABLE)
    assert not bar.acknowledge.isVisible()
    for bed in view.beds:
        bed.stop("ended normally")
        assert rows(bed.recorder.path, "SELECT event FROM alarm_events WHERE condition='AUDIO_UNAVAILABLE'") \
            == [("raised",), ("acknowledged",)]


def test_closing_the_room_ends_the_sound_before_any_chair_is_stopped(qtbot, tmp_path, monkeypatch):
    """Stopping eight chairs takes seconds that the display watchdog took for a frozen display
    (a high DISPLAY_FROZEN in the last chairs' recordings, found by the benchmark): the sound
    process and its watchdog end first, then every chair, each with the reason."""
    from PySide6.QtCore import QTimer

    import ui.room.app
    from tests.test_annunciator import ToldSound
    from ui.room.app import run_room

    settings = QSettings(str(tmp_path / "room.ini"), QSettings.Format.IniFormat)  # not the user's
    monkeypatch.setattr(ui.room.app, "room_settings", lambda: settings)
    beds = main.build_room(room_from_text(room_text(["sim:stable"] * 3), "room.toml", PROTOCOLS),
                           ScaledClock(10), tmp_path, "ketamine-infusion", recording_required=False)
    told, order = ToldSound(), []
    monkeypatch.setattr(told, "stop", lambda: order.append("sound"))
    for bed in beds:
        monkeypatch.setattr(bed, "stop", lambda reason, bed=bed, stop=bed.stop: order.append(bed.name) or stop(reason))
    requests: list = []
    QTimer.singleShot(500, lambda: requests[0]("SIGTERM"))  # a logout: the stop signal's request
    assert run_room("Room 2", beds, "dark", Annunciator(lambda report: told), requests.append) == 0
    assert order == ["sound", "Chair 1", "Chair 2", "Chair 3"]
    assert told.beats > 0
