"""JSON Lines portfolios, shards and folders: round trips, streaming, errors with lines."""

from __future__ import annotations

import gc
import json
import logging

import attrs
import pytest

import collabrel
from collabrel import (
    Limits,
    dump,
    dump_shards,
    dumps,
    iter_relationships,
    load,
    load_organization,
    load_shard,
    loads,
    shard_paths,
)
from collabrel.errors import ConfigError, DumpError, LoadError
from collabrel.testing import make_portfolio, make_relationship

HEADER = '{"collabrel":"portfolio","version":1}'


def _portfolio(n: int) -> collabrel.Portfolio:
    base = make_portfolio()
    rels = tuple(
        make_relationship(id=f"rel-{i:05d}", name=f"Relationship {i}", stage=1 + i % 8)
        for i in range(n)
    )
    return attrs.evolve(base, relationships=rels)


# ------------------------------------------------------------------------------ round trips


# The property over generated portfolios runs in every format, JSON Lines included, in
# test_io.py (test_generated_portfolios_round_trip_in_every_format) and, with the widened
# texts, in test_io_roundtrip.py.


def test_the_format_is_one_header_then_the_organization_then_one_relationship_a_line():
    portfolio = _portfolio(3)
    lines = dumps(portfolio, "jsonl").splitlines()
    assert json.loads(lines[0]) == {"collabrel": "portfolio", "version": 1}
    assert json.loads(lines[1])["id"] == portfolio.organization.id
    assert [json.loads(line)["id"] for line in lines[2:]] == [
        "rel-00000",
        "rel-00001",
        "rel-00002",
    ]


def test_a_jsonl_file_round_trips_and_every_reader_agrees(tmp_path):
    portfolio = _portfolio(25)
    path = tmp_path / "portfolio.jsonl"
    dump(portfolio, path)
    assert load(path) == portfolio
    assert load(str(path)) == portfolio
    assert tuple(iter_relationships(path)) == portfolio.relationships
    assert load_shard(path) == portfolio.relationships
    assert load_organization(path) == portfolio.organization
    data, name = collabrel._io.read_document(path)
    assert name == str(path)
    assert len(data["relationships"]) == 25


def test_a_folder_of_shards_round_trips(tmp_path):
    portfolio = _portfolio(25)
    folder = tmp_path / "shards"
    shards = dump_shards(portfolio, folder, shard_size=10)
    assert [p.name for p in shards] == [
        "relationships-00000.jsonl",
        "relationships-00001.jsonl",
        "relationships-00002.jsonl",
    ]
    assert shard_paths(folder) == shards
    assert (folder / "organization.json").is_file()
    assert load(folder) == portfolio
    assert load_organization(folder) == portfolio.organization
    pieces = [load_shard(s, organization=portfolio.organization) for s in shards]
    assert [len(p) for p in pieces] == [10, 10, 5]
    assert sum(pieces, ()) == portfolio.relationships
    assert tuple(iter_relationships(folder)) == portfolio.relationships


def test_dump_shards_refuses_a_folder_with_files_and_a_bad_shard_size(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not an empty folder"):
        dump_shards(make_portfolio(), tmp_path / "full")
    assert (tmp_path / "full" / "x.txt").read_text() == "keep me"
    with pytest.raises(ConfigError, match="shard_size"):
        dump_shards(make_portfolio(), tmp_path / "new", shard_size=0)
    assert not (tmp_path / "new").exists()


def test_an_empty_portfolio_round_trips(tmp_path):
    portfolio = make_portfolio(relationships=())
    assert loads(dumps(portfolio, "jsonl")) == portfolio
    dump_shards(portfolio, tmp_path / "empty")
    assert load(tmp_path / "empty") == portfolio


# ------------------------------------------------------------------- errors carry their line


def test_an_error_in_the_5000th_record_names_its_line_and_path(tmp_path):
    portfolio = _portfolio(5000)
    lines = dumps(portfolio, "jsonl").splitlines()
    record = json.loads(lines[5001])  # line 5002: header, organization, 4,999 records
    record["stage"] = "nine"
    record["stge"] = 3
    lines[5001] = json.dumps(record)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load(path)
    problems = sorted(info.value.problems, key=lambda p: p.path)
    assert [(p.line, p.path) for p in problems] == [
        (5002, "$.relationships[4999].stage"),
        (5002, "$.relationships[4999].stge"),
    ]
    assert "did you mean 'stage'?" in problems[1].hint
    assert str(problems[0]).startswith("line 5002: $.relationships[4999].stage: ")
    assert info.value.source == str(path)


def test_a_dangling_reference_names_the_line_of_its_record():
    portfolio = _portfolio(3)
    lines = dumps(portfolio, "jsonl").splitlines()
    record = json.loads(lines[3])
    record["sers"] = [{"person": "nobody", "party": "org"}]
    lines[3] = json.dumps(record)
    with pytest.raises(LoadError) as info:
        loads("\n".join(lines))
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (4, "$.relationships[1].sers[0].person")
    assert problem.message == "unknown person 'nobody'"


def test_a_dangling_reference_and_a_bad_field_on_other_lines_come_in_one_pass():
    lines = dumps(_portfolio(3), "jsonl").splitlines()
    dangling = json.loads(lines[4])
    dangling["sers"] = [{"person": "nobody", "party": "org"}]
    lines[4] = json.dumps(dangling)
    bad = json.loads(lines[2])
    bad["stage"] = "nine"
    lines[2] = json.dumps(bad)
    with pytest.raises(LoadError) as info:
        loads("\n".join(lines))
    assert [(p.line, p.path) for p in info.value.problems] == [
        (3, "$.relationships[0].stage"),
        (5, "$.relationships[2].sers[0].person"),
    ]


def test_a_broken_line_is_reported_with_its_number_and_the_rest_is_still_checked():
    lines = dumps(_portfolio(3), "jsonl").splitlines()
    lines[2] = '{"id": "rel-00000", "name": '
    record = json.loads(lines[4])
    record["stage"] = 99
    lines[4] = json.dumps(record)
    with pytest.raises(LoadError) as info:
        loads("\n".join(lines))
    assert [(p.line, p.path) for p in info.value.problems] == [
        (3, "$.relationships[0]"),
        (5, "$.relationships[2].stage"),
    ]
    assert "invalid JSON" in info.value.problems[0].message


def test_a_duplicate_key_in_a_record_is_refused():
    lines = dumps(_portfolio(1), "jsonl").splitlines()
    lines[2] = lines[2][:-1] + ',"name":"again"}'
    with pytest.raises(LoadError) as info:
        loads("\n".join(lines))
    (problem,) = info.value.problems
    assert problem.line == 3
    assert "duplicate key 'name'" in problem.message


def test_a_colon_inside_texts_does_not_hide_a_duplicate_key():
    lines = dumps(_portfolio(1), "jsonl").splitlines()
    record = json.loads(lines[2])
    record["name"] = "a: b"
    lines[2] = json.dumps(record)[:-1] + ', "name" :"c"}'
    with pytest.raises(LoadError, match="duplicate key 'name'"):
        loads("\n".join(lines))
    lines[2] = json.dumps(record)  # colons in texts alone are fine
    assert loads("\n".join(lines)).relationships[0].name == "a: b"


@pytest.mark.parametrize(
    ("first", "message"),
    [
        ('{"collabrel": "portfolio", "version": 2}', "version 2 of the JSON Lines format"),
        ('{"collabrel": "spreadsheet", "version": 1}', "unknown kind of JSON Lines file"),
        ('{"collabrel": "portfolio"}', "unexpected or missing keys"),
        ('{"id": "org", "name": "O"}', "not a collabrel header"),
    ],
)
def test_a_bad_header_is_refused(tmp_path, first, message):
    path = tmp_path / "p.jsonl"
    path.write_text(first + '\n{"id": "org", "name": "O"}\n', encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load(path)
    (problem,) = info.value.problems
    assert message in problem.message
    assert problem.line == 1
    assert '{"collabrel": "portfolio", "version": 1}' in problem.hint


def test_a_file_with_only_a_header_has_no_organization(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(HEADER + "\n\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no organization record"):
        load(path)
    with pytest.raises(LoadError, match="no organization record"):
        load_organization(path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(LoadError, match="empty"):
        load(empty)


def test_blank_lines_are_skipped_and_counted():
    lines = dumps(_portfolio(2), "jsonl").splitlines()
    text = "\n\n".join(lines)  # line numbers 1, 3, 5, 7
    assert loads(text) == _portfolio(2)
    record = json.loads(lines[3])
    record["stage"] = "nine"
    lines[3] = json.dumps(record)
    with pytest.raises(LoadError) as info:
        loads("\n\n".join(lines))
    assert info.value.problems[0].line == 7


def test_shard_problems_name_their_file(tmp_path):
    portfolio = _portfolio(6)
    folder = tmp_path / "shards"
    shards = dump_shards(portfolio, folder, shard_size=4)
    lines = shards[1].read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[2])
    record["stage"] = "nine"
    lines[2] = json.dumps(record)
    shards[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load(folder)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.path) == (
        "relationships-00001.jsonl",
        3,
        "$.relationships[5].stage",
    )
    assert str(problem).startswith("relationships-00001.jsonl, line 3: $.relationships[5].stage")
    with pytest.raises(LoadError) as info:
        load_shard(shards[1])
    assert [p.path for p in info.value.problems] == ["$.relationships[1].stage"]


def test_a_folder_needs_one_organization_file_and_shards_with_shard_headers(tmp_path):
    folder = tmp_path / "shards"
    dump_shards(_portfolio(2), folder)
    (folder / "organization.yaml").write_text("id: x\nname: y\n", encoding="utf-8")
    with pytest.raises(LoadError, match="more than one organization file"):
        load(folder)
    (folder / "organization.yaml").unlink()
    (folder / "organization.json").unlink()
    with pytest.raises(LoadError, match="no organization file"):
        load(folder)
    (folder / "organization.json").write_text('{"id": "org", "name": "O"}', encoding="utf-8")
    (folder / "zz.jsonl").write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match="a shard holds relationships only"):
        load(folder)
    with pytest.raises(LoadError, match=r"load_shard reads one \.jsonl file"):
        load_shard(folder)
    with pytest.raises(LoadError, match="no such folder"):
        shard_paths(tmp_path / "missing")


def test_iter_relationships_stops_at_the_first_bad_record_after_yielding_the_good_ones():
    lines = dumps(_portfolio(4), "jsonl").splitlines()
    record = json.loads(lines[4])
    record["parties"] = [{"id": "partner-a", "name": "A"}]  # the organization's party is gone
    lines[4] = json.dumps(record)
    seen = []
    with pytest.raises(LoadError) as info:
        seen.extend(r.id for r in iter_relationships("\n".join(lines)))
    assert seen == ["rel-00000", "rel-00001"]
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (5, "$.relationships[2].parties")
    assert "own party 'org'" in problem.message


def test_load_shard_checks_the_parties_against_the_organization_it_is_given(tmp_path):
    folder = tmp_path / "shards"
    (shard,) = dump_shards(_portfolio(2), folder)
    other = attrs.evolve(make_portfolio().organization, id="other")
    with pytest.raises(LoadError) as info:
        load_shard(shard, organization=other)
    assert [p.path for p in info.value.problems] == [
        "$.relationships[0].parties",
        "$.relationships[1].parties",
    ]
    assert len(load_shard(shard)) == 2


# ------------------------------------------------------------------------------- guards


def test_the_byte_limit_counts_per_record_and_a_caller_can_raise_it(tmp_path):
    portfolio = _portfolio(30)
    path = tmp_path / "p.jsonl"
    dump(portfolio, path)
    longest = max(len(line) for line in path.read_bytes().splitlines())
    assert path.stat().st_size > 4 * longest
    assert load(path, limits=Limits(max_bytes=longest + 1)) == portfolio  # the file is larger
    with pytest.raises(LoadError) as info:
        load(path, limits=Limits(max_bytes=longest - 1))
    (problem,) = info.value.problems
    assert f"longer than {longest - 1} bytes" in problem.message
    assert "Limits.max_bytes" in problem.hint
    assert problem.line is not None


def test_the_record_limit(tmp_path):
    text = dumps(_portfolio(5), "jsonl")
    with pytest.raises(LoadError, match="more than 4 relationships"):
        loads(text, limits=Limits(max_records=4))
    assert len(loads(text, limits=Limits(max_records=5)).relationships) == 5


def test_the_node_and_depth_limits_count_per_record():
    lines = dumps(_portfolio(2), "jsonl").splitlines()
    record = json.loads(lines[3])
    record["name"] = json.loads("[" * 70 + "]" * 70)
    lines[3] = json.dumps(record)
    with pytest.raises(LoadError) as info:
        loads("\n".join(lines))
    (problem,) = info.value.problems
    assert "nests deeper than 64 levels" in problem.message
    assert problem.line == 4
    assert problem.path.startswith("$.relationships[1].name[0][0]")
    text = dumps(_portfolio(2), "jsonl")  # each relationship record holds 15 values
    with pytest.raises(LoadError) as info:
        loads(text, limits=Limits(max_nodes=10))
    assert [(p.line, p.message) for p in info.value.problems] == [
        (3, "the document has more than 10 values"),
        (4, "the document has more than 10 values"),
    ]
    assert loads(text, limits=Limits(max_nodes=15)) == _portfolio(2)


def test_problems_are_capped_with_a_count_of_the_rest():
    lines = dumps(_portfolio(30), "jsonl").splitlines()
    for i in range(2, 32):
        record = json.loads(lines[i])
        record["stage"] = "nine"
        lines[i] = json.dumps(record)
    with pytest.raises(LoadError) as info:
        loads("\n".join(lines), limits=Limits(max_problems=5))
    problems = info.value.problems
    assert len(problems) == 6
    assert [p.line for p in problems[:5]] == [3, 4, 5, 6, 7]
    assert problems[5].message == "25 more problems are not listed"
    assert "Limits.max_problems" in problems[5].hint


def test_limits_must_be_positive_whole_numbers():
    with pytest.raises(ConfigError, match="max_bytes must be a positive whole number"):
        Limits(max_bytes=0)
    with pytest.raises(ConfigError, match=r"must be a collabrel\.Limits"):
        load("x.jsonl", limits={"max_bytes": 1})  # type: ignore[arg-type]


# ------------------------------------------------------------ progress, logging, collector


def test_progress_is_reported_per_relationship_on_load_and_dump(tmp_path):
    portfolio = _portfolio(5)
    calls: list[tuple[int, int | None]] = []
    path = tmp_path / "p.jsonl"
    dump(portfolio, path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 5) for i in range(1, 6)]
    calls.clear()
    load(path, progress=lambda done, total: calls.append((done, total)))
    assert [done for done, _ in calls] == [1, 2, 3, 4, 5]
    calls.clear()
    load(tmp_path / "p.jsonl", format="jsonl", progress=lambda d, t: calls.append((d, t)))
    assert len(calls) == 5
    yaml_path = tmp_path / "p.yaml"
    dump(portfolio, yaml_path)
    calls.clear()
    load(yaml_path, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 5) for i in range(1, 6)]


def test_load_logs_through_the_collabrel_logger_and_prints_nothing(tmp_path, caplog, capsys):
    path = tmp_path / "p.jsonl"
    dump(_portfolio(3), path)
    with caplog.at_level(logging.INFO, logger="collabrel"):
        load(path)
    assert any(
        r.name.startswith("collabrel") and "loaded 3 relationships" in r.getMessage()
        for r in caplog.records
    )
    assert capsys.readouterr() == ("", "")


def test_the_collector_is_restored_and_freeze_is_opt_in(tmp_path):
    path = tmp_path / "p.jsonl"
    dump(_portfolio(2), path)
    assert gc.isenabled()
    before = gc.get_freeze_count()
    load(path)
    assert gc.isenabled()
    assert gc.get_freeze_count() == before
    gc.disable()
    try:
        load(path)
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()
    try:
        load(path, freeze=True)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


# ------------------------------------------------------------------------------- dumping


def test_dump_writes_to_a_stream(tmp_path):
    import io

    portfolio = _portfolio(2)
    stream = io.StringIO()
    dump(portfolio, stream, format="jsonl")
    assert loads(stream.getvalue()) == portfolio
    with pytest.raises(ConfigError, match="needs format"):
        dump(portfolio, io.StringIO())


def test_a_failed_dump_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text("the old content", encoding="utf-8")
    bad = make_relationship(id="rel-x", name="lone \ud800 surrogate")
    portfolio = make_portfolio(relationships=(make_relationship(), bad))
    with pytest.raises(DumpError, match="lone surrogate U\\+D800"):
        dump(portfolio, path)
    assert path.read_text(encoding="utf-8") == "the old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]
    with pytest.raises(DumpError):
        dump_shards(portfolio, tmp_path / "shards")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]


# ------------------------------------------------------ the standard library's JSON parser


@pytest.fixture(params=["msgspec", "stdlib"])
def json_parser(request, monkeypatch):
    """Run a test with msgspec (when installed) and with the standard library's parser."""
    from collabrel._io import _dump, _parse

    if request.param == "stdlib":
        monkeypatch.setattr(_parse, "_FAST", None)
        monkeypatch.setattr(_parse, "_ENCODE", _parse._fast_encoder(stdlib=True))
        monkeypatch.setattr(_dump, "_ENCODE", None)
    elif _parse._FAST is None:  # pragma: no cover - the fast extra is installed by make
        pytest.skip("msgspec is not installed")
    return request.param


def test_both_json_parsers_read_and_refuse_alike(json_parser):
    portfolio = _portfolio(3)
    for fmt in ("json", "jsonl"):
        assert loads(dumps(portfolio, fmt), format=fmt) == portfolio
    lines = dumps(portfolio, "jsonl").splitlines()
    cases = {
        "duplicate key 'name'": lines[2][:-1] + ',"name":"again"}',
        "lone surrogate": lines[2].replace("Relationship 0", "bad \\ud800"),
        "5,000 digits": lines[2][:-1] + ',"version":' + "9" * 5000 + "}",
        "invalid JSON": lines[2][:-3],
    }
    for message, line in cases.items():
        with pytest.raises(LoadError) as info:
            loads("\n".join([*lines[:2], line]))
        (problem,) = info.value.problems
        assert message in problem.message, (json_parser, problem)
        assert problem.line == 3
        assert problem.path.startswith("$.relationships[0]")
    assert loads('{"organization": {"id": "o", "name": "\\ud83d\\ude00"}}').organization.name == (
        "\U0001f600"
    )
