"""Jupyter displays: every main object shows itself, small whatever its size, with its key
content; ``show_all`` shows every row on demand; data frames have proper dtypes; the plots
(heat map, radar, lifecycle diagram) draw without extra programs. About 10 seconds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import attrs
import pytest

import collabrel
from collabrel._html import DISPLAY_ROWS
from collabrel.lifecycle import Lifecycle, Stage, diagram
from collabrel.reports import report
from collabrel.rules import Session, Verdict, default_ruleset, evaluate
from collabrel.views import (
    annex_a_checklist,
    findings_frame,
    heatmap,
    heatmap_table,
    iso44003_principles,
    show_all,
)

AS_OF = date(2026, 11, 23)
KB = 1024


@pytest.fixture(scope="module")
def portfolio() -> collabrel.Portfolio:
    return collabrel.example_portfolio()


@pytest.fixture(scope="module")
def assessment(portfolio: collabrel.Portfolio) -> Any:
    return evaluate(portfolio, as_of=AS_OF)


@pytest.fixture(scope="module")
def large() -> collabrel.Portfolio:
    """The example with 300 relationships (clones of its seven under new ids), all in scope."""
    p = collabrel.example_portfolio()
    rels = tuple(
        attrs.evolve(p.relationships[i % 7], id=f"r{i:04d}", name=f"Clone {i}") for i in range(300)
    )
    org = p.organization
    assert org.scope is not None
    scope = attrs.evolve(org.scope, application_level=collabrel.ApplicationLevel.ORGANIZATION_WIDE)
    return attrs.evolve(p, organization=attrs.evolve(org, scope=scope), relationships=rels)


def test_main_objects_render_html_with_their_key_facts(portfolio, assessment):
    assert "rel-rail-jv" in portfolio._repr_html_()
    assert "Staying together" in portfolio.relationship("rel-rail-jv")._repr_html_()
    assert "iso44001:6.1/current" in assessment._repr_html_()
    finding = next(f for f in assessment.failed() if f.rule_id == "iso44001:6.1/current")
    assert "risk_register.last_reviewed_on" in finding._repr_html_()
    rs = default_ruleset().without("iso44001:7.3/coverage", justification="no teams <yet>")
    html = rs._repr_html_()
    assert "iso44001:4.1/issues" in html
    assert "no teams &lt;yet&gt;" in html


def test_hostile_names_are_escaped(portfolio):
    rel = attrs.evolve(portfolio.relationships[0], name="<script>alert(1)</script>")
    html = attrs.evolve(portfolio, relationships=(rel,))._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in rel._repr_html_()


# ------------------------------------------------------------ large objects, summarised


def test_large_objects_display_a_short_table_and_say_how_many_more(large):
    page = large._repr_html_()
    assert len(page) < 8 * KB
    # the header, the first and the last rows, and a line saying how many are between
    assert page.count("<tr>") == DISPLAY_ROWS + 2
    assert "275 more rows not shown" in page
    assert "show_all" in page
    assert page.index("r0019") < page.index("more rows not shown") < page.index("r0295")
    assert "r0150" not in page
    everything = show_all(large)._repr_html_()
    assert everything.count("<tr>") == 301
    assert "r0150" in everything
    assessment = evaluate(large, as_of=AS_OF)
    shown = assessment._repr_html_()
    assert len(shown) < 32 * KB
    assert "more rows not shown" in shown
    rs = default_ruleset()._repr_html_()
    assert len(rs) < 16 * KB


def test_a_session_displays_its_counts_not_its_findings(large):
    session = Session(large, as_of=AS_OF)
    page = session._repr_html_()
    assert len(page) < 16 * KB
    counts = session.counts()
    for verdict, n in counts.items():
        assert f"{n}" in page, verdict
    assert "300 relationships" in page
    assert "northbridge" in page
    assert "r0000" in page
    assert "276 more rows not shown" in page  # the organization and 24 relationships shown
    assert "r0023" in page
    assert "r0024" not in page
    everything = show_all(session)._repr_html_()
    assert "r0299" in everything
    assert "more rows not shown" not in everything
    # the display follows the session's updates
    session.remove_relationship("r0000")
    assert "299 relationships" in session._repr_html_()


def test_the_plain_reprs_of_a_portfolio_and_an_assessment_are_short_summaries(large):
    text = repr(large)
    assert len(text) < KB  # the attrs repr of this portfolio is megabytes
    assert text.startswith("<Portfolio of 'northbridge' ('Northbridge Engineering Ltd'): ")
    assert "300 relationships: 'r0000', 'r0001'" in text
    assert "295 more>" in text
    assessment = evaluate(large, as_of=AS_OF)
    text = repr(assessment)
    assert len(text) < KB
    counts = assessment.by_verdict()
    assert f"{len(assessment):,} findings on 301 subjects" in text
    assert f"{counts[Verdict.FAIL]:,} Fail" in text
    first = assessment.failed()[0]
    assert f"to act on: {first.rule_id!r} on {first.subject_id!r}" in text
    # equality and hashing are still attrs' own, over every field
    again = evaluate(large, as_of=AS_OF)
    assert again == assessment
    assert large == attrs.evolve(large)
    assert large != large.without_relationship("r0299")
    assert hash(large) == hash(attrs.evolve(large))


def test_the_reprs_stay_short_with_long_names_and_no_relationships(portfolio):
    org = attrs.evolve(portfolio.organization, name="N" * 5000)
    rel = attrs.evolve(portfolio.relationships[0], id="r" * 500)
    long = attrs.evolve(portfolio, organization=org, relationships=(rel,))
    text = repr(long)
    assert len(text) < 200
    assert "1 relationship: 'rrrr" in text
    empty = attrs.evolve(portfolio, relationships=())
    assert (
        repr(empty)
        == "<Portfolio of 'northbridge' ('Northbridge Engineering Ltd'): 0 relationships>"
    )
    assessment = evaluate(empty, as_of=AS_OF)
    assert "on 1 subject (" in repr(assessment)


def test_a_report_and_its_action_view_display_the_first_rows_to_act_on(large):
    rep = report(large, as_of=AS_OF)
    frag = rep._repr_html_()
    assert len(frag) < 160 * KB  # the full page is megabytes
    assert len(rep.to_html()) > 20 * len(frag)
    assert "What needs action" in frag
    assert "more rows need action" in frag
    assert "display(report.actions())" in frag
    view = rep.actions()
    assert len(view._repr_html_()) < 160 * KB
    assert len(repr(rep)) < 300
    assert len(repr(view)) < 300
    assert "rows on" in repr(view)


# ----------------------------------------------------------- the displays of this issue


def test_explanation(assessment):
    session = Session(collabrel.example_portfolio(), as_of=AS_OF)
    page = session.explain("iso44001:6.1/current", "northbridge")._repr_html_()
    assert len(page) < 4 * KB
    assert "iso44001:6.1/current on northbridge" in page
    assert "risk_register.last_reviewed_on" in page
    assert "2025-08-20" in page
    assert "Fail" in page
    passing = next(f for f in assessment.findings if f.verdict.value == "pass")
    shown = session.explain(passing.rule_id, passing.subject_id)._repr_html_()
    assert len(shown) < 2 * KB
    assert "Pass" in shown
    assert "Failing conditions" not in shown


def test_view_and_view_item(assessment):
    view = iso44003_principles(assessment)
    page = view._repr_html_()
    assert len(page) < 12 * KB
    assert "Exit strategy" in page
    assert "p12" in page
    assert len(repr(view)) < 200  # not every finding of every item
    item = view.item("p12")
    assert "Exit strategy" in item._repr_html_()
    assert len(item._repr_html_()) < 16 * KB


def test_checklist(assessment):
    checklist = annex_a_checklist(assessment)
    page = checklist._repr_html_()
    assert len(page) < 16 * KB
    assert "214 Yes" in page
    assert "more rows not shown" in page
    first = page.index("<td ")
    assert "No" in page[first : first + 600] or "Partial" in page[first : first + 600]
    assert len(repr(checklist)) < 200
    assert show_all(checklist)._repr_html_().count("<tr>") == len(checklist.rows) + 1


def test_gate_check(portfolio):
    rel = portfolio.relationship("rel-aldermoor")
    check = Lifecycle().can_advance(rel, portfolio.organization, as_of=AS_OF)
    page = check._repr_html_()
    assert len(page) < 8 * KB
    assert "blocked" in page
    assert "rel-aldermoor" in page
    assert all(f.rule_id in page for f in check.blocking)


def test_maturity_profile_shows_theme_names_and_rounded_levels(assessment):
    from collabrel import maturity

    evidenced = maturity.evidenced(assessment, "rel-rail-jv", organization_id="northbridge")
    page = evidenced._repr_html_()
    assert "Relationship management" in page  # the theme's name, not only "p1"
    perceived = next(iter(maturity.perceived(maturity.example_self_assessments()).values()))
    text = perceived._repr_html_()
    levels = [t.level for t in perceived.levels if t.level is not None]
    assert any(round(x, 1) != x for x in levels), "the example needs a level to round"
    for x in levels:
        assert f"<td style='padding:2px 6px'>{round(x, 1):g}</td>" in text
    gaps = maturity.gaps(perceived, evidenced)
    assert "Exit strategy" in gaps._repr_html_()
    assert len(gaps._repr_html_()) < 8 * KB


def test_lifecycle_diagram_is_an_svg_drawn_without_graphviz(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    d = diagram(Stage.WORKING_TOGETHER, blocked=True)
    svg = d._repr_html_()
    root = ET.fromstring(svg)  # noqa: S314 - our own drawing
    assert root.tag.endswith("svg")
    width = int(root.get("viewBox", "").split()[2])
    assert 600 <= width <= 1000
    assert "max-width:960px" in root.get("style", "")
    stages = [g for g in root.iter() if g.get("data-stage")]
    assert {g.get("data-stage") for g in stages} == {s.slug for s in Stage}
    current = [g for g in stages if "current" in (g.get("class") or "")]
    assert [g.get("data-stage") for g in current] == ["working_together"]
    assert "blocked" in current[0].get("class", "")
    assert len(svg) < 16 * KB
    assert d.graphviz_svg() is None
    assert "stateDiagram-v2" in d._repr_markdown_()


# ------------------------------------------------------------------------ data frames


def test_frames_have_proper_dtypes(assessment, portfolio):
    pd = pytest.importorskip("pandas")
    frame = findings_frame(assessment.findings)
    assert len(frame) == len(assessment.findings)
    assert isinstance(frame["verdict"].dtype, pd.CategoricalDtype)
    assert list(frame["verdict"].cat.categories) == [
        "pass", "fail", "unknown", "error", "not_applicable",
    ]  # fmt: skip
    assert str(frame["stage"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(frame["as_of"])
    view = iso44003_principles(assessment).to_frame()
    assert view["share"].dtype == "float64"
    assert str(view["fail"].dtype) == "Int64"
    checklist = annex_a_checklist(assessment).to_frame()
    assert list(checklist["answer"].cat.categories) == ["Yes", "Partial", "No", "N/A"]
    check = Lifecycle().can_advance(portfolio.relationship("rel-aldermoor"),
                                    portfolio.organization, as_of=AS_OF)  # fmt: skip
    gate = check.to_frame()
    assert set(gate["verdict"].astype(str)) >= {"fail"}
    from collabrel import maturity

    profile = maturity.evidenced(assessment, "rel-rail-jv", organization_id="northbridge")
    levels = profile.to_frame()
    assert levels["level"].dtype == "float64"
    assert next(iter(levels["name"])) == "Relationship management"
    rows = report(portfolio, as_of=AS_OF).to_frame()
    assert pd.api.types.is_datetime64_any_dtype(rows["due_on"])
    assert isinstance(rows["gap"].dtype, pd.CategoricalDtype)


# ------------------------------------------------------------------------------ plots


def test_the_heat_map_tells_not_applicable_from_fail(assessment):
    pytest.importorskip("matplotlib")
    import matplotlib as mpl

    mpl.use("Agg")
    table = heatmap_table(assessment)
    values = set(table.stack().astype(str))
    assert {"fail", "pass", "not_applicable"} <= values
    assert next(iter(table.columns)) == "rel-rail-jv"
    assert "8.6" in table.index
    ax = heatmap(assessment)
    patches = {p.get_label(): p for p in ax.patches}
    na, fail = patches["not_applicable"], patches["fail"]
    assert na.get_facecolor() != fail.get_facecolor()
    assert na.get_hatch()
    assert not fail.get_hatch()
    assert len(ax.patches) == int(table.notna().sum().sum())
    small = heatmap_table(assessment, max_subjects=2)
    assert small.shape[1] == 2
    assert small.attrs["relationships"] == 7


def test_the_radar_legend_covers_no_label(assessment):
    pytest.importorskip("matplotlib")
    import matplotlib as mpl

    mpl.use("Agg")
    from collabrel import maturity

    profiles = [maturity.evidenced(assessment, rid, organization_id="northbridge")
                for rid in ("rel-rail-jv", "rel-grid-alliance", "rel-aldermoor")]  # fmt: skip
    ax = maturity.radar(*profiles)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    labels = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) == 12
    assert not any(legend.overlaps(box) for box in labels)
    assert "Relationship\nmanagement" in [t.get_text() for t in ax.get_xticklabels()]
    import matplotlib.pyplot as plt

    plt.close(fig)
