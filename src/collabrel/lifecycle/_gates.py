"""Stage gates and stage changes: the rules of a stage decide whether a relationship may leave it.

A gate is part of the rule set: the rules whose ``stage`` is the stage being left. A custom
rule with that stage tightens the gate; excluding a rule (with a justification) relaxes it.
"""

from __future__ import annotations

import difflib
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
    Onboarding,
    Organization,
    Portfolio,
    Relationship,
    StageRecord,
)
from collabrel._stages import Stage
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
    ) -> GateCheck:
        """Check the transition *name* without making it.

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
        problems: tuple[str, ...] = ()
        if t.move is Move.ACTIVATE_EXIT:
            problems = _exit_problems(relationship, trigger)
        return GateCheck(relationship_id=relationship.id, transition=t, findings=findings,
                         problems=problems)  # fmt: skip

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
        note: str | None = None,
    ) -> Relationship:
        """Return the relationship advanced to its next stage, entered *on* by *approved_by*.

        *approved_by* is the person id of the approver: one of the organization's people or a
        contact, SER or team member of the relationship.

        Raises:
            GateBlockedError: with the findings that block it.
            TransitionNotAllowedError: when there is no next stage from here.
            NotADateError: when *on* is not a date.
            ValidationError: when *approved_by* is not a known person.
        """
        _require(organization, Organization, "organization", "advance")
        return self._fire(relationship, organization, Move.ADVANCE.value, on=on,
                          approved_by=approved_by, note=note, people=organization)  # fmt: skip

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
        justification: str | None = None,
        organization: Organization | None = None,
    ) -> Relationship:
        """Return the relationship at stage 8, its agreed exit strategy activated on *trigger*.

        *approved_by* is checked as for :meth:`withdraw`.

        Raises:
            GateBlockedError: when the exit strategy is not agreed by every party or does not
                name the trigger.
            TransitionNotAllowedError: outside stages 5-7.
            NotADateError: when *on* is not a date.
            ValidationError: when *approved_by* is not a known person or *trigger* no text.
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
        check = self.check(relationship, _NO_ORG, Move.ACTIVATE_EXIT.value, as_of=on,
                           trigger=trigger)  # fmt: skip
        _raise_if_blocked(check)
        strategy = relationship.exit_strategy
        assert strategy is not None  # noqa: S101 - checked by _exit_problems
        moved = _enter(relationship, check.transition, on=on, approved_by=approved_by,
                       note=justification)  # fmt: skip
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
    ) -> Relationship:
        on = require_date(on, "on")
        call = "retrofit" if name.startswith("retrofit_to_") else name
        _require(relationship, Relationship, "relationship", call)
        _check_approver(relationship, people, approved_by, call)
        t = resolve(relationship.id, relationship.stage, name)
        if t.gated:
            if organization is None:  # pragma: no cover - gated moves always pass one
                msg = "a gated transition needs the organization"
                raise LifecycleError(msg)
            _raise_if_blocked(self.check(relationship, organization, name, as_of=on))
        return _enter(relationship, t, on=on, approved_by=approved_by, note=note)


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
    close: list[str] = []
    if isinstance(value, str):
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        close = difflib.get_close_matches(key, slugs, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    shown = f"{value!r:.60}"
    raise UnknownStageError(
        f"unknown stage {shown}{hint}. Use a number 1-8 or one of: {', '.join(slugs)}",
        given=shown,
        suggestion=close[0] if close else "",
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


def _exit_problems(rel: Relationship, trigger: str | None) -> tuple[str, ...]:
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
    if trigger is None or trigger not in kinds:
        problems.append(
            f"trigger {trigger!r} is not one the exit strategy names; use one of: "
            f"{', '.join(kinds) or 'none recorded'}"
        )
    return tuple(problems)


def _enter(
    rel: Relationship, t: Transition, *, on: date, approved_by: str, note: str | None
) -> Relationship:
    if rel.stage_history and on < rel.stage_history[-1].entered_on:
        last = rel.stage_history[-1]
        msg = (
            f"relationship {rel.id!r} entered {last.stage} on {last.entered_on}; a stage "
            f"change cannot be dated earlier ({on})"
        )
        raise LifecycleError(msg)
    record = StageRecord(stage=t.dest, entered_on=on, approved_by=approved_by,
                         retrofit=t.move is Move.RETROFIT, note=note)  # fmt: skip
    return attrs.evolve(rel, stage=t.dest, stage_history=(*rel.stage_history, record))
