"""Typing tests: files that mypy --strict and pyright (strict) check, and that nothing runs.

Each ``check_*.py`` file (not collected by pytest) pins the public types the typeshed way:

- an assignment or call that must type-check is a positive case;
- ``assert_type(expression, T)`` pins what the public API returns;
- a line that must be rejected carries ``# type: ignore[<code>]``. mypy runs with
  ``warn_unused_ignores`` and pyright with ``reportUnnecessaryTypeIgnoreComment``, so a line that
  stops being an error fails the check; mypy also fails it when the error's code changes.

``tests/test_typing.py`` runs both checkers on this folder; runs them again with the ignore
comments removed, to check that both reject exactly those lines, for the mistake the code names;
and checks Lightning 2.x's loggers against :class:`spec.CoreLogger` where Lightning is installed.
"""
