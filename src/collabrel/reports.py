"""Reports: one model of a portfolio assessment as of a date, rendered for people and machines.

A :class:`Report` holds everything an auditor needs from one evaluation: the scope statement
(4.3) and every exclusion with its justification, counts by verdict, clause, stage, level and
subject, and one :class:`ReportRow` per (requirement, subject) with the verdict, the evidence
read, the failing conditions with their actual and expected values, and the remedy.

The same model renders as Markdown, HTML (self-contained and printable), CSV, JSON (valid
against the published schema, :func:`report_schema`) and, with the ``xlsx`` extra, Excel. In
Jupyter a report displays itself, and :meth:`Report.to_frame` gives a pandas data frame.
Two reports compare with :meth:`Report.diff`.

Example:
    >>> from datetime import date
    >>> import collabrel
    >>> from collabrel.reports import report
    >>> r = report(collabrel.example_portfolio(), as_of=date(2026, 11, 23))
    >>> r.summary.overall.failed == len([row for row in r if row.verdict.value == "fail"])
    True
    >>> r.row("iso44001:6.1/current", "northbridge").verdict.label
    'Fail'
    >>> later = report(collabrel.example_portfolio(), as_of=date(2028, 11, 23))
    >>> len(r.diff(later).changed) > 0
    True

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from collabrel._config import Config
from collabrel._dates import date_field, require_date
from collabrel._mappings import clause_key
from collabrel._model import Portfolio
from collabrel._stages import Stage
from collabrel.errors import MissingExtraError, UnknownRuleError
from collabrel.rules import Assessment, Fact, Finding, GapKind, RuleSet, Verdict, evaluate
from collabrel.views import COUNTING, Score

__all__ = [
    "CLAUSE_NAMES",
    "FORMAT",
    "FailedCondition",
    "Report",
    "ReportDiff",
    "ReportExclusion",
    "ReportRow",
    "RowChange",
    "ScopeStatement",
    "ScopedRelationship",
    "Summary",
    "Tally",
    "diff_reports",
    "report",
    "report_schema",
]

FORMAT = "collabrel.report/1"
"""The format identifier written into every JSON report (bumped on incompatible changes)."""

CLAUSE_NAMES: dict[str, str] = {
    "4": "Context of the organization",
    "5": "Leadership",
    "6": "Planning",
    "7": "Support",
    "8": "Operation",
    "9": "Performance evaluation",
    "10": "Improvement",
}
"""The top-level clauses 4-10 of the common management-system structure, by number."""

_LEVEL_NAMES = {
    "ORG": "Organization (CBRMS)",
    "REL": "Relationship",
    "JNT": "Joint (every party)",
}
_NO_STAGE = "none"


# --------------------------------------------------------------------------- the model


@attrs.frozen(kw_only=True)
class FailedCondition:
    """One leaf condition that makes a rule fail or stay unknown: the "why" of a verdict."""

    condition: str
    """What the condition checks, in words."""
    path: str | None = None
    """The fact path it read, such as ``risk_register.last_reviewed_on``."""
    actual: str | None = None
    """The value found."""
    expected: str | None = None
    """What was required."""
    hint: str | None = None
    """What to do to make it hold."""

    def __str__(self) -> str:
        parts = [f"{self.path or self.condition}: actual {self.actual or 'n/a'}"]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.hint:
            parts.append(self.hint)
        return "; ".join(parts)


@attrs.frozen(kw_only=True)
class ReportRow:
    """One requirement on one subject: the verdict, its evidence, its explanation, the remedy."""

    rule_id: str
    """The rule (requirement) id, such as ``iso44001:6.1/current``."""
    clause: str
    """The ISO 44001 clause it evidences."""
    title: str
    """What is required, in our own words."""
    subject_id: str
    """The relationship id, or the organization id for organization rules."""
    subject_name: str
    """The subject's name."""
    level: str
    """``ORG``, ``REL`` or ``JNT``."""
    stage: Stage | None
    """The lifecycle stage the rule belongs to (``None`` for rules of no stage)."""
    mode: str
    """``arrangement`` (the arrangement exists) or ``executed`` (records show it ran)."""
    severity: str
    """``major``, ``minor`` or ``advisory``."""
    verdict: Verdict
    """PASS, FAIL, NOT_APPLICABLE, UNKNOWN or ERROR."""
    message: str
    """Why, in a sentence."""
    remedy: str
    """What to do when it is not met."""
    evidence: tuple[Fact, ...] = ()
    """The facts the rule read, with their values."""
    explanation: tuple[FailedCondition, ...] = ()
    """The failing leaf conditions (empty for PASS and NOT_APPLICABLE)."""
    error: str | None = None
    """For ERROR, the exception the custom rule raised."""
    tags: tuple[str, ...] = ()
    """The rule's tags, sorted (``annex-a``, ``iso44003:p12`` ...)."""
    exclusion: str | None = None
    """The justification of a scope exclusion naming this requirement (4.3), if any.

    The verdict stands; the exclusion is shown beside it for the auditor to weigh.
    """
    gap: GapKind | None = None
    """For FAIL and UNKNOWN: an open gate item (work of the relationship's current stage) or a
    nonconformity (:attr:`collabrel.rules.Finding.gap`)."""

    @property
    def ok(self) -> bool:
        """Whether nothing needs doing: PASS or NOT_APPLICABLE."""
        return self.verdict in {Verdict.PASS, Verdict.NOT_APPLICABLE}

    @property
    def key(self) -> tuple[str, str]:
        """The row's identity across reports: ``(rule_id, subject_id)``."""
        return (self.rule_id, self.subject_id)

    @property
    def top_clause(self) -> str:
        """The top-level clause, ``"4"`` to ``"10"``."""
        return self.clause.split(".", 1)[0]

    @classmethod
    def from_finding(
        cls, finding: Finding, *, subject_name: str | None = None, exclusion: str | None = None
    ) -> ReportRow:
        """Build a row from a rule finding."""
        leaves = finding.explanation.failing if finding.explanation is not None else ()
        return cls(
            rule_id=finding.rule_id,
            clause=finding.clause,
            title=finding.title,
            subject_id=finding.subject_id,
            subject_name=subject_name if subject_name is not None else finding.subject_id,
            level=finding.level,
            stage=finding.stage,
            mode=finding.mode,
            severity=finding.severity,
            verdict=finding.verdict,
            message=finding.message,
            remedy=finding.remedy,
            evidence=finding.facts,
            explanation=tuple(
                FailedCondition(
                    condition=leaf.node,
                    path=leaf.path,
                    actual=leaf.actual,
                    expected=leaf.expected,
                    hint=leaf.hint,
                )
                for leaf in leaves
            ),
            error=finding.error,
            tags=tuple(sorted(finding.tags)),
            exclusion=exclusion,
            gap=finding.gap,
        )


@attrs.frozen(kw_only=True)
class ReportExclusion:
    """A requirement excluded from the assessment, with its justification."""

    requirement: str
    """The rule id or clause excluded."""
    source: str
    """``scope`` (the organization's CBRMS scope, 4.3) or ``ruleset`` (left out of the rules)."""
    justification: str
    """Why it does not apply."""
    title: str | None = None
    """The excluded rule's title, when known."""
    clause: str | None = None
    """The excluded rule's clause, when known."""
    approved_by: str | None = None
    """Who approved the exclusion (scope exclusions)."""
    approved_on: date | None = None
    """When it was approved (scope exclusions)."""


@attrs.frozen(kw_only=True)
class ScopedRelationship:
    """A relationship of the portfolio and whether the CBRMS scope covers it."""

    id: str
    """The relationship id."""
    name: str
    """Its name."""
    stage: Stage
    """Its lifecycle stage."""
    in_scope: bool
    """Whether the scope covers it (relationship rules are NOT_APPLICABLE outside it)."""


@attrs.frozen(kw_only=True)
class ScopeStatement:
    """The scope of the CBRMS (4.3) as assessed: application level, units, relationships."""

    organization_id: str
    """The organization's id."""
    organization_name: str
    """The organization's name."""
    application_level: str | None = None
    """``single_application``, ``individual_relationship``, ``multiple_relationships``,
    ``organization_wide``, or ``None`` when no scope is recorded."""
    document_id: str | None = None
    """The controlled document that holds the scope."""
    units: tuple[str, ...] = ()
    """The organizational units covered."""
    relationships: tuple[ScopedRelationship, ...] = ()
    """Every relationship of the portfolio, in scope or not."""
    last_reviewed_on: date | None = None
    """When the scope was last reviewed."""

    @property
    def in_scope(self) -> tuple[ScopedRelationship, ...]:
        """The relationships the scope covers."""
        return tuple(r for r in self.relationships if r.in_scope)

    @property
    def out_of_scope(self) -> tuple[ScopedRelationship, ...]:
        """The relationships the scope does not cover."""
        return tuple(r for r in self.relationships if not r.in_scope)

    @property
    def statement(self) -> str:
        """The scope as one sentence."""
        total = len(self.relationships)
        covered = len(self.in_scope)
        if self.application_level is None:
            return (
                f"No CBRMS scope is recorded for {self.organization_name} (4.3); all {total} "
                "relationships are assessed."
            )
        level = self.application_level.replace("_", " ")
        doc = f" (document {self.document_id})" if self.document_id else ""
        return (
            f"The CBRMS of {self.organization_name} applies at the level '{level}'{doc}: "
            f"{covered} of {total} relationships are in scope."
        )


@attrs.frozen(kw_only=True)
class Tally:
    """The findings of one group (a clause, stage, level or subject) counted by verdict."""

    key: str
    """The group: ``"8"``, ``"5"`` (stage), ``"none"``, ``"ORG"``, a subject id."""
    label: str
    """Its name for people."""
    score: Score
    """The findings counted, with the share met."""


@attrs.frozen(kw_only=True)
class Summary:
    """Counts of the findings: overall, and by clause, stage, level and subject."""

    overall: Score
    """Every finding counted by verdict."""
    by_clause: tuple[Tally, ...]
    """By top-level clause 4 to 10, in clause order."""
    by_stage: tuple[Tally, ...]
    """By lifecycle stage of the rule (key ``"none"`` for rules of no stage)."""
    by_level: tuple[Tally, ...]
    """By level: ORG, REL, JNT."""
    by_subject: tuple[Tally, ...]
    """By subject: the organization first, then the relationships in portfolio order."""

    @property
    def by_verdict(self) -> dict[Verdict, int]:
        """How many findings have each verdict."""
        s = self.overall
        return {
            Verdict.PASS: s.passed,
            Verdict.FAIL: s.failed,
            Verdict.NOT_APPLICABLE: s.not_applicable,
            Verdict.UNKNOWN: s.unknown,
            Verdict.ERROR: s.error,
        }

    @classmethod
    def of(cls, rows: Iterable[ReportRow], *, subject_order: Iterable[str] = ()) -> Summary:
        """Count *rows*; subjects come in *subject_order*, then in order of appearance."""
        rows = tuple(rows)
        clause: dict[str, list[_Counted]] = {}
        stage: dict[str, list[_Counted]] = {}
        level: dict[str, list[_Counted]] = {}
        subject: dict[str, list[_Counted]] = {k: [] for k in subject_order}
        stage_labels: dict[str, str] = {}
        names: dict[str, str] = {}
        for row in rows:
            v = (row.verdict, row.gap)
            clause.setdefault(row.top_clause, []).append(v)
            skey = _stage_key(row.stage)
            stage_labels[skey] = _stage_label(row.stage)
            stage.setdefault(skey, []).append(v)
            level.setdefault(row.level, []).append(v)
            subject.setdefault(row.subject_id, []).append(v)
            names[row.subject_id] = row.subject_name
        return cls(
            overall=_score((r.verdict, r.gap) for r in rows),
            by_clause=tuple(
                Tally(key=k, label=CLAUSE_NAMES.get(k, f"Clause {k}"), score=_score(v))
                for k, v in sorted(clause.items(), key=lambda kv: clause_key(kv[0]))
            ),
            by_stage=tuple(
                Tally(key=k, label=stage_labels[k], score=_score(v))
                for k, v in sorted(stage.items(), key=lambda kv: _stage_sort(kv[0]))
            ),
            by_level=tuple(
                Tally(key=k, label=_LEVEL_NAMES.get(k, k), score=_score(v))
                for k, v in sorted(level.items(), key=lambda kv: _level_sort(kv[0]))
            ),
            by_subject=tuple(
                Tally(key=k, label=names.get(k, k), score=_score(v))
                for k, v in subject.items()
                if v
            ),
        )


_Counted = tuple[Verdict, GapKind | None]


def _score(counted: Iterable[_Counted]) -> Score:
    items = tuple(counted)
    c = Counter(v for v, _ in items)
    gaps = Counter(g for _, g in items)
    return Score(
        passed=c[Verdict.PASS],
        failed=c[Verdict.FAIL],
        unknown=c[Verdict.UNKNOWN],
        error=c[Verdict.ERROR],
        not_applicable=c[Verdict.NOT_APPLICABLE],
        nonconformities=gaps[GapKind.NONCONFORMITY],
        open_gate_items=gaps[GapKind.OPEN_GATE_ITEM],
    )


@attrs.frozen(kw_only=True)
class Report:
    """An assessment of a portfolio as of a date, as one model for every output format.

    Build it with :func:`report` or :meth:`from_assessment`; render it with
    :meth:`to_markdown`, :meth:`to_html`, :meth:`to_csv`, :meth:`to_json`, :meth:`to_xlsx`
    or :meth:`to_frame`; compare two with :meth:`diff`.

    Example:
        >>> from datetime import date
        >>> import collabrel
        >>> from collabrel.reports import report
        >>> r = report(collabrel.example_portfolio(), as_of=date(2026, 11, 23))
        >>> [row.rule_id for row in r.failed()][:1]
        ['iso44001:6.1/current']
    """

    title: str
    """A title for the report."""
    as_of: date = date_field()
    """The evaluation date."""
    ruleset_version: str
    """The version of the rule set that produced the findings."""
    generator: str
    """The software that produced the report, such as ``collabrel 0.1.0``."""
    scope: ScopeStatement
    """The scope statement (4.3)."""
    exclusions: tuple[ReportExclusion, ...]
    """Every exclusion: the scope's (4.3) first, then the rule set's, with justifications."""
    summary: Summary
    """The counts."""
    rows: tuple[ReportRow, ...]
    """One row per (requirement, subject), in clause order."""
    counting: str = COUNTING
    """How NOT_APPLICABLE, UNKNOWN and ERROR count in the shares."""

    # ------------------------------------------------------------------- construction

    @classmethod
    def from_assessment(
        cls, assessment: Assessment, portfolio: Portfolio, *, title: str | None = None
    ) -> Report:
        """Build the report of *assessment*, an evaluation of *portfolio*.

        The portfolio supplies the names, the scope statement and the scope exclusions.
        """
        org = portfolio.organization
        names = {org.id: org.name} | {r.id: r.name for r in portfolio.relationships}
        scope = _scope_statement(portfolio)
        scope_exclusions = org.scope.exclusions if org.scope is not None else ()
        exclusions = tuple(
            ReportExclusion(requirement=e.requirement, source="scope",
                            justification=e.justification, approved_by=e.approved_by,
                            approved_on=e.approved_on)
            for e in scope_exclusions
        ) + tuple(
            ReportExclusion(requirement=e.rule_id, source="ruleset", justification=e.justification,
                            title=e.title, clause=e.clause)
            for e in assessment.exclusions
        )  # fmt: skip
        excluded = {e.requirement: e.justification for e in scope_exclusions}
        order = {sid: i for i, sid in enumerate(names)}
        first_seen: dict[str, int] = {}
        for i, f in enumerate(assessment.findings):
            first_seen.setdefault(f.rule_id, i)
        findings = sorted(
            assessment.findings,
            key=lambda f: (clause_key(f.clause), first_seen[f.rule_id],
                           order.get(f.subject_id, len(order)), f.subject_id),
        )  # fmt: skip
        rows = tuple(
            ReportRow.from_finding(
                f, subject_name=names.get(f.subject_id), exclusion=_exclusion_for(f, excluded)
            )
            for f in findings
        )
        return cls(
            title=title or f"ISO 44001 assessment of {org.name}",
            as_of=assessment.as_of,
            ruleset_version=assessment.ruleset_version,
            generator=_generator(),
            scope=scope,
            exclusions=exclusions,
            summary=Summary.of(rows, subject_order=names),
            rows=rows,
        )

    # ----------------------------------------------------------------------- queries

    def __iter__(self) -> Iterator[ReportRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def failed(self) -> tuple[ReportRow, ...]:
        """The rows to act on: FAIL, UNKNOWN and ERROR."""
        return tuple(r for r in self.rows if not r.ok)

    def nonconformities(self) -> tuple[ReportRow, ...]:
        """The FAIL and UNKNOWN rows that are nonconformities."""
        return tuple(r for r in self.rows if r.gap is GapKind.NONCONFORMITY)

    def open_gate_items(self) -> tuple[ReportRow, ...]:
        """The FAIL and UNKNOWN rows that are open gate items (current-stage work)."""
        return tuple(r for r in self.rows if r.gap is GapKind.OPEN_GATE_ITEM)

    def row(self, rule_id: str, subject_id: str) -> ReportRow:
        """Return the row of *rule_id* on *subject_id*.

        Raises:
            UnknownRuleError: when the report has no such row.
        """
        for r in self.rows:
            if r.rule_id == rule_id and r.subject_id == subject_id:
                return r
        raise UnknownRuleError(f"the report has no row for rule {rule_id!r} on {subject_id!r}")

    def diff(self, other: Report) -> ReportDiff:
        """Compare this report (before) with *other* (after); see :func:`diff_reports`."""
        return diff_reports(self, other)

    # --------------------------------------------------------------------- rendering

    def to_data(self) -> dict[str, Any]:
        """Return the report as plain JSON-compatible data (what :meth:`to_json` writes)."""
        from collabrel._render._data import report_data

        return report_data(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the report as JSON, valid against :func:`report_schema`."""
        return json.dumps(self.to_data(), indent=indent, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        """Return the report as Markdown: scope, exclusions, counts, then every row by clause."""
        from collabrel._render._markdown import report_markdown

        return report_markdown(self)

    def to_html(self) -> str:
        """Return the report as one self-contained, printable HTML page.

        The styles are inline, there are no scripts and no external assets, and every text
        from the data is escaped.
        """
        from collabrel._render._html import report_html

        return report_html(self, full=True)

    def _repr_html_(self) -> str:
        """Display a compact report in Jupyter: counts and the rows to act on."""
        from collabrel._render._html import report_html

        return report_html(self, full=False)

    def to_csv(self) -> str:
        """Return the rows as CSV, one line per (requirement, subject).

        The columns are the row fields plus ``as_of`` and ``ruleset_version``; evidence and
        explanation are joined with `` | ``. Cells that a spreadsheet would run as a formula
        (starting with ``=``, ``+``, ``-`` or ``@``) are prefixed with ``'``.
        """
        from collabrel._render._tabular import report_csv

        return report_csv(self)

    def to_records(self) -> list[dict[str, Any]]:
        """Return one flat dictionary per row (the columns of :meth:`to_csv`)."""
        from collabrel._render._tabular import records

        return records(self)

    def to_frame(self) -> Any:
        """Return the rows as a ``pandas.DataFrame`` (the columns of :meth:`to_csv`).

        Raises:
            ImportError: (a :class:`~collabrel.errors.CollabrelError`) when pandas is not
                installed; install the ``jupyter`` extra.
        """
        pandas = _optional("pandas", "Report.to_frame()", "jupyter")
        return pandas.DataFrame.from_records(self.to_records())

    def to_xlsx(self, path: str | Path) -> Path:
        """Write the report as an Excel workbook (sheets Findings, Summary, Scope); return the path.

        Raises:
            ImportError: (a :class:`~collabrel.errors.CollabrelError`) when openpyxl is not
                installed; install the ``xlsx`` extra.
        """
        openpyxl = _optional("openpyxl", "Report.to_xlsx()", "xlsx")
        from collabrel._render._tabular import write_xlsx

        target = Path(path)
        write_xlsx(self, target, openpyxl)
        return target


# ------------------------------------------------------------------------------ diffs


@attrs.frozen(kw_only=True)
class RowChange:
    """A row whose verdict differs between two reports, or that only one of them has."""

    rule_id: str
    """The rule."""
    clause: str
    """Its clause."""
    title: str
    """Its title."""
    subject_id: str
    """The subject."""
    before: Verdict | None
    """The verdict in the first report (``None`` when the row is new)."""
    after: Verdict | None
    """The verdict in the second report (``None`` when the row is gone)."""
    message: str
    """Why, from the report that has the row (the second one when both do)."""

    @property
    def kind(self) -> str:
        """``changed``, ``added`` or ``removed``."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


@attrs.frozen(kw_only=True)
class ReportDiff:
    """What changed between two reports: verdicts, rows added or removed, and the counts."""

    before_as_of: date = date_field()
    """The evaluation date of the first report."""
    after_as_of: date = date_field()
    """The evaluation date of the second report."""
    before_ruleset_version: str
    """The rule set version of the first report."""
    after_ruleset_version: str
    """The rule set version of the second report."""
    changed: tuple[RowChange, ...]
    """Rows in both reports whose verdict changed."""
    added: tuple[RowChange, ...]
    """Rows only in the second report."""
    removed: tuple[RowChange, ...]
    """Rows only in the first report."""
    before: Score
    """The counts of the first report."""
    after: Score
    """The counts of the second report."""

    def __bool__(self) -> bool:
        return bool(self.changed or self.added or self.removed)

    @property
    def worse(self) -> tuple[RowChange, ...]:
        """The changed rows that went from PASS or NOT_APPLICABLE to something to act on."""
        fine = {Verdict.PASS, Verdict.NOT_APPLICABLE}
        return tuple(c for c in self.changed if c.before in fine and c.after not in fine)

    @property
    def better(self) -> tuple[RowChange, ...]:
        """The changed rows that went from something to act on to PASS or NOT_APPLICABLE."""
        fine = {Verdict.PASS, Verdict.NOT_APPLICABLE}
        return tuple(c for c in self.changed if c.before not in fine and c.after in fine)

    def to_data(self) -> dict[str, Any]:
        """Return the diff as plain JSON-compatible data."""
        from collabrel._render._data import diff_data

        return diff_data(self)

    def to_markdown(self) -> str:
        """Return the diff as Markdown: counts before and after, then each change."""
        from collabrel._render._markdown import diff_markdown

        return diff_markdown(self)

    def __str__(self) -> str:
        return self.to_markdown()


def diff_reports(before: Report, after: Report) -> ReportDiff:
    """Compare two reports row by row, keyed by ``(rule_id, subject_id)``.

    Example:
        >>> from datetime import date
        >>> import collabrel
        >>> from collabrel.reports import diff_reports, report
        >>> p = collabrel.example_portfolio()
        >>> before = report(p, as_of=date(2026, 11, 23))
        >>> d = diff_reports(before, report(p, as_of=date(2028, 11, 23)))
        >>> d.before.failed < d.after.failed
        True
    """
    old = {r.key: r for r in before.rows}
    new = {r.key: r for r in after.rows}

    def change(a: ReportRow | None, b: ReportRow | None) -> RowChange:
        src = b if b is not None else a
        assert src is not None  # noqa: S101 - one of the two always exists
        return RowChange(
            rule_id=src.rule_id, clause=src.clause, title=src.title, subject_id=src.subject_id,
            before=a.verdict if a is not None else None,
            after=b.verdict if b is not None else None, message=src.message,
        )  # fmt: skip

    return ReportDiff(
        before_as_of=before.as_of,
        after_as_of=after.as_of,
        before_ruleset_version=before.ruleset_version,
        after_ruleset_version=after.ruleset_version,
        changed=tuple(
            change(r, new[k]) for k, r in old.items() if k in new and new[k].verdict != r.verdict
        ),
        added=tuple(change(None, r) for k, r in new.items() if k not in old),
        removed=tuple(change(r, None) for k, r in old.items() if k not in new),
        before=before.summary.overall,
        after=after.summary.overall,
    )


# ------------------------------------------------------------------------- functions


def report(
    portfolio: Portfolio,
    ruleset: RuleSet | None = None,
    *,
    as_of: date,
    config: Config | None = None,
    title: str | None = None,
) -> Report:
    """Evaluate *portfolio* as of a date and return its :class:`Report`.

    The rule set defaults to the built-in ISO 44001 rules, the config to the defaults.

    Raises:
        NotADateError: when *as_of* is not a date (a datetime, a text or ``None``).

    Example:
        >>> from datetime import date
        >>> import collabrel
        >>> r = report(collabrel.example_portfolio(), as_of=date(2026, 11, 23))
        >>> r.scope.application_level
        'multiple_relationships'
    """
    as_of = require_date(as_of, "as_of")
    assessment = evaluate(portfolio, ruleset, as_of=as_of, config=config)
    return Report.from_assessment(assessment, portfolio, title=title)


def report_schema() -> dict[str, Any]:
    """Return the published JSON Schema (draft 2020-12) that every JSON report is valid against.

    Each call returns a fresh copy, which the caller may change.
    """
    result: dict[str, Any] = json.loads(_schema_text())
    return result


@cache
def _schema_text() -> str:
    return (resources.files("collabrel") / "_data" / "report.schema.json").read_text("utf-8")


# --------------------------------------------------------------------------- helpers


def _optional(module: str, feature: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        msg = f"{feature} needs {module}, which is not installed: pip install 'collabrel[{extra}]'"
        raise MissingExtraError(msg) from exc


@cache
def _generator() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"collabrel {version('collabrel')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree only
        return "collabrel"


def _scope_statement(portfolio: Portfolio) -> ScopeStatement:
    org = portfolio.organization
    scope = org.scope
    level = scope.application_level.value if scope and scope.application_level else None
    everything = scope is None or level in {None, "organization_wide"}
    covered = set(scope.relationships_in_scope) if scope is not None else set()
    rels = tuple(
        ScopedRelationship(id=r.id, name=r.name, stage=r.stage,
                           in_scope=everything or r.id in covered)
        for r in portfolio.relationships
    )  # fmt: skip
    return ScopeStatement(
        organization_id=org.id,
        organization_name=org.name,
        application_level=level,
        document_id=scope.document_id if scope is not None else None,
        units=scope.units if scope is not None else (),
        relationships=rels,
        last_reviewed_on=scope.last_reviewed_on if scope is not None else None,
    )


def _exclusion_for(finding: Finding, excluded: dict[str, str]) -> str | None:
    if not excluded:
        return None
    for key in (finding.rule_id, finding.rule_id.split("/", 1)[0], finding.clause):
        if key in excluded:
            return excluded[key]
    return None


def _stage_key(stage: Stage | None) -> str:
    return _NO_STAGE if stage is None else str(int(stage))


def _stage_label(stage: Stage | None) -> str:
    if stage is None:
        return "No stage (organization-wide or every stage)"
    return str(stage)[0].upper() + str(stage)[1:]


def _stage_sort(key: str) -> tuple[int, int]:
    return (1, 0) if key == _NO_STAGE else (0, int(key))


def _level_sort(key: str) -> tuple[int, str]:
    order = list(_LEVEL_NAMES)
    return (order.index(key), key) if key in order else (len(order), key)
