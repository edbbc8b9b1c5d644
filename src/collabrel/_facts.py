"""Organization-specific facts: a declared, typed extension schema beside the ISO 44001 model.

An organization declares the facts it records beyond the standard's vocabulary (a
relationship's annual value, its business unit, a contract end date) in its
:class:`FactSchema`; each organization and relationship then carries its values as
:class:`Facts`. Rules read them like any field (``facts.annual_value``), in condition trees,
rule files and Python rules, and the engine indexes them like any field.

Example:
    >>> from collabrel import FactField, FactSchema, Facts
    >>> schema = FactSchema(relationship=(
    ...     FactField(name="annual_value", type="quantity", unit="EUR"),
    ...     FactField(name="business_unit", type="enum", choices=("rail", "energy")),
    ... ))
    >>> facts = schema.facts("relationship", {"annual_value": "1200000 EUR"})
    >>> facts.annual_value
    <Quantity(1200000, 'EUR')>
    >>> facts["business_unit"] is None
    True
"""

from __future__ import annotations

import builtins
import difflib
import keyword
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Literal

import attrs

from collabrel._choice import Choice
from collabrel.errors import LoadError, Problem, RuleDefinitionError, UnitError

__all__ = ["FactField", "FactSchema", "FactType", "Facts", "FactsKind"]

FactsKind = Literal["organization", "relationship"]
"""Which subject a set of facts belongs to."""


class FactType(Choice):
    """The type of an organization-specific fact."""

    TEXT = "text"
    """Free text."""
    ENUM = "enum"
    """One of the field's ``choices``."""
    INTEGER = "integer"
    """A whole number."""
    DECIMAL = "decimal"
    """A number with a fractional part (kept as a float)."""
    QUANTITY = "quantity"
    """A number with a unit, kept in the field's ``unit`` (money, effort, ...)."""
    DATE = "date"
    """A calendar date."""
    BOOLEAN = "boolean"
    """True or false."""


class _Refused(ValueError):  # noqa: N818 - a private signal carrying one problem
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def _name(_instance: FactField, _attribute: Any, value: str) -> None:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise RuleDefinitionError(
            f"fact name {value!r} is not a valid name: use letters, digits and underscores, "
            "starting with a letter (such as 'annual_value')"
        )
    if value.startswith("_"):
        raise RuleDefinitionError(f"fact name {value!r} may not start with an underscore")


def _choices(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise RuleDefinitionError(f"choices is a list of texts, not the text {value!r}")
    return tuple(value)


@attrs.frozen(kw_only=True)
class FactField:
    """One declared fact: its name, type, whether it is a list, and whether it may be missing."""

    name: str = attrs.field(validator=_name)
    """The name rules use after ``facts.`` (``facts.annual_value``)."""
    type: FactType = attrs.field(converter=FactType)
    """text, enum, integer, decimal, quantity, date or boolean."""
    list: bool = False
    """Whether the fact is a list of values of that type (``None`` is then an empty list)."""
    nullable: bool = True
    """Whether the fact may be missing (``None``); a list is never missing, only empty."""
    choices: tuple[str, ...] = attrs.field(default=(), converter=_choices)
    """The allowed values of an enum fact."""
    unit: str | None = None
    """The unit of a quantity fact (``"EUR"``, ``"person_day"``); values are kept in it."""
    description: str = ""
    """What the fact records, for people."""
    _exact: builtins.type | None = attrs.field(init=False, default=None, repr=False, eq=False)
    _item: builtins.type | None = attrs.field(init=False, default=None, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # a value of exactly this type (a tuple of exactly these items) needs no conversion
        kind = _PLAIN_KINDS.get(self.type)
        object.__setattr__(self, "_exact", None if self.list else kind)
        object.__setattr__(self, "_item", kind if self.list else None)
        who = f"fact {self.name!r}"
        if self.type is FactType.ENUM and not self.choices:
            raise RuleDefinitionError(f"{who} is an enum: give its choices")
        if self.type is not FactType.ENUM and self.choices:
            raise RuleDefinitionError(f"{who} is not an enum: choices are for enum facts")
        if any(not isinstance(c, str) or not c for c in self.choices):
            raise RuleDefinitionError(f"{who}: choices are non-empty texts")
        if len(set(self.choices)) != len(self.choices):
            raise RuleDefinitionError(f"{who}: a choice appears twice")
        if self.type is FactType.QUANTITY:
            if not self.unit:
                raise RuleDefinitionError(f"{who} is a quantity: give its unit, such as 'EUR'")
            from collabrel.units import quantity

            try:
                quantity(1, self.unit)
            except UnitError as exc:
                raise RuleDefinitionError(f"{who}: {exc}") from None
        elif self.unit is not None:
            raise RuleDefinitionError(f"{who} is not a quantity: a unit is for quantity facts")

    @property
    def value_type(self) -> builtins.type:
        """The Python type of one value (``date``, ``str``, ``int``, ``float``, ...)."""
        if self.type is FactType.QUANTITY:
            from collabrel.units import registry

            return registry().Quantity
        return _PYTHON_TYPES[self.type]

    def ready(self, value: Any) -> bool:
        """Whether *value* is already exactly of this fact's type (nothing to convert)."""
        if type(value) is self._exact:
            return True
        item = self._item
        return item is not None and type(value) is tuple and all(type(v) is item for v in value)

    def coerce(self, value: Any) -> Any:
        """Return *value* as this fact's type (text dates, quantities and the like read).

        Raises:
            ValueError: with a message saying what is wrong and what to write.
        """
        if self.list:
            if value is None:
                return ()
            if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
                raise _Refused(
                    f"expected a list of {self.type} values; got {_short(value)}",
                    "write a list, such as [a, b]; a text is never a list",
                )
            return tuple(self._one(v) for v in value)
        if value is None:
            if not self.nullable:
                raise _Refused(f"the fact {self.name!r} is required", "record a value")
            return None
        return self._one(value)

    def _one(self, value: Any) -> Any:  # noqa: C901, PLR0912 - one branch per type
        t = self.type
        if value is None:
            raise _Refused("a list holds no missing values", "remove the null entry")
        if t is FactType.TEXT:
            if not isinstance(value, str):
                raise _Refused(f"expected text; got {_short(value)}")
            return value
        if t is FactType.ENUM:
            if not isinstance(value, str) or value not in self.choices:
                close = difflib.get_close_matches(str(value), self.choices, n=1)
                hint = f"did you mean {close[0]!r}?" if close else ""
                raise _Refused(
                    f"{_short(value)} is not one of {', '.join(self.choices)}",
                    hint,
                )
            return value
        if t is FactType.BOOLEAN:
            if not isinstance(value, bool):
                raise _Refused(f"expected true or false; got {_short(value)}")
            return value
        if t is FactType.INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise _Refused(f"expected a whole number; got {_short(value)}")
            return value
        if t is FactType.DECIMAL:
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise _Refused(f"expected a number; got {_short(value)}")
            number = float(value)
            if not math.isfinite(number):
                raise _Refused(f"expected a finite number; got {_short(value)}")
            return number
        if t is FactType.DATE:
            if isinstance(value, datetime):
                raise _Refused(f"expected a date; got the date and time {value}", "drop the time")
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
            raise _Refused(f"expected a date such as 2026-01-31; got {_short(value)}")
        return self._quantity(value)

    def _quantity(self, value: Any) -> Any:
        from collabrel.units import is_quantity, parse_quantity, registry

        if isinstance(value, str):
            try:
                value = parse_quantity(value)
            except UnitError as exc:
                raise _Refused(str(exc)) from None
        if isinstance(value, bool | int | float | Decimal):
            raise _Refused(
                f"expected a quantity in {self.unit}; got the bare number {value!r}",
                f"write it with its unit, such as '{value} {self.unit}'",
            )
        if not is_quantity(value) or not isinstance(value, registry().Quantity):
            raise _Refused(f"expected a quantity in {self.unit}; got {_short(value)}")
        unit = registry().Unit(str(self.unit))
        if value.dimensionality != unit.dimensionality:
            raise _Refused(
                f"{value} has the wrong dimension for {self.unit} "
                f"({value.dimensionality} instead of {unit.dimensionality})",
                f"give a quantity convertible to {self.unit}",
            )
        if not math.isfinite(float(value.magnitude)):
            raise _Refused(f"expected a finite quantity; got {value}")
        return value if value.units == unit else value.to(unit)


_PLAIN_KINDS: dict[FactType, type] = {
    FactType.TEXT: str,
    FactType.INTEGER: int,
    FactType.DECIMAL: float,
    FactType.DATE: date,
    FactType.BOOLEAN: bool,
}
"""The fact types whose values need no conversion when they come with their exact type."""

_PYTHON_TYPES: dict[FactType, type] = {
    FactType.TEXT: str,
    FactType.ENUM: str,
    FactType.INTEGER: int,
    FactType.DECIMAL: float,
    FactType.DATE: date,
    FactType.BOOLEAN: bool,
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."  # noqa: PLR2004


def _fields(value: Iterable[FactField]) -> tuple[FactField, ...]:
    fields = tuple(value)
    names = [f.name for f in fields]
    for name in names:
        if names.count(name) > 1:
            raise RuleDefinitionError(f"fact {name!r} is declared twice")
    return fields


@attrs.frozen(kw_only=True)
class FactSchema:
    """The facts an organization records beyond the ISO 44001 model.

    Declared once, on the organization: its own facts and those of each relationship.
    """

    organization: tuple[FactField, ...] = attrs.field(default=(), converter=_fields)
    """The facts of the organization."""
    relationship: tuple[FactField, ...] = attrs.field(default=(), converter=_fields)
    """The facts of each relationship."""

    def fields(self, kind: FactsKind) -> tuple[FactField, ...]:
        """The declared fields of *kind* (``"organization"`` or ``"relationship"``)."""
        return self.organization if kind == "organization" else self.relationship

    def field(self, kind: FactsKind, name: str) -> FactField:
        """Return the declared field *name* of *kind*.

        Raises:
            UnknownFieldError: with a did-you-mean when there is none.
        """
        from collabrel.errors import UnknownFieldError

        for f in self.fields(kind):
            if f.name == name:
                return f
        known = [f.name for f in self.fields(kind)]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else (
            f" The declared {kind} facts are: {', '.join(known)}." if known else
            f" The organization declares no {kind} facts (fact_schema.{kind})."
        )  # fmt: skip
        raise UnknownFieldError(f"no {kind} fact {name!r}.{hint}")

    def facts(self, kind: FactsKind, values: Mapping[str, Any] | Facts) -> Facts:
        """Return *values* checked and converted against the *kind* fields, as :class:`Facts`.

        Raises:
            LoadError: listing every value that is wrong, with its path (``$.facts.x``).
        """
        return Facts.typed(self.fields(kind), values)


@cache
def _index(fields: tuple[FactField, ...]) -> dict[str, int]:
    return {f.name: i for i, f in enumerate(fields)}


class Facts(Mapping[str, Any]):
    """The organization-specific facts of one subject: an immutable mapping of name to value.

    Read a value as ``facts["annual_value"]`` or ``facts.annual_value``. Facts checked
    against a :class:`FactSchema` (every fact of a loaded portfolio, and every fact a
    session holds) have a value (``None`` when missing) for every declared name.
    """

    __slots__ = ("_fields", "_index", "_values")

    def __init__(self, values: Mapping[str, Any] | None = None, /) -> None:
        data = dict(values or {})
        for name in data:
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                raise ValueError(f"fact name {name!r} is not a valid name")
        _set = object.__setattr__
        _set(self, "_fields", None)
        _set(self, "_index", {n: i for i, n in enumerate(data)})
        _set(self, "_values", tuple(data.values()))

    @classmethod
    def typed(cls, fields: tuple[FactField, ...], values: Mapping[str, Any] | Facts) -> Facts:
        """Return *values* checked and converted against *fields*.

        Raises:
            LoadError: listing every wrong value with its path.
        """
        if isinstance(values, Facts) and values._fields is fields:
            return values
        problems: list[Problem] = []
        index = _index(fields)
        for name in values:
            if name not in index:
                close = difflib.get_close_matches(str(name), list(index), n=1)
                hint = f"did you mean {close[0]!r}?" if close else (
                    "declare it in the organization's fact_schema"
                )  # fmt: skip
                problems.append(Problem(path=f"$.{name}", message="undeclared fact", hint=hint))
        out: list[Any] = []
        for f in fields:
            try:
                out.append(f.coerce(values.get(f.name)))
            except _Refused as exc:
                problems.append(Problem(path=f"$.{f.name}", message=exc.message, hint=exc.hint))
                out.append(None)
        if problems:
            raise LoadError(problems, source="<facts>")
        return cls._make(fields, tuple(out))

    @classmethod
    def _make(
        cls,
        fields: tuple[FactField, ...],
        values: tuple[Any, ...],
        index: dict[str, int] | None = None,
    ) -> Facts:
        facts = cls.__new__(cls)
        _set = object.__setattr__
        _set(facts, "_fields", fields)
        _set(facts, "_index", _index(fields) if index is None else index)
        _set(facts, "_values", values)
        return facts

    @property
    def fields(self) -> tuple[FactField, ...] | None:
        """The declared fields these facts were checked against (``None`` if not checked)."""
        return self._fields

    def with_value(self, name: str, value: Any) -> Facts:
        """Return a copy with *name* set to *value* (checked, if these facts are typed).

        Raises:
            LoadError: when the value is wrong for the declared fact, or the fact is unknown.
        """
        if self._fields is None:
            return Facts({**self, name: value})
        i = self._index.get(name)
        if i is None:
            return Facts.typed(self._fields, {**self, name: value})  # reports the name
        field = self._fields[i]
        if field.ready(value):
            coerced = value
        else:
            try:
                coerced = field.coerce(value)
            except _Refused as exc:
                raise LoadError(
                    [Problem(path=f"$.{name}", message=exc.message, hint=exc.hint)],
                    source="<facts>",
                ) from None
        values = self._values
        return Facts._make(self._fields, (*values[:i], coerced, *values[i + 1 :]), self._index)

    def __getitem__(self, name: str) -> Any:
        return self._values[self._index[name]]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[self._index[name]]
        except KeyError:
            known = ", ".join(self._index) or "none"
            msg = f"no fact {name!r}; the facts are: {known}"
            raise AttributeError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Facts):
            return dict(self.items()) == dict(other.items())
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, _hashable(v)) for k, v in self.items())))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.items())
        return f"Facts({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._fields, tuple(self._index), self._values))

    _fields: tuple[FactField, ...] | None
    _index: dict[str, int]
    _values: tuple[Any, ...]

    def __setattr__(self, name: str, value: Any) -> None:
        msg = "Facts are immutable; use with_value() or Session.set()"
        raise AttributeError(msg)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _rebuild(
    fields: tuple[FactField, ...] | None, names: tuple[str, ...], values: tuple[Any, ...]
) -> Facts:
    if fields is not None:
        return Facts._make(fields, values)
    return Facts(dict(zip(names, values, strict=True)))
