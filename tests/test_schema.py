"""The JSON Schema of portfolio files: it accepts the example and refuses broken variants.

Checked with the ``jsonschema`` package (draft 2020-12, formats checked). About 3 seconds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import attrs
import jsonschema
import pytest

import collabrel
from collabrel import portfolio_schema
from collabrel._schema import model_classes, model_reference


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    s = portfolio_schema()
    jsonschema.Draft202012Validator.check_schema(s)
    return s


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(collabrel.dumps(collabrel.example_portfolio(), "json"))
    return data


def test_the_example_and_the_starter_are_valid(validator, example):
    assert list(validator.iter_errors(example)) == []
    from datetime import date

    from collabrel._starter import starter_data

    assert list(validator.iter_errors(starter_data(date(2026, 11, 23)))) == []


def test_every_class_and_field_of_the_model_is_described(schema):
    defs = schema["$defs"]
    for cls in model_classes()[1:]:
        props = defs[cls.__name__]["properties"]
        fields = [f.name for f in attrs.fields(cls) if f.init and not f.name.startswith("_")]
        assert list(props) == fields, cls.__name__
        required = [f.name for f in attrs.fields(cls) if f.init and f.default is attrs.NOTHING]
        assert defs[cls.__name__].get("required", []) == required, cls.__name__
    assert "description" in defs["Relationship"]["properties"]["sers"]
    assert "8.2.2" in defs["Relationship"]["properties"]["sers"]["description"]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return change


R0 = "$.relationships[0]"

# what is broken -> (the change, where the schema must say it is wrong)
BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no organization": (_drop("organization"), "$"),
    "organization without an id": (_drop("organization.id"), "$.organization"),
    "an unknown top-level key": (_set("portfolio", {}), "$"),
    "a misspelt field": (_set("relationships.0.stagee", "knowledge"), R0),
    "a stage that does not exist": (_set("relationships.0.stage", "Workin"), f"{R0}.stage"),
    "a stage number out of range": (_set("relationships.0.stage", 12), f"{R0}.stage"),
    "a date that is no date": (
        _set("relationships.0.stage_history.0.entered_on", "23/11/2026"),
        f"{R0}.stage_history[0].entered_on",
    ),
    "an enum value that does not exist": (_set("relationships.0.form", "friendship"),
                                          f"{R0}.form"),
    "a text where a list is expected": (_set("organization.top_management", "p-ceo"),
                                        "$.organization.top_management"),
    "a number where a text is expected": (_set("relationships.0.name", 42), f"{R0}.name"),
    "a quantity without its unit": (_set("relationships.0.resource_plan.budget", 240000),
                                    f"{R0}.resource_plan.budget"),
    "a quantity mapping without a unit": (
        _set("relationships.0.resource_plan.budget", {"value": 240000}),
        f"{R0}.resource_plan.budget",
    ),
    "a risk rated outside its 1-5 scale": (
        _set("relationships.0.risk_register.items.0.likelihood", 9),
        f"{R0}.risk_register.items[0].likelihood",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_variants_are_refused_where_they_are_broken(validator, example, name):
    change, where = BROKEN[name]
    data = copy.deepcopy(example)
    change(data)
    errors = list(validator.iter_errors(data))
    assert errors, f"the schema accepts {name}"
    assert where in _paths(errors), [(e.json_path, e.message) for e in errors]


def _paths(errors: list[Any]) -> set[str]:
    """Where the errors are, those under an ``anyOf`` (an optional value) included."""
    found: set[str] = set()
    for e in errors:
        found.add(e.json_path)
        found |= _paths(list(e.context or ()))
    return found


def test_the_reference_knows_units_references_and_examples():
    reference = {c.name: c for c in model_reference()}
    kpi = {f.name: f for f in reference["KPI"].fields}
    assert kpi["target"].type == "quantity"
    assert kpi["target"].unit is not None
    rel = {f.name: f for f in reference["Relationship"].fields}
    assert rel["id"].required
    assert rel["stage"].default == "candidate"
    assert rel["stage"].example == '"staying_together"'
    assert "8.2.2" in rel["sers"].clauses
    org = {f.name: f for f in reference["Organization"].fields}
    assert org["top_management"].refers_to == "person"
