"""Field checks of the domain model, derived once per class from the field annotations.

Every model class is declared with ``@attrs.frozen(kw_only=True, field_transformer=checked)``.
The transformer reads each field's annotation and adds an attrs validator, so construction,
:func:`attrs.evolve` and loading all refuse the same values with the same message. Each check
does constant work per value (a tuple field: per element), so loading stays linear.

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
    from collabrel._stages import Stage

    if isinstance(value, Stage):
        return value
    try:
        return Stage.parse(value)
    except ValueError:
        slugs = [s.slug for s in Stage]
        close = (
            difflib.get_close_matches(
                value.strip().lower().replace(" ", "_").replace("-", "_"), slugs, n=1
            )
            if isinstance(value, str)
            else []
        )
        hint = f"did you mean {close[0]!r}? " if close else ""
        fail(
            inst,
            field.name,
            f"must be a stage number 1-8 or one of: {', '.join(slugs)}",
            value,
            f"{hint}Stage names are written as in 'working_together'".strip(),
        )
        raise  # pragma: no cover - fail() always raises


# ------------------------------------------------------------------------------ validators


def _exact(kind: type, noun: str, optional: bool, extra: Validator | None = None) -> Validator:
    """A validator accepting exactly *kind* (and ``None`` when *optional*), then *extra*."""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is kind:
            if extra is not None:
                extra(inst, attribute, value)
            return
        if value is None and optional:
            return
        fail(inst, attribute.name, f"must be {noun}", value, wrong_type=True)

    return check


def _date(optional: bool) -> Validator:
    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if type(value) is date or (value is None and optional):
            return
        if isinstance(value, datetime):
            fail(inst, attribute.name, "must be a date, not a date and time", value,
                 "Pass value.date()", wrong_type=True)  # fmt: skip
        if not isinstance(value, date):
            hint = "Write dates as date(YYYY, MM, DD)"
            if isinstance(value, str):
                hint = "Pass date.fromisoformat(...) for a text such as '2026-11-23'"
            fail(inst, attribute.name, "must be a date", value, hint, wrong_type=True)

    return check


def _identifier(inst: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not is_identifier(value):
        fail(inst, attribute.name, "must be a non-empty id without surrounding blanks or "
             "control characters", value, "Use the id of the object referred to")  # fmt: skip


def _bounds(low: float | None, high: float | None, why: str) -> Validator:
    if low is not None and high is not None:
        words = f"from {low:g} to {high:g}"
    elif low is not None:
        words = f"of {low:g} or more"
    else:
        words = f"of {high:g} or less"
    suffix = f" ({why})" if why else ""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: float) -> None:
        if (low is not None and value < low) or (high is not None and value > high):
            fail(inst, attribute.name, f"must be {words}{suffix}", value)

    return check


def _finite(inst: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not math.isfinite(value):
        fail(inst, attribute.name, "must be a finite number", value)


def _number(optional: bool, extra: Validator | None) -> Validator:
    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        kind = type(value)
        if kind is float:
            _finite(inst, attribute, value)
        elif kind is not int:
            if value is None and optional:
                return
            fail(inst, attribute.name, "must be a number", value, wrong_type=True)
        if extra is not None:
            extra(inst, attribute, value)

    return check


def _both(first: Validator, second: Validator | None) -> Validator:
    if second is None:
        return first

    def check(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        first(inst, attribute, value)
        second(inst, attribute, value)

    return check


class _Record:
    """A validator accepting instances of a model class named in an annotation.

    The class is looked up in the module of the class being checked on first use, since an
    annotation may name a class defined further down.
    """

    __slots__ = ("_cls", "_module", "_name", "_optional")

    def __init__(self, module: str, name: str, optional: bool) -> None:
        self._module = module
        self._name = name
        self._optional = optional
        self._cls: type | None = None

    def resolve(self) -> type:
        if self._cls is None:
            found = getattr(sys.modules[self._module], self._name, None)
            if not isinstance(found, type):  # pragma: no cover - caught by the model tests
                msg = f"cannot resolve the annotation {self._name!r} in {self._module}"
                raise TypeError(msg)
            self._cls = found
        return self._cls

    def __call__(self, inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if isinstance(value, self._cls or self.resolve()) or (value is None and self._optional):
            return
        article = "an" if self._name[:1] in "AEIOU" else "a"
        fail(inst, attribute.name, f"must be {article} {self._name}", value,
             f"Build it with collabrel.{self._name}(...)", wrong_type=True)  # fmt: skip


def _elements(each: Validator) -> Validator:
    """A validator running *each* on every element of a tuple, naming the element's index."""

    def check(inst: Any, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        for i, item in enumerate(value):
            try:
                each(inst, attribute, item)
            except ValidationError as exc:
                raise type(exc)(
                    str(exc).replace(f".{attribute.name} ", f".{attribute.name}[{i}] ", 1),
                    owner=exc.owner,
                    field=f"{attribute.name}[{i}]",
                    hint=exc.hint,
                ) from None

    return check


# ---------------------------------------------------------------------- field transformer

_CONVERTED = frozenset({"Quantity", "CalendarInterval", "Cadence", "Stage"})


def _is_identifier_field(field: attrs.Attribute[Any]) -> bool:
    name = field.name
    return name == "id" or name.endswith(("_id", "_ids")) or REF in field.metadata


def _is_version_field(field: attrs.Attribute[Any]) -> bool:
    return field.name == "version" or field.name.endswith("_version")


def _single(cls: type, field: attrs.Attribute[Any], kind: str, optional: bool) -> Validator | None:
    """The validator of one value of annotation *kind* (``str``, ``date``, ``Action``...)."""
    bounds = field.metadata.get(RANGE)
    if kind == "str":
        return _exact(str, "text", optional, _identifier if _is_identifier_field(field) else None)
    if kind == "bool":
        return _exact(bool, "true or false", optional)
    if kind == "date":
        return _date(optional)
    if kind in {"int", "float"}:
        if bounds is None and _is_version_field(field):
            bounds = (1, None, "versions count from 1")
        extra = _bounds(*bounds) if bounds is not None else None
        if kind == "int":
            return _exact(int, "a whole number", optional, extra)
        return _number(optional, extra)
    if kind in _CONVERTED:
        return None
    if not kind.isidentifier():
        msg = f"{cls.__name__}.{field.name}: no check is defined for the annotation {kind!r}"
        raise TypeError(msg)
    return _Record(cls.__module__, kind, optional)


def _validator(cls: type, field: attrs.Attribute[Any]) -> Validator | None:
    annotation: object = field.type
    if not isinstance(annotation, str):  # pragma: no cover - every model module defers them
        msg = f"{cls.__name__}.{field.name}: model modules use postponed annotations"
        raise TypeError(msg)
    optional = annotation.endswith(" | None")
    kind = annotation.removesuffix(" | None")
    if kind.startswith("tuple[") and kind.endswith(", ...]"):
        each = _single(cls, field, kind[len("tuple[") : -len(", ...]")], optional=False)
        return None if each is None else _elements(each)
    if field.converter is not None and kind not in {"int", "float", "str", "bool", "date"}:
        return None  # an enumeration, a stage, a quantity...: its converter checks it
    return _single(cls, field, kind, optional)


def checked(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """The attrs ``field_transformer`` of the model: add each field's checks (see the module)."""
    out = []
    for field in fields:
        if getattr(field, "inherited", False):  # already checked by the base class's transformer
            out.append(field)
            continue
        check = _validator(cls, field)
        if check is not None:
            # the type check first, so a class's own cross-field validator sees checked values
            field = field.evolve(validator=_both(check, field.validator))  # noqa: PLW2901
        out.append(field)
    return out


def scale(low: float | None, high: float | None, why: str = "", **kwargs: Any) -> Any:
    """A number field with documented bounds, such as ``scale(1, 5, "the 1-5 risk scale")``."""
    metadata = {**kwargs.pop("metadata", {}), RANGE: (low, high, why)}
    return attrs.field(metadata=metadata, **kwargs)
