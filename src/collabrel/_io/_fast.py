"""The fast path of structuring: one generated function per domain class.

Each function takes a mapping and returns the object, or raises at the first value it cannot
take; the caller then runs cattrs' detailed converter, which reports every problem with its
path. The checks are the hooks of the detailed converter, and for the commonest fields (text,
optional text, booleans) the same test written inline, so both paths accept exactly the same
values; the objects are built by their own ``__init__``, so the model's converters and
validators run as they do for any other construction.
"""

from __future__ import annotations

import functools
import keyword
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["fast_structurer"]


class FastPathError(Exception):
    """The fast path cannot take this value; the detailed path will say why."""


def _refuse(*_: object) -> Any:
    raise FastPathError


def _unwrap(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = typing.get_args(hint)
        if len(args) == 2 and type(None) in args:  # noqa: PLR2004 - X | None
            return (args[0] if args[1] is type(None) else args[1]), True
    return hint, False


def _many(hint: Any) -> Any | None:
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:  # noqa: PLR2004
        return args[0]
    return None


def _is_record(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _records(structure: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    def many(value: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise FastPathError
        return tuple([structure(v) for v in value])

    return many


def _texts(value: Any) -> tuple[str, ...]:
    if type(value) is not list:
        raise FastPathError
    for v in value:
        if type(v) is not str:
            raise FastPathError
    return tuple(value)


class _Generator:
    """Writes the structure function of each class, once."""

    def __init__(self, hook: Callable[[Any], Callable[[Any, Any], Any]]) -> None:
        from collabrel._dates import Cadence, CalendarInterval

        self.hook = hook
        self.done: dict[type, Callable[[Any], Any]] = {}
        # attrs classes written as one value (text), which have hooks of their own
        self.values: frozenset[type] = frozenset({CalendarInterval, Cadence})

    def __call__(self, cls: type) -> Callable[[Any], Any]:
        if cls not in self.done:
            self._generate(cls)
        return self.done[cls]

    def _expression(self, tp: Any, optional: bool, names: dict[str, Any], n: int) -> str:
        """The expression that checks and converts ``v`` of type *tp*."""
        if tp is str:
            if optional:
                return "v if v is None or type(v) is str else _refuse()"
            return "v if type(v) is str else _refuse()"
        if tp is bool:
            if optional:
                return "v if v is None or type(v) is bool else _refuse()"
            return "v if type(v) is bool else _refuse()"
        item = _many(tp)
        if item is str:
            return "_texts(v)"
        if item is not None and _is_record(item):
            names[f"m{n}"] = _records(_Lazy(self, item))
            return f"m{n}(v)"
        if _is_record(tp) and tp not in self.values:
            names[f"r{n}"] = _Lazy(self, tp)
            call = f"r{n}(v)"
        else:
            hook = self.hook(tp)
            names[f"h{n}"], names[f"t{n}"] = hook, tp
            call = f"h{n}(v, t{n})"
        return f"None if v is None else {call}" if optional else call

    def _generate(self, cls: type) -> None:
        hints = typing.get_type_hints(cls)
        names: dict[str, Any] = {"_refuse": _refuse, "_texts": _texts, "cls": cls}
        required: list[str] = []
        body = ["def structure(o):", "    if type(o) is not dict: _refuse()"]
        fields = [f for f in attrs.fields(cls) if f.init]
        names["allowed"] = frozenset(f.name for f in fields)
        body.append("    if not allowed.issuperset(o): _refuse()")
        body.append("    res = {}")
        for n, field in enumerate(fields):
            if not field.name.isidentifier() or keyword.iskeyword(field.name):
                msg = f"cannot generate a fast structure function for {cls.__name__}.{field.name}"
                raise TypeError(msg)
            tp, optional = _unwrap(hints[field.name])
            expr = self._expression(tp, optional, names, n)
            kw = field.alias or field.name
            if field.default is attrs.NOTHING:
                body.append(f"    v = o[{field.name!r}]")
                body.append(f"    a{n} = {expr}")
                required.append(f"{kw}=a{n}")
            else:
                body.append(f"    if {field.name!r} in o:")
                body.append(f"        v = o[{field.name!r}]")
                body.append(f"        res[{kw!r}] = {expr}")
        body.append(f"    return cls({', '.join([*required, '**res'])})")
        namespace = dict(names)
        code = compile("\n".join(body), f"<collabrel fast structure {cls.__qualname__}>", "exec")
        exec(code, namespace)  # noqa: S102 - generated from the domain classes, never from input
        self.done[cls] = namespace["structure"]


class _Lazy:
    """Calls the structure function of a class, generating it on first use (cycles allowed)."""

    __slots__ = ("cls", "fn", "generator")

    def __init__(self, generator: _Generator, cls: type) -> None:
        self.generator = generator
        self.cls = cls
        self.fn: Callable[[Any], Any] | None = None

    def __call__(self, value: Any) -> Any:
        fn = self.fn
        if fn is None:
            fn = self.fn = self.generator(self.cls)
        return fn(value)


@functools.cache
def _generator(hook_source: Any) -> _Generator:
    return _Generator(hook_source.get_structure_hook)


def fast_structurer(converter: Any, cls: type) -> Callable[[Any], Any]:
    """The generated structure function of *cls*, using *converter*'s hooks for other types."""
    return _generator(converter)(cls)
