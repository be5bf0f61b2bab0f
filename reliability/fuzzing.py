"""The mutation fuzzer: valid frames of every protocol, damaged, through the real host sessions.

For every input it checks the properties of docs/RELIABILITY.md:

1. no exception escapes the session (nor the plausibility screen the driver applies);
2. a frame that fails any framing check yields nothing, and every frame that passes
   decodes exactly as it would on a clean line: the session's output equals what a
   fresh session decodes from the frames the independent reference checks
   (:mod:`reliability.oracles`) accept, whatever the chunking;
3. decoding resumes at the next valid frame: two intact frames sent after the damaged
   one both decode (Masimo: the second, and the first too unless the damaged line lost
   its line end, since text lines have no start marker);
4. no number outside the plausible ranges is ever shown.

Three modes: ``byte`` damages a whole wire frame (flags, escapes, checksum and all);
``structure`` damages what the checksum protects and then frames it with a *valid*
checksum, which is what a checksum collision or a monitor bug delivers to the parser;
``random`` feeds random bytes. Every input is reproducible from (seed, protocol, index).
"""

from __future__ import annotations

import functools
import logging
import random
import traceback
from collections import Counter
from dataclasses import dataclass, field

from devices.protocols.datex import decode_record
from devices.protocols.intellivue.messages import parse_message
from devices.protocols.intellivue.polling import PollReply
from devices.protocols.intellivue.wire import DecodeError
from devices.protocols.masimo import observations, parse_line
from devices.protocols.plausibility import is_plausible, screen
from monitor.readings import Observation
from reliability import corpus as corpora_module
from reliability import oracles
from reliability.corpus import Corpus, Frame, key
from reliability.mutate import chunks, mutate

MODES = ("byte", "structure", "random")
MODE_SHARE = {"byte": 0.6, "structure": 0.3, "random": 0.1}
MAX_FAILURES_KEPT = 20


@dataclass
class Failure:
    protocol: str
    mode: str
    seed: int
    index: int
    ops: tuple[str, ...]
    problem: str
    stream_hex: str

    def __str__(self) -> str:
        return (
            f"{self.protocol} {self.mode} input {self.index} (seed {self.seed}, ops {'+'.join(self.ops)}): "
            f"{self.problem}\n  stream: {self.stream_hex[:400]}"
        )


@dataclass
class Figures:
    protocol: str
    counts: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)  # why damaged frame candidates were rejected
    failures: list[Failure] = field(default_factory=list)

    def merge(self, other: Figures) -> None:
        self.counts.update(other.counts)
        self.reasons.update(other.reasons)
        self.failures.extend(other.failures[: MAX_FAILURES_KEPT - len(self.failures)])

    @property
    def inputs(self) -> int:
        return sum(self.counts[f"inputs:{mode}"] for mode in MODES)


class _Problem(Exception):
    pass


def _pick_mode(rng: random.Random) -> str:
    x = rng.random()
    if x < MODE_SHARE["byte"]:
        return "byte"
    return "structure" if x < MODE_SHARE["byte"] + MODE_SHARE["structure"] else "random"


def _without_time(keys: list[tuple] | tuple[tuple, ...]) -> list[tuple]:
    return [k[:-1] for k in keys]


def _by_parameter(keys: tuple[tuple, ...] | list[tuple]) -> dict[str, tuple]:
    return {k[1]: k for k in keys if k[0] == "obs"}


@dataclass
class Case:
    """One seeded input: a damaged frame, two intact ones after it, as the port hands them over."""

    mode: str
    victim: Frame
    damaged: bytes
    s1: Frame
    s2: Frame
    pieces: list[bytes]
    ops: tuple[str, ...]

    @property
    def stream(self) -> bytes:
        return b"".join(self.pieces)


def make_case(c: Corpus, rng: random.Random, mode: str) -> Case:
    """The input, drawn from ``rng`` alone (so (seed, protocol, index) reproduces it)."""
    victim: Frame = rng.choice(c.frames)
    s1, s2 = rng.sample(c.sentinels, 2)
    while c.protocol == "intellivue" and _same_reply(victim, s1, s2):
        s1, s2 = rng.sample(c.sentinels, 2)
    if mode == "random":
        damaged, ops = rng.randbytes(rng.randint(0, 1500)), ("random-stream",)
    elif mode == "structure" and c.protocol != "masimo":
        payload, ops = mutate(victim.payload, rng, c.protocol)
        damaged = c.encode(payload)
    else:
        damaged, ops = mutate(victim.wire, rng, c.protocol)
    return Case(mode, victim, damaged, s1, s2, chunks(damaged + s1.wire + s2.wire, rng), ops)


def _same_reply(victim: Frame, s1: Frame, s2: Frame) -> bool:
    """Whether two of the frames belong to one IntelliVue poll reply (a RORLS chain).

    The session forwards one source per parameter per reply (``SourceSelector``), so a
    frame of a reply that already went by is rightly not shown again: the sentinels must
    come from other replies than the damaged frame and each other, or "resumes at the next
    valid frame" would demand that a repeated frame be shown twice.
    """
    keys = [_reply_key(f.payload) for f in (victim, s1, s2)]
    return keys[1] == keys[2] or (keys[0] is not None and keys[0] in keys[1:])


@functools.cache
def _reply_key(payload: bytes) -> tuple[int, int, int] | None:
    try:
        message = parse_message(payload)
    except DecodeError:
        return None
    if not isinstance(message, PollReply):
        return None
    return (message.invoke_id, message.poll_number, message.rel_time)


def run_case(c: Corpus, rng: random.Random, mode: str, figures: Figures) -> Case:
    """One seeded input; raises _Problem (or what the code under test raises) when a property fails."""
    case = make_case(c, rng, mode)
    check(c, mode, case.victim, case.damaged, case.s1, case.s2, case.pieces, figures)
    return case


def check(c: Corpus, mode: str, victim: Frame, damaged: bytes, s1: Frame, s2: Frame,
          pieces: list[bytes], figures: Figures) -> None:
    """The properties, for ``damaged`` followed by two intact frames, fed in ``pieces``."""
    protocol = c.protocol
    stream = b"".join(pieces)
    assert stream == damaged + s1.wire + s2.wire
    figures.counts[f"inputs:{mode}"] += 1
    figures.counts["bytes"] += len(stream)

    session = c.session()
    produced: list = []
    for piece in pieces:
        produced += session.feed(piece, 0.0)
    figures.counts["implausible flagged"] += _implausible(produced)  # IntelliVue: the driver screens
    produced = screen(produced)  # what the driver does before anything is shown
    got = [key(item) for item in produced]

    for item in produced:
        if isinstance(item, Observation) and item.value is not None:
            if not is_plausible(item.parameter, item.value):
                raise _Problem(f"implausible number shown: {item.parameter.value} = {item.value}")

    verdicts = list(oracles.CHECKS[protocol](stream))
    accepted = [payload for payload, _ in verdicts if payload is not None]
    if accepted == [s1.payload, s2.payload]:  # the usual case: only the intact frames pass
        expected = list(s1.expected) + list(s2.expected)  # decoded alone, from a fresh session
    elif accepted == [s2.payload]:
        expected = list(s2.expected)
    else:  # decode what the reference accepts, in order, in one fresh session (state carries over)
        reference = c.session()
        expected = [key(x) for x in screen(reference.feed(b"".join(c.encode(p) for p in accepted), 0.0))]
    if got != expected:
        raise _Problem(
            f"decoded {len(got)} items, the reference checks allow {len(expected)}: "
            f"first difference {_first_difference(got, expected)}"
        )

    lost_line_end = protocol == "masimo" and not damaged.endswith(b"\n") and bool(damaged.strip(b"\r\n"))
    tail = list(s2.expected) if lost_line_end else list(s1.expected) + list(s2.expected)
    compare = _without_time if (protocol == "intellivue" and mode == "structure") else list
    if compare(got[len(got) - len(tail):]) != compare(tail):
        raise _Problem("decoding did not resume at the next valid frame")
    figures.counts["resumed"] += 1
    figures.counts["frames decoded"] += len(accepted)
    figures.counts["items decoded"] += len(got)

    own_decoded = got[: len(got) - len(tail)]
    _tally(protocol, victim, mode, verdicts, accepted, s1, s2, lost_line_end, own_decoded, figures)


def _tally(protocol: str, victim: Frame, mode: str, verdicts: list, accepted: list, s1: Frame, s2: Frame,
           lost_line_end: bool, decoded: list[tuple], figures: Figures) -> None:
    """Figures for the report: what the checks caught, and what got through them."""
    own = list(accepted)
    for sentinel in (s2, s1):  # a Masimo line after junk that ends in blanks is still that line
        if own and (own[-1] == sentinel.payload or (
                protocol == "masimo" and own[-1].strip(b" \t\r\n") == sentinel.payload.strip(b" \t\r\n"))):
            own.pop()
    rejected = [reason for payload, reason in verdicts if payload is None]
    figures.reasons.update(f"{mode}:{reason}" for reason in rejected)
    if mode == "random":
        figures.counts["random:frames accepted"] += len(own)
        return
    if not own:
        figures.counts[f"{mode}:rejected by a check"] += 1
        return
    changed = [p for p in own if p != victim.payload]
    if not changed:
        figures.counts[f"{mode}:accepted unchanged (harmless damage)"] += 1
        return
    figures.counts[f"{mode}:accepted with changed content"] += 1
    figures.counts["implausible flagged"] += sum(_unscreened_implausible(protocol, p) for p in changed)
    before = _by_parameter(victim.expected)
    if not decoded:  # what the damaged frame(s) decoded to, before the two intact frames
        figures.counts[f"{mode}:changed frame decoded to nothing"] += 1
    else:
        for parameter, now in _by_parameter(decoded).items():
            was = before.get(parameter)
            value, old = now[2], (was[2] if was else None)
            if value is not None and old is not None and value != old:
                figures.counts[f"{mode}:wrong number shown"] += 1
            elif value is not None and old is None:
                figures.counts[f"{mode}:number where the monitor sent none"] += 1
            elif value is None and old is not None:
                figures.counts[f"{mode}:number withheld (invalid, implausible or special)"] += 1
            elif was is not None and now[4] != was[4]:
                figures.counts[f"{mode}:right value, wrong device time"] += 1


def _implausible(items: list) -> int:
    """Numbers the plausibility screen will withhold."""
    return sum(1 for item in items if isinstance(item, Observation) and item.value is not None
               and not is_plausible(item.parameter, item.value))


def _unscreened_implausible(protocol: str, payload: bytes) -> int:
    """Implausible numbers in one accepted payload before the screen that the Datex and
    Masimo sessions apply themselves (so the count shows what the screen caught)."""
    if protocol == "datex":
        return _implausible(decode_record(payload))
    if protocol == "masimo":
        line = parse_line(payload)
        return 0 if line is None else _implausible(observations(line))
    return 0  # IntelliVue's session does not screen: counted from its own output in check()


def _first_difference(got: list, expected: list) -> str:
    for i, (a, b) in enumerate(zip(got, expected)):
        if a != b:
            return f"at {i}: got {a}, expected {b}"
    return f"lengths {len(got)} vs {len(expected)}"


def run(protocol: str, inputs: int, seed: int = 1, start: int = 0) -> Figures:
    """``inputs`` fuzz inputs for ``protocol``, numbered from ``start`` (for splitting across processes)."""
    figures = Figures(protocol)
    pool = corpora_module.corpora(protocol)
    logging.disable(logging.WARNING)  # every rejected frame is logged; millions of them here
    try:
        _run(protocol, inputs, seed, start, pool, figures)
    finally:
        logging.disable(logging.NOTSET)
    return figures


def _run(protocol: str, inputs: int, seed: int, start: int, pool: list[Corpus], figures: Figures) -> None:
    for index in range(start, start + inputs):
        rng = random.Random(f"{seed}:{protocol}:{index}")
        c = pool[index % len(pool)]
        mode = _pick_mode(rng)
        case = make_case(c, rng, mode)
        try:
            check(c, mode, case.victim, case.damaged, case.s1, case.s2, case.pieces, figures)
        except Exception as exc:  # noqa: BLE001 - every escape is a finding
            figures.counts["failures"] += 1
            if not isinstance(exc, _Problem):
                figures.counts["exceptions"] += 1
            if len(figures.failures) < MAX_FAILURES_KEPT:
                figures.failures.append(
                    Failure(protocol, mode, seed, index, case.ops, _describe(exc), case.stream.hex()))


def _describe(exc: Exception) -> str:
    if isinstance(exc, _Problem):
        return str(exc)
    problem = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return f"exception escaped: {problem}\n{traceback.format_exc(limit=-3)}"


def case_at(protocol: str, seed: int, index: int) -> tuple[Corpus, Case]:
    """Input ``index`` of a run with ``seed``, drawn exactly as :func:`run` draws it."""
    rng = random.Random(f"{seed}:{protocol}:{index}")
    pool = corpora_module.corpora(protocol)
    c = pool[index % len(pool)]
    return c, make_case(c, rng, _pick_mode(rng))


def replay(protocol: str, seed: int, index: int) -> Case:
    """Run one input again (for debugging a reported failure); raises what it raised.

    A failure printed with its seed and index comes back byte for byte, in the same pieces.
    """
    c, case = case_at(protocol, seed, index)
    check(c, case.mode, case.victim, case.damaged, case.s1, case.s2, case.pieces, Figures(protocol))
    return case
