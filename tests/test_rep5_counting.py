"""The streamed reports' fast counting equals counting one finding at a time.

``session_summary`` counts a session's verdicts in plain lists of numbers per rule and per
subject; its tallies (by clause, stage, level, subject and rule, with the order in which each
key first appears) must equal those of :meth:`Tallies.add_row` over every finding's row.
"""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import Exclusion, Stage
from collabrel._render._source import (
    Count,
    RowContext,
    Tallies,
    row_order,
    session_rows,
    session_summary,
)
from collabrel.rules import Outcome, RuleSet, Session, Verdict, default_ruleset, rule

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_AS_OF = date(2026, 11, 23)


def _generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "rep5_generate", ROOT / "benchmarks" / "generate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generate()


def _count_state(count: Count) -> tuple[dict[Any, int], dict[Any, int], dict[Any, int]]:
    return dict(count.verdicts), dict(count.gaps), dict(count.pairs)


def _state(tallies: Tallies) -> dict[str, Any]:
    """Everything a tally holds, with each dictionary's key order."""

    def counts(table: dict[str, Count]) -> list[tuple[str, Any]]:
        return [(key, _count_state(count)) for key, count in table.items()]

    return {
        "overall": _count_state(tallies.overall),
        "clause": counts(tallies.clause),
        "stage": counts(tallies.stage),
        "stage_labels": list(tallies.stage_labels.items()),
        "level": counts(tallies.level),
        "subject": counts(tallies.subject),
        "rule": counts(tallies.rule),
        "rule_info": list(tallies.rule_info.items()),
        "names": tallies.names,
    }


def _one_by_one(session: Session, context: RowContext) -> Tallies:
    """The straightforward count: every finding made into a row, rows added one at a time."""
    tallies = Tallies(context.order, context.names)
    order = {s.id: i for i, s in enumerate(session.ruleset)}
    for sid in context.order:
        for finding in row_order(session.findings(subject_id=sid), order):
            tallies.add_row(context.row(finding))
    return tallies


def _check(session: Session) -> None:
    context = RowContext(session.portfolio)
    summary, fast = session_summary(session, context)
    slow = _one_by_one(session, context)
    assert _state(fast) == _state(slow)
    assert summary == slow.summary()
    _check_rows(session)


_NEEDS_ACTION = (Verdict.FAIL, Verdict.UNKNOWN, Verdict.ERROR)


def _check_rows(session: Session) -> None:
    """The streamed rows (most made without their finding) equal every finding made a row."""
    order = {s.id: i for i, s in enumerate(session.ruleset)}
    context = RowContext(session.portfolio)
    expected = [
        context.row(finding)
        for sid in context.order
        for finding in row_order(session.findings(subject_id=sid), order)
    ]
    assert list(session_rows(session, RowContext(session.portfolio))) == expected
    actions = list(session_rows(session, RowContext(session.portfolio), actions_only=True))
    assert actions == [r for r in expected if r.verdict in _NEEDS_ACTION]
    assert actions, "the checked portfolios have something to act on"


@settings(max_examples=10, deadline=None)
@given(days=st.integers(min_value=-800, max_value=1500))
def test_counting_equals_one_row_at_a_time_on_the_example(days: int) -> None:
    session = Session(
        collabrel.example_portfolio(), default_ruleset(), as_of=EXAMPLE_AS_OF + timedelta(days)
    )
    _check(session)


@pytest.mark.parametrize("days", [0, 400])
def test_counting_equals_one_row_at_a_time_on_a_generated_portfolio(days: int) -> None:
    session = Session(
        generate.portfolio(40), default_ruleset(), as_of=generate.AS_OF + timedelta(days)
    )
    _check(session)


def test_progress_hears_of_every_subject() -> None:
    session = Session(collabrel.example_portfolio(), as_of=EXAMPLE_AS_OF)
    context = RowContext(session.portfolio)
    heard: list[tuple[int, int | None]] = []
    session_summary(session, context, progress=lambda done, total: heard.append((done, total)))
    total = len(context.order)
    assert heard == [(done, total) for done in range(1, total + 1)]


@rule("acme:breaks-on-alliances", title="A custom rule that raises on alliances",
      clause="8.1", level="REL", remedy="Fix the rule.", reads=["name"])  # fmt: skip
def _breaks_on_alliances(rel: Any, ctx: Any) -> Outcome:
    if rel.id.endswith("-alliance"):
        raise RuntimeError("no alliances here")
    return Outcome.passed()


def test_rows_equal_their_findings_rows_with_exclusions_and_relationships_out_of_scope() -> None:
    """Every way a rule does not apply words its own message: scope, exclusions, stage."""
    portfolio = collabrel.example_portfolio()
    org = portfolio.organization
    assert org.scope is not None
    everywhere = Exclusion(
        requirement="8.4", justification="= not for this CBRMS", approved_by="p-coo",
        approved_on=date(2025, 3, 25),
    )  # fmt: skip
    scope = attrs.evolve(
        org.scope,
        exclusions=(*org.scope.exclusions, everywhere),
        relationships_in_scope=org.scope.relationships_in_scope[1:],
    )
    portfolio = attrs.evolve(portfolio, organization=attrs.evolve(org, scope=scope))
    rules = default_ruleset().with_rules(RuleSet([_breaks_on_alliances]))
    session = Session(portfolio, rules, as_of=EXAMPLE_AS_OF)
    _check_rows(session)
    assert session.verdict("acme:breaks-on-alliances", "rel-grid-alliance") is Verdict.ERROR
    # the exclusion column names the exclusion that makes the verdict (a clause covers its
    # subclauses; an exclusion limited to some relationships is theirs alone)
    rows = list(session_rows(session, RowContext(session.portfolio)))
    shown = [r for r in rows if r.subject_id == org.id or session.in_scope(r.subject_id)]
    assert len({r.subject_id for r in shown}) == 6  # two of the seven relationships are out
    for row in shown:
        excluded = row.message.startswith("excluded from the CBRMS scope (4.3): ")
        assert (row.exclusion is not None) == excluded, (row.rule_id, row.subject_id)
        assert not excluded or row.message.endswith(row.exclusion or "")
    assert {r.rule_id.split("/")[0] for r in shown if r.exclusion} >= {"iso44001:8.4.1"}
    limited = [r for r in shown if r.rule_id.startswith("iso44001:8.5.4")]
    assert {r.subject_id for r in limited if r.exclusion} == {"rel-westmere-ppp"}
    moved = [attrs.evolve(r, stage=Stage.VALUE_CREATION) for r in portfolio.relationships[:3]]
    for rel in moved:
        session.update_relationship(rel)
    _check_rows(session)
