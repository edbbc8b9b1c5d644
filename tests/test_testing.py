"""collabrel.testing: the strategies build valid objects, and the builders minimal ones."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import typing
from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from collabrel import (
    Cadence,
    CalendarInterval,
    Organization,
    Portfolio,
    Relationship,
    Stage,
    units,
)
from collabrel.testing import (
    DEFAULT_ORG_ID,
    cadences,
    dates,
    intervals,
    make_organization,
    make_portfolio,
    make_relationship,
    organizations,
    portfolios,
    quantities,
    relationships,
    texts,
)

# generated domain objects are large: the tests of the composite strategies run fewer examples
FEW = settings(max_examples=max(10, settings().max_examples // 3))


def _optional_artefacts(obj: object) -> dict[str, object]:
    """The optional artefacts (``X | None`` record fields) of *obj* and of its stage groups."""
    found: dict[str, object] = {}
    hints = typing.get_type_hints(type(obj))
    for field in attrs.fields(type(obj)):
        hint = hints[field.name]
        args = typing.get_args(hint)
        value = getattr(obj, field.name)
        records = [a for a in args if isinstance(a, type) and attrs.has(a)]
        if type(None) in args and records and records[0] not in (CalendarInterval, Cadence):
            found[field.name] = value
        elif attrs.has(type(value)) and field.default is not attrs.NOTHING and not args:
            for sub, subvalue in _optional_artefacts(value).items():
                found[f"{field.name}.{sub}"] = subvalue
    return found


def test_importing_collabrel_does_not_import_hypothesis():
    code = textwrap.dedent(
        """
        import sys
        import collabrel
        assert "hypothesis" not in sys.modules
        """
    )
    result = subprocess.run(  # noqa: S603 - runs this interpreter on fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# -------------------------------------------------------------------------------- builders


def test_make_portfolio_is_minimal_and_valid():
    portfolio = make_portfolio()
    assert portfolio.problems() == []
    assert portfolio.organization.id == DEFAULT_ORG_ID
    assert [r.id for r in portfolio.relationships] == ["rel-1"]
    rel = portfolio.relationships[0]
    assert rel.stage is Stage.CANDIDATE
    assert rel.stage_history == ()
    assert set(rel.party_ids) == {DEFAULT_ORG_ID, "partner-a"}


def test_make_organization_defaults_and_overrides():
    org = make_organization()
    assert org.id == DEFAULT_ORG_ID
    assert [p.id for p in org.people] == ["p-1"]
    assert org.top_management == ("p-1",)
    assert org.scope is None
    assert make_organization(name="Acme Ltd").name == "Acme Ltd"


def test_make_relationship_overrides():
    rel = make_relationship(stage=5, id="rel-9")
    assert rel.stage is Stage.WORKING_TOGETHER
    assert rel.id == "rel-9"
    assert [c.id for p in rel.parties for c in p.contacts] == ["rel-9.partner-a.1"]


def test_make_portfolio_with_another_organization_lists_its_id():
    portfolio = make_portfolio(organization=make_organization(id="acme"))
    assert "acme" in portfolio.relationships[0].party_ids
    assert portfolio.problems() == []


def test_builders_return_fresh_objects_that_evolve():
    base = make_portfolio()
    changed = attrs.evolve(base, relationships=())
    assert base.relationships != ()
    assert changed.problems() == []


# ------------------------------------------------------------------------------- scalars


@given(texts(min_size=2, max_size=5))
def test_texts_respect_their_bounds(text):
    assert 2 <= len(text) <= 5


@given(dates(date(2020, 1, 1), date(2020, 12, 31)))
def test_dates_respect_their_bounds(d):
    assert date(2020, 1, 1) <= d <= date(2020, 12, 31)


@given(quantities())
def test_quantities_are_finite_non_negative_quantities_of_the_registry(q):
    assert units.is_quantity(q)
    assert math.isfinite(q.magnitude)
    assert q.magnitude >= 0


@pytest.mark.parametrize(
    ("dimension", "check"),
    [
        ("money", lambda q: any(q.check(f"[currency_{c}]") for c in units.CURRENCIES)),
        ("percent", lambda q: str(q.units) == "percent"),
        ("person_days", lambda q: str(q.units) == "person_day"),
        ("fte", lambda q: str(q.units) == "FTE"),
    ],
)
def test_quantities_of_one_dimension(dimension, check):
    @given(quantities(dimension))
    def inner(q):
        assert check(q)

    inner()


def test_quantities_refuse_an_unknown_dimension():
    with pytest.raises(InvalidArgument, match="litres"):
        quantities("litres")  # type: ignore[arg-type]


@given(intervals())
def test_intervals_are_calendar_intervals(interval):
    assert isinstance(interval, CalendarInterval)


@given(cadences())
def test_cadences_are_valid_and_move_forward(cadence):
    assert isinstance(cadence, Cadence)
    assert Cadence(cadence.text) == cadence
    assert cadence.next_after(date(2024, 1, 31)) > date(2024, 1, 31)


# ------------------------------------------------------------------------ domain strategies


@FEW
@given(portfolios(min_relationships=1, max_relationships=2))
def test_portfolios_are_valid(portfolio):
    assert isinstance(portfolio, Portfolio)
    assert portfolio.problems() == []
    assert 1 <= len(portfolio.relationships) <= 2
    for rel in portfolio.relationships:
        assert portfolio.organization.id in rel.party_ids


@FEW
@given(st.data())
def test_complete_true_fills_every_optional_artefact(data):
    org = data.draw(organizations(complete=True))
    rel = data.draw(relationships(complete=True))
    for name, value in {**_optional_artefacts(org), **_optional_artefacts(rel)}.items():
        assert value is not None, name


@FEW
@given(st.data())
def test_complete_false_leaves_at_least_one_artefact_out(data):
    org = data.draw(organizations(complete=False))
    rel = data.draw(relationships(complete=False))
    assert None in _optional_artefacts(org).values()
    assert None in _optional_artefacts(rel).values()


@FEW
@given(portfolios(max_relationships=1, complete=False))
def test_incomplete_portfolios_are_still_valid(portfolio):
    assert portfolio.problems() == []


@FEW
@given(organizations())
def test_organizations_fit_any_portfolio(org):
    assert isinstance(org, Organization)
    assert 1 <= len(org.people) <= 3
    assert Portfolio(organization=org).problems() == []


@FEW
@given(relationships(org_id="acme", stages=[0, 5, "staying_together", Stage.CLOSED_EXITED]))
def test_relationships_fit_a_portfolio_of_their_organization(rel):
    assert isinstance(rel, Relationship)
    assert rel.stage in {
        Stage.CANDIDATE,
        Stage.WORKING_TOGETHER,
        Stage.STAYING_TOGETHER,
        Stage.CLOSED_EXITED,
    }
    assert "acme" in rel.party_ids
    portfolio = Portfolio(organization=make_organization(id="acme"), relationships=(rel,))
    assert portfolio.problems() == []
    # the stage history leads up to the current stage, in date order; a candidate has none
    history = rel.stage_history
    if rel.stage is Stage.CANDIDATE:
        assert history == ()
    else:
        assert history[-1].stage is rel.stage
    assert [r.entered_on for r in history] == sorted(r.entered_on for r in history)


@pytest.mark.parametrize(
    "call",
    [
        lambda: portfolios(min_relationships=3, max_relationships=2),
        lambda: portfolios(min_relationships=-1),
        lambda: portfolios(max_relationships=9),
        lambda: portfolios(complete="yes"),  # type: ignore[arg-type]
        lambda: organizations(complete=1),  # type: ignore[arg-type]
        lambda: relationships(stages=[]),
        lambda: relationships(stages=["nonsense"]),
        lambda: relationships(complete="no"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_are_refused_when_the_strategy_is_built(call):
    with pytest.raises(InvalidArgument):
        call()
