"""Condition trees compiled to plain Python functions.

A bound condition tree becomes one Python function per rule, generated as a Python ``ast``
from the validated tree (never from text a user wrote): fact paths become attribute reads
(guarded only where the schema says a value may be missing), literals become constants of
the function's namespace, quantities of organization-specific facts become float comparisons
in the fact's declared unit, and a date "reviewed within" an interval becomes a comparison with
a threshold date computed once per evaluation date. The three-valued (Kleene) logic of the
tracing evaluation is kept exactly: a sub-expression that can be unknown (``None``) carries it,
one that cannot is compiled to plain boolean operators.

The compiled function of a rule returns its verdict as a small integer code (:data:`PASS` ...
:data:`ERROR`); the tracing evaluation (``Bound.trace``) stays for explanations only.
"""

from __future__ import annotations

import ast
import enum
import functools
import itertools
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import attrs

from collabrel._dates import CalendarInterval
from collabrel._facts import Facts, FactSchema, FactType
from collabrel._identity import ByIdentity
from collabrel._model import Organization, Relationship
from collabrel._typing import field_hints, optional_type
from collabrel.errors import RuleDefinitionError
from collabrel.rules._conditions import (
    AgreedByAllParties,
    AllOf,
    AnyOf,
    AtLeast,
    AtMost,
    Before,
    Binder,
    Check,
    Condition,
    CountAtLeast,
    Equals,
    ForEach,
    Implies,
    NonEmpty,
    Not,
    OneOf,
    Present,
    Ref,
    ReviewedWithin,
)
from collabrel.rules._conditions._base import coerce_literal, due
from collabrel.rules._conditions._leaves import truth
from collabrel.rules._schema import DERIVED, PathInfo, fields_of

__all__ = [
    "ERROR",
    "FAIL",
    "NOT_APPLICABLE",
    "PASS",
    "UNKNOWN",
    "CheckFunctionError",
    "CompiledCondition",
    "Thresholds",
    "compile_condition",
    "timed_call",
]

PASS, FAIL, NOT_APPLICABLE, UNKNOWN, ERROR = 0, 1, 2, 3, 4
"""Verdict codes, in the order of :class:`collabrel.rules.Verdict`'s members."""


# --------------------------------------------------------------------------- run-time help


class Thresholds(dict[Any, date]):
    """The earliest date a review may carry and still count as recent, per interval.

    ``last + interval >= as_of`` holds exactly when ``last >= threshold(interval)``, because
    adding a calendar interval never reorders dates; the threshold is found once per
    evaluation date (and per interval) instead of adding the interval to every date. Keys are
    config keys (``"review.rmp"``) or the numbers of fixed intervals (:func:`_interval_key`).
    """

    __slots__ = ("_as_of", "_intervals")

    def __init__(self, as_of: date, intervals: Mapping[str, CalendarInterval]) -> None:
        super().__init__()
        self._as_of = as_of
        self._intervals = intervals

    def __missing__(self, key: Any) -> date:
        if isinstance(key, str):
            iv = self._intervals[key]
            months, days = iv.months, iv.days
        else:
            months, days = _INTERVALS[key]
        found = self[key] = _threshold(self._as_of, months, days)
        return found


_INTERVALS: list[tuple[int, int]] = []
"""Fixed intervals written in rules, by the small number compiled code looks them up by."""
_INTERVAL_KEYS: dict[tuple[int, int], int] = {}


def _interval_key(months: int, days: int) -> int:
    """The number standing for the fixed interval (*months*, *days*) in compiled code."""
    key = _INTERVAL_KEYS.get((months, days))
    if key is None:
        key = _INTERVAL_KEYS[(months, days)] = len(_INTERVALS)
        _INTERVALS.append((months, days))
    return key


@functools.lru_cache(maxsize=1024)
def _threshold(as_of: date, months: int, days: int) -> date:
    """The least date *d* with ``due(d, months, days) >= as_of`` (``date.min`` if any will do).

    A pure function of its arguments, remembered: sessions on the same date share them.
    """
    try:
        guess = as_of - CalendarInterval(months=months, days=days)
    except (OverflowError, ValueError):
        return date.min
    one = timedelta(days=1)
    # step back while the day before still counts, then forward until it counts
    while guess > date.min and due(guess - one, months, days) >= as_of:
        guess -= one
    while guess < date.max and due(guess, months, days) < as_of:
        guess += one
    return guess


def timed_call(function: Callable[..., Any], name: str, budget: float | None, *args: Any) -> Any:
    """Call a user's *function*; one that runs past the *budget* (seconds) raises."""
    start = time.perf_counter()
    result = function(*args)
    _within_budget(name, budget, start)
    return result


class CheckFunctionError(Exception):
    """A user's ``check`` function raised; reported as an ERROR that names the function."""

    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(f"check function {name!r} raised {type(error).__name__}")
        self.name = name
        self.error = error

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.name, self.error))


def timed_check(function: Callable[..., Any], name: str, budget: float | None, *args: Any) -> Any:
    """:func:`timed_call` for a ``check`` function: what it raises carries its name."""
    start = time.perf_counter()
    try:
        result = function(*args)
    except Exception as exc:
        raise CheckFunctionError(name, exc) from exc
    _within_budget(name, budget, start)
    return result


def _within_budget(name: str, budget: float | None, start: float) -> None:
    elapsed = time.perf_counter() - start
    if budget is not None and elapsed > budget:
        msg = (
            f"{name!r} took {elapsed:.2f} s on one subject, over the time budget of {budget} s; "
            "make it faster, or raise the session's time_budget"
        )
        raise TimeoutError(msg)


_PLAIN_TYPES = (str, int, float)


def _same_plain(a: PathInfo, b: PathInfo) -> bool:
    """Whether the values at *a* and *b* are of one plain type (they compare without raising)."""
    return (
        a.value_type is b.value_type
        and a.value_type in _PLAIN_TYPES
        and not (a.is_collection or b.is_collection or a.quantity or b.quantity)
        and a.fact is None
        and b.fact is None
    )


def _non_empty(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, tuple | list | frozenset | set | dict):
        return len(value) > 0
    return True


def _compare(op: Callable[[Any, Any], Any], actual: object, expected: object) -> bool | None:
    """A comparison whose operands may not compare (different units, types): unknown then."""
    if actual is None or expected is None:
        return None
    try:
        return bool(op(actual, expected))
    except (TypeError, ValueError):
        return None


def _ge(a: Any, b: Any) -> Any:
    return a >= b


def _le(a: Any, b: Any) -> Any:
    return a <= b


def _eq(a: Any, b: Any) -> Any:
    return a == b


def _recent(last: date | None, intervals: tuple[CalendarInterval | None, ...], as_of: date) -> Any:
    """Reviewed within the shortest recorded interval (the tracing semantics, for refs)."""
    if last is None:
        return None
    best: date | None = None
    for iv in intervals:
        if iv is not None:
            d = due(last, iv.months, iv.days)
            if best is None or d < best:
                best = d
    return None if best is None else as_of <= best


def _slack(day: date | None, interval: CalendarInterval | None) -> date | None:
    if day is None or interval is None:
        return day
    return due(day, interval.months, interval.days)


def _agreed(artefact: Any, rel: Any, versioned: bool) -> bool:
    if artefact is None:
        return False
    signed = (_signed_current if versioned else _signed_any)(artefact)
    for party in rel.parties:  # noqa: SIM110 - a plain loop: no generator per call
        if party.id not in signed:
            return False
    return True


def _signers(artefact: Any, *, versioned: bool) -> frozenset[str]:
    """The parties that signed *artefact* (its current version when *versioned*)."""
    version = artefact.version if versioned else None
    return frozenset(s.party for s in artefact.agreed_by if version is None or s.version == version)


_signed_current = ByIdentity(functools.partial(_signers, versioned=True))
"""The parties that signed an artefact's current version (an artefact is immutable)."""
_signed_any = ByIdentity(functools.partial(_signers, versioned=False))
"""The parties that signed an unversioned artefact."""

_party_ids = ByIdentity(lambda parties: tuple([p.id for p in parties]))
"""``Relationship.party_ids`` for a parties tuple: the same tuple each time it is read, so
the rules of a relationship do not build it again and check functions that remember answers
by the identity of their arguments find it."""


_HELPERS: dict[str, Any] = {
    "_truth": truth,
    "_timed": timed_check,
    "_non_empty": _non_empty,
    "_compare": _compare,
    "_ge": _ge,
    "_le": _le,
    "_eq": _eq,
    "_recent": _recent,
    "_slack": _slack,
    "_agreed": _agreed,
    "_party_ids": _party_ids,
    "_due": due,
}


# ------------------------------------------------------------------------- AST templates


class _Fill(ast.NodeTransformer):
    def __init__(self, subs: Mapping[str, ast.expr | str]) -> None:
        self.subs = subs

    def visit_Name(self, node: ast.Name) -> ast.AST:
        sub = self.subs.get(node.id)
        if sub is None:
            return node
        if isinstance(sub, str):
            return ast.Name(id=sub, ctx=node.ctx)
        # a compiled sub-expression goes into one place only (every template names each
        # expression placeholder once), so it is moved, not copied
        return sub

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        sub = self.subs.get(node.attr)
        if isinstance(sub, str):
            node.attr = sub
        return node


def _name(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _fill(source: str, **subs: ast.expr | str) -> ast.expr:
    """Our own expression *source*, with its upper-case placeholders replaced."""
    node = ast.parse(source, mode="eval").body  # parsed afresh: faster than copying a parse
    out = _Fill(subs).visit(node)
    assert isinstance(out, ast.expr)  # noqa: S101 - a template is an expression
    return out


@attrs.frozen
class _Ex:
    """A compiled sub-expression and whether it can be unknown (``None``)."""

    node: ast.expr
    nullable: bool


_TRUE = _Ex(ast.Constant(value=True), nullable=False)


# ------------------------------------------------------------------------------ compiler


@attrs.frozen(kw_only=True)
class CompiledCondition:
    """A condition compiled to Python: ``fn(subject, env, facts) -> True | False | None``."""

    fn: Callable[[Any, Any, Any], bool | None]
    """The compiled condition."""
    module: ast.Module
    """The generated module."""

    @property
    def source(self) -> str:
        """The generated code, for inspection (worded when asked for)."""
        return ast.unparse(self.module)


class _Compiler:
    """Compiles one condition tree; collects constants and helper functions."""

    def __init__(
        self,
        *,
        facts: FactSchema | None,
        rule_id: str,
        prefix: str = "",
        trusted: bool = False,
    ) -> None:
        self.facts = facts
        self.rule_id = rule_id
        self.trusted = trusted
        """Whether the rule's functions are the catalogue's own (not timed)."""
        self.prefix = prefix
        """Starts the names of constants and helpers, so several rules can share a module."""
        self.namespace: dict[str, Any] = dict(_HELPERS)
        self.functions: list[ast.stmt] = []
        self._ids = itertools.count()
        self._consts: dict[int, str] = {}
        self.scope_var = "s"
        """The name of the object scope-relative paths start from (``o`` in a collection)."""
        self.rel_var = "s"
        """The name of the relationship (``s`` in a rule, ``r`` inside a collection helper)."""

    # ---------------------------------------------------------------- names and constants

    def tmp(self) -> str:
        return f"_t{next(self._ids)}"

    def const(self, value: Any) -> ast.Name:
        key = id(value)
        name = self._consts.get(key)
        if name is None:
            name = f"_k{self.prefix}{next(self._ids)}"
            self._consts[key] = name
            self.namespace[name] = value
        return ast.Name(id=name, ctx=ast.Load())

    # ------------------------------------------------------------------------ fact reads

    def read(self, binder: Binder, info: PathInfo) -> _Ex:
        """The value at *info*, guarded where a link may be missing."""
        names = list(info.getter_names)
        if names and names[0].startswith("@"):
            root = names.pop(0)[1:]
            if root == "org":
                node: ast.expr = _fill("e.org")
                cls: Any = Organization
            else:
                node = ast.Name(id=self.rel_var, ctx=ast.Load())
                cls = Relationship
        else:
            node = ast.Name(id=self.scope_var, ctx=ast.Load())
            cls = binder.scope
        nullable = False
        for name in names:
            if cls is Facts:
                return self._fact(node, nullable, info)
            hint = _field_type(cls, name)
            inner, optional = optional_type(hint)
            if cls is Relationship and name == "party_ids":  # one tuple per parties tuple
                if nullable:
                    t = self.tmp()
                    source = "(None if (T := X) is None else _party_ids(T.parties))"
                    node = _fill(source, T=t, X=node)
                else:
                    node = _fill("_party_ids(X.parties)", X=node)
            elif nullable:
                t = self.tmp()
                node = _fill("(None if (T := X) is None else T.A)", T=t, X=node, A=name)
            else:
                node = ast.Attribute(value=node, attr=name, ctx=ast.Load())
            nullable = nullable or optional
            cls = inner
        return _Ex(node, nullable)

    def _fact(self, facts: ast.expr, nullable: bool, info: PathInfo) -> _Ex:
        """A declared fact: a relationship's from ``V``, the organization's from its own.

        ``V`` holds the session's current fact values of the subject.
        """
        field = info.fact
        if field is None or self.facts is None:
            raise RuleDefinitionError(
                f"Rule {self.rule_id!r} reads {'.'.join(info.path[1:])!r}, an organization-"
                "specific fact, without a declared schema; declare it in the organization's "
                "fact_schema"
            )
        index = ast.Constant(value=self._fact_index(info))
        if info.path[0] == "org":
            node = _fill("X._values[I]", X=facts, I=index)
        else:
            node = _fill("V[I]", I=index)
        _ = nullable  # facts hang off the subjects, never off a missing link
        return _Ex(node, field.nullable and not field.list)

    def _fact_index(self, info: PathInfo) -> int:
        assert self.facts is not None  # noqa: S101 - checked by the caller
        fields = self.facts.organization if info.path[0] == "org" else self.facts.relationship
        names = [f.name for f in fields]
        return names.index(info.path[-1])

    # -------------------------------------------------------------------------- nodes

    def node(self, cond: Condition, binder: Binder) -> _Ex:  # noqa: PLR0911 - dispatch
        if isinstance(cond, Present):
            v = self.read(binder, binder.path(cond.path))
            return _Ex(_fill("(X is not None)", X=v.node), nullable=False)
        if isinstance(cond, NonEmpty):
            return self.non_empty(cond, binder)
        if isinstance(cond, Equals | AtLeast | AtMost):
            return self.comparison(cond, binder)
        if isinstance(cond, OneOf):
            return self.one_of(cond, binder)
        if isinstance(cond, AgreedByAllParties):
            return self.agreed(cond, binder)
        if isinstance(cond, Check):
            return self.check(cond, binder)
        if isinstance(cond, CountAtLeast | ForEach):
            return self.collection(cond, binder)
        if isinstance(cond, ReviewedWithin):
            return self.reviewed(cond, binder)
        if isinstance(cond, Before):
            return self.before(cond, binder)
        if isinstance(cond, AllOf | AnyOf):
            return self.junction(cond, binder)
        if isinstance(cond, Not):
            inner = self.node(cond.condition, binder)
            if not inner.nullable:
                return _Ex(_fill("(not X)", X=inner.node), nullable=False)
            t = self.tmp()
            return _Ex(_fill("(None if (T := X) is None else not T)", T=t, X=inner.node), True)
        if isinstance(cond, Implies):
            return self.implies(cond, binder)
        msg = f"no compiler for the condition node {type(cond).__name__}"
        raise RuleDefinitionError(msg)

    def non_empty(self, cond: NonEmpty, binder: Binder) -> _Ex:
        info = binder.path(cond.path)
        v = self.read(binder, info)
        if info.is_collection and info.fact is None:  # a tuple, or None
            node = _fill("(not not X)", X=v.node)
        elif info.fact is not None and info.fact.list:
            node = _fill("(len(X) > 0)", X=v.node)
        elif info.fact is None and info.value_type is str:  # not blank
            t = self.tmp()
            node = _fill("((T := X) is not None and T.strip() != '')", T=t, X=v.node)
        else:
            node = None
        if node is None:
            node = _fill("_non_empty(X)", X=v.node)
        return _Ex(node, nullable=False)

    def comparison(self, cond: Equals | AtLeast | AtMost, binder: Binder) -> _Ex:
        info = binder.path(cond.path)
        v = self.read(binder, info)
        op = {"equals": "==", "at_least": ">=", "at_most": "<="}[cond.keyword]
        helper = {"equals": "_eq", "at_least": "_ge", "at_most": "_le"}[cond.keyword]
        if isinstance(cond.value, Ref):
            other = binder.path(cond.value.path)
            w = self.read(binder, other)
            if _same_plain(info, other):  # compares without raising: inline
                a, b = self.tmp(), self.tmp()
                source = f"(None if (A := X) is None or (B := Y) is None else A {op} B)"
                return _Ex(_fill(source, A=a, X=v.node, B=b, Y=w.node), nullable=True)
            return _Ex(_fill(f"_compare({helper}, X, Y)", X=v.node, Y=w.node), nullable=True)
        literal = coerce_literal(info, cond.value, cond.path)
        if literal is None:
            return _Ex(ast.Constant(value=None), nullable=True)
        fact = info.fact
        if fact is not None and fact.type is FactType.QUANTITY:
            magnitude = float(literal.magnitude)
            return self._plain_compare(v, op, magnitude, attr="magnitude")
        if _plain(info.value_type, literal):
            return self._plain_compare(v, op, literal)
        return _Ex(_fill(f"_compare({helper}, X, K)", X=v.node, K=self.const(literal)), True)

    def _plain_compare(self, v: _Ex, op: str, literal: Any, attr: str | None = None) -> _Ex:
        k = self.const(literal)
        if not v.nullable:
            value = _fill("X.A", X=v.node, A=attr) if attr else v.node
            return _Ex(_fill(f"(X {op} K)", X=value, K=k), nullable=False)
        t = self.tmp()
        value = _fill("T.A", T=t, A=attr) if attr else ast.Name(id=t, ctx=ast.Load())
        return _Ex(
            _fill(f"(None if (T := X) is None else V {op} K)", T=t, X=v.node, V=value, K=k), True
        )

    def one_of(self, cond: OneOf, binder: Binder) -> _Ex:
        info = binder.path(cond.path)
        v = self.read(binder, info)
        allowed = frozenset(coerce_literal(info, x, cond.path) for x in cond.values)
        k = self.const(allowed)
        if not v.nullable:
            return _Ex(_fill("(X in K)", X=v.node, K=k), nullable=False)
        t = self.tmp()
        return _Ex(_fill("(None if (T := X) is None else T in K)", T=t, X=v.node, K=k), True)

    def agreed(self, cond: AgreedByAllParties, binder: Binder) -> _Ex:
        info = binder.path(cond.path)
        v = self.read(binder, info)
        names = {f.name for f in getattr(info.value_type, "__attrs_attrs__", ())}
        versioned = ast.Constant(value="version" in names)
        rel = ast.Name(id=self.rel_var, ctx=ast.Load())
        return _Ex(_fill("_agreed(X, R, F)", X=v.node, R=rel, F=versioned), nullable=False)

    def check(self, cond: Check, binder: Binder) -> _Ex:
        args = [self.read(binder, binder.path(p)).node for p in cond.paths]
        name = ast.Constant(value=cond.name)
        function = self.const(cond.function)
        if self.trusted:
            call = ast.Call(func=function, args=args, keywords=[])
        else:  # a user's function: timed against the session's budget
            budget = _fill("e.budget")
            call = ast.Call(func=_name("_timed"), args=[function, name, budget, *args], keywords=[])
        # True, False and None are taken as they are; anything else goes through _truth
        # (an Unmet is False, any other value the function's mistake)
        t = self.tmp()
        source = "(T if (T := X) is True or T is None or T is False else _truth(T, N))"
        return _Ex(_fill(source, T=t, X=call, N=name), nullable=True)

    def collection(self, cond: CountAtLeast | ForEach, binder: Binder) -> _Ex:
        info = binder.path(cond.path)
        items = self.read(binder, info)
        inner_cond = cond.where if isinstance(cond, CountAtLeast) else cond.condition
        if isinstance(cond, CountAtLeast) and inner_cond is None:
            n = ast.Constant(value=cond.n)
            if not items.nullable:
                return _Ex(_fill("(len(X) >= N)", X=items.node, N=n), nullable=False)
            t = self.tmp()
            return _Ex(_fill("(None if (T := X) is None else len(T) >= N)", T=t, X=items.node,
                             N=n), True)  # fmt: skip
        assert inner_cond is not None  # noqa: S101 - for_each always has one
        outer = self.scope_var, self.rel_var
        self.scope_var, self.rel_var = "o", "r"
        try:
            inner = self.node(inner_cond, binder.element(info))
        finally:
            self.scope_var, self.rel_var = outer
        name = f"_c{self.prefix}{next(self._ids)}"
        if isinstance(cond, CountAtLeast):
            body = _COUNT.format(name=name, n=cond.n)
        else:
            body = _EVERY.format(name=name)
        fn = ast.parse(body).body[0]
        assert isinstance(fn, ast.FunctionDef)  # noqa: S101 - our own template
        _Fill({"X": inner.node}).visit(fn)
        self.functions.append(fn)
        rel = ast.Name(id=self.rel_var, ctx=ast.Load())
        return _Ex(_fill("F(I, R, e, V)", F=name, I=items.node, R=rel), nullable=True)

    def reviewed(self, cond: ReviewedWithin, binder: Binder) -> _Ex:
        info = binder.path(cond.path)
        v = self.read(binder, info)
        sources: list[ast.expr] = []
        keys: list[ast.expr] = []
        fixed = True
        for src in cond.intervals:
            if isinstance(src, Ref):
                sources.append(self.read(binder, binder.path(src.path)).node)
                fixed = False
            elif isinstance(src, CalendarInterval):
                sources.append(self.const(src))
                keys.append(ast.Constant(value=_interval_key(src.months, src.days)))
            else:
                sources.append(_fill("e.intervals[K]", K=ast.Constant(value=str(src))))
                keys.append(ast.Constant(value=str(src)))
        if fixed:
            # recent for every interval: on or after the latest threshold
            limits = [_fill("e.thresholds[K]", K=k) for k in keys]
            limit = limits[0] if len(limits) == 1 else ast.Call(
                func=ast.Name(id="max", ctx=ast.Load()), args=limits, keywords=[]
            )  # fmt: skip
            if not v.nullable:
                return _Ex(_fill("(X >= L)", X=v.node, L=limit), nullable=False)
            t = self.tmp()
            return _Ex(_fill("(None if (T := X) is None else T >= L)", T=t, X=v.node, L=limit),
                       True)  # fmt: skip
        tup = ast.Tuple(elts=sources, ctx=ast.Load())
        return _Ex(_fill("_recent(X, S, e.as_of)", X=v.node, S=tup), nullable=True)

    def before(self, cond: Before, binder: Binder) -> _Ex:
        a = self.read(binder, binder.path(cond.path))
        b = self.read(binder, binder.path(cond.other))
        limit = b.node
        if isinstance(cond.slack, CalendarInterval) and cond.slack.months == 0:
            # x <= y + N days, exactly, without date arithmetic that could overflow
            t, u = self.tmp(), self.tmp()
            return _Ex(
                _fill("(None if (T := X) is None or (U := Y) is None else (T - U).days <= N)",
                      T=t, U=u, X=a.node, Y=b.node, N=ast.Constant(value=cond.slack.days)),
                nullable=True,
            )  # fmt: skip
        if cond.slack is not None:
            if isinstance(cond.slack, Ref):
                slack = self.read(binder, binder.path(cond.slack.path)).node
            elif isinstance(cond.slack, CalendarInterval):
                slack = self.const(cond.slack)
            else:
                slack = _fill("e.intervals[K]", K=ast.Constant(value=str(cond.slack)))
            limit = _fill("_slack(Y, S)", Y=b.node, S=slack)
        t, u = self.tmp(), self.tmp()
        return _Ex(
            _fill("(None if (T := X) is None or (U := Y) is None else T <= U)", T=t, U=u,
                  X=a.node, Y=limit),
            nullable=True,
        )  # fmt: skip

    def junction(self, cond: AllOf | AnyOf, binder: Binder) -> _Ex:
        parts = [self.node(c, binder) for c in cond.conditions]
        return self.kleene(parts, conjunction=isinstance(cond, AllOf))

    def kleene(self, parts: list[_Ex], *, conjunction: bool) -> _Ex:
        """Kleene AND (or OR) of *parts*, evaluated left to right with short-circuit."""
        if len(parts) == 1:
            return parts[0]
        if not any(p.nullable for p in parts):
            op = ast.And() if conjunction else ast.Or()
            return _Ex(ast.BoolOp(op=op, values=[p.node for p in parts]), nullable=False)
        # fold from the right: REST is the value of the parts after the current one
        rest = parts[-1]
        for part in reversed(parts[:-1]):
            if not part.nullable:
                source = "(R if X else False)" if conjunction else "(True if X else R)"
                rest = _Ex(_fill(source, X=part.node, R=rest.node), rest.nullable)
                continue
            t, r = self.tmp(), self.tmp()
            source = _KLEENE_AND if conjunction else _KLEENE_OR
            rest = _Ex(_fill(source, T=t, X=part.node, Q=r, R=rest.node), nullable=True)
        return rest

    def implies(self, cond: Implies, binder: Binder) -> _Ex:
        a = self.node(cond.condition, binder)
        b = self.node(cond.then, binder)
        if not a.nullable and not b.nullable:
            return _Ex(_fill("((not X) or Y)", X=a.node, Y=b.node), nullable=False)
        t, u = self.tmp(), self.tmp()
        return _Ex(
            _fill(
                "(True if (T := X) is False else (True if (U := Y) is True else "
                "(None if T is None or U is None else False)))",
                T=t, U=u, X=a.node, Y=b.node,
            ),
            nullable=True,
        )  # fmt: skip


_KLEENE_AND = "(False if (T := X) is False else (Q if (Q := R) is False or T else None))"
"""Kleene AND of a part X that may be unknown and the value R of the parts after it."""
_KLEENE_OR = "(True if (T := X) is True else (Q if (Q := R) is True or T is False else None))"
"""Kleene OR of a part X that may be unknown and the value R of the parts after it."""

_COUNT = """
def {name}(items, r, e, V):
    if items is None:
        return None
    hits = unknown = 0
    for o in items:
        x = X
        if x:
            hits += 1
        elif x is None:
            unknown += 1
    if hits >= {n}:
        return True
    return None if hits + unknown >= {n} else False
"""

_EVERY = """
def {name}(items, r, e, V):
    if items is None:
        return None
    result = True
    for o in items:
        x = X
        if x is False:
            return False
        if x is None:
            result = None
    return result
"""


@functools.cache
def _field_type(cls: type, name: str) -> Any:
    derived = DERIVED.get(cls, {}).get(name)
    if derived is not None:
        return derived[0]
    hints = field_hints(cls) if attrs.has(cls) else {}
    if name in hints:
        return hints[name]
    return fields_of(cls).get(name, Any)


_PLAIN = (str, int, float, bool, date)


def _plain(value_type: Any, literal: Any) -> bool:
    """Whether a comparison of the two can neither raise nor need a helper (same plain type)."""
    if isinstance(literal, bool) or (isinstance(value_type, type) and issubclass(value_type, bool)):
        return isinstance(literal, bool) and value_type is bool
    if isinstance(value_type, type) and issubclass(value_type, enum.Enum):
        return isinstance(literal, value_type)
    for kind in _PLAIN:
        if value_type is kind and isinstance(literal, kind):
            return kind is not date or type(literal) is date
    return value_type in (int, float) and isinstance(literal, int | float)


def compile_condition(
    condition: Condition,
    binder: Binder,
    *,
    facts: FactSchema | None = None,
    trusted: bool = False,
) -> CompiledCondition:
    """Compile *condition*, bound by *binder*, to ``fn(subject, env, V) -> True|False|None``.

    The subject ``s`` is the relationship for a relationship rule and the organization for
    an organization rule (paths without a root start there); the environment gives
    ``e.org``, ``e.as_of``, ``e.intervals`` and ``e.thresholds``; ``V`` holds the values of
    the relationship's declared facts (``subject.facts._values`` unless the session holds
    newer ones).
    """
    binder = attrs.evolve(binder, facts=facts)
    c = _Compiler(facts=facts, rule_id=binder.rule_id, trusted=trusted)
    ex = c.node(condition, binder)
    body = "def _condition(s, e, V):\n    return X\n"
    fn_def = ast.parse(body).body[0]
    _Fill({"X": ex.node}).visit(fn_def)
    module = ast.Module(body=[*c.functions, fn_def], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, f"<collabrel rule {binder.rule_id}>", "exec")
    namespace = dict(c.namespace)
    exec(code, namespace)  # noqa: S102 - our own generated code, built as an AST
    return CompiledCondition(fn=namespace["_condition"], module=module)


# ------------------------------------------------------------------------- whole rules


class OrgPartRaised(Exception):  # noqa: N818 - a signal between the engine and compiled code
    """The factored organization part of a rule raised; the rule's verdict is ERROR."""


RAISED = object()
"""The value of a factored organization part that raised."""


def _org_raised(index: int) -> int:
    raise OrgPartRaised(index)


@attrs.frozen(kw_only=True)
class CompiledRule:
    """A rule compiled to ``verdict(subject, env, V) -> code`` (PASS ... ERROR as integers).

    A relationship rule whose condition is an ``all_of``/``any_of`` with organization-only
    branches has those branches compiled apart (``org_part``): the engine evaluates them
    once per change of the organization and keeps the result in ``env.op[index]``. The
    verdict is also available as one expression (``expression``, with the helper functions
    and constants it needs) for the generated stage runners to inline.
    """

    verdict: Callable[[Any, Any, Any], int]
    """The rule's verdict code on a subject."""
    expression: ast.expr
    """The verdict code as an expression over ``s``, ``e`` and ``V``.

    Every node has its location, and no node may be changed: generated functions share it.
    """
    functions: tuple[ast.stmt, ...] = ()
    """The helper functions the expression calls (located and shared, as ``expression``)."""
    namespace: Mapping[str, Any] = attrs.field(factory=dict)
    """The constants and helpers the expression and its functions read."""
    org_part: Callable[[Any, Any, Any], bool | None] | None = None
    """The factored organization branches (``None`` when not factored)."""
    junction: str | None = None
    """How the organization part combines with the rest: ``and`` or ``or``."""
    factored_reads: frozenset[tuple[str, ...]] = frozenset()
    """The organization paths the factored part reads."""
    module: ast.Module | None = None
    """The generated module of ``verdict``."""

    @property
    def source(self) -> str:
        """The generated code of ``verdict``, for inspection (worded when asked for)."""
        return "" if self.module is None else ast.unparse(self.module)


def _factor(
    cond: Condition, binder: Binder, facts: FactSchema | None, trusted: bool
) -> tuple[str | None, Any, frozenset[tuple[str, ...]], Condition | None]:
    """Split the organization-only branches off a top-level ``all_of``/``any_of``.

    Returns the junction, the compiled organization part, its reads, and the rest (``None``
    when everything is organization-only); the junction is ``None`` when nothing splits off.
    """
    children = cond.conditions if isinstance(cond, AllOf | AnyOf) else (cond,)
    bound = [ch.bind(binder) for ch in children]
    org_kids = [ch for ch, b in zip(children, bound, strict=True) if b.org_only]
    rel_kids = [ch for ch, b in zip(children, bound, strict=True) if not b.org_only]
    if not org_kids:
        return None, None, frozenset(), cond
    junction = "or" if isinstance(cond, AnyOf) else "and"

    def join(kids: list[Condition]) -> Condition:
        if len(kids) == 1:
            return kids[0]
        return AnyOf(tuple(kids)) if junction == "or" else AllOf(tuple(kids))

    org_part = compile_condition(join(org_kids), binder, facts=facts, trusted=trusted).fn
    factored = frozenset().union(*(b.reads for b in bound if b.org_only))
    return junction, org_part, factored, join(rel_kids) if rel_kids else None


# Each verdict is one expression. X is the condition, W the applicability condition, P the
# factored organization part of the rule at index I.
_CODE = "(0 if (x := X) is True else (1 if x is False else 3))"
_CODE_BOOL = "(0 if X else 1)"
_WHEN = "(C if (w := W) is True else (2 if w is False else 3))"
_PART = "(_org_raised(I) if (p := e.op[I]) is _RAISED else C)"
_AND = "(1 if p is False else (0 if (x := X) is True and p is True else (1 if x is False else 3)))"
_OR = "(0 if p is True else (0 if (x := X) is True else (1 if x is False and p is False else 3)))"
_ONLY = "(0 if p is True else (1 if p is False else 3))"


def compile_rule(
    spec: Any,
    binder: Binder,
    *,
    index: int,
    facts: FactSchema | None = None,
    factor: bool = True,
) -> CompiledRule:
    """Compile the condition tree rule *spec* (a :class:`RuleSpec`) for position *index*."""
    binder = attrs.evolve(binder, facts=facts)
    trusted = spec.namespace == "iso44001"
    c = _Compiler(facts=facts, rule_id=binder.rule_id, prefix=f"{index}_", trusted=trusted)
    junction: str | None = None
    org_part: Callable[[Any, Any, Any], bool | None] | None = None
    factored: frozenset[tuple[str, ...]] = frozenset()
    body: Condition | None = spec.condition
    if factor and binder.default_root == "rel" and spec.applies_when is None:
        junction, org_part, factored, body = _factor(spec.condition, binder, facts, trusted)
    i = ast.Constant(value=index)
    if junction is None:
        assert body is not None  # noqa: S101 - nothing was factored out
        ex = c.node(body, binder)
        code = _fill(_CODE if ex.nullable else _CODE_BOOL, X=ex.node)
    else:
        combine = _ONLY if body is None else (_AND if junction == "and" else _OR)
        inner = _fill(combine, X=c.node(body, binder).node) if body is not None else _fill(combine)
        code = _fill(_PART, I=i, C=inner)
        c.namespace["_RAISED"] = RAISED
        c.namespace["_org_raised"] = _org_raised
    if spec.applies_when is not None:
        code = _fill(_WHEN, C=code, W=c.node(spec.applies_when, binder).node)
    fn_def = ast.parse("def _verdict(s, e, V):\n    return X\n").body[0]
    _Fill({"X": code}).visit(fn_def)
    module = ast.Module(body=[*c.functions, fn_def], type_ignores=[])
    # Locates every node of the expression and of the helper functions, in place: the stage
    # runners and updates (``_runtime``) put these very nodes into their own functions, never
    # changing them, so they need neither a copy nor to be located again.
    ast.fix_missing_locations(module)
    compiled = compile(module, f"<collabrel rule {binder.rule_id}>", "exec")
    namespace = dict(c.namespace)
    exec(compiled, namespace)  # noqa: S102 - our own generated code, built as an AST
    return CompiledRule(
        verdict=namespace["_verdict"],
        expression=code,
        functions=tuple(c.functions),
        namespace=c.namespace,
        org_part=org_part,
        junction=junction,
        factored_reads=factored,
        module=module,
    )
