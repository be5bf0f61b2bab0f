"""One session's treatment record: the plan, rate changes, checks, discharge and sign-off.

A bed owns one :class:`Treatment` beside its :class:`~monitor.session.InfusionSession`
and calls it from the same thread (under the same lock): the commands the nurse gives
(confirm the plan, change the rate, enter a check, sign off), every reading
(:meth:`Treatment.on_reading`, for the discharge vitals) and a regular
:meth:`Treatment.tick` (discharge criteria becoming met). Every event worth keeping
(plan, rate change, check, criterion change, sign-off) is handed to ``on_event``,
where the bed passes it to its listeners and the recording; all have ``to_record()``.

Every refusal is a :class:`~monitor.treatment.entry.TreatmentError` whose text is the
sentence to show. The check reminder and the discharge status are read with
:meth:`Treatment.view`; neither is an alarm, and neither touches the alarm engine:
active alarms are only read (``active_alarms``) to keep the patient not ready.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from monitor.clock import Clock
from monitor.readings import Parameter, Reading
from monitor.session import BY_NURSE, BY_SCENARIO, InfusionSession, Phase, TimelineEventLike
from monitor.treatment.checks import (
    Check,
    Reminder,
    actor,
    check_reminder,
    scored_check,
    side_effect_check,
)
from monitor.treatment.discharge import SIGN_OFF, AlarmLike, DischargeStatus, evaluate_discharge
from monitor.treatment.dose import (
    DoseInputs,
    DosePlan,
    Override,
    PlanConfirmed,
    PlanError,
    PlanReview,
    overrides_for,
    review_plan,
)
from monitor.treatment.entry import Field, TreatmentError, amount_text, parse_quantity
from monitor.treatment.infusion import Delivery, RateChange, delivery
from monitor.treatment.profile import TreatmentProfile
from monitor.treatment.scales import CHECK_KEYS, DISSOCIATION, SEDATION, SIDE_EFFECTS, Scale
from monitor.treatment.scenario import apply_scenario_events
from monitor.treatment.signoff import DischargeLog, SignOff
from monitor.treatment.vitals import VitalsHistory

log = logging.getLogger(__name__)
_Event = TypeVar("_Event")


@dataclass(frozen=True, slots=True)
class TreatmentView:
    """Everything the header, the check panel and the discharge panel show, at one instant."""

    plan: DosePlan | None
    delivery: Delivery | None  # None before the infusion starts or without a plan
    rate_changes: tuple[RateChange, ...]
    checks: tuple[Check, ...]
    reminder: Reminder
    discharge: DischargeStatus
    signed_off: SignOff | None


def _ignore(event: object) -> None:
    pass


class Treatment:
    """The treatment record of one session (see the module docstring)."""

    def __init__(
        self,
        clock: Clock,
        session: InfusionSession,
        profile: TreatmentProfile,
        on_event: Callable[[object], None] = _ignore,
        active_alarms: Callable[[], Sequence[AlarmLike]] = tuple,
        alarm_limits: Callable[[], Mapping[Parameter, tuple[float | None, float | None]]] = dict,
    ) -> None:
        self._clock = clock
        self._session = session
        self.profile = profile
        self._on_event = on_event
        self._active_alarms = active_alarms
        self._alarm_limits = alarm_limits
        self._vitals = VitalsHistory(profile.discharge.vitals)
        self._log = DischargeLog()
        self._plan: PlanConfirmed | None = None
        self._rates: list[RateChange] = []
        self._checks: list[Check] = []
        self._sign_off: SignOff | None = None

    # -- the plan ----------------------------------------------------------------------------
    @property
    def plan(self) -> DosePlan | None:
        return self._plan.plan if self._plan else None

    def defaults(self) -> dict[Field, float]:
        """The profile's defaults, to pre-fill the plan (the weight has none)."""
        return {f: v for f, lim in self.profile.entries.items() if (v := lim.default) is not None}

    def inputs_from_text(self, texts: Mapping[Field, str], diluted: bool = True) -> DoseInputs:
        """Typed text to numbers, strictly (:func:`~monitor.treatment.entry.parse_quantity`).

        A field left out takes the profile's default; the weight must be given.
        """
        def value(field: Field) -> float:
            if field in texts:
                return parse_quantity(texts[field], field)
            default = self.profile.default(field)
            if default is None:
                raise PlanError(f"Enter {field.describe()}.")
            return default

        return DoseInputs(value(Field.WEIGHT), value(Field.DOSE), value(Field.INFUSION_TIME),
                          value(Field.CONCENTRATION), value(Field.VOLUME) if diluted else None)

    def review(self, inputs: DoseInputs) -> PlanReview:
        """The plan for the confirmation dialog, with what must be corrected or confirmed."""
        return review_plan(inputs, self.profile.entries)

    def confirm_plan(self, inputs: DoseInputs, by: str, confirmed: Collection[Field] = ()) -> PlanConfirmed:
        """The nurse confirms the plan; values outside the sensible ranges need ``confirmed``.

        Before the start it may be confirmed again (the latest counts; each is recorded);
        once the infusion runs, only if none was confirmed before (entered late), and
        after that only the rate changes (:meth:`change_rate`).
        """
        phase = self._session.phase
        if phase in (Phase.RECOVERY, Phase.ENDED) or (phase is Phase.INFUSION and self._plan is not None):
            raise PlanError("The plan is fixed once the infusion has started; change the pump rate instead.")
        review = self.review(inputs)
        if not review.can_confirm:
            raise PlanError(" ".join(f.message for f in review.refusals))
        assert review.plan is not None
        now, who = self._clock.now(), actor(by)
        overrides = overrides_for(review.confirmations, confirmed, now, who)
        if phase is Phase.BASELINE:
            self._session.set_planned_infusion(inputs.infusion_min * 60.0)
        self._plan = PlanConfirmed(now, review.plan, who, self.profile.name, overrides)
        log.info("treatment plan confirmed by %s: %s", who, review.plan.summary())
        return self._emit(self._plan)

    # -- the infusion ------------------------------------------------------------------------
    def change_rate(self, rate_ml_per_h: float, by: str, reason: str = "", confirmed: bool = False) -> RateChange:
        """The pump now runs at ``rate_ml_per_h`` (0: paused). Faster than planned needs ``confirmed``."""
        if self._session.phase is not Phase.INFUSION:
            raise PlanError("The pump rate can only change during the infusion.")
        if self._plan is None:
            raise PlanError("Confirm the treatment plan first: the rate change is counted against it.")
        limit = self.profile.rate_refuse_above_ml_per_h
        if not 0 <= rate_ml_per_h <= limit:
            raise PlanError(f"The pump rate must be 0 to {amount_text(limit)} mL/h "
                            f"(entered {amount_text(rate_ml_per_h)} mL/h).")
        now, who, overrides = self._clock.now(), actor(by), ()
        planned = self._plan.plan.rate_ml_per_h
        if rate_ml_per_h > planned:
            message = (f"{amount_text(rate_ml_per_h)} mL/h is faster than the planned "
                       f"{amount_text(planned)} mL/h: the dose is given sooner. Confirm it is right.")
            if not confirmed:
                raise PlanError(message)
            overrides = (Override(now, who, Field.RATE, rate_ml_per_h, message),)
        change = RateChange(now, rate_ml_per_h, who, " ".join(reason.split()), overrides)
        self._rates.append(change)
        return self._emit(change)

    def delivery(self) -> Delivery | None:
        view = self._session.view()
        if self._plan is None or view.infusion_started_at is None:
            return None
        return delivery(self._plan.plan, self._rates, view.infusion_started_at, view.infusion_stopped_at,
                        self._clock.now())

    # -- checks ------------------------------------------------------------------------------
    def record_check(self, kind: str, by: str, score: int | None = None, items: Sequence[int] = ()) -> Check:
        """A sedation or dissociation score on the profile's scale for it."""
        self._require_open()
        return self._add_check(scored_check(self._clock.now(), self.scale_for(kind), by, score, items))

    def scale_for(self, kind: str) -> Scale:
        """The profile's scale for ``sedation`` or ``dissociation``."""
        checks = self.profile.checks
        scales = {SEDATION: checks.sedation_scale, DISSOCIATION: checks.dissociation_scale}
        if kind not in scales:
            raise TreatmentError(f"{kind!r} is not a scored check (sedation or dissociation).")
        return scales[kind]

    def record_side_effect(self, effect_id: str, by: str, present: bool = True) -> Check:
        self._require_open()
        return self._add_check(side_effect_check(self._clock.now(), effect_id, by, present))

    def enter_keys(self, keys: str, by: str) -> Check:
        """A check as typed: ``S5`` sedation 5, ``D10`` dissociation 10, ``D010200`` CADSS-6
        items, ``N`` nausea (keys in :mod:`monitor.treatment.scales`)."""
        head, rest = keys[:1].upper(), keys[1:]
        effect = next((e for e in SIDE_EFFECTS if e.key == head), None)
        if effect is not None and not rest:
            return self.record_side_effect(effect.id, by)
        kind = CHECK_KEYS.get(head)
        if kind is None:
            raise TreatmentError(f"{keys!r} is not a check: start with S (sedation), D (dissociation) "
                                 "or a side effect's letter (N, V, H, A).")
        scale = self.scale_for(kind)
        if scale.items:
            items = scale.item_scores_for_keys(rest)
            if items is None:
                raise TreatmentError(f"{scale.id} takes {len(scale.items)} digits, one per item, each "
                                     f"{scale.levels[0].score} to {scale.levels[-1].score}.")
            return self.record_check(kind, by, items=items)
        score = scale.score_for_keys(rest)
        if score is None:
            raise TreatmentError(f"{rest!r} is not a {scale.id} score ({scale.lowest} to {scale.highest}).")
        return self.record_check(kind, by, score=score)

    def reminder(self) -> Reminder:
        settings = self.profile.checks
        return check_reminder(self._session.view(), self._checks, self._clock.now(), settings.interval_s,
                              settings.overdue_after_s)

    # -- readings and discharge --------------------------------------------------------------
    def on_reading(self, reading: Reading) -> None:
        self._vitals.add(reading)

    def discharge_status(self) -> DischargeStatus:
        return evaluate_discharge(
            self.profile.discharge, self._session.view(), self._vitals, self._checks,
            self.profile.checks.sedation_scale, tuple(self._active_alarms()), self._alarm_limits(),
            self._clock.now(), signed_off=self._sign_off is not None,
        )

    def tick(self) -> list[object]:
        """Record the discharge criteria that became met (or were lost) during the observation."""
        if self._session.phase is not Phase.RECOVERY:
            return []
        return [self._emit(change) for change in self._log.changes(self.discharge_status())]

    def sign_off(self, by: str, reason: str = "") -> SignOff:
        """The nurse discharges the patient; this ends the session.

        Not ready (anything but the sign-off unmet, an active alarm included) needs a
        ``reason``, recorded with what was missing. Nothing about an alarm changes.
        """
        if self._session.phase is not Phase.RECOVERY:
            self._require_open()
            raise TreatmentError("Sign-off is for discharge after the infusion: stop the infusion first.")
        self.tick()  # the criteria's last changes precede the sign-off in the record
        status, who, why = self.discharge_status(), actor(by), " ".join(reason.split())
        unmet = tuple(c.text for c in status.criteria if not c.met and c.id != SIGN_OFF)
        if not status.ready and not why:
            raise TreatmentError("Not ready for discharge: " + "; ".join(unmet)
                                 + ". To discharge anyway, give the reason.")
        self._sign_off = SignOff(self._clock.now(), who, status.ready, unmet, why)
        self._emit(self._sign_off)
        self._session.end_session(by=BY_SCENARIO if who == BY_SCENARIO else BY_NURSE)
        return self._sign_off

    # -- the whole picture -------------------------------------------------------------------
    def view(self) -> TreatmentView:
        return TreatmentView(self.plan, self.delivery(), tuple(self._rates), tuple(self._checks),
                             self.reminder(), self.discharge_status(), self._sign_off)

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(self._checks)

    # -- internals ---------------------------------------------------------------------------
    def _require_open(self) -> None:
        if self._session.phase is Phase.ENDED:
            raise TreatmentError("The session has ended; start a new session.")

    def _add_check(self, check: Check) -> Check:
        self._checks.append(check)
        log.info("check: %s (by %s)", check.describe(), check.by)
        return self._emit(check)

    def _emit(self, event: _Event) -> _Event:
        """Tell the listener; a failing listener is logged, never undoes the command."""
        try:
            self._on_event(event)
        except Exception:
            log.exception("treatment listener failed on %r", event)
        return event

    def apply_scenario_events(self, events: Iterable[TimelineEventLike]) -> list[object]:
        """The nurse's entries on a simulator scenario's timeline (:mod:`monitor.treatment.scenario`)."""
        return apply_scenario_events(self, events)
