"""Stage gates and stage changes: the rules of a stage decide whether a relationship may leave it.

A gate is part of the rule set: the rules whose ``stage`` is the stage being left. A custom
rule with that stage tightens the gate; excluding a rule (with a justification) relaxes it.

Who may make a stage change is checked before it is recorded, as the gate rules (8.x.1) check
it afterwards: an active senior executive responsible of the relationship approves every
change (withdrawing a candidate aside), and the gates out of the joint stages 5-8 are approved
by every party's active SER (catalog §1.15). A relationship outside the CBRMS scope (4.3) is
not moved through the lifecycle: its rules would not apply, and scope completeness (rule
``iso44001:4.3/complete``) fails for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

import attrs

from collabrel._config import Config
from collabrel._dates import require_date
from collabrel._model import (
    ApplicationLevel,
    ExitActivation,
    ExitStatus,
    GateApproval,
    Onboarding,
    Organization,
    Portfolio,
    Relationship,
    StageRecord,
)
from collabrel._stages import Stage, closest_slug
from collabrel.errors import (
    FieldTypeError,
    GateBlockedError,
    LifecycleError,
    UnknownStageError,
    ValidationError,
)
from collabrel.lifecycle._machine import resolve
from collabrel.lifecycle._table import Move, Transition, transitions_from
from collabrel.rules._engine import Session
from collabrel.rules._findings import Finding, Verdict
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._spec import Level, RuleSpec

__all__ = ["GateCheck", "Lifecycle"]

_BLOCKING = frozenset({Verdict.FAIL, Verdict.UNKNOWN, Verdict.ERROR})
_JOINT_SOURCES = frozenset(
    {Stage.WORKING_TOGETHER, Stage.VALUE_CREATION, Stage.STAYING_TOGETHER,
     Stage.EXIT_STRATEGY_ACTIVATION}
)  # fmt: skip
"""The joint stages: leaving one of them needs the approval of every party's SER."""


@attrs.frozen(kw_only=True)
class GateCheck:
    """Whether a relationship may make a stage change, and if not, the findings that block it.

    It is true when the change is allowed.
    """

    relationship_id: str
    """The relationship."""
    transition: Transition
    """The change asked for."""
    findings: tuple[Finding, ...]
    """Every finding of the gate's rules (empty for an ungated change)."""
    problems: tuple[str, ...] = ()
    """Reasons outside the rules (such as an exit trigger the strategy does not name)."""
    approvers: tuple[GateApproval, ...] = ()
    """Who may approve the change: the relationship's active SERs, one per party."""
    joint: bool = False
    """Whether the change leaves a joint stage (5-8): every party's SER approves it."""

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """The findings that block the change: FAIL, UNKNOWN (evidence missing) or ERROR."""
        return tuple(f for f in self.findings if f.verdict in _BLOCKING)

    @property
    def allowed(self) -> bool:
        """Whether the change may go ahead."""
        return not self.blocking and not self.problems

    def __bool__(self) -> bool:
        return self.allowed

    def reasons(self) -> tuple[str, ...]:
        """One line per reason the change is refused."""
        lines = [f"{f.rule_id} ({f.verdict.label}): {f.title}: {f.message}" for f in self.blocking]
        return (*self.problems, *lines)

    def _repr_html_(self) -> str:
        from collabrel._html import gate_check_html

        return gate_check_html(self)

    def to_frame(self) -> Any:
        """The gate's findings as a ``pandas.DataFrame`` (see ``views.findings_frame``)."""
        from collabrel.views import findings_frame

        return findings_frame(self.findings)


@lru_cache(maxsize=64)
def _gate_rules(ruleset: RuleSet, stage: Stage) -> RuleSet:
    return RuleSet(
        tuple(s for s in ruleset if s.level is not Level.ORG and s.stage is stage),
        base_version=ruleset.base_version,
    )


class Lifecycle:
    """Walks relationships through the stages, refusing a change whose gate is not met.

    One instance holds a rule set and a config; it is cheap and stateless otherwise. Every
    stage change returns a new relationship (with a new history entry) and never mutates.

    Example:
        >>> from datetime import date
        >>> import collabrel
        >>> from collabrel.lifecycle import Lifecycle
        >>> portfolio = collabrel.example_portfolio()
        >>> rel = portfolio.relationship("rel-aldermoor")
        >>> check = Lifecycle().can_advance(rel, portfolio.organization, as_of=date(2026, 11, 23))
        >>> check.allowed
        False
    """

    def __init__(self, ruleset: RuleSet | None = None, *, config: Config | None = None) -> None:
        if ruleset is None:
            from collabrel.rules import default_ruleset

            ruleset = default_ruleset()
        self.ruleset = ruleset
        """The rule set whose stage rules are the gates."""
        self.config = config or Config()
        """Intervals and thresholds the gate rules use."""

    # ------------------------------------------------------------------------ queries

    def gate(self, stage: Stage | int | str) -> tuple[RuleSpec, ...]:
        """Return the rules that must pass to leave *stage*.

        Raises:
            UnknownStageError: when *stage* names no stage (with the closest name).
        """
        return _gate_rules(self.ruleset, parse_stage(stage)).rules

    @staticmethod
    def allowed(relationship: Relationship) -> tuple[str, ...]:
        """Return the names of the transitions allowed from the relationship's stage."""
        _require(relationship, Relationship, "relationship", "allowed")
        return tuple(t.name for t in transitions_from(relationship.stage))

    def check(
        self,
        relationship: Relationship,
        organization: Organization,
        name: str,
        *,
        as_of: date,
        trigger: str | None = None,
        justification: str | None = None,
        approved_by: str | None = None,
        co_approvers: Iterable[str] = (),
    ) -> GateCheck:
        """Check the transition *name* without making it.

        With *approved_by* (and, for a joint gate, *co_approvers*), it also checks who
        approves; an exit activation is checked against the *trigger* and *justification*.

        Raises:
            TransitionNotAllowedError: when *name* is not a transition from the current stage.
            NotADateError: when *as_of* is not a date.
        """
        as_of = require_date(as_of, "as_of")
        _require(relationship, Relationship, "relationship", "check")
        _require(organization, Organization, "organization", "check")
        t = resolve(relationship.id, relationship.stage, name)
        findings: tuple[Finding, ...] = ()
        if t.gated:
            findings = self._gate_findings(relationship, organization, t.source, as_of)
        problems: list[str] = []
        if t.dest.number is not None and t.move is not Move.ACTIVATE_EXIT:
            problems += _scope_problems(relationship, organization)
        if approved_by is not None:
            problems += _approval_problems(relationship, t, approved_by, tuple(co_approvers))
        if t.move is Move.ACTIVATE_EXIT:
            problems += _exit_problems(relationship, trigger, justification)
        approvers = tuple(GateApproval(party=s.party, by=s.person) for s in relationship.sers
                          if s.active and s.party is not None)  # fmt: skip
        return GateCheck(relationship_id=relationship.id, transition=t, findings=findings,
                         problems=tuple(problems), approvers=approvers,
                         joint=t.source in _JOINT_SOURCES)  # fmt: skip

    def can_advance(
        self, relationship: Relationship, organization: Organization, *, as_of: date
    ) -> GateCheck:
        """Check whether the relationship may advance to its next stage.

        Raises:
            TransitionNotAllowedError: when its stage has no next stage (closed, or stage 7,
                which is left only by exit activation).
            NotADateError: when *as_of* is not a date.
        """
        return self.check(relationship, organization, Move.ADVANCE.value, as_of=as_of)

    def _gate_findings(
        self, rel: Relationship, org: Organization, stage: Stage, as_of: date
    ) -> tuple[Finding, ...]:
        rules = _gate_rules(self.ruleset, stage)
        if not len(rules):
            return ()
        # the gate is judged for this relationship whatever the scope lists, but the scope's
        # exclusions still relax it
        scoped = (
            org
            if org.scope is None
            else attrs.evolve(
                org,
                scope=attrs.evolve(org.scope, application_level=ApplicationLevel.ORGANIZATION_WIDE),
            )
        )
        session = Session(Portfolio(organization=scoped, relationships=(rel,)), rules,
                          as_of=as_of, config=self.config)  # fmt: skip
        return session.findings(subject_id=rel.id)

    # ---------------------------------------------------------------------- changes

    def advance(
        self,
        relationship: Relationship,
        organization: Organization,
        *,
        on: date,
        approved_by: str,
        co_approvers: Iterable[str] = (),
        note: str | None = None,
    ) -> Relationship:
        """Return the relationship advanced to its next stage, entered *on* by *approved_by*.

        *approved_by* is an active SER of the relationship. Leaving a joint stage (5-8) is
        approved by every party's active SER: name the other parties' SERs in
        *co_approvers*; the new history entry records each party's approval.

        Raises:
            GateBlockedError: with the findings that block it, or the approvals missing.
            TransitionNotAllowedError: when there is no next stage from here.
            NotADateError: when *on* is not a date.
            ValidationError: when *approved_by* is not a known person.
        """
        _require(organization, Organization, "organization", "advance")
        return self._fire(relationship, organization, Move.ADVANCE.value, on=on,
                          approved_by=approved_by, co_approvers=co_approvers,
                          note=note, people=organization)  # fmt: skip

    def revise(
        self,
        relationship: Relationship,
        *,
        on: date,
        approved_by: str,
        note: str | None = None,
        organization: Organization | None = None,
    ) -> Relationship:
        """Return the relationship stepped back to the previous stage to revise it (2-4).

        *approved_by* is checked as for :meth:`withdraw`.
        """
        return self._fire(relationship, None, Move.REVISE.value, on=on,
                          approved_by=approved_by, note=note, people=organization)  # fmt: skip

    def withdraw(
        self,
        relationship: Relationship,
        *,
        on: date,
        approved_by: str,
        note: str | None = None,
        organization: Organization | None = None,
    ) -> Relationship:
        """Return the relationship closed: not pursued (up to stage 3) or no partner (stage 4).

        *approved_by* is the person id of the approver: a contact, SER or team member of the
        relationship, or, when *organization* is given, one of its people.

        Raises:
            TransitionNotAllowedError: when it cannot be withdrawn from its stage.
            NotADateError: when *on* is not a date.
            ValidationError: when *approved_by* is not a known person.
        """
        return self._fire(relationship, None, Move.WITHDRAW.value, on=on,
                          approved_by=approved_by, note=note, people=organization)  # fmt: skip

    def activate_exit(
        self,
        relationship: Relationship,
        *,
        on: date,
        trigger: str,
        approved_by: str,
        co_approvers: Iterable[str] = (),
        justification: str | None = None,
        organization: Organization | None = None,
    ) -> Relationship:
        """Return the relationship at stage 8, its agreed exit strategy activated on *trigger*.

        *approved_by* is checked as for :meth:`withdraw`.
        The trigger is one the strategy names, or another one with a recorded
        *justification* (as rule ``iso44001:8.9.1/activation`` accepts). Activation leaves a
        joint stage: every party's active SER approves it (*approved_by* and *co_approvers*).

        Raises:
            GateBlockedError: when the exit strategy is not agreed by every party, the trigger
                is neither named nor justified, or approvals are missing.
            TransitionNotAllowedError: outside stages 5-7.
            NotADateError: when *on* is not a date.
            ValidationError: when *approved_by* is not a known person, or *trigger* or
                *justification* is not text.
        """
        on = require_date(on, "on")
        _require(relationship, Relationship, "relationship", "activate_exit")
        _check_approver(relationship, organization, approved_by, "activate_exit")
        if not isinstance(trigger, str):
            raise FieldTypeError(
                f"Lifecycle.activate_exit(trigger=...) must be the text of one of the exit "
                f"strategy's trigger kinds; got {type(trigger).__name__} {trigger!r:.60}",
                owner="Lifecycle.activate_exit",
                field="trigger",
            )
        if justification is not None and not isinstance(justification, str):
            raise FieldTypeError(
                f"Lifecycle.activate_exit(justification=...) must be text (why a trigger the "
                f"strategy does not name applies) or None; got {type(justification).__name__} "
                f"{justification!r:.60}",
                owner="Lifecycle.activate_exit",
                field="justification",
            )
        check = self.check(relationship, _NO_ORG, Move.ACTIVATE_EXIT.value, as_of=on,
                           trigger=trigger, justification=justification,
                           approved_by=approved_by, co_approvers=co_approvers)  # fmt: skip
        _raise_if_blocked(check)
        strategy = relationship.exit_strategy
        assert strategy is not None  # noqa: S101 - checked by _exit_problems
        moved = _enter(relationship, check.transition, on=on, approved_by=approved_by,
                       co_approvers=tuple(co_approvers), note=justification)  # fmt: skip
        activation = ExitActivation(activated_on=on, trigger=trigger,
                                    justification=justification,
                                    strategy_version=strategy.version)  # fmt: skip
        return attrs.evolve(
            moved,
            exit_strategy=attrs.evolve(strategy, status=ExitStatus.ACTIVATED),
            disengagement=attrs.evolve(moved.disengagement, activation=activation),
        )

    def retrofit(
        self,
        relationship: Relationship,
        *,
        stage: Stage | int | str,
        on: date,
        approved_by: str,
        note: str | None = None,
        organization: Organization | None = None,
    ) -> Relationship:
        """Onboard an existing relationship at stage 4, 5 or 7 (catalog §0.5 point 6).

        The history records the entry as a retrofit; evidence of the earlier stages is
        back-filled afterwards and evaluated like any other. *approved_by* is checked as for
        :meth:`withdraw`.

        Raises:
            UnknownStageError: when *stage* names no stage (with the closest name).
            TransitionNotAllowedError: when the stage is not 4, 5 or 7, or the relationship
                is not a candidate.
            NotADateError: when *on* is not a date.
            ValidationError: when *approved_by* is not a known person.
        """
        target = parse_stage(stage)
        moved = self._fire(relationship, None, f"retrofit_to_{target.slug}", on=on,
                           approved_by=approved_by, note=note, people=organization)  # fmt: skip
        return attrs.evolve(moved, onboarding=Onboarding.RETROFIT)

    def _fire(
        self,
        relationship: Relationship,
        organization: Organization | None,
        name: str,
        *,
        on: date,
        approved_by: str,
        note: str | None,
        people: Organization | None,
        co_approvers: Iterable[str] = (),
    ) -> Relationship:
        on = require_date(on, "on")
        call = "retrofit" if name.startswith("retrofit_to_") else name
        _require(relationship, Relationship, "relationship", call)
        _check_approver(relationship, people, approved_by, call)
        t = resolve(relationship.id, relationship.stage, name)
        if t.gated and organization is None:  # pragma: no cover - gated moves always pass one
            msg = "a gated transition needs the organization"
            raise LifecycleError(msg)
        check = self.check(relationship, organization or _NO_ORG, name, as_of=on,
                           approved_by=approved_by, co_approvers=co_approvers)  # fmt: skip
        _raise_if_blocked(check)
        return _enter(relationship, t, on=on, approved_by=approved_by,
                      co_approvers=tuple(co_approvers), note=note)  # fmt: skip


_NO_ORG = Organization(id="-", name="-")
_SHOWN_PEOPLE = 12


def parse_stage(value: object) -> Stage:
    """Return the stage *value* names (a member, a number 0-11 or a name such as ``knowledge``).

    Raises:
        UnknownStageError: naming the accepted spellings and the closest stage name.
    """
    try:
        return Stage.parse(value)
    except ValueError:
        pass
    slugs = [s.slug for s in Stage]
    close = closest_slug(value)
    hint = f" (did you mean {close!r}?)" if close else ""
    shown = f"{value!r:.60}"
    raise UnknownStageError(
        f"unknown stage {shown}{hint}. Use a number 1-8 or one of: {', '.join(slugs)}",
        given=shown,
        suggestion=close or "",
    )


def _require(value: Any, cls: type, name: str, call: str) -> None:
    if not isinstance(value, cls):
        raise FieldTypeError(
            f"Lifecycle.{call}({name}=...) must be a {cls.__name__}; got "
            f"{type(value).__name__} {value!r:.60}",
            owner=f"Lifecycle.{call}",
            field=name,
        )


def _check_approver(rel: Relationship, org: Organization | None, approver: Any, call: str) -> None:
    """Refuse an approver who is not a known person (an id, not a name)."""
    if org is not None:
        _require(org, Organization, "organization", call)
    if not isinstance(approver, str):
        raise FieldTypeError(
            f"Lifecycle.{call}(approved_by=...) must be the person id of the approver; got "
            f"{type(approver).__name__} {approver!r:.60}",
            owner=f"Lifecycle.{call}",
            field="approved_by",
        )
    known = {c.id for p in rel.parties for c in p.contacts}
    known |= {s.person for s in rel.sers} | {t.person for t in rel.team}
    if org is not None:
        known |= {p.id for p in org.people}
    if approver in known:
        return
    listed = sorted(known)
    shown = ", ".join(listed[:_SHOWN_PEOPLE]) + (", ..." if len(listed) > _SHOWN_PEOPLE else "")
    where = (
        "the organization's people and the relationship's contacts, SERs and team"
        if org is not None
        else "the relationship's contacts, SERs and team; pass organization=... to accept the "
        "organization's people too"
    )
    close = difflib.get_close_matches(approver, listed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValidationError(
        f"Lifecycle.{call}(approved_by={approver!r:.60}) is not a known person{hint}: use the "
        f"id of one of {where} (known: {shown or 'none'})",
        owner=f"Lifecycle.{call}",
        field="approved_by",
        hint=f"use one of: {shown}" if shown else "",
    )


def _raise_if_blocked(check: GateCheck) -> None:
    if check.allowed:
        return
    t = check.transition
    reasons = "\n  - ".join(check.reasons())
    raise GateBlockedError(
        f"relationship {check.relationship_id!r} cannot {t.move.value} from {t.source} to "
        f"{t.dest}:\n  - {reasons}",
        relationship_id=check.relationship_id,
        findings=check.blocking,
        reasons=check.reasons(),
    )


def _exit_problems(
    rel: Relationship, trigger: str | None, justification: str | None
) -> tuple[str, ...]:
    strategy = rel.exit_strategy
    if strategy is None:
        return ("no exit strategy is recorded; agree one with every party first (8.6.9)",)
    problems = []
    if strategy.status is not ExitStatus.AGREED:
        problems.append(f"the exit strategy is {strategy.status.value}, not agreed (8.6.9)")
    parties = {p.id for p in rel.parties}
    signed = {s.party for s in strategy.agreed_by if s.version == strategy.version}
    if not parties <= signed:
        missing = ", ".join(sorted(parties - signed))
        problems.append(
            f"the exit strategy (version {strategy.version}) is not signed by: {missing}"
        )
    kinds = [t.kind for t in strategy.triggers]
    justified = bool(justification and justification.strip())
    if trigger is None or (trigger not in kinds and not justified):
        problems.append(
            f"trigger {trigger!r} is not one the exit strategy names; use one of: "
            f"{', '.join(kinds) or 'none recorded'}, or record a justification for another "
            "trigger (8.9.1)"
        )
    return tuple(problems)


def _scope_problems(rel: Relationship, org: Organization) -> list[str]:
    scope = org.scope
    if scope is None or scope.application_level is None or scope.covers(rel.id):
        return []
    why = (
        f"relationship {rel.id!r} is outside the CBRMS scope (4.3): its rules would not apply "
        "in the lifecycle. Add it to organization.scope.relationships_in_scope (or apply the "
        "CBRMS organization-wide) before moving it through the stages"
    )
    return [why]


def _approval_problems(
    rel: Relationship, t: Transition, approved_by: str, co_approvers: tuple[str, ...]
) -> list[str]:
    if t.move is Move.WITHDRAW and t.source is Stage.CANDIDATE:
        return []  # an opportunity dropped before anybody was appointed
    active = {s.person: s.party for s in rel.sers if s.active}
    shown = ", ".join(f"{p} ({party})" for p, party in active.items()) or "none recorded"
    problems = []
    strangers = [p for p in (approved_by, *co_approvers) if p not in active]
    if strangers:
        problems.append(
            f"{', '.join(repr(p) for p in strangers)} is not an active SER of relationship "
            f"{rel.id!r}, so cannot approve this stage change (active SERs: {shown})"
        )
    if t.source in _JOINT_SOURCES:
        covered = {active[p] for p in (approved_by, *co_approvers) if p in active}
        missing = [p.id for p in rel.parties if p.id not in covered]
        if missing:
            wanted = ", ".join(
                f"{party} ({', '.join(p for p, q in active.items() if q == party) or 'no SER'})"
                for party in missing
            )
            problems.append(
                f"leaving {t.source} is a joint gate: every party's active SER approves it; "
                f"missing {wanted}. Name them in co_approvers"
            )
    return problems


def _enter(
    rel: Relationship,
    t: Transition,
    *,
    on: date,
    approved_by: str,
    note: str | None,
    co_approvers: tuple[str, ...] = (),
) -> Relationship:
    if rel.stage_history and on < rel.stage_history[-1].entered_on:
        last = rel.stage_history[-1]
        msg = (
            f"relationship {rel.id!r} entered {last.stage} on {last.entered_on}; a stage "
            f"change cannot be dated earlier ({on})"
        )
        raise LifecycleError(msg)
    parties = {s.person: s.party for s in rel.sers if s.active and s.party is not None}
    approvals = (
        tuple(
            GateApproval(party=parties[p], by=p)
            for p in dict.fromkeys((approved_by, *co_approvers))
            if p in parties
        )
        if t.source in _JOINT_SOURCES or co_approvers
        else ()
    )
    record = StageRecord(stage=t.dest, entered_on=on, approved_by=approved_by,
                         approvals=approvals, retrofit=t.move is Move.RETROFIT,
                         note=note)  # fmt: skip
    return attrs.evolve(rel, stage=t.dest, stage_history=(*rel.stage_history, record))
