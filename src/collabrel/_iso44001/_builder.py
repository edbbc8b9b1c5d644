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

from collabrel._iso44001._indexes import ByIdentity
from collabrel._mappings import view_tags
from collabrel._stages import Stage
from collabrel.rules._conditions import (
    Condition,
    Unmet,
    all_of,
    any_of,
    at_least,
    check,
    implies,
    not_,
    present,
    ref,
    reviewed_within,
    unmet,
)
from collabrel.rules._spec import Basis, Flag, Level, Mode, RuleSpec, builtin_rules

__all__ = [
    "ARR",
    "EXE",
    "HLS",
    "INF",
    "JNT",
    "JOINT_GATES_FROM",
    "LAST_STAGE",
    "MIN_CANDIDATES",
    "ORG",
    "REL",
    "SEC",
    "TOC",
    "A",
    "Checked",
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
    "entered_stage",
    "gates",
    "iso",
    "items_agreed",
    "listed",
    "member",
    "participants_cover",
    "phrased",
    "recent",
    "section",
    "sections",
    "signed_by_every_party",
    "signed_from_update",
    "stage_update",
    "unsigned",
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

Checked = bool | Unmet | None
"""What a check function returns: true, false with the reason (:func:`unmet`), or unknown."""


def phrased(phrase: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a check function the words it reads as in an explanation (``{0}``: its first path)."""

    def attach(function: Callable[..., Any]) -> Callable[..., Any]:
        function.phrase = phrase  # type: ignore[attr-defined]
        return function

    return attach


def listed(items: Iterable[Any]) -> str:
    """The items as a short list for a message: ``a, b, c`` (``none`` when empty)."""
    shown = [str(i) for i in items]
    if not shown:
        return "none"
    return ", ".join(shown[:8]) + (", ..." if len(shown) > 8 else "")  # noqa: PLR2004


@phrased("{0} is one of {1}")
def member(value: Any, collection: Any) -> Checked:
    """The value is one of the collection's items."""
    if value is None or collection is None:
        return None
    return value in collection or unmet(f"{value!r} is not one of {listed(collection)}")


def approver_ok(approved_by: Any, top_management: Any, sers: Any) -> Checked:
    """Approved by a member of top management or by an active senior executive responsible."""
    people = set(top_management or ()) | {s.person for s in sers or () if s.active}
    if approved_by is None:
        return unmet(f"no approver recorded (top management or an active SER: {listed(people)})")
    return approved_by in people or unmet(
        f"{approved_by!r} is neither top management nor an active SER ({listed(sorted(people))})"
    )


@phrased("{0} names drivers of the value statement")
def drivers_known(ids: Any, statement: Any) -> Checked:
    """The value driver id(s) named are drivers of the organization's value statement."""
    if statement is None:
        return None
    wanted = (ids,) if isinstance(ids, str) or ids is None else tuple(ids)
    known = _driver_ids(statement.drivers)
    unknown = [str(i) for i in wanted if i is None or i not in known]
    if unknown:
        return unmet(f"{listed(unknown)} not among the value statement's drivers ({listed(known)})")
    return True


_driver_ids = ByIdentity(lambda drivers: [d.id for d in drivers])
"""A value statement's driver ids, in order (many rules name drivers of one statement)."""


def _active_sers(sers: Any) -> list[str]:
    return [s.person for s in sers or () if s.active]


@phrased("{0} is an active SER of the relationship")
def active_ser(person: Any, sers: Any) -> Checked:
    """The person is an active senior executive responsible of the relationship."""
    if sers is None:
        return None
    if person is None:
        return unmet(f"nobody is recorded (active SERs: {listed(_active_sers(sers))})")
    if person in _active_parties(sers):
        return True
    return unmet(
        f"{person!r} is not an active SER of the relationship "
        f"(active SERs: {listed(_active_sers(sers))})"
    )


@phrased("{0} holds authority (an active SER or top management)")
def authority(person: Any, sers: Any, org_sers: Any, top_management: Any) -> Checked:
    """The person holds authority: an active SER (relationship or corporate) or top management."""
    if person is not None and (
        person in _active_parties(sers)
        or person in _active_parties(org_sers)
        or person in (top_management or ())
    ):
        return True
    active = {s.person for s in (*(sers or ()), *(org_sers or ())) if s.active}
    people = sorted(active | set(top_management or ()))
    if person is None:
        return unmet(f"nobody is recorded (people with authority: {listed(people)})")
    return unmet(
        f"{person!r} holds no authority (active SERs and top management: {listed(people)})"
    )


def _filled_keys(sections: Any) -> dict[str, bool]:
    """Each key of the plan's sections: whether its first section with the key has content."""
    filled: dict[str, bool] = {}
    for found in sections:
        if found.key not in filled:
            filled[found.key] = bool(found.content.strip())
    return filled


_filled = ByIdentity(_filled_keys)
"""Whether each section of a plan has content, by key (one plan, many keys checked)."""


@cache
def section(key: str) -> Callable[[Any], Checked]:
    """The check that the plan has content in its Annex B section *key* (one per key)."""

    def filled(sections: Any) -> Checked:
        if sections is None:
            return None
        has_content = _filled(sections).get(key)
        if has_content:
            return True
        if has_content is None:
            return unmet(f"no section {key}")
        return unmet(f"section {key} is empty")

    return _named(filled, f"section_{key}", f"The plan has content in its Annex B section {key}.")


def sections(path: str, keys: Iterable[str]) -> Condition:
    """Every section *keys* of the plan at *path* has content (one node per key)."""
    return all_of(*(check(section(k), path) for k in keys))


_update_stages = ByIdentity(lambda updates: {u.stage for u in updates})
"""The stages a plan's stage updates are logged for (every stage rule asks for its own)."""


@cache
def stage_update(stage: int) -> Callable[[Any, Any], Checked]:
    """The check that the plan records its stage *stage* update."""

    def updated(updates: Any, history: Any) -> Checked:
        if updates is None:
            return None
        if stage in _update_stages(updates):
            return True
        if any(r.retrofit and stage < int(r.stage) <= LAST_STAGE for r in history or ()):
            return True
        logged = sorted({u.stage for u in updates})
        return unmet(f"no stage {stage} update (updates logged for stages {listed(logged)})")

    return _named(
        updated,
        f"stage{stage}_update",
        f"The plan records its stage {stage} update (or the relationship was onboarded by "
        "retrofit after that stage).",
    )


def updated_after(updated_on: Any, *dates: Any) -> Checked:
    """The plan was updated on or after every date of the stage's artefacts."""
    later = [d for d in dates if d is not None and (updated_on is None or d > updated_on)]
    later.sort()
    if updated_on is None:
        return unmet("the plan records no update date")
    if later:
        return unmet(
            f"updated {updated_on.isoformat()}, before artefacts dated "
            f"{listed(d.isoformat() for d in later)}"
        )
    return True


@cache
def signed_from_update(stage: int) -> Callable[[Any, Any, Any], Checked]:
    """The check that every party signed the joint RMP version with the *stage* outputs."""

    def signed(agreed_by: Any, updates: Any, party_ids: Any) -> Checked:
        if updates is None or agreed_by is None or party_ids is None:
            return None
        versions = [u.version for u in updates if u.stage == stage and u.version is not None]
        if not versions:
            return unmet(f"no stage {stage} update with a plan version is logged")
        first = min(versions)
        signed = {s.party for s in agreed_by if s.version >= first}
        missing = [p for p in party_ids if p not in signed]
        if missing:
            return unmet(
                f"version {first} (the stage {stage} update) or later is not signed by "
                f"{listed(missing)}"
            )
        return True

    return _named(
        signed,
        f"signed_from_stage{stage}",
        f"Every party signed the joint RMP version that carries the stage {stage} outputs, or "
        "a later one.",
    )


def participants_cover(participants: Any, party_ids: Any) -> Checked:
    """People from every party took part."""
    if participants is None or party_ids is None:
        return None
    present = {p.party for p in participants}
    missing = [p for p in party_ids if p not in present]
    return not missing or unmet(f"nobody from {listed(missing)} took part")


# ------------------------------------------------------------------ joint sign-off (J)


def agreed_by_every_party(item: Any, parties: set[str]) -> bool:
    """Every party in *parties* signed the current version of *item* (its ``agreed_by``)."""
    return not unsigned(item, parties)


def unsigned(item: Any, parties: Iterable[str]) -> list[str]:
    """The parties that did not sign the current version of *item*, in order."""
    version = getattr(item, "version", None)
    signed = {s.party for s in item.agreed_by if version is None or s.version == version}
    return [p for p in parties if p not in signed]


def signed_by_every_party(agreed_by: Any, party_ids: Any) -> Checked:
    """Every party has signed the plan (at initiation or later)."""
    if agreed_by is None or party_ids is None:
        return None
    signed = {s.party for s in agreed_by}
    missing = [p for p in party_ids if p not in signed]
    return not missing or unmet(f"not signed by {listed(missing)}")


@phrased("{0} include every party")
def covers_parties(parties: Any, party_ids: Any) -> Checked:
    """The parties listed include every party of the relationship."""
    if parties is None or party_ids is None:
        return None
    missing = [p for p in party_ids if p not in parties]
    return not missing or unmet(f"no member from {listed(missing)}")


def items_agreed(items: Any, party_ids: Any) -> Checked:
    """Every party signed the current version of each item."""
    if items is None or party_ids is None:
        return None
    gaps = []
    for i in items:
        missing = unsigned(i, party_ids)
        if missing:
            name = getattr(i, "id", None) or getattr(i, "name", "an item")
            version = getattr(i, "version", 1)
            gaps.append(f"{name} (version {version}) not signed by {listed(missing)}")
    return not gaps or unmet("; ".join(gaps))


# ------------------------------------------------------------------------- stage gates

JOINT_GATES_FROM = 6
"""Entries into stage 6 and later (out of the joint stages 5-8) need every party's SER."""


_active_by_person = ByIdentity(lambda sers: {s.person: s.party for s in sers if s.active})
"""A relationship's active SERs by person (the gates, approvals and authority checks ask)."""


def _active_parties(sers: Any) -> dict[str, str]:
    """The relationship's active SERs: person id to the party they act for (do not mutate)."""
    return _active_by_person(sers or ())


def _approved(record: Any, active: dict[str, str], party_ids: Any, *, joint: bool) -> bool:
    """Whether the stage entry *record* is approved as it must be (see _approval_problem)."""
    if not joint:
        return record.approved_by is not None and record.approved_by in active
    approved = {a.party for a in record.approvals if active.get(a.by) == a.party}
    return approved.issuperset(party_ids or ())


def _approval_problem(record: Any, sers: Any, party_ids: Any, *, joint: bool) -> str | None:
    """Why the stage entry *record* is not approved as it must be (``None``: it is)."""
    active = _active_parties(sers)
    if not joint:
        if record.approved_by is None:
            return "names no approver"
        if record.approved_by in active:
            return None
        return (
            f"was approved by {record.approved_by!r}, who is not an active SER of the "
            f"relationship (active SERs: {listed(active)})"
        )
    approved = {a.party for a in record.approvals if active.get(a.by) == a.party}
    missing = [p for p in party_ids or () if p not in approved]
    if not missing:
        return None
    wanted = [f"{p} ({listed(person for person, q in active.items() if q == p) or 'no SER'})"
              for p in missing]  # fmt: skip
    given = (
        listed(f"{a.by} for {a.party}" for a in record.approvals)
        if record.approvals
        else (f"{record.approved_by} alone" if record.approved_by else "nobody")
    )
    return (
        f"was approved by {given}; a joint gate needs the approval of every party's active "
        f"SER, missing {listed(wanted)}"
    )


def _stages_approved(history: Any, sers: Any, party_ids: Any) -> frozenset[int]:
    """The stages whose entry *history* records with the approval its gate needs.

    An entry into stage *k* counts for *k*; a retrofit entry (approved as a single
    approver's) counts for its own stage and every stage up to it within the lifecycle.
    """
    active = _active_parties(sers)
    stages: set[int] = set()
    for r in history:
        stage = int(r.stage)
        if r.retrofit:
            if _approved(r, active, party_ids, joint=False):
                stages.update(range(stage + 1) if stage <= LAST_STAGE else (stage,))
        elif _approved(r, active, party_ids, joint=stage >= JOINT_GATES_FROM):
            stages.add(stage)
    return frozenset(stages)


_APPROVED_SIZE = 64
_APPROVED: dict[int, tuple[Any, Any, Any, frozenset[int]]] = {}
"""id of a stage history -> (the history, its SERs, its party ids, :func:`_stages_approved`).

The gates of a relationship (up to eight of them) ask about the same history in a row; each
entry keeps the objects it was computed from, so an id never stands for another object."""


def stages_approved(history: Any, sers: Any, party_ids: Any) -> frozenset[int]:
    """:func:`_stages_approved`, remembered for the last histories asked about."""
    found = _APPROVED.get(id(history))
    if found is None or not (found[0] is history and found[1] is sers and found[2] is party_ids):
        if len(_APPROVED) >= _APPROVED_SIZE:
            _APPROVED.clear()
        found = (history, sers, party_ids, _stages_approved(history, sers, party_ids))
        _APPROVED[id(history)] = found
    return found[3]


@cache
def entered_stage(stage: int) -> Callable[[Any, Any, Any], Checked]:
    """The check that the entry into *stage* is recorded and approved as the gate requires."""
    wanted = Stage(stage)
    joint_gate = stage >= JOINT_GATES_FROM

    def entered(history: Any, sers: Any, party_ids: Any) -> Checked:
        if history is None:
            return None
        # any approved entry settles it; the reasons are only worded when none is
        if stage in stages_approved(history, sers, party_ids):
            return True
        direct = [r for r in history if r.stage is wanted]
        retro = [r for r in history if r.retrofit and stage <= int(r.stage) <= LAST_STAGE]
        if not direct and not retro:
            return unmet(f"no entry into {wanted} is recorded")
        problems = []
        for r in (*direct, *retro):
            joint = not r.retrofit and joint_gate
            why = _approval_problem(r, sers, party_ids, joint=joint)
            what = "retrofit entry" if r.retrofit else "entry"
            problems.append(f"the {what} into {r.stage} on {r.entered_on.isoformat()} {why}")
        return unmet("; ".join(problems))

    return _named(
        entered,
        f"entered_stage{stage}",
        f"The entry into stage {stage} is recorded and approved by an active SER of the "
        "relationship (by every party's SER where the gate is joint); a retrofit entry at that "
        "stage or later stands in for it.",
    )


def entered(stage: int) -> Condition:
    """The entry into *stage* is recorded, approved by an active SER of the relationship.

    Entries out of the joint stages (into stage 6 and later) need the approval of every
    party's active SER (``approvals``). A retrofit entry at that stage or a later one stands
    in for the gates it skipped (catalog §0.5 point 6).
    """
    return check(entered_stage(stage), "stage_history", "sers", "party_ids")


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
