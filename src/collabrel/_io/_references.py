"""Reference and uniqueness checks of a portfolio in one linear pass.

The checks are those of :meth:`collabrel.Portfolio.problems`, in the same order and with the
same messages: relationship and person ids are unique, each relationship lists the
organization's own party once, and every party, person, relationship and context reference
(a risk's ``source_ref``: an issue of the context or a stakeholder) resolves.
The references of each object are gathered without building any path; only an object with a
broken reference is walked again to name the path of each one. Lists of known ids in hints
are cut to a few names.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from collabrel._model import Organization, Portfolio, Relationship
from collabrel._model._common import ref_kind
from collabrel._model._organization import CONTEXT_HINT, context_sources
from collabrel.errors import Problem

__all__ = ["built_problems", "declared_ids", "local_problems", "reference_problems"]

_SHOWN_IDS = 10

# (field name, reference kind or None, whether a tuple, plan of the nested record or None)
_Entry = tuple[str, str | None, bool, tuple[Any, ...] | None]


def _unwrap(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = args[0] if len(args) == 1 else hint
    if typing.get_origin(hint) is tuple:
        return typing.get_args(hint)[0], True
    return hint, False


@functools.cache
def _plan(cls: Any) -> tuple[_Entry, ...]:
    """The fields of *cls* that hold references, directly or in nested records."""
    hints = typing.get_type_hints(cls)
    entries: list[_Entry] = []
    for field in attrs.fields(cls):
        kind = ref_kind(field)
        inner, many = _unwrap(hints[field.name])
        if kind is not None:
            entries.append((field.name, kind, many, None))
        elif isinstance(inner, type) and attrs.has(inner):
            sub = _plan(inner)
            if sub:
                entries.append((field.name, None, many, sub))
    return tuple(entries)


_KINDS = ("party", "person", "relationship", "context")


class _Gatherers:
    """One generated function per class that appends the references below an object.

    ``g(obj, party, person, relationship, context)`` appends every reference of *obj* and of
    the records below it to the list of its kind, in field order, following the plan of
    :func:`_plan`: nested records by their declared type, tuples item by item. The functions
    share one namespace and call each other by name (the code comes from the model's field
    names, never from data).
    """

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.names: dict[Any, str] = {}
        self.pending: list[Any] = []

    def __call__(self, cls: Any) -> Any:
        name = self._name(cls)
        while self.pending:
            self._generate(self.pending.pop())
        return self.namespace[name]

    def _name(self, cls: Any) -> str:
        if cls not in self.names:
            self.names[cls] = f"g{len(self.names)}"
            self.pending.append(cls)
        return self.names[cls]

    def _generate(self, cls: Any) -> None:
        args = ", ".join(_KINDS)
        body = [f"def {self.names[cls]}(o, {args}):"]
        for name, kind, many, _sub in _plan(cls):
            if not name.isidentifier() or (kind is not None and kind not in _KINDS):
                # pragma: no cover - a model change the tests of this module would catch
                msg = f"cannot generate a reference gatherer for {cls!r}.{name}"
                raise TypeError(msg)
            body.append(f"    v = o.{name}")
            body.append("    if v is not None:")
            if kind is not None:
                body.append(f"        {kind}.{'extend' if many else 'append'}(v)")
                continue
            call = f"{self._name(self._declared(cls, name))}({{}}, {args})"
            if many:
                body.append(f"        for x in v: {call.format('x')}")
            else:
                body.append(f"        {call.format('v')}")
        body.append("    return None")
        code = compile("\n".join(body), f"<collabrel references {cls.__qualname__}>", "exec")
        exec(code, self.namespace)  # noqa: S102 - generated from the domain classes only

    @staticmethod
    def _declared(owner: Any, name: str) -> Any:
        """The record class a field holds (the item class of a tuple)."""
        return _unwrap(typing.get_type_hints(owner)[name])[0]


_GATHERERS = _Gatherers()


@functools.cache
def _gatherer(cls: Any) -> Any:
    return _GATHERERS(cls)


def _kind(obj: object) -> Any:
    return type(obj)


def _refs(obj: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {kind: [] for kind in _KINDS}
    _gatherer(_kind(obj))(obj, *found.values())
    return found


def _walk(obj: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Yield ``(path, kind, value)`` for every reference below *obj*, in field order."""
    for name, kind, many, _sub in _plan(_kind(obj)):
        value = getattr(obj, name)
        here = f"{path}.{name}"
        if value is None:
            continue
        if kind is not None:
            if many:
                for i, item in enumerate(value):
                    yield f"{here}[{i}]", kind, item
            else:
                yield here, kind, value
        elif many:
            for i, item in enumerate(value):
                yield from _walk(item, f"{here}[{i}]")
        else:
            yield from _walk(value, here)


def _duplicates(ids: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    dups: set[str] = set()
    for i in ids:
        if i in seen:
            dups.add(i)
        seen.add(i)
    return sorted(dups)


def _some(ids: Iterable[str]) -> str:
    ordered = sorted(ids)
    if not ordered:
        return "none"
    if len(ordered) <= _SHOWN_IDS:
        return ", ".join(ordered)
    return f"{', '.join(ordered[:_SHOWN_IDS])}, ... ({len(ordered):,} in all)"


class _Checker:
    def __init__(
        self,
        people: set[str] | None,
        relationships: set[str] | None,
        out: list[Problem],
        org: Organization | None = None,
    ) -> None:
        self.people = people
        self.relationships = relationships
        self.out = out
        self.org = org
        self._sources: frozenset[str] | None = None

    def known_sources(self, named: list[str]) -> bool:
        """Whether every context reference in *named* resolves (always, without the org)."""
        if not named or self.org is None:
            return True
        if self._sources is None:  # built when first needed
            self._sources = context_sources(self.org)
        return self._sources.issuperset(named)

    def unknown_source(self, value: str) -> bool:
        """Whether *value* names no issue of the context and no stakeholder."""
        return not self.known_sources([value])

    def check(self, obj: Any, path: str, parties: set[str] | None, where: str) -> None:
        """Report the references of *obj* that do not resolve (parties: None, unchecked)."""
        refs = _refs(obj)
        if (
            (parties is None or parties.issuperset(refs["party"]))
            and (self.people is None or self.people.issuperset(refs["person"]))
            and (self.relationships is None or self.relationships.issuperset(refs["relationship"]))
            and self.known_sources(refs["context"])
        ):
            return
        for ref_path, kind, value in _walk(obj, path):
            if kind == "party" and parties is not None and value not in parties:
                self.out.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown party {value!r}",
                        hint=f"use one of the parties of {where}: {_some(parties)}",
                    )
                )
            elif kind == "person" and self.people is not None and value not in self.people:
                self.out.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown person {value!r}",
                        hint="add the person to organization.people or to a party's contacts",
                    )
                )
            elif (
                kind == "relationship"
                and self.relationships is not None
                and value not in self.relationships
            ):
                self.out.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown relationship {value!r}",
                        hint=f"known relationships: {_some(self.relationships)}",
                    )
                )
            elif kind == "context" and self.unknown_source(value):
                self.out.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown context issue or stakeholder {value!r}",
                        hint=CONTEXT_HINT,
                    )
                )


def _own_party(rel: Relationship, path: str, org: Organization, out: list[Problem]) -> set[str]:
    party_ids = [p.id for p in rel.parties]
    out.extend(
        Problem(path=f"{path}.parties", message=f"party id {dup!r} is listed twice")
        for dup in _duplicates(party_ids)
    )
    if org.id not in party_ids:
        out.append(
            Problem(
                path=f"{path}.parties",
                message=f"the organization's own party {org.id!r} is not among the parties",
                hint=f"add {{id: {org.id}, name: {org.name}}} to the parties",
            )
        )
    return set(party_ids)


def local_problems(rel: Relationship, path: str, org: Organization | None) -> list[Problem]:
    """The problems one relationship shows on its own: its parties and its party references.

    With *org*, the context references (a risk's ``source_ref``) are checked too. Person and
    relationship references need the whole portfolio and are not checked here.
    """
    out: list[Problem] = []
    if org is not None:
        parties = _own_party(rel, path, org, out)
    else:
        parties = {p.id for p in rel.parties}
        out.extend(
            Problem(path=f"{path}.parties", message=f"party id {dup!r} is listed twice")
            for dup in _duplicates(p.id for p in rel.parties)
        )
    _Checker(None, None, out, org).check(rel, path, parties, f"relationship {rel.id!r}")
    return out


def reference_problems(portfolio: Portfolio) -> list[Problem]:
    """Every reference and uniqueness problem of *portfolio*, as ``Portfolio.problems()``."""
    return built_problems(portfolio.organization, portfolio.relationships)


def built_problems(
    org: Organization | None,
    rels: Sequence[Relationship],
    *,
    positions: Sequence[int] | None = None,
    other_relationships: Iterable[str] | None = (),
    other_people: Iterable[str] | None = (),
    complete: bool = True,
) -> list[Problem]:
    """The reference and uniqueness problems of what a load built, despite problems elsewhere.

    *rels* were built from the document's relationships at *positions* (all of them, in
    order, when None); *org* is None when the organization could not be built.
    *other_relationships* and *other_people* are the ids the records that were not built
    declare, or None when those records are too broken to read them: a reference that might
    point into such a record is then not checked, so that no problem reported is spurious.
    *complete* is False when some relationship records were not built: the party references
    of the organization (which may name their parties) are then not checked.
    Without the organization, only each relationship's own parties and party references, and
    the uniqueness of the ids, are checked.
    """
    where = list(range(len(rels))) if positions is None else list(positions)
    out: list[Problem] = []
    rel_ids = [r.id for r in rels]
    known_rels = None if other_relationships is None else [*rel_ids, *other_relationships]
    out.extend(
        Problem(
            path="$.relationships",
            message=f"relationship id {dup!r} is used more than once",
            hint="give every relationship its own id",
        )
        for dup in _duplicates(known_rels if known_rels is not None else rel_ids)
    )
    people = [p.id for p in org.people] if org is not None else []
    for rel in rels:
        for party in rel.parties:
            people.extend(c.id for c in party.contacts)
    if other_people is not None:
        people.extend(other_people)
    out.extend(
        Problem(
            path="$",
            message=f"person id {dup!r} is used more than once",
            hint="person ids must be unique across the organization and all parties",
        )
        for dup in _duplicates(people)
    )
    if org is None:
        for i, rel in zip(where, rels, strict=True):
            out.extend(local_problems(rel, f"$.relationships[{i}]", None))
        return out
    checker = _Checker(
        None if other_people is None else set(people),
        None if known_rels is None else set(known_rels),
        out,
        org,
    )
    all_parties = {org.id} | {p.id for r in rels for p in r.parties}
    checker.check(org, "$.organization", all_parties if complete else None, "the portfolio")
    for i, rel in zip(where, rels, strict=True):
        path = f"$.relationships[{i}]"
        parties = _own_party(rel, path, org, out)
        checker.check(rel, path, parties, f"relationship {rel.id!r}")
    return out


def declared_ids(data: object) -> tuple[str | None, list[str] | None]:
    """The id and the contacts' person ids a relationship record that was not built declares.

    None for either when the record is too broken to tell.
    """
    if type(data) is not dict:
        return None, None
    rel_id = data.get("id")
    shown_id = rel_id if type(rel_id) is str else None
    parties = data.get("parties", [])
    if type(parties) is not list:
        return shown_id, None
    people: list[str] = []
    for party in parties:
        contacts = party.get("contacts", []) if type(party) is dict else None
        if type(contacts) is not list:
            return shown_id, None
        for contact in contacts:
            person = contact.get("id") if type(contact) is dict else None
            if type(person) is not str:
                return shown_id, None
            people.append(person)
    return shown_id, people
