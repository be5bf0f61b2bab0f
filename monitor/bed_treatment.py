"""A bed's treatment record as any thread may use it (``bed.treatment``), like ``bed.session``.

The nurse's treatment commands (confirm the plan, change the pump rate, enter a
check, sign off) and :meth:`BedTreatment.view` run under the bed's lock and return
immutable values; every event a command causes reaches the bed's listeners (the
recording first) through the treatment's ``on_event``. Refusals are
:class:`~monitor.treatment.entry.TreatmentError` (or SessionError from the session the
sign-off ends), whose text is the sentence to show.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from monitor.bed_controls import _Bed, _Part
from monitor.core import MonitoringCore, OperatorAction
from monitor.session import BY_NURSE
from monitor.treatment.checks import Check
from monitor.treatment.dose import DoseInputs, PlanConfirmed, PlanReview
from monitor.treatment.entry import Field
from monitor.treatment.infusion import RateChange
from monitor.treatment.profile import TreatmentProfile
from monitor.treatment.scales import Scale
from monitor.treatment.signoff import SignOff
from monitor.treatment.treatment import Treatment, TreatmentView


class BedTreatment(_Part):
    """The treatment's state for views, and the nurse's treatment commands."""

    def __init__(self, bed: _Bed, core: MonitoringCore, treatment: Treatment) -> None:
        super().__init__(bed, core)
        self._treatment = treatment

    # -- state -----------------------------------------------------------------------------
    @property
    def profile(self) -> TreatmentProfile:
        return self._treatment.profile  # immutable, never replaced

    def view(self) -> TreatmentView:
        with self._bed.lock:
            return self._treatment.view()

    def defaults(self) -> dict[Field, float]:
        return self._treatment.defaults()

    def scale_for(self, kind: str) -> Scale:
        return self._treatment.scale_for(kind)

    def inputs_from_text(self, texts: Mapping[Field, str], diluted: bool = True) -> DoseInputs:
        return self._treatment.inputs_from_text(texts, diluted)

    def review(self, inputs: DoseInputs) -> PlanReview:
        return self._treatment.review(inputs)

    # -- commands ----------------------------------------------------------------------------
    def confirm_plan(self, inputs: DoseInputs, by: str = BY_NURSE, confirmed: Collection[Field] = ()) -> PlanConfirmed:
        with self._command():
            return self._treatment.confirm_plan(inputs, by, confirmed)

    def change_rate(self, rate_ml_per_h: float, by: str = BY_NURSE, reason: str = "",
                    confirmed: bool = False) -> RateChange:
        with self._command():
            return self._treatment.change_rate(rate_ml_per_h, by, reason, confirmed)

    def enter_keys(self, keys: str, by: str = BY_NURSE) -> Check:
        with self._command():
            return self._treatment.enter_keys(keys, by)

    def record_check(self, kind: str, by: str = BY_NURSE, score: int | None = None,
                     items: Sequence[int] = ()) -> Check:
        with self._command():
            return self._treatment.record_check(kind, by, score, items)

    def started_without_plan(self, by: str = BY_NURSE) -> None:
        """The nurse started the infusion without confirming a plan: an operator action in the record."""
        with self._command():
            self._core.record(OperatorAction(self._bed.clock.now(), "infusion_started_without_dose_plan",
                                             {"by": by or BY_NURSE}))

    def sign_off(self, by: str = BY_NURSE, reason: str = "") -> SignOff:
        """Discharge: ends the session (the phase change reaches the listeners after the sign-off)."""
        with self._command():
            return self._treatment.sign_off(by, reason)
