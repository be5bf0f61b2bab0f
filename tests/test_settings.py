"""The clinic's settings files: where they are, which value wins, locks, and every bad input.

Real files in a temporary folder that platformdirs is pointed at through the XDG variables it
reads on Linux (the same way it finds them on a nurse's computer). Expected messages are
written out by hand, line numbers counted in the file texts below.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

import platformdirs.macos
import platformdirs.windows
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cli.settings import SettingLocked, Source, load_settings, settings_files
from cli.settings_keys import KEYS, OPTIONS, Option
from tests.conftest import ROOT

F8 = "the theme last chosen with F8, else dark"


@dataclass
class Config:
    root: Path

    @property
    def system_path(self) -> Path:
        return self.root / "system" / "infusion-monitor" / "settings.toml"

    @property
    def user_path(self) -> Path:
        return self.root / "user" / "infusion-monitor" / "settings.toml"

    def system(self, text: str | bytes) -> Path:
        return self._write(self.system_path, text)

    def user(self, text: str | bytes) -> Path:
        return self._write(self.user_path, text)

    @staticmethod
    def _write(path: Path, text: str | bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def config(tmp_path, monkeypatch) -> Config:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "system"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return Config(tmp_path)


def namespace(**given) -> argparse.Namespace:
    """What argparse gives for ``live`` when only ``given`` was typed."""
    blank = dict(profile=None, recordings=None, planned_minutes=None, theme=None, port=None, protocol=None)
    return argparse.Namespace(**{**blank, **given})


# -- where the files are ------------------------------------------------------------------------


def test_without_files_every_key_has_its_built_in_default_and_nothing_is_reported(config):
    settings = load_settings()
    assert settings.system.path == config.system_path and not settings.system.exists
    assert settings.user.path == config.user_path and not settings.user.exists
    assert settings.problems == ()
    assert {k: e.source for k, e in settings.entries.items()} == {k: Source.DEFAULT for k in KEYS}
    assert settings.value("alarm_profile") == "ketamine-infusion"
    assert settings.value("treatment_profile") == "ketamine-iv"
    assert settings.value("recordings") == config.root / "data" / "infusion-monitor" / "recordings"
    for key in ("planned_minutes", "theme", "port", "protocol", "room", "site", "bed", "central_url",
                "administrator"):
        assert settings.value(key) is None, key


def test_linux_files_are_the_xdg_ones(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.delenv("XDG_CONFIG_DIRS")
    monkeypatch.setenv("HOME", str(tmp_path))
    system, user = settings_files()
    assert system.path == Path("/etc/xdg/infusion-monitor/settings.toml")
    assert user.path == tmp_path / ".config" / "infusion-monitor" / "settings.toml"


def test_windows_files_are_in_programdata_and_the_local_appdata(monkeypatch):
    """platformdirs documents: site config = site data = CSIDL_COMMON_APPDATA (C:\\ProgramData);
    user config = user data = CSIDL_LOCAL_APPDATA unless roaming. docs/settings.md says the same."""
    folders = {"CSIDL_COMMON_APPDATA": r"C:\ProgramData",
               "CSIDL_LOCAL_APPDATA": r"C:\Users\nurse\AppData\Local",
               "CSIDL_APPDATA": r"C:\Users\nurse\AppData\Roaming"}
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", folders.__getitem__)
    system, user = settings_files(platformdirs.windows.Windows)
    assert PureWindowsPath(system.path) == PureWindowsPath(r"C:\ProgramData\infusion-monitor\settings.toml")
    assert PureWindowsPath(user.path) == PureWindowsPath(
        r"C:\Users\nurse\AppData\Local\infusion-monitor\settings.toml")
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert r"C:\ProgramData\infusion-monitor\settings.toml" in docs
    assert r"C:\Users\NAME\AppData\Local\infusion-monitor\settings.toml" in docs


def test_macos_files_are_in_application_support(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.delenv("XDG_CONFIG_DIRS")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(platformdirs.macos, "_homebrew_prefix", lambda: None)  # a python.org Python
    system, user = settings_files(platformdirs.macos.MacOS)
    assert system.path == Path("/Library/Application Support/infusion-monitor/settings.toml")
    assert user.path == tmp_path / "Library" / "Application Support" / "infusion-monitor" / "settings.toml"
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert "/Library/Application Support/infusion-monitor/settings.toml" in docs


# -- which value wins ---------------------------------------------------------------------------


def test_the_user_file_beats_the_system_file_and_says_where_each_value_came_from(config):
    config.system('theme = "light"\nplanned_minutes = 45\nsite = "North Clinic"\n')
    config.user('# mine\n\ntheme = "dark"\n')
    settings = load_settings()
    assert settings.problems == ()
    theme, minutes, site = (settings.entries[k] for k in ("theme", "planned_minutes", "site"))
    assert (theme.value, theme.source, theme.path, theme.line) == ("dark", Source.USER, config.user_path, 3)
    assert (minutes.value, minutes.source, minutes.line) == (45, Source.SYSTEM, 2)
    assert (site.value, site.source, site.line) == ("North Clinic", Source.SYSTEM, 3)
    assert settings.locked_by("theme") == ""


def test_the_command_line_beats_both_files_and_fills_only_what_it_left_out(config):
    config.user('theme = "dark"\nalarm_profile = "adult-generic"\nplanned_minutes = 30\nprotocol = "masimo"\n')
    args = namespace(theme="light", planned_minutes=50.0)
    load_settings().apply_to(args)
    assert (args.theme, args.planned_minutes) == ("light", 50.0)  # typed: kept
    assert (args.profile, args.protocol) == ("adult-generic", "masimo")  # left out: from the file
    assert args.recordings == config.root / "data" / "infusion-monitor" / "recordings"  # built-in
    assert args.port is None  # no port anywhere: live asks in the dialog


def test_options_a_command_does_not_have_are_left_alone(config):
    config.user('theme = "light"\n')
    args = argparse.Namespace(profile=None, file=None)  # review-like: no --theme
    load_settings().apply_to(args)
    assert vars(args) == {"profile": "ketamine-infusion", "file": None}


def test_a_room_keeps_the_port_and_protocol_from_the_settings_out_and_the_command_line_port_a_room(config):
    """For --room (issue 15): a room given on the command line or in the settings wins over a port and
    protocol from the settings; a port typed on the command line wins over a room from the settings."""
    room = config.root / "room-2.toml"
    room.write_text("[room]\n")
    config.user(f'room = "{room}"\nport = "COM3"\nprotocol = "masimo"\n')
    settings = load_settings()
    args = namespace(command="live", room=None)  # neither typed: the room
    settings.apply_to(args)
    assert (args.room, args.port, args.protocol) == (room, None, None)
    args = namespace(command="live", room=Path("other.toml"))  # a room typed
    settings.apply_to(args)
    assert (args.room, args.port, args.protocol) == (Path("other.toml"), None, None)
    args = namespace(command="live", room=None, port="sim:stable")  # a port typed
    settings.apply_to(args)
    assert (args.room, args.port, args.protocol) == (None, "sim:stable", "masimo")
    args = namespace(command="record", room=None)  # the room file is for live only
    settings.apply_to(args)
    assert (args.room, args.port) == (None, "COM3")


def test_a_repeatable_option_is_filled_as_a_list_and_each_value_checked_against_a_lock(config, monkeypatch):
    monkeypatch.setitem(OPTIONS, "port", (Option("port", "--port", unless=("room",), many=True),))
    config.system('[locked]\nport = "COM3"\n')
    args = namespace(command="live")
    load_settings().apply_to(args)
    assert args.port == ["COM3"]
    with pytest.raises(SettingLocked, match="^--port COM4: port is locked to COM3"):
        load_settings().apply_to(namespace(command="live", port=["COM3", "COM4"]))


def test_the_keys_of_features_still_being_built_fill_their_options_once_they_exist(config):
    config.user('central_url = "mqtts://central.example:8883"\nsite = "North Clinic"\nbed = "Chair 3"\n'
                'treatment_profile = "ketamine-iv"\n')
    live = namespace(command="live", publish=None, site=None, bed=None, treatment_profile=None)
    load_settings().apply_to(live)
    assert (live.publish, live.site, live.bed, live.treatment_profile) == (
        "mqtts://central.example:8883", "North Clinic", "Chair 3", "ketamine-iv")
    central = argparse.Namespace(command="central", broker=None, site="South")
    load_settings().apply_to(central)
    assert (central.broker, central.site) == ("mqtts://central.example:8883", "South")


def test_relative_paths_are_taken_from_the_settings_files_folder(config):
    config.system('recordings = "rec"\nalarm_profile = "profiles/clinic.toml"\n')
    profile = config.system_path.parent / "profiles" / "clinic.toml"
    profile.parent.mkdir()
    profile.write_text((ROOT / "monitor/alarms/profiles/adult-generic.toml").read_text(encoding="utf-8"))
    settings = load_settings()
    assert settings.problems == ()
    assert settings.value("recordings") == config.system_path.parent / "rec"
    assert settings.value("alarm_profile") == str(profile)


# -- locks -------------------------------------------------------------------------------------


SYSTEM_WITH_LOCKS = """administrator = "Clinic IT, extension 4410"
theme = "light"

[locked]
alarm_profile = "adult-generic"
theme = "dark"
"""


def test_a_locked_value_beats_the_user_file_which_is_told_so(config):
    config.system(SYSTEM_WITH_LOCKS)
    user = config.user('theme = "light"\nalarm_profile = "adult-generic"\n')
    settings = load_settings()
    theme = settings.entries["theme"]
    assert (theme.value, theme.source, theme.line) == ("dark", Source.LOCKED, 6)
    assert settings.value("alarm_profile") == "adult-generic"
    assert settings.locked_by("theme") == (
        f"Locked by the administrator (Clinic IT, extension 4410) in {config.system_path} line 6.")
    # the user's theme differs from the lock: reported; the equal profile is not worth a line
    assert settings.problems == (
        f"{user} line 1: theme: locked to dark by the system-wide file ({config.system_path} line 6); "
        "this value is not used",)


def test_the_command_line_cannot_change_a_locked_value_and_is_told_who_locked_it(config):
    config.system(SYSTEM_WITH_LOCKS)
    settings = load_settings()
    with pytest.raises(SettingLocked) as refused:
        settings.apply_to(namespace(profile="ketamine-infusion"))
    assert str(refused.value) == (
        "--profile ketamine-infusion: alarm_profile is locked to adult-generic. Locked by the administrator "
        f"(Clinic IT, extension 4410) in {config.system_path} line 5. Leave out --profile, or ask the "
        "administrator.")
    args = namespace(profile="adult-generic", theme="dark")  # the locked values themselves: fine
    settings.apply_to(args)
    assert (args.profile, args.theme) == ("adult-generic", "dark")


def test_a_locked_path_given_relative_to_the_current_folder_is_the_same_path(config, monkeypatch, tmp_path):
    config.system(f'[locked]\nrecordings = "{tmp_path / "share"}"\n')
    monkeypatch.chdir(tmp_path)
    args = namespace(recordings=Path("share"))
    load_settings().apply_to(args)
    assert args.recordings == Path("share")
    with pytest.raises(SettingLocked, match="--recordings elsewhere: recordings is locked to"):
        load_settings().apply_to(namespace(recordings=Path("elsewhere")))


def test_a_user_file_cannot_lock_or_name_the_administrator(config):
    user = config.user('administrator = "me"\n\n[locked]\ntheme = "light"\n')
    settings = load_settings()
    assert settings.value("theme") is None and settings.value("administrator") is None
    assert settings.problems == (
        f"{user} line 1: administrator: only the system-wide file can set it; not used",
        f"{user} line 3: [locked]: only the system-wide file can lock values; this table is not used",
    )


def test_an_invalid_locked_value_stays_locked_at_the_value_below_it(config):
    system = config.system('theme = "light"\n[locked]\ntheme = "blu"\n')
    config.user('theme = "dark"\n')
    settings = load_settings()
    theme = settings.entries["theme"]
    assert (theme.value, theme.source) == ("light", Source.LOCKED)
    assert settings.problems[0] == (
        f"{system} line 3: theme: must be one of 'dark', 'light', not 'blu'; using light (system-wide "
        "file), still locked")


def test_locked_written_as_a_list_is_explained(config):
    system = config.system('locked = ["theme"]\n')
    assert load_settings().problems == (
        f"{system} line 1: [locked]: must be a table: a line [locked], then one key = value per line "
        "below it; not used",)


# -- bad input: one line naming file, line and key, and the value used -------------------------


def test_a_bad_value_falls_back_for_that_key_only(config):
    user = config.user('theme = "blue"\nplanned_minutes = 45\nprotocol = "datx"\n')
    settings = load_settings()
    assert settings.value("planned_minutes") == 45
    assert settings.value("theme") is None and settings.value("protocol") is None
    assert settings.problems == (
        f"{user} line 1: theme: must be one of 'dark', 'light', not 'blue'; using {F8} (built-in default)",
        f"{user} line 3: protocol: must be one of 'datex', 'masimo', 'intellivue', not 'datx' (did you "
        "mean 'datex'?); using the protocol last chosen in the connection dialog, else datex "
        "(built-in default)",
    )


def test_a_bad_user_value_falls_back_to_the_system_files(config):
    config.system('planned_minutes = 50\n')
    user = config.user('planned_minutes = "45"\n')
    settings = load_settings()
    assert settings.value("planned_minutes") == 50
    assert settings.problems == (
        f"{user} line 1: planned_minutes: must be a number of minutes (got text); using 50 (system-wide file)",)


@pytest.mark.parametrize("text, message", [
    ("planned_minutes = 0", "must be more than 0 and at most 1440 minutes, not 0"),
    ("planned_minutes = 1441", "must be more than 0 and at most 1440 minutes, not 1441"),
    ("planned_minutes = true", "must be a number of minutes (got true/false)"),
    ("theme = 1", "must be text in quotes (got a number)"),
    ('site = "North/Clinic"', "must be up to 64 letters, digits, spaces, '.', '_' or '-', starting with a "
     "letter or digit (it is part of the central station's topics)"),
    ('bed = "   "', "must be one line of printable text"),
    ('central_url = "http://central:1883"', "http://central:1883: give mqtt://HOST[:PORT] or "
     "mqtts://HOST[:PORT] (the central station's MQTT broker)"),
    ('central_url = "mqtt://central:99999"', "mqtt://central:99999: the port must be a number from 1 to 65535"),
    ('port = "socket://monitor-server"', "socket://monitor-server: give socket://HOST:PORT with a port "
     "from 1 to 65535"),
    ('alarm_profile = "ketamine-infusoin"', "no built-in profile 'ketamine-infusoin' (did you mean "
     "'ketamine-infusion'?); built-in: adult-generic, ketamine-infusion, or give a .toml file"),
])
def test_each_invalid_value_is_one_line_with_file_line_and_key(config, text, message):
    user = config.user(f"# clinic\n{text}\n")
    key = text.split(" ")[0]
    problems = load_settings().problems
    assert len(problems) == 1
    assert problems[0].startswith(f"{user} line 2: {key}: {message}; using ")
    assert load_settings().entries[key].source is Source.DEFAULT


def test_a_recordings_folder_that_is_a_file_is_refused(config):
    blocker = config.root / "user" / "infusion-monitor" / "notes.txt"
    user = config.user('recordings = "notes.txt/recordings"\n')
    blocker.write_text("not a folder")
    settings = load_settings()
    default = config.root / "data" / "infusion-monitor" / "recordings"
    assert settings.problems == (
        f"{user} line 1: recordings: {blocker} is a file, not a folder; using {default} (built-in default)",)


def test_an_alarm_profile_that_does_not_load_is_refused_with_the_profiles_own_reason(config):
    broken = config.root / "clinic.toml"
    broken.write_text("[profile]\nname = 'clinic'\n")  # no limits at all
    user = config.user(f'alarm_profile = "{broken}"\n')
    problem, = load_settings().problems
    assert problem.startswith(f"{user} line 1: alarm_profile: {broken}: parameters: missing")
    assert problem.endswith("; using ketamine-infusion (built-in default)")


def test_a_simulated_port_whose_scenario_does_not_exist_is_refused(config):
    user = config.user('port = "sim:ketamine-typcal"\n')
    problem, = load_settings().problems
    assert problem.startswith(f"{user} line 1: port: ketamine-typcal: no such built-in scenario (did you "
                              "mean 'ketamine-typical'?)")


def test_a_room_file_that_is_not_there_is_refused(config):
    user = config.user('room = "room-2.toml"\n')
    assert load_settings().problems == (
        f"{user} line 1: room: {user.parent / 'room-2.toml'}: no such file; using no room file "
        "(built-in default)",)


def test_unknown_keys_are_reported_with_a_suggestion_not_ignored(config):
    system = config.system('recording = "x"\n\n[locked]\nalarm_profil = "adult-generic"\n[themes]\n')
    known = ", ".join(KEYS)
    assert load_settings().problems == (
        f"{system} line 1: recording: unknown key (did you mean 'recordings'?); not used (known keys: "
        f"{known}, locked)",
        f"{system} line 4: locked.alarm_profil: unknown key (did you mean 'alarm_profile'?); not used "
        f"(known keys: {known})",
        f"{system} line 5: themes: unknown key (did you mean 'theme'?); not used (known keys: {known}, locked)",
    )


def test_a_file_that_is_not_toml_is_named_with_its_line_and_not_used(config):
    user = config.user('theme = "light"\nrecordings = "C:\\Recordings"\n')
    settings = load_settings()
    assert settings.value("theme") is None  # nothing of the broken file
    problem, = settings.problems  # the column is tomllib's
    assert problem.startswith(f"{user} line 2: TOML syntax error: Unescaped '\\' in a string (column ")
    assert problem.endswith(") (write a Windows path in single quotes, 'C:\\Recordings', or with forward "
                            "slashes); nothing in this file is used")


def test_a_word_without_quotes_is_explained(config):
    user = config.user('theme = dark\n')
    assert load_settings().problems == (
        f"{user} line 1: TOML syntax error: Invalid value (column 9) (text goes in quotes: theme = \"dark\"); "
        "nothing in this file is used",)


def test_a_broken_user_file_leaves_the_system_file_in_force(config):
    config.system('[locked]\ntheme = "light"\n')
    config.user(b'theme = "dark"\n\xff\xfe')
    settings = load_settings()
    assert settings.value("theme") == "light"
    assert settings.problems == (f"{config.user_path} line 2: file is not UTF-8 text; nothing in this file is used",)


def test_a_folder_where_the_file_should_be_is_reported(config):
    config.user_path.mkdir(parents=True)
    assert load_settings().problems == (
        f"{config.user_path}: is a folder, not a settings file; nothing in this file is used",)


def test_a_byte_order_mark_from_a_windows_editor_is_accepted(config):
    config.user('\ufefftheme = "light"\n'.encode())
    settings = load_settings()
    assert settings.problems == () and settings.value("theme") == "light"


TOML_VALUES = st.one_of(
    st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=80).map(lambda t: json.dumps(t)),  # a JSON string is a TOML basic string
    st.sampled_from(['"dark"', '"sim:stable"', '"mqtt://h:1"', '"~/x"', '"/dev/null"', "[1, 2]", "{a = 1}"]),
)


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([*KEYS, "locked.theme", "locked.port", "nosuch", "locked"]),
                          TOML_VALUES), max_size=8, unique_by=lambda kv: kv[0]))
def test_no_file_content_raises_and_every_problem_is_one_line_naming_the_file(config, pairs):
    text = "".join(f"{key} = {value}\n" for key, value in pairs)
    config.system(text)
    config.user(text)
    settings = load_settings()
    for problem in settings.problems:
        assert "\n" not in problem
        assert problem.startswith((str(config.system_path), str(config.user_path)))
    for key, entry in settings.entries.items():
        assert entry.source is Source.DEFAULT or entry.line >= 1, key


# -- held together -----------------------------------------------------------------------------


def test_every_key_is_documented_in_docs_settings(config):
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for key in KEYS:
        assert f"| `{key}` |" in docs, key


def test_every_option_a_setting_fills_has_no_default_of_its_own():
    """A parser default would hide the settings (and make a lock refuse the default itself)."""
    from main import VERSION, build_parser, registry

    parser = build_parser(VERSION, registry.protocol_names())
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    dests = {option.dest for options in OPTIONS.values() for option in options}
    checked = 0
    for name, parser in commands.choices.items():
        for action in parser._actions:
            if action.dest in dests:
                assert action.default is None, (name, action.dest)
                checked += 1
    assert checked >= 8  # live: profile, recordings, planned_minutes, theme, port, protocol; record: ...
