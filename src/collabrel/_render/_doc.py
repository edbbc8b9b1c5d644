"""What every renderer reads: a report's head, its counts, and its rows as a lazy stream.

A :class:`Document` is made from a :class:`~collabrel.reports.Report` (rows in memory), from
an :class:`~collabrel.reports.ActionView`, or from a :class:`~collabrel.rules.Session`
(rows made one subject at a time as the renderer asks for them). The renderers see the same
thing in each case, so a report written from a session equals the one rendered in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import groupby, islice
from typing import TYPE_CHECKING

from collabrel._mappings import clause_key
from collabrel.views import COUNTING, Score

if TYPE_CHECKING:
    from collabrel._render._source import Progress, Tallies
    from collabrel.reports import (
        ActionView,
        Report,
        ReportExclusion,
        ReportRow,
        ScopeStatement,
        SubjectActions,
        Summary,
    )
    from collabrel.rules import GapKind, Session, Verdict

__all__ = ["Document", "RuleScore", "passes"]


def passes(fmt: str, view: str) -> int:
    """How many times a renderer of *fmt* reads a session's subjects, the count included.

    Every format counts the verdicts first. Text, CSV and JSON then read the rows of their
    view once; Markdown, HTML and Excel read the rows that need action and, for the full
    view, every row too.
    """
    if fmt in {"text", "csv", "json"}:
        return 2
    return 3 if view == "full" else 2


class RuleScore:
    """The verdicts of one rule over every subject (a row of the checklist sheet)."""

    __slots__ = ("clause", "rule_id", "score", "title")

    def __init__(self, rule_id: str, clause: str, title: str, score: Score) -> None:
        self.rule_id = rule_id
        self.clause = clause
        self.title = title
        self.score = score


class Document:
    """A report's head and counts, and its rows (every row, or those that need action)."""

    def __init__(
        self,
        *,
        title: str,
        as_of: date,
        ruleset_version: str,
        generator: str,
        scope: ScopeStatement,
        exclusions: tuple[ReportExclusion, ...],
        summary: Summary,
        view: str,
        rows: Callable[[], Iterable[ReportRow]],
        action_rows: Callable[[], Iterable[ReportRow]],
        tallies: Tallies | None = None,
        counting: str = COUNTING,
        complete: bool = True,
        detail: int | None = None,
        on_finish: Callable[[], None] | None = None,
    ) -> None:
        self.title = title
        self.as_of = as_of
        self.ruleset_version = ruleset_version
        self.generator = generator
        self.scope = scope
        self.exclusions = exclusions
        self.summary = summary
        self.view = view
        self.counting = counting
        self._rows = rows
        self._action_rows = action_rows
        self._tallies = tallies
        self.complete = complete
        """Whether :meth:`all_rows` gives every row (an action view has only its own)."""
        self._on_finish = on_finish
        self.detail = detail
        """At most this many subjects are detailed by the renderers people read (HTML,
        Markdown, text); ``None``: every one. The counts always cover every subject."""

    # ------------------------------------------------------------------ construction

    @classmethod
    def of_report(cls, report: Report, *, view: str = "full") -> Document:
        """The document of an in-memory report."""
        return cls(
            title=report.title,
            as_of=report.as_of,
            ruleset_version=report.ruleset_version,
            generator=report.generator,
            scope=report.scope,
            exclusions=report.exclusions,
            summary=report.summary,
            view=view,
            counting=report.counting,
            rows=lambda: report.rows,
            action_rows=report.failed,
        )

    @classmethod
    def of_actions(cls, actions: ActionView) -> Document:
        """The document of an action view."""
        return cls(
            title=actions.title,
            as_of=actions.as_of,
            ruleset_version=actions.ruleset_version,
            generator=actions.generator,
            scope=actions.scope,
            exclusions=actions.exclusions,
            summary=actions.summary,
            view="actions",
            counting=actions.counting,
            rows=actions.rows,
            action_rows=actions.rows,
            complete=False,
        )

    @classmethod
    def of_session(
        cls,
        session: Session,
        *,
        view: str = "full",
        title: str | None = None,
        progress: Progress | None = None,
        fmt: str = "html",
        detail: int | None = None,
    ) -> Document:
        """The document of a session's current verdicts; rows are made as they are read.

        The verdicts are counted here (one pass, no finding built); the rows that need
        action, and for the full view every row, are made when a renderer reads them.
        *progress* hears of every subject of every pass a renderer of *fmt* makes.
        """
        from collabrel._render._source import RowContext, session_rows, session_summary
        from collabrel.reports import _exclusions, _generator, _scope_statement, default_title

        portfolio = session.portfolio
        context = RowContext(portfolio)
        subjects = len(context.order)
        total = subjects * passes(fmt, view)
        done = 0

        def tick(_: int, __: int | None) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(min(done, total), total)

        def finish() -> None:  # a report limited by its detail reads fewer subjects
            if progress is not None and done < total:
                progress(total, total)

        summary, tallies = session_summary(session, context, progress=tick)
        return cls(
            title=title or default_title(portfolio),
            as_of=session.as_of,
            ruleset_version=session.ruleset.version,
            generator=_generator(),
            scope=_scope_statement(portfolio),
            exclusions=_exclusions(portfolio, session.ruleset.exclusions),
            summary=summary,
            view=view,
            rows=lambda: session_rows(session, context, progress=tick),
            action_rows=lambda: session_rows(session, context, actions_only=True, progress=tick),
            tallies=tallies,
            detail=detail,
            on_finish=finish,
        )

    def finish(self) -> None:
        """Tell the progress callback the document is written (its count may stop short)."""
        if self._on_finish is not None:
            self._on_finish()

    # ------------------------------------------------------------------------ reading

    @property
    def full(self) -> bool:
        """Whether every row is reported (else only those that need action)."""
        return self.view == "full"

    def rows(self) -> Iterator[ReportRow]:
        """The rows of the view: every row, or only those that need action."""
        return iter(self._rows() if self.full else self._action_rows())

    def all_rows(self) -> Iterator[ReportRow]:
        """Every row (the full table)."""
        return iter(self._rows())

    def action_rows(self) -> Iterator[ReportRow]:
        """The rows that need action, subject by subject."""
        return iter(self._action_rows())

    def action_subjects(self) -> Iterator[SubjectActions]:
        """What needs action, one subject at a time (at most :attr:`detail` subjects)."""
        from collabrel._render._actions import group_actions

        return islice(group_actions(self.action_rows()), self.detail)

    def subjects(self) -> Iterator[tuple[ReportRow, list[ReportRow]]]:
        """Every row, one subject at a time: ``(first row, the subject's rows)``.

        At most :attr:`detail` subjects.
        """
        grouped = groupby(self.all_rows(), key=lambda r: r.subject_id)
        for _, group in islice(grouped, self.detail):
            rows = list(group)
            yield rows[0], rows

    @property
    def needing_action(self) -> int:
        """How many subjects have a finding that needs action (FAIL, UNKNOWN, ERROR)."""
        return sum(
            1 for t in self.summary.by_subject if t.score.failed + t.score.unknown + t.score.error
        )

    @property
    def omitted_actions(self) -> int:
        """How many subjects that need action are left out by :attr:`detail` (0: none)."""
        return 0 if self.detail is None else max(0, self.needing_action - self.detail)

    @property
    def omitted_subjects(self) -> int:
        """How many subjects the table of every finding leaves out by :attr:`detail`."""
        return 0 if self.detail is None else max(0, len(self.summary.by_subject) - self.detail)

    def omitted_note(self, omitted: int) -> str:
        """The sentence that says what a limited report leaves out, and where to find it."""
        first = "the first subject" if self.detail == 1 else f"the first {self.detail:,} subjects"
        return (
            f"This report details {first}; {omitted:,} more are "
            "counted in the summary but not listed. Every row is in the CSV, JSON and Excel "
            "reports; a higher detail limit lists more (collabrel assess --detail)."
        )

    def count(self, verdict: Verdict, gap: GapKind | None) -> int:
        """How many findings have *verdict* and *gap* (over every row, whatever the view)."""
        return self._counted().overall.pairs[verdict, gap]

    def _counted(self) -> Tallies:
        if self._tallies is None:
            from collabrel._render._source import Tallies

            tallies = Tallies()
            for row in self.all_rows():
                tallies.add_row(row)
            self._tallies = tallies
        return self._tallies

    def rule_scores(self) -> list[RuleScore]:
        """Each rule's verdicts counted over every subject, in clause order."""
        tallies = self._counted()
        from collabrel.reports import _score_of

        order = {rule_id: i for i, rule_id in enumerate(tallies.rule)}
        scores = [
            RuleScore(rule_id, *tallies.rule_info[rule_id], _score_of(counts.verdicts, counts.gaps))
            for rule_id, counts in tallies.rule.items()
        ]
        scores.sort(key=lambda r: (clause_key(r.clause), order[r.rule_id]))
        return scores
