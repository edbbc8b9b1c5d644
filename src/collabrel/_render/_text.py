"""Plain text for a terminal: a report's summary and what needs action, and report diffs.

Text is a summary format: whatever the view, it shows the counts and the action plan (the
full table is for the other formats). Long lists of relationships are cut short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from collabrel._render._common import gaps_text, kind_label, owner_text, plural, stage_text
from collabrel.rules import Verdict

if TYPE_CHECKING:
    from collabrel._render._doc import Document
    from collabrel.reports import ReportDiff, ReportRow, RowChange, SubjectActions
    from collabrel.views import Score

__all__ = ["MAX_LISTED", "diff_text", "score_text", "write_text"]

MAX_LISTED = 25
"""How many relationships the scope list of a text report shows before it says how many more."""


def score_text(score: Score) -> str:
    """The counts as words, in the order of :class:`~collabrel.rules.Verdict`."""
    values = {
        Verdict.PASS: score.passed,
        Verdict.FAIL: score.failed,
        Verdict.NOT_APPLICABLE: score.not_applicable,
        Verdict.UNKNOWN: score.unknown,
        Verdict.ERROR: score.error,
    }
    return ", ".join(f"{values[v]} {v.label.lower()}" for v in Verdict)


def _head(doc: Document) -> list[str]:
    s = doc.scope
    lines = [
        (
            f"# {s.organization_name} ({s.organization_id}): collaborative relationships as of "
            f"{doc.as_of}"
        ),
        "",
        s.statement,
    ]
    for r in s.relationships[:MAX_LISTED]:
        where = "" if r.in_scope else "  [out of scope]"
        lines.append(f"  {r.id:<24} {stage_text(r.stage):<36} {r.name}{where}")
    more = len(s.relationships) - MAX_LISTED
    if more > 0:
        lines.append(f"  ... and {more} more relationships")
    lines += [
        "",
        f"Rule set {doc.ruleset_version}, as of {doc.as_of}: {score_text(doc.summary.overall)}",
    ]
    if doc.exclusions:
        lines.append("Exclusions:")
        lines += [f"  {e.requirement} ({e.source}): {e.justification}" for e in doc.exclusions]
    return lines


def _row(row: ReportRow) -> list[str]:
    kind = f" {kind_label(row.kind)}" if row.kind and row.kind != "error" else ""
    head = f"[{row.verdict.label.upper()}{kind}] {row.subject_id} {row.rule_id} ({row.clause})"
    lines = [f"      {head}: {row.title}", f"          why: {row.message}"]
    lines += [f"            - {leaf}" for leaf in row.explanation]
    if row.error:
        lines.append(f"          error: {row.error}")
    lines.append(f"          do:  {row.remedy}")
    who = owner_text(row)
    if who:
        lines.append(f"          {who}")
    return lines


def _subject(subject: SubjectActions) -> list[str]:
    where = f", {stage_text(subject.stage)}" if subject.stage is not None else " (organization)"
    tally = ", ".join(
        plural(subject.count(kind), kind_label(kind)) for kind, _, _ in subject.sections
    )
    lines = ["", f"{subject.subject_id}: {subject.subject_name}{where}: {tally}"]
    for _, label, clauses in subject.sections:
        lines.append(f"  {label}")
        for group in clauses:
            lines.append(f"    Clause {group.clause}: {group.label}")
            for row in group.rows:
                lines += _row(row)
    return lines


def write_text(doc: Document, out: TextIO) -> None:
    """Write the summary of *doc* and what needs action, subject by subject."""
    out.write("\n".join(_head(doc)) + "\n")
    o = doc.summary.overall
    need = o.failed + o.unknown + o.error
    if need == 0:
        out.write("\nNothing to act on.\n")
        return
    out.write(
        f"\nWhat needs action: {need} findings ({o.failed} fail, {o.unknown} unknown, "
        f"{o.error} error; {gaps_text(o)}), by subject:\n"
    )
    out.writelines("\n".join(_subject(subject)) + "\n" for subject in doc.action_subjects())
    if doc.omitted_actions:
        out.write(f"\n{doc.omitted_note(doc.omitted_actions)}\n")


def _change(c: RowChange) -> str:
    before = c.before.label if c.before is not None else "-"
    after = c.after.label if c.after is not None else "-"
    return f"  {c.subject_id:<24} {c.rule_id:<44} {before:>14} -> {after:<14} {c.message}"


def diff_text(diff: ReportDiff) -> str:
    """Render a report diff as plain text."""
    lines = [
        (
            f"Changes from {diff.before_as_of} (rule set {diff.before_ruleset_version}) to "
            f"{diff.after_as_of} (rule set {diff.after_ruleset_version})"
        ),
        f"  before: {score_text(diff.before)}",
        f"  after:  {score_text(diff.after)}",
        f"  {len(diff.worse)} got worse, {len(diff.better)} got better",
    ]
    for title, changes in (
        ("Verdicts changed", diff.changed),
        ("Rows added", diff.added),
        ("Rows removed", diff.removed),
    ):
        lines += ["", f"{title} ({len(changes)}):"]
        lines += [_change(c) for c in changes] if changes else ["  none"]
    return "\n".join(lines) + "\n"
