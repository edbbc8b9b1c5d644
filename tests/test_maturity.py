"""Maturity: the Annex D matrix, evidenced and perceived profiles, gaps, competencies."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import Organization, maturity
from collabrel.errors import LoadError
from collabrel.rules import Session, Verdict, default_ruleset
from collabrel.testing import organizations, portfolios

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def example():
    return collabrel.example_portfolio()


@pytest.fixture(scope="module")
def assessment(example):
    return Session(example, default_ruleset(), as_of=AS_OF).assessment()


def test_default_matrix_is_twelve_themes_by_eight_stages_with_five_levels():
    m = maturity.default_matrix()
    assert m.theme_keys == tuple(f"p{n}" for n in range(1, 13))
    assert m.max_level == 5
    assert all(len(t.cells) == 8 for t in m.themes)
    assert m.cell("p12", 8) == "Exit strategy activated"
    assert "<table>" in m._repr_html_()


def test_custom_matrix_is_validated_with_paths():
    bad = {
        "name": "ours",
        "levels": [
            {"level": 1, "name": "a", "descriptor": "x"},
            {"level": 3, "name": "b", "descriptor": "y"},
        ],
        "themes": [{"key": "t1", "name": "Trust", "cells": {"9": "beyond"}, "colour": "red"}],
    }
    with pytest.raises(LoadError) as info:
        maturity.matrix_from_data(bad)
    paths = {p.path for p in info.value.problems}
    assert "$.levels[1].level" in paths
    assert "$.themes[0].cells.9" in paths
    assert "$.themes[0].colour" in paths
    assert any("out of range" in p.message for p in info.value.problems)


def test_custom_matrix_loads_from_a_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(
        '{"name": "two", "levels": [{"level": 1, "name": "low", "descriptor": "d"}],'
        ' "themes": [{"key": "trust", "name": "Trust", "tag": "iso44003:p7"}]}'
    )
    m = maturity.load_matrix(path)
    assert m.theme_keys == ("trust",)


def test_self_assessment_with_unknown_theme_or_level_out_of_range_is_refused():
    data = [
        {
            "relationship_id": "r",
            "assessed_on": "2026-01-01",
            "participant": {"name": "a", "party": "x", "role": "ser"},
            "scores": {"p1": 6, "p99": 2},
        }
    ]
    with pytest.raises(LoadError) as info:
        maturity.self_assessments_from_data(data)
    messages = " ".join(str(p) for p in info.value.problems)
    assert "$.assessments[0].scores.p1" in messages
    assert "out of range" in messages
    assert "unknown theme 'p99'" in messages


def test_party_gap_report_names_the_themes_of_most_disagreement():
    by_party = maturity.perceived(maturity.example_self_assessments(), by="party")
    report = maturity.gaps(by_party["northbridge"], by_party["halden-rail"])
    top = [g.theme for g in report.largest(3)]
    assert set(top) == {"p7", "p12", "p8"}
    assert all(g.difference < 0 for g in report.largest(3))


def test_perceived_by_role_averages_the_answers():
    by_role = maturity.perceived(maturity.example_self_assessments(), by="role")
    assert by_role["ser"].level("p7") == pytest.approx((4 + 2) / 2)


def test_every_evidenced_level_carries_the_rules_that_explain_it(assessment):
    profile = maturity.evidenced(assessment, "rel-rail-jv", organization_id="northbridge")
    for t in profile.levels:
        if t.level is not None:
            assert t.rules
            assert {f.rule_id for f in t.findings} == set(t.rules)
            assert t.reason


def test_perceived_vs_evidenced_gap_has_remedy_findings(assessment):
    evidenced = maturity.evidenced(assessment, "rel-westmere-ppp", organization_id="northbridge")
    low = [t for t in evidenced.levels if t.level is not None and t.level < 3]
    assert low
    assert all(t.remedies for t in low)
    target = maturity.target({t.theme: 4 for t in low}, as_of=AS_OF)
    report = maturity.gaps(evidenced, target)
    assert report.largest(1)[0].drivers


def test_level_five_needs_level_four_over_two_cycles(assessment):
    now = maturity.evidenced(assessment, "rel-rail-jv", organization_id="northbridge")
    fours = [t.theme for t in now.levels if t.level == 4]
    assert fours
    later = maturity.evidenced(
        assessment, "rel-rail-jv", organization_id="northbridge", previous=now
    )
    assert all(later.level(k) == 5 for k in fours)


def _rank(verdict):
    return 1 if verdict is Verdict.PASS else 0


@settings(max_examples=25)
@given(
    portfolio=portfolios(min_relationships=1, max_relationships=2),
    donor=organizations(complete=True),
    field=st.sampled_from([f.name for f in attrs.fields(Organization) if f.name != "id"]),
)
def test_evidenced_level_rises_when_and_only_when_its_evidence_is_added(portfolio, donor, field):
    session = Session(portfolio, default_ruleset(), as_of=AS_OF)
    org_id = portfolio.organization.id
    rel_id = portfolio.relationships[0].id
    before = maturity.evidenced(session.assessment(), rel_id, organization_id=org_id)
    session.update_organization(
        attrs.evolve(session.organization, **{field: getattr(donor, field)})
    )
    after = maturity.evidenced(session.assessment(), rel_id, organization_id=org_id)
    for old, new in zip(before.levels, after.levels, strict=True):
        was = {(f.rule_id, f.subject_id): f.verdict for f in old.findings}
        now = {(f.rule_id, f.subject_id): f.verdict for f in new.findings}
        if was == now:
            assert old.level == new.level, old.theme
        gained = all(_rank(now[k]) >= _rank(was[k]) for k in was)
        same_scope = {k for k, v in was.items() if v is not Verdict.NOT_APPLICABLE} == {
            k for k, v in now.items() if v is not Verdict.NOT_APPLICABLE
        }
        if gained and same_scope and old.level is not None:
            assert new.level >= old.level, old.theme


def test_competence_gaps_compare_records_with_role_profiles(example):
    gaps = maturity.competence_gaps(example.organization)
    for g in gaps:
        assert g.actual is None or g.actual < g.required
        assert g.name
        assert "iso44001:7.2/records" in g.rules
    org = example.organization
    record = org.competence_records[0]
    lowered = attrs.evolve(
        record, competencies=tuple(attrs.evolve(c, level=1) for c in record.competencies)
    )
    worse = attrs.evolve(org, competence_records=(lowered, *org.competence_records[1:]))
    assert len(maturity.competence_gaps(worse)) > len(gaps)
