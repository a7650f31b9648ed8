"""PyYAML, imported when the first YAML text is read (a run given back from the cache reads none, and
PyYAML is a tenth of the start-up), with libyaml's safe loader where PyYAML has it (several times faster,
the same safe subset of YAML)."""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any


@functools.cache
def pyyaml() -> ModuleType:
    """The `yaml` module."""
    import yaml

    return yaml


def describe_error(exc: Exception) -> tuple[str, int | None]:
    """What a PyYAML error says, in one line, and the 1-based line it points at (None when it names none)."""
    mark = getattr(exc, "problem_mark", None)
    return str(getattr(exc, "problem", None) or exc).splitlines()[0], mark.line + 1 if mark else None


def safe_loader() -> Any:
    """libyaml's safe loader when available, else PyYAML's own."""
    module = pyyaml()
    return getattr(module, "CSafeLoader", module.SafeLoader)
