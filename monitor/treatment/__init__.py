"""The ketamine treatment itself, without Qt: dose and pump rate, clinical checks, discharge readiness.

* :mod:`~monitor.treatment.entry`: strict reading of typed quantities.
* :mod:`~monitor.treatment.dose` and :mod:`~monitor.treatment.infusion`: the plan, rate changes,
  what has been infused.
* :mod:`~monitor.treatment.scales` and :mod:`~monitor.treatment.checks`: sedation and
  dissociation scales, side effects, the check reminder (never an alarm).
* :mod:`~monitor.treatment.discharge`: the discharge criteria and their evaluation.
* :mod:`~monitor.treatment.profile`: the treatment profile (TOML).
* :class:`~monitor.treatment.treatment.Treatment`: one session's treatment record, the object
  a bed owns beside its :class:`~monitor.session.InfusionSession`.

See ``docs/treatment.md``.
"""
