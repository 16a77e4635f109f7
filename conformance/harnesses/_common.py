"""What the ecosystem harnesses share: importing a backend by name, saying which extra provides it."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["backend"]


def backend(module: str, extra: str) -> Any:
    """Import ``module`` (a backend, or its reader), or say which loggerspec extra provides it.

    (Imported by name: the backends are optional and untyped, and are not installed where this
    package is type-checked.)

    Raises:
        ImportError: ``module`` is not installed (the message names it and the extra).
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"this loggerspec harness needs {module!r}, which is not installed: install torch==2.13.0 first, "
            f"then pip install 'loggerspec[{extra}]' ({error})"
        ) from error
