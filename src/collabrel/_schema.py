"""The portfolio file format, described from the model: a JSON Schema and a field reference.

Everything here is read from the attrs classes of the model (their fields, types, defaults
and metadata) and from the docstrings written under each field, so the description cannot
drift from what :func:`collabrel.load` accepts. :func:`portfolio_schema` is a JSON Schema
(draft 2020-12) for editors and CI; :func:`model_reference` is the same knowledge as data, for
the documentation's field reference (``docs/gen_reference.py``), with an example value of each
field taken from the bundled example portfolio.

The schema is a little stricter than the loader where the loader is lenient (a stage may be
loaded from ``"Working together"``; the schema lists the spellings files are written with).
"""

from __future__ import annotations

import ast
import enum
import inspect
import re
import sys
import types
import typing
from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

import attrs

from collabrel._dates import Cadence, CalendarInterval
from collabrel._facts import Facts
from collabrel._model._checks import DIMENSION, RANGE, REF
from collabrel._public import defined_in
from collabrel._stages import Stage

__all__ = ["ClassInfo", "FieldInfo", "model_classes", "model_reference", "portfolio_schema"]

SCHEMA_ID = "urn:collabrel:schema:portfolio:1"
"""The ``$id`` of the portfolio schema."""

_CLAUSE = re.compile(r"(?<![\d.§])(?:(?:10|[4-9])(?:\.\d+)+|Annex [A-G])\b")
_DIMENSIONS = {
    "money": "money: an amount with one currency, such as '120000 GBP'",
    "effort": "effort: person-days or FTE, such as '40 person_day'",
    None: "a number with its unit, such as '95 percent'",
}


@attrs.frozen(kw_only=True)
class FieldInfo:
    """One field of a model class, as a portfolio file writes it."""

    name: str
    """The key in the file."""
    type: str
    """The type in words (``date``, ``list of Party``, ``one of: new, retrofit``...)."""
    required: bool
    """Whether the key must be given."""
    default: str | None
    """The default, in words, for an optional key."""
    doc: str
    """The field's docstring."""
    clauses: tuple[str, ...]
    """The clauses (and annexes) the docstring names."""
    unit: str | None = None
    """For a quantity, what it measures and how it is written."""
    refers_to: str | None = None
    """For a reference, what its id refers to (``party``, ``person``, ``relationship``)."""
    example: str | None = None
    """An example value from the bundled example portfolio, as written there."""


@attrs.frozen(kw_only=True)
class ClassInfo:
    """A model class: its docstring and its fields."""

    name: str
    """The class name."""
    doc: str
    """Its docstring."""
    clauses: tuple[str, ...]
    """The clauses its docstring names."""
    fields: tuple[FieldInfo, ...]
    """Its fields, in declaration order."""


# ---------------------------------------------------------------------------- walking


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in {typing.Union, types.UnionType}


def _without_none(tp: Any) -> tuple[Any, bool]:
    """(the type without ``None``, whether ``None`` was allowed)."""
    if _is_union(tp):
        rest = [a for a in _args(tp) if a is not type(None)]
        optional = len(rest) != len(_args(tp))
        if len(rest) == 1:
            return rest[0], optional
        return typing.Union[tuple(rest)], optional  # noqa: UP007 - built at run time
    return tp, False


def _element(tp: Any) -> Any | None:
    """The element type of ``tuple[X, ...]``, else ``None``."""
    if typing.get_origin(tp) is tuple:
        args = _args(tp)
        if len(args) == 2 and args[1] is Ellipsis:  # noqa: PLR2004 - tuple[X, ...]
            return args[0]
    return None


def _fields(cls: type) -> Iterator[attrs.Attribute[Any]]:
    for f in attrs.fields(cls):
        if f.init and not f.name.startswith("_"):
            yield f


def model_classes() -> tuple[type, ...]:
    """Every attrs class a portfolio file can hold, from ``Portfolio`` down, in order found."""
    from collabrel._model import Portfolio

    seen: dict[type, None] = {}
    todo: list[type] = [Portfolio]
    while todo:
        cls = todo.pop(0)
        if cls in seen:
            continue
        seen[cls] = None
        for f in _fields(cls):
            todo += [t for t in _leaf_types(f.type) if attrs.has(t) and t not in seen]
    return tuple(seen)


def _leaf_types(tp: Any) -> Iterator[Any]:
    tp, _ = _without_none(tp)
    element = _element(tp)
    if element is not None:
        yield from _leaf_types(element)
    elif _is_union(tp):
        for a in _args(tp):
            yield from _leaf_types(a)
    else:
        yield tp


# -------------------------------------------------------------------------- docstrings


@cache
def _module_docs(module_name: str) -> dict[str, str]:
    module = sys.modules.get(module_name)
    try:
        source = inspect.getsource(module) if module is not None else ""
    except (OSError, TypeError):
        return {}
    docs: dict[str, str] = {}

    def scan(body: list[ast.stmt], prefix: str) -> None:
        for stmt, nxt in zip(body, [*body[1:], None], strict=True):
            if isinstance(stmt, ast.ClassDef):
                scan(stmt.body, f"{prefix}{stmt.name}.")
            elif (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and (
                    isinstance(nxt, ast.Expr)
                    and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)
                )
            ):
                docs[prefix + stmt.target.id] = inspect.cleandoc(nxt.value.value)

    scan(ast.parse(source).body, "")
    return docs


def _field_doc(cls: type, name: str) -> str:
    for klass in cls.__mro__:
        if not attrs.has(klass):
            continue
        doc = _module_docs(defined_in(klass)).get(f"{klass.__name__}.{name}")
        if doc:
            return doc
    return ""


def _clauses(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_CLAUSE.findall(text)))


# ------------------------------------------------------------------------ JSON Schema

_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_QUANTITY = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*\S"},
        {
            "type": "object",
            "properties": {"value": {"type": "number"}, "unit": {"type": "string"}},
            "required": ["value", "unit"],
            "additionalProperties": False,
        },
    ]
}
_INTERVAL = {
    "anyOf": [
        {
            "type": "string",
            "pattern": r"^\s*\d+\s*(day|days|week|weeks|month|months|year|years)"
            r"\s*$",
        },
        {
            "type": "object",
            "properties": {"months": {"type": "integer"}, "days": {"type": "integer"}},
            "additionalProperties": False,
        },
    ]
}
_CADENCE = {"type": "string", "minLength": 1}
_SCALAR = {"type": ["string", "number", "integer", "boolean", "null"]}
_FACTS = {
    "type": "object",
    "description": "Organization-specific facts, by the names declared in the organization's "
    "fact_schema.",
    "propertyNames": {"pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
    "additionalProperties": {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]},
}


def _stage_schema() -> dict[str, Any]:
    return {
        "anyOf": [
            {"type": "integer", "minimum": 0, "maximum": len(Stage) - 1},
            {"enum": [s.slug for s in Stage]},
        ]
    }


def _type_schema(tp: Any, field: attrs.Attribute[Any] | None) -> dict[str, Any]:  # noqa: C901, PLR0911 - one branch per kind of type
    if field is not None and DIMENSION in field.metadata:
        return dict(_QUANTITY)
    tp, optional = _without_none(tp)
    if optional:
        return {"anyOf": [_type_schema(tp, field), {"type": "null"}]}
    element = _element(tp)
    if element is not None:
        return {"type": "array", "items": _type_schema(element, None)}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is date:
        return dict(_DATE)
    if tp is Stage:
        return _stage_schema()
    if tp is CalendarInterval:
        return dict(_INTERVAL)
    if tp is Cadence:
        return dict(_CADENCE)
    if tp is Facts:
        return dict(_FACTS)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if isinstance(tp, type) and attrs.has(tp):
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if _is_union(tp):
        return {"anyOf": [_type_schema(a, None) for a in _args(tp)]}
    return {}  # Any: no constraint


def _class_schema(cls: type) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for f in _fields(cls):
        schema = _type_schema(f.type, f)
        doc = _field_doc(cls, f.name)
        if doc:
            schema = {**schema, "description": " ".join(doc.split())}
        bounds = f.metadata.get(RANGE)
        if isinstance(bounds, tuple) and len(bounds) == 3:  # noqa: PLR2004 - (low, high, why)
            low, high, _ = bounds
            target = schema["items"] if schema.get("type") == "array" else schema
            if low is not None:
                target["minimum"] = low
            if high is not None:
                target["maximum"] = high
        props[f.name] = schema
        if f.default is attrs.NOTHING:
            required.append(f.name)
    out: dict[str, Any] = {
        "type": "object",
        "description": " ".join((inspect.getdoc(cls) or "").split()),
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


@cache
def _schema() -> dict[str, Any]:
    classes = model_classes()
    root = _class_schema(classes[0])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "collabrel portfolio",
        "description": "An organization's collaborative business relationship management "
        "system and its portfolio of relationships, as collabrel.load() reads it from YAML, "
        "JSON or TOML. Generated from collabrel's model. " + root["description"],
        "type": "object",
        "properties": root["properties"],
        "required": root.get("required", []),
        "additionalProperties": False,
        "$defs": {cls.__name__: _class_schema(cls) for cls in classes[1:]},
    }


def portfolio_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of portfolio files; each call a fresh copy.

    Example:
        >>> from collabrel import portfolio_schema
        >>> schema = portfolio_schema()
        >>> schema["required"]
        ['organization']
        >>> "Relationship" in schema["$defs"]
        True
    """
    import copy

    return copy.deepcopy(_schema())


# -------------------------------------------------------------------------- reference


def _type_text(tp: Any, field: attrs.Attribute[Any] | None) -> str:
    if field is not None and DIMENSION in field.metadata:
        return "quantity"
    tp, _ = _without_none(tp)
    element = _element(tp)
    if element is not None:
        return f"list of {_type_text(element, None)}"
    names = {
        str: "text",
        bool: "true or false",
        int: "whole number",
        float: "number",
        date: "date (YYYY-MM-DD)",
        Stage: "stage (a number 0-11 or a name)",
        CalendarInterval: "calendar interval, such as '6 months'",
        Cadence: "cadence, such as 'monthly' or 'every 6 months'",
        Facts: "facts (name: value)",
    }
    if tp in names:
        return names[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of: " + ", ".join(str(m.value) for m in tp)
    if isinstance(tp, type) and attrs.has(tp):
        return tp.__name__
    return "any value"


def _default_text(f: attrs.Attribute[Any]) -> str | None:
    default = f.default
    if default is attrs.NOTHING:
        return None
    factory: Any = getattr(default, "factory", None)
    if factory is not None:  # an attrs Factory
        return "empty" if factory in {tuple, list, dict, Facts} else f"a new {factory.__name__}"
    if default is None:
        return "none"
    if isinstance(default, enum.Enum):
        return str(default.value) if not isinstance(default, Stage) else default.slug
    return str(default).lower() if isinstance(default, bool) else str(default)


def _examples() -> dict[tuple[str, str], str]:
    """(class name, field) -> the first value written in the bundled example."""
    import json

    from collabrel._example import example_portfolio
    from collabrel._io import unstructure
    from collabrel._model import Portfolio

    found: dict[tuple[str, str], str] = {}

    def walk(cls: type, data: Any) -> None:
        if not isinstance(data, dict):
            return
        for f in _fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            key = (cls.__name__, f.name)
            if key not in found and not isinstance(value, dict | list):
                found[key] = json.dumps(value, ensure_ascii=False)
            elif (
                key not in found
                and isinstance(value, list)
                and value
                and all(not isinstance(v, dict | list) for v in value)
            ):
                found[key] = json.dumps(value[:3], ensure_ascii=False)
            inner, _ = _without_none(f.type)
            element = _element(inner)
            for t in _leaf_types(element if element is not None else inner):
                if attrs.has(t):
                    for item in value if isinstance(value, list) else [value]:
                        walk(t, item)

    walk(Portfolio, unstructure(example_portfolio()))
    return found


def model_reference(*, examples: bool = True) -> tuple[ClassInfo, ...]:
    """Every class a portfolio file holds, with its fields, types, units, clauses, examples."""
    samples = _examples() if examples else {}
    out = []
    for cls in model_classes():
        fields = []
        for f in _fields(cls):
            doc = _field_doc(cls, f.name)
            dimension = f.metadata.get(DIMENSION, "-") if DIMENSION in f.metadata else "-"
            fields.append(
                FieldInfo(
                    name=f.name,
                    type=_type_text(f.type, f),
                    required=f.default is attrs.NOTHING,
                    default=_default_text(f),
                    doc=doc,
                    clauses=_clauses(doc),
                    unit=_DIMENSIONS.get(dimension) if dimension != "-" else None,
                    refers_to=f.metadata.get(REF),
                    example=samples.get((cls.__name__, f.name)),
                )
            )
        doc = inspect.getdoc(cls) or ""
        out.append(
            ClassInfo(name=cls.__name__, doc=doc, clauses=_clauses(doc), fields=tuple(fields))
        )
    return tuple(out)
