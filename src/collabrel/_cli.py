"""The ``collabrel`` command: assess a portfolio, validate files, list and explain rules."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from collabrel import __version__
from collabrel._example import example_portfolio
from collabrel._io import load, read_document
from collabrel._model import Portfolio
from collabrel.errors import CollabrelError, LoadError
from collabrel.rules import (
    Assessment,
    RuleSet,
    Verdict,
    default_ruleset,
    evaluate,
    load_rules,
)

__all__ = ["main"]

EXAMPLE_AS_OF = date(2026, 11, 23)
"""The date the bundled example portfolio is assessed on by ``collabrel demo``."""

_FAIL_LEVELS = {"never": None, "error": {Verdict.ERROR},
                "fail": {Verdict.FAIL, Verdict.ERROR},
                "unknown": {Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN}}  # fmt: skip


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"not a date: {text!r}; write it as YYYY-MM-DD"
        raise argparse.ArgumentTypeError(msg) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collabrel",
        description="ISO 44001 collaborative business relationship management, executable.",
    )
    parser.add_argument("--version", action="version", version=f"collabrel {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="assess the bundled example portfolio")
    demo.add_argument("--as-of", type=_date, default=EXAMPLE_AS_OF, help="YYYY-MM-DD")

    assess = sub.add_parser("assess", help="assess a portfolio file against the rule set")
    assess.add_argument("portfolio", type=Path)
    assess.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
    assess.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        help="a rule file with your own rules (repeatable)",
    )
    assess.add_argument(
        "--fail-on",
        choices=sorted(_FAIL_LEVELS),
        default="never",
        help="exit with status 1 when a finding is at or above this level",
    )

    validate = sub.add_parser("validate", help="check a portfolio or rule file")
    validate.add_argument("file", type=Path)

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("action", choices=["list"])
    rules.add_argument("--clause")
    rules.add_argument("--stage")
    rules.add_argument("--tag")
    rules.add_argument("--rules", type=Path, action="append", default=[])

    explain = sub.add_parser("explain", help="explain a rule, or its finding on a subject")
    explain.add_argument("rule_id")
    explain.add_argument("portfolio", type=Path, nargs="?")
    explain.add_argument("--subject")
    explain.add_argument("--as-of", type=_date, default=None)
    return parser


def _ruleset(files: Sequence[Path]) -> RuleSet:
    ruleset = default_ruleset()
    for path in files:
        ruleset = ruleset.with_rules(load_rules(path))
    return ruleset


def _print_summary(portfolio: Portfolio, as_of: date) -> None:
    org = portfolio.organization
    print(f"# {org.name} ({org.id}): collaborative relationships as of {as_of}")
    print()
    print(f"{len(portfolio.relationships)} relationships")
    for rel in portfolio.relationships:
        partners = ", ".join(p.name for p in rel.parties if p.id != org.id)
        print(f"  {rel.id:<24} {rel.form.label:<28} {rel.stage!s:<36} with {partners}")
    print()


def _print_assessment(assessment: Assessment) -> None:
    counts = Counter(f.verdict for f in assessment.findings)
    print(
        f"Rule set {assessment.ruleset_version}, as of {assessment.as_of}: "
        + ", ".join(f"{counts.get(v, 0)} {v.label}" for v in Verdict)
    )
    if assessment.exclusions:
        print("Excluded requirements:")
        for ex in assessment.exclusions:
            print(f"  {ex.rule_id} ({ex.clause}): {ex.justification}")
    print()
    failing = [f for f in assessment.findings if f.verdict in {Verdict.FAIL, Verdict.ERROR}]
    if failing:
        print("Findings to act on:")
    for f in sorted(failing, key=lambda f: (f.subject_id, _clause_key(f.clause), f.rule_id)):
        print(f"  [{f.verdict.label}] {f.subject_id} {f.rule_id}: {f.title}")
        print(f"      why: {f.message}")
        print(f"      do:  {f.remedy}")
    print()


def _clause_key(clause: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in clause.split("."))


def _demo(args: argparse.Namespace) -> int:
    portfolio = example_portfolio()
    _print_summary(portfolio, args.as_of)
    _print_assessment(evaluate(portfolio, as_of=args.as_of))
    return 0


def _assess(args: argparse.Namespace) -> int:
    portfolio = load(args.portfolio)
    as_of = args.as_of or date.today()  # noqa: DTZ011 - the user's calendar day
    assessment = evaluate(portfolio, _ruleset(args.rules), as_of=as_of)
    _print_summary(portfolio, as_of)
    _print_assessment(assessment)
    bad = _FAIL_LEVELS[args.fail_on]
    if bad and any(f.verdict in bad for f in assessment.findings):
        return 1
    return 0


def _validate(args: argparse.Namespace) -> int:
    data, _ = read_document(args.file)
    if isinstance(data, dict) and "rules" in data and "organization" not in data:
        ruleset = load_rules(args.file)
        print(f"{args.file}: {len(ruleset)} valid rules")
        return 0
    portfolio = load(args.file)
    problems = portfolio.problems()
    if problems:
        raise LoadError(problems, source=str(args.file))
    print(f"{args.file}: valid portfolio, {len(portfolio.relationships)} relationships")
    return 0


def _rules(args: argparse.Namespace) -> int:
    ruleset = _ruleset(args.rules).select(clause=args.clause, stage=args.stage, tag=args.tag)
    for spec in ruleset:
        stage = f"stage {spec.stage.number}" if spec.stage and spec.stage.number else "-"
        print(f"{spec.id:<44} {spec.level.value:<4} {stage:<8} {spec.title}")
    print(f"{len(ruleset)} rules")
    return 0


def _explain(args: argparse.Namespace) -> int:
    ruleset = default_ruleset()
    spec = ruleset.get(args.rule_id)
    print(f"{spec.id} (clause {spec.clause}, {spec.level.value}, {spec.mode.value})")
    print(f"  {spec.title}")
    print(f"  remedy: {spec.remedy}")
    print(
        f"  basis: {' '.join(b.value for b in spec.basis)}; "
        f"flags: {''.join(sorted(f.value for f in spec.flags)) or '-'}"
    )
    if args.portfolio is None:
        return 0
    portfolio = load(args.portfolio)
    from collabrel.rules import Session

    session = Session(portfolio, ruleset, as_of=args.as_of or date.today())  # noqa: DTZ011
    subject = args.subject or portfolio.organization.id
    finding = session.finding(spec.id, subject)
    print(f"  {subject}: {finding.verdict.label}: {finding.message}")
    if finding.explanation is not None:
        for leaf in finding.explanation.failing:
            print(
                f"    - {leaf.node}: actual {leaf.actual}; expected {leaf.expected}"
                + (f"; {leaf.hint}" if leaf.hint else "")
            )
    return 0


_COMMANDS = {
    "demo": _demo, "assess": _assess, "validate": _validate, "rules": _rules,
    "explain": _explain,
}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``collabrel`` command; return its exit status."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (CollabrelError, OSError) as exc:
        if args.debug:
            raise
        print(f"collabrel: error: {exc}", file=sys.stderr)
        return 2
