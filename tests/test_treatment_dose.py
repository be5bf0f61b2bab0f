"""Dose and pump rate: strict typing of quantities, the formulas against hand arithmetic, the
profile's bounds and logged confirmations, and what the pump has delivered over logged rates."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from monitor.treatment.dose import (
    DoseInputs,
    EntryLimits,
    PlanConfirmed,
    PlanError,
    Severity,
    compute_plan,
    overrides_for,
    review_plan,
)
from monitor.treatment.entry import EntryError, Field, amount_text, parse_quantity
from monitor.treatment.infusion import RateChange, delivery, infused_ml
from monitor.treatment.profile import load_treatment_profile

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LIMITS = load_treatment_profile().entries


def inputs(weight=80.0, dose=0.5, minutes=40.0, concentration=10.0, volume: float | None = 100.0) -> DoseInputs:
    return DoseInputs(weight, dose, minutes, concentration, volume)


# -- typing numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("80", 80.0), ("80.5", 80.5), (" 80 ", 80.0), ("80 kg", 80.0), ("80kg", 80.0), ("80 KG", 80.0),
    ("0.5", 0.5), ("007", 7.0),
])
def test_plain_numbers_and_the_fields_own_unit_are_read(text, value):
    assert parse_quantity(text, Field.WEIGHT) == value


@pytest.mark.parametrize(("text", "field", "says"), [
    ("", Field.WEIGHT, "Enter the weight in kg."),
    ("   ", Field.WEIGHT, "Enter the weight in kg."),
    ("80,5", Field.WEIGHT, '"80,5" has a comma: type the weight in kg with a point for decimals'),
    ("1,000", Field.VOLUME, '"1,000" has a comma: type the infusion volume in mL'),
    ("8O", Field.WEIGHT, '"8O" is not a number: type the weight in kg with the digits 0-9'),
    ("80kg?", Field.WEIGHT, '"80kg?" is not a number'),
    ("176 lb", Field.WEIGHT, '"176 lb" is not in kg: type the weight in kg'),
    ("0.5 mg", Field.DOSE, '"0.5 mg" is not in mg/kg'),
    ("-80", Field.WEIGHT, "is not a number"),
    ("+80", Field.WEIGHT, "is not a number"),
    ("8e1", Field.WEIGHT, "is not a number"),
    ("80 kilos", Field.WEIGHT, "is not a number"),
    (".5", Field.DOSE, "is not a number"),
    ("5.", Field.DOSE, "is not a number"),
    ("1.2.3", Field.DOSE, "is not a number"),
    ("nan", Field.WEIGHT, "is not a number"),
    ("inf", Field.WEIGHT, "is not a number"),
    ("\u0668\u0660", Field.WEIGHT, "is not a number"),  # Arabic-Indic 80: float() would read it
    ("\uff18\uff10", Field.WEIGHT, "is not a number"),  # full-width 80
    ("1234567890", Field.WEIGHT, "too many digits"),
])
def test_anything_else_is_refused_with_a_sentence_naming_field_and_unit(text, field, says):
    with pytest.raises(EntryError) as refused:
        parse_quantity(text, field)
    assert says in str(refused.value)
    assert field.unit in str(refused.value)


@given(st.tuples(st.text(max_size=8), st.text(max_size=8)).map(",".join))
def test_a_string_with_a_comma_never_becomes_a_number(text):
    with pytest.raises(EntryError, match="comma"):
        parse_quantity(text, Field.WEIGHT)


@given(st.text(max_size=12))
def test_whatever_is_accepted_is_plain_ascii_digits_and_one_point(text):
    try:
        value = parse_quantity(text, Field.WEIGHT)
    except EntryError:
        return
    number = text.strip().lower().removesuffix("kg").strip()
    assert all(c in "0123456789." for c in number) and number.count(".") <= 1
    assert value == float(number)


@given(st.decimals(min_value=0, max_value=99999, places=3, allow_nan=False))
def test_a_decimal_written_with_a_point_reads_back_exactly(number):
    text = format(number, "f")
    assert parse_quantity(text, Field.VOLUME) == float(text)
    assert parse_quantity(f"{text} mL", Field.VOLUME) == float(text)


# -- the formulas ------------------------------------------------------------------------------


def test_the_worked_example_80_kg_at_half_a_mg_per_kg_over_40_minutes():
    # By hand: 80 kg x 0.5 mg/kg = 40 mg; 40 mg / 10 mg/mL = 4 mL of drug; made up to 100 mL over
    # 40 min: 100 mL / (40/60 h) = 150 mL/h; 40 mg / 100 mL = 0.4 mg/mL; 150 mL/h x 0.4 = 60 mg/h.
    plan = compute_plan(inputs())
    assert plan.total_mg == 40.0
    assert plan.drug_ml == 4.0
    assert plan.volume_ml == 100.0
    assert plan.rate_ml_per_h == pytest.approx(150.0)
    assert plan.infused_mg_per_ml == pytest.approx(0.4)
    assert plan.mg_per_h == pytest.approx(60.0)
    assert plan.summary() == ("40 mg (0.5 mg/kg x 80 kg) over 40 min: 4 mL of 10 mg/mL made up to 100 mL, "
                              "pump 150 mL/h")


def test_undiluted_the_pump_gives_the_drug_volume_itself():
    # 62.5 kg x 0.5 = 31.25 mg; at 50 mg/mL: 0.625 mL; over 40 min: 0.625 / 40 x 60 = 0.9375 mL/h
    plan = compute_plan(inputs(weight=62.5, concentration=50.0, volume=None))
    assert plan.total_mg == 31.25
    assert plan.drug_ml == 0.625
    assert plan.volume_ml == 0.625
    assert plan.rate_ml_per_h == pytest.approx(0.9375)
    assert plan.infused_mg_per_ml == 50.0


def test_a_volume_smaller_than_the_drug_cannot_be_a_plan():
    # 100 kg x 1 mg/kg = 100 mg = 10 mL at 10 mg/mL: it cannot be made up to 5 mL
    with pytest.raises(EntryError, match="infusion volume 5 mL is less than the 10 mL of drug"):
        compute_plan(inputs(weight=100, dose=1.0, volume=5))


@given(weight=st.floats(20, 300), dose=st.floats(0.1, 1.0), minutes=st.floats(40, 60),
       concentration=st.floats(10, 100), volume=st.floats(20, 250))
def test_the_plan_delivers_exactly_the_total_dose_over_the_planned_time(weight, dose, minutes, concentration,
                                                                         volume):
    assume(volume >= weight * dose / concentration)
    plan = compute_plan(inputs(weight, dose, minutes, concentration, volume))
    delivered = plan.rate_ml_per_h * minutes / 60 * plan.infused_mg_per_ml
    assert delivered == pytest.approx(weight * dose)


# -- bounds and confirmations ------------------------------------------------------------------


def test_a_usual_plan_needs_nothing_confirmed():
    review = review_plan(inputs(), LIMITS)
    assert review.can_confirm and not review.refusals and not review.confirmations


@pytest.mark.parametrize(("changed", "field", "says"), [
    ({"weight": 18}, Field.WEIGHT, "The weight 18 kg is below the usual 20-300 kg: confirm it is right."),
    ({"weight": 301}, Field.WEIGHT, "The weight 301 kg is above the usual 20-300 kg"),
    ({"dose": 1.2}, Field.DOSE, "The dose 1.2 mg/kg is above the usual 0.1-1 mg/kg"),
    ({"dose": 0.05}, Field.DOSE, "The dose 0.05 mg/kg is below the usual 0.1-1 mg/kg"),
    ({"minutes": 30}, Field.INFUSION_TIME, "The infusion time 30 min is below the usual 40-60 min"),
    ({"concentration": 1}, Field.CONCENTRATION, "The drug concentration 1 mg/mL is below the usual 10-100 mg/mL"),
])
def test_a_value_outside_its_sensible_range_asks_for_confirmation(changed, field, says):
    review = review_plan(inputs(**changed), LIMITS)
    assert review.can_confirm
    assert [(f.field, f.severity) for f in review.confirmations] == [(field, Severity.CONFIRM)]
    assert review.confirmations[0].message.startswith(says)


@pytest.mark.parametrize(("changed", "says"), [
    ({"weight": 800}, "The weight 800 kg is above 650 kg, which is never accepted"),
    ({"weight": 0}, "The weight must be more than 0 kg (entered 0 kg)."),
    ({"dose": 5}, "The dose 5 mg/kg is above 2 mg/kg, which is never accepted"),
    ({"concentration": 200}, "The drug concentration 200 mg/mL is above 100 mg/mL"),
])
def test_a_value_that_cannot_be_right_is_refused_outright(changed, says):
    review = review_plan(inputs(**changed), LIMITS)
    assert not review.can_confirm
    assert review.refusals[0].message.startswith(says)


def test_a_confirmation_is_an_override_naming_who_when_and_what():
    review = review_plan(inputs(weight=310, dose=1.2), LIMITS)
    with pytest.raises(PlanError, match="Confirm first: The dose 1.2 mg/kg is above"):
        overrides_for(review.confirmations, {Field.WEIGHT}, T0, "AB")
    overrides = overrides_for(review.confirmations, {Field.WEIGHT, Field.DOSE}, T0, "AB")
    assert [o.as_dict()["field"] for o in overrides] == ["weight", "dose"]
    assert overrides[0].as_dict() == {
        "time": T0.timestamp(), "by": "AB", "field": "weight", "value": 310, "unit": "kg",
        "message": "The weight 310 kg is above the usual 20-300 kg: confirm it is right.",
    }
    table, row = PlanConfirmed(T0, review.plan, "AB", "ketamine-iv", overrides).to_record()
    assert table == "treatment_plans"
    assert row["total_mg"] == pytest.approx(372.0)  # 310 x 1.2
    assert '"field": "dose"' in row["confirmations"]


def test_entry_limits_boundaries_are_inside():
    limits = EntryLimits(Field.WEIGHT, 20, 300, 650)
    assert limits.check(20) is None and limits.check(300) is None
    assert limits.check(650).severity is Severity.CONFIRM
    assert limits.check(650.001).severity is Severity.REFUSED
    assert limits.check(math.nan).severity is Severity.REFUSED


# -- what has been infused ---------------------------------------------------------------------


def test_150_ml_per_h_for_20_min_then_75_for_20_min_is_75_ml_or_30_mg():
    # By hand: 150 mL/h x 1/3 h = 50 mL; 75 mL/h x 1/3 h = 25 mL; 75 mL x 0.4 mg/mL = 30 mg.
    plan = compute_plan(inputs())
    slowed = RateChange(T0 + timedelta(minutes=20), 75.0, "AB", "nausea")
    got = delivery(plan, [slowed], T0, T0 + timedelta(minutes=40), T0 + timedelta(minutes=55))
    assert got.infused_ml == pytest.approx(75.0)
    assert got.infused_mg == pytest.approx(30.0)
    assert got.remaining_ml == pytest.approx(25.0)
    assert got.rate_ml_per_h == 0.0  # stopped
    assert got.empty_at is None


def test_during_the_infusion_the_bag_empties_at_the_current_rate():
    plan = compute_plan(inputs())
    paused = RateChange(T0 + timedelta(minutes=10), 0.0, "AB", "paused")
    resumed = RateChange(T0 + timedelta(minutes=15), 150.0, "AB")
    now = T0 + timedelta(minutes=20)
    got = delivery(plan, [resumed, paused], T0, None, now)  # order of the list does not matter
    assert got.infused_ml == pytest.approx(37.5)  # 10 min + 5 min at 150 mL/h
    assert got.rate_ml_per_h == 150.0
    assert got.empty_at == now + timedelta(minutes=25)  # 62.5 mL at 150 mL/h


def test_the_bag_never_gives_more_than_it_holds():
    assert infused_ml(150.0, [(600.0, 600.0)], 3600.0, 100.0) == 100.0


rates = st.floats(0, 150.0)


@given(st.lists(st.tuples(st.floats(0, 2400), rates), max_size=6), st.floats(0, 2400))
def test_at_or_below_the_planned_rate_the_infused_amount_never_exceeds_the_planned_total(changes, elapsed):
    plan = compute_plan(inputs())
    changes = sorted(changes)
    volume = infused_ml(plan.rate_ml_per_h, changes, elapsed, plan.volume_ml)
    assert 0 <= volume * plan.infused_mg_per_ml <= plan.total_mg + 1e-9
    assert volume <= plan.rate_ml_per_h * elapsed / 3600 + 1e-9


@given(st.lists(st.tuples(st.floats(0, 4000), st.floats(0, 999)), max_size=6), st.floats(0, 4000),
       st.floats(0, 600))
def test_the_infused_volume_only_grows_with_time(changes, elapsed, more):
    changes = sorted(changes)
    earlier = infused_ml(150.0, changes, elapsed, 100.0)
    assert infused_ml(150.0, changes, elapsed + more, 100.0) >= earlier - 1e-9


def test_amounts_are_written_as_a_person_would():
    assert [amount_text(v) for v in (40.0, 0.5, 1 / 3, 150.0000001, 0.0)] == ["40", "0.5", "0.333", "150", "0"]
