"""What the dashboard and its sound process say to each other, and how the process is started.

Pure Python, no Qt: ``main`` and the supervisor read it without loading any of
the audio stack.

The wire: one JSON object per line (UTF-8, ``\\n``), on the child's standard
input (parent -> child) and standard output (child -> parent). Every object has
an ``"op"``; unknown ops and lines that are not JSON objects are logged and
ignored, so either side may be newer. Lines are short (well under the 4096 bytes
a pipe writes at once), so a write is never split.

Parent -> child:

- ``{"op": "play", "priority": "high" | "medium" | "low" | null}``: repeat the
  burst of that priority (IEC 60601-1-8 rhythm), or be silent. Sent when the
  priority changes, and first thing to a new child (it replays what sounded).
- ``{"op": "heartbeat"}``: the display's GUI thread is alive. Sent only from a
  timer of the GUI thread's event loop (every 250 ms), so a blocked GUI thread
  stops it; more than :data:`FROZEN_AFTER_S` without one and the child sounds
  the high-priority pattern on its own (the display watchdog).
- ``{"op": "display", "silent_s": 3.1, "frozen": true}``: sent once to a new
  child after a restart: how long ago the last heartbeat came and whether the
  previous child had judged the display frozen, so a restart neither forgets a
  frozen display nor arms the watchdog before the first heartbeat.
- ``{"op": "ping", "seq": 7}``: answer with ``pong`` (every 0.5 s, from the
  supervisor's own thread: a child that does not answer is hung).
- ``{"op": "quit"}``: stop sounding and exit. End of input means the same (the
  parent closed the pipe or died), so a child is never left behind.

Child -> parent (all written by the child's main thread, so any line proves it runs):

- ``{"op": "hello", "pid": 1234, "protocol": 1, "available": true, "text": "..."}``:
  the child is ready; ``available`` says whether its output can play, ``text``
  names the device, or is the sentence that says why not.
- ``{"op": "sound", "available": false, "text": "No alarm sound: ... Watch the screen."}``:
  the output failed, or (``available: true``) works again.
- ``{"op": "pong", "seq": 7}``.
- ``{"op": "display", "frozen": true, "silent_s": 2.1}`` when the heartbeat has been
  missing for longer than :data:`FROZEN_AFTER_S` (the child now sounds the high
  pattern), and ``{"op": "display", "frozen": false, "frozen_s": 5.2}`` when it
  resumes: the display was frozen from its last heartbeat to the first new one.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
HEARTBEAT_S = 0.25  # how often the GUI thread says it is alive
FROZEN_AFTER_S = 2.0  # the display watchdog's threshold (issue 14)
CHILD_FLAG = "--sound-child"  # argv[1] of a frozen (PyInstaller) app started as the sound process
CHILD_MODULE = "ui.sound.child"
WATCH_THE_SCREEN = "Watch the screen."
PRIORITIES = ("low", "medium", "high")

Message = dict[str, Any]


def unavailable_text(reason: str) -> str:
    """The sentence shown in the AUDIO_UNAVAILABLE alarm."""
    return f"No alarm sound: {reason}. {WATCH_THE_SCREEN}"


def encode(op: str, **fields: Any) -> bytes:
    """One protocol line."""
    return (json.dumps({"op": op, **fields}, separators=(",", ":")) + "\n").encode()


def decode(line: bytes) -> Message | None:
    """A protocol line as a dict with an ``op``, or None (logged) if it is not one."""
    try:
        message = json.loads(line)
    except ValueError:
        message = None
    if not isinstance(message, dict) or not isinstance(message.get("op"), str):
        if line.strip():
            log.warning("sound protocol: ignored a line that is not a message: %r", line[:200])
        return None
    return message


def priority_name(priority: object) -> str | None:
    """"high" | "medium" | "low" for a Priority or its name; None stays None. ValueError otherwise."""
    if priority is None:
        return None
    name = str(getattr(priority, "value", priority)).lower()
    if name not in PRIORITIES:
        raise ValueError(f"not an alarm priority: {priority!r}")
    return name


def child_command(output: str) -> list[str]:
    """The command line of the sound process.

    From source or an installed package it is this Python running
    :data:`CHILD_MODULE`. In a frozen (PyInstaller) bundle ``sys.executable`` is the
    program itself, so it is started again with :data:`CHILD_FLAG` first, which
    ``main.main`` checks before anything else.
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG, "--output", output]
    return [sys.executable, "-m", CHILD_MODULE, "--output", output]


def child_env() -> dict[str, str]:
    """The child's environment: the parent's, with this checkout importable from any folder."""
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


__all__ = [
    "CHILD_FLAG",
    "FROZEN_AFTER_S",
    "HEARTBEAT_S",
    "PROTOCOL_VERSION",
    "child_command",
    "child_env",
    "decode",
    "encode",
    "priority_name",
    "unavailable_text",
]
