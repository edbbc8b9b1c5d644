"""Clause 10.1 from findings: raise nonconformities, and verify corrections by re-evaluation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from collabrel._model import Nonconformity, NonconformityStatus
from collabrel.rules._findings import Finding, Verdict

__all__ = ["nonconformities_from", "verify_corrections"]

_OPEN = frozenset({
    NonconformityStatus.RAISED, NonconformityStatus.ACTION_PLANNED,
    NonconformityStatus.IMPLEMENTED, NonconformityStatus.VERIFIED,
})  # fmt: skip


class _Findings(Protocol):
    """What these helpers read from an assessment."""

    @property
    def findings(self) -> tuple[Finding, ...]: ...


def _nc_id(finding: Finding) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{finding.rule_id}-{finding.subject_id}".lower())
    return f"nc-{finding.as_of.isoformat()}-{slug.strip('-')}"


def _key(rule_id: str | None, subject: str | None) -> tuple[str | None, str | None]:
    return rule_id, subject


def nonconformities_from(
    assessment: _Findings,
    existing: Iterable[Nonconformity] = (),
    *,
    organization_id: str | None = None,
    include_open_gate_items: bool = False,
) -> tuple[Nonconformity, ...]:
    """Return a new clause 10.1 nonconformity for each FAIL finding not already tracked.

    A failing finding that is an open gate item (work of the stage the relationship is in,
    which its gate will ask for; :attr:`Finding.gap`) is not a nonconformity yet and raises
    none, unless *include_open_gate_items* is true.

    A failing (rule, subject) pair is tracked when an open nonconformity (not closed) names
    the same rule and relationship (or no relationship, for organization findings). The new
    records are raised on the assessment date, with status ``raised``; plan, implement and
    verify them with :meth:`Nonconformity.plan`, ``implement`` and :func:`verify_corrections`.
    UNKNOWN findings do not raise a nonconformity: missing evidence is collected first.
    """
    tracked = {
        _key(nc.rule_id, nc.relationship_id)
        for nc in existing
        if nc.status in _OPEN and nc.rule_id is not None
    }
    out: list[Nonconformity] = []
    for f in assessment.findings:
        if f.verdict is not Verdict.FAIL:
            continue
        if f.is_open_gate_item and not include_open_gate_items:
            continue
        relationship = None if f.level == "ORG" or f.subject_id == organization_id else f.subject_id
        if _key(f.rule_id, relationship) in tracked:
            continue
        tracked.add(_key(f.rule_id, relationship))
        out.append(
            Nonconformity(
                id=_nc_id(f),
                raised_on=f.as_of,
                description=f"{f.title}: not met ({f.message})",
                clause=f.clause,
                rule_id=f.rule_id,
                relationship_id=relationship,
                joint=f.level == "JNT",
            )
        )
    return tuple(out)


def verify_corrections(
    assessment: _Findings, nonconformities: Iterable[Nonconformity]
) -> tuple[Nonconformity, ...]:
    """Return *nonconformities* with each implemented correction verified by the findings.

    An implemented nonconformity raised from a rule is verified effective when that rule now
    passes for its subject, and reopened (back to action planned, ``effective=False``) when
    it still fails. Others are returned unchanged, as are those whose finding is UNKNOWN.
    """
    verdicts: dict[tuple[str, str | None], Finding] = {}
    for f in assessment.findings:
        verdicts[(f.rule_id, f.subject_id)] = f
        if f.level == "ORG":
            verdicts[(f.rule_id, None)] = f
    out = []
    for nc in nonconformities:
        finding = verdicts.get((nc.rule_id or "", nc.relationship_id))
        updated = nc
        if nc.status is NonconformityStatus.IMPLEMENTED and finding is not None:
            if finding.verdict is Verdict.PASS:
                updated = nc.verify(finding.as_of, effective=True)
            elif finding.verdict is Verdict.FAIL:
                updated = nc.verify(finding.as_of, effective=False)
        out.append(updated)
    return tuple(out)
