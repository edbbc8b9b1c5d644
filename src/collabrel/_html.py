"""Jupyter displays: small HTML renderers behind the ``_repr_html_`` of the main objects.

A display stays small whatever the object's size: a table shows its first
:data:`DISPLAY_ROWS` rows and says how many more there are; ``show_all(obj)`` displays the
same object with every row, rendered only when it is displayed. Every value is escaped, and
control characters are shown as escapes.
"""

from __future__ import annotations

import html
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collabrel.rules import Explanation, Finding, Session

__all__ = [
    "DISPLAY_ROWS",
    "TAIL_ROWS",
    "ShowAll",
    "badge",
    "box",
    "display_limit",
    "explanation_html",
    "findings_table",
    "gate_check_html",
    "session_html",
    "table",
    "unlimited",
]

DISPLAY_ROWS = 25
"""How many rows a display shows before it summarises the rest."""
TAIL_ROWS = 5
"""Of those, how many are the last rows of a long table."""

_LIMIT: ContextVar[int | None] = ContextVar("collabrel_display_rows", default=DISPLAY_ROWS)
_STYLE = "border-collapse:collapse;font-size:0.9em;"
_COLOURS = {
    "pass": ("#dafbe1", "#116329"),
    "fail": ("#ffebe9", "#a40e26"),
    "unknown": ("#fff8c5", "#7d4e00"),
    "error": ("#fbefff", "#6e3b9e"),
    "not_applicable": ("#f3f5f7", "#57606a"),
}


def display_limit() -> int | None:
    """The number of rows displays show now (``None``: every row, inside :func:`unlimited`)."""
    return _LIMIT.get()


@contextmanager
def unlimited() -> Iterator[None]:
    """Within the block, displays show every row."""
    token = _LIMIT.set(None)
    try:
        yield
    finally:
        _LIMIT.reset(token)


class ShowAll:
    """An object displayed with every row of its tables (made by ``views.show_all``)."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def _repr_html_(self) -> str:
        render: Callable[[], str] | None = getattr(self.obj, "_repr_html_", None)
        if render is None:
            return f"<pre>{_cell(repr(self.obj))}</pre>"
        with unlimited():
            return render()

    def __repr__(self) -> str:
        return f"show_all({self.obj!r})"


def _cell(value: Any) -> str:
    from collabrel._render._common import visible  # control characters shown, never obeyed

    return html.escape(visible("" if value is None else str(value)))


def badge(verdict: str) -> str:
    """A coloured verdict label."""
    bg, fg = _COLOURS.get(verdict, ("#f3f5f7", "#1b1f24"))
    label = "N/A" if verdict == "not_applicable" else verdict.replace("_", " ").capitalize()
    return (
        f"<span style='background:{bg};color:{fg};border-radius:4px;padding:0 .4em;"
        f"font-weight:600'>{_cell(label)}</span>"
    )


def _more(hidden: int, columns: int) -> str:
    return (
        f"<tr><td colspan='{columns}' style='padding:2px 6px;font-style:italic;color:#57606a'>"
        f"{hidden} more row{'s' if hidden != 1 else ''} not shown; "
        "<code>collabrel.views.show_all(...)</code> displays every row</td></tr>"
    )


def table(
    caption: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    raw: int = -1,
    more: int = 0,
) -> str:
    """Return an HTML table with every value escaped, cut at :func:`display_limit` rows.

    A long table shows its first rows and its last :data:`TAIL_ROWS` (where a listing puts
    what comes apart, such as exclusions), with the number of rows between them.

    *raw* is the index of a column whose values are HTML already (a badge), or -1; *more*
    counts rows the caller left out already (they are said to be there, not shown).
    """
    limit = display_limit()
    head = "".join(f"<th style='text-align:left;padding:2px 6px'>{_cell(h)}</th>" for h in header)

    def tr(row: Sequence[Any]) -> str:
        cells = "".join(
            f"<td style='padding:2px 6px'>{v if j == raw else _cell(v)}</td>"
            for j, v in enumerate(row)
        )
        return f"<tr>{cells}</tr>"

    if limit is None:
        body = "".join(tr(row) for row in rows)
    else:
        tail = 0 if more else min(TAIL_ROWS, limit)
        keep = limit - tail
        first_rows: list[str] = []
        last_rows: deque[Sequence[Any]] = deque(maxlen=tail)
        hidden = more
        for i, row in enumerate(rows):
            if i < keep:
                first_rows.append(tr(row))
            elif tail == 0:
                hidden += 1
            else:
                if len(last_rows) == tail:
                    hidden += 1
                last_rows.append(row)
        gap = _more(hidden, len(header)) if hidden else ""
        body = "".join(first_rows) + gap + "".join(tr(row) for row in last_rows)
    return (
        f"<table style='{_STYLE}'><caption style='text-align:left'><b>{_cell(caption)}</b>"
        f"</caption><tr>{head}</tr>{body}</table>"
    )


def box(title: str, lines: Iterable[str], *tables: str) -> str:
    """A titled block: a few lines of text (HTML already), then tables."""
    body = "".join(f"<div>{line}</div>" for line in lines)
    return (
        "<div style='font-family:system-ui,sans-serif;font-size:14px;line-height:1.4'>"
        f"<div style='font-weight:600;font-size:1.1em'>{_cell(title)}</div>{body}"
        f"{''.join(tables)}</div>"
    )


def findings_table(caption: str, findings: Iterable[Finding]) -> str:
    """The findings that need action, with verdict, why and remedy (cut as :func:`table`)."""
    rows = (
        (badge(f.verdict.value), f.subject_id, f.rule_id, f.title, f.message, f.remedy)
        for f in findings
        if not f.ok
    )
    return table(
        caption, ("verdict", "subject", "rule", "requirement", "why", "remedy"), rows, raw=0
    )


def counts_line(counts: dict[Any, int]) -> str:
    """``643 pass, 27 fail, ...`` with badges."""
    return ", ".join(f"{badge(v.value)} {n}" for v, n in counts.items())


def session_html(session: Session) -> str:
    """The display of a session: what it holds, its counts, and the first subjects' counts.

    Only cheap queries run: the counts of the compact verdicts and the verdicts of the
    subjects shown, never a finding per pair.
    """
    from collabrel.rules import Level, Verdict

    org = session.organization
    rels = session.portfolio.relationships
    counts = session.counts()
    specs = list(session.ruleset)
    rel_specs = [s for s in specs if s.level is not Level.ORG]
    org_specs = [s for s in specs if s.level is Level.ORG]
    limit = display_limit()

    def row(sid: str, name: str, stage: str, mine: list[Any]) -> tuple[Any, ...]:
        verdicts = [session.verdict(s.id, sid) for s in mine]
        tally = [sum(1 for v in verdicts if v is x) for x in Verdict]
        return (sid, name, stage, *tally)

    subjects = [(org.id, org.name, "organization", org_specs)]
    subjects += [(r.id, r.name, str(r.stage), rel_specs) for r in rels]
    shown = subjects if limit is None else subjects[:limit]
    rows = [row(*s) for s in shown]
    header = ("subject", "name", "stage", *(v.label for v in Verdict))
    held = (
        f"as of {_cell(session.as_of)}; rule set {_cell(session.ruleset.version)} "
        f"({len(specs)} rules, {len(session.ruleset.exclusions)} excluded); "
        f"{len(rels)} relationships"
    )
    hint = (
        "<span style='color:#57606a'>session.findings(detail=...), session.table() or "
        "collabrel.reports.write_report(session, ...) give every finding</span>"
    )
    lines = [held, counts_line(counts), hint]
    by_subject = table("By subject", header, rows, more=len(subjects) - len(shown))
    return box(f"Session: {org.name} ({org.id})", lines, by_subject)


def explanation_html(explanation: Explanation) -> str:
    """The display of an explanation: the verdict, why, and the failing conditions."""
    leaves = explanation.failing
    rows = ((leaf.path or leaf.node, leaf.actual, leaf.expected, leaf.hint) for leaf in leaves)
    lines = [f"{badge(explanation.verdict.value)} {_cell(explanation.message)}"]
    tables = [table("Failing conditions", ("where", "actual", "expected", "hint"), rows)]
    if not leaves:
        tables = []
    return box(f"{explanation.rule_id} on {explanation.subject_id}", lines, *tables)


def first(items: Iterable[Any], n: int | None) -> list[Any]:
    """The first *n* items (all of them for ``None``)."""
    return list(items if n is None else islice(items, n))


def gate_check_html(check: Any) -> str:
    """The display of a gate check: allowed or blocked, why, and what to do."""
    t = check.transition
    state = badge("pass") if check.allowed else badge("fail")
    word = "allowed" if check.allowed else "blocked"
    lines = [
        f"{state} {word}: {_cell(t.name)} from {_cell(t.source)} to {_cell(t.dest)}"
        + (" (gated)" if t.gated else " (no gate)"),
        f"{len(check.findings)} gate findings, {len(check.blocking)} blocking",
    ]
    lines += [f"problem: {_cell(p)}" for p in check.problems]
    tables = [findings_table("What blocks it", check.blocking)] if check.blocking else []
    return box(f"Gate check of {check.relationship_id}", lines, *tables)
