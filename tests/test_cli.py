"""The ``collabrel`` command on the bundled example.

Each command runs at least once as a real subprocess (``python -m collabrel``). They are
independent processes, so one module fixture starts them all at once in the background and
each test waits only for the runs it reads. Variants of a command whose point is an option or
a message run in-process through ``main()``, which costs no interpreter start.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

import collabrel
from collabrel._cli import main
from collabrel.errors import LoadError
from collabrel.rules import RULESET_VERSION

AS_OF = "2026-11-23"

RULE_FILE = """\
rules:
  - id: acme:exit-strategy
    title: Every relationship has an exit strategy
    clause: "8.2.7"
    level: REL
    remedy: Write the internal exit strategy.
    condition: {present: exit_strategy}
"""

# name -> the arguments after ``python -m collabrel``; {d} is the work directory
SUBPROCESS: dict[str, list[str]] = {
    "assess_yaml": ["assess", "{d}/p.yaml", "--as-of", AS_OF],
    "assess_csv_fail_on_fail": ["assess", "{d}/p.json", "--as-of", AS_OF, "--format", "csv",
                                "--fail-on", "fail"],
    "assess_json_fail_on_error": ["assess", "{d}/p.json", "--as-of", AS_OF, "--format", "json",
                                  "-o", "{d}/out.json", "--fail-on", "error"],
    "assess_missing_file": ["assess", "{d}/nope.yaml"],
    "assess_malformed": ["assess", "{d}/malformed.yaml"],
    "explain_rule": ["explain", "iso44001:6.1/current"],
    "explain_unknown_rule": ["explain", "iso44001:6.1/currnt"],
    "rules_list": ["rules", "list"],
    "checklist": ["checklist", "{d}/p.json", "--as-of", AS_OF],
    "lifecycle": ["lifecycle", "{d}/p.json", "--as-of", AS_OF],
    "validate_portfolio": ["validate", "{d}/p.yaml"],
    "validate_bad": ["validate", "{d}/bad.json"],
    "demo": ["demo"],
    "maturity": ["maturity", "{d}/p.json", "--as-of", AS_OF, "--subject", "rel-rail-jv"],
}  # fmt: skip

# the same, in-process
IN_PROCESS: dict[str, list[str]] = {
    "lifecycle_advance_refused": ["lifecycle", "{d}/p.json", "--as-of", AS_OF, "--advance",
                                  "rel-aldermoor", "--approved-by", "p-coo"],
    "explain_on_portfolio": ["explain", "iso44001:6.1/current", "{d}/p.json", "--subject",
                             "northbridge", "--as-of", AS_OF],
    "assess_md_from_suffix": ["assess", "{d}/p.json", "--as-of", AS_OF, "-o", "{d}/out.md",
                              "--rules", "{d}/rules.yaml"],
    "assess_html": ["assess", "{d}/p.json", "--as-of", AS_OF, "--format", "html",
                    "-o", "{d}/out.html"],
    "assess_xlsx_needs_output": ["assess", "{d}/p.json", "--format", "xlsx"],
    "assess_unknown_suffix": ["assess", "{d}/p.json", "-o", "{d}/out.pdf"],
    "explain_unknown_subject": ["explain", "iso44001:6.1/current", "{d}/p.json", "--subject",
                                "rel-nope", "--as-of", AS_OF],
    "rules_list_clause": ["rules", "list", "--clause", "8.6"],
    "rules_list_stage_tag": ["rules", "list", "--stage", "5", "--tag", "annex-a"],
    "rules_list_bad_stage": ["rules", "list", "--stage", "99"],
    "lifecycle_advance_allowed": ["lifecycle", "{d}/scoped.json", "--as-of", AS_OF, "--advance",
                                  "rel-plant-hire", "--on", AS_OF, "--approved-by", "p-comm"],
    "lifecycle_advance_not_a_ser": ["lifecycle", "{d}/scoped.json", "--as-of", AS_OF,
                                    "--advance", "rel-plant-hire", "--approved-by", "p-qa"],
    "lifecycle_advance_no_approver": ["lifecycle", "{d}/p.json", "--advance", "rel-plant-hire"],
    "validate_rules": ["validate", "{d}/rules.yaml"],
    "validate_malformed": ["validate", "{d}/malformed.yaml"],
    "demo_output": ["demo", "--as-of", AS_OF, "-o", "{d}/demo-out.html"],
    "bad_date": ["assess", "{d}/p.json", "--as-of", "23/11/2026"],
    # ISO 8601 forms Python's date.fromisoformat accepts but the help does not promise
    "bad_date_basic": ["assess", "{d}/p.json", "--as-of", "20261123"],
    "bad_date_week": ["lifecycle", "{d}/p.json", "--as-of", "2026-W47-1"],
    "bad_on_basic": ["lifecycle", "{d}/scoped.json", "--advance", "rel-plant-hire", "--on",
                     "20261123", "--approved-by", "p-comm"],
    "no_command": [],
    "version": ["--version"],
}  # fmt: skip

# cases whose failure is expected to print exactly one error line on stderr
ONE_LINE_ERRORS = ("assess_xlsx_needs_output", "assess_unknown_suffix", "assess_missing_file",
                   "assess_malformed", "explain_unknown_rule", "explain_unknown_subject",
                   "rules_list_bad_stage", "lifecycle_advance_no_approver",
                   "validate_malformed")  # fmt: skip


@attrs.frozen
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def _write_inputs(d: Path) -> None:
    portfolio = collabrel.example_portfolio()
    collabrel.dump(portfolio, d / "p.yaml")
    collabrel.dump(portfolio, d / "p.json")  # JSON loads ~20x faster: used by most runs
    (d / "rules.yaml").write_text(RULE_FILE, encoding="utf-8")
    (d / "malformed.yaml").write_text("organization: {id: x\n  name: [\n", encoding="utf-8")
    # the plant hire candidate brought into scope, with its SER: it may enter stage 1
    hire = portfolio.relationship("rel-plant-hire")
    scope = portfolio.organization.scope
    scoped = attrs.evolve(
        portfolio.with_relationship(
            attrs.evolve(hire, sers=(collabrel.SER(person="p-comm", party="northbridge"),))
        ),
        organization=attrs.evolve(
            portfolio.organization,
            scope=attrs.evolve(
                scope, relationships_in_scope=(*scope.relationships_in_scope, hire.id)
            ),
        ),
    )
    collabrel.dump(scoped, d / "scoped.json")
    data = json.loads((d / "p.json").read_text(encoding="utf-8"))
    data["relationships"][1]["stage"] = "stage-99"
    data["organization"]["scope"]["last_reviewed_on"] = "2026-13-01"
    (d / "bad.json").write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    _write_inputs(d)
    return d


class Runs:
    """The subprocess runs, started together; reading one waits for it only."""

    def __init__(self, d: Path, futures: dict[str, Future[Run]]) -> None:
        self.dir = d
        self._futures = futures
        self._in_process: dict[str, Run] = {}

    def __getitem__(self, name: str) -> Run:
        if name in self._futures:
            return self._futures[name].result()
        if name not in self._in_process:
            self._in_process[name] = _call(IN_PROCESS[name], self.dir)
        return self._in_process[name]


def _argv(args: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in args]


def _call(args: list[str], d: Path) -> Run:
    """Run ``main()`` in this process, in *d*, capturing its output."""
    argv = _argv(args, d)
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(d)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --version, usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(old)
    return Run(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def runs(workdir: Path) -> Iterator[Runs]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def run(args: list[str]) -> Run:
        argv = _argv(args, workdir)
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "collabrel", *argv],
            capture_output=True, text=True, encoding="utf-8", cwd=workdir, env=env,
            timeout=600, check=False,
        )  # fmt: skip
        return Run(argv, proc.returncode, proc.stdout, proc.stderr)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        yield Runs(workdir, {name: pool.submit(run, args) for name, args in SUBPROCESS.items()})


def _dir(runs: Runs) -> Path:
    return runs.dir


def test_every_command_runs_as_a_subprocess() -> None:
    commands = {args[0] for args in SUBPROCESS.values()}
    assert commands == {"assess", "explain", "rules", "checklist", "lifecycle", "validate",
                        "demo", "maturity"}  # fmt: skip


@pytest.mark.parametrize("name", [*SUBPROCESS, *IN_PROCESS])
def test_no_traceback_without_debug(runs: Runs, name: str) -> None:
    r = runs[name]
    assert "Traceback" not in r.stderr
    assert "Traceback" not in r.stdout
    assert r.returncode in {0, 1, 2}, r


@pytest.mark.parametrize("name", ONE_LINE_ERRORS)
def test_errors_are_one_clear_line_and_exit_2(runs: Runs, name: str) -> None:
    r = runs[name]
    assert r.returncode == 2, r
    lines = r.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("collabrel: error: ")]
    assert len(errors) == 1, r.stderr
    assert lines[-1] == errors[0], r.stderr  # argparse adds its usage line before, never after
    assert r.stdout == ""


def test_error_messages_say_what_happened(runs: Runs) -> None:
    d = _dir(runs)
    err = {name: runs[name].stderr for name in ONE_LINE_ERRORS}
    assert f"{d}/nope.yaml: no such file" in err["assess_missing_file"]
    assert "invalid YAML at line 2" in err["assess_malformed"]
    assert "invalid YAML at line 2" in err["validate_malformed"]
    assert "Did you mean 'iso44001:6.1/current'?" in err["explain_unknown_rule"]
    assert "its subject is 'northbridge'" in err["explain_unknown_subject"]
    assert "unknown stage" in err["rules_list_bad_stage"]
    assert "--approved-by" in err["lifecycle_advance_no_approver"]
    assert "-o FILE.xlsx" in err["assess_xlsx_needs_output"]
    assert "cannot tell the report format" in err["assess_unknown_suffix"]


def test_debug_shows_the_traceback(workdir: Path) -> None:
    with pytest.raises(LoadError, match="no such file"):
        main(["--debug", "assess", str(workdir / "nope.yaml")])


def test_argument_errors_exit_2(runs: Runs) -> None:
    for name in ("bad_date", "bad_date_basic", "bad_date_week", "bad_on_basic", "no_command"):
        r = runs[name]
        assert r.returncode == 2
        assert "usage: collabrel" in r.stderr
        assert r.stdout == ""
    assert "not a date: '23/11/2026'" in runs["bad_date"].stderr
    for name, text in (("bad_date_basic", "20261123"), ("bad_date_week", "2026-W47-1")):
        err = runs[name].stderr
        assert f"argument --as-of: not a date: {text!r}" in err
        assert "write it as YYYY-MM-DD" in err
    assert "argument --on: not a date: '20261123'" in runs["bad_on_basic"].stderr
    assert runs["version"].stdout.startswith("collabrel ")


# ------------------------------------------------------------------------------ assess


def test_assess_prints_the_summary_and_what_to_act_on(runs: Runs) -> None:
    r = runs["assess_yaml"]
    assert r.returncode == 0
    out = r.stdout
    assert "Northbridge Engineering Ltd (northbridge)" in out
    assert "6 of 7 relationships are in scope" in out
    assert "rel-plant-hire" in out
    assert "[out of scope]" in out
    assert f"Rule set {RULESET_VERSION}, as of {AS_OF}:" in out
    assert "iso44001:8.5.4 (scope):" in out
    assert (
        "What needs action: 28 findings (27 fail, 1 unknown, 0 error; 14 nonconformities, "
        "14 open gate items), by subject:" in out
    )
    assert "northbridge: Northbridge Engineering Ltd (organization): 3 nonconformities" in out
    assert "[FAIL nonconformity] northbridge iso44001:6.1/current (6.1)" in out
    assert "actual 2025-08-20; expected on or after 2025-11-23 (1 year before 2026-11-23)" in out
    assert "do:  Review the corporate risk register and record the date." in out
    assert "owner David Okafor" in out  # the corporate senior executive responsible
    assert "[FAIL open gate item] rel-aldermoor iso44001:8.3.2/approved (8.3.2)" in out
    # relationships apart, then kinds: nonconformities, then open gate items
    assert out.index("rel-fm-helpdesk: ") < out.index("rel-grid-alliance: ")
    grid = out[out.index("rel-grid-alliance: ") :]
    assert grid.index("  Nonconformities") < grid.index("  Open gate items")


def test_fail_on_sets_the_exit_status(runs: Runs) -> None:
    assert runs["assess_yaml"].returncode == 0  # --fail-on never by default
    assert runs["assess_csv_fail_on_fail"].returncode == 1
    assert runs["assess_json_fail_on_error"].returncode == 0  # no ERROR in the example


def test_assess_writes_json(runs: Runs) -> None:
    r = runs["assess_json_fail_on_error"]
    assert "json report written to" in r.stdout
    data = json.loads((_dir(runs) / "out.json").read_text(encoding="utf-8"))
    assert data["format"] == "collabrel.report/1"
    assert data["as_of"] == AS_OF
    assert data["summary"]["overall"]["fail"] > 0
    assert {row["verdict"] for row in data["rows"]} >= {"pass", "fail", "not_applicable"}


def test_assess_writes_html(runs: Runs) -> None:
    r = runs["assess_html"]
    assert r.returncode == 0, r.stderr
    assert "html report written to" in r.stdout
    page = (_dir(runs) / "out.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "iso44001:6.1/current" in page


def test_assess_takes_the_format_from_the_suffix_and_adds_rule_files(
    runs: Runs,
) -> None:
    r = runs["assess_md_from_suffix"]
    assert r.returncode == 0, r.stderr
    assert "md report written to" in r.stdout
    text = (_dir(runs) / "out.md").read_text(encoding="utf-8")
    assert text.startswith("# ISO 44001 assessment of Northbridge Engineering Ltd")
    assert "acme:exit-strategy" in text
    assert "+local." in text  # the rule set differs from the built-in one


def test_assess_csv_on_stdout(runs: Runs) -> None:
    r = runs["assess_csv_fail_on_fail"]
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows
    assert rows[0]["as_of"] == AS_OF
    assert {"rule_id", "subject_id", "verdict", "evidence", "explanation", "remedy"} <= set(rows[0])


# ------------------------------------------------------------------- other commands


def test_explain_a_rule(runs: Runs) -> None:
    r = runs["explain_rule"]
    assert r.returncode == 0
    assert r.stdout.startswith("iso44001:6.1/current: ")
    assert "remedy: Review the corporate risk register" in r.stdout
    assert "condition:" in r.stdout


def test_explain_a_finding(runs: Runs) -> None:
    r = runs["explain_on_portfolio"]
    assert r.returncode == 0
    assert "northbridge: FAIL: risk_register.last_reviewed_on: 2025-08-20" in r.stdout
    assert "- risk_register.last_reviewed_on: actual 2025-08-20; expected on or after" in r.stdout
    assert "read risk_register.last_reviewed_on = 2025-08-20" in r.stdout


def test_rules_list(runs: Runs) -> None:
    every = runs["rules_list"].stdout.splitlines()
    assert every[-1].endswith(" rules")
    total = int(every[-1].split()[0])
    assert total == len(every) - 1 > 0
    clause = runs["rules_list_clause"].stdout.splitlines()
    assert all(line.startswith("iso44001:8.6.") for line in clause[:-1])
    assert 0 < int(clause[-1].split()[0]) < total
    staged = runs["rules_list_stage_tag"].stdout.splitlines()
    assert all(" stage 5 " in line for line in staged[:-1])


def test_checklist(runs: Runs) -> None:
    r = runs["checklist"]
    assert r.returncode == 0
    assert r.stdout.startswith(f"Annex A checklist of Northbridge Engineering Ltd, as of {AS_OF}")
    assert "Is there evidence that" in r.stdout
    assert " questions: " in r.stdout


def test_lifecycle_lists_stages_transitions_and_gates(runs: Runs) -> None:
    r = runs["lifecycle"]
    assert r.returncode == 0
    out = r.stdout
    for rel in collabrel.example_portfolio().relationships:
        assert f"\n{rel.id}: {rel.stage}" in out
    assert "transitions: advance -> stage 3 (Internal assessment)" in out
    assert "blocked" in out
    assert "iso44001:8.3.2/approved (Fail)" in out
    # the plant hire candidate is outside the scope: it is not moved into the lifecycle
    assert "rel-plant-hire' is outside the CBRMS scope (4.3)" in out
    assert "closed: no stage change is possible" in out


def test_lifecycle_advance_prints_refusal_or_new_stage(runs: Runs) -> None:
    refused = runs["lifecycle_advance_refused"]
    assert refused.returncode == 1
    assert refused.stdout.startswith("refused: relationship 'rel-aldermoor' cannot advance")
    assert "iso44001:8.3.2/approved" in refused.stdout
    allowed = runs["lifecycle_advance_allowed"]
    assert allowed.returncode == 0
    assert "rel-plant-hire can advance from Candidate to stage 1" in allowed.stdout
    assert "Nothing was written" in allowed.stdout
    stranger = runs["lifecycle_advance_not_a_ser"]
    assert stranger.returncode == 1
    assert "'p-qa' is not an active SER of relationship 'rel-plant-hire'" in stranger.stdout
    written = (_dir(runs) / "p.json").read_text(encoding="utf-8")
    assert written == collabrel.dumps(collabrel.example_portfolio(), "json")


def test_validate(runs: Runs) -> None:
    assert runs["validate_portfolio"].returncode == 0
    assert "valid portfolio, 7 relationships" in runs["validate_portfolio"].stdout
    assert runs["validate_rules"].returncode == 0
    assert "valid rule file, 1 rules" in runs["validate_rules"].stdout


def test_validate_lists_every_problem_with_its_path(runs: Runs) -> None:
    r = runs["validate_bad"]
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("collabrel: error: ")
    assert "2 problems" in lines[0]
    problems = lines[1:]
    assert len(problems) == 2
    assert any(p.startswith("  - $.organization.scope.last_reviewed_on: ") for p in problems)
    assert any(p.startswith("  - $.relationships[1].stage: unknown stage") for p in problems)


def test_demo_prints_and_writes_html(runs: Runs) -> None:
    r = runs["demo"]
    assert r.returncode == 0, r.stderr
    assert "What needs action: 28 findings" in r.stdout
    written = _dir(runs) / "collabrel-demo.html"
    assert f"HTML report written to {written}" in r.stdout
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert runs["demo_output"].stdout.splitlines()[-1].endswith("demo-out.html")
    assert (_dir(runs) / "demo-out.html").is_file()
    assert (
        r.stdout.split("\nHTML report")[0] == runs["demo_output"].stdout.split("\nHTML report")[0]
    ), "demo assesses the example as of its own date by default"


def test_maturity(runs: Runs) -> None:
    r = runs["maturity"]
    assert r.returncode == 0, r.stderr
    try:
        import collabrel.maturity  # noqa: F401
    except ImportError:
        assert r.stdout.strip() == "maturity assessment arrives with collabrel.maturity"
    else:
        assert "Evidenced maturity" in r.stdout
        assert "rel-rail-jv" in r.stdout


def test_progress_is_silent_when_stderr_is_not_a_terminal(runs: Runs) -> None:
    for name in ("assess_yaml", "checklist", "demo"):
        assert runs[name].stderr == ""


# ------------------------------------------------------- hostile output and arguments (13)

ANSI = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred"
BIDI = "invoice\u202egnp.exe"
C1 = "\x9b31mcsi"
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


def _hostile_portfolio(d: Path) -> Path:
    portfolio = collabrel.example_portfolio()
    rel = portfolio.relationship("rel-westmere-ppp")
    changed = portfolio.with_relationship(attrs.evolve(rel, name=f"{ANSI} {BIDI} {C1} é"))
    org = attrs.evolve(changed.organization, name=f"Org é {BIDI} {ANSI}")
    path = d / "hostile.json"
    collabrel.dump(attrs.evolve(changed, organization=org), path)
    return path


# YAML double-quoted escapes: \e is ESC, \a is BEL, \u202e the right-to-left override
HOSTILE_RULES = """\
rules:
  - id: acme:shout
    title: "Shout \\e]0;pwned\\a\\e[2J\\e[31mred invoice\\u202egnp.exe"
    clause: "8.2.7"
    level: REL
    remedy: "Do it \\e[5mnow"
    condition: {present: exit_strategy}
"""


@pytest.mark.parametrize(
    "args",
    [
        ["assess", "{p}", "--as-of", AS_OF],
        ["assess", "{p}", "--as-of", AS_OF, "--format", "md"],
        ["assess", "{p}", "--as-of", AS_OF, "--format", "csv"],
        ["assess", "{p}", "--as-of", AS_OF, "--format", "json"],
        ["assess", "{p}", "--as-of", AS_OF, "--rules", "{r}"],
        ["rules", "list", "--rules", "{r}"],
        ["explain", "acme:shout", "{p}", "--rules", "{r}", "--as-of", AS_OF],
        ["checklist", "{p}", "--as-of", AS_OF],
        ["lifecycle", "{p}", "--as-of", AS_OF],
        ["maturity", "{p}", "--as-of", AS_OF],
        ["explain", f"iso44001:{ANSI}"],
        ["assess", f"{{d}}/{BIDI}.yaml"],
    ],
    ids=["text", "md", "csv", "json", "rules", "list", "explain", "checklist", "lifecycle",
         "maturity", "error-rule-id", "error-file-name"],
)  # fmt: skip
def test_control_characters_from_the_data_are_printed_as_escapes(workdir, args):
    p = _hostile_portfolio(workdir)
    (workdir / "hostile-rules.yaml").write_text(HOSTILE_RULES, encoding="utf-8")
    argv = [a.format(p=p, r=workdir / "hostile-rules.yaml", d=workdir) for a in args]
    r = _call(argv, workdir)
    assert r.returncode in {0, 2}, r
    for stream in (r.stdout, r.stderr):
        assert not any(c in stream for c in RAW), stream[:400]
    shown = ("\\x1b", "\\u001b", "\\u202e")  # escaped by the CLI, or by JSON itself
    assert any(e in r.stdout + r.stderr for e in shown)


def test_an_ascii_only_output_gets_escapes_instead_of_an_error(workdir):
    p = _hostile_portfolio(workdir)
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "collabrel", "assess", str(p), "--as-of", AS_OF],
        capture_output=True, cwd=workdir, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("ascii")  # every byte is ASCII
    assert "\\xe9" in out  # the é of the relationship name, escaped
    assert "\\u202e" in out


def test_a_closed_standard_output_is_an_error(workdir):
    proc = subprocess.run(  # a fixed shell line that closes fd 1 for the child
        ["/bin/sh", "-c", 'exec "$0" -m collabrel rules list >&-', sys.executable],
        capture_output=False, stderr=subprocess.PIPE, cwd=workdir, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert b"standard output is closed" in proc.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly_with_status_2(workdir):
    # the reader of the pipe is gone before the command writes (as after `| head -1`):
    # whatever the pipe's capacity, the first write meets the broken pipe
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "collabrel", "rules", "list"],
            stdout=write_end, stderr=subprocess.PIPE, cwd=workdir, timeout=120, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr
    assert proc.stderr == b""  # a broken pipe needs no message


def test_help_documents_the_exit_codes(workdir):
    for argv in (["--help"], ["assess", "--help"], ["lifecycle", "--help"]):
        r = _call(argv, workdir)
        assert r.returncode == 0
        for code in ("0 ", "1 ", "2 ", "130 "):
            assert f"\n  {code}" in r.stdout, (argv, r.stdout)
        assert "exit status:" in r.stdout


def test_an_unknown_approver_is_refused_by_the_cli(workdir):
    r = _call(["lifecycle", str(workdir / "p.json"), "--as-of", AS_OF, "--advance",
               "rel-plant-hire", "--approved-by", "nobody"], workdir)  # fmt: skip
    assert r.returncode == 2
    assert "is not a known person" in r.stderr


def test_json_on_standard_output_stays_valid_json_with_hostile_data(workdir):
    p = _hostile_portfolio(workdir)
    r = _call(["assess", str(p), "--as-of", AS_OF, "--format", "json"], workdir)
    assert r.returncode == 0, r.stderr
    assert r.stdout.isascii()
    data = json.loads(r.stdout)
    names = {row["subject_name"] for row in data["rows"]}
    assert any(BIDI in name and C1 in name for name in names)  # the data itself, intact
    f = _call(["assess", str(p), "--as-of", AS_OF, "-o", str(workdir / "h.json")], workdir)
    assert f.returncode == 0, f.stderr
    assert json.loads((workdir / "h.json").read_text(encoding="utf-8")) == data
