"""The fast path of structuring: one generated function per domain class.

Each function takes a mapping and returns the object, or raises at the first value it cannot
take; the caller then runs cattrs' detailed converter, which reports every problem with its
path. The checks are the hooks of the detailed converter, and for the commonest fields (text,
optional text, booleans, whole numbers, dates, lists of text or of records) the same test
written inline, so both paths accept exactly the same values; the objects are built by their
own ``__init__``, so the model's converters and validators run as they do for any other
construction.

The functions of all classes share one namespace and call each other by name (``s12_KPI(v)``),
so a nested record costs one call, and a class that refers to itself (directly or through
others) needs no special case: a name is looked up when the function runs.
"""

from __future__ import annotations

import enum
import functools
import keyword
import math
import types
import typing
from collections.abc import Callable
from datetime import date
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


class _Generator:
    """Writes the structure function of each class, once, into one shared namespace."""

    def __init__(self, hook: Callable[[Any], Callable[[Any, Any], Any]]) -> None:
        from collabrel._dates import Cadence, CalendarInterval
        from collabrel._stages import Stage

        self.hook = hook
        self.stage: type = Stage  # an enumeration with a hook of its own
        # attrs classes written as one value (text), which have hooks of their own
        self.values: frozenset[type] = frozenset({CalendarInterval, Cadence})
        self.namespace: dict[str, Any] = {
            "_refuse": _refuse,
            "_isfinite": math.isfinite,
            "_fromiso": date.fromisoformat,
        }
        self.names: dict[type, str] = {}  # class -> the name of its function in the namespace
        self.pending: list[type] = []
        self.slots = 0

    def __call__(self, cls: type) -> Callable[[Any], Any]:
        name = self._name(cls)
        while self.pending:  # every class reachable from cls, so every name called exists
            self._generate(self.pending.pop())
        function: Callable[[Any], Any] = self.namespace[name]
        return function

    def _name(self, cls: type) -> str:
        """The name of the structure function of *cls* (queued for generation if new)."""
        if cls not in self.names:
            self.names[cls] = f"s{len(self.names)}_{cls.__name__}"
            self.pending.append(cls)
        return self.names[cls]

    def _slot(self, prefix: str, value: Any) -> str:
        """Put *value* into the namespace under a fresh name, and return the name."""
        self.slots += 1
        name = f"{prefix}{self.slots}"
        self.namespace[name] = value
        return name

    def _hook_call(self, tp: Any) -> str:
        return f"{self._slot('h', self.hook(tp))}(v, {self._slot('t', tp)})"

    def _assign(self, target: str, tp: Any, optional: bool, indent: str) -> list[str]:
        """Lines that check and convert ``v`` of type *tp* and assign it to *target*."""
        if tp is str or tp is bool or tp is int:
            none = "v is None or " if optional else ""
            if tp is int:  # the hook also takes a whole float (1.0): leave that case to it
                hook = self._hook_call(int | None if optional else int)
                return [f"{indent}{target} = v if {none}type(v) is int else {hook}"]
            return [f"{indent}{target} = v if {none}type(v) is {tp.__name__} else _refuse()"]
        if tp is date:  # the hook strips blanks and takes date objects: leave those to it
            hook = self._hook_call(date | None if optional else date)
            return [
                f"{indent}if type(v) is str:",
                f"{indent}    try:",
                f"{indent}        {target} = _fromiso(v)",
                f"{indent}    except ValueError:",
                f"{indent}        {target} = {hook}",
                f"{indent}else:",
                f"{indent}    {target} = {hook}",
            ]
        if tp is float:  # the hook also takes whole numbers (as floats): leave them to it
            hook = self._hook_call(float | None if optional else float)
            none = "v is None or " if optional else ""
            test = f"{none}(type(v) is float and _isfinite(v))"
            return [f"{indent}{target} = v if {test} else {hook}"]
        if isinstance(tp, type) and issubclass(tp, enum.Enum) and tp is not self.stage:
            # the members by value, as the hook looks them up first; anything else: the hook
            members = self._slot("e", tp._value2member_map_)
            hook = self._hook_call(tp)
            lines = [f"{indent}m = {members}.get(v)", f"{indent}if m is None: m = {hook}"]
            if optional:
                lines = [f"{indent}if v is None: m = None", f"{indent}else:"] + [
                    f"    {line}" for line in lines
                ]
            return [*lines, f"{indent}{target} = m"]
        item = _many(tp)
        if item is str:
            return [
                f"{indent}if type(v) is not list: _refuse()",
                f"{indent}for x in v:",
                f"{indent}    if type(x) is not str: _refuse()",
                f"{indent}{target} = tuple(v)",
            ]
        if item is not None and _is_record(item) and item not in self.values:
            function = self._name(item)
            return [
                f"{indent}if type(v) is not list: _refuse()",
                f"{indent}{target} = tuple([{function}(x) for x in v])",
            ]
        if _is_record(tp) and tp not in self.values:
            call = f"{self._name(tp)}(v)"
        else:
            call = self._hook_call(tp)
        expr = f"None if v is None else {call}" if optional else call
        return [f"{indent}{target} = {expr}"]

    def _generate(self, cls: type) -> None:
        hints = typing.get_type_hints(cls)
        fields = [f for f in attrs.fields(cls) if f.init]
        name = self.names[cls]
        constructor = self._slot("cls", cls)
        required: list[str] = []
        body = [
            f"def {name}(o):",
            "    if type(o) is not dict: _refuse()",
            "    res = {}",
        ]
        for n, field in enumerate(fields):
            if not field.name.isidentifier() or keyword.iskeyword(field.name):
                msg = f"cannot generate a fast structure function for {cls.__name__}.{field.name}"
                raise TypeError(msg)
            tp, optional = _unwrap(hints[field.name])
            kw = field.alias or field.name
            if field.default is attrs.NOTHING:
                body.append(f"    v = o[{field.name!r}]")
                body += self._assign(f"a{n}", tp, optional, "    ")
                required.append(f"{kw}=a{n}")
            else:
                body.append(f"    if {field.name!r} in o:")
                body.append(f"        v = o[{field.name!r}]")
                body += self._assign(f"res[{kw!r}]", tp, optional, "        ")
        # every required field was read and every optional one found is in res: any other key
        # is unknown (counting costs less than comparing the keys with the known ones)
        body.append(f"    if len(o) != {len(required)} + len(res): _refuse()")
        body.append(f"    return {constructor}({', '.join([*required, '**res'])})")
        code = compile("\n".join(body), f"<collabrel fast structure {cls.__qualname__}>", "exec")
        exec(code, self.namespace)  # noqa: S102 - generated from the domain classes, never from input


@functools.cache
def _generator(hook_source: Any) -> _Generator:
    return _Generator(hook_source.get_structure_hook)


def fast_structurer(converter: Any, cls: type) -> Callable[[Any], Any]:
    """The generated structure function of *cls*, using *converter*'s hooks for other types."""
    return _generator(converter)(cls)
