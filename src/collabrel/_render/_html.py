"""HTML rendering through Jinja2 templates: whole pages, and fragments for Jupyter.

The templates live in ``collabrel/_templates``. They run in Jinja2's sandbox with autoescape
on, and every value goes through :func:`~collabrel._render._common.visible` first, so a
relationship named ``<script>`` is shown, never run, and control or bidirectional-override
characters are shown as escapes. A page loads nothing from elsewhere (no scripts, fonts,
images or style sheets of its own).

An organization replaces any template by putting a file of the same name in a folder and
passing it as ``templates=``: that folder is searched first, and the built-in templates
stay reachable as ``collabrel/<name>`` (so ``report.html`` there may extend
``collabrel/report.html`` and override one block). Pages are rendered as a stream: a large
report is written as its rows are made.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from collabrel._render._common import (
    condition_text,
    counts,
    date_text,
    fact_text,
    gaps_text,
    kind_label,
    owner_text,
    percent,
    plural,
    stage_text,
    visible,
)
from collabrel.errors import UsageError

if TYPE_CHECKING:
    from jinja2 import Environment

    from collabrel._render._doc import Document
    from collabrel.reports import ActionView, Report, ReportDiff
    from collabrel.views import Score

__all__ = [
    "FRAGMENT_ROWS",
    "actions_fragment",
    "diff_fragment",
    "diff_html",
    "environment",
    "render",
    "report_fragment",
    "template_names",
    "write_html",
]

FRAGMENT_ROWS = 40
"""How many rows to act on a Jupyter display shows before it says how many more there are."""

_VERDICT_LABELS = {
    "pass": "Pass",
    "fail": "Fail",
    "unknown": "Unknown",
    "error": "Error",
    "not_applicable": "N/A",
}
_VERDICT_ORDER = ("pass", "fail", "unknown", "error", "not_applicable")


def _shown(value: Any) -> Any:
    """What a ``{{ value }}`` prints: nothing for None, control characters as escapes."""
    from markupsafe import Markup

    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return visible(str(value))


def _verdict_counts(score: Score) -> list[tuple[str, int]]:
    return list(zip(_VERDICT_ORDER, counts(score), strict=True))


def _globals() -> dict[str, Any]:
    return {
        "condition_text": condition_text,
        "counts": counts,
        "date_text": date_text,
        "fact_text": fact_text,
        "gaps_text": gaps_text,
        "kind_label": kind_label,
        "owner_text": owner_text,
        "percent": percent,
        "plural": plural,
        "stage_text": stage_text,
        "verdict_counts": _verdict_counts,
        "verdict_label": lambda v: _VERDICT_LABELS.get(str(v), str(v)),
    }


def _builtin_folder() -> Any:
    from importlib import resources

    return resources.files("collabrel") / "_templates"


@cache
def _environment(folder: str | None) -> Environment:
    from jinja2 import ChoiceLoader, FileSystemLoader, FunctionLoader, PrefixLoader
    from jinja2 import Environment as Plain
    from jinja2.sandbox import SandboxedEnvironment

    builtin = _builtin_folder()

    def load(name: str) -> str | None:
        resource = builtin.joinpath(*name.split("/"))
        if ".." in name.split("/") or not resource.is_file():
            return None
        text: str = resource.read_text(encoding="utf-8")
        return text

    ours = FunctionLoader(load)
    loaders: list[Any] = [ours, PrefixLoader({"collabrel": ours})]
    if folder is not None:
        loaders.insert(0, FileSystemLoader(folder))
    kind = Plain if folder is None else SandboxedEnvironment
    env = kind(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        finalize=_shown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(_globals())
    return env


def environment(templates: str | Path | None = None) -> Environment:
    """The Jinja2 environment, with *templates* searched before the built-in ones.

    With *templates*, every template runs sandboxed (a template of that folder may extend a
    built-in one). The built-in templates alone are ours and run in a plain environment: the
    sandbox checks every attribute read, a sixth of the time of an HTML report.

    Raises:
        UsageError: when *templates* is not a folder.
    """
    if templates is None:
        return _environment(None)
    folder = Path(templates)
    if not folder.is_dir():
        raise UsageError(f"templates must be a folder of HTML templates; {folder} is not one")
    return _environment(str(folder.resolve()))


def template_names() -> tuple[str, ...]:
    """The built-in templates, by name."""
    return tuple(
        sorted(
            p.name
            for p in _builtin_folder().iterdir()
            if p.is_file() and p.name.endswith((".html", ".css"))
        )
    )


def _stream(out: TextIO, name: str, templates: str | Path | None, **context: Any) -> None:
    out.writelines(environment(templates).get_template(name).generate(**context))


def render(name: str, templates: str | Path | None = None, **context: Any) -> str:
    """Render the template *name* with *context* to one string."""
    return environment(templates).get_template(name).render(**context)


def write_html(doc: Document, out: TextIO, *, templates: str | Path | None = None) -> None:
    """Write *doc* as an HTML page to *out*, chunk by chunk as the rows are made."""
    _stream(out, "report.html" if doc.full else "actions.html", templates, doc=doc)


def _fragment(doc: Document, show_all: str) -> str:
    from collabrel._render._actions import group_actions

    subjects = []
    shown = 0
    hidden = hidden_subjects = 0
    for subject in group_actions(doc.action_rows()):
        n = len(subject.rows)
        if shown >= FRAGMENT_ROWS:
            hidden += n
            hidden_subjects += 1
            continue
        subjects.append(subject)
        shown += n
    return render(
        "fragment.html",
        doc=doc,
        subjects=subjects,
        hidden=hidden,
        hidden_subjects=hidden_subjects,
        show_all=show_all,
    )


def report_fragment(report: Report) -> str:
    """The Jupyter display of a report: counts, by clause, the first rows to act on."""
    from collabrel._render._doc import Document

    return _fragment(
        Document.of_report(report),
        "display(report.actions()) shows them all, report.to_html() every finding",
    )


def actions_fragment(view: ActionView) -> str:
    """The Jupyter display of an action view (the first subjects, then a count of the rest)."""
    from collabrel._render._doc import Document

    return _fragment(Document.of_actions(view), "view.to_html() or view.to_frame() has them all")


def diff_html(diff: ReportDiff, *, templates: str | Path | None = None) -> str:
    """A report diff as a whole HTML page."""
    return render("diff.html", templates, diff=diff)


def diff_fragment(diff: ReportDiff) -> str:
    """A report diff for Jupyter."""
    body = render("diff_body.html", diff=diff)
    style = render("style.css")
    return f'<div class="cr"><style>{style}</style>{body}</div>'
