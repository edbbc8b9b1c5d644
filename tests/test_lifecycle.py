"""The lifecycle state machine: transitions against a reference table, gates, exit, history."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import collabrel
from collabrel import SER, ExitStatus, ExitStrategy, ExitTrigger, Onboarding, Signoff
from collabrel.errors import GateBlockedError, LifecycleError, TransitionNotAllowedError
from collabrel.lifecycle import Lifecycle, Stage, diagram
from collabrel.rules import RuleSet, RuleSpec, equals
from collabrel.testing import make_organization, make_relationship

S = Stage
# Written from catalog §1.15, independently of collabrel.lifecycle.TRANSITIONS.
REFERENCE = {
    (S.CANDIDATE, "advance"): S.OPERATIONAL_AWARENESS,
    (S.CANDIDATE, "withdraw"): S.CLOSED_NOT_PURSUED,
    (S.CANDIDATE, "retrofit_to_partner_selection"): S.PARTNER_SELECTION,
    (S.CANDIDATE, "retrofit_to_working_together"): S.WORKING_TOGETHER,
    (S.CANDIDATE, "retrofit_to_staying_together"): S.STAYING_TOGETHER,
    (S.OPERATIONAL_AWARENESS, "advance"): S.KNOWLEDGE,
    (S.OPERATIONAL_AWARENESS, "withdraw"): S.CLOSED_NOT_PURSUED,
    (S.KNOWLEDGE, "advance"): S.INTERNAL_ASSESSMENT,
    (S.KNOWLEDGE, "revise"): S.OPERATIONAL_AWARENESS,
    (S.KNOWLEDGE, "withdraw"): S.CLOSED_NOT_PURSUED,
    (S.INTERNAL_ASSESSMENT, "advance"): S.PARTNER_SELECTION,
    (S.INTERNAL_ASSESSMENT, "revise"): S.KNOWLEDGE,
    (S.INTERNAL_ASSESSMENT, "withdraw"): S.CLOSED_NOT_PURSUED,
    (S.PARTNER_SELECTION, "advance"): S.WORKING_TOGETHER,
    (S.PARTNER_SELECTION, "revise"): S.INTERNAL_ASSESSMENT,
    (S.PARTNER_SELECTION, "withdraw"): S.CLOSED_NO_PARTNER,
    (S.WORKING_TOGETHER, "advance"): S.VALUE_CREATION,
    (S.WORKING_TOGETHER, "activate_exit"): S.EXIT_STRATEGY_ACTIVATION,
    (S.VALUE_CREATION, "advance"): S.STAYING_TOGETHER,
    (S.VALUE_CREATION, "activate_exit"): S.EXIT_STRATEGY_ACTIVATION,
    (S.STAYING_TOGETHER, "activate_exit"): S.EXIT_STRATEGY_ACTIVATION,
    (S.EXIT_STRATEGY_ACTIVATION, "advance"): S.CLOSED_EXITED,
}
GATED = {"advance"} - {"candidate"}
NAMES = sorted({name for _, name in REFERENCE} | {"jump", "close"})
ORG = make_organization(id="org")
# one active SER per party: p-ser for the organization, p-ser-b for the partner
SERS = (SER(person="p-ser", party="org"), SER(person="p-ser-b", party="partner-a"))
# a known person of the relationship (its team) who is no SER: a gate refuses their approval
TEAM = (collabrel.RoleAssignment(role="clerk", person="a-temp-clerk"),)
JOINT = {S.WORKING_TOGETHER, S.VALUE_CREATION, S.STAYING_TOGETHER, S.EXIT_STRATEGY_ACTIVATION}
"""Leaving these stages is a joint gate: every party's SER approves (catalog §1.15)."""

# A gate that the machine can open and shut: every stage's rule reads `intensity`.
GATE_RULES = RuleSet([
    RuleSpec(id=f"test:gate-{n}", title=f"stage {n} gate", clause="8.1", level="REL",
             remedy="make it strategic", stage=n, applies_in=[n],
             condition=equals("intensity", "strategic"))
    for n in range(1, 9)
])  # fmt: skip


def _agreed_exit(rel):
    return ExitStrategy(
        id="exit", status=ExitStatus.AGREED, version=1,
        triggers=(ExitTrigger(kind="term_end"),),
        agreed_by=tuple(Signoff(party=p.id, signed_on=date(2020, 1, 1)) for p in rel.parties),
    )  # fmt: skip


class LifecycleAgainstReference(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.lc = Lifecycle(GATE_RULES)
        self.rel = make_relationship(org_id="org", sers=SERS, team=TEAM)
        self.day = date(2020, 1, 1)
        self.history_before = ()

    @rule(open_=st.booleans())
    def set_gate(self, open_):
        self.rel = attrs.evolve(self.rel, intensity="strategic" if open_ else "cooperative")

    @rule(agreed=st.booleans())
    def set_exit_strategy(self, agreed):
        strategy = _agreed_exit(self.rel) if agreed else None
        self.rel = attrs.evolve(self.rel, exit_strategy=strategy)

    @rule(
        name=st.sampled_from(NAMES),
        days=st.integers(0, 40),
        approver=st.sampled_from(["p-ser", "a-temp-clerk"]),
        joint=st.booleans(),
    )
    def fire(self, name, days, approver, joint):
        before = self.rel
        self.day += timedelta(days=days)
        expected = REFERENCE.get((before.stage, name))
        co = ("p-ser-b",) if joint else ()
        # who may approve: an active SER of the relationship, and every party's SER where the
        # move leaves a joint stage; only a candidate may be dropped by anyone
        stranger = approver != "p-ser" and not (name == "withdraw" and before.stage is S.CANDIDATE)
        half_joint = before.stage in JOINT and name in {"advance", "activate_exit"} and not joint
        try:
            after = self._do(name, approver, co)
        except TransitionNotAllowedError as exc:
            assert expected is None
            assert exc.current == before.stage.slug  # noqa: PT017
            assert set(exc.allowed) == {n for (s, n) in REFERENCE if s is before.stage}  # noqa: PT017
            return
        except GateBlockedError as exc:
            assert expected is not None
            gate_shut = (
                name == "advance"
                and before.stage is not S.CANDIDATE
                and before.intensity != "strategic"
            )
            no_exit = name == "activate_exit" and before.exit_strategy is None
            assert stranger or half_joint or gate_shut or no_exit
            if stranger:
                assert "is not an active SER" in str(exc)  # noqa: PT017
            if half_joint:
                assert "joint gate" in str(exc)  # noqa: PT017
            if gate_shut:
                assert exc.findings  # noqa: PT017
            return
        assert expected is not None, (before.stage, name)
        assert not stranger
        assert not half_joint
        assert after.stage is expected
        if before.stage in JOINT:
            approvals = after.stage_history[-1].approvals
            assert {(a.party, a.by) for a in approvals} == {
                ("org", "p-ser"),
                ("partner-a", "p-ser-b"),
            }
        # no stage is entered while its gate fails
        if name == "advance" and before.stage is not S.CANDIDATE:
            assert before.intensity == "strategic"
        if name == "activate_exit":
            assert before.stage in {S.WORKING_TOGETHER, S.VALUE_CREATION, S.STAYING_TOGETHER}
            assert before.exit_strategy is not None
            assert after.exit_strategy.status is ExitStatus.ACTIVATED
            assert after.disengagement.activation.trigger == "term_end"
        if name.startswith("retrofit"):
            assert after.onboarding is Onboarding.RETROFIT
            assert after.stage_history[-1].retrofit
        assert after.stage_history[:-1] == before.stage_history
        assert after.stage_history[-1].entered_on == self.day
        assert after.stage_history[-1].approved_by == approver
        self.rel = after

    def _do(self, name, approver, co):
        lc, rel, day = self.lc, self.rel, self.day
        if name == "advance":
            return lc.advance(rel, ORG, on=day, approved_by=approver, co_approvers=co)
        if name == "revise":
            return lc.revise(rel, on=day, approved_by=approver)
        if name == "withdraw":
            return lc.withdraw(rel, on=day, approved_by=approver)
        if name == "activate_exit":
            return lc.activate_exit(
                rel, on=day, trigger="term_end", approved_by=approver, co_approvers=co
            )
        if name.startswith("retrofit_to_"):
            return lc.retrofit(
                rel, stage=name.removeprefix("retrofit_to_"), on=day, approved_by=approver
            )
        # names that are no transition at all go through the generic check
        return lc.check(rel, ORG, name, as_of=day) and rel

    @invariant()
    def history_only_grows_and_is_consistent(self):
        h = self.rel.stage_history
        assert h[: len(self.history_before)] == self.history_before
        self.history_before = h
        if h:
            assert h[-1].stage is self.rel.stage
        assert all(a.entered_on <= b.entered_on for a, b in itertools.pairwise(h))

    @invariant()
    def closed_is_terminal(self):
        if self.rel.stage.is_closed:
            assert Lifecycle.allowed(self.rel) == ()


TestLifecycleAgainstReference = LifecycleAgainstReference.TestCase


# ------------------------------------------------------------------ on the example


@pytest.fixture(scope="module")
def example():
    return collabrel.example_portfolio()


AS_OF = date(2026, 11, 23)


def _sers(rel, org_id):
    """The relationship's active SERs, the organization's first."""
    active = [s for s in rel.sers if s.active]
    return [s.person for s in sorted(active, key=lambda s: s.party != org_id)]


def test_each_example_relationship_advances_or_says_why_not(example):
    lc = Lifecycle()
    seen = 0
    for rel in example.relationships:
        if "advance" not in lc.allowed(rel):
            continue
        seen += 1
        check = lc.can_advance(rel, example.organization, as_of=AS_OF)
        # no SER yet: a known person of the organization asks (an unknown one is bad input)
        ours, *theirs = _sers(rel, example.organization.id) or [example.organization.people[0].id]
        if check.allowed:
            moved = lc.advance(
                rel, example.organization, on=AS_OF, approved_by=ours, co_approvers=theirs
            )
            assert moved.stage is check.transition.dest
        else:
            with pytest.raises(GateBlockedError) as info:
                lc.advance(
                    rel, example.organization, on=AS_OF, approved_by=ours, co_approvers=theirs
                )
            assert info.value.findings == check.blocking
            # every reason names a rule and its evidence
            for finding in check.blocking:
                assert finding.rule_id in str(info.value)
                assert finding.message
    assert seen >= 3


def test_illegal_transition_names_the_allowed_ones(example):
    rel = example.relationship("rel-rail-jv")  # stage 7: left only by exit activation
    with pytest.raises(TransitionNotAllowedError, match="activate_exit") as info:
        Lifecycle().advance(rel, example.organization, on=AS_OF, approved_by="p-ceo")
    assert info.value.allowed == ("activate_exit",)


def test_exit_needs_a_trigger_the_agreed_strategy_names(example):
    rel = example.relationship("rel-rail-jv")
    with pytest.raises(GateBlockedError, match="not one the exit strategy names"):
        Lifecycle().activate_exit(rel, on=AS_OF, trigger="boredom", approved_by="p-rail")


def test_exclusion_relaxes_a_gate_and_a_custom_rule_tightens_it():
    rel = make_relationship(org_id="org", stage=1)
    open_gate = Lifecycle(RuleSet([]))
    assert open_gate.can_advance(rel, ORG, as_of=AS_OF)
    strict = Lifecycle(GATE_RULES)
    assert not strict.can_advance(rel, ORG, as_of=AS_OF)
    relaxed = Lifecycle(GATE_RULES.without("test:gate-1", justification="pilot"))
    assert relaxed.can_advance(rel, ORG, as_of=AS_OF)


def test_a_stage_change_cannot_be_backdated():
    rel = make_relationship(org_id="org", sers=SERS)
    moved = Lifecycle(RuleSet([])).advance(rel, ORG, on=AS_OF, approved_by="p-ser")
    with pytest.raises(LifecycleError, match="cannot be dated earlier"):
        Lifecycle(RuleSet([])).advance(moved, ORG, on=date(2020, 1, 1), approved_by="p-ser")


def test_history_and_stage_round_trip_through_dump_and_load():
    rel = make_relationship(org_id="org", sers=SERS)
    lc = Lifecycle(RuleSet([]))
    rel = lc.retrofit(
        rel, stage="working together", on=AS_OF, approved_by="p-ser", organization=ORG
    )
    rel = lc.activate_exit(
        attrs.evolve(rel, exit_strategy=_agreed_exit(rel)),
        on=AS_OF,
        trigger="term_end",
        approved_by="p-ser",
        co_approvers=("p-ser-b",),
    )
    assert len(rel.stage_history[-1].approvals) == 2
    people = (
        collabrel.Person(id="p-ser", name="Sam Ser"),
        collabrel.Person(id="p-ser-b", name="Bo"),
    )
    org = attrs.evolve(ORG, people=(*ORG.people, *people))
    portfolio = collabrel.Portfolio(organization=org, relationships=(rel,))
    for fmt in ("yaml", "json", "toml"):
        again = collabrel.loads(collabrel.dumps(portfolio, format=fmt), format=fmt)
        assert again.relationships[0].stage is S.EXIT_STRATEGY_ACTIVATION
        assert again.relationships[0].stage_history == rel.stage_history
        assert again.relationships[0] == rel


def test_a_stage_change_in_a_session_activates_the_new_stage_rules(example):
    from collabrel.rules import Session, default_ruleset

    session = Session(example, default_ruleset(), as_of=AS_OF)
    rel = example.relationship("rel-aldermoor")
    gate_ids = {s.id for s in default_ruleset() if s.stage is S.INTERNAL_ASSESSMENT}
    before = {r: session.verdict(r, rel.id) for r in gate_ids}
    moved = attrs.evolve(rel, stage=S.INTERNAL_ASSESSMENT)
    changes = session.update_relationship(moved)
    changed = {c.rule_id for c in changes}
    activated = {
        r
        for r in gate_ids
        if before[r].name == "NOT_APPLICABLE" and session.verdict(r, rel.id) != before[r]
    }
    assert activated
    assert activated <= changed


def test_diagram_marks_the_current_stage():
    d = diagram(S.WORKING_TOGETHER, blocked=True)
    assert d.mermaid.startswith("stateDiagram-v2")
    assert "class working_together blocked" in d.mermaid
    assert "working_together -> value_creation" in d.dot
    assert d._repr_markdown_().startswith("```mermaid")


# ------------------------------------------------------- arguments refused (issue 13, 16)


@pytest.mark.parametrize(
    ("stage", "suggestion"),
    [("workng together", "working_together"), ("staying-togther", "staying_together"),
     ("bogus", ""), (99, ""), (None, ""), (2.5, "")],
)  # fmt: skip
def test_a_bad_stage_is_a_collabrel_error_with_the_closest_name(stage, suggestion):
    from collabrel.errors import UnknownStageError

    lc = Lifecycle(RuleSet([]))
    rel = make_relationship(org_id="org")
    for call in (
        lambda: lc.gate(stage),
        lambda: lc.retrofit(rel, stage=stage, on=AS_OF, approved_by="p-ser", organization=ORG),
    ):
        with pytest.raises(UnknownStageError) as info:
            call()
        assert isinstance(info.value, ValueError)  # as Stage.parse always was
        assert info.value.suggestion == suggestion
        assert "working_together" in str(info.value)  # the accepted names are listed
        if suggestion:
            assert f"did you mean {suggestion!r}" in str(info.value)


def test_retrofit_to_a_stage_that_is_no_retrofit_target_names_the_allowed_ones():
    rel = make_relationship(org_id="org", sers=SERS)
    with pytest.raises(TransitionNotAllowedError, match="retrofit_to_partner_selection"):
        Lifecycle(RuleSet([])).retrofit(
            rel, stage="knowledge", on=AS_OF, approved_by="p-ser", organization=ORG
        )


def test_the_approver_must_be_a_known_person(example):
    from collabrel.errors import ValidationError

    lc = Lifecycle(RuleSet([]))
    org = example.organization
    rel = example.relationship("rel-plant-hire")  # a candidate with no SER yet
    # an unknown id is bad input, refused with the closest known one
    with pytest.raises(ValidationError, match="did you mean 'p-coo'") as info:
        lc.advance(rel, org, on=AS_OF, approved_by="p-cooo")
    assert info.value.field == "approved_by"
    # a known person who is no active SER of the relationship is refused by the gate
    with pytest.raises(GateBlockedError, match="'p-coo' is not an active SER"):
        lc.advance(rel, org, on=AS_OF, approved_by="p-coo")
    # without the organization only the relationship's own people are known
    with pytest.raises(ValidationError, match="pass organization="):
        lc.withdraw(rel, on=AS_OF, approved_by="p-coo")
    # dropping a candidate needs no SER: a person of the organization or a contact of a party
    assert lc.withdraw(rel, on=AS_OF, approved_by="p-coo", organization=org).stage.is_closed
    assert lc.withdraw(rel, on=AS_OF, approved_by="tph-acc").stage.is_closed


@pytest.mark.parametrize("approver", [None, 5, "", "Helen Marsh"])
def test_an_approver_that_is_not_a_person_id_is_refused(example, approver):
    from collabrel.errors import ValidationError

    rel = example.relationship("rel-aldermoor")
    with pytest.raises(ValidationError, match="approved_by"):
        Lifecycle(RuleSet([])).advance(rel, example.organization, on=AS_OF, approved_by=approver)


def test_arguments_of_the_wrong_kind_are_refused_before_anything_changes(example):
    from collabrel.errors import FieldTypeError

    lc = Lifecycle(RuleSet([]))
    rel = example.relationship("rel-rail-jv")
    with pytest.raises(FieldTypeError, match="trigger"):
        lc.activate_exit(rel, on=AS_OF, trigger=None, approved_by="p-rail")  # type: ignore[arg-type]
    with pytest.raises(FieldTypeError, match="must be a Relationship"):
        lc.advance(None, example.organization, on=AS_OF, approved_by="p-ceo")  # type: ignore[arg-type]
    with pytest.raises(FieldTypeError, match="must be a Organization"):
        lc.advance(rel, None, on=AS_OF, approved_by="p-ceo")  # type: ignore[arg-type]
    with pytest.raises(TransitionNotAllowedError):
        lc.check(rel, example.organization, None, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(FieldTypeError, match="justification"):
        lc.activate_exit(rel, on=AS_OF, trigger="objectives_met", approved_by="p-rail",
                         justification=5)  # type: ignore[arg-type]  # fmt: skip


def test_a_relationship_without_its_disengagement_group_cannot_exist(example):
    from collabrel.errors import FieldTypeError

    rel = example.relationship("rel-rail-jv")
    with pytest.raises(FieldTypeError, match=r"disengagement must be a Disengagement"):
        attrs.evolve(rel, disengagement=None)
