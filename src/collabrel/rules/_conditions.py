"""Condition trees: declarative predicates that know what they read and explain themselves.

A condition is data (``present("working.agreement")``). Binding it to the domain schema checks
every path, works out the read set, and compiles it to a closure for the engine's hot path. A
separate tracing walk produces explanations on demand. Both use the same three-valued logic:
``True`` (holds), ``False`` (does not) and ``None`` (unknown: a fact it compares is missing).
"""

from __future__ import annotations

import abc
import enum
import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

import attrs

from collabrel._dates import CalendarInterval
from collabrel.errors import RuleDefinitionError, UnknownFieldError
from collabrel.rules._schema import Path, PathInfo, resolve
from collabrel.units import is_quantity

__all__ = [
    "AgreedByAllParties",
    "AllOf",
    "AnyOf",
    "AtLeast",
    "AtMost",
    "Before",
    "Check",
    "Condition",
    "CountAtLeast",
    "Env",
    "Equals",
    "ForEach",
    "Implies",
    "NonEmpty",
    "Not",
    "OneOf",
    "Present",
    "Ref",
    "ReviewedWithin",
    "Trace",
    "agreed_by_all_parties",
    "all_of",
    "any_of",
    "at_least",
    "at_most",
    "before",
    "check",
    "count_at_least",
    "equals",
    "for_each",
    "implies",
    "non_empty",
    "not_",
    "one_of",
    "present",
    "ref",
    "reviewed_within",
]

Tri = bool | None
Fn = Callable[[Any, "Env"], Tri]
Getter = Callable[[Any, "Env"], Any]


# ----------------------------------------------------------------------------- runtime


class Env:
    """What a compiled condition can see besides its scope object."""

    __slots__ = ("_parties", "as_of", "intervals", "org", "rel", "values")

    def __init__(
        self,
        *,
        as_of: date,
        intervals: Mapping[str, CalendarInterval],
        values: Mapping[str, Any],
        org: Any,
        rel: Any = None,
    ) -> None:
        self.as_of = as_of
        self.intervals = intervals
        self.values = values
        self.org = org
        self.rel = rel
        self._parties: frozenset[str] | None = None

    @property
    def parties(self) -> frozenset[str]:
        """The party ids of the relationship (computed on first use)."""
        if self._parties is None:
            rel = self.rel
            self._parties = frozenset(p.id for p in rel.parties) if rel else frozenset()
        return self._parties

    def for_relationship(self, rel: Any) -> Env:
        """Return an environment for *rel* sharing everything else."""
        env = Env.__new__(Env)
        env.as_of, env.intervals, env.values, env.org = (
            self.as_of,
            self.intervals,
            self.values,
            self.org,
        )
        env.rel = rel
        env._parties = None  # noqa: SLF001 - same class
        return env


@lru_cache(maxsize=1 << 16)
def _due(last: date, months: int, days: int) -> date:
    try:
        return last + CalendarInterval(months=months, days=days)
    except (OverflowError, ValueError):  # an interval beyond the calendar never falls due
        return date.max


def due_on(last: date, interval: CalendarInterval) -> date:
    """Return when something done on *last* is next due (cached)."""
    return _due(last, interval.months, interval.days)


def _getter(info: PathInfo) -> Getter:
    names = info.getter_names
    root = None
    if names and names[0].startswith("@"):
        root, names = names[0][1:], names[1:]
    if not names:
        if root == "org":
            return lambda _o, e: e.org
        if root == "rel":
            return lambda _o, e: e.rel
        return lambda o, _e: o
    get = operator.attrgetter(".".join(names))

    if root == "org":

        def from_org(_o: Any, e: Env) -> Any:
            try:
                return get(e.org)
            except AttributeError:
                return None

        return from_org
    if root == "rel":

        def from_rel(_o: Any, e: Env) -> Any:
            try:
                return get(e.rel)
            except AttributeError:
                return None

        return from_rel

    def from_scope(o: Any, _e: Env) -> Any:
        try:
            return get(o)
        except AttributeError:
            return None

    return from_scope


def show(value: Any) -> str:
    """Render a fact value for an explanation."""
    if value is None:
        return "missing"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, CalendarInterval):
        return str(value)
    if isinstance(value, tuple):
        if not value:
            return "none"
        if all(isinstance(v, str | int | float) for v in value):
            shown = ", ".join(str(v) for v in value[:6])
            return f"[{shown}{', ...' if len(value) > 6 else ''}]"  # noqa: PLR2004
        return f"{len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")  # noqa: PLR2004
    if attrs.has(type(value)):
        ident = getattr(value, "id", None)
        return f"{type(value).__name__}({ident})" if ident else type(value).__name__
    return str(value)


@attrs.frozen(kw_only=True)
class Trace:
    """How one node of a condition tree evaluated: the explanation's building block."""

    node: str
    """What the node checks, in words."""
    outcome: bool | None
    """True, False, or None for unknown."""
    path: str | None = None
    """The fact path read, as written in the rule."""
    actual: str | None = None
    """The value found."""
    expected: str | None = None
    """What was required."""
    hint: str | None = None
    """What to do to make it hold."""
    children: tuple[Trace, ...] = ()
    """The traces of the sub-conditions."""
    quantifier: bool = False
    """Whether the node counts its children (its own actual/expected say more than theirs)."""

    def failing_leaves(self) -> tuple[Trace, ...]:
        """Return the leaves that make this node fail (or stay unknown)."""
        if self.outcome is True:
            return ()
        if not self.children or self.quantifier:
            return (self,)
        out: list[Trace] = []
        for child in self.children:
            if child.outcome is not True:
                out.extend(child.failing_leaves())
        return tuple(out) or (self,)

    def render(self, indent: int = 0) -> str:
        """Render the trace as an indented text tree."""
        mark = {True: "ok", False: "FAIL", None: "UNKNOWN"}[self.outcome]
        line = f"{'  ' * indent}[{mark}] {self.node}"
        if self.children:
            return "\n".join([line, *(c.render(indent + 1) for c in self.children)])
        extra = []
        if self.actual is not None:
            extra.append(f"actual: {self.actual}")
        if self.expected is not None:
            extra.append(f"expected: {self.expected}")
        return line + (f" ({'; '.join(extra)})" if extra else "")


# ------------------------------------------------------------------------------ binding


def _prefixed(trace: Trace, prefix: str) -> Trace:
    """Return *trace* with its paths made relative to the collection element *prefix*."""
    path = prefix if trace.path is None else f"{prefix}.{trace.path}"
    return attrs.evolve(
        trace, path=path, children=tuple(_prefixed(c, prefix) for c in trace.children)
    )


@attrs.frozen(kw_only=True)
class Binder:
    """Where a condition is being bound: its scope class and path, and the rule's root."""

    scope: type
    scope_path: Path
    default_root: str
    rule_id: str = ""
    functions: Mapping[str, Callable[..., Any]] = attrs.field(factory=dict)

    def path(self, text: str, *, collection_hop: bool = False) -> PathInfo:
        """Resolve *text* in this scope."""
        return resolve(
            text,
            scope=self.scope,
            scope_path=self.scope_path,
            default_root=self.default_root,
            rule_id=self.rule_id,
            allow_collection_hop=collection_hop,
        )

    def element(self, info: PathInfo) -> Binder:
        """Return the binder for the elements of the collection *info*."""
        return attrs.evolve(self, scope=info.value_type, scope_path=info.path)


@attrs.frozen(kw_only=True)
class Bound:
    """A condition bound to the schema: compiled, with its read set."""

    condition: Condition
    fn: Fn
    reads: frozenset[Path]
    trace: Callable[[Any, Env], Trace]
    uses_as_of: bool = False
    config_keys: frozenset[str] = frozenset()

    @property
    def org_only(self) -> bool:
        """Whether it reads no relationship fact (so it is the same for every relationship)."""
        return all(p[0] == "org" for p in self.reads)


def _reads(*infos: PathInfo) -> frozenset[Path]:
    return frozenset(p for info in infos for p in info.reads)


# ----------------------------------------------------------------------------- the nodes


@attrs.frozen
class Ref:
    """A reference to another fact, used where a literal value could stand."""

    path: str
    """The dotted path of the fact."""


def ref(path: str) -> Ref:
    """Return a reference to the fact at *path* (compare two facts instead of a literal)."""
    return Ref(path)


def _as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _constant(value: CalendarInterval) -> Callable[[Any, Env], CalendarInterval | None]:
    def get(_o: Any, _e: Env) -> CalendarInterval | None:
        return value

    return get


def _config_interval(key: str) -> Callable[[Any, Env], CalendarInterval | None]:
    def get(_o: Any, e: Env) -> CalendarInterval | None:
        return e.intervals[key]

    return get


class Condition(abc.ABC):
    """Base class of condition nodes. Build them with the lower-case functions."""

    __slots__ = ()
    keyword: ClassVar[str] = ""

    @abc.abstractmethod
    def bind(self, binder: Binder) -> Bound:
        """Bind the condition to the schema."""

    @abc.abstractmethod
    def to_data(self) -> dict[str, Any]:
        """Return the condition as rule-file data."""

    def size(self) -> int:
        """Return the number of nodes."""
        return 1 + sum(c.size() for c in self.children())

    def depth(self) -> int:
        """Return the nesting depth."""
        return 1 + max((c.depth() for c in self.children()), default=0)

    def children(self) -> tuple[Condition, ...]:
        """Return the direct sub-conditions."""
        return ()


def _leaf_bound(
    cond: Condition,
    fn: Fn,
    reads: frozenset[Path],
    trace: Callable[[Any, Env], Trace],
    **extra: Any,
) -> Bound:
    return Bound(condition=cond, fn=fn, reads=reads, trace=trace, **extra)


@attrs.frozen
class Present(Condition):
    """The fact at ``path`` is recorded (not missing)."""

    keyword: ClassVar[str] = "present"
    path: str

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = _getter(info)

        def fn(o: Any, e: Env) -> Tri:
            return get(o, e) is not None

        def trace(o: Any, e: Env) -> Trace:
            v = get(o, e)
            return Trace(
                node=f"{self.path} is recorded",
                outcome=v is not None,
                path=self.path,
                actual=show(v),
                expected="recorded",
                hint=f"record {self.path}",
            )

        return _leaf_bound(self, fn, _reads(info), trace)

    def to_data(self) -> dict[str, Any]:
        return {"present": self.path}


def _non_empty_value(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    if isinstance(v, tuple | list | frozenset | set | dict):
        return len(v) > 0
    return True


@attrs.frozen
class NonEmpty(Condition):
    """The fact at ``path`` is recorded and not empty (text, list)."""

    keyword: ClassVar[str] = "non_empty"
    path: str

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = _getter(info)

        def fn(o: Any, e: Env) -> Tri:
            return _non_empty_value(get(o, e))

        def trace(o: Any, e: Env) -> Trace:
            v = get(o, e)
            return Trace(
                node=f"{self.path} is filled in",
                outcome=_non_empty_value(v),
                path=self.path,
                actual=show(v),
                expected="not empty",
                hint=f"fill in {self.path}",
            )

        return _leaf_bound(self, fn, _reads(info), trace)

    def to_data(self) -> dict[str, Any]:
        return {"non_empty": self.path}


def coerce_literal(info: PathInfo, value: Any, path: str) -> Any:
    """Return *value* as the type of the fact at *info* (dates and enum members from text).

    Raises:
        RuleDefinitionError: when the text is not a value of that type.
    """
    tp = info.value_type
    if not isinstance(value, str) or not isinstance(tp, type) or isinstance(value, tp):
        return value
    try:
        if tp is date:
            return date.fromisoformat(value)
        if issubclass(tp, enum.Enum):
            parse = getattr(tp, "parse", None)
            return parse(value) if parse is not None else tp(value)
    except ValueError:
        allowed = (
            "a date such as 2026-01-31"
            if tp is date
            else "one of " + ", ".join(str(m.value) for m in tp)  # type: ignore[attr-defined]
        )
        raise RuleDefinitionError(
            f"{value!r} is not a valid value for {path!r}; use {allowed}"
        ) from None
    return value


def _operand(
    binder: Binder, value: Any, info: PathInfo, path: str
) -> tuple[Getter, frozenset[Path], str]:
    """Return a getter for a literal or a :class:`Ref`, its reads and its display."""
    if isinstance(value, Ref):
        other = binder.path(value.path)
        return _getter(other), _reads(other), value.path
    literal = coerce_literal(info, value, path)
    return (lambda _o, _e: literal), frozenset(), show(literal)


def _literal_data(value: Any) -> Any:
    if isinstance(value, Ref):
        return {"ref": value.path}
    if isinstance(value, date):
        return value.isoformat()
    if is_quantity(value):
        return str(value)
    if hasattr(value, "value") and isinstance(value, str):  # str-valued enum members
        return str(value)
    return value


@attrs.frozen
class _Comparison(Condition):
    """Base of the comparisons of a fact with a literal or another fact."""

    verb: ClassVar[str]

    @staticmethod
    @abc.abstractmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""

    path: str
    value: Any

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = _getter(info)
        other, other_reads, shown = _operand(binder, self.value, info, self.path)
        op = type(self).op
        verb = self.verb

        def fn(o: Any, e: Env) -> Tri:
            v = get(o, e)
            w = other(o, e)
            if v is None or w is None:
                return None
            try:
                return bool(op(v, w))
            except (TypeError, ValueError):
                return None

        def trace(o: Any, e: Env) -> Trace:
            v, w = get(o, e), other(o, e)
            return Trace(
                node=f"{self.path} {verb} {shown}",
                outcome=fn(o, e),
                path=self.path,
                actual=show(v),
                expected=f"{verb} {show(w)}",
                hint=f"make {self.path} {verb} {show(w)}",
            )

        return _leaf_bound(self, fn, _reads(info) | other_reads, trace)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"path": self.path, "value": _literal_data(self.value)}}


@attrs.frozen
class Equals(_Comparison):
    """The fact at ``path`` equals ``value`` (a literal or a :func:`ref`)."""

    keyword: ClassVar[str] = "equals"

    @staticmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""
        return bool(actual == expected)

    verb: ClassVar[str] = "equals"


@attrs.frozen
class AtLeast(_Comparison):
    """The fact at ``path`` is at least ``value`` (numbers, quantities, dates)."""

    keyword: ClassVar[str] = "at_least"

    @staticmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""
        return bool(actual >= expected)

    verb: ClassVar[str] = "is at least"


@attrs.frozen
class AtMost(_Comparison):
    """The fact at ``path`` is at most ``value`` (numbers, quantities, dates)."""

    keyword: ClassVar[str] = "at_most"

    @staticmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""
        return bool(actual <= expected)

    verb: ClassVar[str] = "is at most"


@attrs.frozen
class OneOf(Condition):
    """The fact at ``path`` is one of ``values``."""

    keyword: ClassVar[str] = "one_of"
    path: str
    values: tuple[Any, ...] = attrs.field(converter=_as_tuple)

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = _getter(info)
        allowed = frozenset(coerce_literal(info, v, self.path) for v in self.values)

        def fn(o: Any, e: Env) -> Tri:
            v = get(o, e)
            return None if v is None else v in allowed

        def trace(o: Any, e: Env) -> Trace:
            v = get(o, e)
            choices = ", ".join(str(x) for x in self.values)
            return Trace(
                node=f"{self.path} is one of {choices}",
                outcome=fn(o, e),
                path=self.path,
                actual=show(v),
                expected=f"one of {choices}",
                hint=f"set {self.path} to one of {choices}",
            )

        return _leaf_bound(self, fn, _reads(info), trace)

    def to_data(self) -> dict[str, Any]:
        return {"one_of": {"path": self.path, "values": [_literal_data(v) for v in self.values]}}


def _kleene_all(values: list[Tri]) -> Tri:
    if False in values:
        return False
    if None in values:
        return None
    return True


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
        if not info.is_collection:
            raise UnknownFieldError(f"count_at_least needs a collection; {self.path!r} is not one")
        get = _getter(info)
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

        reads = _reads(info) | (inner.reads if inner else frozenset())
        return Bound(
            condition=self,
            fn=fn,
            reads=reads,
            trace=trace,
            uses_as_of=bool(inner and inner.uses_as_of),
            config_keys=inner.config_keys if inner else frozenset(),
        )

    def to_data(self) -> dict[str, Any]:
        body: dict[str, Any] = {"path": self.path, "n": self.n}
        if self.where is not None:
            body["where"] = self.where.to_data()
        return {"count_at_least": body}


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
        if not info.is_collection:
            raise UnknownFieldError(f"for_each needs a collection; {self.path!r} is not one")
        get = _getter(info)
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
                        _prefixed(attrs.evolve(t, node=f"[{i}] {t.node}"), f"{self.path}[{i}]")
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
            reads=_reads(info) | inner.reads,
            trace=trace,
            uses_as_of=inner.uses_as_of,
            config_keys=inner.config_keys,
        )

    def to_data(self) -> dict[str, Any]:
        return {"for_each": {"path": self.path, "condition": self.condition.to_data()}}


def _interval_sources(
    binder: Binder, sources: tuple[Any, ...]
) -> tuple[list[Callable[[Any, Env], CalendarInterval | None]], frozenset[Path], frozenset[str]]:
    getters: list[Callable[[Any, Env], CalendarInterval | None]] = []
    reads: set[Path] = set()
    keys: set[str] = set()
    for src in sources:
        if isinstance(src, Ref):
            info = binder.path(src.path)
            getters.append(_getter(info))
            reads |= set(info.reads)
        elif isinstance(src, CalendarInterval):
            getters.append(_constant(src))
        elif isinstance(src, str):
            from collabrel._config import Config

            Config().interval(src)  # raises ConfigError for an unknown key
            keys.add(src)
            getters.append(_config_interval(src))
        else:
            raise RuleDefinitionError(
                f"an interval must be a config key such as 'review.context', an interval such "
                f"as months(6), or ref('path'); got {src!r}"
            )
    if not getters:
        raise RuleDefinitionError("reviewed_within needs at least one interval")
    return getters, frozenset(reads), frozenset(keys)


@attrs.frozen
class ReviewedWithin(Condition):
    """The date at ``path`` is recent: on or after the as-of date minus the interval.

    With several intervals (config keys, intervals or refs), the shortest one recorded applies.
    """

    keyword: ClassVar[str] = "reviewed_within"
    path: str
    intervals: tuple[Any, ...] = attrs.field(converter=_as_tuple)

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = _getter(info)
        getters, reads, keys = _interval_sources(binder, self.intervals)

        def due(o: Any, e: Env) -> date | None:
            last = get(o, e)
            if last is None:
                return None
            best: date | None = None
            for g in getters:
                iv = g(o, e)
                if iv is not None:
                    d = _due(last, iv.months, iv.days)
                    if best is None or d < best:
                        best = d
            return best

        def fn(o: Any, e: Env) -> Tri:
            d = due(o, e)
            return None if d is None else e.as_of <= d

        def trace(o: Any, e: Env) -> Trace:
            last, d = get(o, e), due(o, e)
            outcome = fn(o, e)
            if d is None:
                hint = f"record {self.path}"
            elif outcome:
                hint = f"next due {d.isoformat()}"
            else:
                hint = f"overdue by {(e.as_of - d).days} days since {d.isoformat()}; review it"
            return Trace(
                node=f"{self.path} is recent",
                outcome=outcome,
                path=self.path,
                actual=show(last),
                expected=f"on or after the due date ({show(d)})" if d else "a date",
                hint=hint,
            )

        return Bound(
            condition=self,
            fn=fn,
            reads=_reads(info) | reads,
            trace=trace,
            uses_as_of=True,
            config_keys=keys,
        )

    def to_data(self) -> dict[str, Any]:
        sources = [{"ref": s.path} if isinstance(s, Ref) else str(s) for s in self.intervals]
        return {"reviewed_within": {"path": self.path, "interval": sources}}


@attrs.frozen
class Before(Condition):
    """The date at ``path`` is on or before the date at ``other`` (plus an optional slack)."""

    keyword: ClassVar[str] = "before"
    path: str
    other: str
    slack: Any = None

    def bind(self, binder: Binder) -> Bound:
        a, b = binder.path(self.path), binder.path(self.other)
        ga, gb = _getter(a), _getter(b)
        slack_getters, reads, keys = (
            _interval_sources(binder, (self.slack,))
            if self.slack is not None
            else ([], frozenset(), frozenset())
        )
        sg = slack_getters[0] if slack_getters else None

        def limit(o: Any, e: Env) -> date | None:
            d: date | None = gb(o, e)
            if d is None or sg is None:
                return d
            iv = sg(o, e)
            return d if iv is None else _due(d, iv.months, iv.days)

        def fn(o: Any, e: Env) -> Tri:
            x, y = ga(o, e), limit(o, e)
            if x is None or y is None:
                return None
            return bool(x <= y)

        def trace(o: Any, e: Env) -> Trace:
            x, y = ga(o, e), limit(o, e)
            slack = f" + {self.slack}" if self.slack is not None else ""
            return Trace(
                node=f"{self.path} is on or before {self.other}{slack}",
                outcome=fn(o, e),
                path=self.path,
                actual=show(x),
                expected=f"on or before {show(y)}",
                hint=f"{self.path} must not be later than {self.other}{slack}",
            )

        return Bound(
            condition=self, fn=fn, reads=_reads(a, b) | reads, trace=trace, config_keys=keys
        )

    def to_data(self) -> dict[str, Any]:
        body: dict[str, Any] = {"path": self.path, "other": self.other}
        if self.slack is not None:
            body["slack"] = (
                {"ref": self.slack.path} if isinstance(self.slack, Ref) else str(self.slack)
            )
        return {"before": body}


@attrs.frozen
class AgreedByAllParties(Condition):
    """The joint artefact at ``path`` is signed off by every party for its current version."""

    keyword: ClassVar[str] = "agreed_by_all_parties"
    path: str

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        if info.path[0] != "rel" and binder.default_root != "rel":
            raise RuleDefinitionError(
                "agreed_by_all_parties needs a relationship: use it in a relationship rule"
            )
        fields = getattr(info.value_type, "__attrs_attrs__", ())
        names = {f.name for f in fields}
        if "agreed_by" not in names:
            raise UnknownFieldError(
                f"agreed_by_all_parties needs an artefact with agreed_by; {self.path!r} has none"
            )
        has_version = "version" in names
        get = _getter(info)

        def missing(o: Any, e: Env) -> frozenset[str] | None:
            art = get(o, e)
            if art is None:
                return None
            version = art.version if has_version else None
            signed = {s.party for s in art.agreed_by if version is None or s.version == version}
            return e.parties - signed

        def fn(o: Any, e: Env) -> Tri:
            m = missing(o, e)
            return False if m is None else not m

        def trace(o: Any, e: Env) -> Trace:
            m = missing(o, e)
            if m is None:
                return Trace(
                    node=f"{self.path} agreed by every party",
                    outcome=False,
                    path=f"{self.path}.agreed_by",
                    actual="missing",
                    expected=f"sign-off by {', '.join(sorted(e.parties))}",
                    hint=f"record {self.path} and every party's sign-off",
                )
            art = get(o, e)
            version = f" (version {art.version})" if has_version else ""
            return Trace(
                node=f"{self.path} agreed by every party{version}",
                outcome=not m,
                path=f"{self.path}.agreed_by",
                actual=f"missing sign-off by {', '.join(sorted(m))}"
                if m
                else "signed by every party",
                expected=f"sign-off by {', '.join(sorted(e.parties))}",
                hint=f"get {', '.join(sorted(m))} to sign the current version" if m else None,
            )

        reads = {(*info.path, "agreed_by"), ("rel", "parties")}
        if has_version:
            reads.add((*info.path, "version"))
        return _leaf_bound(self, fn, frozenset(reads), trace)

    def to_data(self) -> dict[str, Any]:
        return {"agreed_by_all_parties": self.path}


def _combine(children: tuple[Condition, ...], binder: Binder) -> list[Bound]:
    return [c.bind(binder) for c in children]


def _merge(bound: list[Bound]) -> dict[str, Any]:
    return {
        "reads": frozenset().union(*(b.reads for b in bound)),
        "uses_as_of": any(b.uses_as_of for b in bound),
        "config_keys": frozenset().union(*(b.config_keys for b in bound)),
    }


def all_fn(fns: list[Fn]) -> Fn:
    """Combine compiled children with Kleene AND."""
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 2:  # noqa: PLR2004 - the common case, unrolled
        f, g = fns

        def and2(o: Any, e: Env) -> Tri:
            a = f(o, e)
            if a is False:
                return False
            b = g(o, e)
            if b is False:
                return False
            return None if a is None or b is None else True

        return and2
    fs = tuple(fns)

    def and_n(o: Any, e: Env) -> Tri:
        unknown = False
        for f in fs:
            r = f(o, e)
            if r is False:
                return False
            if r is None:
                unknown = True
        return None if unknown else True

    return and_n


def any_fn(fns: list[Fn]) -> Fn:
    """Combine compiled children with Kleene OR."""
    fs = tuple(fns)

    def or_n(o: Any, e: Env) -> Tri:
        unknown = False
        for f in fs:
            r = f(o, e)
            if r is True:
                return True
            if r is None:
                unknown = True
        return None if unknown else False

    return or_n


def kleene_and(a: Tri, b: Tri) -> Tri:
    """Kleene AND of two values."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def kleene_or(a: Tri, b: Tri) -> Tri:
    """Kleene OR of two values."""
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


@attrs.frozen
class AllOf(Condition):
    """Every sub-condition holds."""

    keyword: ClassVar[str] = "all_of"
    conditions: tuple[Condition, ...] = attrs.field(converter=_as_tuple)

    def children(self) -> tuple[Condition, ...]:
        return self.conditions

    def bind(self, binder: Binder) -> Bound:
        bound = _combine(self.conditions, binder)
        fn = all_fn([b.fn for b in bound])

        def trace(o: Any, e: Env) -> Trace:
            kids = tuple(b.trace(o, e) for b in bound)
            return Trace(
                node="all of", outcome=_kleene_all([k.outcome for k in kids]), children=kids
            )

        return Bound(condition=self, fn=fn, trace=trace, **_merge(bound))

    def to_data(self) -> dict[str, Any]:
        return {"all_of": [c.to_data() for c in self.conditions]}


@attrs.frozen
class AnyOf(Condition):
    """At least one sub-condition holds."""

    keyword: ClassVar[str] = "any_of"
    conditions: tuple[Condition, ...] = attrs.field(converter=_as_tuple)

    def children(self) -> tuple[Condition, ...]:
        return self.conditions

    def bind(self, binder: Binder) -> Bound:
        bound = _combine(self.conditions, binder)
        fn = any_fn([b.fn for b in bound])

        def trace(o: Any, e: Env) -> Trace:
            kids = tuple(b.trace(o, e) for b in bound)
            outcome: Tri = False
            for k in kids:
                outcome = kleene_or(outcome, k.outcome)
            return Trace(node="any of", outcome=outcome, children=kids)

        return Bound(condition=self, fn=fn, trace=trace, **_merge(bound))

    def to_data(self) -> dict[str, Any]:
        return {"any_of": [c.to_data() for c in self.conditions]}


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
                expected=f"not {t.expected}" if t.expected else None,
                hint=t.hint,
            )

        return Bound(condition=self, fn=fn, trace=trace, **_merge([inner]))

    def to_data(self) -> dict[str, Any]:
        return {"not": self.condition.to_data()}


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

        return Bound(condition=self, fn=fn, trace=trace, **_merge([a, b]))

    def to_data(self) -> dict[str, Any]:
        return {"implies": {"if": self.condition.to_data(), "then": self.then.to_data()}}


@attrs.frozen
class Check(Condition):
    """A registered pure function applied to the facts at ``paths`` returns true."""

    keyword: ClassVar[str] = "check"
    function: str
    paths: tuple[str, ...] = attrs.field(converter=_as_tuple)

    def bind(self, binder: Binder) -> Bound:
        fn_impl = binder.functions.get(self.function)
        if fn_impl is None:
            known = ", ".join(sorted(binder.functions)) or "none"
            raise RuleDefinitionError(
                f"unknown function {self.function!r}; registered functions: {known}"
            )
        infos = [binder.path(p) for p in self.paths]
        getters = [_getter(i) for i in infos]

        def fn(o: Any, e: Env) -> Tri:
            args = [g(o, e) for g in getters]
            result = fn_impl(*args)
            return None if result is None else bool(result)

        def trace(o: Any, e: Env) -> Trace:
            args = [g(o, e) for g in getters]
            return Trace(
                node=f"{self.function}({', '.join(self.paths)})",
                outcome=fn(o, e),
                path=self.paths[0] if self.paths else None,
                actual=", ".join(show(a) for a in args),
                expected="true",
                hint=getattr(fn_impl, "__doc__", None),
            )

        return _leaf_bound(self, fn, _reads(*infos), trace)

    def to_data(self) -> dict[str, Any]:
        return {"check": {"function": self.function, "paths": list(self.paths)}}


# --------------------------------------------------------------------------- constructors


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


def check(function: str, *paths: str) -> Condition:
    """The registered pure *function*, applied to the facts at *paths*, returns true."""
    return Check(function, paths)


NODE_TYPES: dict[str, type[Condition]] = {
    cls.keyword: cls
    for cls in (
        Present, NonEmpty, Equals, OneOf, AtLeast, AtMost, CountAtLeast, ForEach,
        ReviewedWithin, Before, AgreedByAllParties, AllOf, AnyOf, Not, Implies, Check,
    )
}  # fmt: skip
