"""TOML plumbing for scenario files: parsing, line numbers and typed field readers.

Every error raised here is a :class:`ScenarioError` whose message reads
``file line N: field: what is wrong``. ``tomllib`` returns plain dicts without
positions, so :class:`LineIndex` walks TOML text
that ``tomllib`` has already accepted and records the line of every key and of
every array element, addressed by key path: ``("faults", 2, "kind")`` or
``("parameters", "HR", "points", 3)``. It only has to be right for valid TOML,
which keeps it small; if it ever meets something it does not understand it
gives up quietly, because a line number is a courtesy and must never hide the
real validation message.
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from devices.simulator.scenario_model import ScenarioError

log = logging.getLogger(__name__)

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BARE_VALUE_END = re.compile(r"[,\]}\n#]")


class _Unsupported(Exception):
    """Text the scanner does not follow; the index stays partial."""


class LineIndex:
    """Maps key paths to the 1-based line where the key or array element starts."""

    def __init__(self, lines: dict[KeyPath, int]) -> None:
        self._lines = lines

    @classmethod
    def of(cls, text: str) -> LineIndex:
        scanner = _Scanner(text)
        try:
            scanner.document()
        except (_Unsupported, IndexError, RecursionError) as exc:
            log.debug("line index incomplete at line %d: %s", scanner.line, exc)
        return cls(scanner.lines)

    def line_of(self, path: KeyPath) -> int:
        """The line of ``path``, else of its nearest recorded parent, else 1."""
        for size in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:size]))
            if line is not None:
                return line
        return 1


class _Scanner:
    """A single pass over the text; ``pos`` and ``line`` always move together."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[KeyPath, int] = {}
        self._table: KeyPath = ()
        self._array_tables: dict[KeyPath, int] = {}  # [[name]] path -> current index

    # -- low level -----------------------------------------------------------

    def _move_to(self, new_pos: int) -> None:
        if new_pos > len(self.text):
            raise _Unsupported("ran past the end")
        self.line += self.text.count("\n", self.pos, new_pos)
        self.pos = new_pos

    def _peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def _skip_blank(self, newlines: bool) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r" or (newlines and char == "\n"):
                self._move_to(self.pos + 1)
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self._move_to(len(self.text) if end < 0 else end)
            else:
                return

    def _require_more(self) -> None:
        if self.pos >= len(self.text):
            raise _Unsupported("unexpected end of text")

    def _separator(self, closing: str) -> None:
        """After an element: a comma, or the closing bracket (left for the caller)."""
        if self._peek() == ",":
            self._move_to(self.pos + 1)
        elif self._peek() != closing:
            raise _Unsupported(f"expected ',' or {closing!r}")

    def _expect(self, token: str) -> None:
        if self._peek(len(token)) != token:
            raise _Unsupported(f"expected {token!r}")
        self._move_to(self.pos + len(token))

    # -- strings and keys ----------------------------------------------------

    def _string(self) -> str:
        """Skip a string of any of the four kinds and return its raw content."""
        quote = self._peek()
        delimiter = quote * 3 if self._peek(3) == quote * 3 else quote
        start = self.pos + len(delimiter)
        end = start
        while True:
            end = self.text.find(delimiter, end)
            if end < 0:
                raise _Unsupported("unterminated string")
            if quote == '"' and _escaped(self.text, end):
                end += 1
                continue
            break
        while len(delimiter) == 3 and self.text[end + 3 : end + 4] == quote:
            end += 1  # up to two quotes may end a multi-line string's content
        self._move_to(end + len(delimiter))
        return self.text[start:end]

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self._skip_blank(newlines=False)
            if self._peek() in "\"'":
                parts.append(self._string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if not match:
                    raise _Unsupported("expected a key")
                parts.append(match.group())
                self._move_to(match.end())
            self._skip_blank(newlines=False)
            if self._peek() != ".":
                return tuple(parts)
            self._move_to(self.pos + 1)

    # -- structure -----------------------------------------------------------

    def document(self) -> None:
        while True:
            self._skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return
            if self._peek(2) == "[[":
                self._header(array=True)
            elif self._peek() == "[":
                self._header(array=False)
            else:
                self._key_value(self._table)

    def _header(self, array: bool) -> None:
        line = self.line
        self._move_to(self.pos + (2 if array else 1))
        parts = self._key()
        self._expect("]]" if array else "]")
        path: KeyPath = ()
        for i, part in enumerate(parts):
            path += (part,)
            if array and i == len(parts) - 1:
                self._array_tables[path] = self._array_tables.get(path, -1) + 1
                self.lines.setdefault(path, line)
            if path in self._array_tables:
                path += (self._array_tables[path],)
        self._table = path
        self.lines.setdefault(path, line)

    def _key_value(self, prefix: KeyPath) -> None:
        line = self.line
        path = prefix + self._key()
        self._expect("=")
        self.lines.setdefault(path, line)
        self._skip_blank(newlines=False)
        self._value(path)

    def _value(self, path: KeyPath) -> None:
        char = self._peek()
        if char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        elif char in "\"'":
            self._string()
        else:
            match = _BARE_VALUE_END.search(self.text, self.pos)
            self._move_to(len(self.text) if match is None else match.start())

    def _array(self, path: KeyPath) -> None:
        self._move_to(self.pos + 1)
        index = 0
        while True:
            self._skip_blank(newlines=True)
            self._require_more()
            if self._peek() == "]":
                self._move_to(self.pos + 1)
                return
            self.lines.setdefault(path + (index,), self.line)
            self._value(path + (index,))
            self._skip_blank(newlines=True)
            self._separator("]")
            index += 1

    def _inline_table(self, path: KeyPath) -> None:
        self._move_to(self.pos + 1)
        while True:
            self._skip_blank(newlines=True)
            self._require_more()
            if self._peek() == "}":
                self._move_to(self.pos + 1)
                return
            self._key_value(path)
            self._skip_blank(newlines=True)
            self._separator("}")


def _escaped(text: str, index: int) -> bool:
    """True if the character at ``index`` is preceded by an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


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
            key = part if _BARE_KEY.fullmatch(part) and len(part) <= 60 else _quoted(part)
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

_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def parse_toml(content: str, name: str) -> dict[str, Any]:
    """tomllib's parse, with its syntax errors rephrased as ``file line N: ...``."""
    try:
        return tomllib.loads(content)
    except RecursionError:  # tomllib recurses once per nesting level
        raise ScenarioError(f"{name}: TOML syntax error: arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _AT.search(message)
        if match and match.group(1):
            line, where = match.group(1), f" (column {match.group(2)})"
        else:
            line, where = str(content.count("\n") + 1), " (at end of file)"
        detail = message[: match.start()] if match else message
        if "Illegal character '\\n'" in detail:
            detail += ": is a string not closed on its line?"
        raise ScenarioError(f"{name} line {line}: TOML syntax error: {detail}{where}") from exc


def decode(data: bytes, name: str) -> str:
    """UTF-8 text; a leading byte-order mark (Windows editors write one) is dropped."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(f"{name} line {line}: file is not UTF-8 text") from exc
