"""On-demand reliability runs (``make fuzz``, ``make soak``) and the pieces the short
versions in ``tests/test_reliability_*.py`` share with them.

Nothing here is imported by the product; see ``docs/RELIABILITY.md``.
"""
