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


def safe_loader() -> Any:
    """libyaml's safe loader when available, else PyYAML's own."""
    module = pyyaml()
    return getattr(module, "CSafeLoader", module.SafeLoader)
