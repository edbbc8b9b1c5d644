"""Plain data to domain objects and back, through cattrs: a fast path and a detailed one.

:func:`structure` first runs a converter without cattrs' detailed validation (it stops at the
first bad value and builds no error groups); only when that fails does it run the detailed
converter, which collects every problem with its path. Both share the same hooks, so a value
is accepted by one exactly when the other accepts it.
"""

from __future__ import annotations

import contextvars
import difflib
import enum
import functools
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from collabrel._dates import Cadence, CalendarInterval
from collabrel._facts import Facts, FactType
from collabrel._io._fast import fast_structurer
from collabrel._io._limits import DEFAULT_LIMITS, Limits, cap, check_tree, shown
from collabrel._io._yaml import MAX_DIGITS
from collabrel._stages import Stage
from collabrel.errors import ConfigError, DumpError, LoadError, Problem, UnitError
from collabrel.units import Quantity, ensure_quantity, is_quantity, quantity

__all__ = ["problems_of", "structure", "structure_fast", "unstructure"]

T = TypeVar("T")

# the most problems kept for one list while the detailed converter runs
_LIST_CAP: contextvars.ContextVar[int] = contextvars.ContextVar(
    "collabrel_list_cap", default=DEFAULT_LIMITS.max_problems
)


class _Bad(ValueError):  # noqa: N818 - private, reads better at raise sites
    """A value that cannot be structured, with a message and a hint for the user."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# ------------------------------------------------------------------------- structure hooks


def _date(value: Any, _: type) -> date:
    if type(value) is str:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    elif isinstance(value, datetime):
        return value.date()
    elif isinstance(value, date):
        return value
    raise _Bad(f"expected a date, got {shown(value)}", "write dates as YYYY-MM-DD")


def _int(value: Any, _: type) -> int:
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Bad(f"expected a whole number, got {shown(value)}")


def _float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"expected a number, got {shown(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise _Bad(f"expected a finite number, got {value!r}")
    return result


def _str(value: Any, _: type) -> str:
    if type(value) is not str:
        raise _Bad(f"expected text, got {shown(value)}", "quote the value")
    return value


def _bool(value: Any, _: type) -> bool:
    if type(value) is not bool:
        raise _Bad(f"expected true or false, got {shown(value)}")
    return value


@functools.lru_cache(maxsize=8192)
def _parsed(text: str) -> Quantity:
    # the same amounts and units recur across relationships; pint's parser is slow
    return ensure_quantity(text)


def _finite(q: Quantity, written: Any) -> Quantity:
    magnitude = q.magnitude
    if isinstance(magnitude, float | Decimal) and not math.isfinite(magnitude):
        raise _Bad(
            f"expected a quantity with a finite number, got {shown(written)}",
            "write a number such as '120000 EUR'",
        )
    return q


def _exact(value: Mapping[str, Any]) -> Quantity:
    """The mapping form ``{value: ..., unit: ...}``; a quoted value keeps its decimal digits."""
    amount, unit = value["value"], value["unit"]
    if type(unit) is not str:
        raise _Bad(f"expected the unit as text, got {shown(unit)}")
    number: Any
    if type(amount) is str:
        try:
            number = Decimal(amount.strip())
        except InvalidOperation:
            raise _Bad(
                f"expected a decimal number as the value, got {shown(amount)}",
                "write the value as digits, such as '1.10'",
            ) from None
        if len(amount) > MAX_DIGITS:
            raise _Bad(f"the value has more than {MAX_DIGITS} characters")
    elif type(amount) in (int, float):
        number = amount
    else:
        raise _Bad(f"expected a number as the value, got {shown(amount)}")
    try:
        return _finite(quantity(number, unit), value)
    except UnitError as exc:
        raise _Bad(str(exc)) from exc


def _quantity(value: Any, _: type) -> Quantity:
    if type(value) is str:
        try:
            return _finite(_parsed(value), value)
        except UnitError as exc:
            raise _Bad(str(exc)) from exc
    if isinstance(value, Mapping) and set(value) == {"value", "unit"}:
        return _exact(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _Bad(
            f"expected a quantity with a unit, got the bare number {value!r}",
            "write it with a unit, such as '120000 EUR', '80 percent' or '3 person_day'",
        )
    if is_quantity(value):
        return _finite(value, value)
    raise _Bad(
        f"expected a quantity such as '120000 EUR', got {shown(value)}",
        "write a number and a unit, or {value: '1.10', unit: EUR} for exact decimals",
    )


@functools.lru_cache(maxsize=1024)
def _interval_text(text: str) -> CalendarInterval:
    # a handful of texts ('6 months', '1 year') recur in every relationship; intervals are
    # immutable, so one object per text serves them all
    return CalendarInterval.parse(text)


def _interval(value: Any, _: type) -> CalendarInterval:
    if type(value) is str:
        try:
            return _interval_text(value)
        except ConfigError as exc:
            raise _Bad(
                f"expected a calendar interval such as '6 months', got {shown(value)}"
            ) from exc
    if isinstance(value, Mapping):
        try:
            return CalendarInterval(**{k: v for k, v in value.items() if k in {"months", "days"}})
        except (ConfigError, TypeError) as exc:
            raise _Bad(str(exc)) from exc
    try:
        return CalendarInterval.parse(value)
    except ConfigError as exc:
        raise _Bad(f"expected a calendar interval such as '6 months', got {shown(value)}") from exc


def _cadence(value: Any, _: type) -> Cadence:
    try:
        return Cadence(value)
    except ConfigError as exc:
        raise _Bad(str(exc)) from exc


_STAGE_SLUGS = {stage.slug: stage for stage in Stage}


def _stage(value: Any, _: type) -> Stage:
    if type(value) is str and value in _STAGE_SLUGS:
        return _STAGE_SLUGS[value]  # the spelling dump writes
    try:
        return Stage.parse(value)
    except ValueError as exc:
        raise _Bad(str(exc)) from exc


def _enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls._value2member_map_[value]
    except (KeyError, TypeError):
        pass
    try:
        return cls(value)
    except (ValueError, TypeError):
        choices = ", ".join(str(m.value) for m in cls)
        raise _Bad(
            f"{shown(value)} is not a valid {cls.__name__}", f"use one of: {choices}"
        ) from None


def _is_quantity_type(t: Any) -> bool:
    return getattr(t, "__name__", "") in {"Quantity", "PlainQuantity"} or t is Quantity


def _optional_inner(t: Any) -> Any:
    if typing.get_origin(t) in (types.UnionType, typing.Union):
        args = typing.get_args(t)
        if len(args) == 2 and type(None) in args:  # noqa: PLR2004 - X | None
            return args[0] if args[1] is type(None) else args[1]
    return None


def _is_optional(t: Any) -> bool:
    return _optional_inner(t) is not None


def _is_many(t: Any) -> bool:
    args = typing.get_args(t)
    return typing.get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis  # noqa: PLR2004


def _not_a_list(value: Any, item: Any) -> _Bad:
    if type(value) is str:
        example = f"[{value[:30]}]" if item is str else "one item per line, each after '- '"
        return _Bad(
            f"expected a list, got the text {shown(value)}",
            f"a text is never split into items; write a list, such as {example}",
        )
    return _Bad(f"expected a list, got {shown(value)}", "write a list (YAML '- item' lines)")


def _optional_str(value: Any, _: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    return _str(value, str)


def _optional_date(value: Any, _: Any) -> date | None:
    if value is None:
        return None
    if type(value) is str:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return _date(value, date)


def _optional_int(value: Any, _: Any) -> int | None:
    if value is None or type(value) is int:
        return value
    return _int(value, int)


def _optional_bool(value: Any, _: Any) -> bool | None:
    if value is None or type(value) is bool:
        return value
    return _bool(value, bool)


# the most common optional fields, checked without a second call
_OPTIONAL_SCALARS: dict[Any, Callable[[Any, Any], Any]] = {
    str: _optional_str,
    date: _optional_date,
    int: _optional_int,
    bool: _optional_bool,
}


def _optional_factory(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(t: Any) -> Callable[[Any, Any], Any]:
        inner_type = _optional_inner(t)
        if inner_type in _OPTIONAL_SCALARS:
            return _OPTIONAL_SCALARS[inner_type]
        inner = conv.get_structure_hook(inner_type)

        def optional(value: Any, _: Any) -> Any:
            return None if value is None else inner(value, inner_type)

        return optional

    return factory


def _many_factory(
    conv: cattrs.Converter, *, detailed: bool
) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(t: Any) -> Callable[[Any, Any], Any]:
        item_type = typing.get_args(t)[0]
        inner = conv.get_structure_hook(item_type)

        def fast(value: Any, _: Any) -> tuple[Any, ...]:
            if type(value) is not list and type(value) is not tuple:
                raise _not_a_list(value, item_type)
            return tuple([inner(v, item_type) for v in value])

        def texts(value: Any, _: Any) -> tuple[str, ...]:
            if type(value) is not list and type(value) is not tuple:
                raise _not_a_list(value, item_type)
            for v in value:
                if type(v) is not str:
                    _str(v, str)
            return tuple(value)

        if item_type is str and not detailed:
            return texts

        def slow(value: Any, _: Any) -> tuple[Any, ...]:
            if type(value) is not list and type(value) is not tuple:
                raise _not_a_list(value, item_type)
            out = []
            errors: list[Exception] = []
            failed = 0
            limit = max(_LIST_CAP.get() - 1, 1)  # room for the note that checking stopped
            for i, v in enumerate(value):
                try:
                    out.append(inner(v, item_type))
                except Exception as exc:  # noqa: BLE001 - every problem is collected
                    failed += 1
                    exc.__notes__ = [
                        *getattr(exc, "__notes__", []),
                        IterableValidationNote(f"Structuring {t} @ index {i}", i, item_type),
                    ]
                    errors.append(exc)
                    if failed >= limit and i + 1 < len(value):
                        errors.append(
                            _Bad(
                                f"checking stopped after {limit} invalid items; the other "
                                f"{len(value) - i - 1:,} items of the list were not checked",
                                "fix the ones listed first, or raise Limits.max_problems",
                            )
                        )
                        break
            if errors:
                msg = f"While structuring {t}"
                raise IterableValidationError(msg, errors, t)
            return tuple(out)

        return slow if detailed else fast

    return factory


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(
        forbid_extra_keys=True, detailed_validation=detailed, omit_if_default=True
    )
    conv.register_structure_hook(date, _date)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(float, _float)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(CalendarInterval, _interval)
    conv.register_structure_hook(Cadence, _cadence)
    conv.register_structure_hook(Stage, _stage)
    for choice in _enum_classes():
        conv.register_structure_hook(choice, _enum)
        # str-valued enums would otherwise pass through as-is, which YAML cannot represent
        conv.register_unstructure_hook(choice, _enum_value)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum) and t is not Stage, _enum
    )
    conv.register_structure_hook_func(_is_quantity_type, _quantity)
    conv.register_structure_hook_factory(_is_optional, _optional_factory(conv))
    conv.register_structure_hook_factory(_is_many, _many_factory(conv, detailed=detailed))
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(CalendarInterval, str)
    conv.register_unstructure_hook(Cadence, str)
    conv.register_unstructure_hook(Stage, lambda s: s.slug)
    conv.register_unstructure_hook(float, _float_out)
    conv.register_unstructure_hook(int, _int_out)
    conv.register_unstructure_hook_func(_is_quantity_type, _quantity_out)
    conv.register_structure_hook(Facts, _facts)
    conv.register_unstructure_hook(Facts, lambda f: _facts_data(conv, f))

    def struct_factory(cls: type) -> Callable[[Any, type], Any]:
        # the fields' own converters still run in __init__; the hooks above already gave them
        # the right types, so a field converter only ever sees a valid value
        return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)

    def unstruct_factory(cls: type) -> Callable[[Any], Any]:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)

    conv.register_structure_hook_factory(attrs.has, struct_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstruct_factory)
    return conv


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _enum_classes() -> list[type[enum.Enum]]:
    from collabrel import _model

    found = [getattr(_model, name) for name in _model.__all__]
    return [c for c in found if isinstance(c, type) and issubclass(c, enum.Enum)] + [FactType]


def _facts(value: Any, _: type) -> Facts:
    if not isinstance(value, Mapping):
        raise _Bad(f"expected a mapping of fact names to values, got {type(value).__name__}")
    try:
        return Facts(value)  # typed by the organization (its own) and the portfolio (the rest)
    except ValueError as exc:
        raise _Bad(str(exc), "fact names are identifiers such as annual_value") from None


def _facts_data(conv: cattrs.Converter, facts: Facts) -> dict[str, Any]:
    # a missing fact is not written (None cannot be written in TOML, and it loads back None)
    return {name: conv.unstructure(value) for name, value in facts.items() if value is not None}


# ----------------------------------------------------------------------- unstructure hooks


def _float_out(value: float) -> float:
    if not math.isfinite(value):
        msg = f"cannot write the number {value!r}: documents hold finite numbers only"
        raise DumpError(msg)
    return value


def _int_out(value: int) -> int:
    if value.bit_length() > _SAFE_BITS:
        try:
            digits = len(str(abs(value)))
        except ValueError:
            digits = MAX_DIGITS + 1
        if digits > MAX_DIGITS:
            msg = f"cannot write an integer of more than {MAX_DIGITS} digits: no document reads it"
            raise DumpError(msg)
    return value


_SAFE_BITS = 14_000  # 2**14000 has 4,215 digits: every integer this long is short enough


def _quantity_out(q: Any) -> Any:
    """A quantity as ``'<number> <unit>'``, or ``{value: '<digits>', unit}`` for a Decimal."""
    if not is_quantity(q):
        msg = f"cannot dump {q!r}: not a quantity of collabrel's registry"
        raise UnitError(msg)
    magnitude = q.magnitude
    unit = f"{q.units:~}" if str(q.units) == "dimensionless" else str(q.units)
    if isinstance(magnitude, bool) or not isinstance(magnitude, int | float | Decimal):
        msg = f"cannot write the quantity {q!r}: its number is a {type(magnitude).__name__}"
        raise DumpError(msg)
    if not math.isfinite(magnitude):
        msg = f"cannot write the quantity {q}: documents hold finite numbers only"
        raise DumpError(msg)
    if isinstance(magnitude, Decimal):
        return {"value": str(magnitude), "unit": unit}
    return f"{magnitude!r} {unit}"


_FAST_CONVERTER: cattrs.Converter | None = None
_DETAILED_CONVERTER: cattrs.Converter | None = None


def _fast() -> cattrs.Converter:
    global _FAST_CONVERTER  # noqa: PLW0603 - built once, on first use
    if _FAST_CONVERTER is None:
        _FAST_CONVERTER = _make_converter(detailed=False)
    return _FAST_CONVERTER


def _detailed() -> cattrs.Converter:
    global _DETAILED_CONVERTER  # noqa: PLW0603 - built once, on first use
    if _DETAILED_CONVERTER is None:
        _DETAILED_CONVERTER = _make_converter(detailed=True)
    return _DETAILED_CONVERTER


# ----------------------------------------------------------------------- error translation


def _known_fields(cls: Any) -> list[str]:
    return [f.name for f in attrs.fields(cls)] if attrs.has(cls) else []


def _translate(exc: BaseException, path: str, cls: Any, out: list[Problem]) -> None:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            name = getattr(note, "name", None)
            where = f"{path}.{name}" if name is not None else f"{path}[{note.index}]"
            _translate(sub, where, getattr(note, "type", None), out)
        for sub in without:
            _translate(sub, path, cls, out)
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        known = _known_fields(exc.cl)
        for key in sorted(exc.extra_fields):
            close = difflib.get_close_matches(key, known, n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else f"{exc.cl.__name__} fields: {', '.join(known)}"
            )
            out.append(Problem(path=f"{path}.{key}", message=f"unknown field {key!r}", hint=hint))
        return
    if isinstance(exc, _Bad):
        out.append(Problem(path=path, message=exc.message, hint=exc.hint))
        return
    if isinstance(exc, ImportError):  # a broken installation, not a problem of the document
        raise exc
    if isinstance(exc, LoadError):  # a nested check (facts): its paths are relative to here
        out.extend(attrs.evolve(p, path=path + p.path[1:]) for p in exc.problems)
        return
    if isinstance(exc, KeyError):
        out.append(Problem(path=path, message="required field is missing", hint="add it"))
        return
    type_name = getattr(cls, "__name__", None) or str(cls)
    if (isinstance(exc, AttributeError | TypeError) and "object has no attribute" in str(exc)) or (
        isinstance(exc, TypeError) and "argument" in str(exc)
    ):
        out.append(
            Problem(
                path=path,
                message=f"expected a mapping for {type_name}, got another kind of value",
                hint="check the indentation and the value's type",
            )
        )
        return
    out.append(Problem(path=path, message=f"invalid value for {type_name}: {exc}"))


def problems_of(data: Any, cls: type, path: str, limits: Limits) -> list[Problem]:
    """Every problem of structuring *data* as *cls*, each at its path below *path*."""
    if attrs.has(cls) and not isinstance(data, Mapping):
        return [
            Problem(
                path=path,
                message=f"expected a mapping for {cls.__name__}, got {type(data).__name__}",
            )
        ]
    token = _LIST_CAP.set(limits.max_problems)
    try:
        _detailed().structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - cattrs raises groups of arbitrary members
        out: list[Problem] = []
        _translate(exc, path, cls, out)
        return out or [Problem(path=path, message=str(exc))]
    finally:
        _LIST_CAP.reset(token)
    return []


def structure_fast(data: Any, cls: type[T]) -> T:
    """Build *cls* from *data* without detailed validation; raises whatever fails first."""
    return cast("T", fast_structurer(_fast(), cls)(data))


def structure(
    data: Any, cls: type[T], *, source: str = "<document>", limits: Limits | None = None
) -> T:
    """Build an instance of *cls* from plain data, or raise :class:`LoadError`."""
    limits = limits or DEFAULT_LIMITS
    if attrs.has(cls) and isinstance(data, Mapping):
        try:
            return cast("T", structure_fast(data, cls))
        except Exception:  # noqa: BLE001, S110 - the detailed pass says what is wrong
            pass
    check_tree(data, source, limits)
    problems = problems_of(data, cls, "$", limits)
    if not problems:  # the detailed pass accepts what the fast one refused: take its result
        return _detailed().structure(data, cls)
    raise LoadError(cap(problems, limits), source=source)


def unstructure(obj: Any) -> Any:
    """Return *obj* as plain data (mappings, lists, text, numbers, booleans)."""
    return _fast().unstructure(obj)
