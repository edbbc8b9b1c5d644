"""Jupyter display: the main objects render themselves as escaped HTML tables."""

from __future__ import annotations

from datetime import date

import attrs

import collabrel
from collabrel.rules import default_ruleset, evaluate


def test_main_objects_render_html_with_their_key_facts():
    portfolio = collabrel.example_portfolio()
    assessment = evaluate(portfolio, as_of=date(2026, 11, 23))
    assert "rel-rail-jv" in portfolio._repr_html_()
    assert "Staying together" in portfolio.relationship("rel-rail-jv")._repr_html_()
    assert "iso44001:6.1/current" in assessment._repr_html_()
    finding = next(f for f in assessment.failed() if f.rule_id == "iso44001:6.1/current")
    assert "risk_register.last_reviewed_on" in finding._repr_html_()
    rs = default_ruleset().without("iso44001:7.3/coverage", justification="no teams <yet>")
    html = rs._repr_html_()
    assert "iso44001:4.1/issues" in html
    assert "no teams &lt;yet&gt;" in html


def test_hostile_names_are_escaped():
    portfolio = collabrel.example_portfolio()
    rel = attrs.evolve(portfolio.relationships[0], name="<script>alert(1)</script>")
    html = attrs.evolve(portfolio, relationships=(rel,))._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in rel._repr_html_()
