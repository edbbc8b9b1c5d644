"""Condition trees: declarative predicates that know what they read and explain themselves.

Build them with the lower-case functions below; each node family lives in its own module
(:mod:`._base` for the node class, binding and traces, :mod:`._leaves`, :mod:`._collections`,
:mod:`._dates`, :mod:`._logic`). Every node reads itself from rule-file data
(``from_data``) and writes itself back (``to_data``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from collabrel._dates import CalendarInterval
from collabrel.rules._conditions._base import (
    Binder,
    Bound,
    Condition,
    DataReader,
    Env,
    Fn,
    Ref,
    Trace,
    Tri,
    all_fn,
    any_fn,
    kleene_and,
    kleene_or,
    leaf_text,
    show,
)
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
    Unmet,
    unmet,
)
from collabrel.rules._conditions._logic import AllOf, AnyOf, Implies, Not

__all__ = [
    "COLLECTION_SIZE",
    "MAX_RULE_COST",
    "NODE_TYPES",
    "AgreedByAllParties",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "AtMost",
    "Before",
    "Binder",
    "Bound",
    "Check",
    "Condition",
    "CountAtLeast",
    "DataReader",
    "Env",
    "Equals",
    "Fn",
    "ForEach",
    "Implies",
    "NonEmpty",
    "Not",
    "OneOf",
    "Present",
    "Ref",
    "ReviewedWithin",
    "Trace",
    "Tri",
    "Unmet",
    "agreed_by_all_parties",
    "all_fn",
    "all_of",
    "any_fn",
    "any_of",
    "at_least",
    "at_most",
    "before",
    "check",
    "cost",
    "costliest",
    "count_at_least",
    "equals",
    "for_each",
    "implies",
    "kleene_and",
    "kleene_or",
    "leaf_text",
    "non_empty",
    "not_",
    "one_of",
    "present",
    "ref",
    "reviewed_within",
    "show",
    "unmet",
    "walk",
]


def ref(path: str) -> Ref:
    """Return a reference to the fact at *path* (compare two facts instead of a literal)."""
    return Ref(path)


def present(path: str) -> Condition:
    """The fact at *path* is recorded.

    Example:
        >>> present("working.agreement").to_data()
        {'present': 'working.agreement'}
    """
    return Present(path)


def non_empty(path: str) -> Condition:
    """The fact at *path* is recorded and not empty."""
    return NonEmpty(path)


def equals(path: str, value: Any) -> Condition:
    """The fact at *path* equals *value* (a literal, or :func:`ref` to another fact)."""
    return Equals(path, value)


def one_of(path: str, values: tuple[Any, ...] | list[Any]) -> Condition:
    """The fact at *path* is one of *values*."""
    return OneOf(path, tuple(values))


def at_least(path: str, value: Any) -> Condition:
    """The fact at *path* is at least *value* (number, quantity, date or :func:`ref`)."""
    return AtLeast(path, value)


def at_most(path: str, value: Any) -> Condition:
    """The fact at *path* is at most *value* (number, quantity, date or :func:`ref`)."""
    return AtMost(path, value)


def count_at_least(path: str, n: int, where: Condition | None = None) -> Condition:
    """At least *n* elements of the collection at *path* satisfy *where* (or simply exist)."""
    return CountAtLeast(path, n, where)


def for_each(path: str, condition: Condition) -> Condition:
    """Every element of the collection at *path* satisfies *condition*."""
    return ForEach(path, condition)


def reviewed_within(path: str, *intervals: str | CalendarInterval | Ref) -> Condition:
    """The date at *path* is no older than the interval (config key, interval or ref).

    Example:
        >>> reviewed_within("policy.last_reviewed_on", "review.policy").to_data()
        {'reviewed_within': {'path': 'policy.last_reviewed_on', 'interval': ['review.policy']}}
    """
    return ReviewedWithin(path, intervals)


def before(
    path: str, other: str, *, slack: str | CalendarInterval | Ref | None = None
) -> Condition:
    """The date at *path* is on or before the date at *other* (plus *slack*)."""
    return Before(path, other, slack)


def agreed_by_all_parties(path: str) -> Condition:
    """The joint artefact at *path* is signed off by every party, for its current version."""
    return AgreedByAllParties(path)


def all_of(*conditions: Condition) -> Condition:
    """Every one of *conditions* holds."""
    return AllOf(conditions)


def any_of(*conditions: Condition) -> Condition:
    """At least one of *conditions* holds."""
    return AnyOf(conditions)


def not_(condition: Condition) -> Condition:
    """*condition* does not hold."""
    return Not(condition)


def implies(condition: Condition, then: Condition) -> Condition:
    """When *condition* holds, *then* holds too."""
    return Implies(condition, then)


def check(function: Callable[..., Any], *paths: str) -> Condition:
    """*function*, a pure function applied to the facts at *paths*, returns true.

    The function takes one argument per path and returns ``True``, ``False`` or ``None``
    (unknown); instead of ``False`` it may return :func:`unmet` with the reason, which the
    explanation then shows. Its name stands for it in rule files (load them with
    ``functions=``), and its docstring is the hint of an explanation. An optional ``phrase``
    attribute (``"{0} is one of {1}"``, the paths in order) is how the check reads where an
    explanation describes the entries a count looks for. A function that cannot
    take one argument per path is refused when the rule is defined.

    Example:
        >>> def two_or_more(items):
        ...     '''At least two entries are recorded.'''
        ...     return None if items is None else len(items) >= 2
        >>> check(two_or_more, "parties").to_data()
        {'check': {'function': 'two_or_more', 'paths': ['parties']}}
    """
    return Check(function, paths)


def walk(condition: Condition | None) -> Iterator[Condition]:
    """Yield every node of *condition* (nothing for ``None``), parents before children."""
    if condition is None:
        return
    stack = [condition]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


COLLECTION_SIZE = 100
"""How many items the cost estimate assumes a collection holds (a generous size)."""
MAX_RULE_COST = 100_000
"""The most node evaluations one rule may cost per subject (about 3x the costliest built-in
rule); beyond it the rule is refused when it is defined (see :func:`cost`)."""


def cost(condition: Condition | None) -> int:
    """Estimate how many nodes evaluating *condition* visits for one subject.

    A node costs one; a ``for_each`` or ``count_at_least`` costs its inner condition once per
    item, counted at :data:`COLLECTION_SIZE` items, so nesting collections multiplies.
    """
    if condition is None:
        return 0
    if isinstance(condition, CountAtLeast | ForEach):
        inner = condition.where if isinstance(condition, CountAtLeast) else condition.condition
        return 1 + COLLECTION_SIZE * cost(inner)
    return 1 + sum(cost(c) for c in condition.children())


def costliest(condition: Condition) -> str:
    """Describe the chain of collection nodes that makes *condition* costly (for messages)."""
    chain: list[str] = []
    node: Condition | None = condition
    while node is not None:
        if isinstance(node, CountAtLeast | ForEach):
            chain.append(f"{node.keyword} {node.path}")
        kids = node.children()
        node = max(kids, key=cost) if kids else None
    return " > ".join(chain) or f"{condition.keyword} ({condition.size()} nodes)"


NODE_TYPES: dict[str, type[Condition]] = {
    cls.keyword: cls
    for cls in (
        Present, NonEmpty, Equals, OneOf, AtLeast, AtMost, CountAtLeast, ForEach,
        ReviewedWithin, Before, AgreedByAllParties, AllOf, AnyOf, Not, Implies, Check,
    )
}  # fmt: skip
"""Every node type by its rule-file keyword."""
