"""Logger collections written from :class:`spec.Collection`'s docstring, two different ways."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

_OMITTED: Any = object()


class FanOut:
    """Keeps the members in a tuple; every call goes through :meth:`_each`, which reaches every member,
    then raises the one error itself or an ``ExceptionGroup`` of several."""

    def __init__(self, logger_iterable: Iterable[Any]) -> None:
        self._members = tuple(logger_iterable)

    def _each(self, method: str, *args: Any, **kwargs: Any) -> None:
        errors: list[Exception] = []
        for member in self._members:
            try:
                getattr(member, method)(*args, **kwargs)
            except Exception as error:
                errors.append(error)
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup(f"{method} failed in {len(errors)} of {len(self._members)} loggers", errors)

    def __getitem__(self, index: int) -> Any:
        return self._members[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    @property
    def name(self) -> str:
        return "_".join(str(member.name) for member in self._members)

    @property
    def version(self) -> str:
        return "_".join(str(member.version) for member in self._members)

    @property
    def experiment(self) -> list[Any]:
        return [member.experiment for member in self._members]

    @property
    def save_dir(self) -> str | None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._each("log_metrics", metrics, step)

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        self._each("log_hyperparams", params, *args, **kwargs)

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        self._each("log_graph", model, input_array)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._each("agg_and_log_metrics", metrics, step=step)

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, Callable[..., Any]] | None = None,
        agg_default_func: Callable[..., Any] = _OMITTED,
    ) -> None:
        # An omitted default stays omitted: each member restores its own default.
        if agg_default_func is _OMITTED:
            self._each("update_agg_funcs", agg_key_funcs)
        else:
            self._each("update_agg_funcs", agg_key_funcs, agg_default_func)

    def save(self) -> None:
        self._each("save")

    def finalize(self, status: str) -> None:
        self._each("finalize", status)

    def close(self) -> None:
        self._each("close")

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        self._each("after_save_checkpoint", checkpoint_callback)


class ListCollection(list[Any]):
    """A ``list`` of the members (so indexing, iteration and ``len`` are the list's own); each method
    is generated from one forwarding helper and always raises an ``ExceptionGroup``."""

    def _forward(self, method: str, /, *args: Any, **kwargs: Any) -> None:
        errors: list[Exception] = []
        for member in self:
            try:
                getattr(member, method)(*args, **kwargs)
            except Exception as error:
                errors.append(error)
        if errors:
            raise ExceptionGroup(f"ListCollection.{method}", errors)

    @property
    def name(self) -> str:
        return "_".join(f"{m.name}" for m in self)

    @property
    def version(self) -> str:
        return "_".join(f"{m.version}" for m in self)

    @property
    def experiment(self) -> list[Any]:
        return [m.experiment for m in self]

    @property
    def save_dir(self) -> None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._forward("log_metrics", metrics=metrics, step=step)

    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:
        self._forward("log_hyperparams", params)

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        self._forward("log_graph", model, input_array=input_array)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._forward("agg_and_log_metrics", metrics=metrics, step=step)

    def update_agg_funcs(self, *args: Any, **kwargs: Any) -> None:
        self._forward("update_agg_funcs", *args, **kwargs)

    def save(self) -> None:
        self._forward("save")

    def finalize(self, status: str) -> None:
        self._forward("finalize", status=status)

    def close(self) -> None:
        self._forward("close")

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        self._forward("after_save_checkpoint", checkpoint_callback=checkpoint_callback)
