"""What the clinic's settings fix for a control, as the composition root hands it to the screens.

``main.py`` reads the settings files (``cli/settings.py``); the windows and dialogs only learn
the result: a value to preselect and, when an administrator locked it, who did and where (the
control is then disabled and says so). They never read a settings file themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    value: str
    locked_by: str = ""  # "" : a default the user may change; else the sentence that says who locked it
