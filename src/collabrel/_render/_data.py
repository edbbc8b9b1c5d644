"""The JSON shape of reports and diffs (described by ``_data/report.schema.json``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from collabrel.reports import FORMAT

if TYPE_CHECKING:
    from collabrel._stages import Stage
    from collabrel.reports import Report, ReportDiff, ReportRow, RowChange, Tally
    from collabrel.rules import Verdict
    from collabrel.views import Score

__all__ = ["counts_data", "diff_data", "report_data", "row_data"]


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _stage(stage: Stage | None) -> tuple[int | None, str | None]:
    return (None, None) if stage is None else (int(stage), stage.label)


def counts_data(score: Score) -> dict[str, Any]:
    """Return a score as ``{"pass": n, ..., "total": n, "share": x}``."""
    return {
        "pass": score.passed,
        "fail": score.failed,
        "unknown": score.unknown,
        "error": score.error,
        "not_applicable": score.not_applicable,
        "total": score.applicable + score.not_applicable,
        "share": score.share,
        "nonconformities": score.nonconformities,
        "open_gate_items": score.open_gate_items,
    }


def _tallies(tallies: tuple[Tally, ...]) -> list[dict[str, Any]]:
    return [{"key": t.key, "label": t.label, "counts": counts_data(t.score)} for t in tallies]


def row_data(row: ReportRow) -> dict[str, Any]:
    """Return one row as plain data."""
    stage, stage_name = _stage(row.stage)
    return {
        "rule_id": row.rule_id,
        "clause": row.clause,
        "title": row.title,
        "subject_id": row.subject_id,
        "subject_name": row.subject_name,
        "level": row.level,
        "stage": stage,
        "stage_name": stage_name,
        "mode": row.mode,
        "severity": row.severity,
        "verdict": row.verdict.value,
        "message": row.message,
        "remedy": row.remedy,
        "evidence": [{"path": f.path, "value": f.value} for f in row.evidence],
        "explanation": [
            {
                "condition": c.condition,
                "path": c.path,
                "actual": c.actual,
                "expected": c.expected,
                "hint": c.hint,
            }
            for c in row.explanation
        ],
        "error": row.error,
        "tags": list(row.tags),
        "exclusion": row.exclusion,
        "gap": row.gap.value if row.gap is not None else None,
    }


def report_data(report: Report) -> dict[str, Any]:
    """Return the whole report as plain data."""
    scope = report.scope
    s = report.summary
    return {
        "format": FORMAT,
        "title": report.title,
        "as_of": report.as_of.isoformat(),
        "ruleset_version": report.ruleset_version,
        "generator": report.generator,
        "counting": report.counting,
        "scope": {
            "organization_id": scope.organization_id,
            "organization_name": scope.organization_name,
            "application_level": scope.application_level,
            "document_id": scope.document_id,
            "units": list(scope.units),
            "last_reviewed_on": _date(scope.last_reviewed_on),
            "statement": scope.statement,
            "relationships": [
                {
                    "id": r.id,
                    "name": r.name,
                    "stage": int(r.stage),
                    "stage_name": r.stage.label,
                    "in_scope": r.in_scope,
                }
                for r in scope.relationships
            ],
        },
        "exclusions": [
            {
                "requirement": e.requirement,
                "source": e.source,
                "justification": e.justification,
                "title": e.title,
                "clause": e.clause,
                "approved_by": e.approved_by,
                "approved_on": _date(e.approved_on),
            }
            for e in report.exclusions
        ],
        "summary": {
            "overall": counts_data(s.overall),
            "by_clause": _tallies(s.by_clause),
            "by_stage": _tallies(s.by_stage),
            "by_level": _tallies(s.by_level),
            "by_subject": _tallies(s.by_subject),
        },
        "rows": [row_data(r) for r in report.rows],
    }


def _verdict(v: Verdict | None) -> str | None:
    return None if v is None else v.value


def _change(c: RowChange) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "rule_id": c.rule_id,
        "clause": c.clause,
        "title": c.title,
        "subject_id": c.subject_id,
        "before": _verdict(c.before),
        "after": _verdict(c.after),
        "message": c.message,
    }


def diff_data(diff: ReportDiff) -> dict[str, Any]:
    """Return a report diff as plain data."""
    return {
        "before": {"as_of": diff.before_as_of.isoformat(),
                   "ruleset_version": diff.before_ruleset_version,
                   "counts": counts_data(diff.before)},
        "after": {"as_of": diff.after_as_of.isoformat(),
                  "ruleset_version": diff.after_ruleset_version,
                  "counts": counts_data(diff.after)},
        "changed": [_change(c) for c in diff.changed],
        "added": [_change(c) for c in diff.added],
        "removed": [_change(c) for c in diff.removed],
    }  # fmt: skip
