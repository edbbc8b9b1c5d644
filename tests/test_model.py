"""The domain model: frozen keyword-only records, references, and their small behaviours."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import collabrel
from collabrel import (
    KPI,
    RMP,
    SER,
    Action,
    Communication,
    Direction,
    ExitStrategy,
    ExitTrigger,
    Intensity,
    ItemStatus,
    ManagementReview,
    Measurement,
    Objective,
    Party,
    Person,
    Phase,
    Portfolio,
    Relationship,
    RiskItem,
    RiskItemType,
    RiskRegister,
    RMPSection,
    Scope,
    Signoff,
    Stage,
    StageRecord,
    TargetDirection,
    months,
    units,
)
from collabrel.errors import LoadError, UnitError, UnknownSubjectError
from collabrel.testing import make_organization, make_portfolio, make_relationship

# ------------------------------------------------------------------------- frozen, kw_only


def test_every_public_record_is_frozen_and_keyword_only():
    records = [
        obj
        for name in collabrel.__all__
        if isinstance(obj := getattr(collabrel, name, None), type) and attrs.has(obj)
    ]
    assert len(records) > 100
    values = {collabrel.Cadence, collabrel.CalendarInterval}  # one-field values, positional
    for cls in records:
        for field in attrs.fields(cls):
            assert field.kw_only or cls in values, (cls, field.name)
        assert cls.__setattr__ is not object.__setattr__, cls


def test_assignment_raises():
    rel = make_relationship()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rel.name = "other"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        make_organization().people = ()  # type: ignore[misc]


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        Person("p-1", "Alex")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Party("org", "Org")  # type: ignore[misc]


def test_required_fields_are_required():
    with pytest.raises(TypeError):
        Relationship(id="rel-1")  # type: ignore[call-arg]


def test_records_are_hashable_values():
    assert make_relationship() == make_relationship()
    assert hash(make_portfolio()) == hash(make_portfolio())


def test_tuple_fields_accept_any_iterable():
    org = make_organization(people=[Person(id="p-1", name="A")], top_management=iter(["p-1"]))
    assert org.people == (Person(id="p-1", name="A"),)
    assert org.top_management == ("p-1",)


def test_enum_fields_accept_the_value_as_text():
    rel = make_relationship(direction="supplier", intensity="strategic")
    assert rel.direction is Direction.SUPPLIER
    assert rel.intensity is Intensity.STRATEGIC
    assert rel.intensity.is_collaborative
    assert not Intensity.TRANSACTIONAL.is_collaborative
    with pytest.raises(ValueError, match="sideways"):
        make_relationship(direction="sideways")


def test_enum_label_and_str():
    assert str(Direction.EXTERNAL_PEER) == "external_peer"
    assert Direction.EXTERNAL_PEER.label == "External peer"


def test_quantity_and_interval_fields_accept_text():
    register = RiskRegister(id="rr", review_frequency="3 months")
    assert register.review_frequency == months(3)
    measurement = Measurement(measured_on=date(2024, 1, 1), value="95 percent")
    assert measurement.value == units.percent(95)
    with pytest.raises(UnitError):
        Measurement(measured_on=date(2024, 1, 1), value=95)


# -------------------------------------------------------------------------------- evolve


def test_evolve_returns_a_changed_copy_and_runs_converters():
    rel = make_relationship()
    moved = collabrel.evolve(rel, stage=5)
    assert moved.stage is Stage.WORKING_TOGETHER
    assert rel.stage is Stage.CANDIDATE
    assert moved.id == rel.id


def test_evolve_keeps_unchanged_parts_identical():
    rel = make_relationship()
    moved = attrs.evolve(rel, name="renamed")
    assert moved.awareness is rel.awareness
    assert moved.parties is rel.parties
    assert moved.staying is rel.staying


def test_evolve_refuses_unknown_fields():
    with pytest.raises(TypeError):
        attrs.evolve(make_relationship(), stge=5)


# ---------------------------------------------------------------------- portfolio lookups


def test_relationship_lookup():
    portfolio = make_portfolio()
    assert portfolio.relationship("rel-1") is portfolio.relationships[0]


def test_unknown_relationship_raises_unknown_subject_error_with_the_known_ids():
    portfolio = make_portfolio()
    with pytest.raises(UnknownSubjectError, match="'rel-9'") as info:
        portfolio.relationship("rel-9")
    assert isinstance(info.value, LookupError)
    assert "rel-1" in str(info.value)
    with pytest.raises(UnknownSubjectError, match="known ids: none"):
        make_portfolio(relationships=()).relationship("rel-1")


def test_with_relationship_replaces_or_adds():
    portfolio = make_portfolio()
    renamed = attrs.evolve(portfolio.relationship("rel-1"), name="Renamed")
    replaced = portfolio.with_relationship(renamed)
    assert [r.name for r in replaced.relationships] == ["Renamed"]
    added = portfolio.with_relationship(make_relationship(id="rel-2"))
    assert [r.id for r in added.relationships] == ["rel-1", "rel-2"]
    assert added.organization is portfolio.organization
    assert portfolio.relationships == (make_relationship(),)  # unchanged


def test_without_relationship():
    portfolio = make_portfolio()
    assert portfolio.without_relationship("rel-1").relationships == ()
    with pytest.raises(UnknownSubjectError):
        portfolio.without_relationship("rel-9")


# --------------------------------------------------------------------- portfolio.problems()


def test_a_minimal_portfolio_has_no_problems():
    portfolio = make_portfolio()
    assert portfolio.problems() == []
    assert portfolio.check() is portfolio


def _paths(portfolio: Portfolio) -> dict[str, str]:
    return {p.path: p.message for p in portfolio.problems()}


def test_dangling_party_reference_is_reported_with_its_path():
    rel = make_relationship(sers=(SER(person="p-1", party="partner-z"),))
    problems = make_portfolio(relationships=(rel,)).problems()
    assert len(problems) == 1
    (problem,) = problems
    assert problem.path == "$.relationships[0].sers[0].party"
    assert "partner-z" in problem.message
    assert "org" in problem.hint
    assert "partner-a" in problem.hint


def test_a_party_of_another_relationship_is_not_a_party_of_this_one():
    first = make_relationship()
    second = make_relationship(
        id="rel-2",
        parties=(Party(id="org", name="Org"), Party(id="partner-b", name="B")),
        objectives=(
            Objective(
                id="o-1",
                text="t",
                agreed_by=(Signoff(party="partner-a", signed_on=date(2024, 1, 1)),),
            ),
        ),
    )
    paths = _paths(make_portfolio(relationships=(first, second)))
    assert paths == {
        "$.relationships[1].objectives[0].agreed_by[0].party": "unknown party 'partner-a'"
    }


def test_dangling_person_reference_is_reported_with_its_path():
    rel = make_relationship(sers=(SER(person="p-9", party="org"),))
    assert _paths(make_portfolio(relationships=(rel,))) == {
        "$.relationships[0].sers[0].person": "unknown person 'p-9'"
    }


def test_partner_contacts_are_known_people():
    rel = make_relationship(sers=(SER(person="rel-1.partner-a.1", party="partner-a"),))
    assert make_portfolio(relationships=(rel,)).problems() == []


def test_dangling_relationship_reference_is_reported_with_its_path():
    org = make_organization(
        communications=(Communication(sent_on=date(2024, 1, 1), topic="x", relationship_id="r9"),),
        scope=Scope(relationships_in_scope=("rel-1", "rel-7")),
    )
    paths = _paths(make_portfolio(organization=org))
    assert paths == {
        "$.organization.communications[0].relationship_id": "unknown relationship 'r9'",
        "$.organization.scope.relationships_in_scope[1]": "unknown relationship 'rel-7'",
    }


def test_reference_in_a_person_tuple_is_checked():
    org = make_organization(top_management=("p-1", "p-2"))
    assert _paths(make_portfolio(organization=org)) == {
        "$.organization.top_management[1]": "unknown person 'p-2'"
    }


def test_duplicate_ids_are_reported():
    rel = make_relationship()
    portfolio = make_portfolio(relationships=(rel, rel))
    messages = [p.message for p in portfolio.problems()]
    assert "relationship id 'rel-1' is used more than once" in messages
    assert "person id 'rel-1.partner-a.1' is used more than once" in messages


def test_duplicate_party_in_a_relationship_is_reported():
    rel = make_relationship()
    rel = attrs.evolve(rel, parties=(*rel.parties, Party(id="partner-a", name="again")))
    paths = _paths(make_portfolio(relationships=(rel,)))
    assert paths["$.relationships[0].parties"] == "party id 'partner-a' is listed twice"


def test_the_organization_must_be_a_party_of_every_relationship():
    rel = make_relationship(org_id="someone-else")
    problems = make_portfolio(relationships=(rel,)).problems()
    assert [p.path for p in problems] == ["$.relationships[0].parties"]
    assert "'org' is not among the parties" in problems[0].message


def test_check_raises_load_error_listing_every_problem():
    org = make_organization(top_management=("p-8", "p-9"))
    with pytest.raises(LoadError) as info:
        make_portfolio(organization=org).check()
    assert [p.path for p in info.value.problems] == [
        "$.organization.top_management[0]",
        "$.organization.top_management[1]",
    ]


# ---------------------------------------------------------------------------- behaviours


@pytest.mark.parametrize(
    ("likelihood", "impact", "rating"),
    [(3, 4, 12), (1, 1, 1), (5, 5, 25), (None, 4, None), (3, None, None), (None, None, None)],
)
def test_risk_item_rating(likelihood, impact, rating):
    item = RiskItem(id="r", description="d", likelihood=likelihood, impact=impact)
    assert item.rating == rating


def test_risk_item_defaults():
    item = RiskItem(id="r", description="d")
    assert item.type is RiskItemType.RISK
    assert item.status is ItemStatus.OPEN


def test_kpi_is_met_at_least():
    kpi = KPI(id="k", name="savings", target="1000 EUR")
    assert kpi.direction is TargetDirection.AT_LEAST
    assert kpi.is_met(units.money(1200, "EUR"))
    assert kpi.is_met(units.money(1000, "EUR"))  # the target itself is met
    assert not kpi.is_met(units.money(999.99, "EUR"))
    assert kpi.is_met("1500 EUR")


def test_kpi_is_met_with_a_percent_target():
    kpi = KPI(id="k", name="on time", target="95 percent")
    assert kpi.is_met(units.percent(96))
    assert not kpi.is_met(units.percent(94.9))


def test_kpi_is_met_at_most_converts_units_of_the_same_dimension():
    kpi = KPI(id="k", name="effort", target="10 person_day", direction="at_most")
    assert kpi.is_met(units.parse_quantity("80 person_hour"))  # exactly 10 days
    assert not kpi.is_met(units.parse_quantity("100 person_hour"))  # 12.5 days


def test_kpi_without_a_target_is_never_met():
    assert not KPI(id="k", name="n").is_met(units.percent(100))


def test_kpi_refuses_an_incompatible_value():
    kpi = KPI(id="k", name="savings", target="1000 EUR")
    with pytest.raises(UnitError, match="k must have dimension"):
        kpi.is_met(units.money(2000, "USD"))


def test_kpi_latest_measurement():
    early = Measurement(measured_on=date(2024, 1, 1), value="90 percent")
    late = Measurement(measured_on=date(2024, 3, 1), value="92 percent")
    assert KPI(id="k", name="n", measurements=(late, early)).latest is late
    assert KPI(id="k", name="n").latest is None


def test_exit_strategy_annex_e_elements_of_an_empty_strategy():
    elements = ExitStrategy(id="x").annex_e_elements
    assert list(elements) == [f"E{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12)]
    assert not any(elements.values())


def test_exit_strategy_annex_e_elements_filled():
    strategy = ExitStrategy(
        id="x",
        purpose="p",
        boundaries="b",
        triggers=(ExitTrigger(kind="term_end"),),
        monitoring="m",
        decision_roles="SER",
        notice="90 days",
        transition_plan="t",
        continuity_plan="c",
        asset_ip_people_data_handling="a",
        settlement="s",
        comms_plan="c",
        exit_actions=(Action(description="hand over"),),
        review_frequency="1 year",
    )
    assert all(strategy.annex_e_elements.values())


def test_exit_strategy_elements_that_need_two_fields():
    half = ExitStrategy(id="x", decision_roles="SER", transition_plan="t")
    assert not half.annex_e_elements["E5"]
    assert not half.annex_e_elements["E6"]
    whole = attrs.evolve(half, notice="90 days", continuity_plan="c")
    assert whole.annex_e_elements["E5"]
    assert whole.annex_e_elements["E6"]


def test_action_is_open():
    assert Action(description="d").is_open
    assert not Action(description="d", done_on=date(2024, 1, 1)).is_open


def test_plan_sections():
    rmp = RMP(
        id="rmp",
        sections=(RMPSection(key="B1", content="scope"), RMPSection(key="B2", content="  ")),
    )
    assert rmp.section("B1") == RMPSection(key="B1", content="scope")
    assert rmp.section("B9") is None
    assert rmp.filled_sections == frozenset({"B1"})


def test_relationship_helpers():
    rel = make_relationship(
        stage="knowledge",
        sers=(
            SER(person="p-1", party="org", active=False),
            SER(person="p-2", party="org"),
        ),
        stage_history=(
            StageRecord(stage=1, entered_on=date(2024, 1, 1)),
            StageRecord(stage=2, entered_on=date(2024, 3, 1)),
        ),
    )
    assert rel.party_ids == ("org", "partner-a")
    assert rel.ser_of("org") == SER(person="p-2", party="org")
    assert rel.ser_of("partner-a") is None
    assert rel.entered_current_stage_on == date(2024, 3, 1)
    assert make_relationship().entered_current_stage_on is None


def test_organization_helpers():
    org = make_organization(
        management_reviews=(
            ManagementReview(id="mr-1", held_on=date(2023, 1, 1)),
            ManagementReview(id="mr-2", held_on=date(2024, 1, 1)),
        )
    )
    assert org.person("p-1") is org.people[0]
    assert org.person("p-9") is None
    assert org.document("d-1") is None
    assert org.latest_management_review is not None
    assert org.latest_management_review.id == "mr-2"
    assert make_organization().latest_management_review is None


# ---------------------------------------------------------------------------------- stages


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        (Stage.KNOWLEDGE, Stage.KNOWLEDGE),
        (6, Stage.VALUE_CREATION),
        ("6", Stage.VALUE_CREATION),
        (0, Stage.CANDIDATE),
        (11, Stage.CLOSED_NO_PARTNER),
        ("value creation", Stage.VALUE_CREATION),
        ("Value-Creation", Stage.VALUE_CREATION),
        ("  working_together ", Stage.WORKING_TOGETHER),
        ("CLOSED_EXITED", Stage.CLOSED_EXITED),
    ],
)
def test_stage_parse(value, stage):
    assert Stage.parse(value) is stage


@pytest.mark.parametrize("bad", [12, -1, True, "nine", "", None, 2.0, "stage 2"])
def test_stage_parse_refuses_with_the_accepted_spellings(bad):
    with pytest.raises(ValueError, match="unknown stage") as info:
        Stage.parse(bad)
    assert "working_together" in str(info.value)


def test_stage_label_number_slug_and_str():
    assert Stage.WORKING_TOGETHER.label == "Working together"
    assert Stage.WORKING_TOGETHER.number == 5
    assert Stage.WORKING_TOGETHER.slug == "working_together"
    assert str(Stage.WORKING_TOGETHER) == "stage 5 (Working together)"
    assert Stage.CANDIDATE.number is None
    assert str(Stage.CLOSED_EXITED) == "Closed (exited)"


@pytest.mark.parametrize(
    ("stage", "phase"),
    [
        (Stage.CANDIDATE, None),
        (Stage.OPERATIONAL_AWARENESS, Phase.STRATEGY),
        (Stage.INTERNAL_ASSESSMENT, Phase.STRATEGY),
        (Stage.PARTNER_SELECTION, Phase.ENGAGEMENT),
        (Stage.VALUE_CREATION, Phase.ENGAGEMENT),
        (Stage.STAYING_TOGETHER, Phase.MANAGEMENT),
        (Stage.EXIT_STRATEGY_ACTIVATION, Phase.MANAGEMENT),
        (Stage.CLOSED_EXITED, None),
    ],
)
def test_stage_phase(stage, phase):
    assert stage.phase is phase


def test_closed_stages():
    assert [s for s in Stage if s.is_closed] == [
        Stage.CLOSED_EXITED,
        Stage.CLOSED_NOT_PURSUED,
        Stage.CLOSED_NO_PARTNER,
    ]
    assert Phase.STRATEGY.label == "Strategy"


@pytest.mark.parametrize("stage", list(Stage), ids=[s.slug for s in Stage])
def test_every_stage_parses_from_its_slug_and_number(stage):
    assert Stage.parse(stage.slug) is stage
    assert Stage.parse(int(stage)) is stage
    assert Stage.parse(str(int(stage))) is stage
    if not stage.is_closed:
        assert Stage.parse(stage.label) is stage


# -------------------------------------------------------------------- pickling (issue 12.5)


def test_objects_holding_quantities_pickle_in_this_process():
    import pickle

    from collabrel import units

    for value in (units.person_days(3), units.fte(2.5), units.money(1200, "EUR")):
        clone = pickle.loads(pickle.dumps(value))  # noqa: S301 - our own bytes
        assert clone == value
        assert units.is_quantity(clone)
        assert pickle.loads(pickle.dumps(value.units)) == value.units  # noqa: S301


def test_a_loaded_portfolio_crosses_a_spawned_worker_and_back():
    """A fresh interpreter (spawn) rebuilds the quantities in collabrel's own registry.

    pint's own pickling rebuilds in its application registry, which has no ``person_day``;
    the worker also evaluates the portfolio it received and sends the verdicts back.
    """
    import copy
    import multiprocessing

    from collabrel.rules import evaluate

    portfolio = collabrel.load(collabrel.example_path())
    as_of = date(2026, 11, 23)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        back = pool.apply(copy.copy, (portfolio,))
        remote = pool.apply(evaluate, (portfolio,), {"as_of": as_of})
    assert back == portfolio
    assert back.organization.resource_plan.effort == portfolio.organization.resource_plan.effort
    local = evaluate(portfolio, as_of=as_of)
    assert [(f.rule_id, f.subject_id, f.verdict) for f in remote.findings] == [
        (f.rule_id, f.subject_id, f.verdict) for f in local.findings
    ]


def test_repr_html_shows_control_characters_as_escapes():
    rel = attrs.evolve(make_relationship(), name="x\x1b[31m \u202eexe <b>")
    page = rel._repr_html_()
    assert "\x1b" not in page
    assert "\u202e" not in page
    assert "\\x1b[31m" in page
    assert "&lt;b&gt;" in page


# ---------------------------------------------------------------------- scope exclusions


@pytest.mark.parametrize(
    ("requirement", "rule_id", "clause", "covered"),
    [
        ("iso44001:8.3.5/strategy", "iso44001:8.3.5/strategy", "8.3.5", True),
        ("iso44001:8.3.5/strategy", "iso44001:8.3.5/other", "8.3.5", False),
        ("iso44001:8.3.5", "iso44001:8.3.5/strategy", "8.3.5", True),
        ("iso44001:8.5.4", "iso44001:8.5.4.1/plan", "8.5.4.1", True),
        ("iso44001:8.5.4", "iso44001:8.5.40/plan", "8.5.40", False),
        ("iso44001:8.5.4", "acme:legal", "8.5.4", False),
        ("8.5.4", "acme:legal", "8.5.4", True),
        ("  8.5  ", "iso44001:8.5.4/x", "8.5.4", True),
        ("acme:legal", "acme:legal/signoff", "9.9", True),
    ],
)
def test_an_exclusion_covers_its_rule_its_clause_and_subclauses(
    requirement, rule_id, clause, covered
):
    exclusion = collabrel.Exclusion(requirement=requirement, justification="not relevant")
    assert exclusion.covers(rule_id, clause) is covered


def _covers_as_specified(requirement: str, rule_id: str, clause: str) -> bool:
    """Exclusion.covers as first written (the requirement re-split on every call)."""
    req = requirement.strip()
    if rule_id == req or rule_id.startswith(req + "/"):
        return True
    bare = req.split(":", 1)[1] if ":" in req else req
    if ":" in req and not rule_id.startswith(req.split(":", 1)[0] + ":"):
        return False
    return clause == bare or clause.startswith(bare + ".")


_PIECES = st.sampled_from(["iso44001", "acme", ":", "8", "5", "4", "1", ".", "/", "x", " "])
_CLAUSES = st.lists(st.sampled_from(["8", "5", "4", "40"]), max_size=4).map(".".join)
_NAMESPACES = st.sampled_from(["", "iso44001:", "iso44001x:", "iso:", "acme:", ":"])
_NAMES = st.sampled_from(["", "/strategy", "/strategy/x", "/", "x"])
_IDS = st.one_of(
    st.builds(lambda ns, clause, name: ns + clause + name, _NAMESPACES, _CLAUSES, _NAMES),
    st.lists(_PIECES, max_size=8).map("".join),
)


@given(
    _IDS,
    _IDS,
    _CLAUSES | st.lists(_PIECES, max_size=6).map("".join),
    st.sampled_from([None, "", "/x", "x", ".1", "x:"]),
    st.sampled_from([None, "", ".1", "1"]),
)
def test_exclusion_covers_agrees_with_its_specification(requirement, rule_id, clause, rule, sub):
    """Rule ids and clauses near the requirement as well as unrelated ones."""
    req = requirement.strip()
    if rule == "x:":  # the same clause in a namespace that only starts like the requirement's
        rule_id = req.replace(":", "x:", 1)
    elif rule is not None:  # a rule id starting with the requirement
        rule_id = req + rule
    if sub is not None:  # the requirement's clause or one that only starts like it
        clause = req.partition(":")[2] + sub if ":" in req else req + sub
    exclusion = collabrel.Exclusion(requirement=requirement, justification="not relevant")
    assert exclusion.covers(rule_id, clause) is _covers_as_specified(requirement, rule_id, clause)
    assert exclusion.covers(rule_id, clause) is exclusion.covers(rule_id, clause)
