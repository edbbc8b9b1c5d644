"""The command's reports and own rules: --actions, --format for every table, diff, init,
schema, standard input, rule files with exclusions, --exclude, rule packs, progress.

Most cases run ``main()`` in this process (no interpreter start); the few whose point is the
process (standard input, a terminal for the progress bar, an installed rule pack, a Python
without PyYAML) run as subprocesses. The module takes about 25 seconds.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import attrs
import jsonschema
import pytest

import collabrel
from collabrel._cli import main

AS_OF = "2026-11-23"
ROOT = Path(__file__).resolve().parents[1]

RULES_WITH_EXCLUSIONS = """\
rules:
  - id: acme:exit-strategy
    title: Every relationship has an exit strategy
    clause: "8.2.7"
    level: REL
    remedy: Write the internal exit strategy.
    condition: {present: exit_strategy}
exclusions:
  - rule: iso44001:6.1/current
    justification: The corporate register is reviewed by the group, not by us
"""


@attrs.frozen
class Run:
    code: int
    out: str
    err: str


def call(*args: str, cwd: Path | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(old)
    return Run(code, out.getvalue(), err.getvalue())


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, *args], input=stdin, capture_output=True, timeout=120, check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli-reports")
    collabrel.dump(collabrel.example_portfolio(), d / "p.json")
    (d / "rules.yaml").write_text(RULES_WITH_EXCLUSIONS, encoding="utf-8")
    return d


# ----------------------------------------------------------------------- own rules


def test_rules_take_one_file_each_so_the_portfolio_is_not_swallowed(d: Path) -> None:
    r = call("assess", "--rules", str(d / "rules.yaml"), str(d / "p.json"), "--as-of", AS_OF,
             "--format", "json", "-o", str(d / "own.json"))  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads((d / "own.json").read_text(encoding="utf-8"))
    assert any(row["rule_id"] == "acme:exit-strategy" for row in data["rows"])
    # the rule file's exclusion is applied, and reported with its justification
    assert not any(row["rule_id"] == "iso44001:6.1/current" for row in data["rows"])
    excluded = {e["requirement"]: e for e in data["exclusions"]}
    assert excluded["iso44001:6.1/current"]["source"] == "ruleset"
    assert "reviewed by the group" in excluded["iso44001:6.1/current"]["justification"]


def test_exclude_on_the_command_line_and_from_a_file(d: Path) -> None:
    (d / "excl.yaml").write_text(
        "- {rule: iso44001:9.1.1/results, justification: Monitoring moves to the group}\n",
        encoding="utf-8",
    )
    r = call("assess", str(d / "p.json"), "--as-of", AS_OF, "--actions",
             "--exclude", "iso44001:10.1/timely=Closure targets are set per contract",
             "--exclusions", str(d / "excl.yaml"))  # fmt: skip
    assert r.code == 0, r.err
    assert "iso44001:10.1/timely (ruleset): Closure targets are set per contract" in r.out
    assert "iso44001:9.1.1/results (ruleset): Monitoring moves to the group" in r.out
    assert "[FAIL] 10.1 iso44001:10.1/timely" not in r.out


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("iso44001:10.1/timely", "write it as RULE_ID=JUSTIFICATION"),
        ("iso44001:10.1/timely=", "write it as RULE_ID=JUSTIFICATION"),
        ("iso44001:10.1/timly=why", "Did you mean 'iso44001:10.1/timely'?"),
    ],
)
def test_a_bad_exclusion_is_one_clear_error(d: Path, argument: str, message: str) -> None:
    r = call("assess", str(d / "p.json"), "--as-of", AS_OF, "--exclude", argument)
    assert r.code == 2
    assert message in r.err
    assert r.err.startswith("collabrel: error:")


def test_exclusions_with_problems_are_listed_with_their_paths(d: Path) -> None:
    bad = RULES_WITH_EXCLUSIONS + "  - {rule: iso44001:7.2/records}\n  - {rule: x, why: y}\n"
    (d / "bad-rules.yaml").write_text(bad, encoding="utf-8")
    r = call("validate", str(d / "bad-rules.yaml"))
    assert r.code == 2
    assert "$.exclusions[1].justification: missing or empty" in r.err
    assert "$.exclusions[2].why: unknown key 'why'" in r.err
    ok = call("validate", str(d / "rules.yaml"))
    assert ok.out.strip().endswith("valid rule file, 1 rules and 1 exclusions")


def test_a_rule_pack_from_an_installed_entry_point(d: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "acme_pack").mkdir(parents=True)
    (site / "acme_pack" / "__init__.py").write_text(textwrap.dedent('''
        from collabrel.rules import RuleSet, load_rules
        def rules():
            return load_rules("""
        rules:
          - id: acme:pack-rule
            title: Every relationship has a risk register
            clause: "8.2.8"
            level: REL
            remedy: Start the risk register.
            condition: {present: risk_register}
        """)
    '''), encoding="utf-8")  # fmt: skip
    dist = site / "acme_pack-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-pack\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[collabrel.rules]\nacme = acme_pack:rules\n")
    env = {"PYTHONPATH": str(site)}
    listed = run("-m", "collabrel", "rules", "packs", env=env)
    assert b"acme" in listed.stdout
    assert b"acme_pack:rules" in listed.stdout
    assert b"1 rule pack installed" in listed.stdout
    used = run("-m", "collabrel", "assess", str(d / "p.json"), "--as-of", AS_OF, "--pack",
               "acme", "--format", "csv", env=env)  # fmt: skip
    assert used.returncode == 0, used.stderr
    rows = list(csv.DictReader(io.StringIO(used.stdout.decode())))
    assert {r["rule_id"] for r in rows} >= {"acme:pack-rule"}
    missing = run("-m", "collabrel", "assess", str(d / "p.json"), "--pack", "nope", env=env)
    assert b"no rule pack 'nope' is installed (installed packs: acme)" in missing.stderr


# -------------------------------------------------------------------- standard input


def test_a_portfolio_from_standard_input(d: Path) -> None:
    text = (d / "p.json").read_bytes()
    r = run("-m", "collabrel", "assess", "-", "--as-of", AS_OF, "--actions", "--format", "csv",
            stdin=text)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode())))
    assert len(rows) == 28
    assert {row["verdict"] for row in rows} == {"fail", "unknown"}
    empty = run("-m", "collabrel", "validate", "-", stdin=b"")
    assert empty.returncode == 2
    assert b"standard input is empty" in empty.stderr
    valid = run("-m", "collabrel", "validate", "-", stdin=text)
    assert valid.stdout.strip() == b"<stdin>: valid portfolio, 7 relationships"


# ------------------------------------------------------------------------ the views


def test_actions_in_every_format(d: Path) -> None:
    for fmt in ("md", "html", "csv", "json", "xlsx"):
        out = d / f"actions.{fmt}"
        r = call("assess", str(d / "p.json"), "--as-of", AS_OF, "--actions", "-o", str(out))
        assert r.code == 0, r.err
        assert f"{fmt} report written to {out}" in r.out
    assert json.loads((d / "actions.json").read_text(encoding="utf-8"))["view"] == "actions"
    assert "(what needs action)" in (d / "actions.md").read_text(encoding="utf-8")
    page = (d / "actions.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'id="findings"' not in page
    text = (d / "actions.csv").read_text(encoding="utf-8")
    assert len(list(csv.DictReader(io.StringIO(text)))) == 28


def test_detail_limits_what_people_read_and_never_the_data(d: Path) -> None:
    base = ("assess", str(d / "p.json"), "--as-of", AS_OF, "--actions")
    r = call(*base, "--format", "md", "--detail", "1")
    assert r.code == 0, r.err
    assert "details the first subject;" in r.out
    assert "more are counted in the summary" in r.out
    assert "details the first" not in call(*base, "--format", "md").out  # 1,000 by default
    assert "details the first" not in call(*base, "--format", "md", "--detail", "all").out
    data = json.loads(call(*base, "--format", "json", "--detail", "1").out)
    assert len(data["rows"]) == 28  # JSON, CSV and Excel keep every row
    bad = call(*base, "--detail", "some")
    assert bad.code == 2
    assert "not a number of subjects: 'some'" in bad.err


def test_json_on_standard_output_is_valid_and_ascii(d: Path) -> None:
    r = call("assess", str(d / "p.json"), "--as-of", AS_OF, "--actions", "--format", "json")
    data = json.loads(r.out)
    assert r.out.isascii()
    assert len(data["rows"]) == 28


def test_templates_are_only_for_html(d: Path) -> None:
    r = call("assess", str(d / "p.json"), "--templates", str(d), "--format", "md")
    assert r.code == 2
    assert "--templates is for HTML output" in r.err


@pytest.mark.parametrize("command", ["checklist", "maturity", "lifecycle"])
def test_tables_take_a_format(d: Path, command: str) -> None:
    outputs = {}
    for fmt in ("md", "html", "csv", "json"):
        r = call(command, str(d / "p.json"), "--as-of", AS_OF, "--format", fmt)
        assert r.code == 0, r.err
        outputs[fmt] = r.out
    data = json.loads(outputs["json"])
    assert data["format"] == f"collabrel.{command}/1"
    assert data["rows"]
    assert outputs["html"].startswith("<!DOCTYPE html>")
    assert "<script" not in outputs["html"]
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert len(rows) == len(data["rows"])
    assert outputs["md"].startswith("# ")
    written = d / f"{command}.html"
    r = call(command, str(d / "p.json"), "--as-of", AS_OF, "-o", str(written))
    assert written.read_text(encoding="utf-8") == outputs["html"]


def test_the_tables_say_what_matters(d: Path) -> None:
    checklist = json.loads(call("checklist", str(d / "p.json"), "--as-of", AS_OF, "--gaps",
                                "--format", "json").out)  # fmt: skip
    assert {row["answer"] for row in checklist["rows"]} <= {"No", "Partial"}
    maturity = json.loads(call("maturity", str(d / "p.json"), "--as-of", AS_OF,
                               "--format", "json").out)  # fmt: skip
    row = maturity["rows"][0]
    assert row["theme_name"] == "Relationship management"  # theme names, not only keys
    assert all(r["level"] is None or round(r["level"], 1) == r["level"]
               for r in maturity["rows"])  # fmt: skip
    lifecycle = json.loads(call("lifecycle", str(d / "p.json"), "--as-of", AS_OF,
                                "--format", "json").out)  # fmt: skip
    states = {r["relationship_id"]: r["advance"] for r in lifecycle["rows"]}
    assert states["rel-aldermoor"] == "blocked"
    assert states["rel-modular-consortium"] == "closed"


# ------------------------------------------------------------------------------ diff


def test_diff_of_two_reports_in_text_markdown_and_html(d: Path) -> None:
    for when in (AS_OF, "2028-11-23"):
        r = call("assess", str(d / "p.json"), "--as-of", when, "-o", str(d / f"r-{when}.json"))
        assert r.code == 0, r.err
    before, after = str(d / f"r-{AS_OF}.json"), str(d / "r-2028-11-23.json")
    text = call("diff", before, after)
    assert text.code == 0, text.err
    assert text.out.startswith(f"Changes from {AS_OF}")
    assert "iso44001:4.1/current" in text.out
    md = call("diff", before, after, "--format", "md").out
    assert "| 4.1 | iso44001:4.1/current | northbridge | Pass | Fail |" in md
    page = call("diff", before, after, "--format", "html").out
    assert page.startswith("<!DOCTYPE html>")
    assert 'class="v v-fail"' in page
    data = json.loads(call("diff", before, after, "--format", "json").out)
    assert data["after"]["counts"]["fail"] > data["before"]["counts"]["fail"]
    # portfolios are assessed as of --as-of; the same file twice changes nothing
    same = call("diff", str(d / "p.json"), str(d / "p.json"), "--as-of", AS_OF)
    assert "Verdicts changed (0):" in same.out


def test_diff_refuses_what_is_not_a_full_report(d: Path) -> None:
    call("assess", str(d / "p.json"), "--as-of", AS_OF, "--actions", "-o", str(d / "a.json"))
    r = call("diff", str(d / "a.json"), str(d / "a.json"))
    assert r.code == 2
    assert "$.view: an action view holds only the rows that need action" in r.err
    (d / "other.json").write_text('{"format": "something/1"}', encoding="utf-8")
    r = call("diff", str(d / "other.json"), str(d / "a.json"))
    assert "$.format: expected 'collabrel.report/1'" in r.err


# ------------------------------------------------------------------- init and schema


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_init_writes_a_starter_that_loads_and_assesses(tmp_path: Path, fmt: str) -> None:
    r = call("init", "--format", fmt, cwd=tmp_path)
    assert r.code == 0, r.err
    path = tmp_path / f"portfolio.{fmt}"
    assert f"Starter portfolio written to portfolio.{fmt}" in r.out
    portfolio = collabrel.load(path)
    assert portfolio.organization.id == "acme"
    assert [rel.id for rel in portfolio.relationships] == ["rel-first"]
    assessed = call("assess", str(path), "--actions")
    assert assessed.code == 0, assessed.err
    assert "What needs action:" in assessed.out
    again = call("init", "--format", fmt, cwd=tmp_path)
    assert again.code == 2
    assert "exists already" in again.err
    assert call("init", "--format", fmt, "--force", cwd=tmp_path).code == 0


def test_init_comments_every_required_field(tmp_path: Path) -> None:
    text = call("init", "-").out
    keys = ("id: acme", "name: Acme Engineering Ltd", "id: rel-first",
            "name: First collaborative relationship", "person: p-ceo", "entered_on:")  # fmt: skip
    for key in keys:
        line = next(line for line in text.splitlines() if key in line)
        assert "#" in line or key == "entered_on:", line
    required = [line for line in text.splitlines() if "# required" in line]
    assert len(required) >= 4


def test_schema_command_prints_the_portfolio_schema(d: Path) -> None:
    schema = json.loads(call("schema").out)
    data = json.loads((d / "p.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    report_schema = json.loads(call("schema", "report").out)
    assert report_schema["$id"] == "urn:collabrel:schema:report:1"


# ------------------------------------------------------------- pip-only and progress


def _pip_only_site(where: Path) -> Path:
    """A folder holding collabrel and only the distributions ``pip install collabrel`` brings.

    The closure of the required dependencies in pyproject.toml (extras left out), each
    distribution's top-level files linked from the installed ones: PyYAML, and everything
    that would pull it in (dask imports it; pint imports dask when it is installed), stay out.
    """
    import importlib.metadata
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    todo = ["collabrel", *pyproject["project"]["dependencies"]]  # collabrel: its metadata
    seen: dict[str, importlib.metadata.Distribution] = {}
    while todo:
        req = Requirement(todo.pop())
        key = canonicalize_name(req.name)
        if key in seen or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        seen[key] = dist = importlib.metadata.distribution(req.name)
        if key != "collabrel":  # the installed one may be older: this checkout's list counts
            todo.extend(dist.requires or [])
    assert "pyyaml" not in seen, "a required dependency needs PyYAML: no pip-only path"
    site = where / "site"
    site.mkdir()
    (site / "collabrel").symlink_to(Path(collabrel.__file__).parent, target_is_directory=True)
    for dist in seen.values():
        for file in dist.files or []:
            top = file.parts[0]
            skip = top in {"..", "__pycache__", "collabrel"} or top.endswith(".pth")
            if skip or (site / top).exists():
                continue
            source = Path(str(dist.locate_file(top)))
            if source.exists():
                (site / top).symlink_to(source, target_is_directory=source.is_dir())
    return site


def test_demo_works_without_pyyaml(tmp_path: Path) -> None:
    """`pip install collabrel` then `collabrel demo`: no PyYAML, nor any extra, is importable."""
    site = _pip_only_site(tmp_path)
    code = (
        "import importlib.util, sys\n"
        "hidden = [m for m in ('yaml', 'dask', 'numpy', 'pytest') if importlib.util.find_spec(m)]\n"
        "assert not hidden, f'the pip-only interpreter sees {hidden}'\n"
        "from collabrel._cli import main\n"
        f"code = main(['demo', '-o', {str(tmp_path / 'demo.html')!r}])\n"
        "assert 'yaml' not in sys.modules, 'collabrel imported yaml'\n"
        "raise SystemExit(code)\n"
    )
    # -S: no site-packages (nor .pth files); only the folder above and the standard library
    r = run("-S", "-c", code, cwd=tmp_path, env={"PYTHONPATH": str(site)})
    assert r.returncode == 0, r.stderr
    assert b"What needs action: 28 findings" in r.stdout
    assert (tmp_path / "demo.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_pint_that_cannot_be_imported_is_one_clear_error(tmp_path: Path) -> None:
    """A broken installation (pint, or a library pint imports) is not a document problem."""
    code = (
        "import sys; sys.modules['pint'] = None\n"
        "from collabrel._cli import main\n"
        "raise SystemExit(main(['validate', sys.argv[1]]))\n"
    )
    from importlib import resources

    example = Path(str(resources.files("collabrel") / "_data" / "example_portfolio.json"))
    r = run("-c", code, str(example), cwd=tmp_path)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count("\n") == 1, err  # one line, not one invalid value per quantity
    assert "pint, the units library collabrel needs, cannot be imported" in err
    assert "reinstall" in err


def test_the_json_example_equals_the_yaml_one() -> None:
    from importlib import resources

    json_copy = Path(str(resources.files("collabrel") / "_data" / "example_portfolio.json"))
    assert collabrel.load(json_copy) == collabrel.example_portfolio(), (
        "the JSON copy of the example is stale: run python scripts/example_json.py"
    )


def test_progress_is_drawn_on_a_terminal_and_erased(d: Path) -> None:
    import pty

    main_fd, child_fd = pty.openpty()
    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "collabrel", "assess", str(d / "p.json"), "--as-of", AS_OF,
             "--format", "csv", "-o", str(d / "progress.csv")],
            stderr=child_fd, stdout=subprocess.PIPE, timeout=120, check=False,
        )  # fmt: skip
        os.close(child_fd)
        chunks = []
        with contextlib.suppress(OSError):
            while data := os.read(main_fd, 65536):
                chunks.append(data)
    finally:
        os.close(main_fd)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "writing the csv report [" in err
    assert "] 16/16" in err  # 8 subjects, two passes (the counts, then every row)
    assert err.endswith("\r\x1b[K")  # erased: nothing is left on the line
