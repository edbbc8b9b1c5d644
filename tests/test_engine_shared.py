"""What sessions share and what compiled rules remember give the same verdicts as without.

A compiled rule set works out once, per list of scope exclusions, which rules apply at each
stage (and runs the organization rules in one generated runner); compiled leaves remember a
relationship's party ids per parties tuple and the signers of an artefact per artefact, and
read text and plain comparisons inline. Each of these must agree with a session that shares
nothing (a rule set compiled afresh) and with the plain reading of the condition.
"""

from __future__ import annotations

from datetime import date

import attrs
import pytest

import collabrel
from collabrel import Party, Portfolio, Stage
from collabrel._model import Exclusion, Scope
from collabrel.rules import (
    RuleContext,
    RuleSet,
    RuleSpec,
    Session,
    Verdict,
    agreed_by_all_parties,
    check,
    default_ruleset,
    equals,
    non_empty,
    ref,
)

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def example() -> Portfolio:
    return collabrel.example_portfolio()


def _fresh(rules: RuleSet) -> RuleSet:
    """The same rules in a new rule set object: compiled again, sharing nothing."""
    copy = attrs.evolve(rules)
    assert copy is not rules
    return copy


def _with_exclusions(portfolio: Portfolio, *exclusions: Exclusion) -> Portfolio:
    org = portfolio.organization
    scope = org.scope if org.scope is not None else Scope()
    scope = attrs.evolve(scope, exclusions=(*scope.exclusions, *exclusions))
    return attrs.evolve(portfolio, organization=attrs.evolve(org, scope=scope))


def test_sessions_with_different_exclusions_share_a_rule_set_without_mixing(
    example: Portfolio,
) -> None:
    rules = default_ruleset()
    rel = example.relationships[0]
    excluded = _with_exclusions(
        example,
        Exclusion(requirement="iso44001:5.2", justification="t"),  # organization rules
        Exclusion(requirement="iso44001:8.6.1/joint", justification="t", relationships=(rel.id,)),
    )
    plain = Session(example, rules, as_of=AS_OF)
    narrow = Session(excluded, rules, as_of=AS_OF)
    again = Session(example, rules, as_of=AS_OF)
    assert narrow.verdict("iso44001:5.2/values", example.organization.id) is Verdict.NOT_APPLICABLE
    assert plain.verdict("iso44001:5.2/values", example.organization.id) is Verdict.PASS
    assert narrow.verdict("iso44001:8.6.1/joint", rel.id) is Verdict.NOT_APPLICABLE
    assert plain.verdict("iso44001:8.6.1/joint", rel.id) is not Verdict.NOT_APPLICABLE
    assert (
        plain.verdicts()
        == again.verdicts()
        == Session(example, _fresh(rules), as_of=AS_OF).verdicts()
    )
    assert narrow.verdicts() == Session(excluded, _fresh(rules), as_of=AS_OF).verdicts()
    # updates use what the plans remember (rules to run again per path): still apart
    for session, portfolio in ((plain, example), (narrow, excluded)):
        moved = attrs.evolve(rel, joint_rmp=None)
        session.update_relationship(moved)
        fresh = Session(
            attrs.evolve(
                portfolio,
                relationships=tuple(
                    moved if r.id == rel.id else r for r in portfolio.relationships
                ),
            ),
            _fresh(rules),
            as_of=AS_OF,
        )
        assert session.verdicts() == fresh.verdicts()


def _raises(org: object, ctx: object) -> bool:
    raise RuntimeError("broken on purpose")


def test_the_organization_runner_gives_error_to_a_rule_that_raises_and_goes_on(
    example: Portfolio,
) -> None:
    broken = RuleSpec(
        id="test:broken",
        title="raises",
        clause="5.1",
        level="ORG",
        remedy="-",
        predicate=_raises,
        reads=("policy",),
    )
    rules = default_ruleset().with_rules(broken)
    session = Session(example, rules, as_of=AS_OF)
    org_id = example.organization.id
    assert session.verdict("test:broken", org_id) is Verdict.ERROR
    assert session.verdict("iso44001:5.2/values", org_id) is Verdict.PASS
    excluded = _with_exclusions(example, Exclusion(requirement="test:broken", justification="t"))
    assert Session(excluded, rules, as_of=AS_OF).verdict("test:broken", org_id) is (
        Verdict.NOT_APPLICABLE
    )


def three_or_more(ids: tuple[str, ...]) -> bool:
    """At least three parties."""
    return len(ids) >= 3


def test_party_ids_follow_the_parties_of_each_relationship(example: Portfolio) -> None:
    spec = RuleSpec(
        id="test:three-parties", title="three parties", clause="8.5.1", level="REL",
        remedy="-", condition=check(three_or_more, "party_ids"),
    )  # fmt: skip
    rules = RuleSet((spec,))
    rel = example.relationships[0]
    session = Session(example, rules, as_of=AS_OF)
    before = session.verdict(spec.id, rel.id)
    assert before is Verdict.FAIL
    third = Party(id="third-party", name="Third Party Ltd")
    grown = attrs.evolve(rel, parties=(*rel.parties, third))
    session.update_relationship(grown)
    assert session.verdict(spec.id, rel.id) is Verdict.PASS
    session.update_relationship(rel)
    assert session.verdict(spec.id, rel.id) is Verdict.FAIL


def test_agreed_by_all_parties_reads_each_artefact_and_each_relationships_parties(
    example: Portfolio,
) -> None:
    spec = RuleSpec(
        id="test:agreed", title="joint RMP agreed", clause="8.5.1", level="REL", remedy="-",
        condition=agreed_by_all_parties("joint_rmp"),
    )  # fmt: skip
    rules = RuleSet((spec,))
    rel = next(r for r in example.relationships if r.joint_rmp is not None)
    plan = rel.joint_rmp
    assert plan is not None
    session = Session(example, rules, as_of=AS_OF)
    assert session.verdict(spec.id, rel.id) is Verdict.PASS
    one_short = attrs.evolve(plan, agreed_by=plan.agreed_by[:-1])
    session.update_relationship(attrs.evolve(rel, joint_rmp=one_short))
    assert session.verdict(spec.id, rel.id) is Verdict.FAIL
    # the same signed plan in a relationship with one more party is not agreed by all
    third = Party(id="third-party", name="Third Party Ltd")
    session.update_relationship(attrs.evolve(rel, parties=(*rel.parties, third)))
    assert session.verdict(spec.id, rel.id) is Verdict.FAIL
    session.update_relationship(rel)
    assert session.verdict(spec.id, rel.id) is Verdict.PASS


@pytest.mark.parametrize(
    ("text", "verdict"),
    [("An operating model", Verdict.PASS), ("", Verdict.FAIL), ("   \t", Verdict.FAIL)],
)
def test_non_empty_text_is_not_blank(example: Portfolio, text: str, verdict: Verdict) -> None:
    spec = RuleSpec(
        id="test:model", title="operating model", clause="8.3.2", level="REL", remedy="-",
        condition=non_empty("knowledge.business_case.operating_model"),
    )  # fmt: skip
    rel = next(r for r in example.relationships if r.knowledge.business_case is not None)
    case = rel.knowledge.business_case
    assert case is not None
    changed = attrs.evolve(
        rel,
        knowledge=attrs.evolve(
            rel.knowledge, business_case=attrs.evolve(case, operating_model=text)
        ),
    )
    session = Session(example, RuleSet((spec,)), as_of=AS_OF)
    session.update_relationship(changed)
    assert session.verdict(spec.id, rel.id) is verdict
    # the explanation's reading (tracing) agrees with the compiled one
    assert session.findings(subject_id=rel.id)[0].verdict is verdict
    no_case = attrs.evolve(rel, knowledge=attrs.evolve(rel.knowledge, business_case=None))
    session.update_relationship(no_case)
    assert session.verdict(spec.id, rel.id) is Verdict.FAIL


def test_two_text_fields_compared_inline(example: Portfolio) -> None:
    spec = RuleSpec(
        id="test:linked", title="linked", clause="8.3.2", level="REL", remedy="-",
        condition=equals(
            "knowledge.business_case.value_analysis_ref", ref("awareness.value_analysis.id")
        ),
    )  # fmt: skip
    rel = next(
        r
        for r in example.relationships
        if r.knowledge.business_case is not None and r.awareness.value_analysis is not None
    )
    case, analysis = rel.knowledge.business_case, rel.awareness.value_analysis
    assert case is not None
    assert analysis is not None
    session = Session(example, RuleSet((spec,)), as_of=AS_OF)

    def with_ref(value: str | None) -> collabrel.Relationship:
        new_case = attrs.evolve(case, value_analysis_ref=value)
        return attrs.evolve(rel, knowledge=attrs.evolve(rel.knowledge, business_case=new_case))

    for value, verdict in (
        (analysis.id, Verdict.PASS),
        (analysis.id + "-other", Verdict.FAIL),
        (None, Verdict.UNKNOWN),
    ):
        session.update_relationship(with_ref(value))
        assert session.verdict(spec.id, rel.id) is verdict
        assert session.findings(subject_id=rel.id)[0].verdict is verdict


def test_a_tallied_rule_runs_again_only_when_its_tally_changes(example: Portfolio) -> None:
    calls: list[dict[object, int]] = []

    def every_stage_once(org: object, ctx: RuleContext) -> bool:
        calls.append(dict(ctx.tally))
        return all(n == 1 for n in ctx.tally.values())

    spec = RuleSpec(
        id="test:stages", title="one relationship per stage", clause="4.3", level="ORG",
        remedy="-", predicate=every_stage_once, reads=("relationships.stage",),
        tally=lambda rel: (rel.stage,),
    )  # fmt: skip
    rules = RuleSet((spec,))
    session = Session(example, rules, as_of=AS_OF)
    org_id = example.organization.id
    rel = next(r for r in example.relationships if r.stage is Stage.KNOWLEDGE)
    assert len(calls) == 1
    # another field of the relationship: its key (the stage) is the same, nothing runs
    session.update_relationship(attrs.evolve(rel, name=rel.name + " (renamed)"))
    assert len(calls) == 1
    # a new stage moves its key: the rule runs with the new tally
    moved = attrs.evolve(rel, stage=Stage.INTERNAL_ASSESSMENT)
    session.update_relationship(moved)
    assert len(calls) == 2
    assert calls[-1][Stage.INTERNAL_ASSESSMENT] == calls[0].get(Stage.INTERNAL_ASSESSMENT, 0) + 1
    session.remove_relationship(rel.id)
    assert len(calls) == 3  # its key left the tally
    # (a fresh session runs the predicate too: compared last)
    assert session.verdict(spec.id, org_id) is (
        Session(session.portfolio, _fresh(rules), as_of=AS_OF).verdict(spec.id, org_id)
    )


@pytest.mark.parametrize("stage_shift", [0, 1])
def test_the_reports_gap_of_a_pair_is_its_findings_gap(example, stage_shift):
    """Reports count gaps without building findings; each must be the finding's own gap.

    With every relationship moved on a stage (when it can be), other rules become the current
    stage's and other gaps open gate items.
    """
    rels = tuple(
        attrs.evolve(r, stage=Stage(r.stage + stage_shift))
        if stage_shift and Stage.OPERATIONAL_AWARENESS <= r.stage < Stage.EXIT_STRATEGY_ACTIVATION
        else r
        for r in example.relationships
    )
    session = Session(attrs.evolve(example, relationships=rels), default_ruleset(), as_of=AS_OF)
    open_items = 0
    for spec in default_ruleset():
        subjects = [example.organization.id] if spec.level.value == "ORG" else [r.id for r in rels]
        for sid in subjects:
            gap = session._gap(spec.id, sid)
            assert gap == session.finding(spec.id, sid).gap, (spec.id, sid)
            open_items += gap is not None and gap.value == "open_gate_item"
    assert open_items > 0  # the example has open gate items: the traced branch is exercised
