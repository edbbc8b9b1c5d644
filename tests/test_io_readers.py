"""The readers under load: the bounded YAML reader, format sniffing, the reference checks."""

from __future__ import annotations

import math
import time

import attrs
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from collabrel import Limits, Person, loads
from collabrel._io import read_document, reference_problems
from collabrel._io._parse import sniff
from collabrel._io._yaml import parse_yaml
from collabrel.errors import LoadError
from collabrel.testing import make_portfolio, make_relationship, portfolios

LIMITS = Limits()


def _yaml(text: str):
    return parse_yaml(text, "<text>", LIMITS)


# ------------------------------------------------------------- the YAML reader and PyYAML

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["yes", "No", "0x1F", "0o17", "012", "1_000", "1:30", ".inf", "~", "<<"]),
)
_documents = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300)
@given(_documents, st.sampled_from([None, True, False]))
def test_the_reader_reads_what_pyyaml_safe_load_reads(document, flow):
    text = yaml.safe_dump({"doc": document}, default_flow_style=flow, allow_unicode=True)
    assert _yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: yes\nb: off\nc: ~\nd: 0x1F\ne: 0o17\nf: 012\ng: 1_000\nh: 1:30\n",
         {"a": True, "b": False, "c": None, "d": 31, "e": "0o17", "f": 10, "g": 1000, "h": 90}),
        ("a: 1.5\nb: .inf\nc: -.inf\nd: 1e3\ne: 2024-01-01\nf: '12'\n",
         {"a": 1.5, "b": math.inf, "c": -math.inf, "d": "1e3", "e": "2024-01-01", "f": "12"}),
        ("a: !!str 12\nb: !!int '7'\nc: !!float '1'\n", {"a": "12", "b": 7, "c": 1.0}),
        ("", None),
        ("- x\n- - y\n  - z\n", ["x", ["y", "z"]]),
    ],
)  # fmt: skip
def test_scalars_resolve_as_in_yaml_1_1_with_dates_kept_as_text(text, expected):
    assert _yaml(text) == expected


def test_merge_keys_merge_and_explicit_keys_win():
    text = (
        "base: &b {a: 1, b: 2}\n"
        "more: &m {b: 3, c: 4}\n"
        "one: {<<: *b, a: 9}\n"
        "two: {<<: [*m, *b], d: 5}\n"
        "three:\n  a: 0\n  <<: *b\n"
    )
    data = _yaml(text)
    assert data["one"] == {"a": 9, "b": 2}
    assert data["two"] == {"b": 3, "c": 4, "a": 1, "d": 5}  # the first merged mapping wins
    assert data["three"] == {"a": 0, "b": 2}
    assert data == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "message", "path"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'", "$"),
        ("a: {b: 1, b: 2}\n", "duplicate key 'b'", "$.a"),
        ("a: !!python/object:os.system x\n", "unsupported tag", "$.a"),
        ("a: !!binary aGk=\n", "unsupported tag", "$.a"),
        ("a: !custom {x: 1}\n", "unsupported tag", "$.a"),
        ("a: *nowhere\n", "refers to no anchor", "$.a"),
        ("a: &x [1, *x]\n", "nests deeper than 64 levels", "$.a[1]"),
        ("a: 1\n---\nb: 2\n", "more than one YAML document", "$"),
        ("1: one\n", "mapping key 1 is not text", "$"),
        ("? [a, b]\n: c\n", "is not text", "$"),
        ("a: {<<: 5}\n", "a merge key (<<) takes a mapping", "$.a"),
        ("a: [1, 2\n", "invalid YAML at line 2", "$"),
    ],
)
def test_bad_yaml_is_refused_with_its_path_and_place(text, message, path):
    with pytest.raises(LoadError) as info:
        _yaml(text)
    (problem,) = info.value.problems
    assert message in problem.message
    assert problem.path == path


def test_alias_expansions_count_against_the_node_limit():
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    assert len(_yaml(text)["b"]) == 20
    with pytest.raises(LoadError, match="more than 150 values"):
        parse_yaml(text, "<text>", Limits(max_nodes=150))


def test_the_alias_limit():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * 11) + "]\n"
    with pytest.raises(LoadError, match="more than 10 aliases"):
        parse_yaml(text, "<text>", Limits(max_aliases=10))


# ------------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("organization:\n  id: o\n", "yaml"),
        ('{"organization": {}}', "json"),
        ("[1, 2]", "json"),
        ('[organization]\nid = "o"\n', "toml"),
        ('title = "x"\n[organization]\n', "toml"),
        ('{"collabrel": "portfolio", "version": 1}\n{"id": "o"}\n', "jsonl"),
        ("\n\n   \n- a\n", "yaml"),
        ("", "yaml"),
    ],
)
def test_sniffing_reads_the_first_line_only(text, fmt):
    assert sniff(text) == fmt


def test_sniffing_is_linear_in_blank_lines():
    start = time.process_time()
    for _ in range(5):
        assert sniff("\n" * 64_000 + " \t\n" * 64_000 + "a: 1\n") == "yaml"
        assert sniff("\n" * 64_000 + '[organization]\nid = "o"\n') == "toml"
    assert time.process_time() - start < 2  # quadratic sniffing took seconds for one call


def test_read_document_reads_a_folder_of_shards_as_plain_data(tmp_path):
    from collabrel import dump_shards

    dump_shards(make_portfolio(), tmp_path / "s")
    data, name = read_document(tmp_path / "s")
    assert name == str(tmp_path / "s")
    assert data["organization"]["id"] == "org"
    assert [r["id"] for r in data["relationships"]] == ["rel-1"]


# ---------------------------------------------------------------------- reference checks


def _broken(portfolio, choice: int):
    """The portfolio with one kind of reference or uniqueness broken."""
    org = portfolio.organization
    rels = portfolio.relationships
    if choice == 0 and rels:  # the organization's party dropped from a relationship
        rel = rels[0]
        parties = tuple(p for p in rel.parties if p.id != org.id)
        return attrs.evolve(
            portfolio, relationships=(attrs.evolve(rel, parties=parties), *rels[1:])
        )
    if choice == 1 and org.people:  # a person renamed: every reference to it dangles
        people = (attrs.evolve(org.people[0], id="nobody-else"), *org.people[1:])
        return attrs.evolve(portfolio, organization=attrs.evolve(org, people=people))
    if choice == 2 and rels:  # a relationship twice
        return attrs.evolve(portfolio, relationships=(*rels, rels[0]))
    if choice == 3 and rels:  # a relationship renamed: references to it dangle
        return attrs.evolve(portfolio, relationships=(attrs.evolve(rels[0], id="gone"), *rels[1:]))
    if choice == 4:  # a person id used twice
        people = (*org.people, Person(id=org.people[0].id, name="Twin")) if org.people else ()
        return attrs.evolve(portfolio, organization=attrs.evolve(org, people=people))
    return portfolio


@settings(max_examples=8)  # each generated portfolio takes a second or more to draw
@given(portfolios(max_relationships=2), st.integers(0, 5))
def test_the_one_pass_check_finds_what_portfolio_problems_finds(portfolio, choice):
    broken = _broken(portfolio, choice)
    assert reference_problems(broken) == broken.problems()


def test_a_dangling_relationship_reference_names_a_few_known_ids_and_counts_them():
    from collabrel import Scope

    rels = tuple(make_relationship(id=f"rel-{i:03d}") for i in range(40))
    portfolio = make_portfolio(relationships=rels)
    scope = Scope(relationships_in_scope=("rel-000", "rel-999"))
    org = attrs.evolve(portfolio.organization, scope=scope)
    (problem,) = reference_problems(attrs.evolve(portfolio, organization=org))
    assert problem.path == "$.organization.scope.relationships_in_scope[1]"
    assert problem.message == "unknown relationship 'rel-999'"
    assert problem.hint.endswith("... (40 in all)")
    assert len(problem.hint) < 200


def test_a_hint_with_many_known_relationships_names_a_few_and_counts_them():
    from collabrel._io._references import _some

    ids = {f"rel-{i:03d}" for i in range(40)}
    hint = _some(ids)
    assert hint.startswith("rel-000, rel-001")
    assert hint.endswith("... (40 in all)")
    assert len(hint) < 200
    assert _some(set()) == "none"


def test_an_unknown_field_in_the_last_of_2000_records_names_its_line():
    rels = tuple(make_relationship(id=f"rel-{i:04d}") for i in range(2_000))
    portfolio = make_portfolio(relationships=rels)
    from collabrel import dumps

    text = dumps(portfolio, "jsonl").replace('"id":"rel-1999"', '"id":"rel-1999","x":1', 1)
    with pytest.raises(LoadError) as info:
        loads(text)
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (2002, "$.relationships[1999].x")
