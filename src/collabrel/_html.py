"""Small HTML renderers behind the ``_repr_html_`` of the main objects (Jupyter display)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["table"]

_STYLE = "border-collapse:collapse;font-size:0.9em;"


def _cell(value: Any) -> str:
    from collabrel._render._common import visible  # control characters shown, never obeyed

    return html.escape(visible("" if value is None else str(value)))


def table(caption: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return an HTML table with every value escaped."""
    head = "".join(f"<th style='text-align:left;padding:2px 6px'>{_cell(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 6px'>{_cell(v)}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table style='{_STYLE}'><caption style='text-align:left'><b>{_cell(caption)}</b>"
        f"</caption><tr>{head}</tr>{body}</table>"
    )
