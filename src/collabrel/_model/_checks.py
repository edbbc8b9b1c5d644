"""Field checks of the domain model, derived once per class from the field annotations.

Every model class is declared with ``@attrs.frozen(kw_only=True, field_transformer=checked)``.
The transformer reads each field's annotation and adds one attrs validator per class (all of
its fields' checks, compiled into one straight-line function when the class is defined), so
construction, :func:`attrs.evolve` and loading all refuse the same values with the same
message. Each check does constant work per value (a tuple field: per element), so loading
stays linear; on the bundled example the checks cost about 0.2 ms per relationship (some 270
objects each).

What is checked, by annotation and by convention:

- ``str``, ``int``, ``float``, ``bool``, ``date``: the exact type (``True`` is not a number, a
  ``datetime`` is not a date, a ``StrEnum`` member is not text: each would be written back as
  something else); ``X | None`` also accepts ``None``.
- ``float``: finite (``nan`` never equals itself and cannot be written to JSON).
- identifiers: a field named ``id``, ending in ``_id`` or ``_ids``, or holding a reference
  (:func:`ref`, ``many(ref=...)``) holds non-empty, printable text without surrounding blanks.
- versions: an ``int`` field named ``version`` or ending in ``_version`` is 1 or more.
- ranges: :func:`scale` puts a documented range on a number field (the 1-5 risk scales...).
- records: a field typed with a model class holds an instance of it (``None`` only when the
  annotation says so); a tuple field holds a tuple (never a text split into characters) whose
  elements are checked like a single value.
- quantities, intervals, cadences, stages and enumerations are checked by their converters,
  which say what to write instead.

A refused value raises :class:`~collabrel.errors.ValidationError` (its
:class:`~collabrel.errors.FieldTypeError` subclass for a wrong type), naming the class, the
field and the value.
"""

from __future__ import annotations

import difflib
import enum
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from collabrel.errors import FieldTypeError, ValidationError

__all__ = [
    "DIMENSION",
    "RANGE",
    "REF",
    "checked",
    "enum_converter",
    "fail",
    "is_identifier",
    "scale",
    "stage_converter",
    "to_tuple",
]

REF = "collabrel.ref"
"""Field metadata key: the kind of id a field refers to (``party``, ``person``...)."""
RANGE = "collabrel.range"
"""Field metadata key: ``(low, high, why)`` bounds of a number field (``None``: unbounded)."""
DIMENSION = "collabrel.dimension"
"""Field metadata key: what a quantity field measures (``money``, ``effort`` or ``None``)."""

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

_SHOWN = 60


def _shown(value: object) -> str:
    from collabrel.units import is_quantity

    try:
        text = str(value) if is_quantity(value) else repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def fail(
    inst: object,
    field: str,
    message: str,
    value: object,
    hint: str = "",
    *,
    wrong_type: bool = False,
) -> None:
    """Raise the validation error of *field* of *inst*: ``Owner.field message; got value``."""
    owner = type(inst).__name__
    cls = FieldTypeError if wrong_type else ValidationError
    got = f"got {type(value).__name__} {_shown(value)}" if wrong_type else f"got {_shown(value)}"
    text = f"{owner}.{field} {message}; {got}"
    raise cls(f"{text}. {hint}" if hint else text, owner=owner, field=field, hint=hint)


def is_identifier(value: str) -> bool:
    """Whether *value* is usable as an id: non-empty, printable, no surrounding blanks."""
    return bool(value) and value.isprintable() and value.strip() == value


# ------------------------------------------------------------------------------ converters


def to_tuple(value: Any, inst: Any, field: attrs.Attribute[Any]) -> tuple[Any, ...]:
    """Convert a list (any iterable but a text or a mapping) to a tuple; refuse anything else."""
    if type(value) is tuple:
        return value
    if isinstance(value, str | bytes | bytearray | Mapping) or not isinstance(value, Iterable):
        fail(
            inst,
            field.name,
            "must be a list of values",
            value,
            "A text is one value, not a list of characters: write it as a one-item list",
            wrong_type=True,
        )
    return tuple(value)


def enum_converter(
    cls: type[enum.Enum], *, optional: bool = False
) -> Callable[[Any, Any, attrs.Attribute[Any]], Any]:
    """Return a converter to *cls* from a member or its value, refusing others by name."""
    choices = [str(m.value) for m in cls]

    def convert(value: Any, inst: Any, field: attrs.Attribute[Any]) -> Any:
        if isinstance(value, cls) or (optional and value is None):
            return value
        try:
            return cls(value)
        except (ValueError, TypeError):
            close = (
                difflib.get_close_matches(str(value), choices, n=1)
                if isinstance(value, str)
                else []
            )
            hint = f"did you mean {close[0]!r}? " if close else ""
            fail(
                inst,
                field.name,
                f"must be one of: {', '.join(choices)}",
                value,
                f"{hint}Use one of the {cls.__name__} values".strip(),
            )
            raise  # pragma: no cover - fail() always raises

    return convert


def stage_converter(value: Any, inst: Any, field: attrs.Attribute[Any]) -> Any:
    """Convert a stage member, number 0-11 or name to a Stage, refusing others by name."""
    from collabrel._stages import Stage, closest_slug

    if isinstance(value, Stage):
        return value
    try:
        return Stage.parse(value)
    except ValueError:
        slugs = [s.slug for s in Stage]
        close = closest_slug(value)
        hint = f"did you mean {close!r}? " if close else ""
        fail(
            inst,
            field.name,
            f"must be a stage number 1-8 or one of: {', '.join(slugs)}",
            value,
            f"{hint}Stage names are written as in 'working_together'".strip(),
        )
        raise  # pragma: no cover - fail() always raises


# ------------------------------------------------------------------------------ validators
#
# Each check is split in two: a predicate that accepts a good value in a few operations (the
# path every loaded value takes), and an explanation that runs only for a refused value and
# raises the error. Predicates are specialised closures, so a field costs one call.

Predicate = Callable[[Any], bool]


def _id_ok(value: Any) -> bool:
    # isprintable() refuses controls and every blank but the space, checked at the ends
    return (
        type(value) is str
        and value != ""
        and value.isprintable()
        and value[0] != " "
        and value[-1] != " "
    )


def _predicate(kind: str, ident: bool, bounds: tuple[Any, ...] | None) -> Predicate | None:
    """The predicate of one value of a builtin annotation (``None``: not a builtin)."""
    if kind == "str":
        return _id_ok if ident else (lambda v: type(v) is str)
    if kind == "bool":
        return lambda v: type(v) is bool
    if kind == "date":
        return lambda v: type(v) is date or (isinstance(v, date) and not isinstance(v, datetime))
    if kind in {"int", "float"}:
        low, high = (bounds[0], bounds[1]) if bounds is not None else (None, None)
        lo = -math.inf if low is None else low
        hi = math.inf if high is None else high
        if kind == "int":
            return lambda v: type(v) is int and lo <= v <= hi
        return lambda v: (
            (type(v) is int or (type(v) is float and math.isfinite(v))) and (lo <= v <= hi)
        )
    return None


def _explain(kind: str, ident: bool, bounds: tuple[Any, ...] | None) -> Validator:
    """Raise the error of a value its predicate refused (the slow path)."""
    nouns = {"str": "text", "bool": "true or false", "int": "a whole number", "float": "a number"}

    def explain(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        name = attribute.name
        if kind == "date":
            if isinstance(value, datetime):
                fail(inst, name, "must be a date, not a date and time", value,
                     "Pass value.date()", wrong_type=True)  # fmt: skip
            hint = "Write dates as date(YYYY, MM, DD)"
            if isinstance(value, str):
                hint = "Pass date.fromisoformat(...) for a text such as '2026-11-23'"
            fail(inst, name, "must be a date", value, hint, wrong_type=True)
        types = {"str": (str,), "bool": (bool,), "int": (int,), "float": (int, float)}[kind]
        if type(value) not in types:
            fail(inst, name, f"must be {nouns[kind]}", value, wrong_type=True)
        if kind == "str" and ident:
            fail(inst, name, "must be a non-empty id without surrounding blanks or control "
                 "characters", value, "Use the id of the object referred to")  # fmt: skip
        if kind == "float" and not math.isfinite(value):
            fail(inst, name, "must be a finite number", value)
        if bounds is not None:
            low, high, why = bounds
            if low is not None and high is not None:
                words = f"from {low:g} to {high:g}"
            elif low is not None:
                words = f"of {low:g} or more"
            else:
                words = f"of {high:g} or less"
            fail(inst, name, f"must be {words}" + (f" ({why})" if why else ""), value)
        raise AssertionError(value)  # pragma: no cover - a refused value always has a reason

    return explain


class _Record:
    """The predicate and explanation of a model class named in an annotation.

    The class is looked up in the module of the class being checked on first use, since an
    annotation may name a class defined further down.
    """

    __slots__ = ("_cls", "_module", "_name")

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._cls: type | None = None

    def resolve(self) -> type:
        if self._cls is None:
            found = getattr(sys.modules[self._module], self._name, None)
            if not isinstance(found, type):  # pragma: no cover - caught by the model tests
                msg = f"cannot resolve the annotation {self._name!r} in {self._module}"
                raise TypeError(msg)
            self._cls = found
        return self._cls

    def ok(self, value: Any) -> bool:
        return isinstance(value, self._cls or self.resolve())

    def explain(self, inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        article = "an" if self._name[:1] in "AEIOU" else "a"
        fail(inst, attribute.name, f"must be {article} {self._name}", value,
             f"Build it with collabrel.{self._name}(...)", wrong_type=True)  # fmt: skip


def _elements(ok: Predicate, explain: Validator) -> Validator:
    """A validator of every element of a tuple; a refused one is named by its index."""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        for i, item in enumerate(value):
            if ok(item):
                continue
            try:
                explain(inst, attribute, item)
            except ValidationError as exc:
                raise type(exc)(
                    str(exc).replace(f".{attribute.name} ", f".{attribute.name}[{i}] ", 1),
                    owner=exc.owner,
                    field=f"{attribute.name}[{i}]",
                    hint=exc.hint,
                ) from None

    return check


def _both(first: Validator, second: Validator | None) -> Validator:
    if second is None:
        return first

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        first(inst, attribute, value)
        second(inst, attribute, value)

    return check


# ---------------------------------------------------------------------- field transformer

_CONVERTED = frozenset({"Quantity", "CalendarInterval", "Cadence", "Stage"})


def _is_identifier_field(field: attrs.Attribute[Any]) -> bool:
    name = field.name
    return name == "id" or name.endswith(("_id", "_ids")) or REF in field.metadata


def _is_version_field(field: attrs.Attribute[Any]) -> bool:
    return field.name == "version" or field.name.endswith("_version")


@attrs.frozen
class _Plan:
    """How one field is checked: a predicate, its source for the compiled check, the error."""

    field: attrs.Attribute[Any]
    optional: bool
    many: bool
    ok: Predicate
    explain: Validator
    source: str
    """A Python expression of ``x`` (the value), equal to ``ok(x)``."""
    record: _Record | None = None
    """For a model class annotation: the class, resolved when the check is compiled."""


def _source(kind: str, ident: bool, bounds: tuple[Any, ...] | None, slot: int) -> str:
    """The expression of ``x`` a builtin annotation's predicate computes (see _predicate)."""
    if kind == "str" and ident:
        return 'type(x) is str and x != "" and x.isprintable() and x[0] != " " and x[-1] != " "'
    if kind in {"str", "bool"}:
        return f"type(x) is {kind}"
    if kind == "date":  # a date subclass other than datetime is rare: left to the predicate
        return f"(type(x) is date or _ok{slot}(x))"
    low, high = (bounds[0], bounds[1]) if bounds is not None else (None, None)
    if kind == "int":
        low, high = (None if b is None else int(b) for b in (low, high))
        return _bounded("type(x) is int", low, high)
    finite = all(b is None or (type(b) in {int, float} and math.isfinite(b)) for b in (low, high))
    if kind == "float" and finite:
        return _bounded("(type(x) is int or (type(x) is float and _isfinite(x)))", low, high)
    return f"_ok{slot}(x)"  # other bounds: the predicate itself


def _bounded(test: str, low: object, high: object) -> str:
    """*test* and the bounds that are set, as one expression of ``x``."""
    parts = [test]
    if low is not None:
        parts.append(f"x >= {low!r}")
    if high is not None:
        parts.append(f"x <= {high!r}")
    return " and ".join(parts)


def _plan(cls: type, field: attrs.Attribute[Any], slot: int) -> _Plan | None:
    annotation: object = field.type
    if not isinstance(annotation, str):  # pragma: no cover - every model module defers them
        msg = f"{cls.__name__}.{field.name}: model modules use postponed annotations"
        raise TypeError(msg)
    optional = annotation.endswith(" | None")
    kind = annotation.removesuffix(" | None")
    many = kind.startswith("tuple[") and kind.endswith(", ...]")
    if many:
        kind, optional = kind[len("tuple[") : -len(", ...]")], False
    elif field.converter is not None and kind not in {"int", "float", "str", "bool", "date"}:
        return None  # an enumeration, a stage, a quantity...: its converter checks it
    if kind in _CONVERTED:
        return None
    bounds = field.metadata.get(RANGE)
    if bounds is None and kind == "int" and _is_version_field(field):
        bounds = (1, None, "versions count from 1")
    ident = kind == "str" and _is_identifier_field(field)
    ok = _predicate(kind, ident, bounds)
    if ok is not None:
        return _Plan(field, optional, many, ok, _explain(kind, ident, bounds),
                     _source(kind, ident, bounds, slot))  # fmt: skip
    if not kind.isidentifier():
        msg = f"{cls.__name__}.{field.name}: no check is defined for the annotation {kind!r}"
        raise TypeError(msg)
    record = _Record(cls.__module__, kind)
    return _Plan(field, optional, many, record.ok, record.explain, f"isinstance(x, _C{slot})",
                 record)  # fmt: skip


class _Resolved:
    """A model class named in an annotation, in the namespace of a compiled check.

    ``isinstance(x, self)`` resolves the class (on the first check of the class, when every
    model class exists) and puts it into the namespace in its own place, so later checks call
    ``isinstance`` on the class itself.
    """

    __slots__ = ("_key", "_namespace", "_record")

    def __init__(self, record: _Record, namespace: dict[str, Any], key: str) -> None:
        self._record = record
        self._namespace = namespace
        self._key = key

    def __instancecheck__(self, value: Any) -> bool:
        cls = self._record.resolve()
        self._namespace[self._key] = cls
        return isinstance(value, cls)


def _class_check(plans: list[_Plan]) -> Validator:
    """The one validator of a class: every field's check, compiled into one function.

    attrs calls a validator per field; calling one per object instead, with the checks
    written out as straight-line code, makes the checks about four times cheaper. The code is
    generated from fixed templates, field names and the model's own bounds (never from data)
    when the class is defined; the classes the annotations name are looked up on the first
    check (see :class:`_Resolved`). It runs first (it is attached to the first field and all
    attributes are set before any validator runs), so a class's cross-field validators see
    values of the right types.
    """
    # the globals of the compiled function
    namespace: dict[str, Any] = {"date": date, "_isfinite": math.isfinite}
    lines = ["def check(inst, _attribute, _value):"]
    for i, plan in enumerate(plans):
        namespace[f"_ok{i}"] = plan.ok
        namespace[f"_ex{i}"] = plan.explain
        namespace[f"_at{i}"] = plan.field
        if plan.record is not None:
            namespace[f"_C{i}"] = _Resolved(plan.record, namespace, f"_C{i}")
        name = plan.field.name
        if plan.many:
            lines += [f"    for x in inst.{name}:",
                      f"        if not ({plan.source}):",
                      f"            _each{i}(inst, _at{i}, inst.{name})"]  # fmt: skip
            namespace[f"_each{i}"] = _elements(plan.ok, plan.explain)
        else:
            skip = "x is not None and " if plan.optional else ""
            lines += [f"    x = inst.{name}",
                      f"    if {skip}not ({plan.source}):",
                      f"        _ex{i}(inst, _at{i}, x)"]  # fmt: skip
    lines.append("    return None")
    code = compile("\n".join(lines), "<collabrel model checks>", "exec")
    exec(code, namespace)  # noqa: S102 - our own templates, see the docstring
    compiled: Validator = namespace["check"]
    return compiled


def checked(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """The attrs ``field_transformer`` of the model: add the class's checks (see the module).

    Inherited fields keep the checks of their base class; the class's own fields get one
    compiled check, attached to its first own field.
    """
    own = [f for f in fields if not getattr(f, "inherited", False)]
    plans: list[_Plan] = []
    for field in own:
        plan = _plan(cls, field, len(plans))  # the slot is the plan's index in the list
        if plan is not None:
            plans.append(plan)
    if not plans:
        return fields
    first = own[0]
    check = _both(_class_check(plans), first.validator)
    return [f.evolve(validator=check) if f is first else f for f in fields]


def scale(low: float | None, high: float | None, why: str = "", **kwargs: Any) -> Any:
    """A number field with documented bounds, such as ``scale(1, 5, "the 1-5 risk scale")``."""
    metadata = {**kwargs.pop("metadata", {}), RANGE: (low, high, why)}
    return attrs.field(metadata=metadata, **kwargs)
