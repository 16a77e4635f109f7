"""The environment sentences of :class:`spec.RankSource`: without a setting, the rank object's
``rank`` is read from ``RANK``, then ``SLURM_PROCID``, then ``LOCAL_RANK``; a malformed value is a
``ValueError`` naming the variable.

Which rank objects they apply to: one whose class gives ``rank`` a deleter (a ``property`` with
``fdel``, or any descriptor with ``__delete__``), so that ``del source.rank`` drops a setting, as
impl's ``RankZeroOnly`` does. A plain attribute (pytorch_lightning's ``rank_zero_only``, a function
object that reads the environment once, at import; a class attribute defaulting to 0) has no state
"without a setting" that can be reached here: the properties are not applicable, and such an object
is checked in a fresh process (``tests/test_distributed.py`` does so for 1.5.10).

Each example saves the variables it touches and the rank object's instance state (its ``__dict__``
and slots, a cache too) and puts both back exactly, even when it fails.
"""

from __future__ import annotations

import inspect
import os
import re
import string
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from typing import Any, TypeAlias, cast

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, NotApplicable, RankSubject, expect, register
from conformance._launch import IGNORED_VARIABLES, RANK_VARIABLES, environment, object_state

__all__: list[str] = []

_TOUCHED = RANK_VARIABLES + IGNORED_VARIABLES
Env: TypeAlias = dict[str, str | None]
# One step: ("environment", values) sets (None: unsets) every variable of _TOUCHED; ("set", r) sets
# rank = r; ("drop",) is ``del source.rank``. The rank is read after each.
Step: TypeAlias = tuple[Any, ...]


def _droppable(source: Any) -> bool:
    """Whether ``source``'s class gives ``rank`` a deleter (``del source.rank`` drops a setting)."""
    static: object = inspect.getattr_static(type(cast(object, source)), "rank", None)
    if isinstance(static, property):
        return static.fdel is not None
    return hasattr(type(static), "__delete__")


@contextmanager
def _without_setting(source: Any) -> Generator[None, None, None]:
    """The block runs with ``source``'s setting dropped and every variable of :data:`_TOUCHED` unset;
    then the object's state and the variables are put back exactly."""
    if not _droppable(source):
        raise NotApplicable(
            "the rank object has no deleter for rank, so its rank without a setting cannot be reached "
            "(pytorch_lightning's rank_zero_only reads the environment once, at import: check it in a fresh process)"
        )
    restore = object_state(source)
    try:
        with environment(dict.fromkeys(_TOUCHED)):
            try:
                del source.rank
            except Exception as error:
                raise NotApplicable(f"del rank_object.rank raised {type(error).__name__}: {error}") from error
            yield
    finally:
        restore()


def _expected(env: Mapping[str, str | None]) -> int:
    return next((int(value) for name in RANK_VARIABLES if (value := env.get(name)) is not None), 0)


def _shown(env: Mapping[str, str | None]) -> str:
    set_ = [f"{name}={value!r}" for name, value in env.items() if value is not None]
    unset = [name for name, value in env.items() if value is None]
    return ", ".join(set_ + ([f"{', '.join(unset)} unset"] if unset else [])) or "no variable set"


def _read(source: Any, where: str) -> Any:
    try:
        return source.rank
    except Exception as error:
        raise ConformanceFailure(f"{where}, reading rank raised {type(error).__name__}: {error}") from error


_values = st.one_of(st.just(0), cst.nonzero_ranks()).map(str)
_LAYOUTS = (
    ("RANK", "SLURM_PROCID", "LOCAL_RANK"),
    ("SLURM_PROCID", "LOCAL_RANK"),
    ("RANK", "LOCAL_RANK"),
    ("LOCAL_RANK",),
    ("JSM_NAMESPACE_RANK", "LOCAL_RANK"),
    ("JSM_NAMESPACE_RANK",),
    ("NODE_RANK", "GROUP_RANK"),
)
"""Which variables are set, where a wrong order, a variable left out or one read too shows: half the
environments are one of these, each set variable a distinct rank other than 0."""


@st.composite
def _layout(draw: st.DrawFn) -> Env:
    names = draw(st.sampled_from(_LAYOUTS))
    ranks = draw(st.lists(cst.nonzero_ranks(), min_size=len(names), max_size=len(names), unique=True))
    env: Env = dict.fromkeys(_TOUCHED)
    env.update(zip(names, map(str, ranks), strict=True))
    return env


_environments = st.one_of(
    _layout(), st.fixed_dictionaries({name: st.one_of(st.none(), _values) for name in _TOUCHED})
)
_steps = st.one_of(
    st.tuples(st.just("environment"), _environments),
    st.tuples(st.just("set"), st.one_of(st.just(0), cst.nonzero_ranks())),
    st.tuples(st.just("drop")),
)


@register(
    "rank.environment_order",
    level="core",
    # Two environments first (a rank object that keeps what it read first must not pass), then any steps.
    strategy=lambda s: st.tuples(_environments, _environments, st.lists(_steps, max_size=4)).map(
        lambda case: [("environment", case[0]), ("environment", case[1]), *case[2]]
    ),
)
def environment_order(subject: RankSubject, steps: list[Step]) -> None:
    """Reading rank without a setting (none made, or dropped with del) must give the rank from the
    environment as it is at that read: the first of RANK, SLURM_PROCID, LOCAL_RANK that is set, as an
    int, else 0; no other variable may change it, and a setting must win until it is dropped."""
    source = subject.rank_source
    with _without_setting(source):
        env: Env = dict.fromkeys(_TOUCHED)
        setting: int | None = None
        done: list[str] = ["del rank"]
        for step in steps:
            if step[0] == "environment":
                env = dict(step[1])
                _apply(env)
                done.append(_shown(env))
            elif step[0] == "set":
                setting = step[1]
                try:
                    source.rank = setting
                except Exception as error:
                    raise ConformanceFailure(
                        f"setting the rank object's rank to {setting} raised {type(error).__name__}: {error}"
                    ) from error
                done.append(f"rank = {setting}")
            else:
                setting = None
                del source.rank
                done.append("del rank")
            expected = setting if setting is not None else _expected(env)
            where = f"after {' ; '.join(done)}"
            got = _read(source, where)
            why = "the setting" if setting is not None else "the first of RANK, SLURM_PROCID, LOCAL_RANK set, else 0"
            expect(
                got == expected and type(got) is int,
                f"{where}, rank must be {expected!r} ({why}), got {got!r}",
            )


def _apply(env: Mapping[str, str | None]) -> None:
    """Set the variables of ``env`` (``None``: unset) without restoring them (the caller's
    :func:`_without_setting` does, once the example is over)."""
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_MALFORMED = ("abc", "", " ", "1.5", "0x1", "1e3", "rank0", "-", "one", "nan", "3 4", "--1")
"""Values that are not an integer (no int() of any Python parses them)."""


def _not_an_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return True
    return False


_malformed = st.one_of(
    st.sampled_from(_MALFORMED),
    st.text(string.ascii_letters + string.punctuation + " ", max_size=6).filter(_not_an_int),
)


@st.composite
def _malformed_cases(draw: st.DrawFn) -> tuple[str, Env]:
    """The variable that is first set and malformed, and the environment (variables after it hold
    anything; the ignored ones hold integers or nothing)."""
    first = draw(st.integers(min_value=0, max_value=len(RANK_VARIABLES) - 1))
    env: Env = dict.fromkeys(_TOUCHED)
    env[RANK_VARIABLES[first]] = draw(_malformed)
    for name in RANK_VARIABLES[first + 1 :]:
        env[name] = draw(st.one_of(st.none(), _values, _malformed))
    for name in IGNORED_VARIABLES:
        env[name] = draw(st.one_of(st.none(), _values))
    return RANK_VARIABLES[first], env


def _names(message: str, name: str) -> bool:
    """Whether ``message`` names the variable ``name`` (a whole word: ``LOCAL_RANK`` does not name ``RANK``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


@register("rank.environment_malformed", level="strict", strategy=lambda s: _malformed_cases())
def environment_malformed(subject: RankSubject, case: tuple[str, Env]) -> None:
    """Reading rank without a setting when the first of RANK, SLURM_PROCID, LOCAL_RANK that is set is
    not an integer (a variable set to "" is set) must raise ValueError naming that variable."""
    name, env = case
    source = subject.rank_source
    with _without_setting(source):
        _apply(env)
        where = f"with {_shown(env)}, reading rank without a setting"
        try:
            got = source.rank
        except ValueError as error:
            expect(
                _names(str(error), name),
                f"{where} must raise ValueError naming {name}, it raised ValueError: {error}",
            )
        except Exception as error:
            raise ConformanceFailure(
                f"{where} must raise ValueError naming {name}, it raised {type(error).__name__}: {error}"
            ) from error
        else:
            raise ConformanceFailure(f"{where} must raise ValueError naming {name}, it returned {got!r}")
