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
    prefixed,
    reads_of,
)

__all__ = ["CountAtLeast", "ForEach"]


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

        def trace(o: Any, e: Env) -> Trace:
            items = get(o, e)
            what = f"{self.path}" + (" matching the condition" if inner else "")
            if items is None:
                return Trace(
                    node=f"at least {n} of {what}",
                    outcome=None,
                    path=self.path,
                    actual="missing",
                    expected=f"at least {n}",
                    hint=f"record {self.path}",
                )
            hits, _ = count(o, e)
            kids: tuple[Trace, ...] = ()
            if inner is not None and hits < n:
                kids = tuple(inner.trace(item, e) for item in items[:10])
            return Trace(
                quantifier=True,
                node=f"at least {n} of {what}",
                outcome=fn(o, e),
                path=self.path,
                actual=f"{hits} of {len(items)}",
                expected=f"at least {n}",
                hint=f"add entries to {self.path}",
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
            for i, item in enumerate(items):
                t = inner.trace(item, e)
                if t.outcome is not True:
                    kids.append(
                        prefixed(attrs.evolve(t, node=f"[{i}] {t.node}"), f"{self.path}[{i}]")
                    )
            return Trace(
                node=f"every item of {self.path}",
                outcome=fn(o, e),
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
