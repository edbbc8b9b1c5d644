"""A function of an immutable object, remembered by the object's identity.

The portfolio's values are frozen: a tuple of records, an artefact, a configuration never
change once made, and the same object is shared by every relationship, session and update
that holds it. What is computed from one (an index, a set of signers) is computed once and
found again by identity. Each entry keeps the object it was computed from, so an id never
stands for another object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["ByIdentity"]

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
