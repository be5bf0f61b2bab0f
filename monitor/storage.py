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


def recording_name(started_at: datetime, patient_id: str = "") -> str:
    """A name that sorts by time and never contains characters a file system rejects."""
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    safe_patient = re.sub(r"[^A-Za-z0-9_-]+", "_", patient_id).strip("_")[:40]
    return f"{stamp}-{safe_patient}{RECORDING_SUFFIX}" if safe_patient else f"{stamp}{RECORDING_SUFFIX}"
