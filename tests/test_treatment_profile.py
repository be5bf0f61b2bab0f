"""Treatment profiles: the shipped one says what the issue asks and that it awaits approval; a
wrong file is refused with its name, the line and the key, and nothing of it is used."""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path

import pytest

from monitor.alarms.profile import ProfileError
from monitor.readings import Parameter
from monitor.treatment.entry import Field
from monitor.treatment.profile import load_treatment_profile

SHIPPED = importlib.resources.files("monitor.treatment") / "profiles" / "ketamine-iv.toml"


def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def test_the_shipped_profile_holds_the_issues_defaults():
    profile = load_treatment_profile()
    assert profile.name == "ketamine-iv"
    assert profile.default(Field.DOSE) == 0.5 and profile.default(Field.INFUSION_TIME) == 40
    assert profile.default(Field.WEIGHT) is None  # the nurse always enters the weight
    weight = profile.entries[Field.WEIGHT]
    assert (weight.low, weight.high) == (20, 300)
    assert profile.entries[Field.DOSE].high == 1.0  # the profile's maximum: above it is confirmed
    assert profile.checks.interval_s == 15 * 60
    assert profile.checks.sedation_scale.id == "MOAA/S"
    discharge = profile.discharge
    assert discharge.observation_s == 3600 and discharge.stable_s == 900 and discharge.within_percent == 20
    assert discharge.vitals == (Parameter.HR, Parameter.NIBP_SYS, Parameter.NIBP_DIA)


def test_the_shipped_profile_says_it_needs_approval_and_gives_a_source_for_every_number():
    text = shipped_text()
    assert "NOT APPROVED FOR CLINICAL USE" in text and "Reviewed and approved by" in text
    for line in text.splitlines():
        if re.match(r"\s*[a-z_]+\s*=\s*[\[0-9\"t]", line) and not line.startswith(("name", "description")):
            assert "#" in line, f"no source comment: {line}"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def changed(old: str, new: str) -> str:
    text = shipped_text()
    assert old in text
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.mark.parametrize(("old", "new", "key", "rule"), [
    ("stable_min = 15", "stable_min = 0", "discharge.stable_min", "must be 1 to 240 min, not 0"),
    ("stable_min = 15", "stable_mn = 15", "discharge.stable_mn", "unknown key 'stable_mn'"),
    ("interval_min = 15", 'interval_min = "15"', "checks.interval_min", "must be a number, not '15'"),
    ("sensible = [20, 300]", "sensible = [300, 20]", "entry.weight.sensible", "low below high"),
    ("sensible = [0.1, 1.0]", "sensible = [0.1]", "entry.dose.sensible", "must be [low, high] in mg/kg"),
    ("default = 0.5", "default = 1.5", "entry.dose.default", "must be inside sensible [0.1, 1] mg/kg"),
    ('sedation_scale = "MOAA/S"', 'sedation_scale = "CADSS-6"', "checks.sedation_scale",
     "unknown sedation scale 'CADSS-6' (known: MOAA/S, RASS)"),
    ('vitals = ["HR", "NIBP_SYS", "NIBP_DIA"]', 'vitals = ["HR", "BP"]', "discharge.vitals", "must be a list"),
    ("refuse_above = 650", "refuse_above = 200", "entry.weight.refuse_above", "must be 300 to 1e+06 kg"),
])
def test_a_wrong_value_is_refused_naming_file_line_and_key(tmp_path, old, new, key, rule):
    text = changed(old, new)
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as refused:
        load_treatment_profile(path)
    message = str(refused.value)
    assert message.startswith(f"{path} line {line_of(text, new)}: {key}: ")
    assert rule in message


def test_a_missing_table_is_named(tmp_path):
    text = shipped_text()
    text = text[: text.index("[discharge]")]
    with pytest.raises(ProfileError, match=r"clinic.toml line 1: discharge: missing: the treatment profile needs"):
        load_treatment_profile(write(tmp_path, text))


def test_files_that_are_not_profiles_are_refused_like_alarm_profiles(tmp_path):
    with pytest.raises(ProfileError, match="nowhere.toml: no such file"):
        load_treatment_profile(tmp_path / "nowhere.toml")
    with pytest.raises(ProfileError, match=r"is not valid TOML: .*line 2"):
        load_treatment_profile(write(tmp_path, "[profile]\nname = \n"))
    with pytest.raises(ProfileError, match="no built-in profile of that name \\(built-in: ketamine-iv\\)"):
        load_treatment_profile("ketamine-oral")


def test_the_clinic_may_choose_rass_and_cadss6(tmp_path):
    text = changed('sedation_scale = "MOAA/S"', 'sedation_scale = "RASS"')
    text = text.replace('dissociation_scale = "nurse-0-10"', 'dissociation_scale = "CADSS-6"')
    profile = load_treatment_profile(write(tmp_path, text))
    assert profile.checks.sedation_scale.id == "RASS" and profile.checks.sedation_scale.awake == 0
    assert profile.checks.dissociation_scale.id == "CADSS-6"
