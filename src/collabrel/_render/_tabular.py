"""Tabular rendering of reports: flat records, CSV and Excel workbooks."""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, Any

from collabrel._render._common import evidence_text, explanation_text, gap_text

if TYPE_CHECKING:
    from pathlib import Path

    from collabrel.reports import Report, Tally

__all__ = ["COLUMNS", "formula_like", "neutralise", "records", "report_csv", "write_xlsx"]

COLUMNS = (
    "as_of", "ruleset_version", "clause", "rule_id", "title", "subject_id", "subject_name",
    "level", "stage", "stage_name", "mode", "severity", "verdict", "message", "evidence",
    "explanation", "error", "remedy", "tags", "exclusion", "gap",
)  # fmt: skip
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
    return isinstance(value, str) and (
        value.startswith(("\t", "\r")) or _FORMULA.match(value) is not None
    )


def neutralise(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with ``'`` (see :func:`formula_like`)."""
    return "'" + value if formula_like(value) else value


def records(report: Report) -> list[dict[str, Any]]:
    """Return one flat dictionary per row, keyed by :data:`COLUMNS`."""
    return [
        {
            "as_of": report.as_of.isoformat(),
            "ruleset_version": report.ruleset_version,
            "clause": r.clause,
            "rule_id": r.rule_id,
            "title": r.title,
            "subject_id": r.subject_id,
            "subject_name": r.subject_name,
            "level": r.level,
            "stage": int(r.stage) if r.stage is not None else None,
            "stage_name": r.stage.label if r.stage is not None else None,
            "mode": r.mode,
            "severity": r.severity,
            "verdict": r.verdict.value,
            "message": r.message,
            "evidence": evidence_text(r),
            "explanation": explanation_text(r),
            "error": r.error,
            "remedy": r.remedy,
            "tags": ", ".join(r.tags),
            "exclusion": r.exclusion,
            "gap": gap_text(r) or None,
        }
        for r in report.rows
    ]


def report_csv(report: Report) -> str:
    """Render the rows of *report* as CSV (RFC 4180, CRLF line ends)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for rec in records(report):
        writer.writerow(["" if rec[c] is None else neutralise(rec[c]) for c in COLUMNS])
    return buf.getvalue()


def _cell(value: Any) -> Any:
    # a workbook keeps the text as it is; _append stores formula-like text as a text cell
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def _append(sheet: Any, values: list[Any]) -> None:
    """Append a row; text that looks like a formula is stored as text, never as a formula.

    openpyxl turns any text starting with ``=`` into a formula; the cell is set back to a
    text cell, with Excel's quote prefix so that editing it keeps it text.
    """
    sheet.append([_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def _tally_rows(title: str, tallies: tuple[Tally, ...]) -> list[list[Any]]:
    rows: list[list[Any]] = [[f"By {title}"], [title, "name", "pass", "fail", "unknown",
                                               "error", "not_applicable", "share",
                                               "nonconformities", "open_gate_items"]]  # fmt: skip
    for t in tallies:
        s = t.score
        rows.append([t.key, t.label, s.passed, s.failed, s.unknown, s.error, s.not_applicable,
                     s.share, s.nonconformities, s.open_gate_items])  # fmt: skip
    rows.append([])
    return rows


def write_xlsx(report: Report, path: Path, openpyxl: Any) -> None:
    """Write *report* to *path* as a workbook with the sheets Findings, Summary and Scope."""
    wb = openpyxl.Workbook()
    bold = openpyxl.styles.Font(bold=True)

    findings = wb.active
    findings.title = "Findings"
    findings.append(list(COLUMNS))
    for rec in records(report):
        _append(findings, [rec[c] for c in COLUMNS])
    for cell in findings[1]:
        cell.font = bold
    findings.freeze_panes = "A2"
    findings.auto_filter.ref = findings.dimensions
    widths = {"title": 50, "message": 50, "evidence": 60, "explanation": 60, "remedy": 50}
    for i, name in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(i)
        findings.column_dimensions[letter].width = widths.get(name, 16)

    s = report.summary
    summary = wb.create_sheet("Summary")
    o = s.overall
    head: list[list[Any]] = [
        [report.title], ["as_of", report.as_of.isoformat()],
        ["ruleset_version", report.ruleset_version], ["generator", report.generator],
        ["counting", report.counting], [],
        ["Overall", "", "pass", "fail", "unknown", "error", "not_applicable", "share",
         "nonconformities", "open_gate_items"],
        ["all", "", o.passed, o.failed, o.unknown, o.error, o.not_applicable, o.share,
         o.nonconformities, o.open_gate_items], [],
    ]  # fmt: skip
    for line in head:
        _append(summary, line)
    for title, tallies in (("clause", s.by_clause), ("stage", s.by_stage),
                           ("level", s.by_level), ("subject", s.by_subject)):  # fmt: skip
        for line in _tally_rows(title, tallies):
            _append(summary, line)
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 45

    sc = report.scope
    scope = wb.create_sheet("Scope")
    lines: list[list[Any]] = [
        ["statement", sc.statement], ["organization_id", sc.organization_id],
        ["organization_name", sc.organization_name],
        ["application_level", sc.application_level], ["document_id", sc.document_id],
        ["units", ", ".join(sc.units)],
        ["last_reviewed_on", sc.last_reviewed_on.isoformat() if sc.last_reviewed_on else None],
        [], ["Relationships"], ["id", "name", "stage", "stage_name", "in_scope"],
    ]  # fmt: skip
    lines += [[r.id, r.name, int(r.stage), r.stage.label, r.in_scope] for r in sc.relationships]
    lines += [[], ["Exclusions"], ["requirement", "source", "clause", "title", "justification",
                                   "approved_by", "approved_on"]]  # fmt: skip
    lines += [
        [e.requirement, e.source, e.clause, e.title, e.justification, e.approved_by,
         e.approved_on.isoformat() if e.approved_on else None]
        for e in report.exclusions
    ]  # fmt: skip
    for line in lines:
        _append(scope, line)
    scope.column_dimensions["A"].width = 24
    scope.column_dimensions["B"].width = 60
    wb.save(str(path))
