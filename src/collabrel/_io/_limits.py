"""The guards for untrusted documents: sizes, depth, node and alias counts, reported problems."""

from __future__ import annotations

import sys
from typing import Any

import attrs

from collabrel.errors import ConfigError, LoadError, Problem

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "cap",
    "check_tree",
    "limits_error",
    "shown",
]

_MiB = 1024 * 1024


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"Limits.{attribute.name} must be a positive whole number, got {value!r}"
        raise ConfigError(msg)


@attrs.frozen(kw_only=True)
class Limits:
    """How much of a document collabrel reads before it refuses it as hostile or broken.

    The defaults suit documents from people and other programs you do not fully trust. Raise
    a limit explicitly when you load a large portfolio you trust, for example
    ``collabrel.load(path, limits=Limits(max_bytes=200 * 1024 * 1024))``. Every limit is
    counted per document, and per record in JSON Lines files and shards, so a JSON Lines
    portfolio of any number of relationships loads with the defaults.

    Example:
        >>> from collabrel import Limits
        >>> Limits(max_problems=10).max_problems
        10
    """

    max_bytes: int = attrs.field(default=20 * _MiB, validator=_positive)
    """Largest document, or JSON Lines record (one line), in bytes of UTF-8 (20 MiB)."""
    max_depth: int = attrs.field(default=64, validator=_positive)
    """Deepest nesting of mappings and lists."""
    max_nodes: int = attrs.field(default=2_000_000, validator=_positive)
    """Most values (mappings, lists, scalars) in one document or record, YAML aliases and
    merge keys counted as the values they stand for."""
    max_aliases: int = attrs.field(default=1000, validator=_positive)
    """Most YAML aliases in one document."""
    max_problems: int = attrs.field(default=100, validator=_positive)
    """Most problems listed in one :class:`~collabrel.errors.LoadError`; the rest are counted
    in a last problem."""
    max_records: int = attrs.field(default=1_000_000, validator=_positive)
    """Most records (relationships) read from one JSON Lines file or folder of shards."""


DEFAULT_LIMITS = Limits()
"""The limits every load uses unless it is given others."""


def limits_error(message: str, source: str, *, hint: str = "", path: str = "$") -> LoadError:
    """Return the :class:`LoadError` of a document refused by a guard."""
    return LoadError([Problem(path=path, message=message, hint=hint)], source=source)


def shown(value: object, width: int = 60) -> str:
    """Return a short ``repr`` of *value* for a message (long values are cut and measured)."""
    if isinstance(value, str) and len(value) > width:
        return f"{value[:width]!r}... ({len(value):,} characters)"
    if isinstance(value, list | tuple | dict) and len(value) > 8:  # noqa: PLR2004 - a glance
        kind = "mapping" if isinstance(value, dict) else "list"
        return f"a {kind} of {len(value):,} items"
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        return f"a deeply nested {type(value).__name__}"
    return text if len(text) <= width else f"{text[:width]}... ({type(value).__name__})"


def cap(problems: list[Problem], limits: Limits) -> list[Problem]:
    """Return at most ``limits.max_problems`` problems, and one more that counts the rest."""
    if len(problems) <= limits.max_problems:
        return problems
    rest = len(problems) - limits.max_problems
    return [
        *problems[: limits.max_problems],
        Problem(
            path="$",
            message=f"{rest:,} more problems are not listed",
            hint="fix the ones above first, or raise Limits.max_problems",
        ),
    ]


class _Marker:
    """A value the parser could not represent; the tree check reports it with its path."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def check_tree(data: Any, source: str, limits: Limits, *, strings: bool = True) -> None:
    """Refuse a parsed document that nests too deep, is too large, or holds bad values.

    Every value is visited once (no recursion): non-text mapping keys, texts with lone
    surrogates (which no UTF-8 document can hold) and values the parser marked as unreadable
    are refused with their path. With ``strings=False`` only containers are visited.
    """
    count = 1
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(data, 1, ())]
    while stack:
        node, depth, where = stack.pop()
        if depth > limits.max_depth:
            raise limits_error(
                f"the document nests deeper than {limits.max_depth} levels",
                source,
                hint="flatten it, or raise Limits.max_depth",
                path=_path(where[: limits.max_depth]),
            )
        kind = type(node)
        if kind is dict:
            count += len(node)
            for key, value in node.items():
                if type(key) is not str:
                    raise limits_error(
                        f"mapping key {shown(key)} is not text",
                        source,
                        hint="quote the key",
                        path=_path(where),
                    )
                _visit(value, depth, (*where, key), stack, source, strings=strings)
        elif kind is list:
            count += len(node)
            for i, value in enumerate(node):
                _visit(value, depth, (*where, i), stack, source, strings=strings)
        if count > limits.max_nodes:
            raise limits_error(
                f"the document has more than {limits.max_nodes} values",
                source,
                hint="split it or remove repeated content, or raise Limits.max_nodes",
            )


def _visit(
    value: Any,
    depth: int,
    where: tuple[str | int, ...],
    stack: list[tuple[Any, int, tuple[str | int, ...]]],
    source: str,
    *,
    strings: bool,
) -> None:
    kind = type(value)
    if kind is dict or kind is list:
        stack.append((value, depth + 1, where))
    elif kind is str:
        if strings and not value.isascii() and has_surrogate(value):
            raise limits_error(
                "the text holds a lone surrogate (an unpaired \\ud800-\\udfff escape), "
                "which no UTF-8 document can hold",
                source,
                hint="remove it or write the full character",
                path=_path(where),
            )
    elif kind is _Marker:
        raise limits_error(value.message, source, path=_path(where))


def has_surrogate(text: str) -> bool:
    """Whether *text* holds a lone surrogate (it cannot be encoded as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _path(where: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in where)


def path_of(where: tuple[str | int, ...]) -> str:
    """Return the ``$.a[0].b`` path of the keys and indexes in *where*."""
    return _path(where)


def marker(message: str) -> Any:
    """Return a value that :func:`check_tree` refuses with *message* and its path."""
    return _Marker(message)


def too_many_digits(digits: str) -> Any:
    """Return the marker of an integer with more digits than Python converts."""
    return _Marker(
        f"the number has {len(digits):,} digits, more than the "
        f"{sys.get_int_max_str_digits():,} a document may hold"
    )
