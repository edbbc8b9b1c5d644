"""A hostile corpus for issue 13 items 4-8 and 16: quantities, spreadsheets, terminals, dates,
model validators and lifecycle and command-line arguments.

Every case runs in a fresh interpreter through the ``isolated`` fixture (10 s, 2 GiB) and
must end in a collabrel error or a correct result: never a hang, a crash or a raw exception.
The documents are in ``tests/data/hostile/model/``; a few large ones are generated here.
Cases of one test run two at a time (the suite's machine has two cores); the module adds
about 15 seconds (35 fresh interpreters, most of the time in imports and pint's registry).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "data" / "hostile" / "model"
RAW_CONTROLS = ("\x1b", "\x07", "\u202e", "\x9b")

LOAD = """
import json, sys
import collabrel
from collabrel.errors import CollabrelError
try:
    portfolio = collabrel.load(sys.argv[1])
except CollabrelError as exc:
    problems = [[p.path, p.message] for p in getattr(exc, "problems", ())]
    print(json.dumps({"outcome": "refused", "type": type(exc).__name__, "problems": problems}))
else:
    print(json.dumps({"outcome": "loaded", "relationships": len(portfolio.relationships)}))
"""

CLI = """
import json, sys
from collabrel._cli import main
if sys.argv[1] == "ascii":
    sys.stdout.reconfigure(encoding="ascii")
try:
    code = main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code}))
"""

API = """
import json
from datetime import UTC, date, datetime
import attrs
import collabrel
from collabrel import Organization, Party, Person, Portfolio, Relationship, StageRecord
from collabrel.errors import CollabrelError
from collabrel.lifecycle import Lifecycle
from collabrel.rules import RuleSet
org = Organization(id="org", name="Org", people=(Person(id="p-1", name="Pat"),))
parties = (Party(id="org", name="Org"), Party(id="partner-a", name="A"))
rel = Relationship(id="rel-1", name="R", parties=parties, stage="knowledge",
                   stage_history=(StageRecord(stage="knowledge", entered_on=date(2026, 1, 5)),))
candidate = Relationship(id="rel-2", name="C", parties=parties)
portfolio = Portfolio(organization=org, relationships=(rel, candidate))
lc = Lifecycle(RuleSet([]))
try:
    {call}
except CollabrelError as exc:
    print(json.dumps({{"outcome": "refused", "type": type(exc).__name__,
                       "bases": [b.__name__ for b in type(exc).__mro__],
                       "message": str(exc)}}))
else:
    print(json.dumps({{"outcome": "done"}}))
"""


def _run_all(isolated: Callable[..., Any], runs: dict[str, tuple[str, tuple[str, ...]]]) -> dict:
    """Run every case (code, args) in its own interpreter, two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(isolated, code, args=args) for name, (code, args) in runs.items()
        }
        return {name: f.result() for name, f in futures.items()}


def _sound(name: str, run: Any) -> list[str]:
    """The ways *run* broke the contract: a hang, a crash, a raw exception."""
    if run.timed_out:
        return [f"{name}: no result within the time limit (a hang)"]
    if run.crashed:
        return [f"{name}: the interpreter died (exit {run.returncode})"]
    if not isinstance(run.result, dict):
        return [f"{name}: no result; a raw exception? {run.stderr[-800:]}"]
    return []


def _check(results: dict, expect: Callable[[str, Any], Iterable[str]]) -> None:
    failures = []
    for name, run in results.items():
        broken = _sound(name, run)
        failures += broken or [f"{name}: {msg}" for msg in expect(name, run)]
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------- refused documents (4, 8)

# file -> (where the problem is, words of its message)
REFUSED = {
    "budget_power_tower.yaml": ("$.organization.resource_plan.budget", "not evaluated"),
    "estimate_power.json": ("$.relationships[0].awareness.expected_benefits[0].estimate",
                            "not evaluated"),
    "quantity_mapping_expression.yaml": ("$.relationships[0].working.kpis[0].target",
                                         "expected a decimal number"),
    "unit_exponent_tower.yaml": ("$.organization.resource_plan.effort", "not evaluated"),
    "quantity_not_finite.json": ("$.organization.resource_plan", "nan and infinities"),
    "risk_scale_out_of_range.yaml": ("$.organization.risk_register.items[0]",
                                     "RiskItem.likelihood must be from 1 to 5"),
    "ids_empty_blank_control.json": ("$.organization.units[0]", "OrgUnit.id"),
    "version_zero.toml": ("$.organization.corporate_rmp", "CorporateRMP.version"),
    "stage_history_out_of_order.yaml": ("$.relationships[0]", "stage_history[1]"),
    "period_reversed.json": ("$.organization.resource_plan", "must not be before period_start"),
    "kpi_units_mixed.yaml": ("$.relationships[0].working.kpis[0]", "measurements[1]"),
    "escalation_levels_reversed.yaml": ("$.relationships[0].working.issue_process",
                                        "lowest first"),
    "stage_group_null.json": ("$.relationships[0].disengagement", "expected a mapping"),
    "unknown_approver.yaml": ("$.relationships[0].stage_history[0].approved_by",
                              "unknown person 'Helen Marsh'"),
    "weight_in_percent.yaml": ("$.relationships[0].assessment.selection_criteria.criteria[0]",
                               "weight must be from 0 to 1"),
    "budget_wrong_dimension.yaml": ("$.organization.resource_plan", "must be an"),
    "datetime_for_date.yaml": ("$.relationships[0].stage_history[0].entered_on",
                               "expected a date"),
    "signoff_without_party.json": ("$.relationships[0].exit_strategy.agreed_by[0].party",
                                   "required field is missing"),
}  # fmt: skip


def test_every_corpus_document_has_a_case():
    assert {p.name for p in CORPUS.iterdir()} == {*REFUSED, "hostile_names.json"}


def test_hostile_documents_are_refused_with_the_path(isolated, tmp_path):
    runs = {name: (LOAD, (str(CORPUS / name),)) for name in REFUSED}
    # generated: too large to keep in the repository
    huge = tmp_path / "quantity_of_5000_digits.json"
    huge.write_text(
        json.dumps(
            {
                "organization": {
                    "id": "o",
                    "name": "O",
                    "resource_plan": {"id": "rp", "budget": "9" * 5000 + " EUR"},
                },
                "relationships": [],
            }
        ),
        encoding="utf-8",
    )
    long_text = tmp_path / "quantity_of_a_megabyte.yaml"
    long_text.write_text("organization:\n  id: o\n  name: O\n  resource_plan:\n    id: rp\n"
                         f"    budget: '{'1' * (1 << 20)} EUR'\nrelationships: []\n",
                         encoding="utf-8")  # fmt: skip
    runs["quantity_of_5000_digits.json"] = (LOAD, (str(huge),))
    runs["quantity_of_a_megabyte.yaml"] = (LOAD, (str(long_text),))
    expected = {
        **REFUSED,
        "quantity_of_5000_digits.json": ("$.organization.resource_plan.budget", "200 characters"),
        "quantity_of_a_megabyte.yaml": ("$.organization.resource_plan.budget", "200 characters"),
    }

    def expect(name: str, run: Any) -> list[str]:
        path, words = expected[name]
        result = run.result
        if result["outcome"] != "refused" or result["type"] != "LoadError":
            return [f"expected a LoadError, got {result}"]
        found = [m for p, m in result["problems"] if p.startswith(path) and words in m]
        return [] if found else [f"no problem at {path} saying {words!r}: {result['problems']}"]

    _check(_run_all(isolated, runs), expect)


# ---------------------------------------------------- terminal and spreadsheet output (5, 6)

HOSTILE = str(CORPUS / "hostile_names.json")
AS_OF = "2026-11-23"


def test_the_command_line_never_prints_a_control_character(isolated, tmp_path):
    csv_out = tmp_path / "out.csv"
    runs = {
        "assess text": (CLI, ("utf-8", "assess", HOSTILE, "--as-of", AS_OF)),
        "assess md": (CLI, ("utf-8", "assess", HOSTILE, "--as-of", AS_OF, "--format", "md")),
        "assess csv": (CLI, ("utf-8", "assess", HOSTILE, "--as-of", AS_OF, "--format", "csv")),
        "assess csv file": (CLI, ("utf-8", "assess", HOSTILE, "--as-of", AS_OF, "-o",
                                  str(csv_out))),
        "lifecycle ascii": (CLI, ("ascii", "lifecycle", HOSTILE, "--as-of", AS_OF)),
        "explain error": (CLI, ("utf-8", "explain", "iso44001:\x1b[31m\u202e")),
    }  # fmt: skip

    def expect(name: str, run: Any) -> list[str]:
        problems = []
        if run.result["code"] not in {0, 2}:
            problems.append(f"exit status {run.result['code']}: {run.stderr[-400:]}")
        if any(c in run.stdout + run.stderr for c in RAW_CONTROLS):
            problems.append("a raw control character was printed")
        if name.endswith("ascii") and not run.stdout.isascii():
            problems.append("a non-ASCII character reached an ASCII output")
        if name == "assess csv" and "' =HYPERLINK" not in run.stdout:
            problems.append("the formula behind a space was not guarded")
        return problems

    results = _run_all(isolated, runs)
    _check(results, expect)
    written = csv_out.read_text(encoding="utf-8")
    assert "' =HYPERLINK" in written
    assert "\x9b" in written  # a file keeps the data as it is; only the terminal escapes


# ------------------------------------------------------------- API arguments (7, 8, 16)

# name -> (the call, the error expected, a builtin base it must have)
CALLS = {
    "advance on None": (
        "lc.advance(rel, org, on=None, approved_by='p-1')", "NotADateError", "TypeError"),
    "withdraw on a datetime": (
        ("lc.withdraw(rel, on=datetime(2026, 11, 23, tzinfo=UTC), approved_by='p-1', "
         "organization=org)"), "NotADateError", "TypeError"),
    "report as of text": (
        "from collabrel.reports import report; report(portfolio, as_of='2026-11-23')",
        "NotADateError", "TypeError"),
    "retrofit to a misspelt stage": (
        ("lc.retrofit(candidate, stage='workng together', on=date(2026, 12, 1), "
         "approved_by='p-1', organization=org)"), "UnknownStageError", "ValueError"),
    "an unknown approver": (
        "lc.advance(candidate, org, on=date(2026, 12, 1), approved_by='nobody')",
        "ValidationError", "ValueError"),
    "a relationship without its stage group": (
        "attrs.evolve(rel, disengagement=None)", "FieldTypeError", "TypeError"),
    "risk scale 99": (
        "collabrel.RiskItem(id='r', description='d', likelihood=99, impact=-3)",
        "ValidationError", "ValueError"),
    "a quantity expression": (
        "collabrel.units.parse_quantity('10**10**10 GBP')", "UnitError", "TypeError"),
    "a unit expression": (
        "collabrel.units.quantity(5, 'm**9**9**9')", "UnitError", "TypeError"),
}  # fmt: skip


def test_bad_arguments_are_collabrel_errors(isolated):
    runs = {name: (API.format(call=call), ()) for name, (call, _, _) in CALLS.items()}

    def expect(name: str, run: Any) -> list[str]:
        _, error, base = CALLS[name]
        result = run.result
        if result["outcome"] != "refused" or result["type"] != error:
            return [f"expected {error}, got {result}"]
        if base not in result["bases"] or "CollabrelError" not in result["bases"]:
            return [f"{error} is not a CollabrelError and a {base}: {result['bases']}"]
        return []

    _check(_run_all(isolated, runs), expect)
