"""The lifecycle as a Mermaid (and, with graphviz installed, SVG) diagram."""

from __future__ import annotations

import html
import shutil
import subprocess

import attrs

from collabrel._stages import Phase, Stage
from collabrel.lifecycle._table import TRANSITIONS, Move

__all__ = ["Diagram", "diagram"]


@attrs.frozen(kw_only=True)
class Diagram:
    """A lifecycle diagram; shows itself in Jupyter (Mermaid, or SVG when graphviz is there)."""

    mermaid: str
    """The Mermaid ``stateDiagram-v2`` source."""
    dot: str
    """The Graphviz source."""

    def svg(self) -> str | None:
        """Return the diagram as SVG, or ``None`` when the graphviz ``dot`` program is absent."""
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
        svg = self.svg()
        if svg is not None:
            return svg
        return f'<pre class="mermaid">{html.escape(self.mermaid)}</pre>'

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
            attrs_.append(f'fillcolor="{"#f4b6b6" if blocked else "#b6d7f4"}"')
        dot.append(f"  {_id(s)} [{', '.join(attrs_)}];")
    for t in TRANSITIONS:
        style = ', style="dashed"' if t.move in {Move.REVISE, Move.RETROFIT} else ""
        color = ', color="red"' if blocked and t.source is current and t.gated else ""
        dot.append(f'  {_id(t.source)} -> {_id(t.dest)} [label="{t.move.value}"{style}{color}];')
    dot.append("}")
    if current is not None:
        css = "blocked" if blocked else "current"
        lines.append(f"    classDef {css} fill:{'#f4b6b6' if blocked else '#b6d7f4'}")
        lines.append(f"    class {_id(current)} {css}")
    return Diagram(mermaid="\n".join(lines), dot="\n".join(dot))
