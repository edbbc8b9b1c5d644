"""The portfolio: one organization's CBRMS and its relationships, the whole fact base."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from functools import cache
from typing import Any, cast

import attrs

from collabrel._facts import Facts
from collabrel._model._checks import checked
from collabrel._model._common import many, ref_kind
from collabrel._model._organization import CONTEXT_HINT, Organization, context_sources
from collabrel._model._relationship import Relationship
from collabrel.errors import LoadError, Problem, UnknownSubjectError

__all__ = ["Portfolio"]


@attrs.frozen(kw_only=True, field_transformer=checked)
class Portfolio:
    """One organization's CBRMS and its portfolio of business relationships.

    This is the fact base every rule reads. It is an immutable value: ``with_relationship``
    and ``without_relationship`` return a new portfolio and share everything unchanged.
    """

    organization: Organization
    """The organization and its corporate layer."""
    relationships: tuple[Relationship, ...] = many()
    """Its business relationships."""

    def __attrs_post_init__(self) -> None:
        # every relationship's facts are checked against the organization's declared schema
        fields = self.organization.fact_schema.relationship
        problems: list[Problem] = []
        typed: list[Relationship] | None = None
        for i, rel in enumerate(self.relationships):
            facts = rel.facts
            if facts.fields is fields or not (fields or facts):
                continue
            try:
                new = Facts.typed(fields, facts)
            except LoadError as exc:
                problems += [
                    attrs.evolve(p, path=f"$.relationships[{i}].facts{p.path[1:]}")
                    for p in exc.problems
                ]
                continue
            if typed is None:
                typed = list(self.relationships)
            typed[i] = _with_facts(rel, new)
        if problems:
            raise LoadError(problems, source="<portfolio>")
        if typed is not None:
            object.__setattr__(self, "relationships", tuple(typed))

    def relationship(self, relationship_id: str) -> Relationship:
        """Return the relationship with *relationship_id*.

        Raises:
            UnknownSubjectError: when there is none (with the known ids).
        """
        for rel in self.relationships:
            if rel.id == relationship_id:
                return rel
        known = ", ".join(r.id for r in self.relationships) or "none"
        raise UnknownSubjectError(
            f"no relationship {relationship_id!r} in the portfolio; known ids: {known}"
        )

    def with_relationship(self, relationship: Relationship) -> Portfolio:
        """Return a portfolio where *relationship* replaces the one with its id, or is added."""
        rels = list(self.relationships)
        for i, rel in enumerate(rels):
            if rel.id == relationship.id:
                rels[i] = relationship
                break
        else:
            rels.append(relationship)
        return attrs.evolve(self, relationships=tuple(rels))

    def without_relationship(self, relationship_id: str) -> Portfolio:
        """Return a portfolio without the relationship *relationship_id*.

        Raises:
            UnknownSubjectError: when there is none.
        """
        self.relationship(relationship_id)
        rels = tuple(r for r in self.relationships if r.id != relationship_id)
        return attrs.evolve(self, relationships=rels)

    def __repr__(self) -> str:
        """A one-line summary: the organization, how many relationships, the first ids.

        Bounded whatever the portfolio's size; the full value prints with
        ``collabrel.dumps(portfolio)``.
        """
        org = self.organization
        rels = self.relationships
        ids = ", ".join(_short(r.id) for r in rels[:_REPR_IDS])
        more = f", ... {len(rels) - _REPR_IDS:,} more" if len(rels) > _REPR_IDS else ""
        plural = "" if len(rels) == 1 else "s"
        listed = f": {ids}{more}" if rels else ""
        return (
            f"<Portfolio of {_short(org.id)} ({_short(org.name)}): "
            f"{len(rels):,} relationship{plural}{listed}>"
        )

    def _repr_html_(self) -> str:
        from collabrel._html import table

        org = self.organization
        rows = [
            (r.id, r.name, r.form.label, str(r.stage),
             ", ".join(p.name for p in r.parties if p.id != org.id))
            for r in self.relationships
        ]  # fmt: skip
        return table(f"{org.name} ({org.id}): {len(rows)} relationships",
                     ("id", "name", "form", "stage", "partners"), rows)  # fmt: skip

    def problems(self) -> list[Problem]:
        """Return every reference and uniqueness problem, each with its path (empty if none)."""
        return _check(self)

    def check(self) -> Portfolio:
        """Return the portfolio itself, or raise :class:`LoadError` listing every problem."""
        found = self.problems()
        if found:
            raise LoadError(found, source="portfolio")
        return self


_REPR_IDS = 5
"""How many relationship ids a portfolio's repr names."""
_REPR_TEXT = 40


def _short(text: str) -> str:
    """*text* quoted as Python does, cut to a few dozen characters."""
    shown = repr(text)
    return shown if len(shown) <= _REPR_TEXT else shown[: _REPR_TEXT - 4] + "...'"


def _with_facts(rel: Relationship, facts: Facts) -> Relationship:
    """*rel* with *facts* (already checked): a copy of its fields, no validator runs again."""
    new = object.__new__(Relationship)
    for f in attrs.fields(Relationship):
        object.__setattr__(new, f.name, facts if f.name == "facts" else getattr(rel, f.name))
    return new


# ------------------------------------------------------------------ reference checking


@cache
def _fields(cls: Hashable) -> tuple[tuple[str, str | None], ...]:
    return tuple((f.name, ref_kind(f)) for f in attrs.fields(cast("type", cls)))


def _walk(obj: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Yield ``(path, kind, value)`` for every reference field below *obj*."""
    for name, kind in _fields(cast("Hashable", type(obj))):
        value = getattr(obj, name)
        here = f"{path}.{name}"
        if kind is not None:
            if isinstance(value, tuple):
                for i, item in enumerate(value):
                    yield f"{here}[{i}]", kind, item
            elif value is not None:
                yield here, kind, value
            continue
        if attrs.has(type(value)):
            yield from _walk(value, here)
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if attrs.has(type(item)):
                    yield from _walk(item, f"{here}[{i}]")


def _duplicates(ids: list[str]) -> set[str]:
    seen: set[str] = set()
    return {i for i in ids if i in seen or seen.add(i)}  # type: ignore[func-returns-value]


def _check(portfolio: Portfolio) -> list[Problem]:
    org = portfolio.organization
    problems: list[Problem] = []
    rel_ids = [r.id for r in portfolio.relationships]
    problems.extend(
        Problem(
            path="$.relationships",
            message=f"relationship id {dup!r} is used more than once",
            hint="give every relationship its own id",
        )
        for dup in sorted(_duplicates(rel_ids))
    )
    people = [p.id for p in org.people]
    for rel in portfolio.relationships:
        people += [c.id for party in rel.parties for c in party.contacts]
    problems.extend(
        Problem(
            path="$",
            message=f"person id {dup!r} is used more than once",
            hint="person ids must be unique across the organization and all parties",
        )
        for dup in sorted(_duplicates(people))
    )
    known_people = set(people)
    known_rels = set(rel_ids)
    all_parties = {org.id} | {p.id for r in portfolio.relationships for p in r.parties}
    known_sources = context_sources(org)

    def check_refs(obj: Any, path: str, parties: set[str], where: str) -> None:
        for ref_path, kind, value in _walk(obj, path):
            if kind == "party" and value not in parties:
                problems.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown party {value!r}",
                        hint=f"use one of the parties of {where}: {', '.join(sorted(parties))}",
                    )
                )
            elif kind == "person" and value not in known_people:
                problems.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown person {value!r}",
                        hint="add the person to organization.people or to a party's contacts",
                    )
                )
            elif kind == "relationship" and value not in known_rels:
                problems.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown relationship {value!r}",
                        hint=f"known relationships: {', '.join(sorted(known_rels)) or 'none'}",
                    )
                )
            elif kind == "context" and value not in known_sources:
                problems.append(
                    Problem(
                        path=ref_path,
                        message=f"unknown context issue or stakeholder {value!r}",
                        hint=CONTEXT_HINT,
                    )
                )

    check_refs(org, "$.organization", all_parties, "the portfolio")
    for i, rel in enumerate(portfolio.relationships):
        path = f"$.relationships[{i}]"
        party_ids = [p.id for p in rel.parties]
        problems.extend(
            Problem(path=f"{path}.parties", message=f"party id {dup!r} is listed twice")
            for dup in sorted(_duplicates(party_ids))
        )
        if org.id not in party_ids:
            problems.append(
                Problem(
                    path=f"{path}.parties",
                    message=f"the organization's own party {org.id!r} is not among the parties",
                    hint=f"add {{id: {org.id}, name: {org.name}}} to the parties",
                )
            )
        check_refs(rel, path, set(party_ids), f"relationship {rel.id!r}")
    return problems
