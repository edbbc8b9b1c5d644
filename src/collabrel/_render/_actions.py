"""The action view: rows that need action, grouped by subject, then kind, then clause."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collabrel.reports import ClauseActions, ReportRow, SubjectActions

__all__ = ["group_actions"]


def _by_clause(rows: list[ReportRow]) -> tuple[ClauseActions, ...]:
    from collabrel.reports import CLAUSE_NAMES, ClauseActions

    out = []
    for clause, group in groupby(rows, key=lambda r: r.top_clause):
        out.append(
            ClauseActions(
                clause=clause, label=CLAUSE_NAMES.get(clause, f"Clause {clause}"), rows=tuple(group)
            )
        )
    return tuple(out)


def group_actions(rows: Iterable[ReportRow]) -> Iterator[SubjectActions]:
    """Group rows that need action (in report order) by subject, then kind, then clause.

    Rows that need no action are skipped; one subject's rows are held at a time.
    """
    from collabrel.reports import SubjectActions

    needing = (r for r in rows if not r.ok)
    for _, group in groupby(needing, key=lambda r: r.subject_id):
        items = list(group)
        first = items[0]
        kinds: dict[str, list[ReportRow]] = {"nonconformity": [], "open_gate_item": [], "error": []}
        for row in items:
            kinds[row.kind or "nonconformity"].append(row)
        yield SubjectActions(
            subject_id=first.subject_id,
            subject_name=first.subject_name,
            stage=first.subject_stage,
            nonconformities=_by_clause(kinds["nonconformity"]),
            open_gate_items=_by_clause(kinds["open_gate_item"]),
            errors=_by_clause(kinds["error"]),
        )
