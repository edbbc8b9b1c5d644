"""The portfolio heat map: clause x relationship, the worst verdict in each cell.

An open gate item (a FAIL or UNKNOWN that is work of the relationship's current stage) has a
cell value of its own, ranked below the nonconformities. NOT_APPLICABLE is drawn light grey
with a hatch, an open gate item light blue with dots, and FAIL red, so none looks like
another, in colour or printed in grey. matplotlib and pandas are imported on use
(``jupyter`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from collabrel._mappings import clause_key
from collabrel.rules._findings import GapKind, Verdict

if TYPE_CHECKING:
    from collabrel.views import _HasFindings

__all__ = ["COLOURS", "HATCH", "OPEN_GATE_ITEM", "WORST", "draw_heatmap", "heat_table"]

OPEN_GATE_ITEM = "open_gate_item"
"""The cell value of a FAIL or UNKNOWN that is an open gate item, not a nonconformity."""
WORST = ("fail", "error", "unknown", OPEN_GATE_ITEM, "pass", "not_applicable")
"""The cell values from worst to best: a cell shows the worst of its findings."""
COLOURS = {
    "fail": "#d1242f",
    "error": "#8250df",
    "unknown": "#d4a72c",
    OPEN_GATE_ITEM: "#80ccff",
    "pass": "#2da44e",
    "not_applicable": "#eaeef2",
}
"""The fill of each verdict."""
HATCH = {"not_applicable": "///", OPEN_GATE_ITEM: ".."}
"""The hatch of verdicts that must not be read as a colour alone."""
_LABELS = {
    "fail": "Fail",
    "error": "Error",
    "unknown": "Unknown",
    OPEN_GATE_ITEM: "Open gate item (current stage)",
    "pass": "Pass",
    "not_applicable": "N/A (does not apply)",
}


def _group(clause: str, depth: int) -> str:
    return ".".join(clause.split(".")[:depth])


def _cell_value(finding: Any) -> str:
    """The verdict of *finding*, or :data:`OPEN_GATE_ITEM` for a gap of the current stage."""
    verdict = finding.verdict
    if finding.gap is GapKind.OPEN_GATE_ITEM:  # only ever a FAIL or UNKNOWN
        return OPEN_GATE_ITEM
    return str(verdict.value)


def heat_table(assessment: _HasFindings, *, depth: int, max_subjects: int) -> Any:
    """See :func:`collabrel.views.heatmap_table`."""
    from collabrel._frames import pandas

    pd = pandas("heatmap_table()")
    cells: dict[tuple[str, str], int] = {}
    subjects: dict[str, int] = {}
    rank = {v: i for i, v in enumerate(WORST)}
    for f in assessment.findings:
        if f.level == "ORG":
            continue
        subjects.setdefault(f.subject_id, 0)
        if f.verdict is Verdict.FAIL:
            subjects[f.subject_id] += 1
        key = (_group(f.clause, depth), f.subject_id)
        r = rank[_cell_value(f)]
        cells[key] = min(cells.get(key, r), r)
    order = list(subjects)
    kept = sorted(order, key=lambda s: (-subjects[s], order.index(s)))[:max_subjects]
    kept.sort(key=order.index)
    clauses = sorted({c for c, _ in cells}, key=clause_key)
    data = {s: [WORST[cells[(c, s)]] if (c, s) in cells else None for c in clauses] for s in kept}
    table = pd.DataFrame(data, index=pd.Index(clauses, name="clause"), columns=kept)
    for s in kept:
        table[s] = pd.Categorical(table[s], categories=list(WORST))
    table.columns.name = "relationship"
    table.attrs["relationships"] = len(order)
    return table


def draw_heatmap(table: Any, ax: Any = None) -> Any:
    """Draw a heat table on *ax* (a new figure sized to the table when ``None``)."""
    from collabrel.reports import _optional

    _optional("matplotlib", "heatmap()", "jupyter")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    rows, cols = table.shape
    if ax is None:
        width = min(16.0, 2.5 + 0.45 * cols)
        height = min(20.0, 1.5 + 0.28 * rows)
        _, ax = plt.subplots(figsize=(width, height))
    for j, subject in enumerate(table.columns):
        for i, value in enumerate(table[subject]):
            if not isinstance(value, str):
                continue
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    facecolor=COLOURS[value],
                    edgecolor="white",
                    hatch=HATCH.get(value),
                    linewidth=0.8,
                    label=value,
                )
            )
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.set_xticks([j + 0.5 for j in range(cols)])
    ax.set_xticklabels(list(table.columns), rotation=60, ha="right", fontsize=8)
    ax.set_yticks([i + 0.5 for i in range(rows)])
    ax.set_yticklabels(list(table.index), fontsize=8)
    ax.set_xlabel("relationship")
    ax.set_ylabel("clause")
    total = table.attrs.get("relationships", cols)
    shown = f"{cols} of {total} relationships, the most failing" if total > cols else ""
    ax.set_title("Worst verdict by clause and relationship" + (f" ({shown})" if shown else ""))
    handles = [
        Patch(facecolor=COLOURS[v], hatch=HATCH.get(v), edgecolor="#57606a", label=_LABELS[v])
        for v in WORST
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    ax.figure.tight_layout()
    return ax
