"""Whatever loads dumps and loads back equal, in every format; what cannot be written is refused."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import attrs
import pytest
from hypothesis import find, given, settings
from hypothesis.errors import NoSuchExample

from collabrel import Person, ResourcePlan, dumps, loads, units
from collabrel.errors import DumpError, LoadError, UnitError
from collabrel.testing import make_organization, make_portfolio, make_relationship, texts

FORMATS = ("yaml", "json", "toml", "jsonl")


def _with_texts(name: str, title: str):
    org = make_organization(
        name=name or "x", people=(Person(id="p-1", name=title or "y", title=title),)
    )
    rel = make_relationship(name=name or "z")
    return make_portfolio(organization=org, relationships=(rel,))


@settings(max_examples=300)
@given(texts(min_size=0, max_size=24), texts(max_size=24))
def test_any_generated_text_round_trips_in_every_format(name, title):
    portfolio = _with_texts(name, title)
    for fmt in FORMATS:
        assert loads(dumps(portfolio, fmt), format=fmt) == portfolio, fmt


@pytest.mark.parametrize(
    "wanted",
    ["\x85", "\x7f", "\u2028", "\t", "\x00", "\ufeff", "yes", "null", "\U0001f600"],
)
def test_the_text_strategy_reaches_characters_formats_treat_specially(wanted):
    found = find(
        texts(max_size=8),
        lambda text: wanted in text,
        settings=settings(max_examples=5000, database=None, derandomize=True),
    )
    assert wanted in found


def test_the_text_strategy_never_draws_a_lone_surrogate():
    with pytest.raises(NoSuchExample):
        find(
            texts(max_size=8),
            lambda text: any(0xD800 <= ord(c) <= 0xDFFF for c in text),
            settings=settings(max_examples=300, database=None, derandomize=True),
        )


@pytest.mark.parametrize(
    "text",
    [
        "next\x85line",  # NEL: YAML 1.1 reads it as a line break unless escaped
        "del\x7fete",  # DEL: TOML refuses it raw
        "line\u2028separator",
        "\ufeffbom",
        "tab\tand\rreturn",
        "trailing newline\n",
        "  leading spaces",
        "yes",
        "null",
        "1e3",
        "2024-01-01",
        "<<",
        "\x1b[31mred",
        "\u202eoverride",
        'quote " and backslash \\',
        "e\u0301 \U0001f600",
    ],
)
def test_texts_that_formats_treat_specially_round_trip(text):
    portfolio = _with_texts(text, text)
    for fmt in FORMATS:
        assert loads(dumps(portfolio, fmt), format=fmt) == portfolio, fmt


def test_nel_is_escaped_in_yaml_and_del_in_toml():
    portfolio = _with_texts("a\x85b", "c\x7fd")
    assert "\\N" in dumps(portfolio, "yaml") or "\\x85" in dumps(portfolio, "yaml")
    assert "\\u007f" in dumps(portfolio, "toml")


# ------------------------------------------------------------------------- lone surrogates


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"organization": {"id": "org", "name": "bad \\ud800 text"}}', "json"),
        ('organization: {id: org, name: "bad \\ud800 text"}\n', "yaml"),
        ('[organization]\nid = "org"\nname = "bad \\ud800 text"\n', "toml"),
        ('{"collabrel":"portfolio","version":1}\n{"id":"org","name":"bad \\ud800"}\n', "jsonl"),
    ],
)
def test_a_lone_surrogate_escape_is_refused_on_load(text, fmt):
    with pytest.raises(LoadError) as info:
        loads(text, format=fmt)
    (problem,) = info.value.problems
    assert "surrogate" in problem.message or "invalid" in problem.message.lower()
    if fmt in {"json", "jsonl"}:
        assert problem.path == "$.organization.name"


def test_a_raw_lone_surrogate_in_text_is_refused_with_its_line():
    with pytest.raises(LoadError) as info:
        loads("organization:\n  id: org\n  name: bad \ud800\n")
    (problem,) = info.value.problems
    assert "lone surrogate (U+D800) on line 3" in problem.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lone_surrogate_cannot_be_dumped(fmt):
    portfolio = _with_texts("bad \udc00", "t")
    with pytest.raises(DumpError, match="surrogate"):
        dumps(portfolio, fmt)


# ------------------------------------------------------------------------------ quantities


def _budget(q):
    rel = make_relationship(resource_plan=ResourcePlan(id="rp", budget=q))
    return make_portfolio(relationships=(rel,))


@pytest.mark.parametrize("fmt", FORMATS)
def test_decimal_amounts_stay_decimal_with_their_digits(fmt):
    portfolio = _budget(units.money(Decimal("1.10"), "EUR"))
    back = loads(dumps(portfolio, fmt), format=fmt)
    budget = back.relationships[0].resource_plan.budget
    assert isinstance(budget.magnitude, Decimal)
    assert str(budget.magnitude) == "1.10"
    assert back == portfolio


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("magnitude", [1.5, 2.0, 120000, 1e16, 0.1 + 0.2])
def test_float_and_integer_amounts_keep_their_type_and_value(fmt, magnitude):
    portfolio = _budget(units.money(magnitude, "EUR"))
    budget = loads(dumps(portfolio, fmt), format=fmt).relationships[0].resource_plan.budget
    assert type(budget.magnitude) is type(magnitude)
    assert budget.magnitude == magnitude


@pytest.mark.parametrize("magnitude", [math.inf, -math.inf, math.nan])
def test_quantities_that_are_not_finite_cannot_be_made_so_never_dumped(magnitude):
    # refused where they are made, so no document can hold one
    with pytest.raises(UnitError, match="finite"):
        units.money(magnitude, "EUR")


@pytest.mark.parametrize(
    "written",
    ["inf EUR", "nan EUR", {"value": "inf", "unit": "EUR"}, {"value": "NaN", "unit": "EUR"}],
)
def test_quantities_that_are_not_finite_are_refused_on_load(written):
    data = json.loads(dumps(_budget(units.money(1, "EUR")), "json"))
    data["relationships"][0]["resource_plan"]["budget"] = written
    with pytest.raises(LoadError) as info:
        loads(json.dumps(data), format="json")
    (problem,) = info.value.problems
    assert problem.path == "$.relationships[0].resource_plan.budget"


def test_a_decimal_value_that_is_not_a_number_is_refused():
    data = json.loads(dumps(_budget(units.money(1, "EUR")), "json"))
    data["relationships"][0]["resource_plan"]["budget"] = {"value": "lots", "unit": "EUR"}
    with pytest.raises(LoadError, match="expected a decimal number"):
        loads(json.dumps(data), format="json")


@pytest.mark.parametrize("fmt", FORMATS)
def test_floats_that_are_not_finite_cannot_be_dumped_or_loaded(fmt):
    from collabrel import Organization

    weighted = [f for f in attrs.fields(Organization) if f.name == "id"]
    assert weighted  # the organization exists; a float field is checked through the hook
    from collabrel._io._convert import _float, _float_out

    with pytest.raises(DumpError, match="finite"):
        _float_out(math.nan)
    with pytest.raises(ValueError, match="finite"):
        _float(math.inf, float)
    assert _float(2, float) == 2.0
    del fmt


def test_an_integer_too_long_to_write_is_refused_on_dump():
    from collabrel._io._convert import _int_out

    assert _int_out(10**4299) == 10**4299
    with pytest.raises(DumpError, match="more than 4300 digits"):
        _int_out(10**4300)
