"""Indexes over the portfolio's immutable collections, built once and reused by identity.

A check function of a relationship rule often looks something up in a collection of the
organization (the competence records of a person) or reads a plan's sections one key at a
time. The collections are immutable tuples shared by every relationship of an evaluation, so
an index built for one tuple serves every later call with the same tuple. Each cache keeps the
tuple it indexed (an identity never stands for another object) and holds a few entries at a
time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from collabrel._identity import ByIdentity

__all__ = ["ByIdentity", "by_person", "first_by", "grouped_by"]


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
