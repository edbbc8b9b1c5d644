"""The domain schema that rule paths are resolved against.

A fact path is a dotted name relative to the rule's subject (``working.agreement.covers``). In
a relationship rule, the reserved root ``organization.`` reaches the organization. Inside a
``for_each`` the path is relative to the element, and ``relationship.`` reaches the
relationship. Only attrs fields of the domain classes and a few declared derived properties
can be named: no private or dunder name, no method, nothing else.
"""

from __future__ import annotations

import difflib
from typing import Any

import attrs

from collabrel._facts import FactField, Facts, FactSchema
from collabrel._model import Organization, Portfolio, Relationship, RiskItem
from collabrel._model._checks import DIMENSION
from collabrel._typing import element_type, field_hints
from collabrel.errors import UnknownFieldError

__all__ = ["ROOTS", "Path", "PathInfo", "resolve", "split_root"]

Path = tuple[str, ...]
"""A canonical fact path: the root (``rel`` or ``org``) followed by field names."""

ROOTS = {"organization": "org", "relationship": "rel"}

# Derived read-only properties a rule may name, with the fields they are computed from; the
# engine tracks the fields, so a change to them re-evaluates the rules that read the property.
DERIVED: dict[type, dict[str, tuple[Any, tuple[str, ...]]]] = {
    RiskItem: {"rating": (int | None, ("likelihood", "impact"))},
    Relationship: {"party_ids": (tuple[str, ...], ("parties",))},
}


@attrs.frozen
class PathInfo:
    """What a resolved path points at."""

    path: Path
    """The canonical path (root first); derived properties are replaced by their sources."""
    value_type: Any
    """The type at the end (``None`` unwrapped), for a collection the element type."""
    is_collection: bool
    """Whether the value is a tuple of elements."""
    reads: tuple[Path, ...]
    """The canonical paths read (more than one for a derived property)."""
    getter_names: tuple[str, ...]
    """The attribute names to follow from the scope object."""
    through_collection: bool = False
    """Whether the path crosses a collection (only allowed as a for_each scope)."""
    fact: FactField | None = None
    """The declared organization-specific fact the path ends at (``facts.<name>``)."""
    unchecked_fact: bool = False
    """Whether the path names an organization-specific fact no schema was given for: its type
    is checked when the rule is used on a portfolio (whose organization declares its facts)."""
    quantity: bool = False
    """Whether the path ends at a quantity field of the model (its type reads as ``Any``)."""
    dimension: str | None = None
    """What that quantity measures (``"money"``, ``"effort"``; None: any quantity)."""


def fields_of(cls: type) -> dict[str, Any]:
    """Return the names a path may use on *cls* with their types (fields and derived)."""
    if not attrs.has(cls):
        return {}
    hints = field_hints(cls)
    out = {f.name: hints.get(f.name, Any) for f in attrs.fields(cls)}
    for name, (tp, _) in DERIVED.get(cls, {}).items():
        out[name] = tp
    return out


def split_root(text: str, default_root: str) -> tuple[str, list[str]]:
    """Split ``organization.policy.values`` into (``org``, [``policy``, ``values``])."""
    parts = text.split(".") if text else []
    if parts and parts[0] in ROOTS:
        return ROOTS[parts[0]], parts[1:]
    return default_root, parts


def root_class(root: str) -> type:
    """Return the domain class of a canonical root name."""
    return {"rel": Relationship, "org": Organization, "portfolio": Portfolio}[root]


def resolve(
    text: str,
    *,
    scope: type,
    scope_path: Path,
    default_root: str,
    rule_id: str = "",
    allow_collection_hop: bool = False,
    facts: FactSchema | None = None,
) -> PathInfo:
    """Resolve a dotted *text* path against the schema.

    Args:
        text: the path as written.
        scope: the class the path is relative to (unless it starts with a reserved root).
        scope_path: the canonical path of the scope (for the read set).
        default_root: ``rel`` or ``org``, the root of the rule's subject.
        rule_id: for error messages.
        allow_collection_hop: allow crossing a collection (used for for_each scopes only).
        facts: the declared organization-specific facts; without it a ``facts.<name>`` path
            is accepted unchecked (its type is checked when the rule meets a portfolio).

    Raises:
        UnknownFieldError: with a did-you-mean, for an unknown, private or dunder name.
    """
    who = f"Rule {rule_id!r}" if rule_id else "A rule"
    if not isinstance(text, str) or not text.strip():
        raise UnknownFieldError(f"{who} names an empty fact path; write a dotted field path")
    parts_text = text.strip()
    if parts_text.split(".")[0] in ROOTS:
        root, parts = split_root(parts_text, default_root)
        if root == "rel" and default_root == "org":
            raise UnknownFieldError(
                f"{who} reads {text!r}, but an organization rule has no relationship; "
                "read relationships through a relationship-level rule"
            )
        cls: type = root_class(root)
        base: Path = (root,)
        getter_prefix: tuple[str, ...] = ("@" + root,)
    else:
        parts = parts_text.split(".")
        cls = scope
        base = scope_path
        getter_prefix = ()
    if not parts:
        return PathInfo(base, cls, False, (base,), getter_prefix)
    current: Any = cls
    owner_kind = "relationship"
    canonical = list(base)
    is_coll = False
    crossed = False
    reads: tuple[Path, ...] | None = None
    quantity: tuple[bool, str | None] = (False, None)
    for i, name in enumerate(parts):
        if not name or name.startswith("_") or not name.isidentifier():
            raise UnknownFieldError(
                f"{who} reads {text!r}: {name!r} is not a field name (private and dunder "
                "names are never allowed)"
            )
        if is_coll:
            if not allow_collection_hop:
                raise UnknownFieldError(
                    f"{who} reads {text!r}: {'.'.join(parts[:i])!r} is a collection; use "
                    "for_each or count_at_least to look inside it"
                )
            crossed = True
        if current is Facts:
            return _fact_path(
                text, parts, i, canonical, getter_prefix, kind=owner_kind, facts=facts, who=who
            )
        known = fields_of(current) if isinstance(current, type) else {}
        if name not in known:
            owner = getattr(current, "__name__", str(current))
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = (
                f" Did you mean {close[0]!r}?"
                if close
                else (
                    f" {owner} has: {', '.join(sorted(known))}."
                    if known
                    else f" {owner} has no fields."
                )
            )
            raise UnknownFieldError(
                f"{who} reads {text!r}, but {owner} has no field {name!r}.{hint}"
            )
        derived = DERIVED.get(current, {}).get(name) if isinstance(current, type) else None
        if derived is not None:
            if i != len(parts) - 1:
                raise UnknownFieldError(f"{who} reads {text!r}: {name!r} is a computed value")
            reads = tuple((*canonical, src) for src in derived[1])
        canonical.append(name)
        owner_kind = "organization" if current is Organization else "relationship"
        quantity = _quantity_field(current, name)
        current, is_coll = element_type(known[name])
    path = tuple(canonical)
    return PathInfo(
        path=path,
        value_type=current,
        is_collection=is_coll,
        reads=reads if reads is not None else (path,),
        getter_names=(*getter_prefix, *parts),
        through_collection=crossed,
        quantity=quantity[0],
        dimension=quantity[1],
    )


def _quantity_field(owner: Any, name: str) -> tuple[bool, str | None]:
    """Whether *owner*'s field *name* holds a quantity, and what it measures."""
    if not (isinstance(owner, type) and attrs.has(owner)):
        return False, None
    field = attrs.fields_dict(owner).get(name)
    if field is None or DIMENSION not in field.metadata:
        return False, None
    dimension = field.metadata[DIMENSION]
    return True, dimension if isinstance(dimension, str) else None


def _fact_path(
    text: str,
    parts: list[str],
    i: int,
    canonical: list[str],
    getter_prefix: tuple[str, ...],
    *,
    kind: str,
    facts: FactSchema | None,
    who: str,
) -> PathInfo:
    """Resolve ``facts.<name>``: a declared fact of the organization or of a relationship."""
    name = parts[i]
    if i != len(parts) - 1:
        raise UnknownFieldError(
            f"{who} reads {text!r}: a fact is a value, it has no fields ({name!r} is a fact)"
        )
    path = (*canonical, name)
    getter_names = (*getter_prefix, *parts)
    if facts is None:
        return PathInfo(path, Any, False, (path,), getter_names, unchecked_fact=True)
    try:
        field = facts.field("organization" if kind == "organization" else "relationship", name)
    except UnknownFieldError as exc:
        raise UnknownFieldError(f"{who} reads {text!r}: {exc}") from None
    return PathInfo(path, field.value_type, field.list, (path,), getter_names, fact=field)
