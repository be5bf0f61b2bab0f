"""TOML plumbing for scenario files: parsing, located errors and typed field readers.

Every error raised here is a :class:`ScenarioError` whose message reads
``file line N: field: what is wrong``; the line comes from
:class:`monitor.toml_lines.LineIndex` (``tomllib`` gives no positions).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from devices.simulator.scenario_model import ScenarioError
from monitor import toml_lines
from monitor.toml_lines import BARE_KEY, KeyPath, LineIndex

# -- located errors and field readers ---------------------------------------------

REQUIRED: Any = object()  # default meaning "the key must be present"


@dataclass(frozen=True)
class TomlSource:
    """Where the TOML came from, to turn a key path into ``file line N: field: ...``."""

    name: str
    lines: LineIndex

    def error(self, path: KeyPath, message: str, at: KeyPath | None = None) -> ScenarioError:
        """An error about field ``path``; ``at`` points the line at a more precise element."""
        line = self.lines.line_of(at if at is not None else path)
        return ScenarioError(f"{self.name} line {line}: {dotted(path)}: {message}")


def dotted(path: KeyPath) -> str:
    """``("faults", 2, "kind")`` -> ``faults[2].kind``; odd keys quoted, so no newline or
    escape sequence from a hostile file reaches the terminal and a 1 MB key is cut short."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if BARE_KEY.fullmatch(part) and len(part) <= 60 else _quoted(part)
            text += f".{key}" if text else key
    return text or "(top level)"


def _quoted(text: str, most: int = 60) -> str:
    shown = repr(text)
    return shown if len(shown) <= most else shown[: most - 1] + "\u2026"


def hint(word: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def type_name(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def check_keys(src: TomlSource, table: dict[str, Any], path: KeyPath,
               allowed: tuple[str, ...]) -> None:
    """Reject unknown keys: a typo would otherwise silently fall back to a default."""
    for key in table:
        if key not in allowed:
            known = ", ".join(allowed)
            raise src.error(path + (key,), f"unknown key{hint(key, allowed)}; known keys: {known}")


def table_at(src: TomlSource, value: Any, path: KeyPath) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise src.error(path, f"must be a table (got {type_name(value)})")
    return value


def number(src: TomlSource, table: dict[str, Any], path: KeyPath, key: str, low: float,
           high: float, default: Any = REQUIRED, *, low_open: bool = False) -> Any:
    """A number in [low, high] (or (low, high] with ``low_open``), or the default if absent."""
    if key not in table:
        if default is REQUIRED:
            raise src.error(path + (key,), "missing (required)")
        return default
    return in_range(src, table[key], path + (key,), low, high, low_open=low_open)


def in_range(src: TomlSource, value: Any, path: KeyPath, low: float, high: float, *,
             low_open: bool = False, unit: str = "", at: KeyPath | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise src.error(path, f"must be a number (got {type_name(value)})", at)
    too_low = value <= low if low_open else value < low
    if too_low or value > high or value != value:
        bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
        raise src.error(path, f"must be {bound} and at most {high:g}{unit} (got {shown_number(value)})",
                        at)
    return float(value)


def shown_number(value: int | float) -> str:
    """A number for a message; TOML integers are unbounded and ``:g`` overflows past 1.8e308."""
    if isinstance(value, int) and abs(value) > 1e300:
        return f"a {len(str(abs(value)))}-digit number"
    return f"{value:g}"


def one_line(src: TomlSource, table: dict[str, Any], path: KeyPath, key: str,
             default: Any = REQUIRED, max_len: int = 200) -> Any:
    """One line of text (names and descriptions end up in one-line listings)."""
    if key not in table:
        if default is REQUIRED:
            raise src.error(path + (key,), "missing (required)")
        return default
    value = table[key]
    if not isinstance(value, str) or not value.strip() or "\n" in value or len(value) > max_len:
        raise src.error(path + (key,),
                        f"must be one non-empty line of at most {max_len} characters")
    return value.strip()


def choice(src: TomlSource, table: dict[str, Any], path: KeyPath, key: str,
           choices: frozenset[str]) -> str:
    value = one_line(src, table, path, key, max_len=40)
    if value not in choices:
        raise src.error(path + (key,), f"unknown kind '{value}'{hint(value, choices)}; "
                        f"known kinds: {', '.join(sorted(choices))}")
    return value


def boolean(src: TomlSource, table: dict[str, Any], path: KeyPath, key: str,
            default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise src.error(path + (key,), f"must be true or false (got {type_name(value)})")
    return value


# -- reading text -------------------------------------------------------------------


def parse_toml(content: str, name: str) -> dict[str, Any]:
    """tomllib's parse, with its syntax errors rephrased as ``file line N: ...``."""
    return toml_lines.parse_toml(content, name, ScenarioError)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text; a leading byte-order mark (Windows editors write one) is dropped."""
    return toml_lines.decode(data, name, ScenarioError)
