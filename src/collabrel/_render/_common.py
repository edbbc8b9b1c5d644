"""Text helpers shared by the renderers: escaping and the wording of counts and cells."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from collabrel._stages import Stage
    from collabrel.reports import FailedCondition, ReportRow
    from collabrel.rules import Fact
    from collabrel.views import Score

__all__ = [
    "CONTROL",
    "VERDICT_ORDER",
    "condition_text",
    "counts",
    "date_text",
    "evidence_text",
    "explanation_text",
    "fact_text",
    "gap_text",
    "gaps_text",
    "kind_label",
    "md",
    "owner_text",
    "percent",
    "plural",
    "stage_text",
    "visible",
]

VERDICT_ORDER = ("pass", "fail", "unknown", "error", "not_applicable")
"""The verdict values in the order every count is shown."""

CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
"""Characters that are never shown as they are: C0 and C1 controls but tab, line feed and
carriage return, DEL, and the bidirectional and line-separator formatting characters."""

_MD_SPECIAL = re.compile(r"([\\`*\[<>|&~])")
_MD_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_LINE_START = re.compile(r"^(\s*\d*)([#+=.)-])(?=\s|$|[#=-])")
_SPACE = re.compile(r"[\r\n\t]+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"  # noqa: PLR2004


def visible(text: str) -> str:
    r"""Return *text* with every :data:`CONTROL` character written as a visible escape.

    An ANSI escape sequence becomes ``\x1b[31m``, a right-to-left override ``\u202e``:
    shown, never obeyed, by a terminal, a Markdown viewer or a browser.
    """
    return CONTROL.sub(_escape, text)


def md(text: object) -> str:
    """Escape *text* for inline Markdown (CommonMark/GFM), tables included.

    Characters that start markup or raw HTML are backslash-escaped; intra-word underscores
    (``last_reviewed_on``) are left alone since they never emphasise; line breaks become
    spaces so a value cannot break a list item or a table row; a leading ``#``, ``-``, ``+``,
    ``=`` or list number is escaped so a value cannot start a heading or a list; control
    characters are shown as escapes (:func:`visible`).
    """
    s = visible(_SPACE.sub(" ", str(text)))
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), s, count=1)
    return _MD_EDGE_UNDERSCORE.sub(r"\\_", s)


def percent(score: Score) -> str:
    """Return the share met as a percentage, or ``n/a`` when nothing applies."""
    share = score.share
    return "n/a" if share is None else f"{share:.0%}"


def counts(score: Score) -> tuple[int, int, int, int, int]:
    """Return the counts in :data:`VERDICT_ORDER`."""
    return (score.passed, score.failed, score.unknown, score.error, score.not_applicable)


def gap_text(row: ReportRow) -> str:
    """``open gate item`` or ``nonconformity`` for a FAIL or UNKNOWN row, else empty."""
    return row.gap.label.lower() if row.gap is not None else ""


def gaps_text(score: Score) -> str:
    """How many of the FAIL and UNKNOWN findings are nonconformities and open gate items."""
    return (
        f"{score.nonconformities} nonconformit{'y' if score.nonconformities == 1 else 'ies'}, "
        f"{score.open_gate_items} open gate item{'' if score.open_gate_items == 1 else 's'}"
    )


def stage_text(stage: Stage | None) -> str:
    """Return the stage as words, ``no stage`` for none."""
    return "no stage" if stage is None else str(stage)


def fact_text(fact: Fact) -> str:
    """Return ``path = value``."""
    return f"{fact.path} = {fact.value}"


def evidence_text(row: ReportRow, sep: str = " | ") -> str:
    """Return the evidence of *row* as one line."""
    if not row.evidence:  # most rows (PASS, NOT_APPLICABLE) carry none
        return ""
    return sep.join(fact_text(f) for f in row.evidence)


def condition_text(leaf: FailedCondition) -> str:
    """Return one failing condition as one line."""
    where = leaf.path or leaf.condition
    parts = [f"{where}: actual {leaf.actual if leaf.actual is not None else 'n/a'}"]
    if leaf.expected is not None:
        parts.append(f"expected {leaf.expected}")
    if leaf.hint:
        parts.append(f"hint: {leaf.hint}")
    if leaf.path and leaf.condition:
        parts.append(f"condition: {leaf.condition}")
    return "; ".join(parts)


def explanation_text(row: ReportRow, sep: str = " | ") -> str:
    """Return the failing conditions of *row* as one line."""
    if not row.explanation:  # most rows (PASS, NOT_APPLICABLE) have none
        return ""
    return sep.join(condition_text(c) for c in row.explanation)


_KIND_LABELS = {"nonconformity": "nonconformity", "open_gate_item": "open gate item",
                "error": "error"}  # fmt: skip


def kind_label(kind: str | None) -> str:
    """``nonconformity``, ``open gate item``, ``error``, or empty."""
    return _KIND_LABELS.get(kind or "", "")


def plural(n: int, noun: str) -> str:
    """``1 nonconformity``, ``2 nonconformities``, ``3 open gate items``."""
    if n == 1 or not noun:
        return f"{n} {noun}"
    if noun.endswith("y"):
        return f"{n} {noun[:-1]}ies"
    return f"{n} {noun}s"


def date_text(value: date | None, default: str = "-") -> str:
    """An ISO date, or *default*."""
    return default if value is None else value.isoformat()


def owner_text(row: ReportRow) -> str:
    """Who acts and by when, as one phrase (empty when the data says nothing)."""
    parts = []
    if row.owner:
        parts.append(f"owner {row.owner}")
    if row.due_on is not None:
        parts.append(f"due {row.due_on.isoformat()}")
    if row.tracked_by:
        parts.append(f"tracked by {row.tracked_by}")
    return "; ".join(parts)
