"""Views over the rule verdicts: Annex A checklist, ISO 44003, Gartner, ERMP and RAIO.

A view never re-states a requirement: it selects built-in rules by their tags (derived from
the mapping tables of the catalog, §7) and aggregates their findings. Every view states how
it counts NOT_APPLICABLE and UNKNOWN findings (:data:`COUNTING`).

Example:
    >>> from datetime import date
    >>> import collabrel
    >>> from collabrel.rules import evaluate
    >>> from collabrel.views import iso44003_principles
    >>> assessment = evaluate(collabrel.example_portfolio(), as_of=date(2026, 11, 23))
    >>> view = iso44003_principles(assessment)
    >>> view.item("p12").name
    'Exit strategy'
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

import attrs

from collabrel._dates import date_field
from collabrel._mappings import (
    ERMP_SECTIONS,
    GARTNER_AUDIT,
    GARTNER_PROCESSES,
    ISO44003_PRINCIPLES,
    RAIO_STEPS,
    clause_key,
)
from collabrel.errors import UnknownItemError, UnknownRuleError
from collabrel.rules._findings import Finding, GapKind, Verdict

__all__ = [
    "COUNTING",
    "Answer",
    "Checklist",
    "ChecklistRow",
    "Override",
    "Score",
    "View",
    "ViewItem",
    "annex_a_checklist",
    "ermp_sections",
    "findings_frame",
    "gartner_audit",
    "gartner_processes",
    "heatmap",
    "heatmap_table",
    "iso44003_principles",
    "question",
    "raio_cycle",
    "show_all",
]

COUNTING = (
    "A score is the share of applicable findings that PASS. NOT_APPLICABLE findings are left "
    "out of the share; UNKNOWN (evidence missing) and ERROR findings count as not met, since "
    "missing evidence cannot demonstrate conformance. Every count is reported beside the share. "
    "FAIL and UNKNOWN findings are further told apart: an open gate item is work of the stage a "
    "relationship is in that its gate will ask for; every other one is a nonconformity."
)
"""How every view counts NOT_APPLICABLE and UNKNOWN findings."""


@attrs.frozen(kw_only=True)
class Score:
    """The findings behind a view item, counted by verdict, and the share met."""

    passed: int = 0
    """PASS findings."""
    failed: int = 0
    """FAIL findings."""
    unknown: int = 0
    """UNKNOWN findings (evidence missing)."""
    error: int = 0
    """ERROR findings (a custom rule raised)."""
    not_applicable: int = 0
    """NOT_APPLICABLE findings (left out of the share)."""
    nonconformities: int = 0
    """FAIL and UNKNOWN findings that are nonconformities (:class:`~collabrel.rules.GapKind`)."""
    open_gate_items: int = 0
    """FAIL and UNKNOWN findings that are open gate items: work of a relationship's current
    stage, not done yet, that its gate will ask for."""

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Score:
        """Count *findings* by verdict, and the gaps by kind."""
        findings = tuple(findings)
        c = Counter(f.verdict for f in findings)
        gaps = Counter(f.gap for f in findings)
        return cls(
            passed=c[Verdict.PASS],
            failed=c[Verdict.FAIL],
            unknown=c[Verdict.UNKNOWN],
            error=c[Verdict.ERROR],
            not_applicable=c[Verdict.NOT_APPLICABLE],
            nonconformities=gaps[GapKind.NONCONFORMITY],
            open_gate_items=gaps[GapKind.OPEN_GATE_ITEM],
        )

    @property
    def applicable(self) -> int:
        """The findings that count: everything but NOT_APPLICABLE."""
        return self.passed + self.failed + self.unknown + self.error

    @property
    def share(self) -> float | None:
        """The share of applicable findings that pass, or ``None`` when none applies."""
        return None if self.applicable == 0 else self.passed / self.applicable

    def __str__(self) -> str:
        share = "n/a" if self.share is None else f"{self.share:.0%}"
        gaps = (
            f"; {self.nonconformities} nonconformities, {self.open_gate_items} open gate items"
            if self.open_gate_items
            else ""
        )
        return (
            f"{share} ({self.passed} pass, {self.failed} fail, {self.unknown} unknown, "
            f"{self.error} error, {self.not_applicable} n/a{gaps})"
        )


@attrs.frozen(kw_only=True)
class ViewItem:
    """One principle, process, section or step of a view, with the findings behind it."""

    key: str
    """A short key such as ``p12``, ``audit``, ``s10`` or ``review``."""
    name: str
    """Its name."""
    clauses: tuple[str, ...]
    """The ISO 44001 clauses mapped to it."""
    rule_ids: tuple[str, ...]
    """The rules selected by its tag."""
    findings: tuple[Finding, ...]
    """Every finding of those rules."""
    score: Score
    """The findings counted."""

    @property
    def verdicts(self) -> dict[tuple[str, str], Verdict]:
        """The verdict of each (rule, subject) pair behind the item."""
        return {(f.rule_id, f.subject_id): f.verdict for f in self.findings}

    def __repr__(self) -> str:
        return f"<ViewItem {self.key} {self.name!r}: {self.score}>"

    def _repr_html_(self) -> str:
        from collabrel._html import box, findings_table

        clauses = _e(", ".join(self.clauses))
        line = f"{_e(self.score)}; clauses {clauses}; {len(self.rule_ids)} rules"
        return box(f"{self.key}: {self.name}", [line], findings_table("To act on", self.findings))

    def to_frame(self) -> Any:
        """The findings behind the item as a ``pandas.DataFrame`` (see :func:`findings_frame`)."""
        return findings_frame(self.findings)


@attrs.frozen(kw_only=True)
class View:
    """A view: items, each scored from the rules mapped to it."""

    name: str
    """The view's name."""
    items: tuple[ViewItem, ...]
    """Its items, in their usual order."""
    as_of: date = date_field()
    """The evaluation date of the findings."""
    ruleset_version: str
    """The version of the rule set that produced them."""
    counting: str = COUNTING
    """How NOT_APPLICABLE and UNKNOWN count."""

    def item(self, key: str) -> ViewItem:
        """Return the item with *key*.

        Raises:
            CollabrelError: naming the keys that exist.
        """
        for it in self.items:
            if it.key == key:
                return it
        raise UnknownItemError(
            f"no item {key!r} in {self.name}; items: {', '.join(i.key for i in self.items)}"
        )

    @property
    def score(self) -> Score:
        """All findings of the view counted once (a rule may serve several items)."""
        seen: dict[tuple[str, str], Finding] = {}
        for it in self.items:
            for f in it.findings:
                seen[(f.rule_id, f.subject_id)] = f
        return Score.of(seen.values())

    def __repr__(self) -> str:
        return f"<View {self.name!r} as of {self.as_of}: {len(self.items)} items, {self.score}>"

    def _repr_html_(self) -> str:
        from collabrel._html import box, table

        rows = (
            (
                it.key,
                it.name,
                _share(it.score),
                it.score.passed,
                it.score.failed,
                it.score.unknown,
                it.score.error,
                it.score.not_applicable,
                len(it.rule_ids),
            )
            for it in self.items
        )
        items = table(
            self.name,
            ("key", "name", "met", "pass", "fail", "unknown", "error", "n/a", "rules"),
            rows,
        )
        lines = [
            f"as of {_e(self.as_of)}, rule set {_e(self.ruleset_version)}: {_e(self.score)}",
            f"<span style='color:#57606a'>{_e(self.counting)}</span>",
        ]
        return box(self.name, lines, items)

    def to_frame(self) -> Any:
        """One row per item: key, name, share met (float), counts (integers), rules, clauses."""
        from collabrel._frames import frame

        records = (
            {**row, "clauses": ", ".join(it.clauses)}
            for row, it in zip(self.rows(), self.items, strict=True)
        )
        return frame(
            records,
            (
                "key",
                "name",
                "share",
                "pass",
                "fail",
                "unknown",
                "error",
                "not_applicable",
                "rules",
                "clauses",
            ),
            feature="View.to_frame()",
            floats=("share",),
            integers=("pass", "fail", "unknown", "error", "not_applicable", "rules"),
        )

    def rows(self) -> list[dict[str, object]]:
        """One plain dictionary per item, for tables and data frames."""
        return [
            {"key": it.key, "name": it.name, "share": it.score.share,
             "pass": it.score.passed, "fail": it.score.failed, "unknown": it.score.unknown,
             "error": it.score.error, "not_applicable": it.score.not_applicable,
             "nonconformities": it.score.nonconformities,
             "open_gate_items": it.score.open_gate_items, "rules": len(it.rule_ids)}
            for it in self.items
        ]  # fmt: skip


class _HasFindings(Protocol):
    """What the views read from an assessment (a Session's or ``evaluate``'s result)."""

    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def as_of(self) -> date: ...
    @property
    def ruleset_version(self) -> str: ...


def _view(
    name: str,
    assessment: _HasFindings,
    items: Iterable[tuple[str, str, tuple[str, ...], str]],
) -> View:
    by_tag: dict[str, list[Finding]] = {}
    for f in assessment.findings:
        for tag in f.tags:
            by_tag.setdefault(tag, []).append(f)
    built = []
    for key, item_name, clauses, tag in items:
        findings = tuple(by_tag.get(tag, ()))
        built.append(
            ViewItem(
                key=key,
                name=item_name,
                clauses=clauses,
                rule_ids=tuple(dict.fromkeys(f.rule_id for f in findings)),
                findings=findings,
                score=Score.of(findings),
            )
        )
    return View(
        name=name,
        items=tuple(built),
        as_of=assessment.as_of,
        ruleset_version=assessment.ruleset_version,
    )


def iso44003_principles(assessment: _HasFindings) -> View:
    """Score the twelve ISO 44003 principles for small firms from their mapped rules (§7.1)."""
    return _view(
        "ISO 44003 principles",
        assessment,
        ((f"p{n}", name, clauses, f"iso44003:p{n}")
         for n, (name, clauses) in ISO44003_PRINCIPLES.items()),
    )  # fmt: skip


def ermp_sections(assessment: _HasFindings) -> View:
    """Score the ten sections of the Enterprise Relationship Management Plan (§7.2)."""
    return _view(
        "ERMP sections",
        assessment,
        ((f"s{n}", name, clauses, f"ermp:s{n}") for n, (name, clauses) in ERMP_SECTIONS.items()),
    )


def raio_cycle(assessment: _HasFindings) -> View:
    """Score the Review, Adapt, Improve and Operate steps of the RAIO cycle (§7.3)."""
    return _view(
        "RAIO cycle",
        assessment,
        ((step, step.capitalize(), clauses, f"raio:{step}")
         for step, clauses in RAIO_STEPS.items()),
    )  # fmt: skip


def gartner_processes(assessment: _HasFindings) -> View:
    """Score Gartner's six co-management processes (§7.4)."""
    return _view(
        "Gartner co-management processes",
        assessment,
        ((p, p.capitalize(), clauses, f"gartner:{p}") for p, clauses in GARTNER_PROCESSES.items()),
    )


def gartner_audit(assessment: _HasFindings) -> View:
    """Score the four components of Gartner's audit process (§7.4)."""
    names = {
        "price-service": "Price and level of service",
        "contract-relationships": "State of the contract and relationships",
        "stakeholder-satisfaction": "Stakeholder satisfaction",
        "vision-alignment": "Vision and alignment",
    }
    return _view(
        "Gartner audit components",
        assessment,
        ((k, names[k], clauses, f"gartner-audit:{k}") for k, clauses in GARTNER_AUDIT.items()),
    )


# -------------------------------------------------------------------------- Annex A


class Answer(enum.Enum):
    """An answer of the Annex A checklist."""

    YES = "Yes"
    """Every applicable finding passes."""
    PARTIAL = "Partial"
    """Some applicable findings pass, others do not."""
    NO = "No"
    """No applicable finding passes (missing evidence answers No)."""
    NOT_APPLICABLE = "N/A"
    """The requirement applies to no subject (or was excluded)."""

    @classmethod
    def of(cls, score: Score) -> Answer:
        """The automatic answer for findings counted as *score*."""
        if score.applicable == 0:
            return cls.NOT_APPLICABLE
        if score.passed == score.applicable:
            return cls.YES
        if score.passed == 0:
            return cls.NO
        return cls.PARTIAL


@attrs.frozen(kw_only=True)
class Override:
    """An assessor's answer to a checklist question, kept beside the automatic one."""

    rule_id: str
    """The question's rule."""
    answer: Answer
    """The assessor's answer."""
    assessor: str
    """Who answered."""
    comment: str = ""
    """Why (the evidence seen, or why the automatic answer is wrong)."""
    on: date | None = None
    """When."""


@attrs.frozen(kw_only=True)
class ChecklistRow:
    """One question of the Annex A checklist: the automatic answer and any override."""

    rule_id: str
    """The rule the question restates."""
    clause: str
    """Its clause."""
    question: str
    """The question, in our own words."""
    automatic: Answer
    """The answer derived from the findings."""
    override: Override | None
    """The assessor's answer, if any."""
    findings: tuple[Finding, ...]
    """The findings behind the automatic answer (the evidence)."""
    score: Score
    """Those findings counted."""

    @property
    def answer(self) -> Answer:
        """The answer that stands: the assessor's when given, else the automatic one."""
        return self.override.answer if self.override is not None else self.automatic

    def __repr__(self) -> str:
        return f"<ChecklistRow {self.rule_id} {self.answer.value}: {self.score}>"


@attrs.frozen(kw_only=True)
class Checklist:
    """The Annex A assessment checklist: one question per rule, in clause order."""

    rows: tuple[ChecklistRow, ...]
    """The questions."""
    as_of: date = date_field()
    """The evaluation date."""
    ruleset_version: str
    """The rule set version."""
    excluded: tuple[tuple[str, str], ...] = ()
    """Excluded rules with their justifications."""
    counting: str = (
        "Yes: every applicable finding passes; Partial: some do; No: none does (UNKNOWN and "
        "ERROR count as not passing); N/A: the requirement applies to no subject."
    )
    """How the automatic answers are derived."""

    def gaps(self) -> tuple[ChecklistRow, ...]:
        """The rows whose standing answer is No or Partial: an internal-audit work list."""
        return tuple(r for r in self.rows if r.answer in {Answer.NO, Answer.PARTIAL})

    def nonconformities(self) -> tuple[ChecklistRow, ...]:
        """The rows with a nonconformity behind them (open gate items alone are left out)."""
        return tuple(r for r in self.rows if r.score.nonconformities)

    def disagreements(self) -> tuple[ChecklistRow, ...]:
        """The rows where the assessor's answer differs from the automatic one."""
        return tuple(
            r for r in self.rows if r.override is not None and r.override.answer != r.automatic
        )

    def answers(self) -> dict[Answer, int]:
        """How many questions have each standing answer."""
        counts = Counter(r.answer for r in self.rows)
        return {a: counts.get(a, 0) for a in Answer}

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {a.value}" for a, n in self.answers().items())
        return f"<Checklist as of {self.as_of}: {len(self.rows)} questions, {counts}>"

    def _repr_html_(self) -> str:
        from collabrel._html import box, table

        rows = (
            (
                r.clause,
                r.rule_id,
                r.question,
                r.answer.value,
                r.override.assessor if r.override else "",
                _share(r.score),
            )
            for r in self.gaps() + tuple(x for x in self.rows if x not in self.gaps())
        )
        lines = [
            ", ".join(f"{n} {_e(a.value)}" for a, n in self.answers().items()),
            f"<span style='color:#57606a'>{_e(self.counting)}</span>",
        ]
        lines += [f"excluded {_e(rule)}: {_e(why)}" for rule, why in self.excluded]
        questions = table(
            "Questions (No and Partial first)",
            ("clause", "rule", "question", "answer", "overridden by", "met"),
            rows,
        )
        return box(f"Annex A checklist as of {self.as_of}", lines, questions)

    def to_frame(self) -> Any:
        """One row per question; ``answer`` and ``automatic`` are ordered categoricals."""
        from collabrel._frames import frame

        answers = [a.value for a in Answer]
        records = (
            {
                "clause": r.clause,
                "rule_id": r.rule_id,
                "question": r.question,
                "answer": r.answer.value,
                "automatic": r.automatic.value,
                "override": r.override.answer.value if r.override else None,
                "assessor": r.override.assessor if r.override else None,
                "pass": r.score.passed,
                "fail": r.score.failed,
                "unknown": r.score.unknown,
                "error": r.score.error,
                "not_applicable": r.score.not_applicable,
                "share": r.score.share,
            }
            for r in self.rows
        )
        return frame(
            records,
            (
                "clause",
                "rule_id",
                "question",
                "answer",
                "automatic",
                "override",
                "assessor",
                "pass",
                "fail",
                "unknown",
                "error",
                "not_applicable",
                "share",
            ),
            feature="Checklist.to_frame()",
            categories={"answer": answers, "automatic": answers, "override": answers},
            integers=("pass", "fail", "unknown", "error", "not_applicable"),
            floats=("share",),
        )


def _answer(score: Score) -> Answer:
    return Answer.of(score)


def question(title: str) -> str:
    """The checklist question of a rule whose title is *title*."""
    return f"Is there evidence that {title[0].lower()}{title[1:]}?"


_question = question


def annex_a_checklist(assessment: _HasFindings, overrides: Iterable[Override] = ()) -> Checklist:
    """Return the Annex A checklist: one question per rule, answered from the findings.

    Assessor *overrides* are kept beside the automatic answers, never in place of them.

    Raises:
        CollabrelError: for an override naming a rule that is not in the assessment.
    """
    by_rule: dict[str, list[Finding]] = {}
    for f in assessment.findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    given = {o.rule_id: o for o in overrides}
    unknown = sorted(set(given) - set(by_rule))
    if unknown:
        raise UnknownRuleError(f"overrides name rules not in the assessment: {', '.join(unknown)}")
    rows = []
    for rule_id, findings in by_rule.items():
        first = findings[0]
        score = Score.of(findings)
        rows.append(
            ChecklistRow(
                rule_id=rule_id,
                clause=first.clause,
                question=_question(first.title),
                automatic=_answer(score),
                override=given.get(rule_id),
                findings=tuple(findings),
                score=score,
            )
        )
    rows.sort(key=lambda r: (clause_key(r.clause), r.rule_id))
    exclusions = getattr(assessment, "exclusions", ())
    return Checklist(
        rows=tuple(rows),
        as_of=assessment.as_of,
        ruleset_version=assessment.ruleset_version,
        excluded=tuple((e.rule_id, e.justification) for e in exclusions),
    )


# ------------------------------------------------------------------------ displays


def _e(text: object) -> str:
    import html

    from collabrel._render._common import visible

    return html.escape(visible(str(text)))


def _share(score: Score) -> str:
    return "n/a" if score.share is None else f"{score.share:.0%}"


def show_all(obj: Any) -> Any:
    """Display *obj* in Jupyter with every row of its tables (displays cut them short).

    Example:
        >>> from collabrel.views import show_all
        >>> show_all([1, 2])
        show_all([1, 2])
    """
    from collabrel._html import ShowAll

    return ShowAll(obj)


def findings_frame(findings: Iterable[Finding]) -> Any:
    """Findings as a ``pandas.DataFrame``: one row each, with proper dtypes.

    Columns: subject_id, rule_id, clause, level, stage (nullable integer), verdict (ordered
    categorical), gap (categorical: ``nonconformity`` or ``open gate item`` for a FAIL or
    UNKNOWN, empty otherwise; see :attr:`~collabrel.rules.Finding.gap`), severity, mode,
    title, message, remedy, as_of (datetime). An :class:`~collabrel.rules.Assessment`'s
    findings, a view item's, a gate check's.
    """
    from collabrel._frames import VERDICTS, frame

    records = (
        {
            "subject_id": f.subject_id,
            "rule_id": f.rule_id,
            "clause": f.clause,
            "level": f.level,
            "stage": int(f.stage) if f.stage is not None else None,
            "verdict": f.verdict.value,
            "gap": _gap_label(f),
            "severity": f.severity,
            "mode": f.mode,
            "title": f.title,
            "message": f.message,
            "remedy": f.remedy,
            "as_of": f.as_of,
        }
        for f in findings
    )
    return frame(
        records,
        (
            "subject_id",
            "rule_id",
            "clause",
            "level",
            "stage",
            "verdict",
            "gap",
            "severity",
            "mode",
            "title",
            "message",
            "remedy",
            "as_of",
        ),
        feature="findings_frame()",
        integers=("stage",),
        dates=("as_of",),
        categories={
            "verdict": VERDICTS,
            "level": ("ORG", "REL", "JNT"),
            "gap": ("nonconformity", "open gate item"),
            "severity": ("major", "minor", "advisory"),
            "clause": None,
        },
    )


def _gap_label(finding: Finding) -> str | None:
    """The gap of *finding* as the reports write it, ``None`` for a finding that is met."""
    gap = finding.gap  # None at once for a verdict other than FAIL or UNKNOWN
    return None if gap is None else gap.label.lower()


def heatmap_table(assessment: _HasFindings, *, depth: int = 2, max_subjects: int = 60) -> Any:
    """The verdicts as a clause x relationship table (a ``pandas.DataFrame`` of categories).

    Each cell is the worst verdict of the relationship's findings under the clause (cut to
    *depth* levels, ``8.6.4`` -> ``8.6``): fail, error, unknown, ``open_gate_item``, pass, or
    ``not_applicable`` when every one is NOT_APPLICABLE. A FAIL or UNKNOWN that is an open
    gate item (work of the stage the relationship is in, not yet a nonconformity; see
    :attr:`~collabrel.rules.Finding.gap`) counts as ``open_gate_item``, so fail and unknown
    are nonconformities only. Organization findings are left out. At most
    *max_subjects* relationships are kept: those with the most FAIL findings first, the rest
    in portfolio order.
    """
    from collabrel._plots import heat_table

    return heat_table(assessment, depth=depth, max_subjects=max_subjects)


def heatmap(
    assessment: _HasFindings, *, depth: int = 2, max_subjects: int = 60, ax: Any = None
) -> Any:
    """Draw :func:`heatmap_table` with matplotlib; return the axes.

    FAIL is red, UNKNOWN amber, ERROR purple, an open gate item light blue with dots, PASS
    green, and NOT_APPLICABLE light grey with a hatch, so neither reads as a failure, in
    colour or in grey.

    Raises:
        ImportError: (a :class:`~collabrel.errors.CollabrelError`) without matplotlib and
            pandas; install the ``jupyter`` extra.
    """
    from collabrel._plots import draw_heatmap

    return draw_heatmap(heatmap_table(assessment, depth=depth, max_subjects=max_subjects), ax)
