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


# ------------------------------------------------------------------ the table's columns


def _table_agrees_with_the_findings(session: Session) -> None:
    """Every row of the table says what the pair's finding says, gap and message included."""
    findings = {(f.rule_id, f.subject_id): f for f in session.findings(detail="all")}
    table = session.table()
    assert len(table) == len(findings)
    for row in table.rows():
        subject, rule_id, clause, stage, level, verdict, gap, message = row
        f = findings[rule_id, subject]
        assert (clause, stage, level, verdict) == (
            f.clause, None if f.stage is None else f.stage.number, f.level, f.verdict.value
        )  # fmt: skip
        assert gap == (None if f.gap is None else f.gap.value), (rule_id, subject)
        assert message == (f.message if not f.ok else ""), (rule_id, subject)
    quiet = session.table(messages=False)
    assert quiet.gap == table.gap  # the gap does not depend on the messages
    assert set(quiet.message) == {""}


def test_the_table_tells_open_gate_items_from_nonconformities_as_findings_do():
    session = Session(collabrel.example_portfolio(), default_ruleset(), as_of=AS_OF)
    _table_agrees_with_the_findings(session)
    gaps = set(session.table().gap)
    assert gaps == {None, "open_gate_item", "nonconformity"}  # the example has both kinds
    frame = session.table(messages=False).to_pandas()
    assert str(frame["gap"].dtype) == "category"


@settings(max_examples=15, deadline=None)
@given(portfolios(max_relationships=4))
def test_generated_tables_agree_with_their_findings(portfolio):
    _table_agrees_with_the_findings(Session(portfolio, default_ruleset(), as_of=AS_OF))
