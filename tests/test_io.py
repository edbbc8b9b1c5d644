"""Loading and dumping portfolios: round trips, and every way a document can be wrong."""

from __future__ import annotations

import json
import os
import stat
import textwrap
from datetime import date

import pytest
from hypothesis import given

import collabrel
from collabrel import (
    Direction,
    Portfolio,
    Stage,
    dump,
    dumps,
    load,
    loads,
    months,
    units,
)
from collabrel import _io as io
from collabrel.errors import ConfigError, LoadError, Problem
from collabrel.testing import make_portfolio, make_relationship, portfolios

FORMATS = ("yaml", "json", "toml", "jsonl")

# ------------------------------------------------------------------------------ round trips


@given(portfolios(max_relationships=2))
def test_generated_portfolios_round_trip_in_every_format(portfolio):
    for fmt in FORMATS:
        text = dumps(portfolio, fmt)
        assert loads(text, format=fmt) == portfolio, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_dump_and_load_a_file_by_its_suffix(tmp_path, fmt):
    portfolio = make_portfolio()
    path = tmp_path / f"portfolio.{fmt}"
    dump(portfolio, path)
    assert load(path) == portfolio
    assert load(str(path)) == portfolio  # a file name, not document text


def test_a_dumped_file_gets_the_permissions_a_plain_open_gives(tmp_path):
    old = os.umask(0o027)
    try:
        dump(make_portfolio(), tmp_path / "portfolio.json")
        shards = collabrel.dump_shards(make_portfolio(), tmp_path / "shards")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "portfolio.json").stat().st_mode) == 0o640
    assert {stat.S_IMODE(p.stat().st_mode) for p in shards} == {0o640}


def test_yml_suffix_is_yaml(tmp_path):
    path = tmp_path / "portfolio.yml"
    dump(make_portfolio(), path)
    assert load(path) == make_portfolio()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_loads_guesses_the_format_of_text(fmt):
    portfolio = make_portfolio()
    assert loads(dumps(portfolio, fmt)) == portfolio


def test_loads_guesses_toml():
    portfolio = make_portfolio()
    assert loads(dumps(portfolio, "toml")) == portfolio


def test_dumps_omits_defaults_and_writes_stages_by_name():
    rel = make_relationship(stage=5)
    data = json.loads(dumps(make_portfolio(relationships=(rel,)), "json"))
    (rel_data,) = data["relationships"]
    assert rel_data["stage"] == "working_together"
    assert "direction" not in rel_data  # the default is left out
    assert "awareness" not in rel_data


def test_quantities_and_intervals_are_written_as_text():
    from collabrel import ResourcePlan, RiskRegister

    rel = make_relationship(
        resource_plan=ResourcePlan(id="rp", budget="120000 EUR", effort="40 person_day"),
        risk_register=RiskRegister(id="rr", review_frequency=months(3)),
    )
    portfolio = make_portfolio(relationships=(rel,))
    (rel_data,) = json.loads(dumps(portfolio, "json"))["relationships"]
    assert rel_data["resource_plan"] == {
        "id": "rp",
        "effort": "40 person_day",
        "budget": "120000 EUR",
    }
    assert rel_data["risk_register"] == {"id": "rr", "review_frequency": "3 months"}
    for fmt in FORMATS:
        assert loads(dumps(portfolio, fmt), format=fmt) == portfolio


def test_dumps_refuses_an_unknown_format():
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        dumps(make_portfolio(), "xml")  # type: ignore[arg-type]


def test_dump_refuses_an_unknown_suffix_and_writes_nothing(tmp_path):
    path = tmp_path / "portfolio.txt"
    with pytest.raises(ConfigError, match="cannot tell the format"):
        dump(make_portfolio(), path)
    assert not path.exists()


def test_dump_with_an_explicit_format(tmp_path):
    path = tmp_path / "portfolio.txt"
    dump(make_portfolio(), path, format="json")
    assert load(path, format="json") == make_portfolio()


# --------------------------------------------------------------------- hand-written documents

YAML_DOC = """\
organization:
  id: org
  name: Northbridge
  people:
    - {id: p-1, name: Alex}
  top_management: [p-1]
relationships:
  - id: rel-1
    name: Supply of widgets
    direction: supplier
    stage: working together
    parties:
      - {id: org, name: Northbridge}
      - id: partner-a
        name: Widgets Ltd
        contacts:
          - {id: c-1, name: Sam}
    stage_history:
      - {stage: 1, entered_on: 2024-01-15}
      - {stage: knowledge, entered_on: "2024-03-01"}
    sers:
      - {person: p-1, party: org}
      - {person: c-1, party: partner-a}
    resource_plan:
      id: rp
      budget: 120000 GBP
      effort: {value: 40, unit: person_day}
    risk_register:
      id: rr
      review_frequency: 3 months
"""


def _check_yaml_doc(portfolio: Portfolio) -> None:
    rel = portfolio.relationship("rel-1")
    assert rel.direction is Direction.SUPPLIER
    assert rel.stage is Stage.WORKING_TOGETHER
    assert [r.entered_on for r in rel.stage_history] == [date(2024, 1, 15), date(2024, 3, 1)]
    assert [r.stage for r in rel.stage_history] == [Stage(1), Stage(2)]
    assert rel.resource_plan is not None
    assert rel.resource_plan.budget == units.money(120000, "GBP")
    assert rel.resource_plan.effort == units.person_days(40)
    assert rel.risk_register is not None
    assert rel.risk_register.review_frequency == months(3)
    assert portfolio.organization.top_management == ("p-1",)


def test_load_a_hand_written_yaml_document():
    _check_yaml_doc(loads(YAML_DOC))


def test_load_a_hand_written_toml_document_with_native_dates():
    toml = textwrap.dedent(
        """\
        [organization]
        id = "org"
        name = "Northbridge"

        [[relationships]]
        id = "rel-1"
        name = "R"

        [[relationships.parties]]
        id = "org"
        name = "Northbridge"

        [[relationships.stage_history]]
        stage = 1
        entered_on = 2024-01-15

        [[relationships.stage_history]]
        stage = 2
        entered_on = 2024-03-01T09:30:00
        """
    )
    portfolio = loads(toml, format="toml")
    history = portfolio.relationship("rel-1").stage_history
    assert [r.entered_on for r in history] == [date(2024, 1, 15), date(2024, 3, 1)]


def test_load_a_hand_written_json_document():
    doc = {
        "organization": {"id": "org", "name": "O"},
        "relationships": [
            {"id": "rel-1", "name": "R", "stage": 3, "parties": [{"id": "org", "name": "O"}]}
        ],
    }
    portfolio = loads(json.dumps(doc))
    assert portfolio.relationship("rel-1").stage is Stage.INTERNAL_ASSESSMENT


def test_whole_floats_are_accepted_for_whole_numbers():
    doc = {"organization": {"id": "org", "name": "O", "corporate_rmp": {"id": "c", "version": 2.0}}}
    portfolio = loads(json.dumps(doc))
    assert portfolio.organization.corporate_rmp is not None
    assert portfolio.organization.corporate_rmp.version == 2


# ------------------------------------------------------------------------- malformed input


def _problems(text: str, **kwargs) -> list[Problem]:
    with pytest.raises(LoadError) as info:
        loads(text, **kwargs)
    assert info.value.source == "<text>"
    return list(info.value.problems)


def _one_problem(text: str, **kwargs) -> Problem:
    problems = _problems(text, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


def _with(extra: str, after: str = "    name: Supply of widgets\n") -> str:
    assert after in YAML_DOC
    return YAML_DOC.replace(after, after + textwrap.indent(textwrap.dedent(extra), "    "), 1)


def test_unknown_key_names_its_location_and_suggests_the_closest_field():
    problem = _one_problem(_with("stge: knowledge\n"))
    assert problem.path == "$.relationships[0].stge"
    assert problem.message == "unknown field 'stge'"
    assert problem.hint == "did you mean 'stage'?"


def test_unknown_key_deep_in_the_document():
    text = YAML_DOC.replace("      id: rr\n", "      id: rr\n      reviw_frequency: 1 month\n")
    problem = _one_problem(text)
    assert problem.path == "$.relationships[0].risk_register.reviw_frequency"
    assert problem.hint == "did you mean 'review_frequency'?"


def test_unknown_key_without_a_close_match_lists_the_fields():
    text = YAML_DOC.replace(
        "      - {id: org, name: Northbridge}\n", "      - {id: org, name: N, zzz: 1}\n"
    )
    problem = _one_problem(text)
    assert problem.path == "$.relationships[0].parties[0].zzz"
    assert "Party fields: id, name, contacts" in problem.hint


def test_wrong_type():
    problem = _one_problem(YAML_DOC.replace("name: Supply of widgets", "name: [1, 2]"))
    assert problem.path == "$.relationships[0].name"
    assert "expected text" in problem.message


@pytest.mark.parametrize(
    ("value", "message"),
    [("yes", "expected text, got True"), ("12", "expected text, got 12")],
)
def test_yaml_values_that_are_not_text_are_not_silently_converted(value, message):
    problem = _one_problem(YAML_DOC.replace("name: Supply of widgets", f"name: {value}"))
    assert problem.path == "$.relationships[0].name"
    assert message in problem.message
    assert problem.hint == "quote the value"


def test_a_fractional_number_for_a_whole_number_is_refused():
    text = YAML_DOC.replace("      id: rr\n", "      id: rr\n      version: 1.5\n")
    problem = _one_problem(text)
    assert problem.path == "$.relationships[0].risk_register.version"
    assert "whole number" in problem.message


@pytest.mark.parametrize("bad", ["2024-02-30", "15/01/2024", "soon"])
def test_bad_date(bad):
    problem = _one_problem(YAML_DOC.replace("entered_on: 2024-01-15", f"entered_on: {bad}"))
    assert problem.path == "$.relationships[0].stage_history[0].entered_on"
    assert bad in problem.message
    assert problem.hint == "write dates as YYYY-MM-DD"


def test_bad_stage_lists_the_accepted_spellings():
    problem = _one_problem(YAML_DOC.replace("stage: working together", "stage: nine"))
    assert problem.path == "$.relationships[0].stage"
    assert "working_together" in problem.message


def test_bad_enum_value_names_the_field_and_lists_the_allowed_values():
    problem = _one_problem(YAML_DOC.replace("direction: supplier", "direction: sideways"))
    assert problem.path == "$.relationships[0].direction"
    assert "sideways" in problem.message
    assert "customer, supplier, internal, external_peer" in problem.hint


def test_bad_enum_value_is_refused():
    problem = _one_problem(YAML_DOC.replace("direction: supplier", "direction: sideways"))
    assert problem.path.startswith("$.relationships[0]")
    assert "'sideways' is not a valid Direction" in problem.message


def test_bad_quantity():
    problem = _one_problem(YAML_DOC.replace("budget: 120000 GBP", "budget: 120000 flurbs"))
    assert problem.path == "$.relationships[0].resource_plan.budget"
    assert "120000 flurbs" in problem.message


def test_bare_number_for_a_quantity_asks_for_a_unit():
    problem = _one_problem(YAML_DOC.replace("budget: 120000 GBP", "budget: 120000"))
    assert problem.path == "$.relationships[0].resource_plan.budget"
    assert "bare number" in problem.message
    assert "120000 EUR" in problem.hint


def test_bad_interval():
    problem = _one_problem(YAML_DOC.replace("review_frequency: 3 months", "review_frequency: soon"))
    assert problem.path == "$.relationships[0].risk_register.review_frequency"
    assert "calendar interval" in problem.message


def test_missing_required_field():
    problem = _one_problem(YAML_DOC.replace("    name: Supply of widgets\n", ""))
    assert problem.path == "$.relationships[0].name"
    assert problem.message == "required field is missing"


def test_a_list_item_that_is_not_a_mapping():
    problem = _one_problem(YAML_DOC.replace("relationships:\n", "relationships:\n  - 5\n"))
    assert problem.path == "$.relationships[0]"
    assert "expected a mapping for Relationship" in problem.message


def test_every_problem_is_reported_at_once():
    text = _with("stge: 1\nform: [1]\n").replace("entered_on: 2024-01-15", "entered_on: 2024-13-01")
    paths = sorted(p.path for p in _problems(text))
    assert paths == [
        "$.relationships[0].form",
        "$.relationships[0].stage_history[0].entered_on",
        "$.relationships[0].stge",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n- 2\n", "expected a mapping for Portfolio, got list"),
        ("hello", "expected a mapping for Portfolio, got str"),
        ("", "expected a mapping for Portfolio, got NoneType"),
        ("organization: {id: org\n", "invalid YAML at line 2"),
        ('{"organization": }', "invalid JSON at line 1"),
        ("organization: {id: org, name: O}\n1: 2\n", "mapping key 1 is not text"),
    ],
)
def test_documents_that_are_not_portfolios(text, message):
    problem = _one_problem(text)
    assert problem.path == "$"
    assert message in problem.message


def test_invalid_toml():
    problem = _one_problem('[organization]\nid = "org"\nid = "again"\n', format="toml")
    assert "invalid TOML" in problem.message


def test_missing_file(tmp_path):
    with pytest.raises(LoadError, match="no such file") as info:
        load(tmp_path / "missing.yaml")
    assert info.value.source == str(tmp_path / "missing.yaml")


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("organization: {id: org, name: Société}\n".encode("latin-1"))
    with pytest.raises(LoadError, match="not UTF-8"):
        load(path)


# ------------------------------------------------------------- references, nothing half-loaded


def test_dangling_references_are_refused_although_every_value_is_well_typed():
    text = YAML_DOC.replace("{person: c-1, party: partner-a}", "{person: c-9, party: partner-z}")
    problems = _problems(text)
    assert {(p.path, p.message) for p in problems} == {
        ("$.relationships[0].sers[1].person", "unknown person 'c-9'"),
        ("$.relationships[0].sers[1].party", "unknown party 'partner-z'"),
    }


def test_a_dangling_reference_and_a_bad_field_are_reported_in_one_pass():
    text = YAML_DOC.replace("top_management: [p-1]", "top_management: [p-9]").replace(
        "stage: working together", "stage: nine"
    )
    problems = _problems(text)
    assert [p.path for p in problems] == [
        "$.organization.top_management[0]",
        "$.relationships[0].stage",
    ]
    assert problems[0].message == "unknown person 'p-9'"
    assert "nine" in problems[1].message


SECOND_RELATIONSHIP = """\
  - id: rel-2
    name: Joint bid
    direction: customer
    stage: 1
    parties:
      - {id: org, name: Northbridge}
      - {id: partner-b, name: Bidco}
    sers:
      - {person: %s, party: org}
"""


def _scoped(text: str, relationship: str) -> str:
    """*text* with an organization scope naming *relationship*."""
    return text.replace(
        "  top_management: [p-1]\n",
        f"  top_management: [p-1]\n  scope: {{relationships_in_scope: [{relationship}]}}\n",
    )


def test_references_into_a_record_that_was_not_built_are_not_reported():
    # rel-1 fails on a bad field; the scope names rel-1 and rel-2 names its contact c-1
    text = YAML_DOC.replace("stage: working together", "stage: nine")
    problems = _problems(_scoped(text, "rel-1") + SECOND_RELATIONSHIP % "c-1")
    assert [p.path for p in problems] == ["$.relationships[0].stage"]
    # ... while dangling references elsewhere are reported in the same pass, in path order
    problems = _problems(_scoped(text, "rel-9") + SECOND_RELATIONSHIP % "c-9")
    assert [(p.path, p.message) for p in problems if p.path != "$.relationships[0].stage"] == [
        ("$.organization.scope.relationships_in_scope[0]", "unknown relationship 'rel-9'"),
        ("$.relationships[1].sers[0].person", "unknown person 'c-9'"),
    ]
    assert [p.path for p in problems][1] == "$.relationships[0].stage"


def test_combined_problems_are_sorted_by_document_position_and_capped():
    rels = "".join(SECOND_RELATIONSHIP.replace("rel-2", f"rel-{i}") % "c-9" for i in range(2, 13))
    text = YAML_DOC.replace("stage: working together", "stage: nine") + rels
    paths = [p.path for p in _problems(text)]
    assert paths == [
        "$.relationships[0].stage",
        *(f"$.relationships[{i}].sers[0].person" for i in range(1, 12)),
    ]
    capped = _problems(text, limits=collabrel.Limits(max_problems=3))
    assert [p.path for p in capped[:3]] == paths[:3]
    assert capped[3].message == "9 more problems are not listed"


def test_relationships_that_are_not_a_list_silence_the_references_into_them():
    head = YAML_DOC.split("relationships:\n", maxsplit=1)[0]
    text = _scoped(head, "rel-1") + "relationships: rel-1\n"
    text = text.replace("top_management: [p-1]", "top_management: [p-9]")
    problems = _problems(text)
    assert [p.path for p in problems] == ["$.relationships"]  # p-9 may be a contact there


def test_a_relationship_whose_id_cannot_be_read_silences_relationship_references_only():
    text = _scoped(YAML_DOC.replace("  - id: rel-1\n", "  - id: [rel-1]\n"), "rel-1")
    problems = _problems(text + SECOND_RELATIONSHIP % "c-9")
    assert [p.path for p in problems] == [
        "$.relationships[0].id",
        "$.relationships[1].sers[0].person",
    ]


@pytest.mark.parametrize(
    ("written", "suggested"),
    [
        ("Workin", "working_together"),
        ("knowlege", "knowledge"),
        ("value creaton", "value_creation"),
        ("Exit", "exit_strategy_activation"),
    ],
)
def test_a_misspelt_stage_in_a_file_gets_the_closest_name(tmp_path, written, suggested):
    path = tmp_path / "portfolio.yaml"
    path.write_text(YAML_DOC.replace("stage: working together", f"stage: {written}"), "utf-8")
    with pytest.raises(LoadError) as info:
        load(path)
    (problem,) = info.value.problems
    assert problem.path == "$.relationships[0].stage"
    assert f"unknown stage {written!r} (did you mean {suggested!r}?)" in problem.message
    assert "working_together" in problem.message  # and every accepted name


def test_a_stage_name_with_one_letter_lost_or_cut_short_suggests_that_name():
    from collabrel._stages import closest_slug

    for stage in Stage:
        slug = stage.slug
        for i in range(len(slug)):
            assert closest_slug(slug[:i] + slug[i + 1 :]) == slug
        for n in range(1, len(slug)):
            if [s.slug for s in Stage if s.slug.startswith(slug[:n])] == [slug]:
                assert closest_slug(slug[:n].upper()) == slug
    assert closest_slug("nine") is None
    assert closest_slug("c") is None  # candidate and the three closed_* names


def test_a_failed_load_leaves_the_file_and_the_caller_untouched(tmp_path):
    path = tmp_path / "portfolio.yaml"
    bad = YAML_DOC.replace("stage: working together", "stage: nine")
    path.write_text(bad, encoding="utf-8")
    result = None
    with pytest.raises(LoadError):
        result = load(path)
    assert result is None
    assert path.read_text(encoding="utf-8") == bad


# ------------------------------------------------------------------------ hostile documents


def test_documents_over_the_size_limit_are_refused(monkeypatch):
    monkeypatch.setattr(io, "MAX_BYTES", 100)
    problem = _one_problem(json.dumps({"organization": {"id": "o", "name": "x" * 200}}))
    assert "larger than 100 bytes" in problem.message


def test_files_over_the_size_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "MAX_BYTES", 100)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"organization": {"id": "o", "name": "x" * 200}}))
    with pytest.raises(LoadError, match="larger than 100 bytes"):
        load(path)


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_is_refused(depth):
    text = '{"organization": {"id": "o", "name": ' + "[" * depth + "]" * depth + "}}"
    problem = _one_problem(text)
    assert "nests deeper than 64 levels" in problem.message


def test_deeply_nested_yaml_is_refused():
    problem = _one_problem("organization: " + "[" * 100 + "]" * 100 + "\n")
    assert "nests deeper than 64 levels" in problem.message


def test_many_yaml_aliases_are_refused():
    text = "a: &a x\nb: [" + ",".join(["*a"] * 1001) + "]\n"
    problem = _one_problem(text)
    assert "more than 1000 aliases" in problem.message


def test_a_yaml_alias_bomb_is_refused():
    # nine levels of nine aliases: 81 aliases that expand to 9**9 values
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    problem = _one_problem("\n".join(lines) + "\n")
    assert "more than 2000000 values" in problem.message


def test_loads_data_checks_references_too():
    data = collabrel._io.unstructure(make_portfolio())
    data["organization"]["top_management"] = ["p-9"]
    with pytest.raises(LoadError) as info:
        io.loads_data(data)
    assert [p.path for p in info.value.problems] == ["$.organization.top_management[0]"]


def test_structure_of_a_single_record():
    rel = io.structure({"id": "rel-1", "name": "R", "stage": 2}, collabrel.Relationship)
    assert rel.stage is Stage.KNOWLEDGE
    with pytest.raises(LoadError) as info:
        io.structure([], collabrel.Relationship)
    assert info.value.problems[0].message == "expected a mapping for Relationship, got list"
