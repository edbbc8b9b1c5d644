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

__all__ = ["COLUMNS", "neutralise", "records", "report_csv", "write_xlsx"]

COLUMNS = (
    "as_of", "ruleset_version", "clause", "rule_id", "title", "subject_id", "subject_name",
    "level", "stage", "stage_name", "mode", "severity", "verdict", "message", "evidence",
    "explanation", "error", "remedy", "tags", "exclusion", "gap",
)  # fmt: skip
"""The columns of the CSV, the data frame and the Findings sheet, in order."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with ``'`` (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    return value


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
        findings.append([_cell(rec[c]) for c in COLUMNS])
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
        summary.append([_cell(v) for v in line])
    for title, tallies in (("clause", s.by_clause), ("stage", s.by_stage),
                           ("level", s.by_level), ("subject", s.by_subject)):  # fmt: skip
        for line in _tally_rows(title, tallies):
            summary.append([_cell(v) for v in line])
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
        scope.append([_cell(v) for v in line])
    scope.column_dimensions["A"].width = 24
    scope.column_dimensions["B"].width = 60
    wb.save(str(path))
