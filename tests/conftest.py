"""Shared test setup: Qt runs offscreen; helpers for running the real commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True, scope="session")
def _no_settings_of_this_computer(tmp_path_factory):
    """Tests never read this computer's settings files (docs/settings.md) or Qt's remembered
    choices: both config folders are empty ones of the test run's own, for the command
    lines the tests start too. A test that needs settings writes them there."""
    config = tmp_path_factory.mktemp("config")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(config / "user"))
        patch.setenv("XDG_CONFIG_DIRS", str(config / "system"))
        yield


@pytest.fixture
def cli_env() -> dict[str, str]:
    """Environment for running the console commands as a user would, from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def python() -> str:
    return sys.executable


def build_test_bed(port: str, clock, recording: Path | None, *, patient: str = "", protocol: str = "datex"):
    """A bed built as ``infusion-monitor live`` builds it (``main.build_bed``, the composition
    root), recording to the file ``recording``; not started."""
    from main import build_bed
    from monitor.alarms import DEFAULT_PROFILE, load_profile
    from monitor.bed import BedConfig

    config = BedConfig("bed", port, protocol, clock, load_profile(DEFAULT_PROFILE), patient_id=patient,
                       planned_infusion_s=2400.0, recording_file=recording)
    return build_bed(config)
