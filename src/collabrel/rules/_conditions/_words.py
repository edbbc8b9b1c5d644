"""Condition trees in words: what a sub-condition asks for, for the explanations.

A ``count_at_least(..., where)`` that finds too few elements says which elements it was
looking for (``an entry of stage_history where stage is internal_assessment and ...``), not
only how many it found. The words are built from the tree itself, so a rule written in a rule
file is described as well as a built-in one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collabrel.rules._conditions._base import Condition, Ref, show
from collabrel.rules._conditions._collections import CountAtLeast, ForEach
from collabrel.rules._conditions._dates import Before, ReviewedWithin
from collabrel.rules._conditions._leaves import (
    AgreedByAllParties,
    AtLeast,
    AtMost,
    Check,
    Equals,
    NonEmpty,
    OneOf,
    Present,
)
from collabrel.rules._conditions._logic import AllOf, AnyOf, Implies, Not

__all__ = ["describe"]


def _value(value: Any) -> str:
    if isinstance(value, Ref):
        return value.path
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return show(value)


def _interval(source: Any) -> str:
    if isinstance(source, Ref):
        return f"the interval in {source.path}"
    if isinstance(source, str):
        return f"the configured {source} interval"
    return str(source)


def _check(node: Check) -> str:
    phrase = getattr(node.function, "phrase", None)
    if isinstance(phrase, str):  # how the function reads with its paths: "{0} is one of {1}"
        try:
            return phrase.format(*node.paths)
        except (IndexError, KeyError):
            pass
    doc = (getattr(node.function, "__doc__", None) or "").strip().splitlines()
    words = doc[0].rstrip(".") if doc else node.name.replace("_", " ")
    words = words[:1].lower() + words[1:]
    return f"{words} ({', '.join(node.paths)})"


def describe(condition: Condition) -> str:  # noqa: C901, PLR0911, PLR0912 - one case per node type
    """Return what *condition* asks for, in words."""
    c = condition
    if isinstance(c, Present):
        return f"{c.path} recorded"
    if isinstance(c, NonEmpty):
        return f"{c.path} filled in"
    if isinstance(c, Equals):
        if c.value is True:
            return c.path
        if c.value is False:
            return f"not {c.path}"
        return f"{c.path} is {_value(c.value)}"
    if isinstance(c, OneOf):
        return f"{c.path} is one of {', '.join(_value(v) for v in c.values)}"
    if isinstance(c, AtLeast):
        return f"{c.path} is at least {_value(c.value)}"
    if isinstance(c, AtMost):
        return f"{c.path} is at most {_value(c.value)}"
    if isinstance(c, AgreedByAllParties):
        return f"{c.path} signed by every party"
    if isinstance(c, Check):
        return _check(c)
    if isinstance(c, ReviewedWithin):
        return f"{c.path} within {' or '.join(_interval(i) for i in c.intervals)}"
    if isinstance(c, Before):
        slack = f" plus {_interval(c.slack)}" if c.slack is not None else ""
        return f"{c.path} on or before {c.other}{slack}"
    if isinstance(c, CountAtLeast):
        what = f"at least {c.n} of {c.path}"
        return f"{what} where {describe(c.where)}" if c.where is not None else what
    if isinstance(c, ForEach):
        return f"every item of {c.path} with {describe(c.condition)}"
    if isinstance(c, AllOf):
        return " and ".join(describe(x) for x in c.conditions)
    if isinstance(c, AnyOf):
        return "(" + " or ".join(describe(x) for x in c.conditions) + ")"
    if isinstance(c, Not):
        return f"not ({describe(c.condition)})"
    if isinstance(c, Implies):
        return f"(if {describe(c.condition)}, then {describe(c.then)})"
    return type(c).__name__  # pragma: no cover - every node type is handled above
