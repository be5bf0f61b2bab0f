"""Bedsides for the central station benchmark: N real beds in one process, publishing to the broker.

Each bed is a real :class:`~monitor.bed.Bed` (no serial driver) with its real
recording and the real :class:`~central.publisher.BedPublisher`; a feeder posts
the simulator's readings (``hypertensive-episode``, with an arterial line, so
HR, PR, SpO2, ART sys/dia/mean and the cuff) once a second of real time, as a
monitor would. At the end it writes how many readings each bed recorded.

    python -m bench.central_beds --broker URL --first 1 --beds 10 --duration S --folder DIR --out FILE
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from central.broker import broker_settings
from central.publisher import BedPublisher, recording_path
from central.state import ChairState
from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.alarms import DEFAULT_PROFILE, load_profile
from monitor.bed import Bed, BedConfig
from monitor.clock import ScaledClock
from monitor.parameters import UNITS
from monitor.readings import Parameter, Reading
from monitor.recording import SessionRecorder


def readings(run: ScenarioRun, elapsed_s: float, now: datetime) -> list[Reading]:
    snap = run.snapshot(elapsed_s)
    values = {Parameter.HR: snap.hr, Parameter.PR: snap.pr, Parameter.SPO2: snap.spo2}
    if snap.art is not None:
        values.update(zip((Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN), snap.art, strict=True))
    if snap.nibp is not None:
        values.update({Parameter.NIBP_SYS: snap.nibp.sys, Parameter.NIBP_DIA: snap.nibp.dia,
                       Parameter.NIBP_MEAN: snap.nibp.mean})
    return [Reading(p, round(v), UNITS[p], now, "datex") for p, v in values.items() if v is not None]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True)
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--beds", type=int, default=10)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    clock = ScaledClock()
    profile = load_profile(DEFAULT_PROFILE)
    settings = broker_settings(args.broker)
    beds, publishers = [], []
    for n in range(args.first, args.first + args.beds):
        name = f"Chair-{n}"
        bed = Bed(BedConfig(name, "bench:", "datex", clock, profile))
        bed.record_to(SessionRecorder(args.folder / f"{name}.irm.sqlite", {"program": "bench"}))
        publisher = BedPublisher(bed, settings, "bench", name, ChairState(name, "", bed.session, bed.alarms),
                                 recording=lambda bed=bed: recording_path(bed))
        bed.subscribe(publisher)
        publisher.start()
        bed.start()
        beds.append(bed)
        publishers.append(publisher)
    runs = [ScenarioRun(load_scenario("hypertensive-episode"), seed=n, start=datetime.now(UTC)) for n in range(len(beds))]
    stop = threading.Event()
    start = clock.monotonic()
    second = 0
    while second < args.duration:
        for bed, run in zip(beds, runs, strict=True):
            for reading in readings(run, 300 + second * 3, clock.now()):  # the scenario at 3x: more to see
                bed.post(reading)
        second += 1
        clock.wait(stop, start + second - clock.monotonic())
    counts = {}
    for bed, publisher in zip(beds, publishers, strict=True):
        bed.stop()
        publisher.stop(drain_s=60)
        counts[bed.name] = {"owed": publisher.owed()}
    for bed in beds:
        with sqlite3.connect(recording_path(bed)) as db:
            counts[bed.name]["recorded"] = db.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
    args.out.write_text(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
