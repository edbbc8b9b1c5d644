"""Logical conditions: all of, any of, not, implies (Kleene three-valued logic)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from collabrel.rules._conditions._base import (
    HELD,
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

        def all_of(kids: tuple[Trace, ...]) -> Trace:
            return Trace(node="all of", outcome=kleene_all(k.outcome for k in kids), children=kids)

        def trace(o: Any, e: Env) -> Trace:
            return all_of(tuple([b.trace(o, e) for b in bound]))

        def brief(o: Any, e: Env) -> Trace:
            kids = tuple([b.brief_trace(o, e) for b in bound])
            return HELD if all(k.outcome is True for k in kids) else all_of(kids)

        return Bound(condition=self, fn=fn, trace=trace, brief=brief, **merged(bound))

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

        def any_of(kids: tuple[Trace, ...]) -> Trace:
            outcome: Tri = False
            for k in kids:
                outcome = kleene_or(outcome, k.outcome)
            return Trace(node="any of", outcome=outcome, children=kids)

        def trace(o: Any, e: Env) -> Trace:
            return any_of(tuple([b.trace(o, e) for b in bound]))

        def brief(o: Any, e: Env) -> Trace:
            kids = any_of(tuple([b.brief_trace(o, e) for b in bound]))
            return HELD if kids.outcome is True else kids

        return Bound(condition=self, fn=fn, trace=trace, brief=brief, **merged(bound))

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

        def implied(o: Any, e: Env, ta: Trace, tb: Trace) -> Trace:
            return Trace(
                node="if the first holds, the second must",
                outcome=fn(o, e),
                children=(ta, tb) if ta.outcome is not False else (ta,),
            )

        def trace(o: Any, e: Env) -> Trace:
            return implied(o, e, a.trace(o, e), b.trace(o, e))

        def brief(o: Any, e: Env) -> Trace:
            t = implied(o, e, a.brief_trace(o, e), b.brief_trace(o, e))
            return HELD if t.outcome is True else t

        return Bound(condition=self, fn=fn, trace=trace, brief=brief, **merged([a, b]))

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"if": self.condition.to_data(), "then": self.then.to_data()}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("if", "then"))
        return cls(
            reader.node(fields["if"], f"{where}.if", depth + 1),
            reader.node(fields["then"], f"{where}.then", depth + 1),
        )
