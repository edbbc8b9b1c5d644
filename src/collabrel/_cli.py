r"""The ``collabrel`` command: assess, explain, rules, checklist, lifecycle, maturity, diff, ...

Every error prints one ``collabrel: error: ...`` line (a load error adds one line per problem,
with its path) and exits with status 2; ``--debug`` shows the traceback instead. ``assess
--fail-on`` exits with status 1 when a finding at or above the level exists, for CI pipelines;
``lifecycle --advance`` exits with status 1 when the stage change is refused. Output that
cannot be written (a closed standard output) is an error too. A portfolio argument ``-`` reads
the portfolio from standard input.

Reports are written as they are made, one subject at a time, so memory follows the portfolio,
not the report; long steps show a progress bar on standard error when it is a terminal, and
nothing when it is not.

Everything printed goes through one filter: control characters from the data (ANSI escape
sequences, bidirectional overrides, C0 and C1 controls) are shown as escapes such as
``\x1b``, never obeyed by the terminal, and characters the output encoding cannot hold are
written as ``\u`` escapes instead of failing.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any, Self, TextIO

from collabrel import __version__
from collabrel._atomic import replacing
from collabrel._example import example_portfolio
from collabrel._io import load, read_document
from collabrel._model import Portfolio
from collabrel._render._common import visible
from collabrel.errors import (
    CollabrelError,
    GateBlockedError,
    LoadError,
    Problem,
    TransitionNotAllowedError,
    UsageError,
)
from collabrel.reports import Report, _optional, report
from collabrel.rules import (
    Finding,
    GapKind,
    RuleSet,
    RuleSpec,
    Session,
    Verdict,
    default_ruleset,
    evaluate,
    small_firm_profile,
)
from collabrel.views import annex_a_checklist

__all__ = ["EXAMPLE_AS_OF", "main"]

EXAMPLE_AS_OF = date(2026, 11, 23)
"""The date the bundled example portfolio is assessed on by ``collabrel demo``."""

DEMO_OUTPUT = "collabrel-demo.html"
"""Where ``collabrel demo`` writes its HTML report unless ``-o`` says otherwise."""

_FAIL_LEVELS: dict[str, frozenset[Verdict]] = {
    "never": frozenset(),
    "error": frozenset({Verdict.ERROR}),
    "nonconformity": frozenset({Verdict.FAIL, Verdict.ERROR}),  # open gate items left out
    "fail": frozenset({Verdict.FAIL, Verdict.ERROR}),
    "unknown": frozenset({Verdict.FAIL, Verdict.ERROR, Verdict.UNKNOWN}),
}
_PORTFOLIO_HELP = (
    "the portfolio: a YAML, JSON, TOML or JSON Lines file, or a folder of shards"
    " (- reads standard input)"
)
_FORMATS = ("text", "md", "html", "csv", "json", "xlsx")
_SUFFIXES = {".txt": "text", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
             ".csv": "csv", ".json": "json", ".xlsx": "xlsx"}  # fmt: skip
_PAGE_FORMATS = ("text", "md", "html", "csv", "json")
_PAGE_SUFFIXES = {k: v for k, v in _SUFFIXES.items() if v in _PAGE_FORMATS}
_DIFF_FORMATS = ("text", "md", "html", "json")
_DIFF_SUFFIXES = {k: v for k, v in _SUFFIXES.items() if v in _DIFF_FORMATS}


EXIT_CODES = """\
exit status:
  0    success (assess: no finding at or above the --fail-on level)
  1    assess --fail-on found such a finding; lifecycle --advance was refused
  2    error: bad arguments, a file that cannot be read or loaded, or output that
       cannot be written (a closed standard output)
  130  interrupted (Ctrl-C)
"""
"""The exit statuses, as ``--help`` shows them."""


class _OutputError(CollabrelError, OSError):
    """Standard output is closed or cannot be written."""


# ------------------------------------------------------------------------------ output

_LONE_CR = re.compile(r"\r(?!\n)")


class _Terminal(io.TextIOBase):
    """A text stream that shows control characters as escapes and never fails to encode.

    Wraps standard output and standard error for the duration of :func:`main`: every text
    the command prints, from the data or from an error message, passes through it.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        shown = _LONE_CR.sub(r"\\r", visible(text))
        try:
            self.stream.write(shown)
        except UnicodeEncodeError:
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            self.stream.write(shown.encode(encoding, "backslashreplace").decode(encoding))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(self.stream.isatty())

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override] # read-only, as for sys.stdout
        return str(getattr(self.stream, "encoding", None) or "utf-8")


def _raw(stream: Any) -> Any:
    """The stream under a :class:`_Terminal` (for the progress line's own escapes)."""
    return stream.stream if isinstance(stream, _Terminal) else stream


# ------------------------------------------------------------------------------ parsing

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(text: str) -> date:
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    msg = f"not a date: {text!r:.60}; write it as YYYY-MM-DD, such as 2026-11-23"
    raise argparse.ArgumentTypeError(msg)


def _add_as_of(p: argparse.ArgumentParser, default: date | None = None) -> None:
    when = f"default {default}" if default else "default today"
    p.add_argument("--as-of", type=_date, default=default, metavar="DATE",
                   help=f"evaluate as of this date, YYYY-MM-DD ({when})")  # fmt: skip


def _add_rules(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("own rules and exclusions")
    g.add_argument(
        "--rules",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a rule file with your own rules, added to the built-in ones (repeat "
        "the option for several files); its 'exclusions' list is applied too",
    )
    g.add_argument(
        "--pack",
        action="append",
        default=[],
        metavar="NAME",
        help="an installed rule pack (entry point NAME in the group "
        "'collabrel.rules'; 'collabrel rules packs' lists them)",
    )
    g.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="RULE_ID=WHY",
        help="leave a rule out, with the justification every report shows",
    )
    g.add_argument(
        "--exclusions",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a YAML, JSON or TOML list of {rule, justification} to leave out",
    )


def _add_output(p: argparse.ArgumentParser, formats: Sequence[str], what: str) -> None:
    p.add_argument(
        "--format",
        choices=formats,
        default=None,
        help=f"{what} format (default: from the -o suffix, else text)",
    )
    p.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    if "html" in formats:
        p.add_argument(
            "--templates",
            type=Path,
            metavar="DIR",
            help="a folder of HTML templates replacing the built-in ones "
            "(your branding: brand.html, brand.css, or any page)",
        )


def _command(commands: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add a subcommand whose --help ends with the exit statuses too."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
    )
    return parser


def _add_profile(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", choices=("full", "small-firm"), default="full",
                   help="the rule set: full ISO 44001, or the ISO 44003 small-firm profile "
                   "(its omissions are reported as exclusions). Default: full")  # fmt: skip


def _parser() -> argparse.ArgumentParser:  # noqa: PLR0915 - one block per command
    parser = argparse.ArgumentParser(
        prog="collabrel",
        description="ISO 44001 collaborative business relationship management, executable.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"collabrel {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    assess = _command(sub, "assess", help="assess a portfolio file and write a report")
    assess.add_argument("portfolio", type=Path, metavar="PORTFOLIO", help=_PORTFOLIO_HELP)
    _add_as_of(assess)
    _add_output(assess, _FORMATS, "report")
    assess.add_argument(
        "--actions",
        action="store_true",
        help="report only what needs action (FAIL, UNKNOWN, ERROR), by "
        "relationship and clause, with remedies, owners and due dates",
    )
    assess.add_argument("--title", metavar="TEXT", help="the report's title")
    assess.add_argument(
        "--detail",
        type=_detail,
        default=_DETAIL,
        metavar="N|all",
        help=f"list at most N subjects in HTML, Markdown and text reports; the summary counts "
        f"every one, and CSV, JSON and Excel hold every row (default: {_DETAIL:,})",
    )
    _add_rules(assess)
    _add_profile(assess)
    assess.add_argument(
        "--fail-on",
        choices=tuple(_FAIL_LEVELS),
        default="never",
        help="exit with status 1 when a finding is at or above this level: error; "
        "nonconformity (a failing finding that is not an open gate item of the current stage, "
        "or an error); fail (fail or error); unknown (fail, error or unknown). Default: never",
    )

    explain = _command(sub, "explain", help="explain a rule, or its findings on a portfolio")
    explain.add_argument("rule_id", metavar="RULE_ID", help="such as iso44001:6.1/current")
    explain.add_argument(
        "portfolio",
        type=Path,
        nargs="?",
        metavar="PORTFOLIO",
        help="also evaluate the rule on this portfolio file",
    )
    explain.add_argument(
        "--subject", metavar="ID", help="the relationship or organization id (default: all)"
    )
    _add_as_of(explain)
    _add_rules(explain)

    rules = _command(sub, "rules", help="list the rules, or the installed rule packs")
    rules.add_argument("action", choices=["list", "packs"])
    rules.add_argument("--clause", help="a clause and its subclauses, such as 8.6")
    rules.add_argument("--stage", help="a stage number 1-8 or name")
    rules.add_argument("--tag", help="a tag, or a tag prefix ending in ':'")
    rules.add_argument("--level", choices=["ORG", "REL", "JNT"], type=str.upper)
    _add_rules(rules)

    checklist = _command(sub, "checklist", help="print the Annex A checklist of a portfolio")
    checklist.add_argument("portfolio", type=Path, metavar="PORTFOLIO", help=_PORTFOLIO_HELP)
    _add_as_of(checklist)
    checklist.add_argument("--gaps", action="store_true", help="only the No and Partial rows")
    _add_output(checklist, _PAGE_FORMATS, "checklist")
    _add_rules(checklist)
    _add_profile(checklist)

    lifecycle = _command(
        sub, "lifecycle", help="stages, allowed transitions and stage gates of each relationship"
    )
    lifecycle.add_argument("portfolio", type=Path, metavar="PORTFOLIO", help=_PORTFOLIO_HELP)
    _add_as_of(lifecycle)
    lifecycle.add_argument(
        "--advance", metavar="ID", help="try advancing this relationship (nothing is written)"
    )
    lifecycle.add_argument(
        "--on", type=_date, metavar="DATE", help="the date of the stage change (default: --as-of)"
    )
    lifecycle.add_argument("--approved-by", metavar="PERSON", help="who approves the change")
    lifecycle.add_argument("--co-approvers", nargs="+", default=[], metavar="PERSON",
                           help="for a joint gate (leaving stages 5-8): the other parties' SERs, "
                           "who approve it with --approved-by")  # fmt: skip
    _add_output(lifecycle, _PAGE_FORMATS, "listing")
    _add_rules(lifecycle)

    validate = _command(sub, "validate", help="check a portfolio or rule file")
    validate.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a portfolio or rule file (YAML, JSON or TOML; - for standard input)",
    )

    demo = _command(sub, "demo", help="assess the bundled example and write an HTML report")
    _add_as_of(demo, EXAMPLE_AS_OF)
    demo.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path(DEMO_OUTPUT),
        metavar="FILE",
        help=f"where to write the HTML report (default {DEMO_OUTPUT})",
    )

    maturity = _command(sub, "maturity", help="evidenced maturity of each relationship")
    maturity.add_argument("portfolio", type=Path, metavar="PORTFOLIO", help=_PORTFOLIO_HELP)
    maturity.add_argument("--subject", metavar="ID", help="one relationship only")
    _add_as_of(maturity)
    _add_output(maturity, _PAGE_FORMATS, "table")

    diff = _command(sub, "diff", help="what changed between two reports (or two portfolios)")
    diff.add_argument(
        "before",
        type=Path,
        metavar="BEFORE",
        help="a JSON report (assess --format json), or a portfolio file",
    )
    diff.add_argument("after", type=Path, metavar="AFTER", help="the same, later")
    _add_as_of(diff)
    _add_output(diff, _DIFF_FORMATS, "diff")
    _add_rules(diff)

    init = _command(sub, "init", help="write a starter portfolio to fill in")
    init.add_argument(
        "file",
        type=Path,
        nargs="?",
        metavar="FILE",
        help="where to write it (default portfolio.yaml, or portfolio.json "
        "with --format json; - for standard output)",
    )
    init.add_argument(
        "--format",
        choices=("yaml", "json"),
        default=None,
        help="YAML (with a comment on every field) or JSON; default: from the "
        "suffix of FILE, else YAML",
    )
    init.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    schema = _command(sub, "schema", help="print the JSON Schema of portfolio files (or reports)")
    schema.add_argument("kind", nargs="?", choices=("portfolio", "report"), default="portfolio")
    schema.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    _add_store_commands(sub, (assess, explain, checklist, lifecycle, maturity))
    return parser


# ----------------------------------------------------------------------- progress


class _Bar:
    """A progress bar on standard error while a long step runs, only when it is a terminal.

    It is a ``progress(done, total)`` callback, redrawn at most ten times a second, and the
    line is erased when the step ends, so nothing is left behind in the output.
    """

    def __init__(self, label: str) -> None:
        err = sys.stderr
        self.label = visible(label)
        self.active = err is not None and err.isatty()
        self.err = _raw(err) if self.active else None  # the bar's own escapes are meant
        self.drawn = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        if self.err is None:
            return
        now = time.monotonic()
        if done != total and now - self.drawn < 0.1:  # noqa: PLR2004 - ten redraws a second
            return
        self.drawn = now
        if total:
            width = 28
            filled = min(width, width * done // total)
            text = f"{self.label} [{'#' * filled}{'-' * (width - filled)}] {done}/{total}"
        else:
            text = f"{self.label}: {done}"
        self.err.write(f"\r\x1b[K{text}")
        self.err.flush()

    def __enter__(self) -> Self:
        if self.err is not None:  # say what runs before the first step is counted
            self.err.write(f"\r\x1b[K{self.label}...")
            self.err.flush()
            self.drawn = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.err is not None:
            self.err.write("\r\x1b[K")
            self.err.flush()


@contextmanager
def _progress(label: str) -> Iterator[None]:
    """Show *label* on standard error while a step runs, only when it is a terminal.

    The line is erased when the step ends, so nothing is left behind in the output.
    """
    if sys.stderr is None or not sys.stderr.isatty():
        yield
        return
    err = _raw(sys.stderr)  # the line's own escapes are meant; the label is escaped
    err.write(f"\r\x1b[K{visible(label)}...")
    err.flush()
    try:
        yield
    finally:
        err.write("\r\x1b[K")
        err.flush()


# ---------------------------------------------------------------------------- helpers


def _today(args: argparse.Namespace) -> date:
    as_of: date | None = args.as_of
    return as_of if as_of is not None else date.today()  # noqa: DTZ011 - the user's calendar day


def _ruleset(args: argparse.Namespace) -> RuleSet:
    """The built-in rules, plus rule files and packs, less every exclusion asked for."""
    from collabrel._cli_rules import exclusions_from_file, load_pack, load_rule_file

    profile = getattr(args, "profile", "full")
    ruleset = default_ruleset() if profile == "full" else small_firm_profile()
    excluded: list[tuple[str, str]] = []
    for path in args.rules:
        rules, also = load_rule_file(path)
        ruleset = ruleset.with_rules(rules)
        excluded += also
    for name in args.pack:
        ruleset = ruleset.with_rules(load_pack(name))
    for path in args.exclusions:
        excluded += exclusions_from_file(path)
    for text in args.exclude:
        rule_id, sep, why = text.partition("=")
        if not sep or not rule_id.strip() or not why.strip():
            raise UsageError(
                f"--exclude {text!r}: write it as RULE_ID=JUSTIFICATION, such as "
                "--exclude 'iso44001:8.5.4=Public tenders are not negotiated'"
            )
        excluded.append((rule_id.strip(), why.strip()))
    for rule_id, why in excluded:
        ruleset = ruleset.without(rule_id, justification=why)
    return ruleset


def _read_stdin() -> Portfolio:
    from collabrel._io import loads

    data = sys.stdin.buffer.read() if sys.stdin is not None else b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            [Problem(path="$", message=f"standard input is not UTF-8 text ({exc})")],
            source="<stdin>",
        ) from None
    if not text.strip():
        raise UsageError("standard input is empty: pipe a portfolio into the command")
    return loads(text)


def _load(path: Path | Portfolio) -> Portfolio:
    if isinstance(path, Portfolio):  # read from --store already
        return path
    if str(path) == "-":
        with _progress("reading the portfolio from standard input"):
            return _read_stdin()
    with _Bar(f"loading {path}") as bar:
        return load(path, progress=bar)


def _format(args: argparse.Namespace, suffixes: dict[str, str], what: str = "report") -> str:
    fmt: str | None = args.format
    out: Path | None = args.output
    if fmt is not None:
        return fmt
    if out is None or str(out) == "-":
        return "text"
    found = suffixes.get(out.suffix.lower())
    if found is None:
        names = ", ".join(sorted(suffixes))
        raise UsageError(
            f"cannot tell the {what} format from {out}; name it {names}, or give --format"
        )
    return found


def _emit(args: argparse.Namespace, fmt: str, write: Callable[[TextIO], None]) -> None:
    """Send the output to standard output, or to ``-o FILE`` whole or not at all."""
    out: Path | None = args.output
    if out is None or str(out) == "-":
        write(sys.stdout)
        return
    newline = "" if fmt == "csv" else None
    with replacing(out) as part, open(part, "w", encoding="utf-8", newline=newline) as f:  # noqa: PTH123
        write(f)


# --------------------------------------------------------------------------- commands


_DETAIL = 1_000


def _detail(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    if not text.strip().isdigit():
        msg = f"not a number of subjects: {text!r} (write a whole number >= 0, or all)"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def _assess(args: argparse.Namespace) -> int:
    from collabrel._render import write_document, write_path
    from collabrel._render._data import write_json
    from collabrel._render._doc import Document

    fmt = _format(args, _SUFFIXES)
    out: Path | None = args.output
    if fmt == "xlsx":
        if out is None:
            raise UsageError("--format xlsx writes a binary workbook; give -o FILE.xlsx")
        _optional("openpyxl", "an xlsx report", "xlsx")  # fail before the long part
    if args.templates is not None and fmt != "html":
        raise UsageError("--templates is for HTML output; add --format html or -o FILE.html")
    view = "actions" if args.actions else "full"
    ruleset = _ruleset(args)
    portfolio = _load(args.portfolio)
    as_of = _today(args)
    with _progress(f"evaluating {len(ruleset)} rules"):
        session = Session(portfolio, ruleset, as_of=as_of)
    with _Bar(f"writing the {fmt} report") as bar:
        detail = args.detail if fmt in {"html", "md", "text"} else None
        doc = Document.of_session(
            session, view=view, title=args.title, progress=bar, fmt=fmt, detail=detail
        )
        if out is not None and str(out) != "-":
            write_path(doc, out, fmt, templates=args.templates)
        elif fmt == "json":  # ASCII escapes keep it valid JSON that the terminal filter keeps
            write_json(doc, sys.stdout, ascii_only=True)
        else:
            write_document(doc, sys.stdout, fmt, templates=args.templates)
    counts = session.counts()
    if out is not None and str(out) != "-":
        c = doc.summary.overall
        print(
            f"{doc.scope.organization_name} as of {as_of}: {c.passed} pass, {c.failed} fail, "
            f"{c.unknown} unknown, {c.error} error, {c.not_applicable} not applicable; "
            f"{fmt} report written to {out}"
        )
    bad = _FAIL_LEVELS[args.fail_on]
    if args.fail_on == "nonconformity":  # open gate items are due, not failed
        return 1 if doc.count(Verdict.FAIL, GapKind.NONCONFORMITY) or counts[Verdict.ERROR] else 0
    return 1 if any(counts[v] for v in bad) else 0


def _condition_text(spec: RuleSpec) -> str | None:
    if spec.condition is None:
        return None
    data = spec.condition.to_data()
    try:
        import yaml
    except ImportError:  # pragma: no cover - the yaml extra is not installed
        return json.dumps(data, indent=2)
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)).rstrip()


def _explain(args: argparse.Namespace) -> int:
    ruleset = _ruleset(args)
    spec = ruleset.get(args.rule_id)
    findings: list[Finding] = []
    if args.portfolio is not None:  # evaluate first: a bad subject fails before any output
        portfolio = _load(args.portfolio)
        session = Session(portfolio, ruleset, as_of=_today(args))
        if args.subject is not None:
            subjects = [args.subject]
        elif spec.level.value == "ORG":
            subjects = [portfolio.organization.id]
        else:
            subjects = [r.id for r in portfolio.relationships]
        findings = [session.finding(spec.id, subject) for subject in subjects]
    stage = str(spec.stage) if spec.stage is not None else "no stage"
    print(f"{spec.id}: {spec.title}")
    print(
        f"  clause {spec.clause}; level {spec.level.value}; {stage}; mode {spec.mode.value}; "
        f"severity {spec.severity.value}"
    )
    print(
        f"  basis: {' '.join(b.value for b in spec.basis)}; "
        f"flags: {''.join(sorted(f.value for f in spec.flags)) or '-'}; "
        f"tags: {', '.join(sorted(spec.tags)) or '-'}"
    )
    print(f"  remedy: {spec.remedy}")
    cond = _condition_text(spec)
    if cond is not None:
        print("  condition:")
        for line in cond.splitlines():
            print(f"    {line}")
    elif spec.predicate is not None:
        print(f"  a Python rule reading: {', '.join(spec.reads) or '(no declared reads)'}")
    if args.portfolio is None:
        return 0
    print()
    print(f"Findings as of {_today(args)}:")
    for finding in findings:
        print(f"  {finding.subject_id}: {finding.verdict.label.upper()}: {finding.message}")
        if finding.explanation is not None:
            for leaf in finding.explanation.failing:
                line = f"{leaf.path or leaf.node}: actual {leaf.actual}"
                if leaf.expected is not None:
                    line += f"; expected {leaf.expected}"
                if leaf.hint:
                    line += f"; {leaf.hint}"
                print(f"    - {line}")
        if finding.error:
            print(f"    error: {finding.error}")
        for fact in finding.facts:
            print(f"    read {fact.path} = {fact.value}")
    return 0


def _rules(args: argparse.Namespace) -> int:
    if args.action == "packs":
        from collabrel._cli_rules import installed_packs

        packs = installed_packs()
        for name, value, dist in packs:
            print(f"{name:<24} {value:<40} {dist}")
        print(f"{len(packs)} rule pack{'s' if len(packs) != 1 else ''} installed")
        return 0
    ruleset = _ruleset(args).select(
        clause=args.clause, stage=args.stage, tag=args.tag, level=args.level
    )
    for spec in ruleset:
        stage = f"stage {spec.stage.number}" if spec.stage and spec.stage.number else "-"
        print(f"{spec.id:<44} {spec.clause:<8} {spec.level.value:<4} {stage:<8} {spec.title}")
    print(f"{len(ruleset)} rules")
    for ex in ruleset.exclusions:
        print(f"excluded {ex.rule_id}: {ex.justification}")
    return 0


def _page(args: argparse.Namespace, fmt: str, page: Any) -> None:
    from collabrel._render._pages import write_page

    if args.templates is not None and fmt != "html":
        raise UsageError("--templates is for HTML output; add --format html or -o FILE.html")

    def write(out: TextIO) -> None:
        ascii_only = fmt == "json" and out is sys.stdout
        write_page(page, out, fmt, templates=args.templates, ascii_only=ascii_only)

    _emit(args, fmt, write)


def _checklist(args: argparse.Namespace) -> int:
    fmt = _format(args, _PAGE_SUFFIXES, "checklist")
    portfolio = _load(args.portfolio)
    as_of = _today(args)
    with _progress("evaluating"):
        # Any: views types its input as a plain class, not a Protocol (reported upstream)
        assessment: Any = evaluate(portfolio, _ruleset(args), as_of=as_of)
        checklist = annex_a_checklist(assessment)
    org = portfolio.organization
    if fmt != "text":
        from collabrel._render._pages import checklist_page

        _page(args, fmt, checklist_page(checklist, org.name, gaps_only=args.gaps))
        return 0

    def write(out: TextIO) -> None:
        with contextlib.redirect_stdout(out):
            _checklist_text(checklist, org.name, gaps_only=args.gaps)

    _emit(args, fmt, write)
    return 0


def _checklist_text(checklist: Any, organization: str, *, gaps_only: bool) -> None:
    print(
        f"Annex A checklist of {organization}, as of {checklist.as_of}, "
        f"rule set {checklist.ruleset_version}"
    )
    print()
    rows = checklist.gaps() if gaps_only else checklist.rows
    for row in rows:
        print(f"{row.clause:<8} {row.answer.value:<8} {row.rule_id:<44} {row.question}")
        if row.answer.value in {"No", "Partial"}:
            for f in row.findings:
                if not f.ok:
                    print(f"{'':<17} {f.subject_id}: {f.verdict.label.lower()}: {f.message}")
    answers = Counter(r.answer.value for r in checklist.rows)
    print()
    print(
        f"{len(checklist.rows)} questions: "
        + ", ".join(f"{answers.get(a, 0)} {a}" for a in ("Yes", "Partial", "No", "N/A"))
    )
    for rule_id, justification in checklist.excluded:
        print(f"excluded {rule_id}: {justification}")
    print(checklist.counting)


def _lifecycle(args: argparse.Namespace) -> int:
    from collabrel.lifecycle import Lifecycle

    fmt = _format(args, _PAGE_SUFFIXES, "listing")
    portfolio = _load(args.portfolio)
    org = portfolio.organization
    as_of = _today(args)
    lc = Lifecycle(_ruleset(args))
    if args.advance is not None:
        if fmt != "text":
            raise UsageError("--advance prints its answer as text; leave out --format and -o")
        if not args.approved_by:
            raise UsageError("--advance needs --approved-by PERSON (who approves the change)")
        rel = portfolio.relationship(args.advance)
        on: date = args.on or as_of
        try:
            moved = lc.advance(
                rel, org, on=on, approved_by=args.approved_by, co_approvers=args.co_approvers
            )
        except (GateBlockedError, TransitionNotAllowedError) as exc:
            lines = str(exc).splitlines()
            print(f"refused: {lines[0]}")
            for line in lines[1:]:
                print(line)
            return 1
        print(
            f"{rel.id} can advance from {rel.stage} to {moved.stage} on {on}, approved by "
            f"{args.approved_by}. Nothing was written: record the stage change in the "
            "portfolio file."
        )
        return 0
    from collabrel._render._pages import lifecycle_page

    page = lifecycle_page(portfolio, lc, as_of)
    if fmt != "text":
        _page(args, fmt, page)
        return 0

    def write(out: TextIO) -> None:
        out.write(f"Lifecycle of the relationships of {org.name}, as of {as_of}\n")
        for row in page.rows:
            out.write(f"\n{row['relationship_id']}: {row['stage_name']} ({row['name']})\n")
            if row["advance"] == "closed":
                out.write("  closed: no stage change is possible\n")
                continue
            out.write(f"  transitions: {', '.join(row['transitions'])}\n")
            if row["advance"] == "not from this stage":
                out.write(
                    "  advance: not from this stage (it is left by exit strategy activation)\n"
                )
            elif row["advance"] == "allowed":
                out.write(f"  advance to {row['next']}: allowed ({row['reasons'][0]})\n")
                out.write(f"  approved by: {row['approval']}\n")
            else:
                n = len(row["reasons"])
                out.write(
                    f"  advance to {row['next']}: blocked, {n} reason{'s' if n != 1 else ''}:\n"
                )
                out.writelines(f"    - {reason}\n" for reason in row["reasons"])

    _emit(args, fmt, write)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from collabrel._cli_rules import load_rule_file

    if str(args.file) == "-":
        portfolio = _read_stdin()
        print(f"<stdin>: valid portfolio, {len(portfolio.relationships)} relationships")
        return 0
    data, _ = read_document(args.file)
    if isinstance(data, dict) and "rules" in data and "organization" not in data:
        ruleset, exclusions = load_rule_file(args.file)
        extra = f" and {len(exclusions)} exclusions" if exclusions else ""
        print(f"{args.file}: valid rule file, {len(ruleset)} rules{extra}")
        return 0
    portfolio = load(args.file)
    print(f"{args.file}: valid portfolio, {len(portfolio.relationships)} relationships")
    return 0


def _example() -> Portfolio:
    """The bundled example; from its JSON copy when PyYAML is not installed (pip-only)."""
    import importlib.util

    if importlib.util.find_spec("yaml") is not None:
        return example_portfolio()
    from importlib import resources

    return load(Path(str(resources.files("collabrel") / "_data" / "example_portfolio.json")))


def _demo(args: argparse.Namespace) -> int:
    from collabrel._render import write_document, write_path
    from collabrel._render._doc import Document

    with _progress("loading the bundled example"):
        portfolio = _example()
    with _progress("evaluating"):
        session = Session(portfolio, as_of=args.as_of)
    doc = Document.of_session(session)
    write_document(doc, sys.stdout, "text")
    out: Path = args.output
    write_path(doc, out, "html")
    print()
    print(f"HTML report written to {out.resolve()}")
    return 0


def _maturity(args: argparse.Namespace) -> int:
    from collabrel import maturity
    from collabrel._render._pages import level_text, maturity_page

    fmt = _format(args, _PAGE_SUFFIXES, "table")
    portfolio = _load(args.portfolio)
    org = portfolio.organization
    as_of = _today(args)
    # Any: maturity types its input as a plain class, not a Protocol (reported upstream)
    assessment: Any = evaluate(portfolio, as_of=as_of)
    matrix = maturity.default_matrix()
    names = {t.key: t.name for t in matrix.themes}
    if args.subject is not None:
        subjects = [portfolio.relationship(args.subject)]
    else:
        scope = org.scope
        subjects = [
            r
            for r in portfolio.relationships
            if scope is None or scope.covers(r.id) or scope.application_level is None
        ]
    profiles = [
        (
            rel.id,
            rel.name,
            rel.stage,
            maturity.evidenced(assessment, rel.id, organization_id=org.id),
        )
        for rel in subjects
    ]
    if fmt != "text":
        _page(args, fmt, maturity_page(profiles, matrix, as_of))
        return 0

    def write(out: TextIO) -> None:
        out.write(f"Evidenced maturity ({matrix.name}), as of {as_of}\n")
        for rid, name, stage, profile in profiles:
            out.write(f"\n{rid} ({name}), {stage}\n")
            for tl in profile.levels:
                level = level_text(tl.level)
                out.write(
                    f"  {tl.theme:<5} {names.get(tl.theme, tl.theme):<40} {level:>3}  {tl.reason}\n"
                )

    _emit(args, fmt, write)
    return 0


def _report_of(path: Path, args: argparse.Namespace) -> Report:
    """A JSON report read back, or a portfolio file assessed as of --as-of."""
    from collabrel.reports import load_report

    if path.suffix.lower() == ".json":
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            head = None
        if isinstance(head, dict) and "format" in head:
            return load_report(path)
    portfolio = _load(path)
    with _progress(f"assessing {path}"):
        return report(portfolio, _ruleset(args), as_of=_today(args))


def _diff(args: argparse.Namespace) -> int:
    fmt = _format(args, _DIFF_SUFFIXES, "diff")
    if args.templates is not None and fmt != "html":
        raise UsageError("--templates is for HTML output; add --format html or -o FILE.html")
    difference = _report_of(args.before, args).diff(_report_of(args.after, args))

    def write(out: TextIO) -> None:
        if fmt == "json":
            ascii_only = out is sys.stdout
            out.write(json.dumps(difference.to_data(), indent=2, ensure_ascii=ascii_only) + "\n")
        elif fmt == "md":
            out.write(difference.to_markdown())
        elif fmt == "html":
            out.write(difference.to_html(templates=args.templates))
        else:
            out.write(difference.to_text())

    _emit(args, fmt, write)
    return 0


def _init(args: argparse.Namespace) -> int:
    from collabrel._starter import starter

    target: Path | None = args.file
    fmt = args.format
    if fmt is None:
        fmt = "json" if target is not None and target.suffix.lower() == ".json" else "yaml"
    if target is None:
        target = Path(f"portfolio.{fmt}")
    text = starter(fmt)
    if str(target) == "-":
        sys.stdout.write(text)
        return 0
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists already; give another FILE, or --force to overwrite")
    target.write_text(text, encoding="utf-8")
    print(f"Starter portfolio written to {target}. Fill it in, then run: collabrel assess {target}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from collabrel._schema import portfolio_schema
    from collabrel.reports import report_schema

    schema = portfolio_schema() if args.kind == "portfolio" else report_schema()
    text = json.dumps(schema, indent=2, ensure_ascii=args.output is None) + "\n"

    def write(out: TextIO) -> None:
        out.write(text)

    _emit(args, "json", write)
    return 0


# ------------------------------------------------------------------------------- store

_STORE_HELP = "a store: a SQLite file or a database URL such as postgresql://user@host/db"
_STORE = "a store (a SQLite file or a database URL)"


def _instant(text: str) -> datetime:
    """An ISO instant; without an offset it is UTC, and a bare date means the end of it."""
    try:
        if len(text) == 10:  # noqa: PLR2004 - YYYY-MM-DD
            day = date.fromisoformat(text)
            return datetime.combine(day, clock.max, tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        msg = f"not an instant: {text!r}; write it as YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]"
        raise argparse.ArgumentTypeError(msg) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _add_store_commands(sub: Any, readers: Sequence[argparse.ArgumentParser]) -> None:
    """Add ``--store``/``--at`` where a portfolio is read, and history, export, import."""
    for p in readers:
        p.add_argument("--store", metavar="URL", help=f"read PORTFOLIO by name from {_STORE}")
        p.add_argument("--at", type=_instant, metavar="TIME",
                       help="with --store: the portfolio as recorded at this instant (ISO; "
                       "UTC unless an offset is given; a bare date means its end)")  # fmt: skip
    history = sub.add_parser("history", help="who changed what, when and why, from a store")
    history.add_argument("name", metavar="PORTFOLIO", help="the portfolio's name in the store")
    history.add_argument("--store", metavar="URL", required=True, help=_STORE_HELP)
    history.add_argument("--subject", metavar="ID", help="one relationship or the organization")
    history.add_argument("--json", action="store_true", help="one JSON object per line")
    export = sub.add_parser("export", help="write a store's history as JSON Lines")
    export.add_argument("name", metavar="PORTFOLIO", nargs="?", help="one portfolio (or all)")
    export.add_argument("--store", metavar="URL", required=True, help=_STORE_HELP)
    export.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write to FILE instead of standard output")  # fmt: skip
    imp = sub.add_parser(
        "import", help="read a history (.jsonl) or save a portfolio file into a store"
    )
    imp.add_argument("file", type=Path, metavar="FILE",
                     help="a history (.jsonl), or a portfolio (YAML, JSON, TOML)")  # fmt: skip
    imp.add_argument("--store", metavar="URL", required=True, help=_STORE_HELP)
    imp.add_argument("--name", metavar="PORTFOLIO",
                     help="for a portfolio file: its name (default: organization id)")  # fmt: skip
    imp.add_argument("--actor", metavar="WHO", help="for a portfolio file: who (default: you)")
    imp.add_argument("--reason", default="", metavar="WHY", help="for a portfolio file: why")


def _open_store(url: str) -> Any:
    from collabrel.store import Store

    return Store(url)


def _read_from_store(args: argparse.Namespace) -> None:
    """With ``--store``, replace the PORTFOLIO argument by the portfolio read from the store."""
    url = getattr(args, "store", None)
    if url is None or args.command in _STORE_COMMANDS:
        if getattr(args, "at", None) is not None:
            raise UsageError("--at reads a store's history: give --store URL too")
        return
    if args.portfolio is None:
        return
    with _open_store(url) as store, _progress(f"reading {args.portfolio} from the store"):
        args.portfolio = store.portfolio(str(args.portfolio), at=args.at)


def _history(args: argparse.Namespace) -> int:
    with _open_store(args.store) as store:
        entries = store.history(args.name, args.subject)
    for e in entries:
        if args.json:
            row = {"seq": e.seq, "recorded_at": e.recorded_at.isoformat(), "actor": e.actor,
                   "reason": e.reason, "kind": e.kind, "subject": e.subject,
                   "version": e.version, "op": e.op, "changed_paths": list(e.changed_paths),
                   "effective_on": e.effective_on.isoformat() if e.effective_on else None,
                   "ruleset_version": e.ruleset_version}  # fmt: skip
            print(json.dumps(row, ensure_ascii=False))
            continue
        when = e.recorded_at.strftime("%Y-%m-%d %H:%M:%S")
        paths = ", ".join(e.changed_paths[:5]) + (" ..." if len(e.changed_paths) > 5 else "")  # noqa: PLR2004
        why = f"  ({e.reason})" if e.reason else ""
        change = f"{e.op:<6} {e.subject} v{e.version}: {paths}{why}"
        print(f"{e.seq:>5}  {when}Z  {e.actor:<12} {change}")
    return 0


def _export(args: argparse.Namespace) -> int:
    with _open_store(args.store) as store:
        if args.output is None:
            store.export_history(sys.stdout, name=args.name)
        else:
            lines = store.export_history(args.output, name=args.name)
            print(f"wrote {lines} lines to {args.output}")
    return 0


def _import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    with _open_store(args.store) as store:
        if args.file.suffix.lower() in {".jsonl", ".ndjson"}:
            names = store.import_history(args.file)
            print(f"imported the history of {', '.join(names) or 'no portfolio'}")
            return 0
        import getpass

        from collabrel.errors import UnknownSubjectError

        portfolio = _load(args.file)
        name = args.name or portfolio.organization.id
        try:
            based_on = store.snapshot(name)
        except UnknownSubjectError:
            based_on = None
        commit = store.save(portfolio, name=name, based_on=based_on,
                            actor=args.actor or getpass.getuser(), reason=args.reason)  # fmt: skip
    if commit.seq is None:
        print(f"{name}: nothing changed")
    else:
        print(f"{name}: change {commit.seq}, {len(commit.revisions)} subjects written")
    return 0


_STORE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "history": _history, "export": _export, "import": _import,
}  # fmt: skip


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "assess": _assess, "explain": _explain, "rules": _rules, "checklist": _checklist,
    "lifecycle": _lifecycle, "validate": _validate, "demo": _demo, "maturity": _maturity,
    "diff": _diff, "init": _init, "schema": _schema,
}  # fmt: skip
_COMMANDS.update(_STORE_COMMANDS)


def _error_lines(exc: BaseException) -> list[str]:
    if isinstance(exc, LoadError):
        if len(exc.problems) == 1 and exc.problems[0].path == "$":
            return [f"{exc.source}: {exc.problems[0]}".replace(": $: ", ": ", 1)]
        return str(exc).splitlines()
    if isinstance(exc, OSError) and exc.filename is not None:
        return [f"{exc.strerror or exc}: {exc.filename}"]
    return str(exc).splitlines() or [type(exc).__name__]


def _closed_output(exc: OSError) -> bool:
    """Whether *exc* comes from writing to a closed standard output, not from a file."""
    return exc.filename is None and exc.errno in {errno.EPIPE, errno.EBADF, errno.EINVAL}


def _silence_stdout() -> None:
    """Point file descriptor 1 at the null device, so the flush at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, _raw(sys.stdout).fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``collabrel`` command; return its exit status (see :data:`EXIT_CODES`)."""
    out, err = sys.stdout, sys.stderr
    if out is None:  # started with standard output closed (`collabrel ... >&-`)
        if err is not None:
            err.write("collabrel: error: standard output is closed; nothing can be printed\n")
        return 2
    sys.stdout = _Terminal(out)
    if err is not None:
        sys.stderr = _Terminal(err)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        _read_from_store(args)
        code = _COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed or broken output fails here, not silently at exit
    except KeyboardInterrupt:
        print("collabrel: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if not _closed_output(exc):
            return _report(exc, args.debug)
        _silence_stdout()
        if exc.errno != errno.EPIPE:  # a reader that went away (| head) needs no message
            print(f"collabrel: error: cannot write to standard output ({exc})", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - every error becomes one message and status 2
        return _report(exc, args.debug)
    return code


def _report(exc: Exception, debug: bool) -> int:
    """Print *exc* as ``collabrel: error: ...`` lines (or raise it with --debug); return 2."""
    if debug:
        raise exc
    lines = _error_lines(exc)
    if not isinstance(exc, CollabrelError | OSError | ValueError):
        lines[0] = (
            f"unexpected {type(exc).__name__}: {lines[0]} (run with --debug for the "
            "traceback, and please report it)"
        )
    print(f"collabrel: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(line, file=sys.stderr)
    return 2
