"""Cell-level checks of a recording: every stored value has the type and range the writer gives it.

SQLite's page check (``quick_check``) finds damaged pages, but not a well-formed
file whose cells hold what this program never writes: a blob for a text, a
text for a time, a time in the year 30000. Such a file was edited by another
tool or damaged above the page level; reading it would fail halfway through a
review or an export with a Python error instead of a sentence. So
:func:`first_bad_cell` looks once, when a recording is opened for review or
export, and the reader refuses the file naming the table, row and column.

The expected types follow the schema in ``monitor/recording.py`` and
``docs/recording-format.md``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from types import MappingProxyType

# SQLite orders values by type: NULL < numbers < text < blob. So a plain comparison tells the types
# apart (a text is above every number, even +inf, and below the empty blob x''), and is twice as
# fast as typeof() over the hundreds of thousands of readings of a long session.
# host_time is UTC Unix seconds; Python's datetime covers years 1 to 9999.
_TIME = "({c} IS NOT NULL AND {c} BETWEEN -62135596800 AND 253402300799)"
_TEXT = "({c} IS NOT NULL AND {c} >= '' AND {c} < x'')"
_TEXT_OR_NULL = "({c} IS NULL OR ({c} >= '' AND {c} < x''))"
_NUMBER_OR_NULL = "({c} IS NULL OR {c} <= 9e999)"  # 9e999 is +inf; NaN is stored as NULL
_NUMBER = "({c} IS NOT NULL AND {c} <= 9e999)"

# table -> column -> rule (a SQL condition with {c} for the column) that every row must meet.
# Only the columns review and export read: the check runs each time a recording is opened.
EXPECTED: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "session_info": {"key": _TEXT, "value": _TEXT},
    "readings": {"host_time": _TIME, "parameter": _TEXT, "value": _NUMBER_OR_NULL, "quality": _TEXT},
    "link_events": {"host_time": _TIME, "state": _TEXT, "message": _TEXT},
    "phase_changes": {"host_time": _TIME, "phase": _TEXT, "by": _TEXT},
    "annotations": {"host_time": _TIME, "kind": _TEXT, "text": _TEXT},
    "alarm_events": {
        "host_time": _TIME, "condition": _TEXT, "priority": _TEXT, "event": _TEXT,
        "value": _NUMBER_OR_NULL, "limit_value": _NUMBER_OR_NULL, "baseline": _NUMBER_OR_NULL,
        "phase": _TEXT_OR_NULL, "detail": _TEXT_OR_NULL,
    },
    "operator_actions": {"host_time": _TIME, "action": _TEXT, "detail": _TEXT},
    # the treatment record: absent from recordings made before it (then not checked)
    "treatment_plans": {
        "host_time": _TIME, "weight_kg": _NUMBER, "dose_mg_per_kg": _NUMBER, "infusion_min": _NUMBER,
        "concentration_mg_per_ml": _NUMBER, "diluted": _NUMBER, "volume_ml": _NUMBER, "total_mg": _NUMBER,
        "drug_ml": _NUMBER, "rate_ml_per_h": _NUMBER, "profile": _TEXT, "by": _TEXT, "confirmations": _TEXT,
    },
    "infusion_rate_changes": {
        "host_time": _TIME, "rate_ml_per_h": _NUMBER, "reason": _TEXT, "by": _TEXT, "confirmations": _TEXT,
    },
    "clinical_checks": {
        "host_time": _TIME, "kind": _TEXT, "scale": _TEXT, "score": _NUMBER, "items": _TEXT, "by": _TEXT,
    },
    "discharge_criteria": {"host_time": _TIME, "criterion": _TEXT, "met": _NUMBER, "detail": _TEXT},
    "discharge_signoffs": {
        "host_time": _TIME, "by": _TEXT, "ready": _NUMBER, "unmet": _TEXT, "reason": _TEXT,
    },
})


def first_bad_cell(conn: sqlite3.Connection) -> str | None:
    """``"readings row 12, host_time"`` for the first cell breaking its rule, or None.

    One scan per table finds whether any row is wrong; only then is that one row
    examined column by column, so a good recording costs one pass over its data.
    """
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, columns in EXPECTED.items():
        if table not in tables:  # a table newer than the recording (its absence of the required
            continue             # ones is refused before this, by check_identity)
        every = " AND ".join(rule.format(c=column) for column, rule in columns.items())
        row = conn.execute(f"SELECT rowid FROM {table} WHERE NOT ({every}) LIMIT 1").fetchone()
        if row is None:
            continue
        for column, rule in columns.items():
            ok = conn.execute(f"SELECT {rule.format(c=column)} FROM {table} WHERE rowid = ?", row).fetchone()
            if not ok[0]:
                return f"{table} row {row[0]}, {column}"
        return f"{table} row {row[0]}"
    return None
