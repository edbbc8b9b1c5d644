"""Reports: one model of a portfolio assessment as of a date, rendered for people and machines.

A :class:`Report` holds everything an auditor needs from one evaluation: the scope statement
(4.3) and every exclusion with its justification, counts by verdict, clause, stage, level and
subject, and one :class:`ReportRow` per (requirement, subject) with the verdict, the evidence
read, the failing conditions with their actual and expected values, and the remedy.

The same model renders as text, Markdown, HTML (self-contained and printable, from Jinja2
templates an organization can replace for its branding, its own run sandboxed), CSV, JSON
(valid against the published schema, :func:`report_schema`) and, with the ``xlsx`` extra,
Excel. In Jupyter a report displays itself, and :meth:`Report.to_frame` gives a pandas data
frame. Two reports compare with :meth:`Report.diff`.

:meth:`Report.actions` is the action view: only what needs action (FAIL, UNKNOWN, ERROR), by
subject, with nonconformities apart from the open gate items of a relationship's current
stage, by clause, the remedy beside the verdict, and an owner and due date where the data
has them. :func:`write_report` writes either view straight from a
:class:`~collabrel.rules.Session`, subject by subject, in bounded memory whatever the size of
the portfolio.

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

import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import attrs

from collabrel._config import Config
from collabrel._dates import date_field, require_date
from collabrel._mappings import clause_key
from collabrel._model import Portfolio
from collabrel._stages import Stage
from collabrel.errors import LoadError, MissingExtraError, Problem, UnknownRuleError, UsageError
from collabrel.rules import (
    Assessment,
    Fact,
    Finding,
    GapKind,
    RuleExclusion,
    RuleSet,
    Session,
    Verdict,
    evaluate,
)
from collabrel.views import COUNTING, Score

__all__ = [
    "CLAUSE_NAMES",
    "FORMAT",
    "FORMATS",
    "VIEWS",
    "ActionView",
    "ClauseActions",
    "FailedCondition",
    "Progress",
    "Report",
    "ReportDiff",
    "ReportExclusion",
    "ReportRow",
    "RowChange",
    "ScopeStatement",
    "ScopedRelationship",
    "SubjectActions",
    "Summary",
    "Tally",
    "default_title",
    "diff_reports",
    "html_templates",
    "load_report",
    "report",
    "report_schema",
    "stage_key",
    "stage_label",
    "write_report",
]

Progress = Callable[[int, int | None], None]
"""A callback ``progress(done, total)``: subjects written so far and how many there are (the
same shape as the ``progress=`` hook of loading)."""

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

_sorted_tags: dict[frozenset[str], tuple[str, ...]] = {}
"""Each set of tags a finding carried, sorted (a rule's findings all share its set)."""
_SORTED_TAGS = 4096
"""How many sets of tags :data:`_sorted_tags` keeps before it starts again."""

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
    """The justification of the scope exclusion (4.3) that takes this rule out for this
    subject, if any: the clause or rule it names covers the rule, and it is not limited to
    other relationships. The verdict is then NOT_APPLICABLE, with the exclusion as its reason.
    """
    subject_stage: Stage | None = None
    """The relationship's lifecycle stage when it was assessed (``None`` for the organization)."""
    gap: GapKind | None = None
    """For FAIL and UNKNOWN: an open gate item (work of the relationship's current stage) or a
    nonconformity (:attr:`collabrel.rules.Finding.gap`)."""
    owner: str | None = None
    """Who acts on a row that needs action, where the data says: the owner of an open
    corrective action tracking it (10.1), else the senior executive responsible."""
    due_on: date | None = None
    """By when, where the data says: the due date of the tracking corrective action."""
    tracked_by: str | None = None
    """The id of the open nonconformity record (10.1) that tracks this row, if any."""

    @property
    def ok(self) -> bool:
        """Whether nothing needs doing: PASS or NOT_APPLICABLE."""
        verdict = self.verdict  # compared by identity: an enum member hashes in Python
        return verdict is Verdict.PASS or verdict is Verdict.NOT_APPLICABLE

    @property
    def key(self) -> tuple[str, str]:
        """The row's identity across reports: ``(rule_id, subject_id)``."""
        return (self.rule_id, self.subject_id)

    @property
    def top_clause(self) -> str:
        """The top-level clause, ``"4"`` to ``"10"``."""
        return self.clause.split(".", 1)[0]

    @property
    def kind(self) -> str | None:
        """What the row asks for: ``nonconformity``, ``open_gate_item``, ``error`` or ``None``."""
        if self.verdict is Verdict.ERROR:
            return "error"
        return self.gap.value if self.gap is not None else None

    @classmethod
    def from_finding(
        cls,
        finding: Finding,
        *,
        subject_name: str | None = None,
        exclusion: str | None = None,
        subject_stage: Stage | None = None,
        owner: str | None = None,
        due_on: date | None = None,
        tracked_by: str | None = None,
    ) -> ReportRow:
        """Build a row from a rule finding (the other fields come from the portfolio)."""
        leaves = finding.explanation.failing if finding.explanation is not None else ()
        tags = _sorted_tags.get(finding.tags)
        if tags is None:
            if len(_sorted_tags) >= _SORTED_TAGS:
                _sorted_tags.clear()
            tags = _sorted_tags[finding.tags] = tuple(sorted(finding.tags))
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
            )
            if leaves
            else (),
            error=finding.error,
            tags=tags,
            exclusion=exclusion,
            subject_stage=subject_stage,
            gap=finding.gap,
            owner=owner,
            due_on=due_on,
            tracked_by=tracked_by,
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
        from collabrel._render._source import Tallies

        tallies = Tallies(subject_order)
        for row in rows:
            tallies.add_row(row)
        return cls.from_counters(tallies)

    @classmethod
    def from_counters(cls, tallies: Any) -> Summary:
        """Build the summary from running counts (see :func:`write_report`)."""
        return cls(
            overall=_score_of(tallies.overall.verdicts, tallies.overall.gaps),
            by_clause=tuple(
                Tally(
                    key=k,
                    label=CLAUSE_NAMES.get(k, f"Clause {k}"),
                    score=_score_of(c.verdicts, c.gaps),
                )
                for k, c in sorted(tallies.clause.items(), key=lambda kv: clause_key(kv[0]))
            ),
            by_stage=tuple(
                Tally(key=k, label=tallies.stage_labels[k], score=_score_of(c.verdicts, c.gaps))
                for k, c in sorted(tallies.stage.items(), key=lambda kv: _stage_sort(kv[0]))
            ),
            by_level=tuple(
                Tally(key=k, label=_LEVEL_NAMES.get(k, k), score=_score_of(c.verdicts, c.gaps))
                for k, c in sorted(tallies.level.items(), key=lambda kv: _level_sort(kv[0]))
            ),
            by_subject=tuple(
                Tally(key=k, label=tallies.names.get(k, k), score=_score_of(c.verdicts, c.gaps))
                for k, c in tallies.subject.items()
                if c
            ),
        )


def _score_of(c: Counter[Verdict], gaps: Counter[GapKind] | None = None) -> Score:
    gaps = gaps if gaps is not None else Counter()
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

        The portfolio supplies the names, stages, owners, the scope statement and the scope
        exclusions. Rows come subject by subject (the organization first, then the
        relationships in portfolio order), each subject's in clause order.
        """
        from collabrel._render._source import RowContext, row_order

        context = RowContext(portfolio)
        rule_order: dict[str, int] = {}
        by_subject: dict[str, list[Finding]] = {sid: [] for sid in context.order}
        for f in assessment.findings:
            rule_order.setdefault(f.rule_id, len(rule_order))
            by_subject.setdefault(f.subject_id, []).append(f)
        rows = tuple(
            context.row(f)
            for findings in by_subject.values()
            for f in row_order(findings, rule_order)
        )
        return cls(
            title=title or default_title(portfolio),
            as_of=assessment.as_of,
            ruleset_version=assessment.ruleset_version,
            generator=_generator(),
            scope=_scope_statement(portfolio),
            exclusions=_exclusions(portfolio, assessment.exclusions),
            summary=Summary.of(rows, subject_order=context.order),
            rows=rows,
        )

    # ----------------------------------------------------------------------- queries

    def __iter__(self) -> Iterator[ReportRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return (
            f"<Report {self.title!r} as of {self.as_of}, rule set {self.ruleset_version}: "
            f"{len(self.rows)} rows, {self.summary.overall}>"
        )

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

    def actions(self) -> ActionView:
        """Return the action view: only what needs action, by subject, then kind, then clause."""
        from collabrel._render._actions import group_actions

        return ActionView(
            title=self.title,
            as_of=self.as_of,
            ruleset_version=self.ruleset_version,
            generator=self.generator,
            scope=self.scope,
            exclusions=self.exclusions,
            summary=self.summary,
            subjects=tuple(group_actions(self.failed())),
            counting=self.counting,
        )

    def diff(self, other: Report) -> ReportDiff:
        """Compare this report (before) with *other* (after); see :func:`diff_reports`."""
        return diff_reports(self, other)

    # --------------------------------------------------------------------- rendering

    def write(
        self,
        out: TextIO,
        *,
        format: str = "md",  # noqa: A002 - the word users know
        templates: str | Path | None = None,
    ) -> None:
        """Write the report to the text stream *out* as it renders, in one of :data:`FORMATS`.

        ``xlsx`` is binary: use :meth:`to_xlsx`. *templates* is a folder of HTML templates
        that replace the built-in ones (see :func:`html_templates`).
        """
        from collabrel._render import write_document
        from collabrel._render._doc import Document

        write_document(Document.of_report(self), out, format, templates=templates)

    def to_data(self) -> dict[str, Any]:
        """Return the report as plain JSON-compatible data (what :meth:`to_json` writes)."""
        from collabrel._render._data import report_data

        return report_data(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the report as JSON, valid against :func:`report_schema`."""
        if indent != 2:  # noqa: PLR2004 - the streamed layout is the default one
            return json.dumps(self.to_data(), indent=indent, ensure_ascii=False) + "\n"
        return self._text("json")

    def to_markdown(self) -> str:
        """Return the report as Markdown: summary, what needs action, scope, then every row."""
        return self._text("md")

    def to_text(self) -> str:
        """Return the report as plain text: the summary and what needs action."""
        return self._text("text")

    def to_html(self, *, templates: str | Path | None = None) -> str:
        """Return the report as one self-contained, printable HTML page.

        The page has no scripts and no external assets, and every text from the data is
        escaped. *templates* is a folder of templates that replace the built-in ones (an
        organization's branding, see :func:`html_templates`).
        """
        return self._text("html", templates=templates)

    def _text(self, fmt: str, *, templates: str | Path | None = None) -> str:
        buf = io.StringIO()
        self.write(buf, format=fmt, templates=templates)
        return buf.getvalue()

    def _repr_html_(self) -> str:
        """Display a compact report in Jupyter: counts and the first rows to act on."""
        from collabrel._render._html import report_fragment

        return report_fragment(self)

    def to_csv(self) -> str:
        """Return the rows as CSV, one line per (requirement, subject).

        The columns are :data:`~collabrel.reports.COLUMNS`; evidence and explanation are
        joined with `` | ``. Cells that a spreadsheet would run as a formula (starting with
        ``=``, ``+``, ``-`` or ``@``) are prefixed with ``'``.
        """
        return self._text("csv")

    def to_records(self) -> list[dict[str, Any]]:
        """Return one flat dictionary per row (the columns of :meth:`to_csv`)."""
        from collabrel._render._tabular import records

        return list(records(self.rows, as_of=self.as_of, version=self.ruleset_version))

    def to_frame(self) -> Any:
        """Return the rows as a ``pandas.DataFrame`` (the columns of :meth:`to_csv`).

        Verdict, level, kind and severity are categorical, stages nullable integers, dates
        dates.

        Raises:
            ImportError: (a :class:`~collabrel.errors.CollabrelError`) when pandas is not
                installed; install the ``jupyter`` extra.
        """
        from collabrel._frames import rows_frame

        return rows_frame(self.rows, as_of=self.as_of, version=self.ruleset_version)

    def to_xlsx(self, path: str | Path) -> Path:
        """Write the report as an Excel workbook; return the path.

        The sheets: Summary (first), Actions, Findings, Checklist, Exclusions and Scope, with
        real dates and percentages, coloured verdicts, frozen headers and filters.

        Raises:
            ImportError: (a :class:`~collabrel.errors.CollabrelError`) when openpyxl is not
                installed; install the ``xlsx`` extra.
        """
        openpyxl = _optional("openpyxl", "Report.to_xlsx()", "xlsx")
        from collabrel._render._doc import Document
        from collabrel._render._xlsx import write_xlsx

        target = Path(path)
        write_xlsx(Document.of_report(self), target, openpyxl)
        return target


# ------------------------------------------------------------------------ action view


@attrs.frozen(kw_only=True)
class ClauseActions:
    """The rows of one top-level clause that need action, for one subject."""

    clause: str
    """The top-level clause, ``"4"`` to ``"10"``."""
    label: str
    """Its name, such as ``Operation``."""
    rows: tuple[ReportRow, ...]
    """The rows, in clause order."""


@attrs.frozen(kw_only=True)
class SubjectActions:
    """What needs action on one subject (the organization or a relationship).

    Nonconformities come apart from open gate items (the work of the relationship's current
    stage that its gate asks for, not overdue), and errors of custom rules apart from both;
    each list is grouped by clause.
    """

    subject_id: str
    """The relationship or organization id."""
    subject_name: str
    """Its name."""
    stage: Stage | None
    """The relationship's stage (``None`` for the organization)."""
    nonconformities: tuple[ClauseActions, ...] = ()
    """FAIL and UNKNOWN rows that are nonconformities, by clause."""
    open_gate_items: tuple[ClauseActions, ...] = ()
    """FAIL and UNKNOWN rows that are open gate items of the current stage, by clause."""
    errors: tuple[ClauseActions, ...] = ()
    """ERROR rows (a custom rule raised), by clause."""

    @property
    def sections(self) -> tuple[tuple[str, str, tuple[ClauseActions, ...]], ...]:
        """``(kind, label, clauses)`` for each kind that has rows, nonconformities first."""
        gate = "Open gate items" + (f" (gate out of {self.stage})" if self.stage else "")
        kinds = (("nonconformity", "Nonconformities", self.nonconformities),
                 ("open_gate_item", gate, self.open_gate_items),
                 ("error", "Errors of custom rules", self.errors))  # fmt: skip
        return tuple(k for k in kinds if k[2])

    def __repr__(self) -> str:
        from collabrel._render._common import kind_label, plural

        kinds = ", ".join(plural(self.count(k), kind_label(k)) for k, _, _ in self.sections)
        return f"<SubjectActions {self.subject_id}: {kinds}>"

    @property
    def rows(self) -> tuple[ReportRow, ...]:
        """Every row, in the order of :attr:`sections`."""
        return tuple(r for _, _, clauses in self.sections for c in clauses for r in c.rows)

    @property
    def owners(self) -> tuple[str, ...]:
        """Everyone who owns a row, in order of appearance."""
        return tuple(dict.fromkeys(r.owner for r in self.rows if r.owner))

    def count(self, kind: str) -> int:
        """How many rows of *kind* (``nonconformity``, ``open_gate_item``, ``error``)."""
        groups = {"nonconformity": self.nonconformities, "open_gate_item": self.open_gate_items,
                  "error": self.errors}.get(kind, ())  # fmt: skip
        return sum(len(c.rows) for c in groups)


@attrs.frozen(kw_only=True)
class ActionView:
    """Only what needs action: FAIL, UNKNOWN and ERROR rows, by subject, then kind, then clause.

    Each row has its remedy next to the verdict, and an owner and a due date where the data
    has them (an action plan). Get one with :meth:`Report.actions`, or write one straight from
    a session with :func:`write_report` and ``view="actions"``.

    Example:
        >>> from datetime import date
        >>> import collabrel
        >>> from collabrel.reports import report
        >>> view = report(collabrel.example_portfolio(), as_of=date(2026, 11, 23)).actions()
        >>> [s.subject_id for s in view.subjects][:2]  # rel-rail-jv has nothing to act on
        ['northbridge', 'rel-fm-helpdesk']
        >>> view.subjects[0].nonconformities[0].rows[0].rule_id
        'iso44001:6.1/current'
    """

    title: str
    """The title of the report it comes from."""
    as_of: date = date_field()
    """The evaluation date."""
    ruleset_version: str
    """The rule set version."""
    generator: str
    """The software that produced it."""
    scope: ScopeStatement
    """The scope statement (4.3)."""
    exclusions: tuple[ReportExclusion, ...]
    """Every exclusion, with its justification."""
    summary: Summary
    """The counts of every finding (not only those that need action)."""
    subjects: tuple[SubjectActions, ...]
    """The subjects with something to act on, the organization first."""
    counting: str = COUNTING
    """How NOT_APPLICABLE, UNKNOWN and ERROR count in the shares."""

    def __iter__(self) -> Iterator[ReportRow]:
        return (r for s in self.subjects for r in s.rows)

    def __repr__(self) -> str:
        return (
            f"<ActionView as of {self.as_of}: {len(self)} rows on {len(self.subjects)} "
            f"subjects ({self.count('nonconformity')} nonconformities, "
            f"{self.count('open_gate_item')} open gate items, {self.count('error')} errors)>"
        )

    def __len__(self) -> int:
        return sum(len(s.rows) for s in self.subjects)

    def rows(self) -> tuple[ReportRow, ...]:
        """Every row that needs action, subject by subject."""
        return tuple(self)

    def count(self, kind: str) -> int:
        """How many rows of *kind*: ``nonconformity``, ``open_gate_item`` or ``error``."""
        return sum(s.count(kind) for s in self.subjects)

    def subject(self, subject_id: str) -> SubjectActions | None:
        """What needs action on *subject_id* (``None`` when nothing does)."""
        return next((s for s in self.subjects if s.subject_id == subject_id), None)

    def write(
        self,
        out: TextIO,
        *,
        format: str = "md",  # noqa: A002 - the word users know
        templates: str | Path | None = None,
    ) -> None:
        """Write the view to *out* as it renders, in one of :data:`FORMATS` (not ``xlsx``)."""
        from collabrel._render import write_document
        from collabrel._render._doc import Document

        write_document(Document.of_actions(self), out, format, templates=templates)

    def _text(self, fmt: str, *, templates: str | Path | None = None) -> str:
        buf = io.StringIO()
        self.write(buf, format=fmt, templates=templates)
        return buf.getvalue()

    def to_markdown(self) -> str:
        """Return the action plan as Markdown."""
        return self._text("md")

    def to_text(self) -> str:
        """Return the action plan as plain text."""
        return self._text("text")

    def to_html(self, *, templates: str | Path | None = None) -> str:
        """Return the action plan as a self-contained, printable HTML page."""
        return self._text("html", templates=templates)

    def to_csv(self) -> str:
        """Return the rows that need action as CSV (the columns of :meth:`Report.to_csv`)."""
        return self._text("csv")

    def to_json(self) -> str:
        """Return the view as a JSON report (``"view": "actions"``) valid against the schema."""
        return self._text("json")

    def to_data(self) -> dict[str, Any]:
        """Return the view as plain data (what :meth:`to_json` writes)."""
        result: dict[str, Any] = json.loads(self.to_json())
        return result

    def to_frame(self) -> Any:
        """Return the rows that need action as a ``pandas.DataFrame`` (see Report.to_frame)."""
        from collabrel._frames import rows_frame

        return rows_frame(self.rows(), as_of=self.as_of, version=self.ruleset_version)

    def to_xlsx(self, path: str | Path) -> Path:
        """Write the action plan as an Excel workbook (Summary first); return the path."""
        openpyxl = _optional("openpyxl", "ActionView.to_xlsx()", "xlsx")
        from collabrel._render._doc import Document
        from collabrel._render._xlsx import write_xlsx

        target = Path(path)
        write_xlsx(Document.of_actions(self), target, openpyxl)
        return target

    def _repr_html_(self) -> str:
        from collabrel._render._html import actions_fragment

        return actions_fragment(self)


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

    def __repr__(self) -> str:
        return (
            f"<ReportDiff {self.before_as_of} -> {self.after_as_of}: {len(self.changed)} "
            f"changed ({len(self.worse)} worse, {len(self.better)} better), "
            f"{len(self.added)} added, {len(self.removed)} removed>"
        )

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

    def to_text(self) -> str:
        """Return the diff as plain text, for a terminal."""
        from collabrel._render._text import diff_text

        return diff_text(self)

    def to_html(self, *, templates: str | Path | None = None) -> str:
        """Return the diff as a self-contained HTML page (see :meth:`Report.to_html`)."""
        from collabrel._render._html import diff_html

        return diff_html(self, templates=templates)

    def _repr_html_(self) -> str:
        from collabrel._render._html import diff_fragment

        return diff_fragment(self)

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


FORMATS = ("text", "md", "html", "csv", "json", "xlsx")
"""The formats a report is written in."""

VIEWS = ("full", "actions")
"""``full``: every row; ``actions``: only the rows that need action (the action view)."""


def write_report(
    session: Session,
    out: TextIO | str | Path,
    *,
    format: str = "md",  # noqa: A002 - the word users know
    view: str = "full",
    title: str | None = None,
    templates: str | Path | None = None,
    progress: Progress | None = None,
    detail: int | None = None,
) -> None:
    """Write the report of *session*'s current verdicts as it goes, in bounded memory.

    Nothing holds every finding: the verdicts are counted first (no finding is built for
    that), then the rows are made and written one subject at a time. With
    ``view="actions"`` only the rows that need action are made, so the cost follows what is
    reported. The output equals :meth:`Report.to_markdown` (and the other renderers) of the
    same session, or of its :meth:`Report.actions`.

    Args:
        session: the session whose current verdicts are reported.
        out: a text stream, or a path (written whole or not at all; ``xlsx`` needs a path).
        format: one of :data:`FORMATS`.
        view: one of :data:`VIEWS`.
        title: the report's title (default: "ISO 44001 assessment of <organization>").
        templates: a folder of HTML templates replacing the built-in ones.
        progress: called as ``progress(done, total)`` as subjects are written.
        detail: list at most this many subjects in HTML, Markdown and text (the summary
            still counts every one, and the report says what it leaves out); ``None``: every
            subject. CSV, JSON and Excel always hold every row. A page a browser can open at
            100,000 relationships needs a limit: their action view alone is several hundred
            megabytes of HTML.

    Raises:
        UsageError: for an unknown format or view, ``xlsx`` to a stream, or a *detail*
            that is not a whole number >= 0.

    Example:
        >>> import io
        >>> from datetime import date
        >>> import collabrel
        >>> from collabrel.reports import write_report
        >>> from collabrel.rules import Session
        >>> s = Session(collabrel.example_portfolio(), as_of=date(2026, 11, 23))
        >>> buf = io.StringIO()
        >>> write_report(s, buf, format="csv", view="actions")
        >>> len(buf.getvalue().splitlines()) - 1 == sum(1 for f in s.findings() if not f.ok)
        True
    """
    from collabrel._render import write_document, write_path
    from collabrel._render._doc import Document

    _check_choice("format", format, FORMATS)
    _check_choice("view", view, VIEWS)
    _check_detail(detail)
    doc = Document.of_session(
        session, view=view, title=title, progress=progress, fmt=format, detail=detail
    )
    if isinstance(out, str | Path):
        write_path(doc, Path(out), format, templates=templates)
        return
    if format == "xlsx":
        raise UsageError("an xlsx workbook is binary: give write_report a path, not a stream")
    write_document(doc, out, format, templates=templates)


def _check_detail(detail: object) -> None:
    if detail is not None and (
        isinstance(detail, bool) or not isinstance(detail, int) or detail < 0
    ):
        raise UsageError(
            f"detail must be a whole number >= 0, or None for every subject; not {detail!r}"
        )


def load_report(source: str | Path) -> Report:
    """Read a JSON report (written by :meth:`Report.to_json` or ``collabrel assess``) back.

    Raises:
        LoadError: when the file is not a collabrel JSON report, naming what is wrong.
    """
    from collabrel._render._data import report_from_data

    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LoadError([Problem(path="$", message=f"not a JSON document: {exc}")],
                        source=str(path)) from None  # fmt: skip
    return report_from_data(data, source=str(path))


def html_templates() -> tuple[str, ...]:
    """The names of the built-in HTML templates, each replaceable by an organization.

    A folder given as ``templates=`` to the HTML renderers (or ``--templates`` to the
    command) is searched first; a template there may extend the built-in one of the same
    name as ``collabrel/<name>`` and override only its blocks. ``brand.html`` is empty by
    default: it is the place for a logo and a company name, ``brand.css`` for colours.
    Every template runs sandboxed when a folder is given (without one, only collabrel's own
    templates run, outside the sandbox), and every value is escaped.
    """
    from collabrel._render._html import template_names

    return template_names()


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"unknown {name} {value!r}; use one of: {', '.join(choices)}")


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


def _exclusions(
    portfolio: Portfolio, ruleset_exclusions: Iterable[RuleExclusion]
) -> tuple[ReportExclusion, ...]:
    org = portfolio.organization
    scope_exclusions = org.scope.exclusions if org.scope is not None else ()
    return tuple(
        ReportExclusion(requirement=e.requirement, source="scope",
                        justification=e.justification, approved_by=e.approved_by,
                        approved_on=e.approved_on)
        for e in scope_exclusions
    ) + tuple(
        ReportExclusion(requirement=e.rule_id, source="ruleset", justification=e.justification,
                        title=e.title, clause=e.clause)
        for e in ruleset_exclusions
    )  # fmt: skip


def default_title(portfolio: Portfolio) -> str:
    """The title a report of *portfolio* gets unless one is given."""
    return f"ISO 44001 assessment of {portfolio.organization.name}"


def stage_key(stage: Stage | None) -> str:
    """The key of a stage in the counts by stage: its number, or ``"none"``."""
    return _NO_STAGE if stage is None else str(int(stage))


def stage_label(stage: Stage | None) -> str:
    """The label of a stage in the counts by stage."""
    if stage is None:
        return "No stage (organization-wide or every stage)"
    return str(stage)[0].upper() + str(stage)[1:]


def _stage_sort(key: str) -> tuple[int, int]:
    return (1, 0) if key == _NO_STAGE else (0, int(key))


def _level_sort(key: str) -> tuple[int, str]:
    order = list(_LEVEL_NAMES)
    return (order.index(key), key) if key in order else (len(order), key)
