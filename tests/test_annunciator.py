"""The annunciator (issue 14): the sound follows the beds, on their threads, never the display's;
one sound for a room of beds (issue 15); the sound process's reports reach every bed. Real
beds on a ManualClock, judged here without their threads; the sound process is stood in for
by a recorder of what it is told (tests/test_sound_display.py runs the real one)."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.alarms import AlarmCondition, EventType, Priority, profile_from_dict
from monitor.bed import Bed, BedConfig
from monitor.clock import ManualClock
from monitor.readings import UNITS, Parameter, Reading
from ui.sound.annunciator import Annunciator
from ui.sound.supervisor import SoundEvent

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
# HR alarms at once (no delay): 101-110 low, 111-130 medium, over 130 high
PROFILE = profile_from_dict({"parameters": {"HR": {"above": {"low": 100, "medium": 110, "high": 130},
                                                    "hysteresis": 2}}}, "t.toml")


class ToldSound:
    """Keeps what the sound process would have been told."""

    def __init__(self) -> None:
        self.played: list[str | None] = []
        self.beats = 0
        self.running = False

    def play(self, priority: object) -> None:
        self.played.append(getattr(priority, "value", priority))

    def heartbeat(self) -> None:
        self.beats += 1

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False


def bed(name: str, clock: ManualClock) -> Bed:
    return Bed(BedConfig(name, "sim:stable", "datex", clock, PROFILE))


def hr(b: Bed, value: float) -> None:
    b.post(Reading(Parameter.HR, value, UNITS[Parameter.HR], b.clock.now(), "datex"))
    b.process_pending()


def alarm_events(b: Bed) -> list:
    log: list = []
    b.subscribe(lambda e: log.append(e) if getattr(e, "condition", None) is not None else None)
    return log


def test_the_highest_priority_of_every_bed_it_follows_plays_and_only_changes_are_sent():
    clock, told = ManualClock(T0), ToldSound()
    annunciator = Annunciator(lambda report: told)
    chair1, chair2 = bed("Chair 1", clock), bed("Chair 2", clock)
    annunciator.follow(chair1)
    annunciator.follow(chair2)
    hr(chair1, 105)
    assert told.played == ["low"]
    hr(chair2, 120)
    hr(chair1, 106)  # still low: nothing new to tell
    assert told.played == ["low", "medium"]
    chair2.alarms.acknowledge(by="nurse")  # the command's events reach the annunciator as well
    assert told.played == ["low", "medium", "low"] and annunciator.playing is Priority.LOW
    chair1.alarms.pause_audio(by="nurse")  # each chair's pause silences that chair only
    assert told.played[-1] is None
    hr(chair2, 140)  # worse: sounds again
    assert told.played[-1] == "high"


def test_a_closed_chair_stops_sounding_and_is_told_nothing_more():
    clock, told = ManualClock(T0), ToldSound()
    annunciator = Annunciator(lambda report: told)
    chair = bed("Chair 1", clock)
    log = alarm_events(chair)
    unfollow = annunciator.follow(chair)
    hr(chair, 120)
    unfollow()
    assert told.played == ["medium", None]
    hr(chair, 140)
    annunciator.report(SoundEvent("unavailable", "No alarm sound: no device. Watch the screen."))
    chair.process_pending()
    assert told.played == ["medium", None]
    assert all(e.condition is not AlarmCondition.AUDIO_UNAVAILABLE for e in log)


def test_the_sound_processs_reports_become_each_beds_technical_alarms():
    clock, told = ManualClock(T0), ToldSound()
    annunciator = Annunciator(lambda report: told)
    chair1 = bed("Chair 1", clock)
    log1 = alarm_events(chair1)
    annunciator.follow(chair1)
    annunciator.report(SoundEvent("failed", "No alarm sound: sound process killed by SIGKILL; restarting. "
                                            "Watch the screen."))
    annunciator.report(SoundEvent("display_frozen", seconds=2.1))
    chair1.process_pending()
    chair2 = bed("Chair 2", clock)  # a chair opened later still learns the sound is out
    log2 = alarm_events(chair2)
    annunciator.follow(chair2)
    chair2.process_pending()
    raised = [(e.condition, e.priority) for e in log1 if e.event is EventType.RAISED]
    assert raised == [(AlarmCondition.AUDIO_UNAVAILABLE, Priority.MEDIUM),
                      (AlarmCondition.DISPLAY_FROZEN, Priority.HIGH)]
    assert [(e.condition, e.event) for e in log2] == [(AlarmCondition.AUDIO_UNAVAILABLE, EventType.RAISED)]
    annunciator.report(SoundEvent("restored"))
    annunciator.report(SoundEvent("display_recovered", seconds=5.2))
    chair1.process_pending()
    chair2.process_pending()
    cleared = [(e.condition, e.detail) for e in log1 if e.event is EventType.CLEARED]
    assert cleared[-1] == (AlarmCondition.DISPLAY_FROZEN, "display was frozen for 5.2 s")
    assert (AlarmCondition.AUDIO_UNAVAILABLE, EventType.CLEARED) in [(e.condition, e.event) for e in log2]
    assert annunciator.problem is None


def test_the_display_only_sends_the_heartbeat_and_closing_silences_and_ends_the_sound():
    told = ToldSound()
    annunciator = Annunciator(lambda report: told)
    annunciator.start()
    chair = bed("Chair 1", ManualClock(T0))
    annunciator.follow(chair)
    hr(chair, 140)
    annunciator.heartbeat()
    assert told.beats == 1 and told.running
    annunciator.close()
    assert told.played == ["high", None] and not told.running
