"""Correct implementations written from scratch, from ``spec``'s docstrings alone (not from ``impl``).

Each differs from ``impl`` wherever the contract leaves room (no numpy tricks, any iterable, a dict
subclass, parameters taken through ``*args``/``**kwargs``, a file on disk, no ``close``, its own
aggregation, its own rank gate). ``tests/test_independent.py`` certifies every one at level strict:
the suite must never fail a correct implementation it has never seen.
"""
