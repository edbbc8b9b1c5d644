"""``as_of`` and ``on`` that are not dates are refused at every entry point (issue 13, 7 and 16).

A ``datetime`` (a subclass of ``date``), a text or ``None`` used to be accepted and turned
dated rules into ERROR or failed later while dumping. Every entry point of the lifecycle,
the reports, the views and maturity now refuses them with :class:`NotADateError` (a
``TypeError``), before anything is computed; the engine's entry points use the same check
(``collabrel._dates.require_date``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

import collabrel
from collabrel import maturity, views
from collabrel.errors import CollabrelError, LoadError, NotADateError
from collabrel.lifecycle import Lifecycle
from collabrel.reports import Report, diff_reports, report
from collabrel.rules import RuleSet, Session, default_ruleset, evaluate

AS_OF = date(2026, 11, 23)
BAD = [
    pytest.param(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), id="datetime"),
    pytest.param(datetime(2026, 11, 23), id="naive-datetime"),  # noqa: DTZ001 - the point
    pytest.param("2026-11-23", id="text"),
    pytest.param(None, id="None"),
    pytest.param(20261123, id="number"),
]


@pytest.fixture(scope="module")
def example() -> collabrel.Portfolio:
    return collabrel.example_portfolio()


@pytest.fixture(scope="module")
def assessment(example: collabrel.Portfolio) -> Any:
    return evaluate(example, as_of=AS_OF)


@attrs.frozen
class _Assessment:
    """An assessment whose date is not a date, as a careless caller could build one."""

    findings: tuple[Any, ...]
    as_of: Any
    ruleset_version: str


def _refused(call: Any, name: str = "as_of") -> NotADateError:
    with pytest.raises(NotADateError) as info:
        call()
    assert isinstance(info.value, TypeError | CollabrelError)
    assert f"{name} must be a datetime.date" in str(info.value)
    return info.value


# ------------------------------------------------------------------------------- engine


@pytest.mark.parametrize("bad", BAD)
def test_session_and_evaluate_refuse_an_as_of_that_is_not_a_date(example, bad):
    _refused(lambda: Session(example, default_ruleset(), as_of=bad))
    _refused(lambda: evaluate(example, as_of=bad))
    _refused(lambda: evaluate(example, RuleSet([]), as_of=bad))


@pytest.mark.parametrize("bad", BAD)
def test_set_as_of_refuses_a_non_date_and_changes_nothing(example, bad):
    session = Session(example, default_ruleset(), as_of=AS_OF)
    before = session.verdicts()
    _refused(lambda: session.set_as_of(bad))
    assert session.as_of == AS_OF
    assert type(session.as_of) is date
    assert session.verdicts() == before
    # the session goes on: a real date still moves it, as a fresh session would see it
    session.set_as_of(date(2027, 6, 1))
    fresh = Session(example, default_ruleset(), as_of=date(2027, 6, 1))
    assert session.verdicts() == fresh.verdicts()


def test_a_datetime_would_have_hidden_failures(example):
    # why the refusal matters: a date evaluates, and it has failures a datetime used to hide
    verdicts = {f.verdict.value for f in evaluate(example, as_of=AS_OF)}
    assert "fail" in verdicts
    assert "error" not in verdicts


# ------------------------------------------------------------------------------ lifecycle


@pytest.mark.parametrize("bad", BAD)
def test_lifecycle_queries_refuse_an_as_of_that_is_not_a_date(example, bad):
    lc = Lifecycle(RuleSet([]))
    rel, org = example.relationship("rel-aldermoor"), example.organization
    _refused(lambda: lc.can_advance(rel, org, as_of=bad))
    _refused(lambda: lc.check(rel, org, "advance", as_of=bad))


@pytest.mark.parametrize("bad", BAD)
def test_every_stage_change_refuses_an_on_that_is_not_a_date(example, bad):
    lc = Lifecycle(RuleSet([]))
    org = example.organization
    aldermoor = example.relationship("rel-aldermoor")  # stage 2
    rail = example.relationship("rel-rail-jv")  # stage 7, agreed exit strategy
    plant = example.relationship("rel-plant-hire")  # candidate
    calls = [
        lambda: lc.advance(aldermoor, org, on=bad, approved_by="p-infra"),
        lambda: lc.revise(aldermoor, on=bad, approved_by="p-infra"),
        lambda: lc.withdraw(aldermoor, on=bad, approved_by="p-infra"),
        lambda: lc.activate_exit(rail, on=bad, trigger="objectives_met", approved_by="p-rail"),
        lambda: lc.retrofit(plant, stage=5, on=bad, approved_by="p-coo", organization=org),
    ]
    for call in calls:
        _refused(call, "on")


def test_a_refused_date_changes_nothing(example):
    lc = Lifecycle(RuleSet([]))
    rel = example.relationship("rel-aldermoor")
    with pytest.raises(NotADateError):
        lc.advance(rel, example.organization, on=None, approved_by="p-infra")  # type: ignore[arg-type]
    assert example.relationship("rel-aldermoor") is rel  # values are immutable
    moved = lc.advance(rel, example.organization, on=AS_OF, approved_by="p-infra")
    assert moved.stage_history[-1].entered_on == AS_OF
    assert collabrel.loads(collabrel.dumps(example.with_relationship(moved), "json"))


def test_activate_exit_on_a_relationship_without_its_disengagement_record_is_refused(example):
    # issue 13 (16): disengagement=None used to reach activate_exit and fail there with
    # attrs' NotAnAttrsClassError; the model now refuses it where it enters, with its name
    rail = example.relationship("rel-rail-jv")
    with pytest.raises(
        CollabrelError, match=r"Relationship\.disengagement must be a Disengagement"
    ):
        attrs.evolve(rail, disengagement=None)
    data = collabrel.dumps(example, "json").replace(
        '"id": "rel-rail-jv",', '"id": "rel-rail-jv", "disengagement": null,', 1
    )
    assert '"disengagement": null' in data
    with pytest.raises(LoadError) as info:
        collabrel.loads(data, format="json")
    assert any(p.path.endswith(".disengagement") for p in info.value.problems)
    # the record is optional in a document: absent, activation fills a fresh one
    lc = Lifecycle(RuleSet([]))
    exit_args = {"on": AS_OF, "trigger": "objectives_met", "approved_by": "p-rail"}
    moved = lc.activate_exit(rail, **exit_args, co_approvers=["hrs-ceo"])
    assert moved.disengagement.activation.trigger == "objectives_met"
    with pytest.raises(TypeError, match="disengagement"):  # not a parameter: Python refuses it
        lc.activate_exit(rail, **exit_args, disengagement=None)


# -------------------------------------------------------------------------------- reports


@pytest.mark.parametrize("bad", BAD)
def test_report_refuses_an_as_of_that_is_not_a_date(example, bad):
    _refused(lambda: report(example, as_of=bad))


@pytest.mark.parametrize("bad", BAD)
def test_report_values_refuse_an_as_of_that_is_not_a_date(example, assessment, bad):
    rep = Report.from_assessment(assessment, example)
    _refused(lambda: attrs.evolve(rep, as_of=bad))
    # refused by the report, or already by the assessment if the engine checks its date
    _refused(lambda: Report.from_assessment(attrs.evolve(assessment, as_of=bad), example))
    diff = diff_reports(rep, rep)
    _refused(lambda: attrs.evolve(diff, before_as_of=bad), "before_as_of")
    _refused(lambda: attrs.evolve(diff, after_as_of=bad), "after_as_of")


# ---------------------------------------------------------------------- views, maturity

VIEWS = [
    views.iso44003_principles,
    views.ermp_sections,
    views.raio_cycle,
    views.gartner_processes,
    views.gartner_audit,
    views.annex_a_checklist,
]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("view", VIEWS, ids=[v.__name__ for v in VIEWS])
def test_views_refuse_an_assessment_dated_with_something_else(assessment, view, bad):
    assert view(assessment).as_of == AS_OF
    careless = _Assessment(assessment.findings, bad, assessment.ruleset_version)
    _refused(lambda: view(careless))


@pytest.mark.parametrize("bad", BAD)
def test_maturity_refuses_an_as_of_that_is_not_a_date(example, assessment, bad):
    _refused(lambda: maturity.target({"1": 3}, as_of=bad))
    profile = maturity.evidenced(assessment, "rel-rail-jv", organization_id=example.organization.id)
    assert profile.as_of == AS_OF
    _refused(lambda: attrs.evolve(profile, as_of=bad))
    careless = _Assessment(assessment.findings, bad, assessment.ruleset_version)
    _refused(
        lambda: maturity.evidenced(careless, "rel-rail-jv", organization_id=example.organization.id)
    )
