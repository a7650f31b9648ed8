"""The rulebook Structs of checker/rulebook.py: strict conversion, errors that name their path, immutability."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from checker import rulebook as rb_module
from checker.rulebook import RulebookError, load_rulebook, resolved_data
from tests.test_rulebook import _broken_rounds, isolated_cache  # noqa: F401 (fixture)


def _direction(data: dict[str, Any]) -> None:
    data["benchmarks"]["llama2-70b-99.9"]["accuracy"][0]["direction"] = "sideways"


def _scenario_extra(data: dict[str, Any]) -> None:
    data["benchmarks"]["resnet"]["scenarios"]["edge"]["extra"] = 1


@pytest.mark.parametrize(("edit", "where", "reason"), [
    (_direction, "benchmarks/llama2-70b-99.9/accuracy/0/direction", "Invalid enum value 'sideways'"),
    (_scenario_extra, "benchmarks/resnet/scenarios/edge", "unknown field `extra`"),
    (lambda data: data.update(oops=1), "", "unknown field `oops`"),
    (lambda data: data.update(min_duration_ms=600000.5), "min_duration_ms", "Expected `int`, got `float`"),
    (lambda data: data["benchmarks"]["resnet"].pop("model"), "benchmarks/resnet", "missing required field `model`"),
], ids=["literal", "unknown-nested-field", "unknown-field", "float-for-int", "missing-field"])
def test_data_the_structs_reject_is_a_rulebook_error_with_its_path(
        edit: Callable[[dict[str, Any]], Any], where: str, reason: str,
        monkeypatch: pytest.MonkeyPatch, tmp_path, isolated_cache) -> None:  # noqa: F811
    """Data the schema lets through (here: a schema accepting anything) is still converted strictly."""
    data = resolved_data("v6.0")
    data["round"] = "v90.0"
    del data["extends"]
    edit(data)
    monkeypatch.setattr(rb_module, "_schema", lambda: {"type": "object"})
    _broken_rounds(monkeypatch, tmp_path, {"v90.0": data})
    with pytest.raises(RulebookError, match=re.escape(f"rulebook v90.0 does not match the schema at '{where}': ")) as info:
        load_rulebook("v90.0")
    assert reason in str(info.value)


def test_rulebooks_are_immutable() -> None:
    """The cached rulebook is shared by every check: none can change it for the others."""
    rulebook = load_rulebook("v6.0")
    with pytest.raises(AttributeError):
        rulebook.min_duration_ms = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        rulebook.benchmarks["resnet"].dataset_size = 1  # type: ignore[misc]
