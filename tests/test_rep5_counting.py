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

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel._render._source import Count, RowContext, Tallies, row_order, session_summary
from collabrel.rules import Session, default_ruleset

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
