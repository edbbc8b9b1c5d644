"""Model validators: every field refuses a bad value wherever an object is built.

Three entry points build domain objects: the constructor, :func:`attrs.evolve` and loading a
document. The same checks run in all three and raise a collabrel error that names the class,
the field and the value (loading adds the document path).
"""

from __future__ import annotations

import enum
import math
import typing
from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import _model, units
from collabrel._model._checks import RANGE, is_identifier
from collabrel._stages import Stage
from collabrel.errors import (
    CollabrelError,
    ConfigError,
    FieldTypeError,
    LoadError,
    UnitError,
    ValidationError,
)
from collabrel.testing import make_organization, make_relationship, portfolios

CLASSES = sorted(
    (c for n in _model.__all__ if attrs.has(c := getattr(_model, n)) and isinstance(c, type)),
    key=lambda c: c.__name__,
)


# ------------------------------------------------------------------ a minimal valid object


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (typing.Union, __import__("types").UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _sample(cls: type, name: str, hint: Any, field: attrs.Attribute[Any]) -> Any:
    """A valid value for a required field."""
    hint, _ = _unwrap(hint)
    if typing.get_origin(hint) is tuple:
        return ()
    if hint is str:
        return f"{name}-1"
    if hint is date:
        return date(2026, 1, 1)
    if hint is int:
        bounds = field.metadata.get(RANGE)
        return 1 if bounds is None else int(bounds[0])
    if hint is float:
        return 0.5
    if hint is bool:
        return False
    if hint is Any:  # collabrel.units.Quantity at run time
        return units.percent(5)
    if hint is Stage:
        return Stage.KNOWLEDGE
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return next(iter(hint))
    if attrs.has(hint):
        return minimal(hint)
    raise AssertionError(f"no sample for {cls.__name__}.{name}: {hint!r}")  # pragma: no cover


def minimal(cls: type) -> Any:
    """The smallest valid instance of *cls*: its required fields only."""
    hints = _hints(cls)
    kwargs = {
        f.name: _sample(cls, f.name, hints[f.name], f)
        for f in attrs.fields(cls)
        if f.init and f.default is attrs.NOTHING
    }
    return cls(**kwargs)


def _wrong_values(hint: Any) -> list[Any]:
    """Values of the wrong type for a field annotated *hint*."""
    hint, _ = _unwrap(hint)
    if typing.get_origin(hint) is tuple:
        return ["a text, not a list", 5, {"a": 1}]
    if hint is str:
        return [5, b"bytes", ["a"]]
    if hint is date:
        return ["2026-01-01", datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 20260101]
    if hint is int:
        return ["1", True, 1.5]
    if hint is float:
        return ["0.5", True, math.nan, math.inf]
    if hint is bool:
        return ["yes", 1]
    if hint is Any:
        return ["5 flurbs", 5, "10**10**10 EUR"]
    if hint is collabrel.Facts:  # built with collabrel.Facts(...), never a plain mapping
        return ["a text", {"a": 1}, 5]
    if isinstance(hint, type) and (issubclass(hint, enum.Enum) or attrs.has(hint)):
        return ["bogus", {"x": 1}, 3.5]
    raise AssertionError(f"no wrong value for {hint!r}")  # pragma: no cover


FIELDS = [(cls, field.name) for cls in CLASSES for field in attrs.fields(cls) if field.init]


def test_every_model_class_has_a_minimal_valid_instance():
    for cls in CLASSES:
        obj = minimal(cls)
        assert attrs.evolve(obj) == obj


@pytest.mark.parametrize(("cls", "name"), FIELDS, ids=[f"{c.__name__}.{n}" for c, n in FIELDS])
def test_every_field_refuses_the_wrong_type_and_none_unless_optional(cls, name):
    obj = minimal(cls)
    hint = _hints(cls)[name]
    for bad in _wrong_values(hint):
        with pytest.raises(CollabrelError) as info:
            attrs.evolve(obj, **{name: bad})
        # a builtin base too, so that generic handlers still work
        assert isinstance(info.value, TypeError | ValueError)
        assert name in str(info.value)
    _, optional = _unwrap(hint)
    if optional:
        assert getattr(attrs.evolve(obj, **{name: None}), name) is None
    else:
        with pytest.raises(CollabrelError, match=name):
            attrs.evolve(obj, **{name: None})


# ------------------------------------------------------------ documented constraints

D = date(2026, 1, 1)
_INFINITE_PERCENT = units.registry().Quantity(math.inf, "percent")


def _history(*days: int) -> tuple[_model.StageRecord, ...]:
    return tuple(
        _model.StageRecord(stage=Stage.KNOWLEDGE, entered_on=date(2026, 1, d)) for d in days
    )


# (what, class, good kwargs, bad kwargs, error type, words the message has)
CASES: list[tuple[str, type, dict[str, Any], dict[str, Any], type, str]] = [
    ("risk likelihood above the scale", _model.RiskItem, {"likelihood": 5},
     {"likelihood": 99}, ValidationError, "RiskItem.likelihood must be from 1 to 5"),
    ("risk impact below the scale", _model.RiskItem, {"impact": 1},
     {"impact": -3}, ValidationError, "RiskItem.impact must be from 1 to 5"),
    ("escalation threshold beyond a rating", _model.RiskProcess, {"escalation_threshold": 25},
     {"escalation_threshold": 26}, ValidationError, "from 1 to 25"),
    ("stage of a procedure", _model.StageProcedure, {"stage": 8},
     {"stage": 9}, ValidationError, "StageProcedure.stage must be from 1 to 8"),
    ("stage of an RMP update", _model.StageUpdate, {"stage": 1},
     {"stage": 0}, ValidationError, "StageUpdate.stage"),
    ("competence or maturity level", _model.LevelScore, {"level": 5},
     {"level": 6}, ValidationError, "LevelScore.level must be from 1 to 5"),
    ("stages sampled by an audit", _model.AuditReport, {"stages_sampled": (1, 8)},
     {"stages_sampled": (1, 12)}, ValidationError, "AuditReport.stages_sampled[1]"),
    ("priority", _model.SegmentEntry, {"priority": 1},
     {"priority": 0}, ValidationError, "1 is the highest priority"),
    ("version", _model.Signoff, {"version": 1},
     {"version": 0}, ValidationError, "Signoff.version must be of 1 or more"),
    ("a version number named *_version", _model.ExitActivation, {"strategy_version": 2},
     {"strategy_version": -1}, ValidationError, "strategy_version"),
    ("selection weight", _model.SelectionCriterion, {"weight": 0.25},
     {"weight": 1.5}, ValidationError, "weight must be from 0 to 1"),
    ("a score that is no number", _model.CriterionScore, {"score": 7.5},
     {"score": math.nan}, ValidationError, "finite"),
    ("escalation level numbers", _model.EscalationLevel, {"level": 1, "max_days": 0},
     {"level": 0}, ValidationError, "EscalationLevel.level"),
    ("days at a level", _model.EscalationLevel, {"level": 2, "max_days": 10},
     {"level": 2, "max_days": -1}, ValidationError, "max_days"),
    ("open change requests", _model.Agreement, {"open_change_requests": 0},
     {"open_change_requests": -2}, ValidationError, "open_change_requests"),
    ("an empty id", _model.Party, {"id": "p"}, {"id": ""}, ValidationError, "Party.id"),
    ("an id with blanks around it", _model.Person, {"id": "p-1"},
     {"id": " p-1"}, ValidationError, "surrounding blanks"),
    ("an id with a control character", _model.Relationship, {"id": "rel-1"},
     {"id": "rel-1\n"}, ValidationError, "Relationship.id"),
    ("an empty reference", _model.Signoff, {"party": "org"},
     {"party": ""}, ValidationError, "Signoff.party"),
    ("an empty id in a list", _model.KPI, {"objective_ids": ("o-1",)},
     {"objective_ids": ("o-1", "")}, ValidationError, "KPI.objective_ids[1]"),
    ("a budget that is not money", _model.ResourcePlan, {"budget": "5000 EUR"},
     {"budget": "5 percent"}, UnitError, "ResourcePlan.budget must be an amount of money"),
    ("effort that is not effort", _model.ResourcePlan, {"effort": "2.5 FTE"},
     {"effort": "300 EUR"}, UnitError, "ResourcePlan.effort must be an effort"),
    ("costs that are not money", _model.BusinessCase, {"costs": "850000 GBP"},
     {"costs": "3 day"}, UnitError, "BusinessCase.costs"),
    ("a quantity as an expression", _model.ExpectedBenefit, {"estimate": "8 percent"},
     {"estimate": "9**9**9 EUR"}, UnitError, "arithmetic is not evaluated"),
    ("a quantity that is not finite", _model.Measurement,
     {"measured_on": D, "value": "1 percent"}, {"value": _INFINITE_PERCENT}, UnitError,
     "finite"),
    ("a period that ends before it starts", _model.ResourcePlan,
     {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31)},
     {"period_start": date(2026, 1, 1), "period_end": date(2025, 12, 31)}, ValidationError,
     "period_end must not be before period_start"),
    ("a stage history out of order", _model.Relationship, {"stage_history": _history(1, 2)},
     {"stage_history": _history(2, 1)}, ValidationError, "stage_history[1]"),
    ("a measurement unlike the target", _model.KPI,
     {"target": "95 percent",
      "measurements": (_model.Measurement(measured_on=D, value="93 percent"),)},
     {"target": "95 percent",
      "measurements": (_model.Measurement(measured_on=D, value="93 EUR"),)},
     ValidationError, "KPI.measurements[0] must be measured like the target"),
    ("escalation levels not lowest first", _model.IssueResolutionProcess,
     {"levels": (_model.EscalationLevel(level=1), _model.EscalationLevel(level=2))},
     {"levels": (_model.EscalationLevel(level=2), _model.EscalationLevel(level=1))},
     ValidationError, "levels are listed lowest first"),
    ("a text where a list is expected", _model.Process, {"inputs": ("Context analysis",)},
     {"inputs": "Context analysis"}, FieldTypeError, "not a list of characters"),
    ("an unknown enumeration value", _model.Relationship, {"direction": "supplier"},
     {"direction": "suplier"}, ValidationError, "did you mean 'supplier'"),
    ("an unknown stage", _model.Relationship, {"stage": "working together"},
     {"stage": "workng together"}, ValidationError, "did you mean 'working_together'"),
    ("a stage group set to None", _model.Relationship, {},
     {"disengagement": None}, FieldTypeError, "Relationship.disengagement must be a"),
    ("a datetime for a date", _model.Signoff, {"signed_on": D},
     {"signed_on": datetime(2026, 1, 1, 9, 30, tzinfo=UTC)}, FieldTypeError, "not a date and time"),
    ("True for a number", _model.RiskItem, {"likelihood": 2},
     {"likelihood": True}, FieldTypeError, "whole number"),
]  # fmt: skip
CASE_IDS = [c[0] for c in CASES]


def _base(cls: type) -> Any:
    if cls is _model.Relationship:
        return make_relationship()
    return minimal(cls)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_constraint_through_the_constructor(case):
    _, cls, good, bad, error, words = case
    base = _base(cls)
    kwargs = {f.name: getattr(base, f.name) for f in attrs.fields(cls) if f.init}
    assert cls(**{**kwargs, **good}) is not None
    with pytest.raises(error) as info:
        cls(**{**kwargs, **bad})
    assert words in str(info.value)
    assert isinstance(info.value, CollabrelError)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_constraint_through_evolve(case):
    _, cls, good, bad, error, words = case
    obj = attrs.evolve(_base(cls), **good)
    with pytest.raises(error) as info:
        attrs.evolve(obj, **bad)
    assert words in str(info.value)


def test_a_validation_error_names_its_class_field_and_fix():
    with pytest.raises(ValidationError) as info:
        _model.RiskItem(id="r-1", description="x", likelihood=99)
    exc = info.value
    assert (exc.owner, exc.field) == ("RiskItem", "likelihood")
    assert "got 99" in str(exc)
    with pytest.raises(FieldTypeError) as info2:
        _model.Process(id="p", name="P", inputs="Context analysis")
    assert info2.value.hint  # says what to write instead
    assert isinstance(info2.value, TypeError)


def test_required_references_are_required():
    with pytest.raises(TypeError, match="party"):
        _model.Signoff(signed_on=D)  # type: ignore[call-arg]


def test_quantity_fields_take_text_and_keep_the_unit():
    plan = _model.ResourcePlan(id="rp", budget="385000 GBP", effort="420 person_day")
    assert plan.budget == units.money(385000, "GBP")
    assert plan.effort == units.person_days(420)
    assert _model.ResourcePlan(id="rp", effort="2.5 FTE").effort == units.fte(2.5)


# ------------------------------------------------------------------------------ loading

DOC = """\
organization:
  id: org
  name: Org
  people: [{{id: p-1, name: Pat}}]
  {org}
relationships:
  - id: rel-1
    name: R
    parties: [{{id: org, name: Org}}, {{id: partner-a, name: A}}]
    {rel}
"""

# (what, organization part, relationship part, path, words)
LOAD_CASES = [
    ("likelihood out of scale",
     "risk_register: {id: rr, items: [{id: r, description: x, likelihood: 99}]}", "",
     "$.organization.risk_register.items[0]", "RiskItem.likelihood must be from 1 to 5"),
    ("empty id", "units: [{id: '', name: U}]", "", "$.organization.units[0]", "OrgUnit.id"),
    ("budget in percent", "resource_plan: {id: rp, budget: 5 percent}", "",
     "$.organization.resource_plan", "must be an amount of money"),
    ("version 0", "", "exit_strategy: {id: e, version: 0}", "$.relationships[0].exit_strategy",
     "ExitStrategy.version"),
    ("history out of order", "",
     ("stage_history: [{stage: knowledge, entered_on: 2024-05-01}, "
      "{stage: knowledge, entered_on: 2024-01-01}]"),
     "$.relationships[0]", "stage_history[1]"),
    ("unknown approver", "",
     "stage_history: [{stage: knowledge, entered_on: 2024-05-01, approved_by: nobody}]",
     "$.relationships[0].stage_history[0].approved_by", "unknown person 'nobody'"),
    ("disengagement null", "", "disengagement: null", "$.relationships[0].disengagement", ""),
    ("quantity expression", "resource_plan: {id: rp, budget: '10**10**10 GBP'}", "",
     "$.organization.resource_plan.budget", "arithmetic is not evaluated"),
    ("weight above 1", "",
     ("assessment: {selection_criteria: {id: sc, criteria: "
      "[{name: n, kind: collaborative, weight: 30}]}}"),
     "$.relationships[0].assessment.selection_criteria.criteria[0]",
     "weight must be from 0 to 1"),
]  # fmt: skip


@pytest.mark.parametrize("case", LOAD_CASES, ids=[c[0] for c in LOAD_CASES])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_constraint_through_load_has_the_path(case, fmt):
    _, org, rel, path, words = case
    text = DOC.format(org=org, rel=rel)
    if fmt == "json":
        import json

        import yaml

        text = json.dumps(yaml.safe_load(text), default=str)
    with pytest.raises(LoadError) as info:
        collabrel.loads(text, format=fmt)
    found = [p for p in info.value.problems if p.path.startswith(path)]
    assert found, info.value
    assert any(words in p.message for p in found), info.value


def test_the_bundled_example_satisfies_every_constraint():
    portfolio = collabrel.example_portfolio()
    assert collabrel.loads(collabrel.dumps(portfolio, "json"), format="json") == portfolio


# --------------------------------------------------------------------------- properties


@settings(max_examples=15)
@given(portfolios(max_relationships=2))
def test_generated_portfolios_pass_the_checks_again_through_evolve(portfolio):
    # the strategies build valid objects (every check ran), and evolve re-runs every check
    rebuilt = attrs.evolve(
        portfolio,
        organization=attrs.evolve(portfolio.organization),
        relationships=tuple(attrs.evolve(r) for r in portfolio.relationships),
    )
    assert rebuilt == portfolio


@given(st.text(max_size=12))
def test_ids_accept_exactly_the_usable_texts(text):
    if is_identifier(text):
        assert _model.Party(id=text, name="P").id == text
    else:
        with pytest.raises(ValidationError, match=r"Party\.id"):
            _model.Party(id=text, name="P")


@given(st.integers(-10, 40), st.integers(-10, 40))
def test_risk_scales_accept_one_to_five_only(likelihood, impact):
    ok = 1 <= likelihood <= 5 and 1 <= impact <= 5
    if ok:
        item = _model.RiskItem(id="r", description="d", likelihood=likelihood, impact=impact)
        assert item.rating == likelihood * impact
    else:
        with pytest.raises(ValidationError, match="RiskItem"):
            _model.RiskItem(id="r", description="d", likelihood=likelihood, impact=impact)


def test_interval_and_cadence_fields_refuse_with_config_errors():
    with pytest.raises(ConfigError):
        _model.RiskProcess(review_frequency="soon")
    with pytest.raises(ConfigError):
        _model.GovernanceBody(name="JMT", cadence="sometimes")


def test_organization_and_portfolio_builders_stay_valid():
    org = make_organization()
    assert collabrel.Portfolio(organization=org, relationships=(make_relationship(),)).check()
