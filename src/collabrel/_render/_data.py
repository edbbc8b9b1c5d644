"""The JSON shape of reports and diffs (described by ``_data/report.schema.json``).

:func:`write_json` writes a report as it goes, one row at a time, with exactly the text that
``json.dumps(report_data(...), indent=2)`` gives for the same report; :func:`report_from_data`
reads it back.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from collabrel._stages import Stage
from collabrel.errors import LoadError, Problem
from collabrel.reports import FORMAT

if TYPE_CHECKING:
    from collabrel._render._doc import Document
    from collabrel.reports import Report, ReportDiff, ReportRow, RowChange, Tally
    from collabrel.rules import Verdict
    from collabrel.views import Score

__all__ = ["counts_data", "diff_data", "report_data", "report_from_data", "row_data", "write_json"]


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
    subject_stage, subject_stage_name = _stage(row.subject_stage)
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
        "subject_stage": subject_stage,
        "subject_stage_name": subject_stage_name,
        "gap": row.gap.value if row.gap is not None else None,
        "owner": row.owner,
        "due_on": _date(row.due_on),
        "tracked_by": row.tracked_by,
    }


def _head(doc: Document) -> dict[str, Any]:
    scope = doc.scope
    s = doc.summary
    return {
        "format": FORMAT,
        "title": doc.title,
        "view": doc.view,
        "as_of": doc.as_of.isoformat(),
        "ruleset_version": doc.ruleset_version,
        "generator": doc.generator,
        "counting": doc.counting,
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
            for e in doc.exclusions
        ],
        "summary": {
            "overall": counts_data(s.overall),
            "by_clause": _tallies(s.by_clause),
            "by_stage": _tallies(s.by_stage),
            "by_level": _tallies(s.by_level),
            "by_subject": _tallies(s.by_subject),
        },
    }


def write_json(doc: Document, out: TextIO, *, ascii_only: bool = False) -> None:
    """Write *doc* as JSON, one row at a time (*ascii_only*: escape every non-ASCII character).

    The text is the one :func:`json.dumps` with ``indent=2`` gives for the whole document.
    """
    head = json.dumps(_head(doc), indent=2, ensure_ascii=ascii_only)
    out.write(head[:-2])  # everything but the closing "\n}"
    out.write(',\n  "rows": [')
    first = True
    for row in doc.rows():
        text = json.dumps(row_data(row), indent=2, ensure_ascii=ascii_only)
        out.write(("\n    " if first else ",\n    ") + text.replace("\n", "\n    "))
        first = False
    out.write("]\n}\n" if first else "\n  ]\n}\n")


def report_data(report: Report) -> dict[str, Any]:
    """Return the whole report as plain data."""
    from collabrel._render._doc import Document

    doc = Document.of_report(report)
    data = _head(doc)
    data["rows"] = [row_data(r) for r in report.rows]
    return data


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
        "before": {
            "as_of": diff.before_as_of.isoformat(),
            "ruleset_version": diff.before_ruleset_version,
            "counts": counts_data(diff.before),
        },
        "after": {
            "as_of": diff.after_as_of.isoformat(),
            "ruleset_version": diff.after_ruleset_version,
            "counts": counts_data(diff.after),
        },
        "changed": [_change(c) for c in diff.changed],
        "added": [_change(c) for c in diff.added],
        "removed": [_change(c) for c in diff.removed],
    }


# ------------------------------------------------------------------------- reading back


class _Bad(Exception):  # noqa: N818 - private, a problem at a path
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _get(
    data: Any, key: str, path: str, kind: type | tuple[type, ...], *, null: bool = False
) -> Any:
    if not isinstance(data, dict):
        raise _Bad(path, f"expected an object, got {type(data).__name__}")
    if key not in data:
        if null:
            return None
        raise _Bad(f"{path}.{key}", "missing")
    value = data[key]
    if value is None and null:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _Bad(f"{path}.{key}", f"expected {names}, got {type(value).__name__}")
    return value


def _parse_date(text: str | None, path: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Bad(path, f"not a date: {text!r}") from None


def _stage_of(number: int | None, path: str) -> Stage | None:
    if number is None:
        return None
    try:
        return Stage(number)
    except ValueError:
        raise _Bad(path, f"not a stage number: {number!r}") from None


def _gap(value: str | None, path: str) -> Any:
    from collabrel.rules import GapKind

    if value is None:
        return None
    try:
        return GapKind(value)
    except ValueError:
        raise _Bad(path, f"not a kind of gap: {value!r}") from None


def _row(data: Any, path: str) -> ReportRow:
    from collabrel.reports import FailedCondition, ReportRow
    from collabrel.rules import Fact, Verdict

    def text(key: str, *, null: bool = False) -> Any:
        return _get(data, key, path, str, null=null)

    verdict = text("verdict")
    try:
        v = Verdict(verdict)
    except ValueError:
        raise _Bad(f"{path}.verdict", f"not a verdict: {verdict!r}") from None
    evidence = tuple(
        Fact(
            path=_get(f, "path", f"{path}.evidence[{i}]", str),
            value=_get(f, "value", f"{path}.evidence[{i}]", str),
        )
        for i, f in enumerate(_get(data, "evidence", path, list))
    )
    explanation = tuple(
        FailedCondition(
            **{
                k: _get(c, k, f"{path}.explanation[{i}]", str, null=k != "condition")
                for k in ("condition", "path", "actual", "expected", "hint")
            }
        )
        for i, c in enumerate(_get(data, "explanation", path, list))
    )
    return ReportRow(
        rule_id=text("rule_id"),
        clause=text("clause"),
        title=text("title"),
        subject_id=text("subject_id"),
        subject_name=text("subject_name"),
        level=text("level"),
        stage=_stage_of(_get(data, "stage", path, int, null=True), f"{path}.stage"),
        mode=text("mode"),
        severity=text("severity"),
        verdict=v,
        message=text("message"),
        remedy=text("remedy"),
        evidence=evidence,
        explanation=explanation,
        error=text("error", null=True),
        tags=tuple(_get(data, "tags", path, list)),
        exclusion=text("exclusion", null=True),
        subject_stage=_stage_of(
            _get(data, "subject_stage", path, int, null=True), f"{path}.subject_stage"
        ),
        gap=_gap(text("gap", null=True), f"{path}.gap"),
        owner=text("owner", null=True),
        due_on=_parse_date(text("due_on", null=True), f"{path}.due_on"),
        tracked_by=text("tracked_by", null=True),
    )


def _report(data: Any) -> Report:
    from collabrel.reports import (
        Report,
        ReportExclusion,
        ScopedRelationship,
        ScopeStatement,
        Summary,
    )

    fmt = _get(data, "format", "$", str)
    if fmt != FORMAT:
        raise _Bad("$.format", f"expected {FORMAT!r}, got {fmt!r}: not a collabrel report")
    if _get(data, "view", "$", str, null=True) not in {None, "full"}:
        raise _Bad(
            "$.view",
            "an action view holds only the rows that need action: compare "
            "full reports (collabrel assess --format json, without --actions)",
        )
    s = _get(data, "scope", "$", dict)
    rels = tuple(
        ScopedRelationship(
            id=_get(r, "id", p, str),
            name=_get(r, "name", p, str),
            stage=_stage_of(_get(r, "stage", p, int), f"{p}.stage") or Stage(0),
            in_scope=_get(r, "in_scope", p, bool),
        )
        for i, r in enumerate(_get(s, "relationships", "$.scope", list))
        for p in (f"$.scope.relationships[{i}]",)
    )
    scope = ScopeStatement(
        organization_id=_get(s, "organization_id", "$.scope", str),
        organization_name=_get(s, "organization_name", "$.scope", str),
        application_level=_get(s, "application_level", "$.scope", str, null=True),
        document_id=_get(s, "document_id", "$.scope", str, null=True),
        units=tuple(_get(s, "units", "$.scope", list)),
        relationships=rels,
        last_reviewed_on=_parse_date(
            _get(s, "last_reviewed_on", "$.scope", str, null=True), "$.scope.last_reviewed_on"
        ),
    )
    exclusions = tuple(
        ReportExclusion(
            requirement=_get(e, "requirement", p, str),
            source=_get(e, "source", p, str),
            justification=_get(e, "justification", p, str),
            title=_get(e, "title", p, str, null=True),
            clause=_get(e, "clause", p, str, null=True),
            approved_by=_get(e, "approved_by", p, str, null=True),
            approved_on=_parse_date(_get(e, "approved_on", p, str, null=True), f"{p}.approved_on"),
        )
        for i, e in enumerate(_get(data, "exclusions", "$", list))
        for p in (f"$.exclusions[{i}]",)
    )
    rows = tuple(_row(r, f"$.rows[{i}]") for i, r in enumerate(_get(data, "rows", "$", list)))
    order = [r.id for r in rels]
    return Report(
        title=_get(data, "title", "$", str),
        as_of=_parse_date(_get(data, "as_of", "$", str), "$.as_of") or date.min,
        ruleset_version=_get(data, "ruleset_version", "$", str),
        generator=_get(data, "generator", "$", str),
        scope=scope,
        exclusions=exclusions,
        summary=Summary.of(rows, subject_order=[scope.organization_id, *order]),
        rows=rows,
        counting=_get(data, "counting", "$", str),
    )


def report_from_data(data: Any, *, source: str = "<data>") -> Report:
    """Build a report back from its JSON data (the counts are recomputed from the rows).

    Raises:
        LoadError: naming the path of the first thing that is not as a report has it.
    """
    try:
        return _report(data)
    except _Bad as bad:
        raise LoadError(
            [
                Problem(
                    path=bad.path,
                    message=bad.message,
                    hint="the file must be a JSON report written by collabrel",
                )
            ],
            source=source,
        ) from None
