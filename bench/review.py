"""Review and export: long recordings opened, drawn and exported; the same data through vitaldb.

Recordings are generated with the product's own writer, :class:`monitor.recording.SessionRecorder`:
every parameter (HR, PR, SpO2, NIBP and ART sys/dia/mean) at 1 Hz for 8 and 24
hours, as a Datex monitor repeating its record every second would give (NIBP: the
last cuff result, a new one every 5 minutes, repeated every second), plus the
phases (baseline, a 40-minute infusion, recovery, ended), a note every hour and
a handful of alarm events, and the session metadata ``infusion-monitor live`` writes.

* Review: ``ui.review.review_window.open_review(path)`` (opens, checks every page,
  loads every series and builds the chart), then the window is shown and the time
  runs until the chart's first Paint event: open *and draw*.
* Peer: the same 8 hours written as ``.vital`` by ``vitaldb.VitalFile.to_vital``
  and read back by ``vitaldb.VitalFile(path)`` plus ``to_numpy`` of every track at
  1 s; against ``open_recording(path, preload=True)`` plus ``series`` of every parameter (the arrays
  a chart draws). Runs alternate A, B, A, B; the figure is the median per-pair
  ratio (vitaldb time / ours).
* Export: ``monitor.export.export(path, fmt, out)`` to a new file, per format.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import INFO, MISS, Row, group_main, scratch_dir, stat, verdict

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TARGET_REVIEW_S = {8: 1.0, 24: 2.0}
TARGET_EXPORT_S = {"csv": 1.0, "edf": 2.0, "pdf": 3.0}


NIBP_INTERVAL_S = 300  # the cuff measures every 5 minutes; the monitor repeats the result meanwhile


def _pressures(t: float) -> tuple[int, int]:
    slow = math.sin(t / 1800.0)
    jitter = math.sin(t * 0.731) + math.sin(t * 0.173)
    return round(128 + 12 * slow + jitter), round(80 + 6 * slow)


def _values(t: int) -> dict:
    """Plausible 1 Hz values at ``t`` seconds, all parameters: slow waves plus a little jitter.

    NIBP is what a monitor sends every second: the last cuff result, a new one every
    5 minutes, flagged "older than 60 s" after its first minute (so the recording has
    one NIBP measurement per cuff cycle, as a real one, not one per second).
    """
    from monitor.readings import Parameter as P
    from monitor.readings import Quality

    slow = math.sin(t / 1800.0)
    jitter = math.sin(t * 0.731) + math.sin(t * 0.173)
    hr = round(74 + 8 * slow + jitter)
    sys_, dia = _pressures(t)
    cuff_at = t - t % NIBP_INTERVAL_S
    nibp_sys, nibp_dia = _pressures(cuff_at)
    nibp = Quality.OLDER_THAN_60S if t - cuff_at > 60 else Quality.NONE
    return {
        P.HR: (hr, Quality.NONE), P.PR: (hr + (1 if jitter > 1 else 0), Quality.NONE),
        P.SPO2: (97 + (1 if jitter > 0 else 0), Quality.NONE),
        P.NIBP_SYS: (nibp_sys, nibp), P.NIBP_DIA: (nibp_dia, nibp),
        P.NIBP_MEAN: (round((nibp_sys + 2 * nibp_dia) / 3), nibp),
        P.ART_SYS: (sys_, Quality.NONE), P.ART_DIA: (dia, Quality.NONE),
        P.ART_MEAN: (round((sys_ + 2 * dia) / 3), Quality.NONE),
    }


def make_recording(path: Path, hours: float) -> int:
    """Write a recording of ``hours`` with the product's recorder; returns the readings written."""
    from monitor.alarms.model import AlarmCondition, AlarmEvent, EventType, Priority
    from monitor.readings import UNITS, Reading
    from monitor.recording import SessionRecorder
    from monitor.session import Annotation, Phase, PhaseChange

    seconds = int(hours * 3600)
    metadata = {
        "program": "infusion-monitor", "program_version": "bench", "started_at": START.isoformat(),
        "port": "sim:bench", "protocol": "datex", "patient_id": "BENCH-1", "clock_speed": "1",
        "planned_infusion_s": "2400", "alarm_profile": "ketamine-infusion",
    }
    recorder = SessionRecorder(path, metadata)
    at = lambda s: START + timedelta(seconds=s)
    recorder.add(PhaseChange(Phase.BASELINE, at(0), "nurse"))
    recorder.add(PhaseChange(Phase.INFUSION, at(600), "nurse"))
    recorder.add(PhaseChange(Phase.RECOVERY, at(3000), "nurse"))
    for hour in range(int(hours)):
        recorder.add(Annotation(at(hour * 3600 + 900), f"Note {hour + 1}: patient comfortable", "free"))
    for k, s in enumerate(range(1800, seconds, 7200)):
        for event in (EventType.RAISED, EventType.ACKNOWLEDGED, EventType.CLEARED):
            recorder.add(AlarmEvent(at(s + 30 * list(EventType).index(event)), AlarmCondition.HR_HIGH,
                                    Priority.MEDIUM, event, value=112.0 + k % 5, limit=110.0, phase="recovery"))
    written = 0
    for s in range(seconds):
        when = at(s)
        for parameter, (value, quality) in _values(s).items():
            recorder.add(Reading(parameter, float(value), UNITS[parameter], when, "datex", quality, device_time=when))
            written += 1
    recorder.add(PhaseChange(Phase.ENDED, at(seconds), "nurse"))
    recorder.close()
    return written


def _wait_painted(app, widget, timeout_s: float = 30.0) -> None:
    from PySide6.QtCore import QEvent, QObject

    seen = []

    class Watch(QObject):
        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                seen.append(True)
            return False

    watch = Watch()
    widget.installEventFilter(watch)
    deadline = time.perf_counter() + timeout_s
    while not seen:
        app.processEvents()
        if time.perf_counter() > deadline:
            raise RuntimeError("the review chart was never painted")
    widget.removeEventFilter(watch)


def review_row(app, path: Path, hours: int, runs: int) -> Row:
    what = f"review: open and draw {hours} h"
    target = f"<= {TARGET_REVIEW_S[hours]:g} s"
    try:
        from ui.review.review_window import open_review
    except ImportError as exc:
        return Row.not_measured(what, "ui.review", target, f"review window not available yet ({exc})")
    times = []
    for _ in range(runs + 1):  # the first run imports the review modules: not counted
        t0 = time.perf_counter()
        window = open_review(path, "dark")
        window.resize(1600, 900)
        window.show()
        _wait_painted(app, window.chart.plot_widget.viewport())
        times.append(time.perf_counter() - t0)
        window.close()
        window.deleteLater()
        app.processEvents()
    s = stat(times[1:])
    return Row(
        what, f"all 9 parameters at 1 Hz ({hours * 3600 * 9:,} readings); open_review() -> shown -> first "
        f"Paint of the chart, 1600x900; {runs} runs after a warm-up", s.fmt(unit="s"), target,
        verdict(s.median <= TARGET_REVIEW_S[hours]), {"median_s": s.median, "spread_s": s.spread},
    )


def _ours(path: Path) -> float:
    from monitor.review.reader import open_recording

    t0 = time.perf_counter()
    with open_recording(path, preload=True) as recording:  # as the review window opens it
        for parameter in recording.parameters():
            recording.series(parameter)
    return time.perf_counter() - t0


def _theirs(path: Path, names: list[str]) -> float:
    import vitaldb

    t0 = time.perf_counter()
    vf = vitaldb.VitalFile(str(path))
    vf.to_numpy(names, 1)
    return time.perf_counter() - t0


def write_vital(recording_path: Path, out: Path) -> list[str]:
    """The recording's readings as a .vital file made by vitaldb's own writer."""
    import vitaldb

    from monitor.readings import UNITS
    from monitor.review.reader import open_recording

    vf = vitaldb.VitalFile()
    names = []
    with open_recording(recording_path) as recording:
        for parameter in recording.parameters():
            times, values = recording.series(parameter)
            name = f"Bench/{parameter.value}"
            vf.add_track(name, [{"dt": float(t), "val": float(v)} for t, v in zip(times, values, strict=True)],
                         unit=UNITS[parameter])
            names.append(name)
        vf.dtstart, vf.dtend = recording.start, recording.end
    vf.to_vital(str(out))
    return names


def peer_row(path: Path, tmp: Path, runs: int) -> Row:
    what = "review vs vitaldb: open + every track as arrays, 8 h"
    target = "faster than vitaldb (ratio > 1)"
    if importlib.util.find_spec("vitaldb") is None:
        return Row.not_measured(what, "vitaldb", target,
                                "vitaldb is not installed (make bench installs it: pip install -e '.[bench]')")
    vital = tmp / "bench-8h.vital"
    names = write_vital(path, vital)
    _ours(path), _theirs(vital, names)  # warm-up both
    ours, theirs, ratios = [], [], []
    for _ in range(runs):
        a, b = _ours(path), _theirs(vital, names)
        ours.append(a)
        theirs.append(b)
        ratios.append(b / a)
    r, o, t = stat(ratios), stat(ours), stat(theirs)
    return Row(
        what, f"same 8 h data: our recording ({path.stat().st_size / 1e6:.1f} MB SQLite) vs .vital by vitaldb "
        f"{importlib.metadata.version('vitaldb')} ({vital.stat().st_size / 1e6:.1f} MB); {runs} alternating pairs",
        f"{r.fmt(unit='x', digits=1)} (ours {o.fmt(unit='s')}; vitaldb {t.fmt(unit='s')})", target,
        verdict(r.median > 1.0),
        {"ratio": r.median, "ratio_spread": r.spread, "ours_s": o.median, "vitaldb_s": t.median},
    )


def export_rows(path: Path, tmp: Path, runs: int) -> list[Row]:
    rows = []
    try:
        from ui.report import export
    except ImportError as exc:
        return [Row.not_measured(f"export 8 h to {fmt.upper()}", "monitor.export", f"<= {limit:g} s",
                                 f"export not available yet ({exc})") for fmt, limit in TARGET_EXPORT_S.items()]
    for fmt, limit in TARGET_EXPORT_S.items():
        what = f"export 8 h to {'EDF+' if fmt == 'edf' else fmt.upper()}"
        try:
            export(path, fmt, tmp / f"warm.{fmt}")  # imports the format's libraries: not counted
            times, size = [], 0
            for i in range(runs):
                out = tmp / f"run{i}.{fmt}"
                t0 = time.perf_counter()
                written = export(path, fmt, out)
                times.append(time.perf_counter() - t0)
                size = sum(p.stat().st_size for p in written)
        except Exception as exc:  # noqa: BLE001 (the exporter is under development: say what broke)
            rows.append(Row.not_measured(what, "monitor.export.export", f"<= {limit:g} s", f"{type(exc).__name__}: {exc}"))
            continue
        s = stat(times)
        rows.append(Row(
            what, f"monitor.export.export(recording, '{fmt}', new file); {size / 1e6:.1f} MB written; {runs} runs",
            s.fmt(unit="s"), f"<= {limit:g} s", verdict(s.median <= limit), {"median_s": s.median, "spread_s": s.spread},
        ))
    return rows


def run(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = scratch_dir("review")
    rows: list[Row] = []
    paths = {}
    for hours in (8, 24):
        path = tmp / f"bench-{hours}h.irm.sqlite"
        t0 = time.perf_counter()
        count = make_recording(path, 1 if quick else hours)
        paths[hours] = path
        rows.append(Row(f"(setup) {hours} h recording written by SessionRecorder",
                        f"{count:,} readings + events" + (" (--quick: 1 h only)" if quick else ""), f"{time.perf_counter() - t0:.1f} s, "
                        f"{path.stat().st_size / 1e6:.1f} MB", "-", INFO))
    for hours, runs in ((8, 3 if quick else 5), (24, 2 if quick else 3)):
        try:
            rows.append(review_row(app, paths[hours], hours, runs))
        except Exception as exc:  # noqa: BLE001 (report it as a row, keep measuring)
            rows.append(Row.not_measured(f"review: open and draw {hours} h", "", f"<= {TARGET_REVIEW_S[hours]:g} s",
                                         f"{type(exc).__name__}: {exc}"))
    try:
        rows.append(peer_row(paths[8], tmp, 3 if quick else 5))
    except Exception as exc:  # noqa: BLE001 (report it as a row, keep measuring)
        rows.append(Row("review vs vitaldb", "", f"not measured: {type(exc).__name__}: {exc}", "ratio > 1", MISS))
    rows += export_rows(paths[8], tmp, 2 if quick else 3)
    return rows


if __name__ == "__main__":
    group_main("review", run)
