"""The fast load path agrees with the detailed one; the compiled model checks agree with theirs.

Loading structures each record with generated code first and falls back to cattrs' detailed
converter only when that code refuses a value; the model classes check their fields with
code compiled from the annotations. Both are shortcuts that must accept and refuse exactly
what the plain versions do, which these properties check on generated and damaged input.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collabrel import Limits, Organization, Relationship, dump
from collabrel._io import _parse, _references
from collabrel._io._convert import _detailed, problems_of, structure_fast, unstructure
from collabrel._model import StageRecord
from collabrel._model._checks import _predicate, _source
from collabrel.errors import LoadError
from collabrel.testing import make_relationship, organizations, relationships

LIMITS = Limits()

# values that are right somewhere in a relationship and wrong elsewhere, or wrong everywhere
ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        2.0,
        1.5,
        math.inf,
        10**30,
        "",
        " ",
        "x",
        " padded ",
        "a\x00b",
        "2026-01-31",
        " 2026-01-31 ",
        "20260131",
        "2026-02-30",
        "2026-01-31T10:00:00",
        "not a date",
        "6 months",
        "5 EUR",
        "120 person_day",
        "monthly",
        "working_together",
        3,
        [],
        ["x"],
        [1],
        [{}],
        {},
        {"value": "1.10", "unit": "EUR"},
        {"id": "x"},
    ]
)


def _paths(data: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside *data* (keys of mappings, indexes of lists)."""
    out = [here] if here else []
    if type(data) is dict:
        for key, value in data.items():
            out += _paths(value, (*here, key))
    elif type(data) is list:
        for i, value in enumerate(data):
            out += _paths(value, (*here, i))
    return out


def _damage(data: Any, path: tuple[Any, ...], how: str, value: Any) -> None:
    """Change *data* in place at *path*: set a value, delete a key, or add an unknown key."""
    *parents, last = path
    container = data
    for step in parents:
        container = container[step]
    if how == "delete" and type(container) is dict:
        del container[last]
    elif how == "unknown" and type(container) is dict:
        container["no_such_field"] = value
    else:
        container[last] = value


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    rel=relationships(),
    pick=st.integers(min_value=0),
    how=st.sampled_from(["set", "set", "set", "delete", "unknown"]),
    value=ODD_VALUES,
)
def test_the_fast_path_accepts_only_what_the_detailed_path_accepts_and_builds_the_same(
    rel: Relationship, pick: int, how: str, value: Any
) -> None:
    data = unstructure(rel)
    assert structure_fast(data, Relationship) == rel  # undamaged: the same object back
    paths = _paths(data)
    _damage(data, paths[pick % len(paths)], how, value)
    problems = problems_of(data, Relationship, "$", LIMITS)
    try:
        fast = structure_fast(data, Relationship)
    except Exception:
        fast = None
    if fast is not None:
        assert problems == []
        assert _detailed().structure(data, Relationship) == fast
    elif not problems:  # refused fast, accepted in detail (a padded date...): same object
        assert isinstance(_detailed().structure(data, Relationship), Relationship)


def _with_history() -> Relationship:
    rel = make_relationship(stage=1)
    record = StageRecord(stage=1, entered_on=date(2026, 1, 31))
    return attrs.evolve(rel, stage_history=(record,))


@pytest.mark.parametrize("written", [" 2026-01-31 ", "2026-01-31\n", "20260131"])
def test_a_date_written_otherwise_is_taken_by_both_paths_alike(written: str) -> None:
    rel = _with_history()
    data = unstructure(rel)
    data["stage_history"][0]["entered_on"] = written
    assert problems_of(data, Relationship, "$", LIMITS) == []
    assert structure_fast(data, Relationship) == rel
    assert _detailed().structure(data, Relationship) == rel


@pytest.mark.parametrize("written", ["2026-02-30", "31/01/2026", "", 20260131, None])
def test_a_bad_date_is_refused_by_the_fast_path_and_explained_by_the_detailed_one(
    written: object,
) -> None:
    data = unstructure(_with_history())
    data["stage_history"][0]["entered_on"] = written
    with pytest.raises(Exception):  # noqa: B017 - whichever: the detailed path explains
        structure_fast(data, Relationship)
    (problem,) = problems_of(data, Relationship, "$", LIMITS)
    assert problem.path == "$.stage_history[0].entered_on"


# ------------------------------------------------------------------ compiled model checks

BOUNDS = st.sampled_from([None, (1, None, ""), (None, 5, ""), (0, 100, ""), (1, 5, "")])
VALUES = st.one_of(
    ODD_VALUES,
    st.integers(min_value=-10, max_value=200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.text(max_size=4),
    st.builds(lambda d: _DateSub(d.year, d.month, d.day), st.dates()),
)


class _DateSub(date):
    """A date subclass: a date to the checks, but not of type ``date``."""


@given(
    kind=st.sampled_from(["str", "bool", "int", "float", "date"]),
    ident=st.booleans(),
    bounds=BOUNDS,
    value=VALUES,
)
def test_the_compiled_expression_of_a_check_equals_its_predicate(
    kind: str, ident: bool, bounds: tuple[Any, ...] | None, value: Any
) -> None:
    predicate = _predicate(kind, ident and kind == "str", bounds)
    assert predicate is not None
    source = _source(kind, ident and kind == "str", bounds, 0)
    namespace = {"date": date, "_isfinite": math.isfinite, "_ok0": predicate, "x": value}
    compiled = eval(source, namespace)  # noqa: S307 - the model's own template
    assert bool(compiled) == predicate(value)


def test_a_datetime_or_a_date_subclass_in_a_date_field_is_judged_by_the_predicate():
    record = _with_history().stage_history[0]
    with pytest.raises(TypeError, match="not a date and time"):
        attrs.evolve(record, entered_on=datetime(2026, 1, 1, 10, 0))  # noqa: DTZ001
    sub = _DateSub(2026, 1, 1)
    assert attrs.evolve(record, entered_on=sub).entered_on == sub


# -------------------------------------------------------------- the collector after a load

_PROMOTION = """
import gc, json, sys, tempfile, weakref
from pathlib import Path
import attrs
import collabrel
from collabrel._io import _load
from collabrel.testing import make_portfolio, make_relationship

_load._PROMOTE_AT = 0  # this small portfolio counts as large
base = make_portfolio()
rels = tuple(make_relationship(id=f"rel-{i}") for i in range(50))
path = Path(tempfile.mkdtemp()) / "p.jsonl"
collabrel.dump(attrs.evolve(base, relationships=rels), path)
out = {}
gc.collect()
portfolio = collabrel.load(path)
out["young_after_load"] = gc.get_count()[0]
out["in_oldest"] = any(o is portfolio for o in gc.get_objects(generation=2))
out["frozen_after_load"] = gc.get_freeze_count()
gone = weakref.ref(portfolio.relationships[0])
del portfolio
gc.collect()
out["collected"] = gone() is None
gc.freeze()  # the caller's own frozen objects stay frozen
frozen = gc.get_freeze_count()
again = collabrel.load(path)
out["caller_frozen_kept"] = gc.get_freeze_count() == frozen
out["equal"] = again == collabrel.loads(path.read_text(encoding="utf-8"))
print(json.dumps(out))
"""


def test_a_load_moves_its_objects_to_the_oldest_generation_where_they_are_still_collected(
    isolated: Any,
) -> None:
    run = isolated(_PROMOTION)
    assert run.returncode == 0, run.stderr
    result = run.result
    assert result["young_after_load"] < 10
    assert result["in_oldest"]
    assert result["frozen_after_load"] == 0
    assert result["collected"]
    assert result["caller_frozen_kept"]
    assert result["equal"]


def test_dumped_and_loaded_relationships_are_equal_through_the_fast_path(tmp_path):
    from collabrel import load
    from collabrel.testing import make_portfolio

    portfolio = make_portfolio()
    path = tmp_path / "p.jsonl"
    dump(portfolio, path)
    assert load(path) == portfolio


# ------------------------------------------------------------------ duplicate keys in JSON

_TEXTS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=6)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | _TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXTS, inner, max_size=3),
    max_leaves=12,
)


@given(
    data=st.dictionaries(_TEXTS, _JSON, min_size=1, max_size=4),
    duplicate=st.booleans(),
    spaced=st.booleans(),
    trailing=st.sampled_from(["", "\n", "\r\n", " \n"]),
)
def test_a_record_names_a_key_twice_exactly_when_the_parser_says_so(
    data: dict[str, Any], duplicate: bool, spaced: bool, trailing: str
) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps(data, ensure_ascii=False, separators=separators)
    if duplicate:  # the first key again, with its own value: still written twice
        key = next(iter(data))
        again = json.dumps({key: data[key]}, ensure_ascii=False, separators=separators)
        text = text[:-1] + separators[0] + again[1:]
    text += trailing
    if duplicate:
        with pytest.raises(LoadError, match="duplicate key"):
            _parse.decode_json(text, "<record>", LIMITS)
    else:
        assert _parse.decode_json(text, "<record>", LIMITS) == data


# ------------------------------------------------------------------ reference gathering


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rel=relationships(), org=organizations())
def test_the_generated_gatherers_find_every_reference_the_walk_names(
    rel: Relationship, org: Organization
) -> None:
    for obj in (rel, org):
        walked = list(_references._walk(obj, "$"))
        found = _references._refs(obj)
        assert set(found) == {"party", "person", "relationship", "context"}
        for kind, values in found.items():
            assert values == [value for _, k, value in walked if k == kind]
