"""Evaluation in parts gives exactly the verdicts of one session on the whole portfolio."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel.errors import RuleDefinitionError
from collabrel.rules import (
    RuleSet,
    Session,
    VerdictTable,
    default_ruleset,
    evaluate_organization,
    evaluate_partition,
    merge_tallies,
    rule,
)
from collabrel.testing import portfolios

AS_OF = date(2026, 11, 23)


def _by_parts(portfolio, ruleset, cuts):
    rels = portfolio.relationships
    bounds = [0, *sorted(set(cuts)), len(rels)]
    parts = [
        evaluate_partition(portfolio.organization, rels[a:b], ruleset, as_of=AS_OF)
        for a, b in itertools.pairwise(bounds)
    ]
    org = evaluate_organization(
        portfolio.organization, ruleset, tallies=merge_tallies(p.tallies for p in parts),
        as_of=AS_OF,
    )  # fmt: skip
    table = VerdictTable.concat([p.table for p in parts])
    return org, table, parts


def _check(portfolio, ruleset, cuts):
    whole = Session(portfolio, ruleset, as_of=AS_OF)
    expected = whole.verdicts()
    org, table, parts = _by_parts(portfolio, ruleset, cuts)
    got = {(f.rule_id, f.subject_id): f.verdict for f in org}
    got |= {(r[1], r[0]): collabrel.rules.Verdict(r[5]) for r in table.rows()}
    assert got == expected
    assert sum(p.relationships for p in parts) == len(portfolio.relationships)
    # the organization findings explain themselves as the whole session does
    for f in org:
        assert f.message == whole.finding(f.rule_id, f.subject_id).message or f.ok


def test_the_example_in_parts_equals_one_session():
    _check(collabrel.example_portfolio(), default_ruleset(), [2, 5])


@settings(max_examples=15)
@given(portfolio=portfolios(min_relationships=1, max_relationships=4), data=st.data())
def test_generated_portfolios_in_parts_equal_one_session(portfolio, data):
    n = len(portfolio.relationships)
    cuts = data.draw(st.lists(st.integers(0, n), max_size=3))
    _check(portfolio, default_ruleset(), cuts)


def test_a_rule_reading_every_relationship_without_a_tally_is_refused():
    @rule("acme:count", title="Some relationships", clause="6.2", level="ORG", remedy="r",
          reads=("relationships.id",))  # fmt: skip
    def some(org, ctx):
        return len(ctx.relationships) > 0

    p = collabrel.example_portfolio()
    with pytest.raises(RuleDefinitionError, match="acme:count"):
        evaluate_partition(p.organization, p.relationships, RuleSet([some]), as_of=AS_OF)


def test_a_missing_tally_is_refused():
    p = collabrel.example_portfolio()
    with pytest.raises(RuleDefinitionError, match="no tally given"):
        evaluate_organization(p.organization, default_ruleset(), tallies={}, as_of=AS_OF)
