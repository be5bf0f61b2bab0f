"""Line numbers for TOML: which line each key and array element of a file starts on.

``tomllib`` returns plain dicts without positions, yet every file the program reads
(simulator scenarios, treatment profiles) must name the line of a value it refuses.
:class:`LineIndex` walks TOML text that ``tomllib`` has already accepted and records
the line of every key and of every array element, addressed by key path:
``("faults", 2, "kind")`` or ``("parameters", "HR", "points", 3)``. It only has to be
right for valid TOML, which keeps it small; if it ever meets something it does not
understand it gives up quietly, because a line number is a courtesy and must never
hide the real validation message.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

KeyPath = tuple[str | int, ...]

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BARE_VALUE_END = re.compile(r"[,\]}\n#]")
_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def parse_toml(content: str, name: str, error: Callable[[str], Exception] = ValueError) -> dict[str, Any]:
    """tomllib's parse, with its syntax errors rephrased as ``file line N: ...`` and raised as
    ``error(message)`` (each kind of file has its own error type)."""
    try:
        return tomllib.loads(content)
    except RecursionError:  # tomllib recurses once per nesting level
        raise error(f"{name}: TOML syntax error: arrays or tables nested too deeply") from None
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
        raise error(f"{name} line {line}: TOML syntax error: {detail}{where}") from exc


def decode(data: bytes, name: str, error: Callable[[str], Exception] = ValueError) -> str:
    """UTF-8 text; a leading byte-order mark (Windows editors write one) is dropped."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{name} line {line}: file is not UTF-8 text") from exc


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
                match = BARE_KEY.match(self.text, self.pos)
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
