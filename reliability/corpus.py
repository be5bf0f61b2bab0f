"""Valid frames of every protocol, each with what a fresh host session decodes from it.

The fuzzers mutate these. Frames come from the simulated monitors (the same
encoders the simulator puts on the wire) driven by built-in scenarios chosen
for variety: an arterial line, NIBP measuring, sensor off and invalid values.
IntelliVue also gets every frame of the real monitor capture in ``tests/data``.

``expected`` is what a fresh, primed session decodes from the frame alone, so
"decoded" can be compared exactly, in order, with quality flags and times.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devices.protocols import ProtocolSession
from devices.protocols import datex_layout as layout
from devices.protocols.datex import encode_frame as datex_frame
from devices.protocols.datex_session import DatexSession
from devices.protocols.intellivue import IntelliVueSession
from devices.protocols.intellivue.framing import Deframer as IntelliVueDeframer
from devices.protocols.intellivue.framing import encode_frame as intellivue_frame
from devices.protocols.masimo import MasimoSession
from devices.protocols.plausibility import screen
from devices.simulator.datex_record import encode_displ_record
from devices.simulator.intellivue_device import IntelliVueDevice
from devices.simulator.masimo_device import encode_line
from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.readings import DeviceStatus, Observation

ROOT = Path(__file__).resolve().parent.parent
REAL_CAPTURE = ROOT / "tests" / "data" / "philips-intellivue-mib-rs232.raw"
START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SCENARIOS = ("hypertensive-episode", "sensor-off", "ketamine-typical")

Decoded = Observation | DeviceStatus


def key(item: Decoded) -> tuple:
    """What must agree between two decodes: everything the user or the recording sees."""
    if isinstance(item, Observation):
        return ("obs", item.parameter.value, item.value, item.quality.value, item.device_time)
    return ("status", item.conditions, item.device_time)


@dataclass(frozen=True)
class Frame:
    wire: bytes  # the complete frame as on the line (flags, escapes, checksum)
    payload: bytes  # what the checksum protects: Datex record, IntelliVue user data, Masimo line
    expected: tuple[tuple, ...]  # keys of what a fresh primed session decodes from it
    source: str


@dataclass(frozen=True)
class Corpus:
    protocol: str
    frames: tuple[Frame, ...]  # the frames to mutate and to use as sentinels
    prelude: tuple[bytes, ...]  # wire frames a fresh session is fed first (IntelliVue: AARE, MDS)
    new_session: Callable[[], ProtocolSession]
    encode: Callable[[bytes], bytes]  # payload -> wire frame with a valid checksum

    def session(self) -> ProtocolSession:
        """A fresh host session in the state it has after a normal start."""
        session = self.new_session()
        session.on_open(0.0)
        for wire in self.prelude:
            session.feed(wire, 0.0)
        if self.protocol == "masimo":
            session.feed(b"\r\n", 0.0)  # the first (partial) line after opening is dropped
        return session

    def decode(self, wire: bytes) -> tuple[tuple, ...]:
        return tuple(key(d) for d in screen(self.session().feed(wire, 0.0)))

    @property
    def sentinels(self) -> tuple[Frame, ...]:
        """Frames that decode to at least one value (a frame that yields nothing proves nothing)."""
        return tuple(f for f in self.frames if f.expected)


def _snapshots(step_s: float) -> list:
    snaps = []
    for name in SCENARIOS:
        run = ScenarioRun(load_scenario(name), seed=3, start=START)
        duration = run.scenario.duration_s or 3600.0
        t = 0.0
        while t < duration:
            snaps.append(run.snapshot(t))
            t += step_s
    return snaps


def _finish(protocol: str, raw: list[tuple[bytes, bytes, str]], prelude: tuple[bytes, ...],
            new_session: Callable[[], ProtocolSession], encode: Callable[[bytes], bytes]) -> Corpus:
    """Attach each frame's clean decode; the prelude frames are damaged too (a bad MDS time base)."""
    draft = Corpus(protocol, (), prelude, new_session, encode)
    unframe = _user_data if protocol == "intellivue" else (lambda wire: wire)
    raw = [(wire, unframe(wire), "prelude") for wire in prelude] + raw
    frames = tuple(Frame(wire, payload, draft.decode(wire), source) for wire, payload, source in raw)
    return Corpus(protocol, frames, prelude, new_session, encode)


@functools.cache
def datex() -> Corpus:
    raw = []
    for i, snap in enumerate(_snapshots(97.0)):
        class_bf = (layout.CLASS_BF_ALL, 0x00, layout.CLASS_BF_EXT1)[i % 3]
        record = encode_displ_record(snap, r_nbr=i, class_bf=class_bf)
        raw.append((datex_frame(record), record, "simulator"))
    return _finish("datex", raw, (), DatexSession, datex_frame)


@functools.cache
def masimo() -> Corpus:
    raw = []
    for snap in _snapshots(41.0):
        line = encode_line(snap)
        raw.append((line, line, "simulator"))
    # lines as real monitors send them (spec examples): other fields, other orders
    for line in (
        b"02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% SPCO=--.-% SPMET=--.-%"
        b" DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800\r\n",
        b"09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n",
        b"11/03/12 10:01:02 SN=0000012345 SPO2=---% BPM=---  PI=--.--% ALARM=0000 EXC=000820\r\n",
    ):
        raw.append((line, line, "spec example"))
    return _finish("masimo", raw, (), MasimoSession, lambda payload: payload)


def _intellivue_simulated(seconds: float) -> tuple[tuple[bytes, ...], list[tuple[bytes, bytes, str]]]:
    """Run a host session against the simulated monitor in memory; keep every frame it sent."""
    run = ScenarioRun(load_scenario("hypertensive-episode"), seed=3, start=START)
    session, device = IntelliVueSession(), IntelliVueDevice()
    prelude: list[bytes] = []
    frames: list[tuple[bytes, bytes, str]] = []
    outgoing = session.on_open(0.0)
    t = 0.0
    while t <= seconds:
        emissions = device.feed(outgoing, t) + device.due(t, lambda s: run.snapshot(1500.0 + 7 * s))
        for emission in emissions:
            if len(prelude) < 2:
                prelude.append(emission.data)
            else:
                frames.append((emission.data, _user_data(emission.data), "simulator"))
            session.feed(emission.data, t)
        outgoing = session.poll(t)
        t += 0.25
    return tuple(prelude), frames


def _user_data(wire: bytes) -> bytes:
    [frame] = IntelliVueDeframer().feed(wire)
    return frame.user_data


def _intellivue_capture(limit: int) -> tuple[tuple[bytes, ...], list[tuple[bytes, bytes, str]]]:
    """Frames of the real capture: the AARE and MDS Create Event first, then what follows."""
    frames = [f.user_data for f in IntelliVueDeframer().feed(REAL_CAPTURE.read_bytes())]
    wires = [intellivue_frame(ud) for ud in frames]
    return tuple(wires[:2]), [(w, ud, "real capture") for w, ud in zip(wires[2:limit], frames[2:limit])]


def corpora(protocol: str) -> list[Corpus]:
    """Every corpus of a protocol (IntelliVue: simulated and real capture, each with its prelude)."""
    if protocol == "datex":
        return [datex()]
    if protocol == "masimo":
        return [masimo()]
    sim, real = _intellivue_pair()
    return [sim] if real is None else [sim, real]


@functools.cache
def _intellivue_pair() -> tuple[Corpus, Corpus | None]:
    prelude, frames = _intellivue_simulated(120.0)
    sim = _finish("intellivue", frames, prelude, IntelliVueSession, intellivue_frame)
    if not REAL_CAPTURE.is_file():
        return sim, None
    real_prelude, real = _intellivue_capture(400)
    return sim, _finish("intellivue", real, real_prelude, IntelliVueSession, intellivue_frame)


PROTOCOLS = ("datex", "masimo", "intellivue")
