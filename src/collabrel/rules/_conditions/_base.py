"""The base of condition trees: the node class, binding, the run-time environment, traces.

A condition is data (``present("working.agreement")``). Binding it to the domain schema checks
every path, works out the read set, and compiles it for the engine's hot path. A separate
tracing walk produces explanations on demand. Both use the same three-valued logic: ``True``
(holds), ``False`` (does not) and ``None`` (unknown: a fact it compares is missing).
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import attrs

from collabrel._dates import CalendarInterval
from collabrel._facts import FactSchema
from collabrel.errors import RuleDefinitionError, UnitError
from collabrel.rules._schema import Path, PathInfo, resolve
from collabrel.units import ensure_quantity, is_quantity

if TYPE_CHECKING:
    from collabrel.rules._schema import PathInfo as _PathInfo

__all__ = [
    "Binder",
    "Bound",
    "Condition",
    "DataReader",
    "Env",
    "Fn",
    "Getter",
    "Ref",
    "Trace",
    "Tri",
    "all_fn",
    "any_fn",
    "coerce_literal",
    "getter",
    "kleene_all",
    "kleene_and",
    "kleene_or",
    "leaf_text",
    "literal_data",
    "operand",
    "prefixed",
    "reads_of",
    "show",
]

Tri = bool | None
"""A three-valued truth: ``True``, ``False`` or ``None`` (unknown)."""
Fn = Callable[[Any, "Env"], Tri]
"""A compiled condition: (scope object, environment) -> truth."""
Getter = Callable[[Any, "Env"], Any]
"""A compiled fact read: (scope object, environment) -> value."""


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


@lru_cache(maxsize=1 << 16)
def due(last: date, months: int, days: int) -> date:
    """Return when something done on *last* is next due after *months* and *days* (cached)."""
    try:
        return last + CalendarInterval(months=months, days=days)
    except (OverflowError, ValueError):  # an interval beyond the calendar never falls due
        return date.max


def getter(info: PathInfo) -> Getter:
    """Return a function reading the fact *info* points at (``None`` where a link is missing)."""
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
    attrs_chain = tuple(names)
    if len(attrs_chain) == 1 and root is None:  # the commonest read: one field of the scope
        (name,) = attrs_chain
        return lambda o, _e: None if o is None else getattr(o, name, None)

    def follow(obj: Any) -> Any:
        for name in attrs_chain:
            if obj is None:
                return None
            obj = getattr(obj, name, None)
        return obj

    if root == "org":
        return lambda _o, e: follow(e.org)
    if root == "rel":
        return lambda _o, e: follow(e.rel)
    return lambda o, _e: follow(o)


def show(value: Any) -> str:  # noqa: PLR0911 - one return per kind of value
    """Render a fact value for an explanation."""
    if value is None:
        return "missing"
    plain = _PLAIN_SHOWN.get(type(value))  # the commonest kinds, by their exact type
    if plain is not None:
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.IntEnum):  # a stage: its number and name
        return str(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, CalendarInterval):
        return str(value)
    if isinstance(value, tuple):
        if not value:
            return "none"
        if all(isinstance(v, str | int | float) for v in value):
            return _listed([str(v) for v in value])
        idents = [getattr(v, "id", None) for v in value]
        if all(isinstance(i, str) for i in idents):
            return _listed([str(i) for i in idents])
        return f"{len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, str):
        return _show_text(value)
    if attrs.has(type(value)):
        ident = getattr(value, "id", None)
        return repr(ident) if isinstance(ident, str) else "recorded"
    return str(value)


def _show_text(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")  # noqa: PLR2004


_PLAIN_SHOWN: dict[type, Callable[[Any], str]] = {
    date: date.isoformat,
    str: _show_text,
    bool: str,
    int: str,
    float: str,
}
"""How :func:`show` renders a value of exactly one of these types (as its general branches do)."""


def _listed(texts: list[str]) -> str:
    shown = ", ".join(texts[:6])
    return f"[{shown}{', ...' if len(texts) > 6 else ''}]"  # noqa: PLR2004


_PLAIN_EXPECTED = frozenset({"recorded", "not empty", "true", "a date"})
"""Expectations a leaf's actual value already explains (``missing``, ``none``)."""


def leaf_text(trace: Trace) -> str:
    """Render a failing leaf as one clause of a message: the fact, its value, what was wanted.

    The value of a ``check`` that gave its reason (:class:`Unmet`) or of a quantifier is a
    phrase of its own; comparisons add what was expected.
    """
    where = trace.path or trace.node
    text = f"{where}: {trace.actual}" if trace.actual else where
    expected = trace.expected
    if (
        expected
        and not trace.quantifier
        and expected not in _PLAIN_EXPECTED
        and expected not in (trace.actual or "")
    ):
        text += f", expected {expected}"
    return text


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
        """Return the leaves that make this node fail (or stay unknown).

        Of the alternatives of a failing ``any of``, only those that got furthest count: the
        ones whose leading conditions held (the branch the facts were meant for).
        """
        if self.outcome is True:
            return ()
        if not self.children or self.quantifier:
            return (self,)
        kids = [c for c in self.children if c.outcome is not True]
        if self.node == "any of" and len(kids) > 1:
            best = max(c.progress for c in kids)
            kids = [c for c in kids if c.progress == best]
        out: list[Trace] = []
        for child in kids:
            out.extend(child.failing_leaves())
        return tuple(out) or (self,)

    @property
    def progress(self) -> int:
        """How many leading conditions of an ``all of`` held (0 for any other node)."""
        if self.node != "all of":
            return 0
        n = 0
        for child in self.children:
            if child.outcome is not True:
                break
            n += 1
        return n

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


HELD = Trace(node="holds", outcome=True)
"""What a brief trace gives for a node that holds (see :attr:`Bound.brief`)."""


def prefixed(trace: Trace, prefix: str) -> Trace:
    """Return *trace* with its paths made relative to the collection element *prefix*."""
    if trace.path is None:
        path = prefix
    elif trace.path.startswith(("organization.", "relationship.")):
        path = trace.path  # a path from a root names the same fact inside any element
    else:
        path = f"{prefix}.{trace.path}"
    t = trace
    return Trace(
        node=t.node,
        outcome=t.outcome,
        path=path,
        actual=t.actual,
        expected=t.expected,
        hint=t.hint,
        children=tuple([prefixed(c, prefix) for c in t.children]),
        quantifier=t.quantifier,
    )


# ------------------------------------------------------------------------------ binding


@attrs.frozen(kw_only=True)
class Binder:
    """Where a condition is being bound: its scope class and path, and the rule's root."""

    scope: type
    """The class paths are resolved against."""
    scope_path: Path
    """The canonical path of the scope."""
    default_root: str
    """``rel`` or ``org``: the root of the rule's subject."""
    rule_id: str = ""
    """The rule being defined, for error messages."""
    facts: FactSchema | None = None
    """The organization-specific facts declared (``None``: ``facts.*`` paths unchecked)."""

    def path(self, text: str, *, collection_hop: bool = False) -> PathInfo:
        """Resolve *text* in this scope."""
        return resolve(
            text,
            scope=self.scope,
            scope_path=self.scope_path,
            default_root=self.default_root,
            rule_id=self.rule_id,
            allow_collection_hop=collection_hop,
            facts=self.facts,
        )

    def element(self, info: PathInfo) -> Binder:
        """Return the binder for the elements of the collection *info*."""
        return attrs.evolve(self, scope=info.value_type, scope_path=info.path)


@attrs.frozen(kw_only=True)
class Bound:
    """A condition bound to the schema: compiled, with its read set."""

    condition: Condition
    """The node bound."""
    fn: Fn
    """The compiled predicate."""
    reads: frozenset[Path]
    """Every canonical fact path it reads."""
    trace: Callable[[Any, Env], Trace]
    """The tracing evaluation (explanations)."""
    brief: Callable[[Any, Env], Trace] | None = None
    """A cheaper tracing evaluation for one-line messages (``None``: :attr:`trace` itself).

    It gives :data:`HELD` for a node that holds instead of tracing it. What fails or stays
    unknown is traced as :attr:`trace` does, so the outcomes, the failing leaves and their
    hints are the same; only the detail of the branches that hold is left out.
    """

    uses_as_of: bool = False
    """Whether its truth can change with the evaluation date alone."""
    config_keys: frozenset[str] = frozenset()
    """The config keys it reads."""

    def brief_trace(self, o: Any, e: Env) -> Trace:
        """Trace *o* for a one-line message (:attr:`brief` when the node has one)."""
        return (self.brief or self.trace)(o, e)

    @property
    def org_only(self) -> bool:
        """Whether it reads no relationship fact (so it is the same for every relationship)."""
        return all(p[0] == "org" for p in self.reads)


def reads_of(*infos: PathInfo) -> frozenset[Path]:
    """Return the read set of the resolved paths *infos*."""
    return frozenset(p for info in infos for p in info.reads)


def merged(bound: Iterable[Bound]) -> dict[str, Any]:
    """The read set, date use and config keys of several bound children, as Bound keywords."""
    items = list(bound)
    return {
        "reads": frozenset().union(*(b.reads for b in items)),
        "uses_as_of": any(b.uses_as_of for b in items),
        "config_keys": frozenset().union(*(b.config_keys for b in items)),
    }


class DataReader(Protocol):
    """What a node's ``from_data`` uses to read its body from rule-file data.

    The rule-file parser implements it: it checks shapes and paths, collects problems with
    their location, and counts nodes and depth.
    """

    def node(self, data: Any, where: str, depth: int) -> Condition:
        """Read a sub-condition."""
        ...

    def scoped(self, info: _PathInfo | None, data: Any, where: str, depth: int) -> Condition:
        """Read a sub-condition in the scope of the elements of the collection *info*."""
        ...

    def fields(
        self,
        body: Any,
        where: str,
        keyword: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> Mapping[str, Any]:
        """Check *body* is a mapping with these arguments; return it."""
        ...

    def path(self, value: Any, where: str) -> str:
        """Read a fact path (resolved against the schema when one is known)."""
        ...

    def collection(self, value: Any, where: str) -> tuple[str, _PathInfo | None]:
        """Read a fact path and return what it resolves to (``None`` if unknown)."""
        ...

    def literal(self, value: Any, where: str) -> Any:
        """Read a comparison value: a scalar or ``{ref: path}``."""
        ...

    def typed(self, info: _PathInfo | None, value: Any, path: str, where: str) -> Any:
        """Check a literal against the type of the fact it is compared with (when known)."""
        ...

    def plain(self, value: Any, where: str) -> Any:
        """Read a scalar value (number, text, true/false)."""
        ...

    def interval(self, value: Any, where: str) -> Any:
        """Read an interval: a config key, a length such as ``6 months``, or a ref."""
        ...

    def count(self, value: Any, where: str) -> int:
        """Read a whole number >= 0."""
        ...

    def function(self, value: Any, where: str) -> Callable[..., Any] | str:
        """Read the name of a registered function; return it (or the name, if unknown)."""
        ...

    def refuse(self, where: str, message: str, hint: str = "") -> Exception:
        """Return the error that stops reading this node."""
        ...


# ----------------------------------------------------------------------------- the nodes


@attrs.frozen
class Ref:
    """A reference to another fact, used where a literal value could stand."""

    path: str
    """The dotted path of the fact."""


class Condition(abc.ABC):
    """Base class of condition nodes. Build them with the lower-case functions."""

    __slots__ = ()
    keyword: ClassVar[str] = ""
    """The node's name in rule files."""

    @abc.abstractmethod
    def bind(self, binder: Binder) -> Bound:
        """Bind the condition to the schema."""

    @abc.abstractmethod
    def to_data(self) -> dict[str, Any]:
        """Return the condition as rule-file data."""

    @classmethod
    @abc.abstractmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        """Read the node from the rule-file *body* under its keyword (``to_data``'s inverse)."""

    def size(self) -> int:
        """Return the number of nodes."""
        return 1 + sum(c.size() for c in self.children())

    def depth(self) -> int:
        """Return the nesting depth."""
        return 1 + max((c.depth() for c in self.children()), default=0)

    def children(self) -> tuple[Condition, ...]:
        """Return the direct sub-conditions."""
        return ()


def as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """Converter: any iterable to a tuple."""
    return tuple(value)


# ------------------------------------------------------------------------------ literals


def coerce_literal(info: PathInfo, value: Any, path: str) -> Any:
    """Return *value* as the type of the fact at *info*.

    Dates, enum members and quantities are read from text; a quantity compared with an
    organization-specific fact is converted to the fact's declared unit.

    Raises:
        RuleDefinitionError: when the value is not one of that type (a wrong dimension
            included), with what to write instead.
    """
    if isinstance(value, Ref):
        return value
    if info.fact is not None:
        return _fact_literal(info, value, path)
    if info.quantity and (isinstance(value, str) or is_quantity(value)):
        # a quantity field's type reads as Any (pint stays lazy): parse and check its literal
        try:
            return ensure_quantity(value, dimension=info.dimension, what=repr(path))
        except UnitError as exc:
            raise RuleDefinitionError(
                f"{value!r:.80} is not a valid value for {path!r}: {exc}"
            ) from None
    tp = info.value_type
    if tp is Any or not isinstance(value, str) or not isinstance(tp, type):
        return value  # typing.Any is a class in Python 3.11: isinstance() would refuse it
    if isinstance(value, tp):
        return value
    try:
        if tp is date:
            return date.fromisoformat(value)
        if issubclass(tp, enum.Enum):
            parse = getattr(tp, "parse", None)
            return parse(value) if parse is not None else tp(value)
        if tp.__name__ in {"Quantity", "PlainQuantity"}:
            from collabrel.units import parse_quantity

            return parse_quantity(value)
    except (ValueError, UnitError) as exc:
        allowed = (
            "a date such as 2026-01-31"
            if tp is date
            else str(exc)
            if isinstance(exc, UnitError)
            else "one of " + ", ".join(str(m.value) for m in tp)  # type: ignore[attr-defined]
        )
        raise RuleDefinitionError(
            f"{value!r} is not a valid value for {path!r}; use {allowed}"
        ) from None
    return value


def _fact_literal(info: PathInfo, value: Any, path: str) -> Any:
    field = info.fact
    assert field is not None  # noqa: S101 - checked by the caller
    try:
        return field.coerce(value) if not field.list else field._one(value)  # noqa: SLF001
    except ValueError as exc:
        message = getattr(exc, "message", str(exc))
        hint = getattr(exc, "hint", "")
        raise RuleDefinitionError(
            f"{value!r} cannot be compared with {path!r} ({field.type}"
            f"{' in ' + field.unit if field.unit else ''}): {message}"
            + (f"; {hint}" if hint else "")
        ) from None


def operand(
    binder: Binder, value: Any, info: PathInfo, path: str
) -> tuple[Getter, frozenset[Path], str]:
    """Return a getter for a literal or a :class:`Ref`, its reads and its display."""
    if isinstance(value, Ref):
        other = binder.path(value.path)
        return getter(other), reads_of(other), value.path
    literal = coerce_literal(info, value, path)
    return (lambda _o, _e: literal), frozenset(), show(literal)


def literal_data(value: Any) -> Any:
    """Return a literal (or a :class:`Ref`) as rule-file data."""
    if isinstance(value, Ref):
        return {"ref": value.path}
    if isinstance(value, date):
        return value.isoformat()
    if is_quantity(value):
        return str(value)
    if hasattr(value, "value") and isinstance(value, str):  # str-valued enum members
        return str(value)
    return value


# ------------------------------------------------------------------------ Kleene logic


def kleene_all(values: Iterable[Tri]) -> Tri:
    """Kleene AND of several values."""
    out: Tri = True
    for v in values:
        if v is False:
            return False
        if v is None:
            out = None
    return out


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


def all_fn(fns: list[Fn]) -> Fn:
    """Combine compiled children with Kleene AND."""
    if len(fns) == 1:
        return fns[0]
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
