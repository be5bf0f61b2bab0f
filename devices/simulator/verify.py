"""Checks what the program decoded against what the simulator sent.

    python -m devices.simulator.verify TRUTH.jsonl DECODED.jsonl

TRUTH is the simulator's ``--truth`` file; DECODED is the output of
``infusion-monitor record --jsonl``. Every decoded reading must match a value
the simulator put on the wire intact, at the same device time: a reading with
no such value, or a different value, is a decoding error. Where the truth says
how a value was measured (``origin``: RR from "co2" or "impedance"), the decoded
reading's source must say the same (``datex:co2``). Frames the simulator
damaged on purpose (corrupt, truncated) must yield nothing.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

Key = tuple[str | None, str]  # (device_time, parameter)


@dataclass
class Verdict:
    checked: int = 0
    numbers: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.checked > 0


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sent_intact(truth_rows: list[dict]) -> dict[Key, tuple[float | None, str]]:
    """(value, origin) per (device_time, parameter) of every value delivered intact."""
    return {
        (r["device_time"], r["parameter"]): (r["value"], r.get("origin", ""))
        for r in truth_rows
        if r["delivered"] == "ok"
    }


def verify(truth_rows: list[dict], decoded_rows: list[dict], tolerance: float = 1e-6) -> Verdict:
    sent = sent_intact(truth_rows)
    verdict = Verdict()
    for row in decoded_rows:
        if row.get("type") != "reading":
            continue
        verdict.checked += 1
        key = (row["device_time"], row["parameter"])
        if key not in sent:
            verdict.problems.append(f"decoded {key[1]}={row['value']} at {key[0]}, which the simulator never sent intact")
            continue
        (expected, origin), got = sent[key], row["value"]
        if (expected is None) != (got is None) or (got is not None and abs(got - expected) > tolerance):
            verdict.problems.append(f"{key[1]} at {key[0]}: decoded {got}, sent {expected}")
        elif origin and not row.get("source", "").endswith(f":{origin}"):
            verdict.problems.append(f"{key[1]} at {key[0]}: decoded from {row.get('source')}, "
                                    f"sent from {origin}")
        elif got is not None:
            verdict.numbers[key[1]] = verdict.numbers.get(key[1], 0) + 1
    return verdict


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m devices.simulator.verify TRUTH.jsonl DECODED.jsonl", file=sys.stderr)
        return 2
    try:
        verdict = verify(_jsonl(Path(args[0])), _jsonl(Path(args[1])))
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        print(f"verify: cannot read the files: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{p} {n}" for p, n in sorted(verdict.numbers.items())) or "none"
    print(f"{verdict.checked} readings checked; numbers per parameter: {counts}")
    for problem in verdict.problems[:20]:
        print(f"MISMATCH: {problem}")
    print("OK: every decoded reading matches what was sent" if verdict.ok else "FAILED")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
