"""Reading the type hints of the domain classes (for the rule schema and the test strategies)."""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any

__all__ = ["element_type", "field_hints", "optional_type"]


@cache
def field_hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of *cls* (cached: the domain classes never change)."""
    return typing.get_type_hints(cls)


def optional_type(hint: Any) -> tuple[Any, bool]:
    """Return the type inside ``X | None`` and whether ``None`` is allowed."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = args[0] if len(args) == 1 else typing.Union[tuple(args)]  # noqa: UP007
        return inner, len(args) < len(typing.get_args(hint))
    return hint, False


def element_type(hint: Any) -> tuple[Any, bool]:
    """Return the element type of ``tuple[X, ...]`` (``None`` unwrapped) and whether it is one."""
    inner, _ = optional_type(hint)
    if typing.get_origin(inner) is tuple:
        items = typing.get_args(inner)
        if items:
            return optional_type(items[0])[0], True
    return inner, False
