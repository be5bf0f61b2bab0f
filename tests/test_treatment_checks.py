"""Clinical checks: the published scales and their keys, validated checks, side effects, and the
reminder, which is due and overdue by the clock and never an alarm."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.clock import ManualClock
from monitor.session import QUICK_ANNOTATIONS, InfusionSession
from monitor.treatment.checks import (
    CheckError,
    ReminderState,
    check_reminder,
    scored_check,
    side_effect_check,
)
from monitor.treatment.scales import (
    CADSS6,
    MOAAS,
    NURSE_RATING,
    RASS,
    SCALES,
    SIDE_EFFECTS,
    side_effect_for_note,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_moaas_levels_carry_their_published_wording():
    assert [lv.score for lv in MOAAS.levels] == [0, 1, 2, 3, 4, 5]
    assert MOAAS.level(5).wording == "Responds readily to name spoken in normal tone"
    assert MOAAS.level(4).wording == "Lethargic response to name spoken in normal tone"
    assert MOAAS.level(0).wording == "Does not respond to painful trapezius squeeze"
    assert MOAAS.awake == 5 and "Chernik" in MOAAS.source


def test_rass_runs_from_unarousable_to_combative_with_alert_and_calm_as_awake():
    assert [lv.score for lv in RASS.levels] == list(range(-5, 5))
    assert RASS.level(0).label == "Alert and calm"
    assert RASS.level(-5).wording == "No response to voice or physical stimulation"
    assert RASS.level(4).label == "Combative"
    assert RASS.awake == 0 and "Sessler" in RASS.source


def test_cadss6_keeps_items_1_2_6_7_15_22_scored_0_to_4_and_says_what_is_unverified():
    assert [item.split(".")[0] for item in CADSS6.items] == ["1", "2", "6", "7", "15", "22"]
    assert (CADSS6.lowest, CADSS6.highest) == (0, 24)
    assert not CADSS6.verified and "not verified" in CADSS6.items[-1]
    assert "Rodrigues" in CADSS6.source


@pytest.mark.parametrize(("scale", "keys", "score", "complete"), [
    (MOAAS, "5", 5, True), (MOAAS, "0", 0, True), (MOAAS, "6", None, False),
    (RASS, "-3", -3, True), (RASS, "-", None, False), (RASS, "4", 4, True), (RASS, "+4", None, False),
    (NURSE_RATING, "1", 1, False),  # may still become 10: Enter takes it as 1
    (NURSE_RATING, "10", 10, True), (NURSE_RATING, "7", 7, True), (NURSE_RATING, "11", None, False),
])
def test_each_level_is_one_or_two_keys(scale, keys, score, complete):
    assert scale.score_for_keys(keys) == score
    assert scale.is_complete(keys) is complete
    assert all(1 <= len(lv.key) <= 2 for lv in scale.levels)


def test_a_multi_item_scale_takes_one_digit_per_item():
    assert CADSS6.item_scores_for_keys("010200") == (0, 1, 0, 2, 0, 0)
    assert CADSS6.is_complete("010200") and not CADSS6.is_complete("01020")
    assert CADSS6.item_scores_for_keys("010500") is None  # 5 is not an anchor


def test_side_effects_have_one_key_each_and_fold_in_the_quick_notes():
    keys = [e.key for e in SIDE_EFFECTS if e.key]
    assert keys == ["N", "V", "H", "A"] and len(set(keys)) == len(keys)
    # the quick notes of recordings made before the checks existed
    old_notes = ("Nausea", "Vomiting", "Antiemetic given", "Dissociation", "Anxiety / agitation", "Headache",
                 "Dose changed", "Infusion paused", "Infusion resumed", "Patient moved")
    folded = {note: side_effect_for_note(note) for note in old_notes}
    assert {n for n, e in folded.items() if e} == {"Nausea", "Vomiting", "Headache", "Anxiety / agitation",
                                                   "Dissociation"}
    assert side_effect_for_note("Antiemetic given") is None  # what the nurse did, not a side effect
    assert not any(side_effect_for_note(note) for note in QUICK_ANNOTATIONS)  # today's notes are no side effects


def test_a_check_is_validated_against_its_scale():
    check = scored_check(T0, MOAAS, "AB", score=4)
    assert (check.kind, check.scale, check.score, check.by) == ("sedation", "MOAA/S", 4, "AB")
    assert check.describe() == "Sedation MOAA/S 4 (Lethargic)"
    with pytest.raises(CheckError, match="MOAA/S is scored 0 to 5; 6 is not one of its levels"):
        scored_check(T0, MOAAS, "AB", score=6)
    with pytest.raises(CheckError, match="not one of its levels"):
        scored_check(T0, MOAAS, "AB", score=True)
    with pytest.raises(CheckError, match="Say who is entering this"):
        scored_check(T0, MOAAS, "  ", score=5)


def test_a_cadss6_check_records_its_items_and_their_sum():
    check = scored_check(T0, CADSS6, "AB", items=[0, 1, 0, 2, 0, 3])
    assert check.score == 6 and check.items == (0, 1, 0, 2, 0, 3)
    table, row = check.to_record()
    assert table == "clinical_checks" and json.loads(row["items"]) == [0, 1, 0, 2, 0, 3]
    assert check.describe() == "Dissociation CADSS-6 6 of 24"
    with pytest.raises(CheckError, match="CADSS-6 needs 6 item scores, each 0 to 4"):
        scored_check(T0, CADSS6, "AB", items=[0, 1])


def test_a_side_effect_is_present_or_resolved():
    assert side_effect_check(T0, "nausea", "AB").describe() == "Side effect: Nausea"
    assert side_effect_check(T0, "nausea", "AB", present=False).describe() == "Side effect: Nausea resolved"
    with pytest.raises(CheckError, match="Unknown side effect 'itch'"):
        side_effect_check(T0, "itch", "AB")


def test_every_scale_is_listed_by_its_id():
    assert set(SCALES) == {"MOAA/S", "RASS", "nurse-0-10", "CADSS-6"}


# -- the reminder -----------------------------------------------------------------------------


def remind(session, clock, checks, interval=900, overdue=300):
    return check_reminder(session.view(), checks, clock.now(), interval, overdue)


def test_the_reminder_is_off_before_the_infusion_and_after_the_session():
    clock = ManualClock(T0)
    session = InfusionSession(clock)
    clock.advance(3000)
    assert remind(session, clock, []).state is ReminderState.OFF
    session.end_session()
    assert remind(session, clock, []).state is ReminderState.OFF


def test_due_every_interval_from_the_start_or_the_last_check_then_overdue():
    clock = ManualClock(T0)
    session = InfusionSession(clock)
    baseline_check = scored_check(clock.now(), MOAAS, "AB", score=5)
    clock.advance(60)
    session.start_infusion()
    start = clock.now()
    clock.advance(14 * 60)
    reminder = remind(session, clock, [baseline_check])
    assert reminder.state is ReminderState.NOT_DUE  # a baseline check does not move the first one
    assert reminder.due_at == start + timedelta(minutes=15) and reminder.text == "Next check in 1 min"
    clock.advance(60)
    reminder = remind(session, clock, [baseline_check])
    assert reminder.state is ReminderState.DUE and reminder.items_due == ("sedation", "dissociation")
    assert reminder.text == "Sedation and dissociation check due"
    clock.advance(5 * 60)
    assert remind(session, clock, []).text == "Sedation and dissociation check overdue by 5 min"
    checks = [scored_check(clock.now(), MOAAS, "AB", score=4)]
    reminder = remind(session, clock, checks)  # the dissociation check is still owed
    assert reminder.state is ReminderState.OVERDUE and reminder.items_due == ("dissociation",)
    checks.append(scored_check(clock.now(), NURSE_RATING, "AB", score=3))
    reminder = remind(session, clock, checks)
    assert reminder.state is ReminderState.NOT_DUE and reminder.due_at == clock.now() + timedelta(minutes=15)


def test_the_reminder_runs_on_through_the_observation():
    clock = ManualClock(T0)
    session = InfusionSession(clock)
    session.start_infusion()
    clock.advance(2400)
    session.stop_infusion()
    checks = [scored_check(clock.now(), MOAAS, "AB", score=5), scored_check(clock.now(), NURSE_RATING, "AB", score=0)]
    clock.advance(15 * 60)
    assert remind(session, clock, checks).state is ReminderState.DUE

