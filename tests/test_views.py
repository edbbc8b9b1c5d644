"""Views (Annex A, ISO 44003, Gartner, ERMP, RAIO) and nonconformities raised from findings."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import NonconformityStatus, Organization
from collabrel.errors import StatusChangeError
from collabrel.rules import (
    Session,
    Verdict,
    default_ruleset,
    nonconformities_from,
    verify_corrections,
)
from collabrel.testing import organizations
from collabrel.views import (
    Answer,
    Override,
    annex_a_checklist,
    ermp_sections,
    gartner_audit,
    gartner_processes,
    iso44003_principles,
    raio_cycle,
)

AS_OF = date(2026, 11, 23)
VIEWS = [iso44003_principles, ermp_sections, raio_cycle, gartner_processes, gartner_audit]


@pytest.fixture(scope="module")
def example():
    return collabrel.example_portfolio()


@pytest.fixture(scope="module")
def assessment(example):
    return Session(example, default_ruleset(), as_of=AS_OF).assessment()


def test_the_twelve_principles_are_all_there(assessment):
    view = iso44003_principles(assessment)
    assert [i.key for i in view.items] == [f"p{n}" for n in range(1, 13)]
    assert view.item("p10").name == "Risk management"
    assert "UNKNOWN" in view.counting


@pytest.mark.parametrize(
    ("view", "keys"),
    [
        (
            gartner_processes,
            ["strategy", "membership", "integration", "equity", "audit", "feedback"],
        ),
        (
            gartner_audit,
            [
                "price-service",
                "contract-relationships",
                "stakeholder-satisfaction",
                "vision-alignment",
            ],
        ),
        (ermp_sections, [f"s{n}" for n in range(1, 11)]),
        (raio_cycle, ["review", "adapt", "improve", "operate"]),
    ],
)
def test_each_view_has_its_items(assessment, view, keys):
    assert [i.key for i in view(assessment).items] == keys


def test_an_item_is_scored_from_the_rules_of_its_clauses(assessment):
    risk = iso44003_principles(assessment).item("p10")
    assert "iso44001:6.1/current" in risk.rule_ids
    # the corporate risk register is overdue in the example
    assert risk.score.failed >= 1
    assert risk.score.share is not None
    assert risk.score.share < 1


def test_unknown_item_names_the_items(assessment):
    with pytest.raises(LookupError, match="p1, p2"):
        iso44003_principles(assessment).item("p13")


def _views(session):
    a = session.assessment()
    return {fn.__name__: fn(a) for fn in VIEWS}


@settings(max_examples=25)
@given(
    donor=organizations(complete=None),
    field=st.sampled_from([f.name for f in attrs.fields(Organization) if f.name != "id"]),
)
def test_scores_change_when_and_only_when_mapped_verdicts_change(example, donor, field):
    session = Session(example, default_ruleset(), as_of=AS_OF)
    before = _views(session)
    new = attrs.evolve(session.organization, **{field: getattr(donor, field)})
    changes = session.update_organization(new)
    after = _views(session)
    changed_pairs = {(c.rule_id, c.subject_id) for c in changes}
    for name, view in before.items():
        for old, now in zip(view.items, after[name].items, strict=True):
            mapped = set(old.verdicts) | set(now.verdicts)
            moved = changed_pairs & mapped
            assert (old.verdicts != now.verdicts) == bool(moved), (name, old.key)
            if old.score != now.score:
                assert moved, (name, old.key)
            if len(moved) == 1:
                assert old.score != now.score, (name, old.key)


def test_checklist_has_one_question_per_rule_in_clause_order(assessment):
    checklist = annex_a_checklist(assessment)
    assert len(checklist.rows) == len(default_ruleset())
    assert checklist.rows[0].clause == "4.1"
    assert all(r.question.startswith("Is there evidence that ") for r in checklist.rows)
    row = next(r for r in checklist.rows if r.rule_id == "iso44001:6.1/current")
    assert row.automatic is Answer.NO
    assert row in checklist.gaps()


def test_checklist_answers_partial_when_some_relationships_pass(example):
    session = Session(example, default_ruleset(), as_of=AS_OF)
    checklist = annex_a_checklist(session.assessment())
    for row in checklist.rows:
        s = row.score
        if s.applicable == 0:
            assert row.automatic is Answer.NOT_APPLICABLE
        elif s.passed == s.applicable:
            assert row.automatic is Answer.YES
        elif s.passed:
            assert row.automatic is Answer.PARTIAL
        else:
            assert row.automatic is Answer.NO


def test_assessor_override_is_kept_beside_the_automatic_answer(assessment):
    override = Override(
        rule_id="iso44001:6.1/current",
        answer=Answer.YES,
        assessor="auditor",
        comment="review minutes seen, register not yet updated",
    )
    checklist = annex_a_checklist(assessment, [override])
    row = next(r for r in checklist.rows if r.rule_id == "iso44001:6.1/current")
    assert row.automatic is Answer.NO
    assert row.answer is Answer.YES
    assert checklist.disagreements() == (row,)


def test_override_of_an_unknown_rule_is_refused(assessment):
    with pytest.raises(LookupError, match="acme:nothing"):
        annex_a_checklist(
            assessment, [Override(rule_id="acme:nothing", answer=Answer.NO, assessor="x")]
        )


def test_exclusions_appear_in_the_checklist(example):
    rs = default_ruleset().without("iso44001:7.3/coverage", justification="no teams yet")
    checklist = annex_a_checklist(Session(example, rs, as_of=AS_OF).assessment())
    assert checklist.excluded == (("iso44001:7.3/coverage", "no teams yet"),)


# ----------------------------------------------------------------- nonconformities (10.1)


def test_failing_findings_raise_nonconformities_once(example, assessment):
    raised = nonconformities_from(assessment, organization_id=example.organization.id)
    failing = {(f.rule_id, f.subject_id) for f in assessment.findings if f.verdict is Verdict.FAIL}
    # open gate items (Aldermoor's stage 2 work, not done yet) raise none
    gate_items = {
        (f.rule_id, f.subject_id) for f in assessment.findings
        if f.verdict is Verdict.FAIL and f.is_open_gate_item
    }  # fmt: skip
    assert gate_items
    assert {(n.rule_id, n.relationship_id or example.organization.id) for n in raised} == (
        failing - gate_items
    )
    everything = nonconformities_from(
        assessment, organization_id=example.organization.id, include_open_gate_items=True
    )
    assert len(everything) == len(failing)
    nc = next(n for n in raised if n.rule_id == "iso44001:6.1/current")
    assert nc.status is NonconformityStatus.RAISED
    assert nc.relationship_id is None
    assert nc.raised_on == AS_OF
    assert nc.clause == "6.1"
    again = nonconformities_from(assessment, raised, organization_id=example.organization.id)
    assert again == ()


def test_a_correction_is_verified_when_the_requirement_is_met_again(example, assessment):
    (nc,) = [n for n in nonconformities_from(assessment) if n.rule_id == "iso44001:6.1/current"]
    action = collabrel.Action(description="review the corporate risk register", owner="p-coo")
    nc = nc.plan([action], root_cause="review not scheduled").implement(date(2026, 12, 1))
    assert nc.status is NonconformityStatus.IMPLEMENTED
    # still failing: reopened, not effective
    (reopened,) = verify_corrections(assessment, [nc])
    assert reopened.status is NonconformityStatus.ACTION_PLANNED
    assert reopened.effective is False
    # fix the evidence the finding names, evaluate again: verified effective
    org = example.organization
    fixed = attrs.evolve(
        org, risk_register=attrs.evolve(org.risk_register, last_reviewed_on=date(2026, 12, 1))
    )
    later = Session(
        attrs.evolve(example, organization=fixed), default_ruleset(), as_of=date(2026, 12, 2)
    ).assessment()
    (verified,) = verify_corrections(later, [nc])
    assert verified.status is NonconformityStatus.VERIFIED
    assert verified.effective is True
    assert verified.close(date(2026, 12, 3)).status is NonconformityStatus.CLOSED


def test_illegal_status_change_names_the_allowed_one(assessment):
    nc = nonconformities_from(assessment)[0]
    with pytest.raises(StatusChangeError, match="action_planned") as info:
        nc.close(AS_OF)
    assert info.value.allowed == ("action_planned",)
    with pytest.raises(StatusChangeError, match="at least one"):
        nc.plan([])


# ------------------------------------------- open gate items vs nonconformities in the frames


RAIL = "rel-rail-jv"


def _rail_at_stage_4(portfolio, *, strategy_approved):
    """The rail joint venture back at stage 4, its negotiation strategy approved or not."""
    r = portfolio.relationship(RAIL)
    history = tuple(h for h in r.stage_history if int(h.stage) <= 4)
    r = attrs.evolve(r, stage=collabrel.Stage.PARTNER_SELECTION, stage_history=history)
    if not strategy_approved:
        strategy = attrs.evolve(r.selection.negotiation_strategy, approved_by=None)
        r = attrs.evolve(r, selection=attrs.evolve(r.selection, negotiation_strategy=strategy))
    return portfolio.with_relationship(r)


def test_the_findings_frame_tells_open_gate_items_from_nonconformities(assessment):
    pd = pytest.importorskip("pandas")
    from collabrel.views import findings_frame

    frame = findings_frame(assessment.findings)
    assert isinstance(frame["gap"].dtype, pd.CategoricalDtype)
    assert list(frame["gap"].cat.categories) == ["nonconformity", "open gate item"]
    expected = [None if f.gap is None else f.gap.label.lower() for f in assessment.findings]
    assert [None if pd.isna(g) else g for g in frame["gap"]] == expected
    grid = frame[frame["subject_id"] == "rel-grid-alliance"]  # stage 5: both kinds
    assert set(grid["gap"].dropna()) == {"nonconformity", "open gate item"}
    met = frame[frame["verdict"].isin(["pass", "not_applicable"])]
    assert met["gap"].isna().all()


def test_the_heat_map_shows_an_open_gate_item_apart_from_a_failure(example):
    pytest.importorskip("pandas")
    from collabrel.views import heatmap_table

    def cell(portfolio):
        return heatmap_table(collabrel.rules.evaluate(portfolio, as_of=AS_OF)).loc["8.5", RAIL]

    assert cell(_rail_at_stage_4(example, strategy_approved=True)) == "pass"
    # the same unapproved strategy: work of the current stage at 4, a nonconformity at 7
    assert cell(_rail_at_stage_4(example, strategy_approved=False)) == "open_gate_item"
    rail = example.relationship(RAIL)
    strategy = attrs.evolve(rail.selection.negotiation_strategy, approved_by=None)
    later = example.with_relationship(
        attrs.evolve(rail, selection=attrs.evolve(rail.selection, negotiation_strategy=strategy))
    )
    assert cell(later) == "fail"


def test_an_open_gate_item_has_its_own_colour_hatch_and_legend_entry(assessment):
    pytest.importorskip("matplotlib")
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    from collabrel.views import heatmap, heatmap_table

    table = heatmap_table(assessment)
    assert table.loc["8.3", "rel-aldermoor"] == "open_gate_item"  # stage 2, its gate ahead
    ax = heatmap(assessment)
    patches = {p.get_label(): p for p in ax.patches}
    gate = patches["open_gate_item"]
    others = {patches[v].get_facecolor() for v in ("fail", "unknown", "pass", "not_applicable")
              if v in patches}  # fmt: skip
    assert gate.get_facecolor() not in others
    assert gate.get_hatch()
    assert gate.get_hatch() != patches["not_applicable"].get_hatch()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Open gate item (current stage)" in legend
    plt.close(ax.figure)
