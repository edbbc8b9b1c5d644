"""What every module of the built-in catalogue builds with.

* :func:`iso` makes one built-in rule record ``iso44001:<clause>/<part>`` with its view tags
  (from the catalog §7 mapping tables);
* short names for the rule metadata (``ARR``/``EXE`` modes, ``ORG``/``REL``/``JNT`` levels,
  ``TOC``/``HLS``/``SEC``/``INF`` basis tags, the ``D R P J A`` flags), so a rule states its
  catalog row with the library's own types;
* the stage helpers (:func:`entered`, :func:`gates`, :func:`recent`, :func:`within_agreed`,
  :func:`sections`);
* the pure functions that ``check`` nodes of two modules or more call. A function used by
  one module only lives in that module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from collabrel._mappings import view_tags
from collabrel._stages import Stage
from collabrel.rules._conditions import (
    Condition,
    all_of,
    any_of,
    at_least,
    check,
    count_at_least,
    equals,
    implies,
    not_,
    present,
    ref,
    reviewed_within,
)
from collabrel.rules._spec import Basis, Flag, Level, Mode, RuleSpec, builtin_rules

__all__ = [
    "ARR",
    "EXE",
    "HLS",
    "INF",
    "JNT",
    "LAST_STAGE",
    "MIN_CANDIDATES",
    "ORG",
    "REL",
    "SEC",
    "TOC",
    "A",
    "D",
    "J",
    "P",
    "R",
    "active_ser",
    "agreed_by_every_party",
    "approver_ok",
    "authority",
    "covers_parties",
    "drivers_known",
    "entered",
    "gates",
    "iso",
    "items_agreed",
    "member",
    "participants_cover",
    "recent",
    "section",
    "sections",
    "signed_by_every_party",
    "signed_from_update",
    "stage_update",
    "updated_after",
    "within_agreed",
]  # fmt: skip

LAST_STAGE = 8
"""The number of the last lifecycle stage (exit strategy activation)."""
MIN_CANDIDATES = 2
"""The fewest alternatives or candidates a comparison needs."""

ARR, EXE = Mode.ARRANGEMENT, Mode.EXECUTED
ORG, REL, JNT = Level.ORG, Level.REL, Level.JNT
TOC, HLS, SEC, INF = Basis.TOC, Basis.HLS, Basis.SEC, Basis.INF
D, R, P, J, A = Flag.D, Flag.R, Flag.P, Flag.J, Flag.A


def iso(
    part: str,
    *,
    title: str,
    clause: str,
    level: Level,
    remedy: str,
    basis: tuple[Basis, ...],
    flags: Iterable[Flag] = (),
    condition: Condition | None = None,
    predicate: Callable[..., Any] | None = None,
    reads: Iterable[str] = (),
    tags: Iterable[str] = (),
    **extra: Any,
) -> RuleSpec:
    """Build the built-in rule ``iso44001:<clause>/<part>`` with its view tags."""
    rule_id = f"iso44001:{clause}/{part}" if part else f"iso44001:{clause}"
    with builtin_rules():
        return RuleSpec(
            id=rule_id,
            title=title,
            clause=clause,
            level=level,
            remedy=remedy,
            basis=basis,
            flags=frozenset(flags),
            condition=condition,
            predicate=predicate,
            reads=tuple(reads),
            tags=view_tags(clause) | frozenset(tags),
            **extra,
        )


def _named(function: Callable[..., Any], name: str, doc: str) -> Callable[..., Any]:
    """Give a function made by a factory the name rule files know it by, and its hint."""
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


# ----------------------------------------------------------------------- shared functions


def member(value: Any, collection: Any) -> bool | None:
    """The value is one of the collection's items."""
    if value is None or collection is None:
        return None
    return value in collection


def approver_ok(approved_by: Any, top_management: Any, sers: Any) -> bool | None:
    """Approved by a member of top management or by an active senior executive responsible."""
    if approved_by is None:
        return False
    people = set(top_management or ()) | {s.person for s in sers or () if s.active}
    return approved_by in people


def drivers_known(ids: Any, statement: Any) -> bool | None:
    """The value driver id(s) named are drivers of the organization's value statement."""
    if statement is None:
        return None
    wanted = (ids,) if isinstance(ids, str) or ids is None else tuple(ids)
    known = {d.id for d in statement.drivers}
    return all(i is not None and i in known for i in wanted)


def active_ser(person: Any, sers: Any) -> bool | None:
    """The person is an active senior executive responsible of the relationship."""
    if sers is None:
        return None
    return person is not None and any(s.person == person and s.active for s in sers)


def authority(person: Any, sers: Any, org_sers: Any, top_management: Any) -> bool:
    """The person holds authority: an active SER (relationship or corporate) or top management."""
    if person is None:
        return False
    active = {s.person for s in (*(sers or ()), *(org_sers or ())) if s.active}
    return person in active or person in (top_management or ())


@cache
def section(key: str) -> Callable[[Any], bool | None]:
    """The check that the plan has content in its Annex B section *key* (one per key)."""

    def filled(sections: Any) -> bool | None:
        if sections is None:
            return None
        return any(s.key == key and s.content.strip() for s in sections)

    return _named(filled, f"section_{key}", f"The plan has content in its Annex B section {key}.")


def sections(path: str, keys: Iterable[str]) -> Condition:
    """Every section *keys* of the plan at *path* has content (one node per key)."""
    return all_of(*(check(section(k), path) for k in keys))


@cache
def stage_update(stage: int) -> Callable[[Any, Any], bool | None]:
    """The check that the plan records its stage *stage* update."""

    def updated(updates: Any, history: Any) -> bool | None:
        if updates is None:
            return None
        if any(u.stage == stage for u in updates):
            return True
        return any(r.retrofit and stage < int(r.stage) <= LAST_STAGE for r in history or ())

    return _named(
        updated,
        f"stage{stage}_update",
        f"The plan records its stage {stage} update (or the relationship was onboarded by "
        "retrofit after that stage).",
    )


def updated_after(updated_on: Any, *dates: Any) -> bool:
    """The plan was updated on or after every date of the stage's artefacts."""
    if updated_on is None:
        return False
    return all(d is None or d <= updated_on for d in dates)


@cache
def signed_from_update(stage: int) -> Callable[[Any, Any, Any], bool | None]:
    """The check that every party signed the joint RMP version with the *stage* outputs."""

    def signed(agreed_by: Any, updates: Any, party_ids: Any) -> bool | None:
        if updates is None or agreed_by is None or party_ids is None:
            return None
        versions = [u.version for u in updates if u.stage == stage and u.version is not None]
        if not versions:
            return False
        first = min(versions)
        return all(any(s.party == p and s.version >= first for s in agreed_by) for p in party_ids)

    return _named(
        signed,
        f"signed_from_stage{stage}",
        f"Every party signed the joint RMP version that carries the stage {stage} outputs, or "
        "a later one.",
    )


def participants_cover(participants: Any, party_ids: Any) -> bool | None:
    """People from every party took part."""
    if participants is None or party_ids is None:
        return None
    return set(party_ids) <= {p.party for p in participants}


# ------------------------------------------------------------------ joint sign-off (J)


def agreed_by_every_party(item: Any, parties: set[str]) -> bool:
    """Every party in *parties* signed the current version of *item* (its ``agreed_by``)."""
    version = getattr(item, "version", None)
    signed = {s.party for s in item.agreed_by if version is None or s.version == version}
    return parties <= signed


def signed_by_every_party(agreed_by: Any, party_ids: Any) -> bool | None:
    """Every party has signed the plan (at initiation or later)."""
    if agreed_by is None or party_ids is None:
        return None
    return set(party_ids) <= {s.party for s in agreed_by}


def covers_parties(parties: Any, party_ids: Any) -> bool | None:
    """The parties listed include every party of the relationship."""
    if parties is None or party_ids is None:
        return None
    return set(party_ids) <= set(parties)


def items_agreed(items: Any, party_ids: Any) -> bool | None:
    """Every party signed the current version of each item."""
    if items is None or party_ids is None:
        return None
    return all(agreed_by_every_party(i, set(party_ids)) for i in items)


def entered(stage: int) -> Condition:
    """The entry into *stage* is recorded, approved by an active SER of the relationship.

    A retrofit entry at that stage or a later one stands in for the gates it skipped (catalog
    §0.5 point 6).
    """
    slug = Stage(stage).slug
    approved = check(active_ser, "approved_by", "relationship.sers")
    return any_of(
        count_at_least("stage_history", 1, all_of(equals("stage", slug), approved)),
        count_at_least(
            "stage_history",
            1,
            all_of(equals("retrofit", True), at_least("stage", slug), approved),
        ),
    )


def gates(stage: int) -> Condition:
    """The relationship entered *stage* through an approved gate, and left it through one.

    The way out is only asked for once the relationship is past the stage, so the rule holds
    (and can take part in the lifecycle gate) while the relationship is in the stage.
    """
    after = Stage(stage + 1).slug
    return all_of(entered(stage), implies(at_least("stage", after), entered(stage + 1)))


def recent(path: str, *intervals: Any) -> Condition:
    """The date at *path* is recorded and recent (a missing date fails, not unknown)."""
    return all_of(present(path), reviewed_within(path, *intervals))


def within_agreed(path: str, frequency: str, default: str) -> Condition:
    """Recent by the agreed *frequency* when recorded, by the configured *default* otherwise."""
    return all_of(
        present(path),
        any_of(
            all_of(present(frequency), reviewed_within(path, ref(frequency))),
            all_of(not_(present(frequency)), reviewed_within(path, default)),
        ),
    )
