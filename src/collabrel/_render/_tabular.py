"""Tabular rendering of reports: flat records and CSV, written one row at a time."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from collabrel._render._common import evidence_text, explanation_text
from collabrel._stages import Stage

if TYPE_CHECKING:
    from collabrel._render._doc import Document
    from collabrel.reports import ReportRow

__all__ = [
    "COLUMNS",
    "csv_cells",
    "formula_like",
    "neutralise",
    "records",
    "starts_plain",
    "write_csv",
]

COLUMNS = (
    "as_of",
    "ruleset_version",
    "clause",
    "rule_id",
    "title",
    "subject_id",
    "subject_name",
    "level",
    "stage",
    "stage_name",
    "mode",
    "severity",
    "verdict",
    "message",
    "evidence",
    "explanation",
    "error",
    "remedy",
    "tags",
    "exclusion",
    "subject_stage",
    "gap",
    "owner",
    "due_on",
    "tracked_by",
)
"""The columns of the CSV, the data frame and the Findings sheet, in order."""

# what a spreadsheet may read as the start of a formula, after any blank or invisible
# characters (spreadsheet programs skip leading spaces), full-width forms included
_FORMULA = re.compile(
    "[\\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*"
    "[=+\\-@\uff1d\uff0b\uff0d\uff20]"
)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def formula_like(value: object) -> bool:
    """Whether a spreadsheet could read *value* as a formula (OWASP CSV injection).

    The first non-blank character decides: ``=``, ``+``, ``-``, ``@`` (or their full-width
    forms), also after spaces, tabs, line breaks or invisible characters; and any text that
    starts with a tab or a carriage return.
    """
    if not isinstance(value, str) or starts_plain(value):
        return False
    return value.startswith(("\t", "\r")) or _FORMULA.match(value) is not None


def starts_plain(text: str) -> bool:
    """Whether *text* starts with a letter or a digit, so no spreadsheet reads it as a formula.

    A cheap first test for :func:`formula_like` (most cells start so): no letter or digit is a
    blank, an invisible character or a formula sign, so the pattern cannot match there.
    """
    return text[:1].isalnum()


def neutralise(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with ``'`` (see :func:`formula_like`)."""
    return "'" + value if formula_like(value) else value


_STAGE_NAMES = {stage: stage.label for stage in Stage}
"""Each stage's label, looked up once (``Stage.label`` is a property)."""


def record(row: ReportRow, as_of: date, version: str) -> dict[str, Any]:
    """One flat dictionary for *row*, keyed by :data:`COLUMNS` (dates as ISO text)."""
    return {
        "as_of": as_of.isoformat(),
        "ruleset_version": version,
        "clause": row.clause,
        "rule_id": row.rule_id,
        "title": row.title,
        "subject_id": row.subject_id,
        "subject_name": row.subject_name,
        "level": row.level,
        "stage": int(row.stage) if row.stage is not None else None,
        "stage_name": _STAGE_NAMES[row.stage] if row.stage is not None else None,
        "mode": row.mode,
        "severity": row.severity,
        "verdict": row.verdict.value,
        "message": row.message,
        "evidence": evidence_text(row),
        "explanation": explanation_text(row),
        "error": row.error,
        "remedy": row.remedy,
        "tags": ", ".join(row.tags),
        "exclusion": row.exclusion,
        "subject_stage": int(row.subject_stage) if row.subject_stage is not None else None,
        "gap": row.gap.label.lower() if row.gap is not None else None,
        "owner": row.owner,
        "due_on": row.due_on.isoformat() if row.due_on is not None else None,
        "tracked_by": row.tracked_by,
    }


def records(rows: Iterable[ReportRow], *, as_of: date, version: str) -> Iterator[dict[str, Any]]:
    """One flat dictionary per row, keyed by :data:`COLUMNS`."""
    return (record(r, as_of, version) for r in rows)


def write_csv(doc: Document, out: TextIO) -> None:
    """Write the rows of *doc* as CSV (RFC 4180, CRLF line ends), one row at a time.

    Each row is ``csv_cells(record(row, ...))``. The cells that come from the rule alone
    (clause, title, stage, remedy, tags...) or from the subject alone are the same on many
    rows, so they are worked out once per distinct rule or subject; the others per row.
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    head = _cells((doc.as_of.isoformat(), doc.ruleset_version))
    rules: dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]] = {}
    subjects: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
    write = writer.writerow
    for row in doc.rows():
        key = (row.rule_id, row.clause, row.title, row.level, row.stage, row.mode,
               row.severity, row.remedy, row.tags)  # fmt: skip
        rule = rules.get(key)
        if rule is None:
            rule = rules[key] = _rule_cells(row)
        who = (row.subject_id, row.subject_name, row.subject_stage)
        subject = subjects.get(who)
        if subject is None:
            stage = row.subject_stage
            subject = subjects[who] = (
                _cells(who[:2]), int(stage) if stage is not None else ""
            )  # fmt: skip
        gap, due = row.gap, row.due_on
        write((
            *head, *rule[0], *subject[0], *rule[1],
            row.verdict.value,
            _cell(row.message),
            _cell(evidence_text(row)) if row.evidence else "",
            _cell(explanation_text(row)) if row.explanation else "",
            _cell(row.error),
            *rule[2],
            _cell(row.exclusion),
            subject[1],
            gap.label.lower() if gap is not None else "",
            _cell(row.owner),
            due.isoformat() if due is not None else "",
            _cell(row.tracked_by),
        ))  # fmt: skip


def _cell(value: Any) -> Any:
    """One CSV cell, as :func:`csv_cells` writes it."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value or value[:1].isalnum():
        return value
    return neutralise(value)


def _cells(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(_cell(v) for v in values)


def _rule_cells(row: ReportRow) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """The cells of *row* that come from its rule, in the three runs :func:`write_csv` puts."""
    stage = row.stage
    return (
        _cells((row.clause, row.rule_id, row.title)),
        _cells(
            (
                row.level,
                int(stage) if stage is not None else None,
                _STAGE_NAMES[stage] if stage is not None else None,
                row.mode,
                row.severity,
            )
        ),
        _cells((row.remedy, ", ".join(row.tags))),
    )


def csv_cells(rec: dict[str, Any]) -> list[Any]:
    """The CSV cells of a :func:`record`, in :data:`COLUMNS` order.

    ``None`` is written empty and text a spreadsheet would run as a formula is neutralised
    (:func:`neutralise`). Numbers, empty text and text that starts with a letter or a digit
    (:func:`starts_plain`), most cells, cannot be formulas: they are taken as they are
    without a further call.
    """
    cells: list[Any] = []
    for column in COLUMNS:
        value = rec[column]
        if value is None:
            cells.append("")
        elif not isinstance(value, str) or not value or value[:1].isalnum():
            cells.append(value)  # starts_plain(value), inlined: the common case
        else:
            cells.append(neutralise(value))
    return cells
