"""ISO 44001 fidelity, round 2 (issue 14): each gap an auditor found, on a conforming firm.

The conforming organization is Northbridge (the bundled example) running one relationship,
the rail joint venture, with the example's deliberate organization gaps put right: every
built-in rule passes or does not apply to it. Each gap of the issue then has a PASS and a FAIL
example, the FAIL one fact changed (a scope entry, a date, a sign-off, an approval, a flag).
The lifecycle, report, view and command-line examples start from the same organization.
The last tests check that the explanation of every FAIL example, here and in the clause
tables, names what is missing or wrong.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest

import collabrel
from collabrel import (
    ExitActivation,
    GateApproval,
    NonconformityStatus,
    Portfolio,
    Stage,
)
from collabrel._cli import main
from collabrel.errors import GateBlockedError, LoadError
from collabrel.lifecycle import Lifecycle
from collabrel.reports import Report
from collabrel.rules import (
    Finding,
    GapKind,
    Session,
    Trace,
    Verdict,
    default_ruleset,
    evaluate,
    nonconformities_from,
    small_firm_profile,
)
from collabrel.rules._conditions import leaf_text
from collabrel.views import iso44003_principles

AS_OF = date(2026, 11, 23)
ORG = "northbridge"
RAIL = "rel-rail-jv"
PASS, FAIL = Verdict.PASS, Verdict.FAIL

Change = Callable[[Portfolio], Portfolio]


# ---------------------------------------------------------------- the conforming firm


def conforming() -> Portfolio:
    """Northbridge with the rail joint venture only, its deliberate gaps put right."""
    example = collabrel.example_portfolio()
    org = example.organization

    def ours(relationship_id: str | None) -> bool:
        return relationship_id in {None, RAIL}

    org = attrs.evolve(
        org,
        scope=attrs.evolve(org.scope, relationships_in_scope=(RAIL,), exclusions=()),
        risk_register=attrs.evolve(org.risk_register, last_reviewed_on=date(2026, 11, 2)),
        monitoring_plan=attrs.evolve(
            org.monitoring_plan,
            items=tuple(i for i in org.monitoring_plan.items if ours(i.relationship_id)),
        ),
        communication_plan=attrs.evolve(
            org.communication_plan,
            items=tuple(i for i in org.communication_plan.items if ours(i.relationship_id)),
        ),
        documents=tuple(d for d in org.documents if ours(d.relationship_id)),
        nonconformities=tuple(n for n in org.nonconformities if ours(n.relationship_id)),
        communications=tuple(c for c in org.communications if ours(c.relationship_id)),
        opportunities=tuple(o for o in org.opportunities if ours(o.relationship_id)),
        segmentation=attrs.evolve(
            org.segmentation,
            entries=tuple(e for e in org.segmentation.entries if e.relationship_id == RAIL),
        ),
        audit_reports=tuple(
            attrs.evolve(
                a, relationships_sampled=tuple(r for r in a.relationships_sampled if r == RAIL)
            )
            for a in org.audit_reports
        ),
    )
    rail = example.relationship(RAIL)
    people = {p.id for p in org.people} | {c.id for party in rail.parties for c in party.contacts}
    org = attrs.evolve(
        org,
        competence_records=tuple(
            attrs.evolve(c, relationship_ids=tuple(r for r in c.relationship_ids if r == RAIL))
            for c in org.competence_records
            if c.person in people
        ),
    )
    return Portfolio(organization=org, relationships=(rail,))


def not_met(portfolio: Portfolio, ruleset: Any = None) -> dict[tuple[str, str], Verdict]:
    session = Session(portfolio, ruleset or default_ruleset(), as_of=AS_OF)
    return {
        key: v
        for key, v in session.verdicts().items()
        if v not in {Verdict.PASS, Verdict.NOT_APPLICABLE}
    }


@pytest.fixture(scope="module")
def firm() -> Portfolio:
    return conforming()


def test_the_conforming_firm_meets_every_rule(firm: Portfolio) -> None:
    assert not_met(firm) == {}
    assert firm.problems() == []


def test_the_new_concepts_round_trip_through_every_format(firm: Portfolio) -> None:
    """Joint gate approvals, the JMT, exit strategies with versions, organization changes,
    outsourced processes: the loader accepts them and dumping gives them back."""
    rail = firm.relationship(RAIL)
    assert rail.stage_history[-1].approvals
    assert any(b.jmt for b in rail.working.governance.bodies)
    assert rail.internal_exit_strategy is not None
    assert rail.exit_strategy.versions
    assert rail.joint_rmp.versions
    assert firm.organization.changes
    assert firm.organization.outsourced_processes
    for fmt in ("yaml", "json", "toml"):
        assert collabrel.loads(collabrel.dumps(firm, format=fmt), format=fmt) == firm
    # a gate approval names a person the portfolio knows
    stranger = rel("stage_history[6].approvals[1].by", "a-temp-clerk")(firm)
    (problem,) = stranger.problems()
    assert problem.path == "$.relationships[0].stage_history[6].approvals[1].by"
    assert "unknown person 'a-temp-clerk'" in problem.message


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_risk_source_naming_no_issue_or_stakeholder_is_refused_by_the_loader(
    firm: Portfolio, fmt: str
) -> None:
    """A risk's ``source_ref`` is a reference: the loader names the path and how to fix it."""
    assert all(i.source_ref for i in firm.organization.risk_register.items)
    broken = org("risk_register.items[id=cr-02].source_ref", "Halden Rail")(firm)
    (problem,) = broken.problems()
    path = "$.organization.risk_register.items[1].source_ref"
    assert problem.path == path
    assert problem.message == "unknown context issue or stakeholder 'Halden Rail'"
    assert "organization.stakeholders.entries" in (problem.hint or "")
    with pytest.raises(LoadError) as refused:
        collabrel.loads(collabrel.dumps(broken, format=fmt), format=fmt)
    assert [(p.path, p.message) for p in refused.value.problems] == [(path, problem.message)]


def test_a_relationship_risk_source_is_checked_record_by_record(
    firm: Portfolio, tmp_path: Path
) -> None:
    """Streaming a JSON Lines portfolio checks a relationship risk's ``source_ref`` too."""
    named = rel("risk_register.items[0].source_ref", HALDEN)(firm)
    path = tmp_path / "named.jsonl"
    collabrel.dump(named, path)
    assert [r.id for r in collabrel.iter_relationships(path)] == [RAIL]
    broken = rel("risk_register.items[0].source_ref", "Nowhere")(firm)
    where = "$.relationships[0].risk_register.items[0].source_ref"
    assert [p.path for p in broken.problems()] == [where]
    path = tmp_path / "broken.jsonl"
    collabrel.dump(broken, path)
    with pytest.raises(LoadError) as refused:
        list(collabrel.iter_relationships(path))
    assert [p.path for p in refused.value.problems] == [where]
    assert "unknown context issue or stakeholder 'Nowhere'" in str(refused.value)


# ------------------------------------------------------------------------ one-fact changes

_SEGMENT = re.compile(r"^(?P<name>\w+)(?:\[(?P<sel>[^\]]+)\])?$")


def _pick(items: tuple[Any, ...], sel: str) -> int:
    if sel.isdigit():
        return int(sel)
    attr, _, value = sel.partition("=")
    matches = [i for i, item in enumerate(items) if str(getattr(item, attr)) == value]
    assert len(matches) == 1, f"{len(matches)} elements with {sel}"
    return matches[0]


def _set(obj: Any, path: list[str], value: Any) -> Any:
    """*obj* with the field at *path* (``a.b[2].c``, ``a[id=x]``) set, or edited by a function."""
    m = _SEGMENT.match(path[0])
    assert m, path[0]
    name, sel = m["name"], m["sel"]
    old = getattr(obj, name)
    if sel is None:
        new = _set(old, path[1:], value) if path[1:] else (value(old) if callable(value) else value)
    else:
        i = _pick(old, sel)
        item = _set(old[i], path[1:], value) if path[1:] else value
        new = (*old[:i], item, *old[i + 1 :])
    return attrs.evolve(obj, **{name: new})


def rel(path: str, value: Any) -> Change:
    """Change one fact of the rail joint venture."""
    return lambda pf: pf.with_relationship(_set(pf.relationship(RAIL), path.split("."), value))


def org(path: str, value: Any) -> Change:
    """Change one fact of the organization."""
    return lambda pf: attrs.evolve(pf, organization=_set(pf.organization, path.split("."), value))


def without(pred: Callable[[Any], bool]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    return lambda items: tuple(i for i in items if not pred(i))


def each(**fields: Any) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    return lambda items: tuple(attrs.evolve(i, **fields) for i in items)


def leave_out(person: str) -> Callable[[Any], Any]:
    """A governance structure where *person* is neither sponsor nor member of a body."""

    def edit(gov: Any) -> Any:
        bodies = tuple(
            attrs.evolve(b, members=tuple(m for m in b.members if m != person)) for b in gov.bodies
        )
        sponsors = tuple(p for p in gov.sponsors if p != person)
        return attrs.evolve(gov, bodies=bodies, sponsors=sponsors)

    return edit


def at_stage(stage: int) -> Change:
    """The rail joint venture as it was when it reached *stage* (its later history dropped)."""

    def change(pf: Portfolio) -> Portfolio:
        r = pf.relationship(RAIL)
        history = tuple(h for h in r.stage_history if int(h.stage) <= stage)
        return pf.with_relationship(attrs.evolve(r, stage=Stage(stage), stage_history=history))

    return change


def then(*changes: Change) -> Change:
    def change(pf: Portfolio) -> Portfolio:
        for c in changes:
            pf = c(pf)
        return pf

    return change


def retrofitted(pf: Portfolio) -> Portfolio:
    """The rail joint venture brought in at stage 5, its stage 1-4 documents marked."""
    r = pf.relationship(RAIL)
    history = (
        attrs.evolve(r.stage_history[4], retrofit=True),
        *r.stage_history[5:],
    )
    r = attrs.evolve(r, onboarding=collabrel.Onboarding.RETROFIT, stage_history=history)
    marks = {"DOC-RJV-SER": False, "DOC-RJV-GOV": True, "DOC-RJV-RMP": True}
    docs = tuple(
        attrs.evolve(d, backfilled=marks[d.id]) if d.id in marks else d
        for d in pf.organization.documents
    )
    org = attrs.evolve(pf.organization, documents=docs)
    return attrs.evolve(pf.with_relationship(r), organization=org)


# ------------------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Example:
    """One example of a gap: *change* applied to the conforming firm gives *verdict*."""

    gap: str
    rule: str
    verdict: Verdict
    change: Change | None = None
    subject: str = RAIL
    names: str = ""
    """For FAIL: text the finding's message must contain (the missing item or bad value)."""

    def __str__(self) -> str:
        return f"{self.gap}-{self.verdict.value}"


def ok(gap: str, rule: str, change: Change | None = None, subject: str = RAIL) -> Example:
    return Example(gap, f"iso44001:{rule}", PASS, change, subject)


def bad(gap: str, rule: str, change: Change, names: str, subject: str = RAIL) -> Example:
    return Example(gap, f"iso44001:{rule}", FAIL, change, subject, names)


HALDEN = "Halden Rail Systems Ltd"
"""The partner's entry in the stakeholder register, the source of risk cr-02."""
MONTHLY_DASHBOARD = "communications[topic=JV performance dashboard].sent_on"
OURS_ONLY = without(lambda idea: idea.raised_by_party != ORG)
"""Only Northbridge's ideas: the partner raised none."""

EXAMPLES: list[Example] = [
    # -------------------------------------------- requirements checked too weakly or not at all
    ok("4.3-scope", "4.3/complete", subject=ORG),
    bad("4.3-scope", "4.3/complete", org("scope.relationships_in_scope", ()),
        "(stages 1-8) but outside scope.relationships_in_scope (their rules are not applied): "
        "rel-rail-jv", subject=ORG),
    ok("7.4-log", "7.4/log", subject=ORG),
    bad("7.4-log", "7.4/log", org(MONTHLY_DASHBOARD, date(2026, 5, 10)),
        "'JV performance dashboard' for rel-rail-jv (monthly) last sent 2026-05-10", subject=ORG),
    ok("8.6.2-jmt", "8.6.2/jmt"),
    bad("8.6.2-jmt", "8.6.2/jmt",
        rel("working.governance.bodies[1].party_members", without(lambda m: m.party != ORG)),
        "'Joint management team' has no member from halden-rail"),
    bad("8.6.2-jmt/none-marked", "8.6.2/jmt", rel("working.governance.bodies", each(jmt=False)),
        "no body is marked as the joint management team"),
    ok("6.1-sources", "6.1/sources", subject=ORG),
    bad("6.1-sources", "6.1/sources", org("risk_register.items[id=cr-02].source", "partner"),
        "risk_register.items[1].source: 'partner', expected one of 4.1, 4.2", subject=ORG),
    bad("6.1-sources/unknown-issue", "6.1/sources",
        org("risk_register.items[id=cr-04].source_ref", "Office coffee quality"),
        "cr-04 names 'Office coffee quality' as its source, which is no issue of the context "
        "analysis (4.1)", subject=ORG),
    bad("6.1-sources/stakeholder-gone", "6.1/sources",
        org("stakeholders.entries", without(lambda e: e.stakeholder == HALDEN)),
        f"cr-02 names {HALDEN!r} as its source, which is no stakeholder of the stakeholder "
        "register (4.2)", subject=ORG),
    bad("6.1-sources/unnamed", "6.1/sources", org("risk_register.items[id=cr-05].source_ref", None),
        "cr-05 does not say which issue of the context analysis (4.1) it comes from (source_ref)",
        subject=ORG),
    ok("5.3-roles", "5.3/relationship-roles"),
    bad("5.3-roles", "5.3/relationship-roles",
        rel("team[3].communicated_on", None), "team[3].communicated_on: missing"),
    # the JMT's own members hold communicated jmt_member roles (p-eng is team[3])
    bad("5.3-roles/jmt-not-assigned", "5.3/relationship-roles",
        rel("team", without(lambda a: a.role == "jmt_member")),
        "JMT member p-rl-rail has no jmt_member role in the team; JMT member p-eng has no "
        "jmt_member role in the team"),
    bad("5.3-roles/jmt-not-told", "5.3/relationship-roles",
        rel("team[3].communicated_on", None),
        "the jmt_member role of JMT member p-eng was never communicated"),
    ok("5.3-roles/partner-members", "5.3/relationship-roles",
       rel("working.governance.bodies[1].party_members",
           lambda m: (*m, collabrel.Participant(party="halden-rail", person="hrs-ceo")))),
    ok("5.3.2-ser", "5.3.2/ser-included", subject=ORG),
    bad("5.3.2-ser", "5.3.2/ser-included", org("governance", leave_out("p-coo")),
        "no active SER (p-coo) is a sponsor or a member", subject=ORG),
    # 8.7.1 asks for a joint process under which ideas are considered, not ideas of every party
    ok("8.7.1-relaxed", "8.7.1/joint", rel("value.ideas", OURS_ONLY)),
    bad("8.7.1-relaxed", "8.7.1/joint", rel("value.ideas", each(status="new")),
        "value.ideas: no entry of 5 where status is one of evaluated, implemented, rejected"),
    # ------------------------------------------------------------ concepts the model lacked
    # 1. a joint gate is approved by every party's SER
    ok("joint-approval", "8.7.1/gate"),
    bad("joint-approval", "8.7.1/gate", rel("stage_history[6].approvals", lambda a: a[:1]),
        "missing halden-rail (hrs-ceo)"),
    # 3. internal and joint exit strategies, each with its version history
    ok("exit-versions", "7.5.3/history"),
    bad("exit-versions", "7.5.3/history", rel("internal_exit_strategy.versions", ()),
        "internal_exit_strategy is at version 2 but its history lacks version 2"),
    bad("exit-versions/joint", "7.5.3/history",
        rel("exit_strategy.versions", without(lambda v: v.version == 3)),
        "exit_strategy is at version 3 but its history lacks version 3"),
    # 4. versions of joint documents, and who signed which
    ok("joint-doc-versions", "7.5.3/history"),
    bad("joint-doc-versions", "7.5.3/history",
        rel("joint_rmp.agreed_by[party=halden-rail].signed_on", date(2026, 10, 1)),
        "halden-rail signed version 5 on 2026-10-01, before it took effect on 2026-10-12"),
    ok("version-in-force", "8.9.1/activation", then(
        rel("disengagement.activation",
            ExitActivation(activated_on=date(2026, 11, 2), trigger="term_end",
                           strategy_version=3)),
        rel("stage", Stage.EXIT_STRATEGY_ACTIVATION))),
    bad("version-in-force", "8.9.1/activation", then(
        rel("disengagement.activation",
            ExitActivation(activated_on=date(2026, 11, 2), trigger="term_end",
                           strategy_version=2)),
        rel("stage", Stage.EXIT_STRATEGY_ACTIVATION)),
        "names version 2, but version 3 was in force on 2026-11-02"),
    # 5. organization-level change control and outsourced processes (8.1)
    ok("change-control", "8.1/change-control", subject=ORG),
    bad("change-control", "8.1/change-control",
        org("changes[id=chg-cbrms-2026-01].impact_reviewed_on", date(2026, 6, 15)),
        "changes[0].impact_reviewed_on: 2026-06-15, expected on or before 2026-06-01",
        subject=ORG),
    ok("outsourced", "8.1/outsourced", subject=ORG),
    bad("outsourced", "8.1/outsourced", org("outsourced_processes", each(controls=())),
        "outsourced_processes[0].controls: none", subject=ORG),
    # 6. back-filled evidence marked per document
    ok("backfilled", "8.1/backfilled", retrofitted),
    bad("backfilled", "8.1/backfilled",
        then(retrofitted, org("documents[id=DOC-RJV-GOV].backfilled", None)),
        "DOC-RJV-GOV belong to stages before the retrofit entry"),
    bad("backfilled/not-retrofit", "8.1/backfilled",
        org("documents[id=DOC-RJV-GOV].backfilled", True),
        "DOC-RJV-GOV marked back-filled, but rel-rail-jv was not onboarded by retrofit"),
    # 7. one source of truth for a sign-off: the artefact and its register entry agree
    ok("signoff-source", "7.5.2/relationship-register-agrees"),
    bad("signoff-source", "7.5.2/relationship-register-agrees",
        rel("joint_rmp.approved_on", date(2026, 10, 1)),
        "joint_rmp.approved_on is 2026-10-01, DOC-RJV-JRMP.approved_on is 2026-10-12"),
    ok("signoff-source-org", "7.5.2/register-agrees", subject=ORG),
    bad("signoff-source-org", "7.5.2/register-agrees", org("policy.approved_by", "p-coo"),
        "policy.approved_by is p-coo, DOC-POL.approved_by is p-ceo", subject=ORG),
]  # fmt: skip


def _finding(example: Example) -> Finding:
    portfolio = conforming()
    if example.change is not None:
        portfolio = example.change(portfolio)
    return Session(portfolio, default_ruleset(), as_of=AS_OF).finding(example.rule, example.subject)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_gap(example: Example) -> None:
    finding = _finding(example)
    assert finding.verdict is example.verdict, finding.message
    if example.verdict is FAIL:
        assert example.names in finding.message


def test_every_gap_has_a_pass_and_a_fail_example() -> None:
    gaps = {e.gap.split("/")[0] for e in EXAMPLES}  # "gap/variant": a further FAIL example
    for gap in gaps:
        verdicts = {e.verdict for e in EXAMPLES if e.gap.split("/")[0] == gap}
        assert verdicts == {PASS, FAIL}, gap


def test_a_relationship_taken_out_of_scope_keeps_its_failure_visible(firm: Portfolio) -> None:
    """Taking a failing relationship out of scope turns its rules N/A, not its failures away."""
    unsigned = rel("exit_strategy.agreed_by", lambda s: s[:1])(firm)
    assert not_met(unsigned)[("iso44001:8.6.9/agreed", RAIL)] is FAIL
    hidden = org("scope.relationships_in_scope", ())(unsigned)
    left = not_met(hidden)
    assert ("iso44001:8.6.9/agreed", RAIL) not in left
    assert left[("iso44001:4.3/complete", ORG)] is FAIL


# ------------------------------------------------------------------------------ lifecycle


def _advance(pf: Portfolio, **kw: Any) -> collabrel.Relationship:
    return Lifecycle().advance(pf.relationship(RAIL), pf.organization, on=AS_OF, **kw)


def test_a_gate_is_approved_by_an_active_ser(firm: Portfolio) -> None:
    at_4 = at_stage(4)(firm)
    moved = _advance(at_4, approved_by="p-rail")
    assert moved.stage is Stage.WORKING_TOGETHER
    assert not_met(at_4.with_relationship(moved)) == {}  # the history rules agree afterwards
    with pytest.raises(GateBlockedError) as refused:
        _advance(at_4, approved_by="p-qa")
    assert "'p-qa' is not an active SER of relationship 'rel-rail-jv'" in str(refused.value)
    assert "p-rail (northbridge)" in str(refused.value)


def test_a_joint_gate_needs_every_partys_ser(firm: Portfolio) -> None:
    at_6 = at_stage(6)(firm)
    check = Lifecycle().can_advance(at_6.relationship(RAIL), at_6.organization, as_of=AS_OF)
    assert check.joint
    assert {(a.party, a.by) for a in check.approvers} == {
        (ORG, "p-rail"),
        ("halden-rail", "hrs-ceo"),
    }
    at_4 = at_stage(4)(firm).relationship(RAIL)
    assert not Lifecycle().can_advance(at_4, firm.organization, as_of=AS_OF).joint
    moved = _advance(at_6, approved_by="p-rail", co_approvers=("hrs-ceo",))
    assert moved.stage is Stage.STAYING_TOGETHER
    assert moved.stage_history[-1].approvals == (
        GateApproval(party=ORG, by="p-rail"),
        GateApproval(party="halden-rail", by="hrs-ceo"),
    )
    assert not_met(at_6.with_relationship(moved)) == {}
    with pytest.raises(GateBlockedError) as refused:
        _advance(at_6, approved_by="p-rail")
    assert "joint gate" in str(refused.value)
    assert "missing halden-rail (hrs-ceo)" in str(refused.value)


def test_exit_on_a_justified_trigger_agrees_with_rule_8_9_1(firm: Portfolio) -> None:
    rail = firm.relationship(RAIL)
    why = "Halden was taken over by a framework competitor's parent; both SERs agreed to exit."
    exited = Lifecycle().activate_exit(
        rail, on=AS_OF, trigger="strategic_change", justification=why,
        approved_by="p-rail", co_approvers=("hrs-ceo",),
    )  # fmt: skip
    assert exited.stage is Stage.EXIT_STRATEGY_ACTIVATION
    after = firm.with_relationship(exited)
    session = Session(after, default_ruleset(), as_of=AS_OF)
    assert session.verdict("iso44001:8.9.1/activation", RAIL) is PASS
    with pytest.raises(GateBlockedError, match="or record a justification"):
        Lifecycle().activate_exit(
            rail, on=AS_OF, trigger="strategic_change", approved_by="p-rail",
            co_approvers=("hrs-ceo",),
        )  # fmt: skip
    unjustified = firm.with_relationship(
        attrs.evolve(
            exited,
            disengagement=attrs.evolve(
                exited.disengagement,
                activation=attrs.evolve(exited.disengagement.activation, justification=None),
            ),
        )
    )
    finding = Session(unjustified, default_ruleset(), as_of=AS_OF).finding(
        "iso44001:8.9.1/activation", RAIL
    )
    assert finding.verdict is FAIL
    assert "trigger 'strategic_change' is not one the strategy names" in finding.message


def test_a_relationship_outside_the_scope_is_not_moved(firm: Portfolio) -> None:
    at_4 = at_stage(4)(firm)
    assert _advance(at_4, approved_by="p-rail").stage is Stage.WORKING_TOGETHER
    outside = org("scope.relationships_in_scope", ())(at_4)
    with pytest.raises(GateBlockedError, match=r"outside the CBRMS scope \(4\.3\)"):
        _advance(outside, approved_by="p-rail")
    # the same fact is the 4.3 finding of the assessment
    assert not_met(outside)[("iso44001:4.3/complete", ORG)] is FAIL


# ---------------------------------------------------- open gate items vs nonconformities


UNAPPROVED_STRATEGY = rel("selection.negotiation_strategy.approved_by", None)
"""An 8.5.4 requirement (stage 4) not met: work of stage 4."""


def _stage4_gap_at(stage: int) -> Portfolio:
    """The conforming firm with its rail joint venture at *stage* and 8.5.4 not met."""
    base = conforming() if stage == 7 else at_stage(stage)(conforming())  # 7: where it is
    return UNAPPROVED_STRATEGY(base)


def test_current_stage_work_is_an_open_gate_item_and_later_a_nonconformity() -> None:
    rule = "iso44001:8.5.4/approved-first"
    at_4 = Session(_stage4_gap_at(4), default_ruleset(), as_of=AS_OF).finding(rule, RAIL)
    assert at_4.verdict is FAIL
    assert at_4.subject_stage is Stage.PARTNER_SELECTION
    assert at_4.gap is GapKind.OPEN_GATE_ITEM
    at_7 = Session(_stage4_gap_at(7), default_ruleset(), as_of=AS_OF).finding(rule, RAIL)
    assert at_7.verdict is FAIL
    assert at_7.gap is GapKind.NONCONFORMITY
    org_finding = Session(conforming(), default_ruleset(), as_of=AS_OF).finding(
        "iso44001:5.2/values", ORG
    )
    assert org_finding.gap is None  # a PASS is neither


def test_an_overdue_review_is_a_nonconformity_even_in_the_current_stage(firm: Portfolio) -> None:
    lapsed = then(at_stage(5), rel("working.risk_register.last_reviewed_on", date(2026, 6, 1)))
    finding = Session(lapsed(firm), default_ruleset(), as_of=AS_OF).finding(
        "iso44001:8.6.4/reviewed", RAIL
    )
    assert finding.verdict is FAIL
    assert finding.subject_stage is Stage.WORKING_TOGETHER
    assert finding.gap is GapKind.NONCONFORMITY  # a date that fell due, not work to come


def test_stage_7_checks_are_nonconformities(firm: Portfolio) -> None:
    late = rel("staying.ser_reviews", lambda r: r[:1])(firm)
    finding = Session(late, default_ruleset(), as_of=AS_OF).finding("iso44001:8.8.2/held", RAIL)
    assert finding.verdict is FAIL
    assert finding.gap is GapKind.NONCONFORMITY  # stage 7 has no gate: its checks recur


def test_reports_views_and_nonconformities_tell_them_apart() -> None:
    portfolio = _stage4_gap_at(4)
    assessment = evaluate(portfolio, as_of=AS_OF)
    rep = Report.from_assessment(assessment, portfolio)
    row = rep.row("iso44001:8.5.4/approved-first", RAIL)
    assert row in rep.open_gate_items()
    assert rep.nonconformities() == ()
    assert rep.summary.overall.open_gate_items == 1
    assert rep.summary.overall.nonconformities == 0
    assert "| FAIL | open gate item |" in rep.to_markdown()
    assert '"gap": "open_gate_item"' in rep.to_json()
    assert "open gate item" in rep.to_csv()
    view = iso44003_principles(assessment)
    assert view.score.open_gate_items == 1
    assert nonconformities_from(assessment) == ()
    (raised,) = nonconformities_from(assessment, include_open_gate_items=True)
    assert raised.rule_id == "iso44001:8.5.4/approved-first"
    later = evaluate(_stage4_gap_at(7), as_of=AS_OF)
    (nc,) = nonconformities_from(later)
    assert nc.status is NonconformityStatus.RAISED


@pytest.mark.parametrize(("stage", "fail_on", "status"), [
    (4, "nonconformity", 0), (4, "fail", 1), (7, "nonconformity", 1), (7, "fail", 1),
])  # fmt: skip
def test_fail_on_nonconformity_lets_open_gate_items_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stage: int, fail_on: str, status: int
) -> None:
    path = tmp_path / "p.json"
    collabrel.dump(_stage4_gap_at(stage), path)
    code = main(["assess", str(path), "--as-of", AS_OF.isoformat(), "--fail-on", fail_on])
    out = capsys.readouterr().out
    assert code == status
    kind = "open gate item" if stage == 4 else "nonconformity"
    assert f"[FAIL {kind}] rel-rail-jv iso44001:8.5.4/approved-first" in out


# ------------------------------------------------------------ the ISO 44003 small-firm profile


def small_firm() -> Portfolio:
    """The firm kept small: no segmentation, no document register, no separate performance
    reports, one governance structure for the firm and its relationship."""
    pf = conforming()
    r = pf.relationship(RAIL)
    r = attrs.evolve(r, awareness=attrs.evolve(r.awareness, governance=None))
    o = attrs.evolve(pf.organization, segmentation=None, documents=(), performance_reports=())
    return Portfolio(organization=o, relationships=(r,))


def test_a_small_firm_needs_the_full_document_set_only_without_the_profile() -> None:
    full = not_met(small_firm())
    assert full[("iso44001:6.3.1/criteria", ORG)] is FAIL
    assert full[("iso44001:7.5.1/register", ORG)] is FAIL
    assert not_met(small_firm(), small_firm_profile()) == {}
    # one fact: the segmentation alone, with and without the profile
    no_segmentation = org("segmentation", None)(conforming())
    assert not_met(no_segmentation)[("iso44001:6.3.1/criteria", ORG)] is FAIL
    assert not_met(no_segmentation, small_firm_profile()) == {}


def test_the_profile_is_reported_as_justified_exclusions() -> None:
    assessment = evaluate(small_firm(), small_firm_profile(), as_of=AS_OF)
    rep = Report.from_assessment(assessment, small_firm())
    excluded = {e.requirement: e for e in rep.exclusions if e.source == "ruleset"}
    assert "iso44001:6.3.1/criteria" in excluded
    assert excluded["iso44001:6.3.1/criteria"].justification.startswith(
        "ISO 44003 small-firm profile, principle 1"
    )
    assert all(e.justification for e in excluded.values())
    assert "ISO 44003 small-firm profile" in rep.to_markdown()
    assert "+local." in rep.ruleset_version


def test_the_command_line_offers_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "small.json"
    collabrel.dump(small_firm(), path)
    args = ["assess", str(path), "--as-of", AS_OF.isoformat(), "--fail-on", "unknown"]
    assert main(args) == 1
    capsys.readouterr()
    assert main([*args, "--profile", "small-firm"]) == 0
    assert "iso44001:6.3.1/criteria (ruleset): ISO 44003" in capsys.readouterr().out


# ----------------------------------------------------------- explanations an auditor accepts


def _message(change: Change, rule: str, subject: str = RAIL) -> Finding:
    portfolio = change(conforming())
    return Session(portfolio, default_ruleset(), as_of=AS_OF).finding(rule, subject)


def test_an_ser_appointed_after_the_outputs_shows_both_dates() -> None:
    f = _message(rel("sers[0].appointed_on", date(2022, 4, 1)), "iso44001:8.2.2/appointed-first")
    assert "appointed_on: 2022-04-01, expected on or before 2022-03-21" in f.message
    assert "relationship.awareness.governance.approved_on 2022-03-21" in f.message
    hints = [t.hint or "" for t in _walk(f.explanation.trace)]
    assert not any(h.startswith("add an entry to sers") for h in hints)


def test_a_missing_role_and_a_missing_stakeholder_kind_are_named() -> None:
    f = _message(
        org("roles[role=cbrms_conformity].assigned_by", "p-crm"), "iso44001:5.3.1/assigned", ORG
    )
    assert "role is cbrms_conformity" in f.message
    assert "'p-crm' is not one of p-ceo, p-coo, p-cfo" in f.message
    f = _message(
        org("stakeholders.entries", without(lambda e: e.category == "internal")),
        "iso44001:4.2/register",
        ORG,
    )
    assert "where category is internal" in f.message


def test_the_absent_party_is_named() -> None:
    f = _message(
        rel("staying.ser_reviews[2].attendees", without(lambda a: a.party == "halden-rail")),
        "iso44001:8.8.2/attended",
    )
    assert "no SER or recorded delegate of halden-rail (hrs-ceo)" in f.message


def test_the_trigger_and_the_agreed_list_are_shown() -> None:
    f = _message(
        then(
            rel("disengagement.activation",
                ExitActivation(activated_on=date(2026, 11, 2), trigger="boredom",
                               strategy_version=3)),
            rel("stage", Stage.EXIT_STRATEGY_ACTIVATION),
        ),
        "iso44001:8.9.1/activation",
    )  # fmt: skip
    assert "trigger 'boredom' is not one the strategy names (objectives_met, term_end" in (
        f.message
    )


def test_weight_sums_and_compared_dates_are_shown() -> None:
    f = _message(
        rel("assessment.selection_criteria.criteria[0].weight", 0.1),
        "iso44001:8.4.6/criteria",
    )
    assert "the weights add up to" in f.message
    assert ", not 1 (" in f.message
    f = _message(
        org("changes[id=chg-cbrms-2026-01].impact_reviewed_on", date(2026, 6, 15)),
        "iso44001:8.1/change-control",
        ORG,
    )
    assert "expected on or before 2026-06-01 (changed_on 2026-06-01)" in f.message


def test_a_negation_is_explained_the_right_way_round() -> None:
    f = _message(org("audit_reports[3].auditor", "p-qa"), "iso44001:9.2/impartial", ORG)
    (leaf,) = f.explanation.failing
    assert leaf.expected == "other than 'p-qa'"
    assert "make" not in (leaf.hint or "")
    assert "no longer holds" in (leaf.hint or "")


def test_a_filtered_count_says_which_entry_it_wanted() -> None:
    f = _message(rel("stage_history[2].approved_by", "p-eng"), "iso44001:8.3.1/gate")
    assert "the entry into stage 3 (Internal assessment) on 2022-08-01 was approved by" in (
        f.message
    )
    assert "'p-eng', who is not an active SER" in f.message
    assert f.message.count("stage_history:") == 1


def test_a_review_window_is_the_assessment_date_minus_the_interval() -> None:
    f = _message(org("policy.last_reviewed_on", date(2025, 11, 13)), "iso44001:5.2/current", ORG)
    (leaf,) = f.explanation.failing
    assert leaf.expected == "on or after 2025-11-23 (1 year before 2026-11-23)"
    assert "overdue by 10 days since 2026-11-13" in f.message


# ---------------------------------------------- every FAIL example names what is wrong

_ONLY_COUNTS = re.compile(r"^\(?\d+ of \d+\)?( \(overdue by \d+ days since [\d-]+\))?$")
_ITEM_COUNT = re.compile(r"\b\d+ items?\b")
_TYPE_NAME = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b")


def message_defects(finding: Finding) -> list[str]:
    """What makes an explanation unacceptable to an auditor (empty when nothing does)."""
    message = finding.message
    found = []
    for part in message.split("; "):
        body = part.split(": ", 1)[1] if ": " in part else part
        if _ONLY_COUNTS.match(body.strip()):
            found.append(f"only a count: {part!r}")
    if _ITEM_COUNT.search(message):
        found.append(f"a count of items instead of the items: {message!r}")
    if _TYPE_NAME.search(message):
        found.append(f"a type name instead of a value: {_TYPE_NAME.search(message)[0]!r}")
    if finding.explanation is not None and finding.explanation.trace is not None:
        texts = [leaf_text(t) for t in finding.explanation.failing]
        repeated = {
            t for t in texts
            if len(re.findall(rf"(?:^|; ){re.escape(t)}(?=$|;| \()", message)) > 1
        }  # fmt: skip
        if repeated:
            found.append(f"a leaf repeated: {sorted(repeated)}")
    return found


def _walk(trace: Trace | None) -> Iterator[Trace]:
    if trace is None:
        return
    yield trace
    for child in trace.children:
        yield from _walk(child)


def _table(name: str) -> ModuleType:
    """Another test module of this directory, for its table of examples."""
    key = f"_fidelity_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def _all_fail_findings() -> Iterator[tuple[str, Finding]]:
    example = collabrel.example_portfolio()
    ruleset = default_ruleset()
    clause8 = _table("test_rules_clause8")
    for case in clause8.CASES:
        if case.verdict is FAIL:
            pf = clause8.changed(example, case.rel, case.path, case.value)
            yield str(case), Session(pf, ruleset, as_of=AS_OF).finding(case.rule, case.rel)
    system = _table("test_rules_system")
    for case in system.CASES:
        if case.verdict is FAIL and not case.bug:
            pf = example if case.change is None else case.change(example)
            finding = Session(pf, ruleset, as_of=AS_OF).finding(case.rule_id, case.subject)
            yield f"{case.rule_id} {case.note}", finding
    for e in EXAMPLES:
        if e.verdict is FAIL:
            yield str(e), _finding(e)


def test_every_fail_example_names_what_is_wrong() -> None:
    """No message of a FAIL example is only counts or type names, or repeats a leaf."""
    seen = 0
    defects = {}
    rules = set()
    for name, finding in _all_fail_findings():
        assert finding.verdict is FAIL, name
        seen += 1
        rules.add(finding.rule_id)
        found = message_defects(finding)
        if found:
            defects[name] = found
    assert defects == {}
    assert seen > 250
    builtin = {s.id for s in default_ruleset()}
    assert builtin - rules == set()  # every built-in rule has a FAIL example checked here


def test_the_defect_check_catches_the_messages_of_the_issue() -> None:
    """The messages the auditors rejected in issue 14 are caught by the check."""

    def finding(message: str) -> Finding:
        return attrs.evolve(_finding(EXAMPLES[1]), message=message, explanation=None)

    for rejected in (
        "sers: 0 of 1",
        "roles: 0 of 6",
        "staying.ser_reviews: 2 items, 3 items, [northbridge, halden-rail]",
        "disengagement.activation: ExitActivation, ExitStrategy(exit-rjv)",
    ):
        assert message_defects(finding(rejected)), rejected
    assert message_defects(finding("rmp.sections: no section B11")) == []
