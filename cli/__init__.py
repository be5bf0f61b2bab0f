"""The two command lines' own parts (infusion-monitor, infusion-sim): argument types, one-line
errors, signals, the printer of ``record``, and the clinic's settings files (``settings*.py``)
that give the command line its defaults. Not domain logic: that lives in ``monitor/``."""
