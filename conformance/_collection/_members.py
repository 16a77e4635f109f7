"""The members a collection is given: recording fakes (:class:`Member`) that satisfy
:class:`spec.AggregatingLogger`, each call appending ``(member index, method, arguments by parameter
name)`` to a journal the members share; and the checks of what reached them."""

from __future__ import annotations

import inspect
from argparse import Namespace
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeAlias

import attrs
import numpy as np

from conformance._compare import is_dict, is_list, is_tuple
from conformance._core import ConformanceFailure, expect

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []

METHODS = (
    "log_metrics",
    "log_hyperparams",
    "log_graph",
    "agg_and_log_metrics",
    "update_agg_funcs",
    "save",
    "finalize",
    "close",
    "after_save_checkpoint",
)
"""The logging methods a collection must forward to every member."""


class MemberSpec(Protocol):
    """What a member is built from (the properties draw these)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> int | str: ...

    @property
    def experiment(self) -> Any: ...

    @property
    def save_dir(self) -> str | None: ...


class Marker:
    """An object that is equal only to itself, with a readable repr (a model, a checkpoint callback)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"<{self.label}>"


@attrs.frozen
class Delivery:
    """One call that reached a member."""

    member: int
    method: str
    arguments: dict[str, Any]


class Member:
    """A member logger that records every method call in a journal shared with the other members,
    and raises the error given for a method after recording the call.

    Satisfies :class:`spec.AggregatingLogger`.
    """

    def __init__(
        self,
        index: int,
        journal: list[Delivery],
        *,
        name: str = "member",
        version: int | str = 0,
        experiment: Any = None,
        save_dir: str | None = None,
        raises: Mapping[str, Exception] | None = None,
    ) -> None:
        self.index = index
        self._journal = journal
        self._name = name
        self._version = version
        self._experiment = experiment
        self._save_dir = save_dir
        self._raises = dict(raises or {})

    def __repr__(self) -> str:
        return f"<member {self.index}>"

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        return self._version

    @property
    def experiment(self) -> Any:
        return self._experiment

    @property
    def save_dir(self) -> str | None:
        return self._save_dir

    def stop_raising(self) -> None:
        self._raises.clear()

    def raise_on(self, raises: Mapping[str, Exception]) -> None:
        """From now on, raise the error given for a method (and for no other method) after recording the call."""
        self._raises = dict(raises)

    def become(self, spec: MemberSpec) -> None:
        """Change name, version, experiment and save_dir (as a logger's version changes when its run starts)."""
        self._name, self._version, self._experiment = spec.name, spec.version, spec.experiment
        self._save_dir = spec.save_dir

    def _record(self, method: str, arguments: dict[str, Any]) -> None:
        # A snapshot: what the member received when it was called, even if the caller's dict changes later.
        self._journal.append(Delivery(self.index, method, snapshot(arguments)))
        error = self._raises.get(method)
        if error is not None:
            raise error

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._record("log_metrics", {"metrics": metrics, "step": step})

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        self._record("log_hyperparams", {"params": params, "args": args, "kwargs": kwargs})

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        self._record("log_graph", {"model": model, "input_array": input_array})

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._record("agg_and_log_metrics", {"metrics": metrics, "step": step})

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, Callable[..., Any]] | None = None,
        agg_default_func: Callable[..., Any] = np.mean,
    ) -> None:
        self._record("update_agg_funcs", {"agg_key_funcs": agg_key_funcs, "agg_default_func": agg_default_func})

    def save(self) -> None:
        self._record("save", {})

    def finalize(self, status: str) -> None:
        self._record("finalize", {"status": status})

    def close(self) -> None:
        self._record("close", {})

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        self._record("after_save_checkpoint", {"checkpoint_callback": checkpoint_callback})


def snapshot(value: Any) -> Any:
    """``value`` with its dicts, lists and Namespaces copied at every level (other objects kept), so
    that a later change to the original does not show in the copy."""
    if is_dict(value):
        return {k: snapshot(v) for k, v in value.items()}
    if is_list(value):
        return [snapshot(v) for v in value]
    if isinstance(value, Namespace):
        copied = Namespace()
        vars(copied).update(snapshot(vars(value)))
        return copied
    if is_tuple(value):
        return tuple(snapshot(v) for v in value)
    return value


SIGNATURES = {method: inspect.signature(getattr(Member, method)) for method in METHODS}

Call: TypeAlias = tuple[str, tuple[Any, ...], dict[str, Any]]
"""A call to make on a collection: the method's name, its positional and its keyword arguments
(the parameter names are spec's: Lightning calls ``agg_and_log_metrics(metrics, step=step)``)."""


def _omits_default(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return method == "update_agg_funcs" and len(args) < 2 and "agg_default_func" not in kwargs


def _expected_arguments(method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """What a member must receive, by parameter name, when the collection is called with ``args``
    and ``kwargs``.

    An omitted ``agg_default_func`` is not compared (a collection may forward its own default,
    ``numpy.mean`` or an equivalent, and :func:`check_delivery` checks that it is a function);
    every other omitted parameter defaults to ``None`` or empty.
    """
    bound = SIGNATURES[method].bind(None, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    del arguments["self"]
    if _omits_default(method, args, kwargs):
        del arguments["agg_default_func"]
    return arguments


def same_or_equal(got: Any, want: Any) -> bool:
    """Identity or equality (an equality that raises counts as different)."""
    if got is want:
        return True
    try:
        return bool(got == want)
    except Exception:
        return False


def _same_argument(got: Any, want: Any) -> bool:
    """The argument itself, or an equal copy whose values have the same types at every level (a
    metric 1 forwarded as 1.0 is not the same argument)."""
    return got is want or (same_or_equal(got, want) and _same_types(got, want))


def _same_types(got: object, want: object) -> bool:
    if type(got) is not type(want):
        return False
    if is_dict(got) and is_dict(want):
        return all(key in got and _same_types(got[key], value) for key, value in want.items())
    return True


def render(call: Call) -> str:
    """``call`` as a call, for messages."""
    method, args, kwargs = call
    return f"{method}({', '.join([*(repr(a) for a in args), *(f'{k}={v!r}' for k, v in kwargs.items())])})"


def make(collection: Any, call: Call) -> None:
    """Make ``call`` on ``collection``."""
    method, args, kwargs = call
    getattr(collection, method)(*args, **kwargs)


def invoke(collection: Any, call: Call) -> None:
    """Make ``call`` on ``collection``; an exception is a failure (every input is valid)."""
    try:
        make(collection, call)
    except Exception as error:
        raise ConformanceFailure(f"collection.{render(call)} raised {type(error).__name__}: {error}") from error


def check_delivery(deliveries: list[Delivery], call: Call, members: int) -> None:
    """``deliveries`` (what ``call`` made reach the members) are ``call``'s method reaching members
    0..members-1 once each, in order, each with the call's arguments, and nothing else.

    ``call`` is the call as drawn (the collection was given a copy of it): a collection that changes
    the caller's dict before it forwards it does not forward the same arguments.
    """
    method, args, kwargs = call
    others = [d for d in deliveries if d.method != method]
    expect(
        not others,
        f"collection.{render(call)} must reach the members with {method} only; it also called {summary(others)}",
    )
    got = [d for d in deliveries if d.method == method]
    order = [d.member for d in got]
    expect(
        order == list(range(members)),
        f"collection.{render(call)} must reach members {list(range(members))} once each, in order; "
        f"{method} reached members {order}",
    )
    want = _expected_arguments(method, args, kwargs)
    for delivery in got:
        for name, value in want.items():
            received = delivery.arguments.get(name)
            expect(
                _same_argument(received, value),
                f"collection.{render(call)}: member {delivery.member} must receive {name}={value!r}, "
                f"got {name}={received!r}",
            )
        if _omits_default(method, args, kwargs):
            received = delivery.arguments.get("agg_default_func")
            expect(
                callable(received),
                f"collection.{render(call)}: member {delivery.member} must keep or receive a default "
                f"function, got agg_default_func={received!r}",
            )


def check_unchanged(call: Call, before: Call) -> None:
    """The arguments of ``call`` are as they were before it was made (``before``, a snapshot)."""
    want = _expected_arguments(before[0], before[1], before[2])
    for name, value in _expected_arguments(*call).items():
        expect(
            _same_argument(value, want[name]),
            f"collection.{render(before)} must not change its arguments: {name} was {want[name]!r}, "
            f"it became {value!r}",
        )


def summary(deliveries: list[Delivery]) -> str:
    """Which method reached which member, for messages."""
    return "[" + ", ".join(f"{d.method} to member {d.member}" for d in deliveries) + "]"
