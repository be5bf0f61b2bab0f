"""The bad inputs of tests/test_reliability_inputs.py: hostile TOML files, damaged recordings, and
the hypothesis strategies that write TOML a person could have typed.

Kept apart from the tests so each list reads as one list; the command lines that use these files are
in tests/reliability_cases.py.
"""

from __future__ import annotations

import importlib.resources
import os
import random
import shutil
import sqlite3
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

from hypothesis import strategies as st

# -- hostile TOML ---------------------------------------------------------------------------------

GOOD_PROFILE = (importlib.resources.files("monitor.alarms") / "profiles" / "ketamine-infusion.toml").read_bytes()
MIN_PROFILE = "[parameters.HR]\nabove = { medium = 110 }\n"
MIN_SCENARIO = """[scenario]
name = "mini"
duration_s = 600
[parameters.HR]
points = [[0, 72]]
[parameters.SPO2]
points = [[0, 98]]
[parameters.ART_SYS]
points = [[0, 120]]
[parameters.ART_DIA]
points = [[0, 75]]
"""
GOOD_SCENARIO = MIN_SCENARIO.encode()


def _utf8(text: str) -> Callable[[], bytes]:
    return lambda: text.encode("utf-8")


def _generic(base: str, text_key: str) -> dict[str, Callable[[], bytes]]:
    """What any TOML file can be: broken, binary, huge, nested without end, hostile keys."""
    return {
        "syntax-error": _utf8("[parameters.HR\nabove = { medium = 110 }\n"),
        "unclosed-string": _utf8(base + '\n[x]\ny = "never closed\n'),
        "binary-garbage": lambda: random.Random(8).randbytes(4096),
        "not-utf8": lambda: b"# caf\xe9 au lait\n" + base.encode(),
        "nul-bytes": lambda: b"\x00" * 512,
        "empty": lambda: b"",
        "only-comments": _utf8("# nothing here\n# at all\n"),
        "deeply-nested-arrays": _utf8("x = " + "[" * 50_000 + "]" * 50_000 + "\n"),
        "deeply-nested-inline-tables": _utf8("x = " + "{a = " * 20_000 + "1" + "}" * 20_000 + "\n"),
        "deeply-nested-tables": _utf8("[" + ".".join(["t"] * 5000) + "]\nx = 1\n"),
        "5mb-string": _utf8(base.replace("[", f'{text_key} = "{"x" * 5_000_000}"\n[', 1)),
        "5mb-of-keys": _utf8(base + "".join(f"k{i} = {i}\n" for i in range(420_000))),
        "1mb-key-name": _utf8(f'"{"k" * 1_000_000}" = 1\n' + base),
        "escape-sequence-key": _utf8('"\\u001b[2J\\u001b[31mINJECTED\\nline" = 1\n' + base),
    }


def _profile(body: str) -> Callable[[], bytes]:
    return _utf8(body if "[parameters" in body else MIN_PROFILE + body)


HOSTILE_PROFILES: dict[str, Callable[[], bytes]] = {
    **{name: make for name, make in _generic(MIN_PROFILE, "name").items() if name != "5mb-string"},
    "5mb-string": _utf8(f'[profile]\ndescription = "{"x" * 5_000_000}"\n' + MIN_PROFILE),
    "wrong-type": _profile('[timing]\nescalation_s = "120"\n'),
    "float-1e400": _profile("[timing]\nescalation_s = 1e400\n"),
    "int-10e30": _profile(f"[timing]\nescalation_s = {10**30}\n"),
    "int-400-digits": _utf8(f"[parameters.HR]\nabove = {{ medium = {'9' * 400} }}\n"),
    "nan-limit": _utf8("[parameters.HR]\nabove = { medium = nan }\n"),
    "inf-hysteresis": _profile("hysteresis = inf\n"),
    "minus-inf-delay": _profile("delay_s = -inf\n"),
    "negative-delay": _profile("delay_s = -5\n"),
    "min-frames-inf": _profile("[technical.NOISY_LINE]\nmin_frames = inf\n"),
    "min-frames-nan": _profile("[technical.NOISY_LINE]\nmin_frames = nan\n"),
    "min-frames-fraction": _profile("[technical.NOISY_LINE]\nmin_frames = 2.5\n"),
    "datetime-for-number": _profile("[timing]\nescalation_s = 1979-05-27T07:32:00Z\n"),
    "array-for-table": _utf8("parameters = [1, 2]\n"),
    "no-limits-at-all": _utf8("[timing]\nescalation_s = 120\n"),
    "name-two-lines": _profile('[profile]\nname = "a\\nb"\n'),
}


def _scenario(old: str, new: str) -> Callable[[], bytes]:
    assert old in MIN_SCENARIO
    return _utf8(MIN_SCENARIO.replace(old, new, 1))


FAULT = '\n[[faults]]\nkind = "garbage"\nstart_s = 10\nduration_s = {d}\nrate_per_s = 1\n'
HOSTILE_SCENARIOS: dict[str, Callable[[], bytes]] = {
    **_generic(MIN_SCENARIO, "description"),
    "wrong-type": _scenario("duration_s = 600", 'duration_s = "600"'),
    "float-1e400": _scenario("duration_s = 600", "duration_s = 1e400"),
    "int-10e30": _scenario("duration_s = 600", f"duration_s = {10**30}"),
    "int-400-digits": _scenario("[[0, 72]]", f"[[0, {'9' * 400}]]"),
    "nan-duration": _scenario("duration_s = 600", "duration_s = nan"),
    "inf-duration": _scenario("duration_s = 600", "duration_s = inf"),
    "negative-duration": _scenario("duration_s = 600", "duration_s = -600"),
    "nan-point": _scenario("[[0, 72]]", "[[0, nan]]"),
    "negative-fault-duration": _utf8(MIN_SCENARIO + FAULT.format(d=-5)),
    "inf-fault-duration": _utf8(MIN_SCENARIO + FAULT.format(d="inf")),
    "zero-nibp-interval": _utf8(MIN_SCENARIO + "[nibp]\ninterval_s = 0\n"),
    "points-not-an-array": _scenario("[[0, 72]]", "5"),
    "name-two-lines": _scenario('name = "mini"', 'name = "a\\nb"'),
}


# -- damaged recordings ---------------------------------------------------------------------------


def _sql(good: Path, *statements: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        shutil.copy(good, path)
        with sqlite3.connect(path) as db:
            for statement in statements:
                db.execute(statement)
        db.close()

    return make


def _bytes(data: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    return lambda good, path: path.write_bytes(data(good.read_bytes()))


def _other_program(good: Path, path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        db.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    db.close()


def _damaged_page(good: Path, path: Path) -> None:
    shutil.copy(good, path)
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xff" * 4096)


def _wal_only(good: Path, path: Path) -> None:
    Path(f"{path}-wal").write_bytes(random.Random(3).randbytes(8192))  # the recording itself is gone


def _foreign_wal(good: Path, path: Path) -> None:
    shutil.copy(good, path)
    _empty_with_wal(good, path.with_name("foreign.sqlite"))
    os.replace(path.with_name("foreign.sqlite-wal"), f"{path}-wal")
    path.with_name("foreign.sqlite").unlink()


def _empty_with_wal(good: Path, path: Path) -> None:
    """A recording copied without its contents: the -wal of a real one beside an empty file."""
    path.write_bytes(b"")
    with sqlite3.connect(path.with_name("wal-source.sqlite")) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute("CREATE TABLE readings (id INTEGER PRIMARY KEY, value REAL)")
        db.execute("INSERT INTO readings (value) VALUES (72)")
        shutil.copy(path.with_name("wal-source.sqlite-wal"), f"{path}-wal")
    db.close()
    for leftover in path.parent.glob("wal-source.sqlite*"):
        leftover.unlink()


DAMAGED_RECORDINGS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    # kind: (how to make it from a good recording, a phrase the refusal must contain)
    "truncated-to-half": (_bytes(lambda b: b[: len(b) // 2]), "damaged"),
    "truncated-to-one-page": (_bytes(lambda b: b[:4096]), "damaged"),
    "truncated-header": (_bytes(lambda b: b[:10]), "truncated"),
    "random-bytes": (_bytes(lambda b: random.Random(1).randbytes(50_000)), "not an sqlite database"),
    "zero-length": (_bytes(lambda b: b""), "empty"),
    "sqlite-header-then-garbage": (_bytes(lambda b: b[:16] + random.Random(2).randbytes(8000)),
                                   "not an sqlite database"),
    "text-file": (_bytes(lambda b: b"patient,hr\nP-1,72\n" * 50), "not an sqlite database"),
    "another-programs-sqlite": (_other_program, "another program"),
    "another-application-id": (lambda g, p: _sql(g, "PRAGMA application_id = 1234")(p), "another program"),
    "newer-format-version": (lambda g, p: _sql(g, "PRAGMA user_version = 2")(p), "newer version"),
    "negative-format-version": (lambda g, p: _sql(g, "PRAGMA user_version = -5")(p), "unknown format"),
    "missing-table": (lambda g, p: _sql(g, "DROP TABLE annotations")(p), "annotations table is missing"),
    "damaged-page": (_damaged_page, "damaged"),
    "wal-only-leftover": (_wal_only, "no such file"),
    "wal-of-another-database": (_foreign_wal, "another program"),
    "empty-file-with-a-wal": (_empty_with_wal, "-wal file beside it cannot be read"),
    "text-in-a-time-column": (lambda g, p: _sql(g, "UPDATE readings SET host_time = 'noon' WHERE id = 3")(p),
                              "readings row 3, host_time"),
    "time-beyond-year-9999": (lambda g, p: _sql(g, "UPDATE readings SET host_time = 1e300 WHERE id = 5")(p),
                              "readings row 5, host_time"),
    "blob-in-session-info": (lambda g, p: _sql(g, "UPDATE session_info SET value = x'fffe'")(p), "session_info"),
    "blob-in-events": (lambda g, p: _sql(g, "UPDATE alarm_events SET detail = x'ff00'")(p), "alarm_events"),
    "text-in-a-value-column": (lambda g, p: _sql(g, "UPDATE readings SET value = 'high' WHERE id = 9")(p),
                               "readings row 9, value"),
}
CELL_DAMAGE = tuple(k for k in DAMAGED_RECORDINGS if "column" in k or "blob" in k or "9999" in k)


def build_inputs(folder: Path, good_recording: Path) -> None:
    """Every file the cases name, once; cases copy what they use."""
    shutil.copy2(good_recording, folder / "good.irm.sqlite")
    (folder / "good-profile.toml").write_bytes(GOOD_PROFILE)
    (folder / "good-scenario.toml").write_bytes(GOOD_SCENARIO)
    for name in ("existing.csv", "good.csv", "events-events.csv"):
        (folder / name).write_text("an earlier export: must survive\n")
    (folder / "afile.txt").write_text("a plain file, where a folder or a device is expected\n")
    (folder / "adir").mkdir()
    (folder / "out").mkdir()
    os.mkfifo(folder / "fifo")
    (folder / "empty.raw").write_bytes(b"")
    for name, make in HOSTILE_PROFILES.items():
        (folder / f"profile-{name}.toml").write_bytes(make())
    for name, make in HOSTILE_SCENARIOS.items():
        (folder / f"scenario-{name}.toml").write_bytes(make())
    for kind, (make, _) in DAMAGED_RECORDINGS.items():
        make(folder / "good.irm.sqlite", folder / f"rec-{kind}.irm.sqlite")
    (folder / "rec-directory.irm.sqlite").mkdir()
    os.mkfifo(folder / "rec-fifo.irm.sqlite")


# -- TOML a person could have typed, for hypothesis ---------------------------------------------------

NAMES = ["profile", "timing", "start_check", "parameters", "technical", "HR", "PR", "SPO2", "NIBP_SYS",
         "NIBP_DIA", "ART_SYS", "above", "below", "low", "medium", "high", "delay_s", "high_delay_s",
         "hysteresis", "rise", "fall", "amount", "percent", "priority", "backup_for", "confirm_high_on_repeat",
         "escalation_s", "reminder_s", "audio_pause_s", "breakthrough", "caution_sys", "do_not_start_sys",
         "LINK_LOST", "NOISY_LINE", "NIBP_OVERDUE", "min_frames", "error_rate", "window_s", "after_s",
         "phase_after_s", "phase_priority", "infusion", "recovery", "name", "description", "scenario",
         "duration_s", "nibp", "interval_s", "points", "noise", "events", "faults", "kind", "at_s", "start_s",
         "rate_per_s", "text", "arterial_line", "garbage", "invalid"]
LEAVES = st.one_of(
    st.integers(-(10**6), 10**6), st.sampled_from([0, -1, 10**30, 10**400, -(10**400), 2**63]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.sampled_from(NAMES),
    st.text(max_size=12), st.sampled_from(["low", "medium", "high", "", "a\nb", "\x1b[2J"]), st.datetimes(),
)
KEYS = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=8))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
                      max_leaves=25)


def toml_value(value: object) -> str:
    """A Python value as inline TOML (what a person could have typed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return value.isoformat()  # datetime


def toml_document(doc: dict) -> str:
    return "".join(f"{json.dumps(key)} = {toml_value(value)}\n" for key, value in doc.items())


@st.composite
def mutated(draw, base: dict) -> dict:
    """``base`` with a few leaves or tables replaced, deleted or added, anywhere in it."""
    doc = json.loads(json.dumps(base, default=str))
    for _ in range(draw(st.integers(1, 4))):
        node = doc
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        if isinstance(node, dict):
            key = draw(st.sampled_from(sorted(node)) | KEYS) if node else draw(KEYS)
            if draw(st.booleans()) and key in node:
                del node[key]
            else:
                node[key] = draw(VALUES)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(VALUES)
    return doc


PROFILE_DOC = tomllib.loads(GOOD_PROFILE.decode())
SCENARIO_DOC = tomllib.loads(MIN_SCENARIO + '[[faults]]\nkind = "garbage"\nstart_s = 10\nduration_s = 5\n'
                             'rate_per_s = 1\n[[events]]\nat_s = 60\nkind = "infusion_start"\n')
