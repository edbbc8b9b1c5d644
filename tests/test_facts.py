"""Organization-specific facts: declared, typed, loaded with paths, used by rules, kept current."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import FactField, Facts, FactSchema, Portfolio
from collabrel.errors import LoadError, RuleDefinitionError, RuleFileError, UnknownFieldError
from collabrel.rules import (
    RuleSet,
    Session,
    Verdict,
    at_least,
    dump_rules,
    implies,
    load_rules,
    present,
    rule,
    rules_from_data,
)
from collabrel.units import quantity

AS_OF = date(2026, 11, 23)

SCHEMA = FactSchema(
    relationship=(
        FactField(name="annual_value", type="quantity", unit="EUR",
                  description="Expected annual spend or revenue"),
        FactField(name="business_unit", type="enum", choices=("rail", "energy", "defence")),
        FactField(name="contract_end", type="date"),
        FactField(name="sites", type="text", list=True),
        FactField(name="critical", type="boolean", nullable=False),
    ),
    organization=(FactField(name="group_threshold", type="quantity", unit="EUR"),),
)  # fmt: skip

EUR_1M_RULE = """
rules:
  - id: acme:jrmp-over-1m
    title: Relationships worth over EUR 1M have a joint relationship management plan
    clause: "8.6.11"
    level: JNT
    remedy: Agree a joint RMP with the partner.
    condition:
      implies:
        if: {at_least: {path: facts.annual_value, value: "1000000 EUR"}}
        then: {present: joint_rmp}
"""


def portfolio(values: dict[str, dict[str, object]] | None = None) -> Portfolio:
    """The example portfolio with the schema declared and facts on every relationship."""
    example = collabrel.example_portfolio()
    org = attrs.evolve(example.organization, fact_schema=SCHEMA,
                       facts=Facts({"group_threshold": "1000000 EUR"}))  # fmt: skip
    values = values or {}
    rels = tuple(
        attrs.evolve(r, facts=Facts(values.get(r.id, {"critical": False})))
        for r in example.relationships
    )
    return Portfolio(organization=org, relationships=rels)


REL = "rel-rail-jv"


# ------------------------------------------------------------------------------ schema


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "tier", "type": "enum"}, "give its choices"),
        ({"name": "value", "type": "quantity"}, "give its unit"),
        ({"name": "value", "type": "quantity", "unit": "florins"}, "unknown unit"),
        ({"name": "size", "type": "integer", "unit": "EUR"}, "a unit is for quantity facts"),
        ({"name": "2nd", "type": "text"}, "not a valid name"),
        ({"name": "_hidden", "type": "text"}, "underscore"),
        ({"name": "class", "type": "text"}, "not a valid name"),
        ({"name": "tier", "type": "enum", "choices": ("a", "a")}, "appears twice"),
    ],
)
def test_a_bad_declaration_is_refused_with_what_to_write(kwargs, message):
    with pytest.raises(RuleDefinitionError, match=message):
        FactField(**kwargs)


def test_a_fact_declared_twice_is_refused():
    f = FactField(name="tier", type="text")
    with pytest.raises(RuleDefinitionError, match="declared twice"):
        FactSchema(relationship=(f, f))


def test_values_are_converted_to_the_declared_types():
    facts = SCHEMA.facts(
        "relationship",
        {"annual_value": "1.2 MEUR", "contract_end": "2027-03-31", "sites": ["Leeds", "York"],
         "critical": True},
    )  # fmt: skip
    assert facts["annual_value"] == quantity(1_200_000, "EUR")
    assert str(facts.annual_value.units) == "EUR"
    assert facts.contract_end == date(2027, 3, 31)
    assert facts.sites == ("Leeds", "York")
    assert facts.business_unit is None
    assert list(facts) == ["annual_value", "business_unit", "contract_end", "sites", "critical"]


@pytest.mark.parametrize(
    ("values", "path", "message"),
    [
        ({"annual_value": "12 person_day", "critical": True}, "$.annual_value", "wrong dimension"),
        ({"annual_value": 1200000, "critical": True}, "$.annual_value", "bare number"),
        ({"business_unit": "rial", "critical": True}, "$.business_unit", "not one of"),
        ({"contract_end": "31/03/2027", "critical": True}, "$.contract_end", "a date such as"),
        ({"sites": "Leeds", "critical": True}, "$.sites", "a text is never a list"),
        ({}, "$.critical", "required"),
        ({"critical": "yes"}, "$.critical", "true or false"),
        ({"critcal": True}, "$.critcal", "undeclared"),
    ],
)
def test_a_wrong_value_is_refused_with_its_path(values, path, message):
    with pytest.raises(LoadError) as info:
        SCHEMA.facts("relationship", values)
    assert any(p.path == path and message in str(p) for p in info.value.problems), str(info.value)


def test_an_undeclared_fact_gets_a_did_you_mean():
    with pytest.raises(LoadError, match="did you mean 'critical'"):
        SCHEMA.facts("relationship", {"critcal": True})


def test_facts_are_immutable_and_hashable():
    facts = SCHEMA.facts("relationship", {"critical": True})
    with pytest.raises(AttributeError, match="immutable"):
        facts.critical = False  # type: ignore[misc]
    assert hash(facts) == hash(SCHEMA.facts("relationship", {"critical": True}))
    changed = facts.with_value("critical", False)
    assert facts.critical is True
    assert changed.critical is False


# ------------------------------------------------------------------------------ portfolio


def test_a_portfolio_checks_every_relationships_facts():
    with pytest.raises(LoadError) as info:
        portfolio({REL: {"annual_value": "3 FTE"}})
    index = [r.id for r in collabrel.example_portfolio().relationships].index(REL)
    assert [p.path for p in info.value.problems] == [
        f"$.relationships[{index}].facts.annual_value",
        f"$.relationships[{index}].facts.critical",
    ]


@pytest.mark.parametrize("fmt", ["yaml", "json", "toml", "jsonl"])
def test_facts_round_trip_in_every_format(fmt):
    p = portfolio({REL: {"annual_value": "1500000 EUR", "sites": ["Derby"], "critical": True,
                         "contract_end": "2028-01-31", "business_unit": "rail"}})  # fmt: skip
    again = collabrel.loads(collabrel.dumps(p, fmt), format=fmt)
    assert again == p
    assert again.relationship(REL).facts.annual_value == quantity(1_500_000, "EUR")


def test_a_loaded_file_reports_fact_problems_at_their_path():
    p = portfolio({REL: {"annual_value": "1500000 EUR", "critical": True}})
    text = collabrel.dumps(p, "json").replace('"1500000 EUR"', '"15 person_day"')
    with pytest.raises(LoadError) as info:
        collabrel.loads(text, format="json")
    (problem,) = [x for x in info.value.problems if "annual_value" in x.path]
    index = [r.id for r in p.relationships].index(REL)
    assert problem.path == f"$.relationships[{index}].facts.annual_value"


# --------------------------------------------------------------------------------- rules


def _verdict(p: Portfolio, rules: RuleSet, rel: str = REL) -> Verdict:
    return Session(p, rules, as_of=AS_OF).verdict("acme:jrmp-over-1m", rel)


def test_the_eur_1m_rule_file_loads_round_trips_and_evaluates():
    rules = load_rules(EUR_1M_RULE)
    again = rules_from_data(dump_rules(rules))
    assert again == rules
    no_plan = portfolio({REL: {"annual_value": "2 MEUR", "critical": True}})
    no_plan = attrs.evolve(no_plan, relationships=tuple(
        attrs.evolve(r, joint_rmp=None) if r.id == REL else r for r in no_plan.relationships
    ))  # fmt: skip
    assert _verdict(no_plan, rules) is Verdict.FAIL
    small = portfolio({REL: {"annual_value": "900000 EUR", "critical": True}})
    small = attrs.evolve(small, relationships=tuple(
        attrs.evolve(r, joint_rmp=None) if r.id == REL else r for r in small.relationships
    ))  # fmt: skip
    assert _verdict(small, rules) is Verdict.PASS
    with_plan = portfolio({REL: {"annual_value": "2 MEUR", "critical": True}})
    assert with_plan.relationship(REL).joint_rmp is not None
    assert _verdict(with_plan, rules) is Verdict.PASS
    unknown = portfolio({REL: {"critical": True}})
    unknown = attrs.evolve(unknown, relationships=tuple(
        attrs.evolve(r, joint_rmp=None) if r.id == REL else r for r in unknown.relationships
    ))  # fmt: skip
    assert _verdict(unknown, rules) is Verdict.UNKNOWN


def test_a_wrong_unit_dimension_is_a_rule_file_error_with_the_path():
    bad = EUR_1M_RULE.replace('"1000000 EUR"', '"12 person_day"')
    with pytest.raises(RuleFileError) as info:
        load_rules(bad, facts=SCHEMA)
    (problem,) = info.value.problems
    assert problem.path == "$.rules[0].condition.implies.if.at_least.value"
    assert "12 person_day" in problem.message
    assert "EUR" in problem.message


def test_without_the_schema_a_wrong_dimension_is_refused_when_the_rules_meet_the_portfolio():
    rules = load_rules(EUR_1M_RULE.replace('"1000000 EUR"', '"12 person_day"'))
    with pytest.raises(RuleDefinitionError, match="acme:jrmp-over-1m"):
        Session(portfolio(), rules, as_of=AS_OF)


def test_an_undeclared_fact_in_a_rule_is_refused_with_a_did_you_mean():
    with pytest.raises(RuleFileError, match="Did you mean 'annual_value'"):
        load_rules(EUR_1M_RULE.replace("facts.annual_value", "facts.anual_value"), facts=SCHEMA)
    rules = load_rules(EUR_1M_RULE.replace("facts.annual_value", "facts.anual_value"))
    with pytest.raises(UnknownFieldError, match="anual_value"):
        Session(portfolio(), rules, as_of=AS_OF)


def test_conditions_and_python_rules_read_facts():
    @rule("acme:critical-has-sites", title="Critical relationships name their sites",
          clause="8.1", level="REL", remedy="Record the sites.",
          reads=("facts.critical", "facts.sites"))  # fmt: skip
    def critical_sites(rel, ctx):
        return not rel.facts.critical or bool(rel.facts.sites)

    tree = implies(at_least("facts.annual_value", quantity(1, "MEUR")), present("joint_rmp"))
    rules = RuleSet([critical_sites]).with_rules(
        load_rules(EUR_1M_RULE), collabrel.rules.RuleSpec(
            id="acme:tree", title="t", clause="8.1", level="REL", remedy="r", condition=tree)
    )  # fmt: skip
    session = Session(portfolio({REL: {"critical": True}}), rules, as_of=AS_OF)
    assert session.verdict("acme:critical-has-sites", REL) is Verdict.FAIL
    changes = session.set(REL, "facts.sites", ("Derby",))
    assert [(c.rule_id, c.new) for c in changes] == [("acme:critical-has-sites", Verdict.PASS)]
    assert session.relationship(REL).facts.sites == ("Derby",)
    assert session.portfolio.relationship(REL).facts.sites == ("Derby",)


# ------------------------------------------------------------------------------- updates


def test_set_checks_the_value_and_says_where():
    session = Session(portfolio(), load_rules(EUR_1M_RULE), as_of=AS_OF)
    with pytest.raises(LoadError) as info:
        session.set(REL, "facts.annual_value", "3 FTE")
    assert info.value.problems[0].path == "$.facts.annual_value"
    with pytest.raises(UnknownFieldError, match="Did you mean 'annual_value'"):
        session.set(REL, "facts.anual_value", "3 EUR")
    # nothing was half-applied
    assert session.relationship(REL).facts.annual_value is None


def test_set_on_the_organization_and_on_a_model_field():
    session = Session(portfolio(), load_rules(EUR_1M_RULE), as_of=AS_OF)
    session.set("northbridge", "facts.group_threshold", "2 MEUR")
    assert session.organization.facts.group_threshold == quantity(2, "MEUR")
    session.set(REL, "name", "Rail joint venture")
    assert session.relationship(REL).name == "Rail joint venture"
    fresh = Session(session.portfolio, session.ruleset, as_of=AS_OF)
    assert session.verdicts() == fresh.verdicts()


AMOUNTS = st.sampled_from([None, "500000 EUR", "1000000 EUR", "1.5 MEUR", "4 MEUR"])


@settings(max_examples=40)
@given(
    updates=st.lists(
        st.tuples(
            st.sampled_from([r.id for r in collabrel.example_portfolio().relationships]),
            st.sampled_from(["annual_value", "critical", "sites", "plan"]),
            st.data(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_fact_updates_equal_a_full_evaluation(updates):
    """Incremental == full over organization-specific facts and Session.set()."""
    rules = load_rules(EUR_1M_RULE)
    session = Session(portfolio(), rules, as_of=AS_OF)
    for rel_id, what, data in updates:
        if what == "annual_value":
            session.set(rel_id, "facts.annual_value", data.draw(AMOUNTS))
        elif what == "critical":
            session.set(rel_id, "facts.critical", data.draw(st.booleans()))
        elif what == "sites":
            session.set(rel_id, "facts.sites", tuple(data.draw(st.lists(st.sampled_from("ab")))))
        else:
            rel = session.relationship(rel_id)
            session.update_relationship(attrs.evolve(rel, joint_rmp=None))
        fresh = Session(session.portfolio, rules, as_of=AS_OF)
        assert session.verdicts() == fresh.verdicts()
