"""Markdown rendering of reports and report diffs (readable raw, and rendered by GFM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collabrel._render._common import (
    condition_text,
    counts,
    fact_text,
    gap_text,
    gaps_text,
    md,
    percent,
    stage_text,
)
from collabrel.reports import CLAUSE_NAMES

if TYPE_CHECKING:
    from collabrel.reports import Report, ReportDiff, ReportRow, RowChange, Tally
    from collabrel.views import Score

__all__ = ["diff_markdown", "report_markdown"]

_COUNT_HEAD = "| Pass | Fail | Unknown | Error | N/A | Met |"
_COUNT_RULE = "|---:|---:|---:|---:|---:|---:|"


def _count_cells(score: Score) -> str:
    return "| " + " | ".join(str(n) for n in counts(score)) + f" | {percent(score)} |"


def _overall(score: Score) -> str:
    p, f, u, e, na = counts(score)
    return (
        f"**{p} pass, {f} fail, {u} unknown, {e} error, {na} not applicable**; "
        f"share met: {percent(score)}. Of the fail and unknown findings: {gaps_text(score)}."
    )


def _tally_table(title: str, tallies: tuple[Tally, ...]) -> list[str]:
    lines = [f"### By {title}", "", f"| {title.capitalize()} | Name {_COUNT_HEAD}",
             f"|---|---{_COUNT_RULE}"]  # fmt: skip
    lines += [f"| {md(t.key)} | {md(t.label)} {_count_cells(t.score)}" for t in tallies]
    return [*lines, ""]


def _scope(report: Report) -> list[str]:
    s = report.scope
    lines = ["## Scope (4.3)", "", md(s.statement), ""]
    lines.append(f"- Organization: {md(s.organization_name)} ({md(s.organization_id)})")
    lines.append(f"- Application level: {md(s.application_level or 'not recorded')}")
    lines.append(f"- Scope document: {md(s.document_id or 'not recorded')}")
    lines.append(f"- Units: {md(', '.join(s.units) or 'none listed')}")
    lines.append(f"- Last reviewed on: {s.last_reviewed_on or 'not recorded'}")
    lines += ["", "| Relationship | Name | Stage | In scope |", "|---|---|---|---|"]
    lines += [
        f"| {md(r.id)} | {md(r.name)} | {md(stage_text(r.stage))} | "
        f"{'yes' if r.in_scope else 'no'} |"
        for r in s.relationships
    ]
    return [*lines, ""]


def _exclusions(report: Report) -> list[str]:
    lines = ["## Exclusions", ""]
    if not report.exclusions:
        return [*lines, "No requirement is excluded.", ""]
    lines += [
        "| Requirement | Source | Clause | Title | Justification | Approved by | Approved on |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {md(e.requirement)} | {md(e.source)} | {md(e.clause or '-')} | {md(e.title or '-')} "
        f"| {md(e.justification)} | {md(e.approved_by or '-')} | {e.approved_on or '-'} |"
        for e in report.exclusions
    ]
    return [*lines, ""]


def _to_act_on(report: Report) -> list[str]:
    failed = report.failed()
    lines = ["## Findings to act on", ""]
    if not failed:
        return [*lines, "Nothing to act on: no finding fails, is unknown or errs.", ""]
    lines += [
        "| Verdict | Kind | Severity | Clause | Rule | Subject | Why |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.verdict.label.upper()} | {md(gap_text(r) or '-')} | {md(r.severity)} "
        f"| {md(r.clause)} | {md(r.rule_id)} | {md(r.subject_id)} | {md(r.message)} |"
        for r in failed
    ]
    return [*lines, ""]


def _row(row: ReportRow) -> list[str]:
    lines = [
        (
            f"- **{row.verdict.label.upper()}** {md(row.rule_id)} ({md(row.clause)}) on "
            f"**{md(row.subject_id)}** ({md(row.subject_name)})"
        ),
        f"  - Requirement: {md(row.title)}",
        (
            f"  - Level {md(row.level)}; {md(stage_text(row.stage))}; mode {md(row.mode)}; "
            f"severity {md(row.severity)}"
        ),
        f"  - Why: {md(row.message)}",
    ]
    if row.gap is not None:
        lines.append(f"  - Kind: {md(gap_text(row))}")
    lines += [f"  - Failing: {md(condition_text(c))}" for c in row.explanation]
    if row.error:
        lines.append(f"  - Error: {md(row.error)}")
    if row.evidence:
        lines.append(f"  - Evidence: {'; '.join(md(fact_text(f)) for f in row.evidence)}")
    lines.append(f"  - Remedy: {md(row.remedy)}")
    if row.exclusion:
        lines.append(f"  - Scope exclusion: {md(row.exclusion)}")
    if row.tags:
        lines.append(f"  - Tags: {md(', '.join(row.tags))}")
    return lines


def _rows(report: Report) -> list[str]:
    lines = ["## Findings", ""]
    current = None
    for row in report.rows:
        if row.top_clause != current:
            current = row.top_clause
            name = CLAUSE_NAMES.get(current, "")
            lines += [f"### Clause {md(current)}{': ' + name if name else ''}", ""]
        lines += _row(row)
    return [*lines, ""]


def report_markdown(report: Report) -> str:
    """Render *report* as Markdown."""
    lines = [
        f"# {md(report.title)}",
        "",
        f"- As of: {report.as_of}",
        f"- Rule set: {md(report.ruleset_version)}",
        f"- Generated by: {md(report.generator)}",
        "",
        "## Summary",
        "",
        _overall(report.summary.overall),
        "",
        md(report.counting),
        "",
    ]
    s = report.summary
    lines += _tally_table("clause", s.by_clause)
    lines += _tally_table("stage", s.by_stage)
    lines += _tally_table("level", s.by_level)
    lines += _tally_table("subject", s.by_subject)
    lines += _scope(report)
    lines += _exclusions(report)
    lines += _to_act_on(report)
    lines += _rows(report)
    return "\n".join(lines).rstrip() + "\n"


def _change_line(c: RowChange) -> str:
    before = c.before.label if c.before is not None else "-"
    after = c.after.label if c.after is not None else "-"
    return (
        f"| {md(c.clause)} | {md(c.rule_id)} | {md(c.subject_id)} | {before} | {after} "
        f"| {md(c.message)} |"
    )


def diff_markdown(diff: ReportDiff) -> str:
    """Render a report diff as Markdown."""
    lines = [
        f"# Changes from {diff.before_as_of} to {diff.after_as_of}",
        "",
        (
            f"- Before: {diff.before_as_of}, rule set {md(diff.before_ruleset_version)}: "
            f"{_overall(diff.before)}"
        ),
        (
            f"- After: {diff.after_as_of}, rule set {md(diff.after_ruleset_version)}: "
            f"{_overall(diff.after)}"
        ),
        "",
    ]
    head = ["| Clause | Rule | Subject | Before | After | Why |", "|---|---|---|---|---|---|"]
    for title, changes in (("Verdicts changed", diff.changed), ("Rows added", diff.added),
                           ("Rows removed", diff.removed)):  # fmt: skip
        lines += [f"## {title} ({len(changes)})", ""]
        lines += [*head, *(_change_line(c) for c in changes)] if changes else ["None."]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
