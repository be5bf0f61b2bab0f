"""Where recordings live by default, and what they are called."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "infusion-monitor"
RECORDING_SUFFIX = ".irm.sqlite"


def default_recordings_dir() -> Path:
    """The platform's per-user data folder, e.g. ~/.local/share/infusion-monitor/recordings."""
    return user_data_path(APP_NAME, appauthor=False) / "recordings"


def recording_name(started_at: datetime, patient_id: str = "", chair: str = "") -> str:
    """A name that sorts by time and never contains characters a file system rejects; a room's
    chairs start in the same second, so a chair's name is part of its recording's."""
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    parts = [safe_name(text) for text in (chair, patient_id)]
    return "-".join([stamp, *(part for part in parts if part)]) + RECORDING_SUFFIX


def safe_name(text: str) -> str:
    """``text`` as part of a file name: letters, digits, '_' and '-' only, at most 40."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_")[:40]
