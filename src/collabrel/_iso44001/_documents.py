"""Documented information across layers (7.5, 8.1): approvals, histories, back-filling.

One source of truth for approvals and sign-offs, complete version histories, and back-filled
evidence marked as such:

* An artefact that names its controlled document (``document_id``) and the register entry of
  that document must tell the same story: version, approver, approval date, the sign-offs of
  the current version and the version history (7.5.2, 7.5.3). The register does not derive
  from the artefact or the other way round; the rules check that the two agree.
* A document past its first version keeps one history entry per later version, and every
  sign-off names a version that exists and had taken effect (7.5.3).
* For a relationship onboarded part-way (retrofit, catalog §0.5 point 6), each registered
  document of a stage it skipped says whether it was filled in afterwards (8.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from collabrel._iso44001._builder import LAST_STAGE, Checked, listed
from collabrel._iso44001._indexes import ByIdentity
from collabrel.rules import unmet

__all__ = [
    "STAGE_OF_DOCUMENT",
    "backfill_marked",
    "history_complete",
    "register_agrees",
]

STAGE_OF_DOCUMENT: dict[str, int] = {
    "ser_mandate": 1, "governance": 1, "rmp": 1, "value_analysis": 1, "competence_needs": 1,
    "risk_register": 1, "business_case": 2, "knowledge_map": 2, "risk_process": 2,
    "supply_chain_assessment": 2, "capability_assessment": 3, "swot": 3,
    "selection_criteria": 3, "resource_plan": 3, "partner_evaluation": 4,
    "negotiation_strategy": 4, "selection_decision": 4,
}  # fmt: skip
"""The stage that first produces each relationship document type (catalog §1.5-1.8)."""


_Entry = tuple[Any, dict[str, Any], set[tuple[Any, Any]]]
"""A register entry with the sign-offs of its current version and its version history."""
_Index = tuple[Any, dict[str, _Entry], dict[str | None, list[Any]]]


def _index_of(documents: Any) -> _Index:
    by_id = {d.id: (d, _signed(d), _history(d.change_log)) for d in documents}
    by_rel: dict[str | None, list[Any]] = {}
    for d in documents:
        by_rel.setdefault(d.relationship_id, []).append(d)
    return (documents, by_id, by_rel)


_index = ByIdentity(_index_of)
"""The register *documents* by document id and by relationship id, built once per register.

The register is one tuple shared by every relationship of an evaluation. Each entry by id
carries the sign-offs of its current version and its version history, computed once per
register rather than once per relationship that names the document.
"""


def _signed(item: Any) -> dict[str, Any]:
    """The sign-offs of the current version, by party."""
    version = getattr(item, "version", None)
    signed: dict[str, Any] = {}
    for s in getattr(item, "agreed_by", ()):
        if version is None or s.version == version:
            signed[s.party] = s.signed_on
    return signed


def _history(versions: Any) -> set[tuple[Any, Any]]:
    """A version history as a set of (version, date it took effect)."""
    history = set()
    for c in versions:
        history.add((c.version, c.changed_on))
    return history


def _disagreements(label: str, item: Any, entry: _Entry) -> list[str]:
    """Where the artefact *item* (at *label*) and its register *entry* disagree (usually none)."""
    doc, doc_signed, doc_history = entry
    out = []
    version = getattr(item, "version", None)
    if version is not None and version != doc.version:
        out.append(f"{label} is at version {version}, its register entry {doc.id} at {doc.version}")
    for name in ("approved_by", "approved_on"):
        mine = getattr(item, name, None)
        if mine is not None:
            theirs = getattr(doc, name)
            if theirs is not None and mine != theirs:
                out.append(f"{label}.{name} is {mine}, {doc.id}.{name} is {theirs}")
    if doc_signed:
        mine_signed = _signed(item)
        if mine_signed and mine_signed != doc_signed:
            both = sorted(mine_signed.keys() | doc_signed.keys())
            diffs = [
                f"{p}: {mine_signed.get(p, 'unsigned')} vs {doc_signed.get(p, 'unsigned')}"
                for p in both
                if mine_signed.get(p) != doc_signed.get(p)
            ]
            out.append(f"{label} and {doc.id} record different sign-offs ({listed(diffs)})")
    versions = getattr(item, "versions", ()) if doc_history else ()
    if versions:
        mine_history = _history(versions)
        if mine_history != doc_history:
            odd = sorted(mine_history.symmetric_difference(doc_history))
            shown = listed(f"version {v} of {d.isoformat()}" for v, d in odd)
            out.append(f"{label} and {doc.id} record different version histories ({shown})")
    return out


@cache
def register_agrees(name: str, labels: tuple[str, ...]) -> Callable[..., Checked]:
    """The check *name* that the artefacts *labels* and their register entries agree."""

    def agree(*args: Any) -> Checked:
        documents = args[-1]
        if documents is None:
            return None
        by_id = _index(documents)[1]
        problems: list[str] = []
        path = ""
        # every artefact agrees, as a rule: each is compared, a message is worded only if not
        for label, item in zip(labels, args[:-1], strict=True):
            if item is None:
                continue
            entry = by_id.get(getattr(item, "document_id", None) or "")
            if entry is not None:
                found = _disagreements(label, item, entry)
                if found:
                    path = path or label
                    problems.extend(found)
        if not problems:
            return True
        return unmet("; ".join(problems), path=path)

    agree.__name__ = agree.__qualname__ = name
    agree.__doc__ = (
        "Each artefact and the register entry of its document record the same version, "
        "approval, sign-offs and version history."
    )
    return agree


def _history_problems(label: str, item: Any) -> list[str]:
    """What is wrong with the version history of *item* (at *label*); usually nothing."""
    out = []
    current = int(item.version)
    taken_effect: dict[Any, Any] = {}  # version -> the date it took effect
    for c in item.versions:
        taken_effect[c.version] = c.changed_on
    recorded = ahead = 0  # versions 2..current recorded, versions after current recorded
    for v in taken_effect:
        if v > current:
            ahead += 1
        elif v >= 2:  # noqa: PLR2004 - version 1 needs no history entry
            recorded += 1
    if recorded < current - 1:
        missing = [v for v in range(2, current + 1) if v not in taken_effect]
        out.append(
            f"{label} is at version {current} but its history lacks version {listed(missing)}"
        )
    if ahead:
        after = sorted(v for v in taken_effect if v > current)
        out.append(
            f"{label} records history for version {listed(after)}, after its version {current}"
        )
    for s in getattr(item, "agreed_by", ()):
        if s.version > current:
            out.append(f"{label}: {s.party} signed version {s.version}, which does not exist")
        elif s.version in taken_effect and s.signed_on < taken_effect[s.version]:
            out.append(
                f"{label}: {s.party} signed version {s.version} on {s.signed_on.isoformat()}, "
                f"before it took effect on {taken_effect[s.version].isoformat()}"
            )
    return out


@cache
def history_complete(labels: tuple[str, ...]) -> Callable[..., Checked]:
    """The check that the documents *labels* keep a complete, consistent version history."""

    def complete(*items: Any) -> Checked:
        problems: list[str] = []
        path = ""
        for label, item in zip(labels, items, strict=True):
            if item is not None:
                found = _history_problems(label, item)
                if found:
                    path = path or label
                    problems.extend(found)
        if not problems:
            return True
        return unmet("; ".join(problems), path=path)

    complete.__name__ = complete.__qualname__ = "history_complete"
    complete.__doc__ = (
        "Each document past version 1 records every later version with the date it took effect, "
        "and every sign-off is of a version that existed when it was given."
    )
    return complete


def _retrofit_stage(history: Iterable[Any]) -> Any:
    """The earliest retrofit entry into one of stages 1-8 (the first of equals), or None."""
    earliest = None
    for r in history:
        in_lifecycle = r.retrofit and r.stage.number is not None
        if in_lifecycle and (earliest is None or r.entered_on < earliest.entered_on):
            earliest = r
    return earliest


def backfill_marked(rel_id: Any, history: Any, documents: Any) -> Checked:
    """The documents of the stages a retrofit skipped say whether they were back-filled."""
    if history is None or documents is None:
        return None
    own = _index(documents)[2].get(rel_id, [])
    entry = _retrofit_stage(history)
    if entry is None:
        marked = [d.id for d in own if d.backfilled]
        return not marked or unmet(
            f"{listed(marked)} marked back-filled, but {rel_id} was not onboarded by retrofit",
            path="organization.documents",
        )
    skipped = [
        d.id
        for d in own
        if STAGE_OF_DOCUMENT.get(d.doc_type, LAST_STAGE) < entry.stage.number
        and d.backfilled is None
    ]
    return not skipped or unmet(
        f"{listed(skipped)} belong to stages before the retrofit entry into {entry.stage} but do "
        "not say whether they were back-filled",
        path="organization.documents",
    )
