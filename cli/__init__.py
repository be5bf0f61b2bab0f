"""The two command lines' own parts (infusion-monitor, infusion-sim): argument types, one-line
errors, signals, and the printer of ``record``. Not domain logic: that lives in ``monitor/``."""
