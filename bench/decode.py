"""Decode speed: each protocol's real host session fed the bytes its simulated monitor sends.

The byte streams are made once per run by the simulator devices (the same
encoders QA uses), from the ``hypertensive-episode`` scenario so every group
the decoders know (HR, NIBP, ART, SpO2/PR) is present. Each stream is cut into
the chunks a USB-serial adapter hands the driver: what arrives in one 16 ms
latency-timer period at the protocol's baud rate. A fresh session per run
then decodes every chunk through ``session.feed(chunk, now_s)``, exactly as the
driver does, and the time of that loop alone is measured as CPU time of this
process (``time.process_time``): decoding is one thread's work, and CPU time is
what "how many monitors could one core decode" asks; wall time on a shared
machine would also count the time other programs held the core.

The ratio to the wire is (bytes / line bytes per second) / decode time: how
many such lines one core could keep up with. Target: >= 1000x.

Warm and cold caches, both reported. *Warm*: 7 runs in one process after a warm-up run,
each with a fresh session; what the decoders keep across sessions (the IntelliVue
decoder's bounded caches of distinct objects, values and choices of sources) and
CPython's specialised bytecode are warm, as they are after a session's first
seconds. *Cold*: each run in a new Python process (``python -m bench.decode --cold
NAME``): the stream is made and the modules imported first, untimed, then the one
decode is timed with every cache empty and every function running for the first
time, as at a monitor's first minute.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import DATA, ROOT, Row, group_main, stat, verdict
from devices.protocols import LineSettings
from devices.simulator.replay import bytes_per_second

TARGET_RATIO = 1000.0
LATENCY_TIMER_S = 0.016  # FTDI default: what one read returns at line speed
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CAPTURE = DATA / "philips-intellivue-mib-rs232.raw"


@dataclass(frozen=True)
class Stream:
    name: str
    data: bytes
    settings: LineSettings
    make_session: Callable[[], object]
    note: str

    def chunk_size(self) -> int:
        """Bytes in one latency-timer period at line speed, rounded up to a power of two."""
        size = bytes_per_second(self.settings) * LATENCY_TIMER_S
        power = 1
        while power < size:
            power *= 2
        return power


def _scenario_run():
    from devices.simulator.scenario import ScenarioRun, load_scenario

    return ScenarioRun(load_scenario("hypertensive-episode"), seed=1, start=START)


def datex_stream(records: int) -> Stream:
    from devices.protocols.datex import LINE_SETTINGS, build_displ_request
    from devices.protocols.datex_session import DatexSession
    from devices.simulator.datex_device import DatexDevice

    run = _scenario_run()
    device = DatexDevice()
    device.feed(build_displ_request(5), 0.0)
    data = b"".join(e.data for e in device.due(5.0 * (records - 1), run.snapshot))
    return Stream("Datex S/5", data, LINE_SETTINGS, DatexSession, f"{records} DISPL records")


def masimo_stream(lines: int) -> Stream:
    from devices.protocols.masimo import LINE_SETTINGS, MasimoSession
    from devices.simulator.masimo_device import MasimoDevice

    run = _scenario_run()
    data = b"".join(e.data for e in MasimoDevice().due(float(lines - 1), run.snapshot))
    return Stream("Masimo", data, LINE_SETTINGS, MasimoSession, f"{lines} ASCII 1 lines")


def intellivue_stream(seconds: int) -> Stream:
    """Monitor-to-host bytes of a real association: the host session talks to the device."""
    from devices.protocols.intellivue import LINE_SETTINGS, IntelliVueSession
    from devices.simulator.intellivue_device import IntelliVueDevice

    run = _scenario_run()
    device, host = IntelliVueDevice(), IntelliVueSession()
    stream = bytearray()
    out = host.on_open(0.0)
    step = 0.1
    for i in range(int(seconds / step)):
        now = i * step
        emissions = device.feed(out, now) if out else []
        emissions += device.due(now, run.snapshot)
        for emission in emissions:
            stream += emission.data
            host.feed(emission.data, now)
        out = host.poll(now)
    return Stream("IntelliVue (simulated)", bytes(stream), LINE_SETTINGS, IntelliVueSession,
                  f"association + {seconds} s of 1 Hz numeric polls")


def capture_stream() -> Stream:
    from devices.protocols.intellivue import LINE_SETTINGS, IntelliVueSession

    return Stream("IntelliVue real capture", CAPTURE.read_bytes(), LINE_SETTINGS, IntelliVueSession,
                  "tests/data capture, 6 min of a real MP monitor")


def decode_once(stream: Stream, chunks: list[bytes]) -> tuple[float, int, int]:
    """Seconds for one fresh session to decode every chunk; frames and observations seen."""
    session = stream.make_session()
    session.on_open(0.0)
    feed = session.feed
    decoded = 0
    start = time.process_time()
    for chunk in chunks:
        decoded += len(feed(chunk, 0.0))
    elapsed = time.process_time() - start
    return elapsed, session.stats.frames_ok, decoded


def chunks_of(stream: Stream) -> list[bytes]:
    size = stream.chunk_size()
    return [stream.data[i : i + size] for i in range(0, len(stream.data), size)]


def measure(stream: Stream, runs: int) -> Row:
    chunks = chunks_of(stream)
    decode_once(stream, chunks)  # warm-up: imports, caches
    times, frames, decoded = [], 0, 0
    for _ in range(runs):
        gc.collect()
        elapsed, frames, decoded = decode_once(stream, chunks)
        times.append(elapsed)
    return _row(stream, "warm caches", times, frames, decoded, runs)


def measure_cold(name: str, stream: Stream, runs: int) -> Row:
    """Each run a new process that reads the stream's bytes from a file and imports the session's
    module (untimed), then decodes once: no decoder code has run in it before."""
    times, frames, decoded = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as folder:
        path = Path(folder) / "stream.bin"
        path.write_bytes(stream.data)
        for _ in range(runs):
            proc = subprocess.run([sys.executable, "-m", "bench.decode", "--cold", name, str(path)],
                                  cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            times.append(result["seconds"])
            frames, decoded = result["frames"], result["values"]
    return _row(stream, "cold caches, a new process each run", times, frames, decoded, runs)


def _row(stream: Stream, caches: str, times: list[float], frames: int, decoded: int, runs: int) -> Row:
    data = stream.data
    size = stream.chunk_size()
    wire_s = len(data) / bytes_per_second(stream.settings)
    t = stat(times)
    ratios = stat([wire_s / x for x in times])
    fps = stat([frames / x for x in times])
    mbps = stat([len(data) / x / 1e6 for x in times])
    how = (f"{stream.note}: {len(data) / 1e6:.2f} MB, {frames} frames, {decoded} values; "
           f"fed in {size}-byte chunks ({stream.settings.describe()}); {caches}; {runs} runs")
    measured = (f"{ratios.fmt(unit='x wire', digits=0)}; {fps.fmt(unit='frames/s', digits=0)}; "
                f"{mbps.fmt(unit='MB/s')}")
    return Row(
        what=f"decode: {stream.name}, {caches.split(',')[0]}", how=how, measured=measured,
        target=f">= {TARGET_RATIO:.0f}x wire", verdict=verdict(ratios.median >= TARGET_RATIO),
        numbers={"ratio": ratios.median, "ratio_spread": ratios.spread, "frames_per_s": fps.median,
                 "mb_per_s": mbps.median, "decode_s": t.median, "wire_s": wire_s, "frames": frames,
                 "values": decoded, "bytes": len(data), "chunk": size},
    )


def streams(quick: bool) -> dict[str, Callable[[], Stream]]:
    return {
        "datex": lambda: datex_stream(300 if quick else 2000),
        "masimo": lambda: masimo_stream(2000 if quick else 20000),
        "intellivue": lambda: intellivue_stream(120 if quick else 1200),
        "capture": capture_stream,
    }


def session_of(name: str) -> tuple[LineSettings, Callable[[], object]]:
    """The line settings and host session of a stream's protocol, imported and nothing run."""
    if name == "datex":
        from devices.protocols.datex import LINE_SETTINGS
        from devices.protocols.datex_session import DatexSession
        return LINE_SETTINGS, DatexSession
    if name == "masimo":
        from devices.protocols.masimo import LINE_SETTINGS, MasimoSession
        return LINE_SETTINGS, MasimoSession
    from devices.protocols.intellivue import LINE_SETTINGS, IntelliVueSession
    return LINE_SETTINGS, IntelliVueSession


def run(quick: bool) -> list[Row]:
    runs = 3 if quick else 7
    rows = []
    for name, make in streams(quick).items():
        stream = make()
        rows.append(measure(stream, runs))
        rows.append(measure_cold(name, stream, runs))
    return rows


def cold_child(name: str, path: Path) -> None:
    """``python -m bench.decode --cold NAME FILE``: one decode in this new process, printed as JSON."""
    settings, make_session = session_of(name)
    stream = Stream(name, path.read_bytes(), settings, make_session, "")
    chunks = chunks_of(stream)
    gc.collect()
    elapsed, frames, decoded = decode_once(stream, chunks)
    print(json.dumps({"seconds": elapsed, "frames": frames, "values": decoded}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--cold"]:
        cold_child(sys.argv[2], Path(sys.argv[3]))
    else:
        group_main("decode", run)
