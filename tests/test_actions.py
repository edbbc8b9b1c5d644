"""The action view, reports streamed from a session, HTML templates, and the Excel workbook.

Takes about 10 seconds (the example is assessed once per module).
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import collabrel
from collabrel._render._common import md as escape
from collabrel.errors import UsageError
from collabrel.reports import (
    FORMATS,
    ActionView,
    Report,
    html_templates,
    load_report,
    report,
    write_report,
)
from collabrel.rules import Session, Verdict

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def session() -> Session:
    return Session(collabrel.example_portfolio(), as_of=AS_OF)


@pytest.fixture(scope="module")
def rep(session: Session) -> Report:
    return Report.from_assessment(session.assessment(), session.portfolio)


@pytest.fixture(scope="module")
def view(rep: Report) -> ActionView:
    return rep.actions()


# ------------------------------------------------------------------------ the model


def test_the_action_view_holds_exactly_what_needs_action(rep: Report, view: ActionView) -> None:
    assert set(view) == set(rep.failed())
    assert len(view) == len(rep.failed()) == 28
    assert all(r.verdict in {Verdict.FAIL, Verdict.UNKNOWN, Verdict.ERROR} for r in view)
    assert view.summary == rep.summary  # the counts of everything, not only of the actions
    assert view.count("nonconformity") + view.count("open_gate_item") + view.count("error") == 28


def test_grouped_by_subject_then_kind_then_clause(rep: Report, view: ActionView) -> None:
    order = [s.subject_id for s in view.subjects]
    subjects_in_report = list(dict.fromkeys(r.subject_id for r in rep.failed()))
    assert order == subjects_in_report
    assert order[0] == "northbridge"
    for subject in view.subjects:
        kinds = [kind for kind, _, _ in subject.sections]
        assert kinds == sorted(kinds, key=["nonconformity", "open_gate_item", "error"].index)
        for kind, _, clauses in subject.sections:
            assert all(r.kind == kind for c in clauses for r in c.rows)
            keys = [int(c.clause) for c in clauses]
            assert keys == sorted(keys)
            assert len(set(keys)) == len(keys)
            for c in clauses:
                assert all(r.top_clause == c.clause for r in c.rows)
    grid = view.subject("rel-grid-alliance")
    assert grid is not None
    assert grid.count("nonconformity") == 4
    assert grid.count("open_gate_item") == 5
    assert grid.stage is not None
    assert grid.stage.number == 5
    assert view.subject("rel-rail-jv") is None  # nothing to act on there


def test_the_remedy_is_beside_the_verdict_in_every_view_format(view: ActionView) -> None:
    text, md, page = view.to_text(), view.to_markdown(), view.to_html()
    for row in view:
        assert row.remedy in text
        # Markdown: one table line per row, the remedy on the verdict's line
        lines = [ln for ln in md.splitlines() if ln.startswith(f"| {row.verdict.label.upper()} |")]
        assert any(f"| {escape(row.rule_id)} |" in ln and escape(row.remedy) in ln for ln in lines)
    assert page.count('class="remedy"') == len(view)


def test_an_empty_action_view_says_there_is_nothing_to_do(rep: Report) -> None:
    from collabrel.reports import ActionView

    empty = ActionView(title="t", as_of=AS_OF, ruleset_version="v", generator="g",
                       scope=rep.scope, exclusions=(), summary=rep.summary.__class__.of([]),
                       subjects=())  # fmt: skip
    assert "Nothing to act on" in empty.to_markdown()
    assert "Nothing to act on" in empty.to_html()
    assert empty.to_csv().count("\n") == 1


# ------------------------------------------------------------------------ streaming


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "xlsx"])
@pytest.mark.parametrize("kind", ["full", "actions"])
def test_streamed_from_the_session_equals_the_report_in_memory(
    session: Session, rep: Report, view: ActionView, fmt: str, kind: str
) -> None:
    buf = io.StringIO()
    write_report(session, buf, format=fmt, view=kind)
    expected = (rep if kind == "full" else view)._text(fmt)
    assert buf.getvalue() == expected


def test_json_streamed_is_one_valid_document(session: Session, rep: Report) -> None:
    buf = io.StringIO()
    write_report(session, buf, format="json")
    assert json.loads(buf.getvalue()) == rep.to_data()


def test_a_report_written_to_a_path_is_whole_or_absent(session: Session, tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    write_report(session, target)
    assert target.read_text(encoding="utf-8").startswith("# ISO 44001 assessment")
    with pytest.raises(UsageError, match="unknown format 'pdf'"):
        write_report(session, tmp_path / "r.pdf", format="pdf")
    with pytest.raises(UsageError, match="binary"):
        write_report(session, io.StringIO(), format="xlsx")
    broken = tmp_path / "broken.html"
    with pytest.raises(UsageError, match="templates must be a folder"):
        write_report(session, broken, format="html", templates=tmp_path / "nope")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]  # no partial file


def test_progress_hears_every_subject_of_every_pass(session: Session) -> None:
    seen: list[tuple[int, int | None]] = []
    write_report(session, io.StringIO(), format="md", progress=lambda *a: seen.append(a))
    subjects = 1 + len(session.portfolio.relationships)
    assert seen[-1] == (3 * subjects, 3 * subjects)
    assert [d for d, _ in seen] == list(range(1, 3 * subjects + 1))


def test_a_json_report_reads_back_equal(rep: Report, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(rep.to_json(), encoding="utf-8")
    again = load_report(path)
    assert again.rows == rep.rows
    assert again.summary == rep.summary
    assert again.scope == rep.scope
    assert again.exclusions == rep.exclusions
    assert not again.diff(rep)


# -------------------------------------------------------------------------- templates


def test_an_organization_brands_the_html_with_its_own_templates(
    rep: Report, tmp_path: Path
) -> None:
    (tmp_path / "brand.html").write_text(
        '<div class="acme-brand">Acme Consulting for {{ doc.scope.organization_name }}</div>',
        encoding="utf-8",
    )
    (tmp_path / "brand.css").write_text(".cr{--cr-accent:#7a1f5c}", encoding="utf-8")
    (tmp_path / "report.html").write_text(
        '{% extends "collabrel/report.html" %}{% block exclusions %}<p>Exclusions are listed '
        "in the annex.</p>{% endblock %}",
        encoding="utf-8",
    )
    page = rep.to_html(templates=tmp_path)
    assert '<div class="acme-brand">Acme Consulting for Northbridge Engineering Ltd</div>' in page
    assert "--cr-accent:#7a1f5c" in page
    assert "Exclusions are listed in the annex." in page
    assert 'id="exclusions"' not in page
    assert 'id="findings"' in page  # the rest of the built-in page is kept
    assert "brand.html" in html_templates()
    assert "report.html" in html_templates()


def test_templates_are_sandboxed_and_escape_the_data(rep: Report, tmp_path: Path) -> None:
    from jinja2.exceptions import SecurityError

    (tmp_path / "brand.html").write_text(
        "{{ doc.__class__.__init__.__globals__ }}", encoding="utf-8"
    )
    with pytest.raises(SecurityError):
        rep.to_html(templates=tmp_path)
    (tmp_path / "brand.html").write_text("{{ '<b>' ~ doc.title }}", encoding="utf-8")
    assert "&lt;b&gt;ISO 44001" in rep.to_html(templates=tmp_path)


# ------------------------------------------------------------------------------ Excel


def test_the_workbook_opens_on_the_summary_with_real_dates_percentages_and_colours(
    session: Session, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "r.xlsx"
    write_report(session, path, format="xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Actions", "Findings", "Checklist", "Exclusions", "Scope"]
    assert wb.active.title == "Summary"
    summary = wb["Summary"]
    assert summary["B2"].value.date() == AS_OF
    assert summary["B2"].is_date
    assert summary["B2"].number_format == "yyyy-mm-dd"
    share = next(r for r in summary.iter_rows() if r[0].value == "overall")[-1]
    assert isinstance(share.value, float)
    assert share.number_format == "0%"
    assert abs(share.value - session_share(session)) < 1e-9
    actions = wb["Actions"]
    header = [c.value for c in actions[1]]
    verdict = header.index("verdict")
    fills = {row[verdict].value: row[verdict].fill.fgColor.rgb
             for row in actions.iter_rows(min_row=2)}  # fmt: skip
    assert fills == {"fail": "00FFEBE9", "unknown": "00FFF8C5"}
    assert actions.max_row == 1 + 28
    due = header.index("due_on")
    assert all(row[due].number_format == "yyyy-mm-dd" for row in actions.iter_rows(min_row=2))
    for name in ("Actions", "Findings", "Checklist", "Exclusions", "Scope"):
        sheet = wb[name]
        assert sheet.freeze_panes == "A2", name
        assert (sheet.auto_filter.ref or "").startswith("A1:"), name
    assert summary.freeze_panes == "A10"
    assert summary.auto_filter.ref.startswith("A9:")
    checklist = wb["Checklist"]
    answers = {row[3].value for row in checklist.iter_rows(min_row=2)}
    assert answers <= {"Yes", "Partial", "No", "N/A"}
    assert "No" in answers
    no = next(row for row in checklist.iter_rows(min_row=2) if row[3].value == "No")
    assert no[3].fill.fgColor.rgb == "00FFEBE9"
    exclusions = wb["Exclusions"]
    assert exclusions["A2"].value == "iso44001:8.5.4"
    assert exclusions["G2"].is_date


def session_share(session: Session) -> float:
    counts = session.counts()
    applicable = sum(n for v, n in counts.items() if v is not Verdict.NOT_APPLICABLE)
    return counts[Verdict.PASS] / applicable


def test_the_action_view_workbook_has_no_findings_sheet(view: ActionView, tmp_path: Any) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(view.to_xlsx(tmp_path / "a.xlsx"))
    assert wb.sheetnames == ["Summary", "Actions", "Exclusions", "Scope"]


def test_report_of_a_portfolio_and_from_its_session_agree() -> None:
    p = collabrel.example_portfolio()
    assert (
        report(p, as_of=AS_OF).to_csv()
        == Report.from_assessment(Session(p, as_of=AS_OF).assessment(), p).to_csv()
    )


# ------------------------------------------------------------------- a detail limit


def _needing(session: Session) -> list[str]:
    """The subjects with a finding that needs action, in report order."""
    subjects = [session.portfolio.organization.id, *(r.id for r in session.portfolio.relationships)]
    failing = {f.subject_id for f in session.findings() if not f.ok}
    return [s for s in subjects if s in failing]


@pytest.mark.parametrize("fmt", ["html", "md", "text"])
def test_a_detail_limit_lists_the_first_subjects_and_says_what_it_leaves_out(
    session: Session, fmt: str
) -> None:
    needing = _needing(session)
    assert len(needing) > 2  # the example has more to act on than the limit below
    buf = io.StringIO()
    write_report(session, buf, format=fmt, view="actions", detail=2)
    text = buf.getvalue()
    listed = [s for s in needing if f"{s}" in text.split("What needs action", 1)[1]]
    assert listed[:2] == needing[:2]
    assert needing[-1] not in text.split("What needs action", 1)[1]
    assert f"details the first 2 subjects; {len(needing) - 2:,} more" in text
    full = io.StringIO()
    write_report(session, full, format=fmt, view="actions")
    assert "more are counted" not in full.getvalue()  # no limit, no note
    assert all(s in full.getvalue() for s in needing)


def test_a_detail_limit_keeps_the_counts_and_leaves_the_data_formats_whole(
    session: Session, rep: Report
) -> None:
    limited, whole = io.StringIO(), io.StringIO()
    write_report(session, limited, format="html", detail=0)
    write_report(session, whole, format="html")
    summary = whole.getvalue().split('<h2 id="actions">')[0]
    assert limited.getvalue().startswith(summary)  # the same summary, every subject counted
    assert '<article class="subject">' not in limited.getvalue()
    assert "<h3>" not in limited.getvalue().split('id="findings"')[1]  # no subject's table
    buf = io.StringIO()
    write_report(session, buf, format="json", detail=1)
    assert json.loads(buf.getvalue()) == rep.to_data()  # JSON always holds every row


def test_progress_of_a_limited_report_ends_at_its_total(session: Session) -> None:
    seen: list[tuple[int, int | None]] = []
    write_report(session, io.StringIO(), format="md", detail=1, progress=lambda *a: seen.append(a))
    done, total = seen[-1]
    assert done == total
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # never backwards


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_a_detail_limit_must_be_a_whole_number(session: Session, bad: object) -> None:
    with pytest.raises(UsageError, match="detail must be a whole number"):
        write_report(session, io.StringIO(), format="md", detail=bad)  # type: ignore[arg-type]
