"""The command line with a store: --store and --at where a portfolio is read; history, export,
import."""

from __future__ import annotations

import json

import pytest

import collabrel
from collabrel._cli import main
from collabrel.store import Store

AS_OF = "2026-11-23"


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "cli.db")
    return request.getfixturevalue("postgres_cluster").new_database()


def test_import_a_portfolio_file_then_assess_and_read_the_history(url, capsys, tmp_path):
    example = collabrel.example_path()
    code, out, _ = _run(capsys, "import", example, "--store", url, "--actor", "alice",
                        "--reason", "initial load")  # fmt: skip
    assert code == 0
    assert out.strip() == "northbridge: change 1, 8 subjects written"
    code, out, _ = _run(capsys, "import", example, "--store", url, "--actor", "alice")
    assert (code, out.strip()) == (0, "northbridge: nothing changed")

    # an edited file becomes change 2, with only the relationship that differs
    edited = collabrel.example_portfolio()
    rel = edited.relationship("rel-plant-hire")
    edited = edited.with_relationship(collabrel.evolve(rel, name="Plant hire framework"))
    path = tmp_path / "edited.json"
    collabrel.dump(edited, path)
    code, out, _ = _run(
        capsys, "import", path, "--store", url, "--actor", "bob", "--reason", "rename"
    )
    assert out.strip() == "northbridge: change 2, 1 subjects written"

    code, out, _ = _run(
        capsys, "history", "northbridge", "--store", url, "--subject", "rel-plant-hire"
    )
    lines = out.strip().splitlines()
    assert code == 0
    assert len(lines) == 2
    assert "alice" in lines[0]
    assert "v1: $  (initial load)" in lines[0]
    assert "bob" in lines[1]
    assert "v2: $.name  (rename)" in lines[1]
    code, out, _ = _run(capsys, "history", "northbridge", "--store", url, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["seq"] for r in rows] == [1] * 8 + [2]
    assert rows[-1]["changed_paths"] == ["$.name"]

    code, out, _ = _run(capsys, "assess", "northbridge", "--store", url, "--as-of", AS_OF)
    assert code == 0
    assert "Northbridge Engineering Ltd" in out
    with Store(url) as store:
        first = store.snapshot("northbridge", seq=1).recorded_at
    code, out, _ = _run(capsys, "assess", "northbridge", "--store", url, "--at",
                        first.isoformat(), "--as-of", AS_OF, "--format", "json")  # fmt: skip
    assert code == 0
    assert json.loads(out)


def test_export_and_import_a_history(url, capsys, tmp_path):
    with Store(url) as store:
        store.save(collabrel.example_portfolio(), actor="alice")
    target = tmp_path / "h.jsonl"
    code, out, _ = _run(capsys, "export", "--store", url, "-o", target)
    # a header, the portfolio, its change and 8 revisions
    assert (code, out.strip()) == (0, f"wrote 11 lines to {target}")
    code, out, _ = _run(capsys, "export", "northbridge", "--store", url)
    assert out == target.read_text(encoding="utf-8")
    copy = tmp_path / "copy.db"
    code, out, _ = _run(capsys, "import", target, "--store", copy)
    assert (code, out.strip()) == (0, "imported the history of northbridge")
    with Store(copy) as store:
        assert store.portfolio("northbridge") == collabrel.example_portfolio()


def test_store_errors_are_one_clear_line(capsys, tmp_path):
    db = tmp_path / "e.db"
    code, _, err = _run(capsys, "history", "nope", "--store", db)
    assert code == 2
    assert (
        err.strip()
        == f"collabrel: error: no portfolio 'nope' in the store at sqlite:///{db}; portfolios: none"
    )
    code, _, err = _run(capsys, "assess", "p.yaml", "--at", "2026-01-01")
    assert code == 2
    assert "--at reads a store's history: give --store URL too" in err
    with pytest.raises(SystemExit) as info:  # argparse refuses it, with its usage
        main(["assess", "x", "--store", str(db), "--at", "yesterday"])
    assert info.value.code == 2
    assert "not an instant: 'yesterday'" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n", encoding="utf-8")
    code, _, err = _run(capsys, "import", bad, "--store", db)
    assert code == 2
    assert "line 1" in err
    assert "Traceback" not in err
    code, _, err = _run(capsys, "import", tmp_path / "missing.yaml", "--store", db)
    assert (code, err.strip()) == (
        2,
        f"collabrel: error: no such file: {tmp_path / 'missing.yaml'}",
    )
