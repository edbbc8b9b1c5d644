"""Loading and dumping portfolios as YAML, JSON or TOML, through cattrs.

Loading reports every problem at once, each with its JSONPath-like location and a hint, as one
:class:`~collabrel.errors.LoadError`; nothing is half-loaded. Hostile input (huge documents,
YAML alias bombs, deep nesting) is refused before it is structured.
"""

from __future__ import annotations

import difflib
import enum
import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from collabrel._dates import Cadence, CalendarInterval
from collabrel._facts import Facts, FactType
from collabrel._model import Portfolio
from collabrel._stages import Stage
from collabrel.errors import ConfigError, LoadError, Problem, UnitError
from collabrel.units import Quantity, ensure_quantity, is_quantity

__all__ = ["Format", "dump", "dumps", "load", "loads", "structure", "unstructure"]

Format = Literal["yaml", "json", "toml"]
T = TypeVar("T")

MAX_BYTES = 20 * 1024 * 1024
"""Largest document accepted (20 MiB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted."""
MAX_ALIASES = 1000
"""Most YAML aliases accepted in one document (alias bombs are refused)."""
MAX_NODES = 2_000_000
"""Most values (mappings, lists, scalars) accepted in one document."""


class _Bad(ValueError):  # noqa: N818 - private, reads better at raise sites
    """A value that cannot be structured, with a message and a hint for the user."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# ------------------------------------------------------------------------- structure hooks


def _date(value: Any, _: type) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(f"expected a date, got {value!r}", "write dates as YYYY-MM-DD")


def _int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _Bad(f"expected a whole number, got {value!r}")
    return value


def _float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"expected a number, got {value!r}")
    return float(value)


def _str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected text, got {value!r}", "quote the value")
    return value


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {value!r}")
    return value


def _quantity(value: Any, _: type) -> Quantity:
    if isinstance(value, Mapping) and set(value) == {"value", "unit"}:
        value = f"{value['value']} {value['unit']}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _Bad(
            f"expected a quantity with a unit, got the bare number {value!r}",
            "write it with a unit, such as '120000 EUR', '80 percent' or '3 person_day'",
        )
    try:
        return ensure_quantity(value)
    except UnitError as exc:
        raise _Bad(str(exc)) from exc


def _interval(value: Any, _: type) -> CalendarInterval:
    if isinstance(value, Mapping):
        try:
            return CalendarInterval(**{k: v for k, v in value.items() if k in {"months", "days"}})
        except (ConfigError, TypeError) as exc:
            raise _Bad(str(exc)) from exc
    try:
        return CalendarInterval.parse(value)
    except ConfigError as exc:
        raise _Bad(f"expected a calendar interval such as '6 months', got {value!r}") from exc


def _cadence(value: Any, _: type) -> Cadence:
    try:
        return Cadence(value)
    except ConfigError as exc:
        raise _Bad(str(exc)) from exc


def _stage(value: Any, _: type) -> Stage:
    try:
        return Stage.parse(value)
    except ValueError as exc:
        raise _Bad(str(exc)) from exc


def _enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in cls)
        raise _Bad(f"{value!r} is not a valid {cls.__name__}", f"use one of: {choices}") from None


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True, omit_if_default=True)
    conv.register_structure_hook(date, _date)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(float, _float)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(CalendarInterval, _interval)
    conv.register_structure_hook(Cadence, _cadence)
    conv.register_structure_hook(Stage, _stage)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum) and t is not Stage, _enum
    )
    conv.register_structure_hook_func(
        lambda t: getattr(t, "__name__", "") in {"Quantity", "PlainQuantity"} or t is Quantity,
        _quantity,
    )
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_unstructure_hook(CalendarInterval, str)
    conv.register_unstructure_hook(Cadence, str)
    conv.register_unstructure_hook(Stage, lambda s: s.slug)
    for choice in _enum_classes():
        # str-valued enums would otherwise pass through as-is, which YAML cannot represent
        conv.register_unstructure_hook(choice, _enum_value)
        # and cattrs would structure them with the str hook, losing the list of allowed values
        conv.register_structure_hook(choice, _enum)
    conv.register_unstructure_hook_func(
        lambda t: getattr(t, "__name__", "") in {"Quantity", "PlainQuantity"} or t is Quantity,
        _quantity_text,
    )

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


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _enum_classes() -> list[type[enum.Enum]]:
    from collabrel import _model

    found = [getattr(_model, name) for name in _model.__all__]
    return [c for c in found if isinstance(c, type) and issubclass(c, enum.Enum)] + [FactType]


def _quantity_text(q: Any) -> str:
    if not is_quantity(q):
        msg = f"cannot dump {q!r}: not a quantity of collabrel's registry"
        raise UnitError(msg)
    magnitude = q.magnitude
    if isinstance(magnitude, float) and magnitude.is_integer() and abs(magnitude) < 1e15:  # noqa: PLR2004
        text = f"{magnitude!r}"
    else:
        text = repr(magnitude) if isinstance(magnitude, float) else str(magnitude)
    return f"{text} {q.units:~}" if str(q.units) == "dimensionless" else f"{text} {q.units}"


_CONVERTER: cattrs.Converter | None = None


def _converter() -> cattrs.Converter:
    global _CONVERTER  # noqa: PLW0603 - built once, on first use
    if _CONVERTER is None:
        _CONVERTER = _make_converter()
    return _CONVERTER


# ----------------------------------------------------------------------- error translation


def _problems(exc: BaseException, path: str, cls: Any) -> list[Problem]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        out: list[Problem] = []
        for sub, note in with_notes:
            name = getattr(note, "name", None)
            if name is not None:
                out += _problems(sub, f"{path}.{name}", getattr(note, "type", None))
            else:
                out += _problems(sub, f"{path}[{note.index}]", getattr(note, "type", None))
        for sub in without:
            out += _problems(sub, path, cls)
        return out
    if isinstance(exc, ForbiddenExtraKeysError):
        known = [f.name for f in attrs.fields(exc.cl)] if attrs.has(exc.cl) else []
        out = []
        for key in sorted(exc.extra_fields):
            close = difflib.get_close_matches(key, known, n=1)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else (f"{exc.cl.__name__} fields: {', '.join(known)}")
            )
            out.append(Problem(path=f"{path}.{key}", message=f"unknown field {key!r}", hint=hint))
        return out
    if isinstance(exc, _Bad):
        return [Problem(path=path, message=exc.message, hint=exc.hint)]
    if isinstance(exc, LoadError):  # a nested check (facts): its paths are relative to here
        return [attrs.evolve(p, path=path + p.path[1:]) for p in exc.problems]
    if isinstance(exc, KeyError):
        return [Problem(path=path, message="required field is missing", hint="add it")]
    type_name = getattr(cls, "__name__", None) or str(cls)
    if (isinstance(exc, AttributeError | TypeError) and "object has no attribute" in str(exc)) or (
        isinstance(exc, TypeError) and "argument" in str(exc)
    ):
        return [
            Problem(
                path=path,
                message=f"expected a mapping for {type_name}, got another kind of value",
                hint="check the indentation and the value's type",
            )
        ]
    return [Problem(path=path, message=f"invalid value for {type_name}: {exc}")]


def structure(data: Any, cls: type[T], *, source: str = "<document>") -> T:
    """Build an instance of *cls* from plain data, or raise :class:`LoadError`."""
    conv = _converter()
    if attrs.has(cls) and not isinstance(data, Mapping):
        raise LoadError(
            [
                Problem(
                    path="$",
                    message=f"expected a mapping for {cls.__name__}, got {type(data).__name__}",
                )
            ],
            source=source,
        )
    try:
        return conv.structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - cattrs raises groups of arbitrary members
        problems = _problems(exc, "$", cls)
        raise LoadError(problems or [Problem(path="$", message=str(exc))], source=source) from None


def unstructure(obj: Any) -> Any:
    """Return *obj* as plain data (mappings, lists, text, numbers, booleans)."""
    return _converter().unstructure(obj)


# ------------------------------------------------------------------------------- parsing


def _guard(data: Any, source: str) -> None:
    """Refuse documents that are too deep or too large once parsed."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise LoadError(
                [
                    Problem(
                        path="$",
                        message=f"the document has more than {MAX_NODES} values",
                        hint="split it or remove repeated content",
                    )
                ],
                source=source,
            )
        if depth > MAX_DEPTH:
            raise LoadError(
                [
                    Problem(
                        path="$",
                        message=f"the document nests deeper than {MAX_DEPTH} levels",
                        hint="flatten it",
                    )
                ],
                source=source,
            )
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    raise LoadError(
                        [
                            Problem(
                                path="$",
                                message=f"mapping key {key!r} is not text",
                                hint="quote the key",
                            )
                        ],
                        source=source,
                    )
                stack.append((value, depth + 1))
        elif isinstance(node, list | tuple):
            stack.extend((v, depth + 1) for v in node)


_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\[\]{}]+")


def _parse_yaml(text: str, source: str) -> Any:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        msg = "reading YAML needs PyYAML: pip install 'collabrel[yaml]'"
        raise LoadError([Problem(path="$", message=msg)], source=source) from exc

    # libyaml's parser is several times faster; its composer cannot count aliases, so the
    # alias tokens are counted on the text first (conservatively: quoted '*x' counts too)
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None and len(_ALIAS.findall(text)) <= MAX_ALIASES:
        base: Any = fast
    else:
        base = yaml.SafeLoader

    class _Loader(base):  # type: ignore[misc]
        aliases = 0
        # dates stay text so that a bad date is reported with its path by the date hook
        yaml_implicit_resolvers = {  # noqa: RUF012 - a class-level table, as PyYAML expects
            key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in base.yaml_implicit_resolvers.items()
        }

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
                if self.aliases > MAX_ALIASES:
                    raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases (an alias bomb?)")
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = key_node.value
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise LoadError(
            [Problem(path="$", message=f"invalid YAML at {where}: {exc.problem}")], source=source
        ) from None
    except yaml.YAMLError as exc:
        raise LoadError(
            [Problem(path="$", message=f"invalid YAML: {exc}")], source=source
        ) from None
    except RecursionError:
        raise LoadError(
            [Problem(path="$", message=f"the document nests deeper than {MAX_DEPTH} levels")],
            source=source,
        ) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise LoadError(
            [Problem(path="$", message=f"invalid YAML value: {exc}")], source=source
        ) from None
    finally:
        loader.dispose()


class _DuplicateKeyError(ValueError):
    """A JSON object names the same key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _parse(text: str, fmt: Format, source: str) -> Any:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise LoadError(
            [
                Problem(
                    path="$",
                    message=f"the document is larger than {MAX_BYTES} bytes",
                    hint="split the portfolio",
                )
            ],
            source=source,
        )
    try:
        if fmt == "json":
            return json.loads(text, object_pairs_hook=_unique_keys)
        if fmt == "toml":
            return tomllib.loads(text)
    except _DuplicateKeyError as exc:
        raise LoadError(
            [Problem(path="$", message=f"invalid JSON: {exc}", hint="write each key once")],
            source=source,
        ) from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            [
                Problem(
                    path="$",
                    message=f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                )
            ],
            source=source,
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(
            [Problem(path="$", message=f"invalid TOML: {exc}")], source=source
        ) from None
    except RecursionError:
        raise LoadError(
            [Problem(path="$", message=f"the document nests deeper than {MAX_DEPTH} levels")],
            source=source,
        ) from None
    return _parse_yaml(text, source)


_SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def _sniff(text: str) -> Format:
    stripped = text.lstrip()
    first = stripped.split("\n", 1)[0].strip()
    if re.fullmatch(r"\[\[?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\]\]?", first):
        return "toml"
    if re.fullmatch(r"[A-Za-z0-9_-]+\s*=\s*\S.*", first) and re.search(
        r"^\s*\[\[?[A-Za-z0-9_.-]+\]\]?\s*$", text, re.MULTILINE
    ):
        return "toml"
    if stripped.startswith(("{", "[")):
        return "json"
    if re.match(r"^\s*\[[A-Za-z_.\"']+\]\s*$", text, re.MULTILINE) and ": " not in text:
        return "toml"
    return "yaml"


def read_document(
    source: str | Path,
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
) -> tuple[Any, str]:
    """Parse *source* (a path or the text itself) into plain data, with a name for errors."""
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and Path(source).suffix in _SUFFIXES
    ):
        path = Path(source)
        if not path.is_file():
            raise LoadError(
                [Problem(path="$", message=f"no such file: {path}", hint="check the path")],
                source=str(path),
            )
        if path.stat().st_size > MAX_BYTES:
            raise LoadError(
                [Problem(path="$", message=f"the file is larger than {MAX_BYTES} bytes")],
                source=str(path),
            )
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(
                [Problem(path="$", message=f"the file is not UTF-8 text ({exc})")], source=name
            ) from None
        fmt = format or _SUFFIXES.get(path.suffix.lower(), "yaml")
    else:
        name, text = "<text>", str(source)
        fmt = format or _sniff(text)
    if fmt not in {"yaml", "json", "toml"}:
        raise ConfigError(f"unknown format {fmt!r}; use 'yaml', 'json' or 'toml'")
    data = _parse(text, fmt, name)
    _guard(data, name)
    return data, name


def load(source: str | Path, *, format: Format | None = None) -> Portfolio:  # noqa: A002
    """Load a portfolio from a YAML, JSON or TOML file or text.

    Args:
        source: a :class:`~pathlib.Path`, a file name ending in ``.yaml``, ``.yml``, ``.json``
            or ``.toml``, or the document text itself.
        format: force a format instead of guessing it from the suffix or the text.

    Raises:
        LoadError: listing every problem with its path (``$.relationships[2].stage``), when
            the document is malformed, has wrong types or unknown fields, or refers to an
            unknown party, person or relationship. Nothing is loaded then.
    """
    data, name = read_document(source, format=format)
    return loads_data(data, source=name)


def loads_data(data: Any, *, source: str = "<data>") -> Portfolio:
    """Build a portfolio from already parsed plain data (see :func:`load`)."""
    portfolio = structure(data, Portfolio, source=source)
    problems = portfolio.problems()
    if problems:
        raise LoadError(problems, source=source)
    return portfolio


def loads(text: str, *, format: Format | None = None) -> Portfolio:  # noqa: A002
    """Load a portfolio from document text (see :func:`load`)."""
    data, name = _parse(text, format or _sniff(text), "<text>"), "<text>"
    _guard(data, name)
    return loads_data(data, source=name)


# ------------------------------------------------------------------------------- dumping


def dumps(obj: Any, format: Format = "yaml") -> str:  # noqa: A002
    """Return *obj* (a portfolio or any domain object) as YAML, JSON or TOML text.

    Loading the text again gives an equal object.
    """
    data = unstructure(obj)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "toml":
        return _toml(data)
    if format == "yaml":
        try:
            import yaml
        except ImportError as exc:  # pragma: no cover - exercised only without the extra
            msg = "writing YAML needs PyYAML: pip install 'collabrel[yaml]'"
            raise ConfigError(msg) from exc
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
    raise ConfigError(f"unknown format {format!r}; use 'yaml', 'json' or 'toml'")


def dump(obj: Any, path: str | Path, *, format: Format | None = None) -> None:  # noqa: A002
    """Write *obj* to *path*, in the format its suffix names unless *format* is given."""
    target = Path(path)
    fmt = format or _SUFFIXES.get(target.suffix.lower())
    if fmt is None:
        raise ConfigError(f"cannot tell the format of {target}; name it .yaml, .json or .toml")
    target.write_text(dumps(obj, fmt), encoding="utf-8")


# ------------------------------------------------------------------- a small TOML writer

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + "}"
    msg = f"cannot write {value!r} as TOML"
    raise ConfigError(msg)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []

    def table(node: Mapping[str, Any], prefix: str) -> None:
        for k, v in node.items():
            if not isinstance(v, Mapping) and not _is_table_array(v):
                lines.append(f"{_key(k)} = {_scalar(v)}")
        for k, v in node.items():
            name = f"{prefix}{_key(k)}"
            if isinstance(v, Mapping):
                lines.extend(["", f"[{name}]"])
                table(v, f"{name}.")
            elif _is_table_array(v):
                for item in v:
                    lines.extend(["", f"[[{name}]]"])
                    table(item, f"{name}.")

    table(data, "")
    return "\n".join(lines).lstrip("\n") + "\n"
