"""Conditions over collections: how many elements match, and whether every element does."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from collabrel.errors import UnknownFieldError
from collabrel.rules._conditions._base import (
    Binder,
    Bound,
    Condition,
    DataReader,
    Env,
    Trace,
    Tri,
    getter,
    leaf_text,
    prefixed,
    reads_of,
    show,
)

__all__ = ["CountAtLeast", "ForEach"]


def _criteria(where: Condition | None) -> str:
    if where is None:
        return ""
    from collabrel.rules._conditions._words import describe

    return describe(where)


def _entries(k: int) -> str:
    return f"{k} entr{'y' if k == 1 else 'ies'}"


def _closest(kids: tuple[Trace, ...]) -> tuple[int, tuple[Trace, ...]] | None:
    """The element that misses the condition by the fewest failing leaves, and those leaves."""
    # the closest element matched the most leading conditions (the ones that select it, such
    # as its role or stage), then fails the fewest, then is the least late (the first such)
    best: tuple[int, tuple[Trace, ...]] | None = None
    best_key: tuple[int, int, int] | None = None
    for i, kid in enumerate(kids):
        if kid.outcome is True:
            continue
        leaves = kid.failing_leaves()
        key = (kid.progress, -len(leaves), -_lateness(leaves))
        if best_key is None or key > best_key:
            best, best_key = (i, leaves), key
    return best


def _lateness(leaves: tuple[Trace, ...]) -> int:
    """The days by which an element with these failing *leaves* is overdue (0: not dates)."""
    late = [
        int(leaf.hint.split()[2])
        for leaf in leaves
        if leaf.hint and leaf.hint.startswith("overdue by ")
    ]
    return min(late, default=0)


def _leaves_text(leaves: tuple[Trace, ...]) -> str:
    return "; ".join(dict.fromkeys(leaf_text(t) for t in leaves))


def _counted(items: tuple[Any, ...], hits: int, n: int, criteria: str, closest: str | None) -> str:
    """How many elements count, which ones were wanted, and how the *closest* one misses."""
    if not criteria:
        if not items:
            return f"none recorded, need at least {n}"
        return f"{_entries(len(items))} {show(items)}, need at least {n}"
    if not items:
        return f"none recorded, need at least {n} where {criteria}"
    found = "no entry" if hits == 0 else f"only {_entries(hits)}"
    text = f"{found} of {len(items)} where {criteria}"
    if hits >= n:
        return f"{_entries(hits)} of {len(items)} where {criteria}"
    if n > 1 and hits:
        text += f", need {n}"
    return f"{text}; closest: {closest}" if closest else text


@attrs.frozen
class CountAtLeast(Condition):
    """At least ``n`` elements of the collection at ``path`` satisfy ``where`` (or exist)."""

    keyword: ClassVar[str] = "count_at_least"
    path: str
    n: int
    where: Condition | None = None

    def children(self) -> tuple[Condition, ...]:
        return (self.where,) if self.where is not None else ()

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        if not info.is_collection and not info.unchecked_fact:
            raise UnknownFieldError(f"count_at_least needs a collection; {self.path!r} is not one")
        get = getter(info)
        inner = self.where.bind(binder.element(info)) if self.where is not None else None
        n = self.n

        def count(o: Any, e: Env) -> tuple[int, int]:
            items = get(o, e)
            if inner is None:
                return len(items), 0
            hits = unknown = 0
            test = inner.fn
            for item in items:
                r = test(item, e)
                if r:
                    hits += 1
                elif r is None:
                    unknown += 1
            return hits, unknown

        def fn(o: Any, e: Env) -> Tri:
            items = get(o, e)
            if items is None:
                return None
            hits, unknown = count(o, e)
            if hits >= n:
                return True
            return None if hits + unknown >= n else False

        criteria = _criteria(self.where)
        wanted = f"at least {n} of {self.path}" + (f" where {criteria}" if criteria else "")
        expected = f"at least {n}" + (f" where {criteria}" if criteria else "")

        def trace(o: Any, e: Env) -> Trace:
            items = get(o, e)
            if items is None:
                return Trace(
                    node=wanted,
                    outcome=None,
                    path=self.path,
                    actual="not recorded",
                    expected=f"at least {n}",
                    hint=f"record {self.path}",
                )
            hits, unknown = count(o, e)
            outcome: Tri = True if hits >= n else (None if hits + unknown >= n else False)
            kids: tuple[Trace, ...] = ()
            closest = None
            if inner is not None and hits < n:
                kids = tuple(
                    prefixed(inner.trace(item, e), f"{self.path}[{i}]")
                    for i, item in enumerate(items[:10])
                )
                found = _closest(kids)
                if found is not None:  # the closest element first: the one the message shows
                    first = kids[found[0]]
                    kids = (first, *(k for k in kids if k is not first))
                    closest = _leaves_text(found[1])
            return Trace(
                quantifier=True,
                node=wanted,
                outcome=outcome,
                path=self.path,
                actual=_counted(items, hits, n, criteria, closest),
                expected=expected,
                hint=f"add an entry to {self.path}" if not items else closest,
                children=kids,
            )

        return Bound(
            condition=self,
            fn=fn,
            reads=reads_of(info) | (inner.reads if inner else frozenset()),
            trace=trace,
            uses_as_of=bool(inner and inner.uses_as_of),
            config_keys=inner.config_keys if inner else frozenset(),
        )

    def to_data(self) -> dict[str, Any]:
        body: dict[str, Any] = {"path": self.path, "n": self.n}
        if self.where is not None:
            body["where"] = self.where.to_data()
        return {self.keyword: body}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(
            body, where, cls.keyword, required=("path", "n"), optional=("where",)
        )
        n = reader.count(fields["n"], f"{where}.n")
        path, info = reader.collection(fields["path"], f"{where}.path")
        inner = (
            reader.scoped(info, fields["where"], f"{where}.where", depth + 1)
            if "where" in fields
            else None
        )
        return cls(path, n, inner)


@attrs.frozen
class ForEach(Condition):
    """Every element of the collection at ``path`` satisfies ``condition`` (true when empty)."""

    keyword: ClassVar[str] = "for_each"
    path: str
    condition: Condition

    def children(self) -> tuple[Condition, ...]:
        return (self.condition,)

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        if not info.is_collection and not info.unchecked_fact:
            raise UnknownFieldError(f"for_each needs a collection; {self.path!r} is not one")
        get = getter(info)
        inner = self.condition.bind(binder.element(info))
        test = inner.fn

        def fn(o: Any, e: Env) -> Tri:
            items = get(o, e)
            if items is None:
                return None
            result: Tri = True
            for item in items:
                r = test(item, e)
                if r is False:
                    return False
                if r is None:
                    result = None
            return result

        def trace(o: Any, e: Env) -> Trace:
            items = get(o, e)
            if items is None:
                return Trace(
                    node=f"every item of {self.path}",
                    outcome=None,
                    path=self.path,
                    actual="missing",
                    expected="recorded",
                    hint=f"record {self.path}",
                )
            kids = []
            outcome: Tri = True
            for i, item in enumerate(items):
                r = test(item, e)
                if r is True:  # an item that holds is not part of the explanation
                    continue
                if r is False:
                    outcome = False
                elif outcome is True:
                    outcome = None
                t = inner.trace(item, e)
                kids.append(prefixed(attrs.evolve(t, node=f"[{i}] {t.node}"), f"{self.path}[{i}]"))
            return Trace(
                node=f"every item of {self.path}",
                outcome=outcome,
                path=self.path,
                actual=f"{len(items)} items",
                children=tuple(kids[:10]),
            )

        return Bound(
            condition=self,
            fn=fn,
            reads=reads_of(info) | inner.reads,
            trace=trace,
            uses_as_of=inner.uses_as_of,
            config_keys=inner.config_keys,
        )

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"path": self.path, "condition": self.condition.to_data()}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("path", "condition"))
        path, info = reader.collection(fields["path"], f"{where}.path")
        return cls(path, reader.scoped(info, fields["condition"], f"{where}.condition", depth + 1))
