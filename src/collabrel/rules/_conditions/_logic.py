"""Logical conditions: all of, any of, not, implies (Kleene three-valued logic)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from collabrel.rules._conditions._base import (
    Binder,
    Bound,
    Condition,
    DataReader,
    Env,
    Trace,
    Tri,
    all_fn,
    any_fn,
    as_tuple,
    kleene_all,
    kleene_or,
    merged,
)

__all__ = ["AllOf", "AnyOf", "Implies", "Not"]


def _list(cls: type[AllOf | AnyOf], body: Any, reader: DataReader, where: str, depth: int) -> Any:
    if not isinstance(body, list) or not body:
        raise reader.refuse(where, f"{cls.keyword} takes a non-empty list of conditions")
    return cls(tuple(reader.node(c, f"{where}[{i}]", depth + 1) for i, c in enumerate(body)))


@attrs.frozen
class AllOf(Condition):
    """Every sub-condition holds."""

    keyword: ClassVar[str] = "all_of"
    conditions: tuple[Condition, ...] = attrs.field(converter=as_tuple)

    def children(self) -> tuple[Condition, ...]:
        return self.conditions

    def bind(self, binder: Binder) -> Bound:
        bound = [c.bind(binder) for c in self.conditions]
        fn = all_fn([b.fn for b in bound])

        def trace(o: Any, e: Env) -> Trace:
            kids = tuple(b.trace(o, e) for b in bound)
            return Trace(node="all of", outcome=kleene_all(k.outcome for k in kids), children=kids)

        return Bound(condition=self, fn=fn, trace=trace, **merged(bound))

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: [c.to_data() for c in self.conditions]}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        return _list(cls, body, reader, where, depth)  # type: ignore[no-any-return]


@attrs.frozen
class AnyOf(Condition):
    """At least one sub-condition holds."""

    keyword: ClassVar[str] = "any_of"
    conditions: tuple[Condition, ...] = attrs.field(converter=as_tuple)

    def children(self) -> tuple[Condition, ...]:
        return self.conditions

    def bind(self, binder: Binder) -> Bound:
        bound = [c.bind(binder) for c in self.conditions]
        fn = any_fn([b.fn for b in bound])

        def trace(o: Any, e: Env) -> Trace:
            kids = tuple(b.trace(o, e) for b in bound)
            outcome: Tri = False
            for k in kids:
                outcome = kleene_or(outcome, k.outcome)
            return Trace(node="any of", outcome=outcome, children=kids)

        return Bound(condition=self, fn=fn, trace=trace, **merged(bound))

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: [c.to_data() for c in self.conditions]}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        return _list(cls, body, reader, where, depth)  # type: ignore[no-any-return]


def _negated(expected: str) -> str:
    """The opposite of an expectation: ``equals 'x'`` becomes ``other than 'x'``."""
    if expected.startswith("equals "):
        return "other than " + expected.removeprefix("equals ")
    return f"not {expected}"


@attrs.frozen
class Not(Condition):
    """The sub-condition does not hold (unknown stays unknown)."""

    keyword: ClassVar[str] = "not"
    condition: Condition

    def children(self) -> tuple[Condition, ...]:
        return (self.condition,)

    def bind(self, binder: Binder) -> Bound:
        inner = self.condition.bind(binder)
        f = inner.fn

        def fn(o: Any, e: Env) -> Tri:
            r = f(o, e)
            return None if r is None else not r

        def trace(o: Any, e: Env) -> Trace:
            t = inner.trace(o, e)
            outcome = None if t.outcome is None else not t.outcome
            # a negation is explained by what it negates: the inner node, read the other way
            return Trace(
                node=f"not ({t.node})",
                outcome=outcome,
                path=t.path,
                actual=t.actual,
                expected=_negated(t.expected) if t.expected else None,
                hint=f"change {t.path or 'the facts'} so that this no longer holds: {t.node}",
            )

        return Bound(condition=self, fn=fn, trace=trace, **merged([inner]))

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: self.condition.to_data()}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        return cls(reader.node(body, where, depth + 1))


@attrs.frozen
class Implies(Condition):
    """When ``condition`` holds, ``then`` must hold too."""

    keyword: ClassVar[str] = "implies"
    condition: Condition
    then: Condition

    def children(self) -> tuple[Condition, ...]:
        return (self.condition, self.then)

    def bind(self, binder: Binder) -> Bound:
        a, b = self.condition.bind(binder), self.then.bind(binder)
        fa, fb = a.fn, b.fn

        def fn(o: Any, e: Env) -> Tri:
            x = fa(o, e)
            if x is False:
                return True
            y = fb(o, e)
            if y is True:
                return True
            return None if x is None or y is None else False

        def trace(o: Any, e: Env) -> Trace:
            ta, tb = a.trace(o, e), b.trace(o, e)
            return Trace(
                node="if the first holds, the second must",
                outcome=fn(o, e),
                children=(ta, tb) if ta.outcome is not False else (ta,),
            )

        return Bound(condition=self, fn=fn, trace=trace, **merged([a, b]))

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"if": self.condition.to_data(), "then": self.then.to_data()}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("if", "then"))
        return cls(
            reader.node(fields["if"], f"{where}.if", depth + 1),
            reader.node(fields["then"], f"{where}.then", depth + 1),
        )
