"""Tables the command prints besides reports: the checklist, maturity and the lifecycle.

Each is a :class:`Page`: a title, a few facts about it, columns and rows. A page renders as
Markdown, HTML (the ``page.html`` template), CSV or JSON; the command keeps its own layout
for plain text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from collabrel._render._common import md, plural
from collabrel._render._tabular import neutralise
from collabrel._stages import Stage

if TYPE_CHECKING:
    from collabrel._model import Portfolio
    from collabrel.lifecycle import Lifecycle
    from collabrel.maturity import MaturityMatrix, Profile
    from collabrel.views import Checklist

__all__ = ["Page", "checklist_page", "lifecycle_page", "maturity_page", "write_page"]

PAGE_FORMATS = ("md", "html", "csv", "json")
"""The formats a page renders in (plain text is the command's own)."""


@attrs.frozen(kw_only=True)
class Page:
    """A titled table with a few facts above it and notes below."""

    kind: str
    """``checklist``, ``maturity`` or ``lifecycle`` (the JSON ``format`` is
    ``collabrel.<kind>/1``)."""
    title: str
    """The page title."""
    meta: tuple[tuple[str, str], ...]
    """Facts shown under the title: (label, value)."""
    columns: tuple[tuple[str, str], ...]
    """The columns: (key, header)."""
    rows: tuple[dict[str, Any], ...]
    """One mapping per row, keyed by column key."""
    notes: tuple[str, ...] = ()
    """Sentences shown under the table."""
    badges: frozenset[str] = frozenset()
    """Columns shown as coloured badges (verdicts, answers, allowed or blocked)."""
    groups: str | None = None
    """A column whose changes start a new group (a heading) instead of being repeated."""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "; ".join(_cell(v) for v in value)
    return str(value)


def _markdown(page: Page, out: TextIO) -> None:
    lines = [f"# {md(page.title)}", ""]
    lines += [f"- {md(label)}: {md(value)}" for label, value in page.meta]
    cols = [c for c in page.columns if c[0] != page.groups]
    head = ["| " + " | ".join(md(h) for _, h in cols) + " |", "|" + "---|" * len(cols)]
    if page.groups is None:
        lines += ["", *head]
    current: object = object()
    for row in page.rows:
        if page.groups is not None and row[page.groups] != current:
            current = row[page.groups]
            lines += ["", f"## {md(_cell(current))}", "", *head]
        lines.append("| " + " | ".join(md(_cell(row.get(k))) for k, _ in cols) + " |")
    if page.notes:
        lines += ["", *(md(n) for n in page.notes)]
    out.write("\n".join(lines) + "\n")


def _csv(page: Page, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow([k for k, _ in page.columns])
    for row in page.rows:
        writer.writerow([neutralise(_cell(row.get(k))) for k, _ in page.columns])


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Stage):
        return int(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _json(page: Page, out: TextIO, *, ascii_only: bool) -> None:
    data = {
        "format": f"collabrel.{page.kind}/1",
        "title": page.title,
        "meta": dict(page.meta),
        "rows": [{k: _json_value(row.get(k)) for k, _ in page.columns} for row in page.rows],
        "notes": list(page.notes),
    }
    out.write(json.dumps(data, indent=2, ensure_ascii=ascii_only) + "\n")


def write_page(
    page: Page,
    out: TextIO,
    fmt: str,
    *,
    templates: str | Path | None = None,
    ascii_only: bool = False,
) -> None:
    """Write *page* to *out* in *fmt* (one of :data:`PAGE_FORMATS`)."""
    if fmt == "md":
        _markdown(page, out)
    elif fmt == "csv":
        _csv(page, out)
    elif fmt == "json":
        _json(page, out, ascii_only=ascii_only)
    elif fmt == "html":
        from collabrel._render._html import environment

        template = environment(templates).get_template("page.html")
        out.writelines(template.generate(page=page, cell=_cell))
    else:  # pragma: no cover - the command offers the formats above only
        msg = f"a {page.kind} page has no {fmt} format"
        raise ValueError(msg)


# ------------------------------------------------------------------------------ pages


def checklist_page(checklist: Checklist, organization: str, *, gaps_only: bool) -> Page:
    """The Annex A checklist as a page (only the No and Partial rows with *gaps_only*)."""
    rows = checklist.gaps() if gaps_only else checklist.rows
    out = []
    for r in rows:
        s = r.score
        not_met = [
            f"{f.subject_id}: {f.verdict.label.lower()}: {f.message}"
            for f in r.findings
            if not f.ok
        ]
        out.append(
            {
                "clause": r.clause,
                "rule_id": r.rule_id,
                "question": r.question,
                "answer": r.answer.value,
                "automatic": r.automatic.value,
                "override": r.override.answer.value if r.override else None,
                "pass": s.passed,
                "fail": s.failed,
                "unknown": s.unknown,
                "error": s.error,
                "not_applicable": s.not_applicable,
                "not_met": not_met,
            }
        )
    notes = [f"excluded {rule_id}: {why}" for rule_id, why in checklist.excluded]
    notes.append(checklist.counting)
    return Page(
        kind="checklist",
        title=f"Annex A checklist of {organization}",
        meta=(
            ("As of", str(checklist.as_of)),
            ("Rule set", checklist.ruleset_version),
            ("Questions", str(len(out))),
        ),
        columns=(
            ("clause", "Clause"),
            ("rule_id", "Rule"),
            ("question", "Question"),
            ("answer", "Answer"),
            ("automatic", "Automatic"),
            ("override", "Override"),
            ("pass", "Pass"),
            ("fail", "Fail"),
            ("unknown", "Unknown"),
            ("error", "Error"),
            ("not_applicable", "N/A"),
            ("not_met", "Not met on"),
        ),
        rows=tuple(out),
        notes=tuple(notes),
        badges=frozenset({"answer", "automatic"}),
    )


def level_text(level: float | None) -> str:
    """A maturity level rounded for people: ``3``, ``2.5``, or ``-`` when not assessed."""
    if level is None:
        return "-"
    rounded = round(level, 1)
    return f"{rounded:g}"


def maturity_page(
    profiles: Sequence[tuple[str, str, Stage, Profile]], matrix: MaturityMatrix, as_of: date
) -> Page:
    """Evidenced maturity: one row per (relationship, theme), with theme names."""
    names = {t.key: t.name for t in matrix.themes}
    rows = [
        {
            "relationship": f"{name} ({rid}), {stage}",
            "relationship_id": rid,
            "theme": tl.theme,
            "theme_name": names.get(tl.theme, tl.theme),
            "level": None if tl.level is None else round(tl.level, 1),
            "level_name": _level_name(matrix, tl.level),
            "reason": tl.reason,
        }
        for rid, name, stage, profile in profiles
        for tl in profile.levels
    ]
    return Page(
        kind="maturity",
        title=f"Evidenced maturity ({matrix.name})",
        meta=(("As of", str(as_of)), ("Relationships", str(len(profiles)))),
        columns=(
            ("relationship", "Relationship"),
            ("relationship_id", "Id"),
            ("theme", "Theme"),
            ("theme_name", "Name"),
            ("level", "Level"),
            ("level_name", "Level name"),
            ("reason", "Why"),
        ),
        rows=tuple(rows),
        groups="relationship",
    )


def _level_name(matrix: MaturityMatrix, level: float | None) -> str | None:
    if level is None:
        return None
    whole = max(1, min(matrix.max_level, round(level)))
    return matrix.level(whole).name


def lifecycle_page(portfolio: Portfolio, lifecycle: Lifecycle, as_of: date) -> Page:
    """Each relationship's stage, its possible stage changes, and whether it may advance."""
    from collabrel.lifecycle import transitions_from

    org = portfolio.organization
    rows = []
    for rel in portfolio.relationships:
        moves = transitions_from(rel.stage)
        advance = next((t for t in moves if t.name == "advance"), None)
        row: dict[str, Any] = {
            "relationship_id": rel.id,
            "name": rel.name,
            "stage": rel.stage,
            "stage_name": str(rel.stage),
            "transitions": [f"{t.name} -> {t.dest}" for t in moves],
            "next": str(advance.dest) if advance else None,
        }
        if not moves:
            row.update(advance="closed", reasons=["no stage change is possible"])
        elif advance is None:
            row.update(
                advance="not from this stage", reasons=["it is left by exit strategy activation"]
            )
        else:
            check = lifecycle.can_advance(rel, org, as_of=as_of)
            who = ", ".join(f"{a.by} ({a.party})" for a in check.approvers) or "no active SER"
            kind = "every party's SER approves, a joint gate" if check.joint else "an active SER"
            row["approval"] = f"{kind}; SERs: {who}"
            if check.allowed:
                row.update(
                    advance="allowed",
                    reasons=["the gate passes" if check.transition.gated else "no gate"],
                )
            else:
                row.update(advance="blocked", reasons=list(check.reasons()))
        rows.append(row)
    blocked = sum(1 for r in rows if r["advance"] == "blocked")
    return Page(
        kind="lifecycle",
        title=f"Lifecycle of the relationships of {org.name}",
        meta=(
            ("As of", str(as_of)),
            ("Relationships", str(len(rows))),
            ("Blocked at their gate", plural(blocked, "relationship")),
        ),
        columns=(
            ("relationship_id", "Relationship"),
            ("name", "Name"),
            ("stage", "Stage"),
            ("stage_name", "Stage name"),
            ("next", "Next stage"),
            ("advance", "Advance"),
            ("reasons", "Why"),
            ("approval", "Approved by"),
            ("transitions", "Possible changes"),
        ),
        rows=tuple(rows),
        badges=frozenset({"advance"}),
    )
