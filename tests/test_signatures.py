"""spec and impl cannot drift apart: each Protocol member has an impl member of its kind and a compatible signature.

The typing tests (``tests/typing``) check the types; this checks at run time what a type checker
does not see in a class that only inherits: parameter names, kinds and defaults.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import pytest

import impl
import spec

Kind: TypeAlias = Literal["property", "settable", "method"]

# Names that typing.Protocol and abc put on every protocol class: not members of the contract.
_NOT_MEMBERS = frozenset(
    {"__init__", "__subclasshook__", "__init_subclass__", "__class_getitem__", "__protocol_attrs__"}
)


def protocol_members(protocol: type) -> dict[str, Kind]:
    """The members ``protocol`` declares or inherits from other protocols, with their kinds."""
    members: dict[str, Kind] = {}
    for base in reversed(protocol.__mro__):
        if not getattr(base, "_is_protocol", False) or base.__module__ == "typing":
            continue
        for name in vars(base).get("__annotations__", {}):
            members[name] = "settable"
        for name, value in vars(base).items():
            if name in _NOT_MEMBERS:
                continue
            if isinstance(value, property):
                members[name] = "settable" if value.fset is not None else "property"
            elif inspect.isfunction(value):
                members[name] = "method"
    return members


def kind_of(owner: type, name: str) -> Kind | None:
    """The kind of ``owner``'s member ``name`` as a caller of the protocol would see it (None: missing)."""
    try:
        value = inspect.getattr_static(owner, name)
    except AttributeError:
        return None
    if isinstance(value, property):
        return "settable" if value.fset is not None else "property"
    if isinstance(value, (staticmethod, classmethod)) or inspect.isfunction(value):
        return "method"
    return "settable"  # a plain class attribute


def signature_problems(expected: inspect.Signature, actual: inspect.Signature) -> list[str]:
    """Why a callable with signature ``actual`` cannot be called as ``expected`` is (empty: it can).

    Every call that ``expected`` accepts must bind to ``actual`` with each argument reaching the
    parameter of the same name; a parameter that ``actual`` adds must have a default; a default
    that ``expected`` gives must be one ``actual`` gives too (``...`` in a protocol: any default).
    """
    problems: list[str] = []
    params = list(actual.parameters.values())
    by_name = {p.name: p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_positional = any(p.kind is p.VAR_POSITIONAL for p in params)
    var_keyword = any(p.kind is p.VAR_KEYWORD for p in params)
    matched: set[str] = set()

    for index, want in enumerate(expected.parameters.values()):
        if want.kind is want.VAR_POSITIONAL:
            if not var_positional:
                problems.append(f"takes no *{want.name}")
            continue
        if want.kind is want.VAR_KEYWORD:
            if not var_keyword:
                problems.append(f"takes no **{want.name}")
            continue
        got: inspect.Parameter | None = None
        if want.kind in (want.POSITIONAL_ONLY, want.POSITIONAL_OR_KEYWORD):
            if index < len(positional):
                got = positional[index]
            elif not var_positional:
                problems.append(f"{want.name!r} cannot be passed by position")
        if want.kind in (want.POSITIONAL_OR_KEYWORD, want.KEYWORD_ONLY):
            named = by_name.get(want.name)
            if named is not None and named.kind is not named.POSITIONAL_ONLY:
                if got is not None and got is not named:
                    problems.append(f"{want.name!r} is parameter {index} in the protocol, but not in impl")
                got = named
            elif not var_keyword:
                problems.append(f"{want.name!r} cannot be passed by keyword")
        if got is None:
            continue
        matched.add(got.name)
        if want.default is not want.empty:
            if got.default is got.empty:
                problems.append(f"{want.name!r} has a default in the protocol ({want.default!r}), none in impl")
            elif want.default is not Ellipsis and got.default != want.default:
                problems.append(f"{want.name!r} defaults to {want.default!r} in the protocol, {got.default!r} in impl")

    for extra in by_name.values():
        if extra.name not in matched and extra.default is extra.empty:
            problems.append(f"impl's {extra.name!r} is required but the protocol does not pass it")
    return problems


def member_signature(owner: object, name: str) -> inspect.Signature:
    """The signature of member ``name`` as called on an instance (``self`` dropped)."""
    function = inspect.getattr_static(owner, name)
    if isinstance(function, (staticmethod, classmethod)):
        return inspect.signature(getattr(owner, name))
    sig = inspect.signature(function)
    return sig.replace(parameters=list(sig.parameters.values())[1:])


# (protocol, implementing class): every class that says it implements the protocol, and spec's ABCs.
LOGGERS: list[type] = [
    impl.LightningLoggerBase,
    impl.InMemoryLogger,
    impl.DummyLogger,
    impl.JsonlLogger,
    impl.LoggerCollection,
]
CLASS_PAIRS: list[tuple[type, type]] = [
    (spec.CoreLogger, spec.LoggerABC),
    (spec.Logger, spec.LoggerABC),
    (spec.AggregatingLogger, spec.AggregatingLoggerABC),
    *[(spec.Logger, cls) for cls in LOGGERS],
    *[(spec.AggregatingLogger, cls) for cls in LOGGERS],
    (spec.Collection, impl.LoggerCollection),
    (spec.RankSource, impl.RankZeroOnly),
    (spec.RankGate, impl.RankZeroOnly),
    (spec.AbsorbingExperiment, impl.DummyExperiment),
]

# (protocol with __call__, implementing function).
FUNCTION_PAIRS: list[tuple[type, Callable[..., Any]]] = [
    (spec.MergeFunction, impl.merge_dicts),
    (spec.ExperimentDecorator, impl.rank_zero_experiment),
    (spec.RankGate, impl.rank_zero_only),
]


def _pair_id(pair: object) -> str:
    # An instance is named by its type, not its repr: an id with a memory address differs between
    # pytest-xdist's workers, which then refuse to run ("Different tests were collected").
    name: str = getattr(pair, "__name__", f"{type(pair).__name__}()")
    return name


class TestProtocolMembers:
    def test_core_logger_is_what_1_5_and_lightning_2_share(self) -> None:
        """CoreLogger has exactly the members pytorch_lightning 1.5 and Lightning 2.x share."""
        assert protocol_members(spec.CoreLogger) == {
            "name": "property",
            "version": "property",
            "experiment": "property",
            "save_dir": "property",
            "log_metrics": "method",
            "log_hyperparams": "method",
            "log_graph": "method",
            "save": "method",
            "finalize": "method",
            "after_save_checkpoint": "method",
        }

    def test_logger_is_core_logger_and_close(self) -> None:
        """Logger adds close, and only close, to CoreLogger."""
        assert protocol_members(spec.Logger) == {**protocol_members(spec.CoreLogger), "close": "method"}

    def test_aggregating_logger_adds_the_aggregation_methods(self) -> None:
        """AggregatingLogger adds agg_and_log_metrics and update_agg_funcs to Logger."""
        assert protocol_members(spec.AggregatingLogger) == {
            **protocol_members(spec.Logger),
            "agg_and_log_metrics": "method",
            "update_agg_funcs": "method",
        }

    def test_rank_source_rank_is_settable(self) -> None:
        """RankSource.rank is a settable member (a property with a setter)."""
        assert protocol_members(spec.RankSource) == {"rank": "settable"}

    def test_every_logger_impl_exports_is_compared(self) -> None:
        """Every logger class impl exports is in LOGGERS, so a new one cannot skip the comparison."""
        exported = {getattr(impl, name) for name in impl.__all__}
        loggers = {c for c in exported if isinstance(c, type) and issubclass(c, impl.LightningLoggerBase)}
        assert loggers - set(LOGGERS) == set()


class TestImplMatchesSpec:
    @pytest.mark.parametrize(("protocol", "cls"), CLASS_PAIRS, ids=_pair_id)
    def test_every_member_exists_with_the_same_kind(self, protocol: type, cls: type) -> None:
        """The class has every member of the protocol, each a property, settable attribute or method as there."""
        wrong = {
            name: (kind, kind_of(cls, name))
            for name, kind in protocol_members(protocol).items()
            if kind_of(cls, name) != kind
        }
        assert wrong == {}

    @pytest.mark.parametrize(("protocol", "cls"), CLASS_PAIRS, ids=_pair_id)
    def test_every_method_takes_the_protocols_calls(self, protocol: type, cls: type) -> None:
        """Each method accepts every call the protocol's does: same names, kinds and defaults."""
        problems = {
            name: found
            for name, kind in protocol_members(protocol).items()
            if kind == "method"
            and (found := signature_problems(member_signature(protocol, name), member_signature(cls, name)))
        }
        assert problems == {}

    @pytest.mark.parametrize(("protocol", "function"), FUNCTION_PAIRS, ids=_pair_id)
    def test_functions_take_the_protocols_calls(self, protocol: type, function: Callable[..., Any]) -> None:
        """A function that implements a callable protocol accepts every call its __call__ does."""
        call = member_signature(protocol, "__call__")
        actual = inspect.signature(function)
        assert signature_problems(call, actual) == []


class TestTheCheckItself:
    """The comparison rejects the drifts it is there to catch."""

    @staticmethod
    def problems(expected: Callable[..., Any], actual: Callable[..., Any]) -> list[str]:
        return signature_problems(inspect.signature(expected), inspect.signature(actual))

    def test_identical_signatures_match(self) -> None:
        """A signature matches itself."""

        def f(metrics: dict[str, float], step: int | None = None) -> None: ...

        assert self.problems(f, f) == []

    def test_args_and_kwargs_take_everything(self) -> None:
        """*args and **kwargs accept any call (DummyLogger's methods)."""

        def f(metrics: dict[str, float], step: int | None = None) -> None: ...
        def g(*args: Any, **kwargs: Any) -> None: ...

        assert self.problems(f, g) == []

    def test_a_missing_parameter_is_caught(self) -> None:
        """log_metrics without step cannot take step."""

        def f(metrics: dict[str, float], step: int | None = None) -> None: ...
        def g(metrics: dict[str, float]) -> None: ...

        assert self.problems(f, g) == [
            "'step' cannot be passed by position",
            "'step' cannot be passed by keyword",
        ]

    def test_a_renamed_parameter_is_caught(self) -> None:
        """A parameter the protocol passes by keyword must keep its name."""

        def f(metrics: dict[str, float], step: int | None = None) -> None: ...
        def g(metrics: dict[str, float], global_step: int | None = None) -> None: ...

        assert self.problems(f, g) == ["'step' cannot be passed by keyword"]

    def test_a_lost_or_changed_default_is_caught(self) -> None:
        """A default in the protocol must be a default, the same one, in impl."""

        def f(model: Any, input_array: Any = None) -> None: ...
        def g(model: Any, input_array: Any) -> None: ...
        def h(model: Any, input_array: Any = 0) -> None: ...

        assert self.problems(f, g) == ["'input_array' has a default in the protocol (None), none in impl"]
        assert self.problems(f, h) == ["'input_array' defaults to None in the protocol, 0 in impl"]

    def test_an_extra_required_parameter_is_caught(self) -> None:
        """A parameter that impl adds must have a default."""

        def f(status: str) -> None: ...
        def g(status: str, reason: str) -> None: ...

        assert self.problems(f, g) == ["impl's 'reason' is required but the protocol does not pass it"]

    def test_a_keyword_only_parameter_cannot_stand_for_a_positional_one(self) -> None:
        """A protocol parameter that may be passed by position must be positional in impl."""

        def f(status: str) -> None: ...
        def g(*, status: str) -> None: ...

        assert self.problems(f, g) == ["'status' cannot be passed by position"]

    def test_a_member_of_another_kind_is_caught(self) -> None:
        """A method where the protocol has a property is a different kind."""

        class NameIsAMethod:
            def name(self) -> str:
                return "x"

        assert kind_of(NameIsAMethod, "name") == "method"
        assert protocol_members(spec.CoreLogger)["name"] == "property"
