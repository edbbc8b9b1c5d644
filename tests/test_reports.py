"""collabrel.reports: one report model, five renderers, a JSON Schema and diffs."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import date
from typing import Any

import attrs
import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st

import collabrel
from collabrel._render._common import condition_text, fact_text, gap_text, md
from collabrel.errors import CollabrelError, UnknownRuleError
from collabrel.reports import (
    FORMAT,
    FailedCondition,
    Report,
    ReportExclusion,
    ReportRow,
    ScopedRelationship,
    ScopeStatement,
    Summary,
    Tally,
    diff_reports,
    report,
    report_schema,
)
from collabrel.rules import (
    Fact,
    GapKind,
    Outcome,
    RuleSet,
    Verdict,
    default_ruleset,
    evaluate,
    rule,
)

AS_OF = date(2026, 11, 23)
LATER = date(2028, 11, 23)  # two years on: the "reviewed within" rules flip
HOSTILE = '<script>alert("pwn")</script> & | *x* [a](http://evil.example) `code` _u_'

# A slice of the built-in rules (the report code does not depend on which rules run): every
# verdict, time-aware rules, the scope-excluded 8.5.4, plus a custom rule that raises.
_CLAUSES = ("4.1", "4.3", "6.1", "8.2.9", "8.3.2", "8.5.4", "8.5.7", "8.6.3", "8.6.4", "9.1.1",
            "9.1.2", "10.1")  # fmt: skip


@rule("acme:boom", title="A custom rule that raises", clause="9.1.1", level="ORG",
      remedy="Fix the custom rule.", reads=["name"])  # fmt: skip
def _boom(org: Any, ctx: Any) -> Outcome:
    raise RuntimeError("<img src=x onerror=alert(1)> broke")


def _ruleset() -> RuleSet:
    base = default_ruleset().select(where=lambda s: s.clause in _CLAUSES)
    return base.with_rules(RuleSet([_boom])).without(
        "iso44001:4.3/documented", justification="Scope documented elsewhere | <b>not here</b>"
    )


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return _ruleset()


TRACKED = "nc-test-risk-review"
"""A nonconformity the fixture adds, tracking the failing 6.1 review with an owned action."""


@pytest.fixture(scope="module")
def portfolio() -> collabrel.Portfolio:
    example = collabrel.example_portfolio()
    org = example.organization
    nc = collabrel.Nonconformity(
        id=TRACKED, raised_on=date(2026, 11, 2), description="Risk register review overdue",
        clause="6.1", rule_id="iso44001:6.1/current", status="action_planned",
        actions=(collabrel.Action(description="Hold the review", owner="p-qa",
                                  due_on=date(2026, 12, 15)),),
    )  # fmt: skip
    org = attrs.evolve(org, nonconformities=(*org.nonconformities, nc))
    return attrs.evolve(example, organization=org)


@pytest.fixture(scope="module")
def rep(portfolio: collabrel.Portfolio, ruleset: RuleSet) -> Report:
    return report(portfolio, ruleset, as_of=AS_OF)


@pytest.fixture(scope="module")
def later(portfolio: collabrel.Portfolio, ruleset: RuleSet) -> Report:
    return report(portfolio, ruleset, as_of=LATER)


@pytest.fixture(scope="module")
def hostile(portfolio: collabrel.Portfolio, ruleset: RuleSet) -> Report:
    rel = portfolio.relationship("rel-westmere-ppp")
    org = portfolio.organization
    changed = portfolio.with_relationship(attrs.evolve(rel, name=HOSTILE))
    changed = attrs.evolve(changed, organization=attrs.evolve(org, name="=HYPERLINK(1) " + HOSTILE))
    return report(changed, ruleset, as_of=AS_OF)


@pytest.fixture(scope="module")
def renders(rep: Report) -> dict[str, str]:
    return {"md": rep.to_markdown(), "html": rep.to_html(), "csv": rep.to_csv(),
            "json": rep.to_json()}  # fmt: skip


# ------------------------------------------------------------------------------ model


def test_the_model_covers_every_verdict_and_optional_field(rep: Report) -> None:
    verdicts = {r.verdict for r in rep}
    assert verdicts == set(Verdict), "the slice of rules must exercise every verdict"
    assert any(r.explanation for r in rep)
    assert any(r.error for r in rep)
    assert any(r.exclusion for r in rep)
    assert any(r.evidence for r in rep)
    assert {e.source for e in rep.exclusions} == {"scope", "ruleset"}
    assert {r.gap for r in rep} == {None, GapKind.NONCONFORMITY, GapKind.OPEN_GATE_ITEM}
    assert any(r.owner for r in rep)
    assert any(r.due_on for r in rep)
    assert any(r.tracked_by for r in rep)
    assert {r.subject_stage for r in rep} > {None}
    assert rep.rows == tuple(rep)
    assert len(rep) == len(rep.rows)


def test_report_is_built_from_the_assessment(
    rep: Report, portfolio: collabrel.Portfolio, ruleset: RuleSet
) -> None:
    assessment = evaluate(portfolio, ruleset, as_of=AS_OF)
    again = Report.from_assessment(assessment, portfolio)
    assert again == rep
    assert len(rep) == len(assessment.findings)
    assert rep.as_of == AS_OF
    assert rep.ruleset_version == assessment.ruleset_version == ruleset.version
    assert rep.generator.startswith("collabrel")
    for f in assessment.findings:
        row = rep.row(f.rule_id, f.subject_id)
        assert (row.verdict, row.message, row.remedy, row.evidence) == (
            f.verdict, f.message, f.remedy, f.facts,
        )  # fmt: skip
        assert row.severity == f.severity
        assert row.stage == f.stage
        leaves = f.explanation.failing if f.explanation else ()
        assert [c.actual for c in row.explanation] == [leaf.actual for leaf in leaves]


def test_rows_come_subject_by_subject_each_in_clause_order(
    rep: Report, portfolio: collabrel.Portfolio
) -> None:
    order = ["northbridge", *(r.id for r in portfolio.relationships)]
    subjects = list(dict.fromkeys(r.subject_id for r in rep.rows))
    assert subjects == order
    for sid in order:
        keys = [tuple(int(p) for p in r.clause.split(".")) for r in rep if r.subject_id == sid]
        assert keys == sorted(keys)
    assert all(r.level == "ORG" for r in rep if r.subject_id == "northbridge")


def test_a_row_that_needs_action_names_its_owner_and_due_date(rep: Report) -> None:
    tracked = rep.row("iso44001:6.1/current", "northbridge")
    assert (tracked.owner, tracked.due_on, tracked.tracked_by) == (
        "Tom Whitfield", date(2026, 12, 15), TRACKED,
    )  # fmt: skip
    # untracked: the senior executive responsible, no due date
    other = next(r for r in rep.failed() if r.subject_id == "rel-westmere-ppp")
    assert other.owner == "Owen Price" or other.owner
    assert other.due_on is None
    assert other.tracked_by is None
    assert all(r.owner is None and r.due_on is None for r in rep if r.ok)


def test_open_gate_items_are_the_current_stage_work_before_its_gate(
    rep: Report, portfolio: collabrel.Portfolio, ruleset: RuleSet
) -> None:
    findings = {(f.rule_id, f.subject_id): f for f in evaluate(portfolio, ruleset, as_of=AS_OF)}
    for r in rep:
        assert r.gap is findings[r.key].gap, r.key  # the finding's classification, kept
        if r.gap is GapKind.OPEN_GATE_ITEM:
            assert r.stage is not None
            assert r.stage is r.subject_stage
        assert r.kind == ("error" if r.verdict is Verdict.ERROR else getattr(r.gap, "value", None))
    assert rep.nonconformities()
    assert rep.open_gate_items()
    assert set(rep.nonconformities()) | set(rep.open_gate_items()) <= set(rep.failed())


def test_failed_rows_and_explanation(rep: Report) -> None:
    failed = rep.failed()
    assert failed
    assert all(r.verdict in {Verdict.FAIL, Verdict.UNKNOWN, Verdict.ERROR} for r in failed)
    row = rep.row("iso44001:6.1/current", "northbridge")
    assert row.verdict is Verdict.FAIL
    (leaf,) = row.explanation
    assert leaf == FailedCondition(
        condition=leaf.condition,
        path="risk_register.last_reviewed_on",
        actual="2025-08-20",
        expected="on or after 2025-11-23 (1 year before 2026-11-23)",
        hint=leaf.hint,
    )
    assert "overdue by 95 days" in (leaf.hint or "")
    assert "2025-08-20" in str(leaf)


def test_error_rows_carry_the_exception(rep: Report) -> None:
    row = rep.row("acme:boom", "northbridge")
    assert row.verdict is Verdict.ERROR
    assert "broke" in (row.error or "")


def test_unknown_row_is_a_clear_error(rep: Report) -> None:
    with pytest.raises(UnknownRuleError, match="no row for rule 'nope' on 'northbridge'"):
        rep.row("nope", "northbridge")


def test_summary_counts(rep: Report) -> None:
    s = rep.summary
    total = sum(s.by_verdict.values())
    assert total == len(rep)
    assert s.by_verdict[Verdict.FAIL] == sum(r.verdict is Verdict.FAIL for r in rep)
    for tallies in (s.by_clause, s.by_stage, s.by_level, s.by_subject):
        assert sum(t.score.applicable + t.score.not_applicable for t in tallies) == total
    assert [t.key for t in s.by_clause] == sorted({r.top_clause for r in rep}, key=int)
    assert {t.key for t in s.by_clause} <= {str(n) for n in range(4, 11)}
    assert s.by_clause[0].label == "Context of the organization"
    assert [t.key for t in s.by_level] == ["ORG", "REL"] or "JNT" in [t.key for t in s.by_level]
    assert s.by_subject[0].key == "northbridge"
    assert s.by_stage[-1].key == "none"
    assert Summary.of(rep.rows, subject_order=["northbridge"]) == s


def test_scope_statement_and_exclusions(rep: Report, portfolio: collabrel.Portfolio) -> None:
    scope = rep.scope
    org_scope = portfolio.organization.scope
    assert org_scope is not None
    assert scope.application_level == "multiple_relationships"
    assert [r.id for r in scope.in_scope] == list(org_scope.relationships_in_scope)
    assert [r.id for r in scope.out_of_scope] == ["rel-plant-hire"]
    assert "6 of 7 relationships are in scope" in scope.statement
    scope_ex, rules_ex = rep.exclusions
    assert scope_ex.requirement == "iso44001:8.5.4"
    assert scope_ex.approved_by == "p-coo"
    assert rules_ex.requirement == "iso44001:4.3/documented"
    assert rules_ex.clause == "4.3"
    excluded_rows = [r for r in rep if r.exclusion]
    assert excluded_rows
    assert all(r.rule_id.startswith("iso44001:8.5.4") for r in excluded_rows)


def test_a_portfolio_without_scope_assesses_everything(portfolio: collabrel.Portfolio) -> None:
    bare = attrs.evolve(portfolio, organization=attrs.evolve(portfolio.organization, scope=None))
    rs = default_ruleset().select(clause="4.1")
    r = report(bare, rs, as_of=AS_OF, title="Bare")
    assert r.title == "Bare"
    assert r.scope.application_level is None
    assert all(x.in_scope for x in r.scope.relationships)
    assert "No CBRMS scope is recorded" in r.scope.statement
    assert r.exclusions == ()
    assert "No requirement is excluded." in r.to_markdown()


# -------------------------------------------------------------- golden: every field


def _row_texts(row: ReportRow) -> dict[str, list[str]]:
    """The texts every renderer must show for each field of a row (field name -> texts)."""
    return {
        "rule_id": [row.rule_id],
        "clause": [row.clause],
        "title": [row.title],
        "subject_id": [row.subject_id],
        "subject_name": [row.subject_name],
        "level": [row.level],
        "stage": [row.stage.label] if row.stage is not None else [],
        "mode": [row.mode],
        "severity": [row.severity],
        "verdict": [],  # checked per renderer: each spells it its own way
        "message": [row.message],
        "remedy": [row.remedy],
        "evidence": [fact_text(f) for f in row.evidence],
        "explanation": [condition_text(c) for c in row.explanation],
        "error": [row.error] if row.error else [],
        "tags": list(row.tags),
        "exclusion": [row.exclusion] if row.exclusion else [],
        "subject_stage": [str(row.subject_stage)] if row.subject_stage is not None else [],
        "gap": [gap_text(row)] if row.gap else [],
        "owner": [row.owner] if row.owner else [],
        "due_on": [str(row.due_on)] if row.due_on else [],
        "tracked_by": [row.tracked_by] if row.tracked_by else [],
    }


def _report_texts(rep: Report) -> list[tuple[str, str]]:
    """(field path, text) for every report-level field that is not a row."""
    scalar = (str, date)
    out = [(name, str(getattr(rep, name)))
           for name in ("title", "as_of", "ruleset_version", "generator", "counting")]  # fmt: skip
    s = rep.scope
    for f in attrs.fields(ScopeStatement):
        value = getattr(s, f.name)
        if isinstance(value, scalar):
            out.append((f"scope.{f.name}", str(value)))
    out += [("scope.units", u) for u in s.units]
    out.append(("scope.statement", s.statement))
    for r in s.relationships:
        out += [("scope.relationships.id", r.id), ("scope.relationships.name", r.name),
                ("scope.relationships.stage", r.stage.label)]  # fmt: skip
    for e in rep.exclusions:
        for f in attrs.fields(ReportExclusion):
            value = getattr(e, f.name)
            if value is not None:
                out.append((f"exclusions.{f.name}", str(value)))
    for group in ("by_clause", "by_stage", "by_level", "by_subject"):
        for t in getattr(rep.summary, group):
            out += [(f"summary.{group}.key", t.key), (f"summary.{group}.label", t.label)]
    return out


def test_the_golden_lists_cover_every_field_of_the_model(rep: Report) -> None:
    # a new field must be added to the renderers and to this test
    assert {f.name for f in attrs.fields(ReportRow)} == set(_row_texts(rep.rows[0]))
    assert {f.name for f in attrs.fields(Report)} == {
        "title", "as_of", "ruleset_version", "generator", "counting", "scope", "exclusions",
        "summary", "rows",
    }  # fmt: skip
    assert {f.name for f in attrs.fields(ScopeStatement)} == {
        "organization_id", "organization_name", "application_level", "document_id", "units",
        "relationships", "last_reviewed_on",
    }  # fmt: skip
    assert {f.name for f in attrs.fields(ScopedRelationship)} == {"id", "name", "stage",
                                                                   "in_scope"}  # fmt: skip
    assert {f.name for f in attrs.fields(Summary)} == {
        "overall", "by_clause", "by_stage", "by_level", "by_subject"}  # fmt: skip
    assert {f.name for f in attrs.fields(Tally)} == {"key", "label", "score"}
    assert {f.name for f in attrs.fields(FailedCondition)} == {
        "condition", "path", "actual", "expected", "hint"}  # fmt: skip
    assert {f.name for f in attrs.fields(Fact)} == {"path", "value"}


def _html(text: object) -> str:
    """HTML-escape as the templates do (Jinja2's autoescape: markupsafe)."""
    return str(markupsafe.escape(str(text)))


_ESCAPE = {"md": md, "html": _html}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_every_field_appears_in_the_document_renderers(
    rep: Report, renders: dict[str, str], fmt: str
) -> None:
    out = renders[fmt]
    esc = _ESCAPE[fmt]
    missing = [(path, text) for path, text in _report_texts(rep) if esc(text) not in out]
    for row in rep.rows:
        missing += [
            (f"{row.key}.{name}", text)
            for name, texts in _row_texts(row).items()
            for text in texts
            if esc(text) not in out
        ]
    assert not missing
    for t in rep.summary.by_clause:
        s = t.score
        counts = [s.passed, s.failed, s.unknown, s.error, s.not_applicable]
        if fmt == "md":
            cells = " | ".join(str(n) for n in counts)
            assert f"| {t.key} | {md(t.label)} | {cells} |" in out
        else:
            cells = "".join(f'<td class="n">{n}</td>' for n in counts)
            assert f"<td>{t.key}</td><td>{_html(t.label)}</td>{cells}" in out
    verdict_marks = {
        "md": lambda v: f"**{v.label.upper()}**",
        "html": lambda v: f'class="v v-{v.value}"',
    }[fmt]
    for v in {r.verdict for r in rep}:
        assert verdict_marks(v) in out
    # every scope relationship says whether it is in scope
    in_scope_cells = {"md": " | yes |", "html": "<td>yes</td>"}[fmt]
    out_scope_cells = {"md": " | no |", "html": "<td>no</td>"}[fmt]
    assert in_scope_cells in out
    assert out_scope_cells in out


def test_every_row_field_appears_in_the_csv(rep: Report, renders: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(renders["csv"])))
    assert len(rows) == len(rep)
    for line, row in zip(rows, rep.rows, strict=True):
        assert line["as_of"] == AS_OF.isoformat()
        assert line["ruleset_version"] == rep.ruleset_version
        assert line["verdict"] == row.verdict.value
        assert line["stage"] == ("" if row.stage is None else str(int(row.stage)))
        assert line["gap"] == (row.gap.label.lower() if row.gap else "")
        assert line["subject_stage"] == ("" if row.subject_stage is None
                                         else str(int(row.subject_stage)))  # fmt: skip
        assert line["due_on"] == (row.due_on.isoformat() if row.due_on else "")
        blob = "\n".join(line.values())
        for name, texts in _row_texts(row).items():
            for text in texts if name not in {"gap", "subject_stage", "due_on"} else ():
                assert text in blob, (row.key, name, text)
    assert renders["csv"].startswith("as_of,ruleset_version,clause,rule_id")
    assert "\r\n" in renders["csv"]


def test_every_field_appears_in_the_json(rep: Report, renders: dict[str, str]) -> None:
    data = json.loads(renders["json"])
    assert data == rep.to_data()
    assert renders["json"] == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert data["format"] == FORMAT
    assert data["view"] == "full"
    assert data["as_of"] == AS_OF.isoformat()
    for name in ("title", "ruleset_version", "generator", "counting"):
        assert data[name] == getattr(rep, name)
    scope = data["scope"]
    assert scope["statement"] == rep.scope.statement
    assert scope["units"] == list(rep.scope.units)
    assert [r["id"] for r in scope["relationships"]] == [r.id for r in rep.scope.relationships]
    assert [r["in_scope"] for r in scope["relationships"]] == [
        r.in_scope for r in rep.scope.relationships
    ]
    assert len(data["exclusions"]) == len(rep.exclusions)
    assert data["exclusions"][0]["approved_on"] == "2025-03-25"
    summary = data["summary"]
    assert summary["overall"]["fail"] == rep.summary.overall.failed
    assert summary["overall"]["total"] == len(rep)
    for group in ("by_clause", "by_stage", "by_level", "by_subject"):
        tallies = getattr(rep.summary, group)
        assert [(t["key"], t["label"]) for t in summary[group]] == [
            (t.key, t.label) for t in tallies
        ]
        assert [t["counts"]["pass"] for t in summary[group]] == [t.score.passed for t in tallies]
    for got, row in zip(data["rows"], rep.rows, strict=True):
        assert set(got) == (
            {f.name for f in attrs.fields(ReportRow)} | {"stage_name", "subject_stage_name"}
        )
        assert got["verdict"] == row.verdict.value
        assert got["evidence"] == [{"path": f.path, "value": f.value} for f in row.evidence]
        assert got["explanation"] == [attrs.asdict(c) for c in row.explanation]
        assert got["tags"] == list(row.tags)
        for name in ("rule_id", "clause", "title", "subject_id", "subject_name", "level",
                     "mode", "severity", "message", "remedy", "error", "exclusion",
                     "owner", "tracked_by"):  # fmt: skip
            assert got[name] == getattr(row, name)
        assert got["due_on"] == (row.due_on.isoformat() if row.due_on else None)
        assert got["gap"] == (row.gap.value if row.gap else None)


# --------------------------------------------------------------------- JSON Schema


class SchemaError(AssertionError):
    pass


_KEYWORDS = {"type", "properties", "required", "additionalProperties", "items", "enum",
             "const", "$ref", "minimum", "maximum", "pattern", "format"}  # fmt: skip
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
_TYPES: dict[str, Any] = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
    "integer": int, "number": (int, float),
}  # fmt: skip


def _is(value: Any, name: str) -> bool:
    if name in {"integer", "number"} and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def _check_scalar(value: Any, schema: dict[str, Any], path: str) -> None:
    if "const" in schema and value != schema["const"]:
        raise SchemaError(f"{path}: {value!r} != {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise SchemaError(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise SchemaError(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise SchemaError(f"{path}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise SchemaError(f"{path}: {value!r} is not a date") from None


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> None:
    """A validator for the subset of JSON Schema 2020-12 that report.schema.json uses."""
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        validate(value, root["$defs"][ref.removeprefix("#/$defs/")], root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, t) for t in types):
            raise SchemaError(f"{path}: {value!r} is not of type {types}")
    _check_scalar(value, schema, path)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                raise SchemaError(f"{path}: missing {key!r}")
        for key, item in value.items():
            if key in props:
                validate(item, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                raise SchemaError(f"{path}: unexpected property {key!r}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], root, f"{path}[{i}]")


def _keywords(schema: Any, found: set[str]) -> set[str]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in {"properties", "$defs"}:
                for sub in value.values():
                    _keywords(sub, found)
            elif key in {"items", "additionalProperties"}:
                _keywords(value, found)
    return found


def test_the_schema_uses_only_keywords_the_test_validator_knows() -> None:
    schema = report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert _keywords(schema, set()) <= _KEYWORDS | _ANNOTATIONS
    assert report_schema() == schema
    schema["title"] = "changed"
    assert report_schema()["title"] != "changed", "each call returns a fresh copy"


def test_json_validates_against_the_published_schema(rep: Report, hostile: Report) -> None:
    schema = report_schema()
    validate(json.loads(rep.to_json()), schema, schema)
    validate(json.loads(hostile.to_json(indent=None)), schema, schema)


def test_the_validator_rejects_what_the_schema_forbids(rep: Report) -> None:
    schema = report_schema()
    broken: list[dict[str, Any]] = []
    for mutate in (
        lambda d: d.pop("as_of"),
        lambda d: d.update(extra=1),
        lambda d: d["rows"][0].update(verdict="maybe"),
        lambda d: d["rows"][0].update(stage="5"),
        lambda d: d["summary"]["overall"].update(share=2),
        lambda d: d.update(as_of="23/11/2026"),
        lambda d: d["scope"]["relationships"][0].update(in_scope="yes"),
    ):
        data = rep.to_data()
        mutate(data)
        broken.append(data)
    for data in broken:
        with pytest.raises(SchemaError):
            validate(data, schema, schema)


# ------------------------------------------------------------------- HTML and escaping


_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "h4", "p",
         "span", "b", "div", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "br", "nav",
         "a", "article", "colgroup", "col"}  # fmt: skip
_ATTRIBUTES = {"class", "lang", "charset", "name", "content", "href", "id", "colspan"}


def _tags(page: str) -> list[tuple[str, set[str]]]:
    """Every tag of *page*: its name and attribute names (attribute values left out)."""
    return [
        (m.group(1).lower(), set(re.findall(r"([a-zA-Z-]+)=", re.sub(r'"[^"]*"', "", m.group(2)))))
        for m in re.finditer(r"</?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>", page)
    ]


def test_html_is_self_contained_and_printable(renders: dict[str, str]) -> None:
    page = renders["html"]
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert "@media print" in page
    tags = _tags(page)
    assert {name for name, _ in tags} <= _TAGS  # no script, link, img, iframe, object ...
    assert set().union(*(attributes for _, attributes in tags)) <= _ATTRIBUTES  # no src
    assert all(link.startswith("#") for link in re.findall(r'href="([^"]*)"', page))
    style = page[page.index("<style>") : page.index("</style>")]
    for external in ("@import", "url(", "http:", "https:"):
        assert external not in style


def test_html_and_repr_html_escape_hostile_text(hostile: Report) -> None:
    for page in (hostile.to_html(), hostile._repr_html_()):
        assert "<script" not in page.lower()
        assert "<img" not in page.lower()
        assert "<b>not here</b>" not in page
        assert {name for name, _ in _tags(page)} <= _TAGS
    page = hostile.to_html()
    assert _html(HOSTILE) in page
    assert "&lt;img src=x onerror=alert(1)&gt; broke" in page


def test_repr_html_is_a_compact_fragment(rep: Report) -> None:
    frag = rep._repr_html_()
    assert frag.startswith('<div class="cr">')
    assert "<html" not in frag
    assert "What needs action" in frag
    assert len(frag) < len(rep.to_html()) / 5


def test_markdown_escapes_hostile_text(hostile: Report) -> None:
    text = hostile.to_markdown()
    assert "<script>" not in text
    assert "\\<script\\>" in text
    assert re.search(r"(?<!\\)\[a\]\(http", text) is None  # no live link
    lines = [ln for ln in text.splitlines() if ln.startswith("| rel-westmere-ppp |")]
    pipes = sorted(len(re.findall(r"(?<!\\)\|", ln)) for ln in lines)
    assert pipes == [5, 9], lines  # the scope table (4 columns), the subject table (8)


def test_csv_neutralises_formulas(hostile: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(hostile.to_csv())))
    names = {r["subject_name"] for r in rows if r["subject_id"] == "northbridge"}
    assert names == {"'=HYPERLINK(1) " + HOSTILE}
    assert hostile.to_records()[0]["subject_name"].startswith("=HYPERLINK")


# ----------------------------------------------------------------- optional extras


def test_to_frame_without_pandas_is_a_clear_error(
    rep: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'collabrel\[jupyter\]'") as info:
        rep.to_frame()
    assert isinstance(info.value, CollabrelError)


def test_to_xlsx_without_openpyxl_is_a_clear_error(
    rep: Report, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(CollabrelError, match=r"pip install 'collabrel\[xlsx\]'"):
        rep.to_xlsx(tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


def test_to_frame_with_pandas(rep: Report) -> None:
    pytest.importorskip("pandas")
    frame = rep.to_frame()
    assert len(frame) == len(rep)
    assert list(frame.columns)[:4] == ["as_of", "ruleset_version", "clause", "rule_id"]


def test_to_xlsx_with_openpyxl(hostile: Report, tmp_path: Any) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = hostile.to_xlsx(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Actions", "Findings", "Checklist", "Exclusions", "Scope"]
    findings = wb["Findings"]
    assert findings.max_row == len(hostile) + 1
    assert all(c.data_type != "f" for row in findings.iter_rows() for c in row)


# ------------------------------------------------------------------------- diffs


def test_diff_lists_the_verdicts_that_time_flips(rep: Report, later: Report) -> None:
    d = rep.diff(later)
    assert d == diff_reports(rep, later)
    assert d
    assert (d.before_as_of, d.after_as_of) == (AS_OF, LATER)
    assert d.before == rep.summary.overall
    assert d.after == later.summary.overall
    assert d.after.failed > d.before.failed
    assert not d.added
    assert not d.removed
    flipped = {(c.rule_id, c.subject_id): (c.before, c.after) for c in d.changed}
    assert flipped[("iso44001:4.1/current", "northbridge")] == (Verdict.PASS, Verdict.FAIL)
    assert all(c.kind == "changed" for c in d.changed)
    assert set(d.worse) <= set(d.changed)
    for c in d.changed:
        assert rep.row(c.rule_id, c.subject_id).verdict is c.before
        assert later.row(c.rule_id, c.subject_id).verdict is c.after
    unchanged = [r for r in rep if (r.rule_id, r.subject_id) not in flipped]
    assert all(later.row(*r.key).verdict is r.verdict for r in unchanged)
    text = d.to_markdown()
    assert str(d) == text
    assert f"## Verdicts changed ({len(d.changed)})" in text
    assert "| 4.1 | iso44001:4.1/current | northbridge | Pass | Fail |" in text
    data = d.to_data()
    assert data["before"]["counts"]["fail"] == rep.summary.overall.failed
    assert len(data["changed"]) == len(d.changed)


def test_diff_lists_rows_added_and_removed(
    rep: Report, portfolio: collabrel.Portfolio, ruleset: RuleSet
) -> None:
    smaller = report(portfolio, ruleset.without("iso44001:6.1/current", justification="test"),
                     as_of=AS_OF)  # fmt: skip
    d = rep.diff(smaller)
    assert [(c.rule_id, c.kind, c.before, c.after) for c in d.removed] == [
        ("iso44001:6.1/current", "removed", Verdict.FAIL, None)
    ]
    assert not d.changed
    assert [c.kind for c in smaller.diff(rep).added] == ["added"]
    assert not rep.diff(rep)
    assert "## Rows removed (1)" in d.to_markdown()
    assert "None." in d.to_markdown()


# ------------------------------------------------- formula guard and control characters

# texts a spreadsheet runs as a formula, though they do not start with '='
FORMULAS = [" =1+1", "\t=1+1", "\r=1+1", "  +SUM(A1)", "\n-2+3", "\u00a0@cmd", "\u200b=1",
            "\ufeff=HYPERLINK(1)", "\uff1d1+1", "=1+1", "-5"]  # fmt: skip
SAFE = ["plain text", "a = b", "2026-11-23", "x=1", "", "5"]


@pytest.mark.parametrize("text", FORMULAS)
def test_the_formula_guard_looks_at_the_first_non_blank_character(text):
    from collabrel._render._tabular import formula_like, neutralise

    assert formula_like(text)
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", SAFE)
def test_text_that_is_no_formula_is_left_alone(text):
    from collabrel._render._tabular import neutralise

    assert neutralise(text) == text


@given(st.text(alphabet=" \t\r\n\u00a0\u200b\ufeff=+-@ab1", max_size=8))
def test_text_left_alone_never_starts_a_formula(text):
    from collabrel._render._tabular import neutralise

    cell = neutralise(text)
    if cell != text:
        assert cell == "'" + text
        return
    visible = text.lstrip().lstrip("\u200b\ufeff").lstrip()
    assert not visible.startswith(("=", "+", "-", "@"))
    assert not text.startswith(("\t", "\r"))


def _with_names(
    portfolio: collabrel.Portfolio, rel_name: str, org_name: str
) -> collabrel.Portfolio:
    rel = portfolio.relationship("rel-westmere-ppp")
    changed = portfolio.with_relationship(attrs.evolve(rel, name=rel_name))
    return attrs.evolve(changed, organization=attrs.evolve(changed.organization, name=org_name))


def test_csv_guards_a_formula_behind_a_space_or_a_tab(
    portfolio: collabrel.Portfolio, ruleset: RuleSet
) -> None:
    rep = report(_with_names(portfolio, " =1+1", "\t=HYPERLINK(1)"), ruleset, as_of=AS_OF)
    rows = list(csv.DictReader(io.StringIO(rep.to_csv())))
    names = {r["subject_id"]: r["subject_name"] for r in rows}
    assert names["rel-westmere-ppp"] == "' =1+1"
    assert names["northbridge"] == "'\t=HYPERLINK(1)"


def test_xlsx_writes_formula_like_text_as_text(
    portfolio: collabrel.Portfolio, ruleset: RuleSet, tmp_path: Any
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rep = report(_with_names(portfolio, "=1+1", " +cmd|' /C calc'!A0"), ruleset, as_of=AS_OF)
    path = rep.to_xlsx(tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["Findings"]
    column = [c.value for c in sheet[1]].index("subject_name")
    names = {row[column].value for row in sheet.iter_rows(min_row=2)}
    assert {"=1+1", " +cmd|' /C calc'!A0"} <= names  # kept as written, no quote added
    cells = [row[column] for row in sheet.iter_rows(min_row=2) if row[column].value == "=1+1"]
    assert cells
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert all(c.data_type != "f" for ws in openpyxl.load_workbook(path) for r in ws.iter_rows()
               for c in r)  # fmt: skip


CONTROL = "\x1b[31mred\x1b[0m \u202egnp.exe \x07\x9b2J end"


def test_markdown_and_html_show_control_characters_as_escapes(
    portfolio: collabrel.Portfolio, ruleset: RuleSet
) -> None:
    rep = report(_with_names(portfolio, CONTROL, "Org"), ruleset, as_of=AS_OF)
    for text in (rep.to_markdown(), rep.to_html(), rep._repr_html_()):
        assert "\x1b" not in text
        assert "\u202e" not in text
        assert "\x9b" not in text
        assert "\x07" not in text
    assert "\\\\x1b\\[31mred" in rep.to_markdown()  # shown, escaped for Markdown
    assert "\\x1b[31mred" in rep.to_html()
    assert "\\u202egnp.exe" in rep.to_html()


def test_markdown_values_cannot_start_a_heading_or_a_list(
    portfolio: collabrel.Portfolio, ruleset: RuleSet
) -> None:
    from collabrel._render._common import md

    assert md("# Heading") == "\\# Heading"
    assert md("1. item") == "1\\. item"
    assert md("- item") == "\\- item"
    assert md("2026-11-23") == "2026-11-23"
    rep = report(_with_names(portfolio, "R", "# Evil heading"), ruleset, as_of=AS_OF)
    assert not any(line.startswith("# Evil") for line in rep.to_markdown().splitlines())
