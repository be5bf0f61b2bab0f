"""``make fuzz``: at least a million damaged inputs per protocol through the real decoders.

    python -m reliability.fuzz [--inputs 1000000] [--jobs 2] [--seed 1] [--protocol datex]

Prints the figures docs/RELIABILITY.md quotes and exits non-zero if any input
broke a property. Each failure is printed with its seed and index; run that one
input again, with its bytes and what went wrong, with

    python -m reliability.fuzz --protocol datex --seed SEED --replay INDEX
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import traceback

from reliability.corpus import PROTOCOLS, corpora
from reliability.fuzzing import MODES, Figures, case_at, replay, run

CHUNK = 25_000


def _work(job: tuple[str, int, int, int]) -> Figures:
    protocol, seed, start, inputs = job
    began = time.process_time()
    figures = run(protocol, inputs, seed=seed, start=start)
    figures.counts["cpu ms"] += round(1000 * (time.process_time() - began))
    return figures


def _jobs(protocols: list[str], inputs: int, seed: int) -> list[tuple[str, int, int, int]]:
    jobs = []
    for protocol in protocols:
        for start in range(0, inputs, CHUNK):
            jobs.append((protocol, seed, start, min(CHUNK, inputs - start)))
    return jobs


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "-"


def report(figures: Figures, seconds: float) -> str:
    c = figures.counts
    modes = ", ".join(f"{mode} {c['inputs:' + mode]:,}" for mode in MODES)
    rejected = sum(n for reason, n in figures.reasons.items())
    lines = [
        f"== {figures.protocol}: {figures.inputs:,} inputs ({modes}), {c['bytes'] / 1e6:,.1f} MB, "
        f"{c['cpu ms'] / 1000:,.0f} CPU s (done after {seconds:,.0f} s)",
        f"   exceptions escaped: {c['exceptions']}   property failures: {c['failures']}",
        f"   frame candidates rejected {rejected:,}; frames accepted and decoded {c['frames decoded']:,} "
        f"({c['items decoded']:,} values and statuses); resumed at the next valid frame "
        f"{c['resumed']:,} of {figures.inputs:,}; implausible numbers flagged {c['implausible flagged']:,}",
    ]
    for mode in ("byte", "structure"):
        n = c["inputs:" + mode]
        if not n:
            continue

        def count(what: str, mode: str = mode) -> int:
            return c[f"{mode}:{what}"]

        rejected = count("rejected by a check")
        changed = count("accepted with changed content")
        lines.append(
            f"   {mode:9}: rejected by a check {rejected:,} ({_percent(rejected, n)}), "
            f"harmless (decoded unchanged) {count('accepted unchanged (harmless damage)'):,}, "
            f"accepted with changed content {changed:,} ({_percent(changed, n)})"
        )
        lines.append(
            f"              of those: wrong number shown {count('wrong number shown'):,}, "
            f"number withheld (invalid/implausible/special) "
            f"{count('number withheld (invalid, implausible or special)'):,}, "
            f"number where none was sent {count('number where the monitor sent none'):,}, "
            f"right value with wrong time {count('right value, wrong device time'):,}, "
            f"decoded to nothing {count('changed frame decoded to nothing'):,}"
        )
    lines.append(f"   random   : frames accepted from random bytes {c['random:frames accepted']:,}")
    reasons = ", ".join(f"{reason} {n:,}" for reason, n in sorted(figures.reasons.items()))
    lines.append(f"   rejections by check: {reasons}")
    for failure in figures.failures:
        lines.append(f"   FAILURE {failure}")
    return "\n".join(lines)


def replay_one(protocol: str, seed: int, index: int) -> int:
    """Print one input (mode, operators, bytes, pieces) and whether it keeps every property."""
    case = case_at(protocol, seed, index)[1]
    print(f"{protocol} seed {seed} input {index}: {case.mode}, ops {'+'.join(case.ops)}, "
          f"pieces {[len(p) for p in case.pieces]}\n  stream: {case.stream.hex()}")
    try:
        replay(protocol, seed, index)
    except Exception:  # noqa: BLE001 - the point is to show it
        traceback.print_exc()
        print("FAILS")
        return 1
    print("every property holds")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="inputs per protocol")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--protocol", choices=PROTOCOLS, action="append", help="default: all")
    parser.add_argument("--replay", type=int, metavar="INDEX", help="run one input again (one --protocol)")
    args = parser.parse_args(argv)
    protocols = args.protocol or list(PROTOCOLS)
    if args.replay is not None:
        if len(protocols) != 1:
            parser.error("--replay needs exactly one --protocol")
        return replay_one(protocols[0], args.seed, args.replay)
    for protocol in protocols:
        corpora(protocol)  # build once here, so a broken corpus fails before the workers start
    totals = {p: Figures(p) for p in protocols}
    started = {p: time.monotonic() for p in protocols}
    finished: dict[str, float] = {}
    jobs = _jobs(protocols, args.inputs, args.seed)
    remaining = {p: sum(1 for j in jobs if j[0] == p) for p in protocols}
    print(f"fuzzing {', '.join(protocols)}: {args.inputs:,} inputs each, seed {args.seed}, "
          f"{args.jobs} processes", flush=True)
    t0 = time.monotonic()
    with multiprocessing.Pool(args.jobs) as pool:
        for figures in pool.imap_unordered(_work, jobs):
            totals[figures.protocol].merge(figures)
            remaining[figures.protocol] -= 1
            if remaining[figures.protocol] == 0:
                finished[figures.protocol] = time.monotonic()
            done = sum(t.inputs for t in totals.values())
            print(f"  {done:,} / {args.inputs * len(protocols):,} inputs, {time.monotonic() - t0:,.0f} s, "
                  f"failures {sum(t.counts['failures'] for t in totals.values())}", flush=True)
    print()
    for protocol in protocols:
        print(report(totals[protocol], finished.get(protocol, time.monotonic()) - started[protocol]))
    failures = sum(t.counts["failures"] for t in totals.values())
    print(f"\n{'FAILED' if failures else 'OK'}: {failures} failures in "
          f"{sum(t.inputs for t in totals.values()):,} inputs, {time.monotonic() - t0:,.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
