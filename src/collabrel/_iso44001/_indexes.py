"""Indexes over the portfolio's immutable collections, built once and reused by identity.

A check function of a relationship rule often looks something up in a collection of the
organization (the competence records of a person) or reads a plan's sections one key at a
time. The collections are immutable tuples shared by every relationship of an evaluation, so
an index built for one tuple serves every later call with the same tuple. Each cache keeps the
tuple it indexed (an identity never stands for another object) and holds a few entries at a
time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

__all__ = ["ByIdentity", "by_person", "first_by", "grouped_by"]

T = TypeVar("T")

_NOTHING = object()
"""Stands for "no collection yet" (``None`` may be asked about)."""


class ByIdentity(Generic[T]):
    """A function of an immutable collection, remembered for the last few collections.

    Args:
        build: computes the value from the collection; its result must not be mutated.
        size: how many collections to remember.
    """

    __slots__ = ("_build", "_cache", "_last", "_size")

    def __init__(self, build: Callable[[Any], T], size: int = 4) -> None:
        self._build = build
        self._size = size
        self._cache: dict[int, tuple[Any, T]] = {}
        # the last collection asked about with its value, compared first: the rules of one
        # relationship ask about the same collection many times in a row. One attribute
        # holding the pair, so a thread never reads a collection with another's value.
        self._last: tuple[Any, Any] = (_NOTHING, None)

    def __call__(self, items: Any) -> T:
        """Return ``build(items)``, computed once per collection while it is remembered."""
        last = self._last
        if last[0] is items:
            value: T = last[1]
            return value
        found = self._cache.get(id(items))
        if found is None or found[0] is not items:
            found = (items, self._build(items))
            if len(self._cache) >= self._size:
                self._cache.clear()
            self._cache[id(items)] = found
        self._last = found
        return found[1]


def grouped_by(attribute: str) -> ByIdentity[dict[Any, list[Any]]]:
    """An index of a collection by the value of *attribute*: every item, in order."""

    def build(items: Iterable[Any]) -> dict[Any, list[Any]]:
        index: dict[Any, list[Any]] = {}
        for item in items:
            index.setdefault(getattr(item, attribute), []).append(item)
        return index

    return ByIdentity(build)


def first_by(attribute: str) -> ByIdentity[dict[Any, Any]]:
    """An index of a collection by the value of *attribute*: the first item of each value."""

    def build(items: Iterable[Any]) -> dict[Any, Any]:
        index: dict[Any, Any] = {}
        for item in items:
            index.setdefault(getattr(item, attribute), item)
        return index

    return ByIdentity(build)


by_person = grouped_by("person")
"""Records (competence, awareness...) by the person they are about, in their order."""
