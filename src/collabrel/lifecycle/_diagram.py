"""The lifecycle as a picture: an SVG collabrel draws itself, and Mermaid and Graphviz sources.

The SVG needs nothing installed: the eight stages in a row under their three phases, the
candidate state before them and the three endings below, every transition of the table drawn
(advance solid; revise, retrofit and exit activation dashed), the current stage filled (red
when its gate is blocked). It scales to its container up to 960 pixels wide.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import textwrap

import attrs

from collabrel._stages import Phase, Stage
from collabrel.lifecycle._table import TRANSITIONS, Move

__all__ = ["WIDTH", "Diagram", "diagram"]

WIDTH = 960
"""The width of the drawing, in pixels (its largest display width)."""
_HEIGHT = 330
_BOX_W, _BOX_H = 90, 54
_ROW_Y = 118
_CLOSED_Y = 258
_STEP = (WIDTH - 20) // 9  # candidate + eight stages across the width
_CURRENT = "#b6d7f4"
_BLOCKED = "#f4b6b6"


def _x(stage: Stage) -> float:
    """The left edge of a stage's box."""
    if stage.number is not None:
        return 10 + stage.number * _STEP
    if stage is Stage.CANDIDATE:
        return 10
    return {Stage.CLOSED_NOT_PURSUED: 10 + 1.5 * _STEP, Stage.CLOSED_NO_PARTNER: 10 + 4 * _STEP,
            Stage.CLOSED_EXITED: 10 + 8 * _STEP}[stage]  # fmt: skip


def _y(stage: Stage) -> float:
    return _CLOSED_Y if stage.is_closed else _ROW_Y


def _box(stage: Stage, current: Stage | None, blocked: bool) -> str:
    x, y = _x(stage), _y(stage)
    fill = "#ffffff"
    css = "stage"
    if stage is current:
        fill = _BLOCKED if blocked else _CURRENT
        css += " current blocked" if blocked else " current"
    title = f"{stage.number}" if stage.number is not None else ""
    lines = textwrap.wrap(stage.label, 13)
    text = "".join(
        f'<tspan x="{x + _BOX_W / 2:.0f}" dy="{0 if i == 0 else 13}">{html.escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    top = y + (_BOX_H - 13 * len(lines)) / 2 + 10 + (6 if title else 0)
    number = f'<text x="{x + 8}" y="{y + 14}" class="num">{title}</text>' if title else ""
    return (
        f'<g class="{css}" data-stage="{stage.slug}"><title>{html.escape(str(stage))}</title>'
        f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="8" fill="{fill}" '
        f'stroke="#57606a"/>{number}'
        f'<text x="{x + _BOX_W / 2:.0f}" y="{top:.0f}" text-anchor="middle">{text}</text></g>'
    )


def _arrow(t_move: Move, source: Stage, dest: Stage, highlight: bool) -> str:
    sx, sy, dx, dy = _x(source), _y(source), _x(dest), _y(dest)
    colour = "#cf222e" if highlight else "#57606a"
    dash = "" if t_move in {Move.ADVANCE, Move.WITHDRAW} else ' stroke-dasharray="5 4"'
    if t_move is Move.ADVANCE and sy == dy:  # along the row
        path = f"M{sx + _BOX_W},{sy + _BOX_H / 2} L{dx - 2},{dy + _BOX_H / 2}"
    elif t_move is Move.REVISE:  # a low arc above the row, back one stage
        mid = (sx + dx + _BOX_W) / 2
        path = f"M{sx + 20},{sy} Q{mid},{sy - 26} {dx + _BOX_W - 20},{dy - 2}"
    elif t_move is Move.RETROFIT:  # a high arc above the row, from the candidate
        mid = (sx + dx) / 2 + _BOX_W / 2
        lift = 40 + (dx - sx) / 12
        path = f"M{sx + _BOX_W / 2},{sy} Q{mid},{sy - lift} {dx + _BOX_W / 2},{dy - 2}"
    elif t_move is Move.ACTIVATE_EXIT:  # an arc below the row, to stage 8
        mid = (sx + dx + _BOX_W) / 2
        path = (
            f"M{sx + _BOX_W / 2},{sy + _BOX_H} Q{mid},{sy + _BOX_H + 44} "
            f"{dx + _BOX_W / 2 - 10},{dy + _BOX_H + 2}"
        )
    else:  # down to an ending
        path = f"M{sx + _BOX_W / 2},{sy + _BOX_H} L{dx + _BOX_W / 2},{dy - 2}"
    label = html.escape(t_move.value.replace("_", " "))
    return (
        f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.4"{dash} '
        f'marker-end="url(#cr-arrow)"><title>{label}: {html.escape(str(source))} to '
        f"{html.escape(str(dest))}</title></path>"
    )


def _svg(current: Stage | None, blocked: bool) -> str:
    bands = []
    for phase, first, last in ((Phase.STRATEGY, 1, 3), (Phase.ENGAGEMENT, 4, 6),
                               (Phase.MANAGEMENT, 7, 8)):  # fmt: skip
        x0 = 10 + first * _STEP - 5
        x1 = 10 + last * _STEP + _BOX_W + 5
        bands.append(
            f'<rect x="{x0}" y="16" width="{x1 - x0}" height="{_HEIGHT - 104}" rx="6" '
            f'fill="#f3f5f7"/><text x="{(x0 + x1) / 2:.0f}" y="32" text-anchor="middle" '
            f'class="phase">{html.escape(phase.label)}</text>'
        )
    arrows = [
        _arrow(t.move, t.source, t.dest, blocked and t.source is current and t.gated)
        for t in TRANSITIONS
    ]
    boxes = [_box(s, current, blocked) for s in Stage]
    legend = (
        f'<text x="10" y="{_HEIGHT - 8}" class="legend">solid: advance (through the gate of '
        "the stage left) or close; dashed: revise, retrofit onboarding, exit activation"
        "</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH}px;height:auto" role="img" '
        'aria-label="The ISO 44001 relationship lifecycle">'
        '<defs><marker id="cr-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker>'
        "<style>text{font-family:system-ui,Arial,sans-serif;font-size:11px;fill:#1b1f24}"
        ".phase{font-size:12px;font-weight:600;fill:#57606a}.num{font-weight:700}"
        ".legend{font-size:10px;fill:#57606a}</style></defs>"
        + "".join(bands)
        + "".join(arrows)
        + "".join(boxes)
        + legend
        + "</svg>"
    )


@attrs.frozen(kw_only=True)
class Diagram:
    """A lifecycle diagram; shows itself in Jupyter as an SVG collabrel draws (no Graphviz)."""

    mermaid: str
    """The Mermaid ``stateDiagram-v2`` source."""
    dot: str
    """The Graphviz source."""
    current: Stage | None = None
    """The stage marked as current."""
    blocked: bool = False
    """Whether the current stage's gate is blocked (drawn red)."""

    def svg(self) -> str:
        """Return the diagram as SVG, drawn by collabrel (nothing needs to be installed)."""
        return _svg(self.current, self.blocked)

    def graphviz_svg(self) -> str | None:
        """Return Graphviz's rendering of :attr:`dot`, or ``None`` when ``dot`` is absent."""
        exe = shutil.which("dot")
        if exe is None:
            return None
        done = subprocess.run(  # noqa: S603 - a fixed program and our own text
            [exe, "-Tsvg"], input=self.dot, capture_output=True, text=True, check=True,
            timeout=30,
        )  # fmt: skip
        return done.stdout

    def _repr_markdown_(self) -> str:
        return f"```mermaid\n{self.mermaid}\n```"

    def _repr_html_(self) -> str:
        return self.svg()

    def __str__(self) -> str:
        return self.mermaid


def _id(stage: Stage) -> str:
    return stage.slug


def diagram(current: Stage | None = None, blocked: bool = False) -> Diagram:
    """Return the lifecycle diagram, with *current* marked (and its gate marked if *blocked*).

    The three phases are drawn as the parents of their stages.
    """
    lines = ["stateDiagram-v2"]
    for phase in Phase:
        lines.append(f'    state "{phase.label}" as {phase.value} {{')
        lines += [f"        {_id(s)} : {s.label}" for s in Stage if s.phase is phase]
        lines.append("    }")
    lines += [f"    {_id(s)} : {s.label}" for s in Stage if s.phase is None]
    lines.append(f"    [*] --> {_id(Stage.CANDIDATE)}")
    for t in TRANSITIONS:
        label = t.move.value + (" (gate)" if t.gated else "")
        if t.move is Move.RETROFIT:
            label = "retrofit"
        lines.append(f"    {_id(t.source)} --> {_id(t.dest)} : {label}")
    for s in Stage:
        if s.is_closed:
            lines.append(f"    {_id(s)} --> [*]")
    dot = ["digraph lifecycle {", "  rankdir=LR; node [shape=box, style=rounded];"]
    for s in Stage:
        attrs_ = [f'label="{s.label}"']
        if s is current:
            attrs_.append('style="rounded,filled"')
            attrs_.append(f'fillcolor="{_BLOCKED if blocked else _CURRENT}"')
        dot.append(f"  {_id(s)} [{', '.join(attrs_)}];")
    for t in TRANSITIONS:
        style = ', style="dashed"' if t.move in {Move.REVISE, Move.RETROFIT} else ""
        color = ', color="red"' if blocked and t.source is current and t.gated else ""
        dot.append(f'  {_id(t.source)} -> {_id(t.dest)} [label="{t.move.value}"{style}{color}];')
    dot.append("}")
    if current is not None:
        css = "blocked" if blocked else "current"
        lines.append(f"    classDef {css} fill:{_BLOCKED if blocked else _CURRENT}")
        lines.append(f"    class {_id(current)} {css}")
    return Diagram(mermaid="\n".join(lines), dot="\n".join(dot), current=current, blocked=blocked)
