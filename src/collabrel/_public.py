"""Public names report the public module they are imported from, not a private one.

``collabrel.Relationship.__module__`` is ``"collabrel"`` (not ``collabrel._model._relationship``),
so reprs, tracebacks, pickles and documentation show the path a user imports from. Annotations
are resolved first, in the defining module, because string annotations are looked up in the
module a class says it belongs to.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["defined_in", "publish"]

_ORIGINS: dict[type, str] = {}


def defined_in(cls: type) -> str:
    """The module that really defines *cls* (for tools that read its source)."""
    return _ORIGINS.get(cls, cls.__module__)


def _is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def _resolve(cls: type) -> None:
    # the class's own dict, changed in place (inspect.get_annotations returns a copy)
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063
    if own:
        hints = typing.get_type_hints(cls)
        for name in own:
            if name in hints:
                own[name] = hints[name]
    if attrs.has(cls):
        attrs.resolve_types(cls)


def publish(module_name: str, namespace: Mapping[str, Any]) -> None:
    """Make the classes of ``namespace["__all__"]`` from private modules report *module_name*.

    Call it at the end of a public package's ``__init__``.
    """
    for name in namespace["__all__"]:
        obj = namespace.get(name)
        if not isinstance(obj, type) or not _is_private(obj.__module__):
            continue
        if not obj.__module__.startswith("collabrel."):
            continue
        for klass in reversed(obj.__mro__):
            if klass.__module__.startswith("collabrel.") and _is_private(klass.__module__):
                _resolve(klass)
        _ORIGINS[obj] = obj.__module__
        obj.__module__ = module_name
