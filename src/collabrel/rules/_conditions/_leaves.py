"""Leaf conditions: a fact is recorded, compares with a value, is signed off, passes a check."""

from __future__ import annotations

import abc
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import attrs

from collabrel.errors import RuleDefinitionError, UnknownFieldError
from collabrel.rules._conditions._base import (
    HELD,
    Binder,
    Bound,
    Condition,
    DataReader,
    Env,
    Trace,
    Tri,
    as_tuple,
    coerce_literal,
    getter,
    literal_data,
    operand,
    reads_of,
    show,
)

__all__ = [
    "AgreedByAllParties",
    "AtLeast",
    "AtMost",
    "Check",
    "Equals",
    "NonEmpty",
    "OneOf",
    "Present",
    "Unmet",
    "arity_mismatch",
    "function_name",
    "truth",
    "unmet",
]


@attrs.frozen
class Present(Condition):
    """The fact at ``path`` is recorded (not missing)."""

    keyword: ClassVar[str] = "present"
    path: str

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = getter(info)

        def fn(o: Any, e: Env) -> Tri:
            return get(o, e) is not None

        path = self.path
        node, hint = f"{path} is recorded", f"record {path}"

        def trace(o: Any, e: Env) -> Trace:
            v = get(o, e)
            return Trace(
                node=node,
                outcome=v is not None,
                path=path,
                actual=show(v),
                expected="recorded",
                hint=hint,
            )

        return Bound(condition=self, fn=fn, reads=reads_of(info), trace=trace)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: self.path}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        return cls(reader.path(body, where))


def _non_empty_value(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, str):
        return bool(v.strip())
    if isinstance(v, tuple | list | frozenset | set | dict):
        return len(v) > 0
    return True


@attrs.frozen
class NonEmpty(Condition):
    """The fact at ``path`` is recorded and not empty (text, list)."""

    keyword: ClassVar[str] = "non_empty"
    path: str

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = getter(info)

        def fn(o: Any, e: Env) -> Tri:
            return _non_empty_value(get(o, e))

        path = self.path
        node, hint = f"{path} is filled in", f"fill in {path}"

        def trace(o: Any, e: Env) -> Trace:
            v = get(o, e)
            return Trace(
                node=node,
                outcome=_non_empty_value(v),
                path=path,
                actual=show(v),
                expected="not empty",
                hint=hint,
            )

        return Bound(condition=self, fn=fn, reads=reads_of(info), trace=trace)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: self.path}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        return cls(reader.path(body, where))


@attrs.frozen
class _Comparison(Condition):
    """Base of the comparisons of a fact with a literal or another fact."""

    verb: ClassVar[str]

    @staticmethod
    @abc.abstractmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""

    path: str
    value: Any

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = getter(info)
        other, other_reads, shown = operand(binder, self.value, info, self.path)
        op = type(self).op
        verb = self.verb

        def fn(o: Any, e: Env) -> Tri:
            v = get(o, e)
            w = other(o, e)
            if v is None or w is None:
                return None
            try:
                return bool(op(v, w))
            except (TypeError, ValueError):
                return None

        path = self.path
        node = f"{path} {verb} {shown}"

        def trace(o: Any, e: Env) -> Trace:
            v, w = get(o, e), other(o, e)
            wanted = show(w)
            return Trace(
                node=node,
                outcome=fn(o, e),
                path=path,
                actual=show(v),
                expected=f"{verb} {wanted}",
                hint=f"make {path} {verb} {wanted}",
            )

        return Bound(condition=self, fn=fn, reads=reads_of(info) | other_reads, trace=trace)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"path": self.path, "value": literal_data(self.value)}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("path", "value"))
        path, info = reader.collection(fields["path"], f"{where}.path")
        value = reader.literal(fields["value"], f"{where}.value")
        reader.typed(info, value, path, f"{where}.value")
        return cls(path, value)


@attrs.frozen
class Equals(_Comparison):
    """The fact at ``path`` equals ``value`` (a literal or a :func:`ref`)."""

    keyword: ClassVar[str] = "equals"
    verb: ClassVar[str] = "equals"

    @staticmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""
        return bool(actual == expected)


@attrs.frozen
class AtLeast(_Comparison):
    """The fact at ``path`` is at least ``value`` (numbers, quantities, dates)."""

    keyword: ClassVar[str] = "at_least"
    verb: ClassVar[str] = "is at least"

    @staticmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""
        return bool(actual >= expected)


@attrs.frozen
class AtMost(_Comparison):
    """The fact at ``path`` is at most ``value`` (numbers, quantities, dates)."""

    keyword: ClassVar[str] = "at_most"
    verb: ClassVar[str] = "is at most"

    @staticmethod
    def op(actual: Any, expected: Any) -> bool:
        """Compare the fact with the expected value."""
        return bool(actual <= expected)


@attrs.frozen
class OneOf(Condition):
    """The fact at ``path`` is one of ``values``."""

    keyword: ClassVar[str] = "one_of"
    path: str
    values: tuple[Any, ...] = attrs.field(converter=as_tuple)

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = getter(info)
        allowed = frozenset(coerce_literal(info, v, self.path) for v in self.values)

        def fn(o: Any, e: Env) -> Tri:
            v = get(o, e)
            return None if v is None else v in allowed

        path = self.path
        choices = ", ".join(str(x) for x in self.values)
        node, expected = f"{path} is one of {choices}", f"one of {choices}"
        hint = f"set {path} to one of {choices}"

        def trace(o: Any, e: Env) -> Trace:
            return Trace(
                node=node,
                outcome=fn(o, e),
                path=path,
                actual=show(get(o, e)),
                expected=expected,
                hint=hint,
            )

        return Bound(condition=self, fn=fn, reads=reads_of(info), trace=trace)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"path": self.path, "values": [literal_data(v) for v in self.values]}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("path", "values"))
        values = fields["values"]
        if not isinstance(values, list) or not values:
            raise reader.refuse(f"{where}.values", "one_of takes a non-empty list of values")
        path, info = reader.collection(fields["path"], f"{where}.path")
        read = tuple(reader.plain(v, f"{where}.values[{i}]") for i, v in enumerate(values))
        for i, v in enumerate(read):
            reader.typed(info, v, path, f"{where}.values[{i}]")
        return cls(path, read)


def _unsigned(art: Any, missing: frozenset[str], has_version: bool) -> str:
    """Who has not signed the current version, and what each of them signed before."""
    of = f" of version {art.version}" if has_version else ""
    earlier = []
    for party in sorted(missing):
        last = max(
            (s for s in art.agreed_by if s.party == party), key=lambda s: s.version, default=None
        )
        if last is not None:
            earlier.append(f"{party} signed version {last.version} on {last.signed_on.isoformat()}")
    before = f" ({'; '.join(earlier)})" if earlier else ""
    return f"missing sign-off by {', '.join(sorted(missing))}{of}{before}"


@attrs.frozen
class AgreedByAllParties(Condition):
    """The joint artefact at ``path`` is signed off by every party for its current version."""

    keyword: ClassVar[str] = "agreed_by_all_parties"
    path: str

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        if info.path[0] != "rel" and binder.default_root != "rel":
            raise RuleDefinitionError(
                "agreed_by_all_parties needs a relationship: use it in a relationship rule"
            )
        fields = getattr(info.value_type, "__attrs_attrs__", ())
        names = {f.name for f in fields}
        if "agreed_by" not in names:
            raise UnknownFieldError(
                f"agreed_by_all_parties needs an artefact with agreed_by; {self.path!r} has none"
            )
        has_version = "version" in names
        get = getter(info)

        def missing(o: Any, e: Env) -> frozenset[str] | None:
            art = get(o, e)
            if art is None:
                return None
            version = art.version if has_version else None
            signed = {s.party for s in art.agreed_by if version is None or s.version == version}
            return e.parties - signed

        def fn(o: Any, e: Env) -> Tri:
            m = missing(o, e)
            return False if m is None else not m

        def trace(o: Any, e: Env) -> Trace:
            m = missing(o, e)
            if m is None:
                return Trace(
                    node=f"{self.path} agreed by every party",
                    outcome=False,
                    path=f"{self.path}.agreed_by",
                    actual="missing",
                    expected=f"sign-off by {', '.join(sorted(e.parties))}",
                    hint=f"record {self.path} and every party's sign-off",
                )
            art = get(o, e)
            version = f" (version {art.version})" if has_version else ""
            return Trace(
                node=f"{self.path} agreed by every party{version}",
                outcome=not m,
                path=f"{self.path}.agreed_by",
                actual=_unsigned(art, m, has_version) if m else "signed by every party",
                expected=f"sign-off by {', '.join(sorted(e.parties))}",
                hint=f"get {', '.join(sorted(m))} to sign the current version" if m else None,
            )

        reads = {(*info.path, "agreed_by"), ("rel", "parties")}
        if has_version:
            reads.add((*info.path, "version"))
        return Bound(condition=self, fn=fn, reads=frozenset(reads), trace=trace)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: self.path}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        return cls(reader.path(body, where))


@attrs.frozen
class Unmet:
    """A ``check`` function's "no", with the reason: false wherever a truth value is read.

    A check function returns ``True``, ``None`` (unknown) or ``False``; returning
    :func:`unmet` instead of ``False`` lets the explanation say what is wrong (the missing
    party, the offending value) instead of listing the function's arguments.
    """

    reason: str
    """What is wrong, naming the missing item or the offending value."""
    path: str | None = None
    """The fact the reason is about, when it is not the check's first path."""

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.reason


def unmet(reason: str, *, path: str | None = None) -> Unmet:
    """Return a false result of a ``check`` function that says why it is false.

    *path* names the fact the reason is about when it is not the check's first path (a check
    over several artefacts says which one fails).

    Example:
        >>> from collabrel.rules import unmet
        >>> def two_or_more(items):
        ...     '''At least two entries are recorded.'''
        ...     if items is None:
        ...         return None
        ...     return len(items) >= 2 or unmet(f"only {len(items)} recorded")
        >>> bool(two_or_more(("a",)))
        False
        >>> str(two_or_more(("a",)))
        'only 1 recorded'
    """
    return Unmet(reason, path)


def truth(result: object, name: str) -> bool | None:
    """A check function's result as a truth value: ``True``, ``False`` or ``None``.

    An :class:`Unmet` is false; anything else is the function's mistake, refused.
    """
    if result is None or result is True or result is False:
        return result
    if isinstance(result, Unmet):
        return False
    msg = (
        f"check function {name!r} returned {result!r} ({type(result).__name__}); it must "
        "return True, False (or unmet(reason)) or None (unknown)"
    )
    raise TypeError(msg)


def function_name(function: Callable[..., Any]) -> str:
    """The name a ``check`` function goes by in rule files (its ``__name__``)."""
    return str(getattr(function, "__name__", ""))


def arity_mismatch(function: Callable[..., Any], paths: tuple[str, ...]) -> str | None:
    """Say why *function* cannot take one argument per path of *paths* (``None`` if it can)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin without a signature: checked when it runs
        return None
    try:
        signature.bind(*paths)
    except TypeError as exc:
        name = function_name(function)
        return (
            f"check function {name!r} cannot take the {len(paths)} fact(s) {list(paths)} "
            f"({exc}); its signature is {name}{signature}: give one path per parameter"
        )
    return None


def _check_function(_instance: Check, _attribute: Any, function: Any) -> None:
    if isinstance(function, str):
        raise RuleDefinitionError(
            f"check() takes the function itself, not its name: write check({function}, ...) "
            "with the function object (rule files name functions and pass functions={...})"
        )
    if not callable(function):
        raise RuleDefinitionError(f"check() needs a function; got {function!r}")
    name = function_name(function)
    if not name.isidentifier():
        raise RuleDefinitionError(
            f"check() needs a named function (def {name or 'name'}(...)), not {function!r}: "
            "its name stands for it in rule files and explanations"
        )


@attrs.frozen
class Check(Condition):
    """A pure function applied to the facts at ``paths`` returns true (``None``: unknown)."""

    keyword: ClassVar[str] = "check"
    function: Callable[..., Any] = attrs.field(validator=_check_function)
    paths: tuple[str, ...] = attrs.field(converter=as_tuple)

    @property
    def name(self) -> str:
        """The function's name, as rule files write it."""
        return function_name(self.function)

    def bind(self, binder: Binder) -> Bound:
        impl = self.function
        mismatch = arity_mismatch(impl, self.paths)
        if mismatch:
            who = f"Rule {binder.rule_id!r}" if binder.rule_id else "A rule"
            raise RuleDefinitionError(f"{who}: {mismatch}")
        infos = [binder.path(p) for p in self.paths]
        getters = [getter(i) for i in infos]

        name = self.name
        paths = self.paths
        first = paths[0] if paths else None
        node = f"{name}({', '.join(paths)})"
        hint = getattr(impl, "__doc__", None)

        def fn(o: Any, e: Env) -> Tri:
            return truth(impl(*[g(o, e) for g in getters]), name)

        def traced(args: list[Any], result: Any, outcome: Tri) -> Trace:
            path = first
            if isinstance(result, Unmet):  # the function said what is wrong
                actual = result.reason
                path = result.path or path
            elif outcome is None:  # unknown: name the facts that are missing
                missing = [p for p, a in zip(paths, args, strict=True) if a is None]
                path = missing[0] if missing else path
                actual = "not recorded" if missing else "undecided"
                if len(missing) > 1:
                    actual += f" (nor {', '.join(missing[1:])})"
            else:
                actual = ", ".join([show(a) for a in args])
            return Trace(
                node=node, outcome=outcome, path=path, actual=actual, expected="true", hint=hint
            )

        def trace(o: Any, e: Env) -> Trace:
            args = [g(o, e) for g in getters]
            result = impl(*args)
            return traced(args, result, truth(result, name))

        def brief(o: Any, e: Env) -> Trace:
            args = [g(o, e) for g in getters]
            result = impl(*args)
            outcome = truth(result, name)
            return HELD if outcome is True else traced(args, result, outcome)

        return Bound(condition=self, fn=fn, reads=reads_of(*infos), trace=trace, brief=brief)

    def to_data(self) -> dict[str, Any]:
        return {self.keyword: {"function": self.name, "paths": list(self.paths)}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("function", "paths"))
        paths = fields["paths"]
        if not isinstance(paths, list):
            raise reader.refuse(f"{where}.paths", "paths is a list of fact paths")
        function = reader.function(fields["function"], f"{where}.function")
        read = tuple(reader.path(p, f"{where}.paths[{i}]") for i, p in enumerate(paths))
        if isinstance(function, str):  # unknown: reported by the reader, the rule is not built
            return Present(read[0] if read else "id")
        mismatch = arity_mismatch(function, read)
        if mismatch:
            raise reader.refuse(f"{where}.paths", mismatch)
        return cls(function, read)
