"""Renderers of reports, action views and diffs; each writes to a text stream as it goes.

:func:`write_document` picks the renderer of a format; :func:`write_path` writes a file whole
or not at all (a temporary file renamed into place), so a failed report never leaves half a
file behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from collabrel._atomic import replacing
from collabrel.errors import UsageError

if TYPE_CHECKING:
    from collabrel._render._doc import Document

__all__ = ["write_document", "write_path"]


def write_document(
    doc: Document, out: TextIO, fmt: str, *, templates: str | Path | None = None
) -> None:
    """Write *doc* to *out* in the text format *fmt* (``xlsx`` needs :func:`write_path`)."""
    if fmt == "md":
        from collabrel._render._markdown import write_markdown

        write_markdown(doc, out)
    elif fmt == "html":
        from collabrel._render._html import write_html

        write_html(doc, out, templates=templates)
    elif fmt == "csv":
        from collabrel._render._tabular import write_csv

        write_csv(doc, out)
    elif fmt == "json":
        from collabrel._render._data import write_json

        write_json(doc, out)
    elif fmt == "text":
        from collabrel._render._text import write_text

        write_text(doc, out)
    elif fmt == "xlsx":
        raise UsageError("an xlsx workbook is binary: write it to a file (-o FILE.xlsx)")
    else:
        raise UsageError(f"unknown format {fmt!r}; use one of: text, md, html, csv, json, xlsx")
    doc.finish()


def write_path(doc: Document, path: Path, fmt: str, *, templates: str | Path | None = None) -> None:
    """Write *doc* to the file *path*: whole, or not at all."""
    with replacing(Path(path)) as part:
        if fmt == "xlsx":
            from collabrel._render._xlsx import write_xlsx
            from collabrel.reports import _optional

            write_xlsx(doc, part, _optional("openpyxl", "an xlsx report", "xlsx"))
            doc.finish()
        else:
            newline = "" if fmt == "csv" else None
            with open(part, "w", encoding="utf-8", newline=newline) as out:  # noqa: PTH123
                write_document(doc, out, fmt, templates=templates)
