"""The Python rules API: rule definitions, rule sets, findings, explanations and sessions.

Rules are checked when they are defined; rule sets are immutable and derived; non-conformance
is data (findings), never an exception; an explanation names the failing fact with its actual
and expected values; a session keeps every verdict current and reports exactly what changed.
"""

from __future__ import annotations

import re
import types
from datetime import date

import attrs
import pytest

import collabrel
from collabrel import ApplicationLevel, Config, months
from collabrel.errors import (
    CollabrelError,
    DuplicateRuleError,
    RuleDefinitionError,
    UnknownFieldError,
    UnknownRuleError,
    UnknownSubjectError,
)
from collabrel.lifecycle import Stage
from collabrel.rules import (
    RULESET_VERSION,
    Level,
    Mode,
    Outcome,
    RuleExclusion,
    RuleSet,
    RuleSpec,
    Session,
    Verdict,
    VerdictChange,
    all_of,
    at_least,
    check,
    count_at_least,
    default_ruleset,
    equals,
    evaluate,
    for_each,
    not_,
    present,
    ref,
    rule,
)
from collabrel.testing import make_organization, make_portfolio, make_relationship

AS_OF = date(2026, 11, 23)
ORG = "northbridge"
PASS, FAIL, NA, UNKNOWN, ERROR = (
    Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE, Verdict.UNKNOWN, Verdict.ERROR,
)  # fmt: skip


@pytest.fixture(scope="module")
def example():
    return collabrel.example_portfolio()


@pytest.fixture(scope="module")
def builtin():
    return default_ruleset()


def spec(rule_id: str = "acme:x", **fields) -> RuleSpec:
    """A relationship rule with every required field, overridden by *fields*."""
    base = {
        "title": "A custom rule",
        "clause": "8.1",
        "level": "REL",
        "remedy": "Fix it.",
    }
    base.update(fields)
    if "condition" not in base and "predicate" not in base:
        base["condition"] = present("name")
    return RuleSpec(id=rule_id, **base)


def _rel(portfolio, rel_id):
    return next(r for r in portfolio.relationships if r.id == rel_id)


def _changes(before: dict, after: dict) -> set[tuple]:
    """The verdict changes between two full evaluations, as comparable tuples."""
    return {
        (k[0], k[1], before.get(k), after.get(k))
        for k in before.keys() | after.keys()
        if before.get(k) is not after.get(k)
    }


def _as_set(changes: tuple[VerdictChange, ...]) -> set[tuple]:
    out = {(c.rule_id, c.subject_id, c.old, c.new) for c in changes}
    assert len(out) == len(changes), "a change is reported twice"
    return out


def _fresh(portfolio, ruleset, as_of=AS_OF) -> dict:
    return Session(portfolio, ruleset, as_of=as_of).verdicts()


# ---------------------------------------------------------------- rules checked when defined


@pytest.mark.parametrize(
    "bad_id",
    ["acme", "Acme:x", "acme:X", ":x", "acme:", "1acme:x", "acme x:y", "acme:x y", "", "acme:/x"],
)
def test_a_bad_id_is_refused(bad_id):
    with pytest.raises(RuleDefinitionError, match="lower case") as info:
        spec(bad_id)
    assert repr(bad_id) in str(info.value)


@pytest.mark.parametrize("bad_id", [None, 42, ("acme:x",)])
def test_an_id_that_is_not_text_is_refused(bad_id):
    with pytest.raises(RuleDefinitionError, match="is not valid"):
        spec(bad_id)


@pytest.mark.parametrize("good_id", ["acme:legal-signoff", "acme:8.6.10/legal", "a_b-c:x.y_z"])
def test_a_good_id_is_accepted(good_id):
    assert spec(good_id).id == good_id


def test_the_iso44001_namespace_is_reserved(builtin):
    with pytest.raises(RuleDefinitionError, match="reserved namespace") as info:
        spec("iso44001:5.2/values")
    assert "'acme:5.2/values'" in str(info.value)  # it suggests a namespace of your own
    assert "replace()" in str(info.value)
    with pytest.raises(RuleDefinitionError, match="reserved namespace"):
        builtin.get("iso44001:5.2/values").with_id("iso44001:5.2/mine")
    # a copy of a built-in rule under your own id is fine
    copy = builtin.get("iso44001:5.2/values").with_id("acme:values")
    assert copy.namespace == "acme"
    assert copy.condition == builtin.get("iso44001:5.2/values").condition


@pytest.mark.parametrize("name", ["title", "remedy", "clause"])
def test_required_text_must_not_be_blank(name):
    with pytest.raises(RuleDefinitionError, match=f"non-empty {name}"):
        spec(**{name: "  "})


@pytest.mark.parametrize(
    ("level", "condition", "close"),
    [
        ("REL", present("workng.agreement"), "working"),
        ("REL", present("working.agrement"), "agreement"),
        ("JNT", for_each("sers", equals("activ", True)), "active"),
        ("ORG", present("polcy.values"), "policy"),
        ("ORG", present("organization.scpe"), "scope"),
        ("REL", equals("name", ref("nme")), "name"),
    ],
)
def test_an_unknown_path_is_refused_with_a_did_you_mean(level, condition, close):
    with pytest.raises(UnknownFieldError, match=f"Did you mean '{close}'") as info:
        spec(level=level, condition=condition)
    assert isinstance(info.value, RuleDefinitionError)
    assert isinstance(info.value, TypeError)
    assert "'acme:x'" in str(info.value)


@pytest.mark.parametrize(
    "path",
    ["__class__", "name.__class__", "_bound", "stage.__class__.__mro__", "organization.__dict__"],
)
def test_private_and_dunder_names_are_never_a_path(path):
    with pytest.raises(UnknownFieldError, match="private and dunder names are never allowed"):
        spec(condition=present(path))


def test_a_collection_is_not_crossed_by_a_path():
    with pytest.raises(UnknownFieldError, match="is a collection; use for_each"):
        spec(condition=equals("sers.active", True))


def test_an_organization_rule_cannot_read_a_relationship():
    with pytest.raises(UnknownFieldError, match="organization rule has no relationship"):
        spec(level="ORG", condition=present("relationship.name"))


def test_a_python_rule_must_declare_its_reads():
    with pytest.raises(RuleDefinitionError, match="must declare the fact paths it reads"):

        @rule("acme:py", title="t", clause="8.1", level="REL", remedy="r", reads=[])
        def no_reads(rel, ctx):
            return True


def test_a_python_rule_reads_are_checked_against_the_schema():
    with pytest.raises(UnknownFieldError, match="Did you mean 'working'"):

        @rule("acme:py", title="t", clause="8.1", level="REL", remedy="r", reads=["workng"])
        def typo(rel, ctx):
            return True


@pytest.mark.parametrize("both", [True, False], ids=["both", "neither"])
def test_a_rule_has_exactly_one_predicate(both):
    fields = {"condition": present("name"), "predicate": lambda r, c: True} if both else {}
    with pytest.raises(RuleDefinitionError, match="exactly one predicate"):
        RuleSpec(
            id="acme:x", title="t", clause="8.1", level="REL", remedy="r", reads=("name",), **fields
        )


def test_a_condition_tree_takes_no_reads():
    with pytest.raises(RuleDefinitionError, match="remove reads"):
        spec(reads=("name",))


def test_a_predicate_must_be_callable_and_a_condition_a_tree():
    with pytest.raises(RuleDefinitionError, match="callable"):
        spec(predicate="os.system", reads=("name",))
    with pytest.raises(RuleDefinitionError, match="condition tree"):
        spec(condition={"present": "name"})


def test_an_organization_rule_has_no_stages():
    with pytest.raises(RuleDefinitionError, match="no applies_in"):
        spec(level="ORG", condition=present("policy"), applies_in=[5])


def test_check_takes_the_function_not_its_name():
    with pytest.raises(RuleDefinitionError, match="takes the function itself"):
        check("nope", "name")


def test_check_needs_a_named_function():
    with pytest.raises(RuleDefinitionError, match="named function"):
        check(lambda name: not name, "name")


def test_a_check_function_with_the_wrong_arity_is_refused_at_definition():
    def both_named(name, form):
        """Name and form are recorded."""
        return name is not None and form is not None

    with pytest.raises(RuleDefinitionError) as info:
        spec(condition=check(both_named, "name"))
    message = str(info.value)
    assert "'acme:x'" in message
    assert "both_named" in message
    assert "['name']" in message
    assert "both_named(name, form)" in message
    assert spec(condition=check(both_named, "name", "form")).condition is not None


def test_a_check_function_with_varargs_takes_any_number_of_paths():
    def all_recorded(*values):
        """Every value is recorded."""
        return all(v is not None for v in values)

    one = spec(condition=check(all_recorded, "name"))
    three = spec(condition=check(all_recorded, "name", "form", "stage"))
    assert one.condition is not None
    assert three.condition is not None


def test_a_rule_spec_is_immutable_and_the_decorator_makes_one():
    @rule(
        "acme:legal",
        title="Legal signs the agreement",
        clause="8.6.10",
        level="jnt",
        stage=5,
        tags=["acme:legal"],
        remedy="Ask legal to sign.",
        reads=["working.agreement.agreed_by"],
    )
    def legal(rel, ctx):
        return True

    assert isinstance(legal, RuleSpec)
    assert legal.level is Level.JNT
    assert legal.stage is Stage.WORKING_TOGETHER
    assert legal.is_python
    assert ("rel", "working", "agreement", "agreed_by") in legal.read_paths
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        legal.title = "changed"  # type: ignore[misc]


# ------------------------------------------------------------------------------- rule sets


def test_duplicate_ids_in_a_rule_set_are_refused():
    a, b = spec("acme:a"), spec("acme:a", title="Another rule")
    with pytest.raises(DuplicateRuleError, match="'acme:a' appears twice") as info:
        RuleSet([a, b])
    assert isinstance(info.value, RuleDefinitionError)
    rs = RuleSet([a])
    with pytest.raises(DuplicateRuleError):
        rs.with_rules(b)
    with pytest.raises(DuplicateRuleError):
        rs.with_rules(RuleSet([b]))
    assert rs.with_rules(spec("acme:b"), RuleSet([spec("acme:c")])).ids == (
        "acme:a",
        "acme:b",
        "acme:c",
    )


def test_a_rule_set_holds_only_rule_specs():
    with pytest.raises(RuleDefinitionError, match="holds RuleSpec objects"):
        RuleSet([spec(), "acme:y"])


def test_without_needs_a_justification_and_records_the_exclusion(builtin, example):
    for blank in ("", "   "):
        with pytest.raises(RuleDefinitionError, match="justification"):
            builtin.without("iso44001:8.1/changes", justification=blank)
    with pytest.raises(UnknownRuleError, match=r"Did you mean 'iso44001:8\.1/changes'"):
        builtin.without("iso44001:8.1/change", justification="n/a")
    rs = builtin.without(
        ["iso44001:8.1/changes", "iso44001:8.1/history"], justification="  no change control  "
    )
    assert "iso44001:8.1/changes" not in rs
    assert len(rs) == len(builtin) - 2
    spec_ = builtin.get("iso44001:8.1/changes")
    assert (
        RuleExclusion(
            rule_id="iso44001:8.1/changes",
            clause=spec_.clause,
            title=spec_.title,
            justification="no change control",
        )
        in rs.exclusions
    )
    assert sorted(e.rule_id for e in rs.exclusions) == [
        "iso44001:8.1/changes",
        "iso44001:8.1/history",
    ]
    more = rs.without("iso44001:5.2/values", justification="values stated elsewhere")
    assert len(more.exclusions) == 3  # exclusions accumulate
    small = SELECTABLE.without("acme:a", justification="not used")
    assert evaluate(example, small, as_of=AS_OF).exclusions == small.exclusions
    assert len(builtin.exclusions) == 0  # the original is unchanged


def test_replace_keeps_the_position(builtin, example):
    ids = builtin.ids
    target = ids[5]
    mine = spec("acme:stricter", level="ORG", condition=present("policy.approved_by"))
    rs = builtin.replace(target, mine)
    assert rs.ids == (*ids[:5], "acme:stricter", *ids[6:])
    assert rs.get("acme:stricter").replaces == target
    assert target not in rs
    session = Session(example, rs, as_of=AS_OF)
    assert session.verdict("acme:stricter", ORG) is PASS
    with pytest.raises(UnknownRuleError):
        session.verdict(target, ORG)
    with pytest.raises(UnknownRuleError):
        builtin.replace("iso44001:nope", mine)
    with pytest.raises(DuplicateRuleError):
        builtin.with_rules(spec("acme:a")).replace(target, spec("acme:a", title="Other"))


def test_replace_in_place_keeps_the_id(builtin):
    original = builtin.get("iso44001:5.2/values")
    rs = builtin.replace(original.id, original)
    assert rs.ids == builtin.ids
    assert rs.get(original.id).replaces == original.id


SELECTABLE = RuleSet(
    [
        spec("acme:a", clause="5.3", level="ORG", condition=present("policy"), tags=["x:1"]),
        spec("acme:b", clause="5.3.1", level="ORG", condition=present("policy"), tags=["x:2"]),
        spec("acme:c", clause="5.30", level="ORG", condition=present("policy"), tags=["y"]),
        spec("acme:d", clause="8.6.10", level="JNT", stage=5, mode="executed", tags=["x:1"]),
        spec("acme:e", clause="8.6", level="REL", stage="working_together"),
        spec("acme:f", clause="8.7", level="rel", stage=6, mode=Mode.EXECUTED),
    ]
)


@pytest.mark.parametrize(
    ("criteria", "ids"),
    [
        ({"clause": "5.3"}, ["acme:a", "acme:b"]),  # 5.3 and its subclauses, not 5.30
        ({"clause": "8.6"}, ["acme:d", "acme:e"]),
        ({"stage": 5}, ["acme:d", "acme:e"]),
        ({"stage": "working_together"}, ["acme:d", "acme:e"]),
        ({"stage": Stage.VALUE_CREATION}, ["acme:f"]),
        ({"level": "REL"}, ["acme:e", "acme:f"]),
        ({"level": "org"}, ["acme:a", "acme:b", "acme:c"]),
        ({"level": Level.JNT}, ["acme:d"]),
        ({"tag": "x:1"}, ["acme:a", "acme:d"]),
        ({"tag": "x:"}, ["acme:a", "acme:b", "acme:d"]),
        ({"tag": "x"}, []),  # a prefix must end with ':'
        ({"mode": "executed"}, ["acme:d", "acme:f"]),
        ({"mode": Mode.ARRANGEMENT}, ["acme:a", "acme:b", "acme:c", "acme:e"]),
        ({"stage": 5, "mode": "executed"}, ["acme:d"]),
        ({"where": lambda s: s.id.endswith(("a", "f"))}, ["acme:a", "acme:f"]),
    ],
)
def test_select(criteria, ids):
    assert list(SELECTABLE.select(**criteria).ids) == ids


def test_select_on_the_builtin_set(builtin):
    by_clause = builtin.select(clause="5.3")
    assert by_clause.ids
    assert all(s.clause == "5.3" or s.clause.startswith("5.3.") for s in by_clause)
    assert set(builtin.select(stage=5).ids) == {
        s.id for s in builtin if s.stage is Stage.WORKING_TOGETHER
    }
    assert all(s.level is Level.REL for s in builtin.select(level="REL"))
    assert all(
        any(t.startswith("iso44003:") for t in s.tags) for s in builtin.select(tag="iso44003:")
    )
    excluded = builtin.without("iso44001:8.1/changes", justification="n/a")
    assert excluded.select(level="REL").exclusions == excluded.exclusions


VERSION = re.compile(rf"^{re.escape(RULESET_VERSION)}\+local\.[0-9a-f]{{10}}$")


def test_version_is_the_base_version_for_the_builtin_set(builtin):
    assert builtin.version == RULESET_VERSION
    assert default_ruleset().version == RULESET_VERSION
    # the base digest is carried by the set: same content on the same base, same version
    assert builtin.base_digest == builtin.digest()
    assert RuleSet(builtin.rules, base_digest=builtin.base_digest).version == RULESET_VERSION
    # a set built from scratch has no base: it is local, whatever it holds
    assert VERSION.match(RuleSet(builtin.rules).version)
    # derived sets inherit the base digest, and come back to the base version when equal
    assert builtin.select(clause="8").base_digest == builtin.base_digest
    assert (
        builtin.without("iso44001:8.1/changes", justification="n/a")
        .with_rules(builtin.get("iso44001:8.1/changes"))
        .base_digest
        == builtin.base_digest
    )


def test_version_has_a_local_digest_when_changed(builtin):
    changed = [
        builtin.without("iso44001:8.1/changes", justification="n/a"),
        builtin.with_rules(spec()),
        builtin.replace("iso44001:5.2/values", spec(level="ORG", condition=present("policy"))),
        builtin.select(level="REL"),
        RuleSet([spec()]),
    ]
    versions = [rs.version for rs in changed]
    assert all(VERSION.match(v) for v in versions), versions
    assert len(set(versions)) == len(versions)
    # deterministic: the same change gives the same version
    assert builtin.with_rules(spec()).version == versions[1]
    # the justification is part of it
    assert builtin.without("iso44001:8.1/changes", justification="other").version != versions[0]


def test_findings_digest_the_rule_set_at_most_once(example, monkeypatch):
    org_rules = [spec(f"acme:org-{n}", level="ORG", condition=present("policy")) for n in range(3)]
    session = Session(example, RuleSet(org_rules), as_of=AS_OF)
    calls = []
    real = RuleSet.digest

    def counting(self):
        calls.append(self)
        return real(self)

    monkeypatch.setattr(RuleSet, "digest", counting)
    findings = session.findings(subject_id=ORG)
    assert len(findings) > 1
    assert len(calls) <= 1


def test_derived_sets_leave_the_original_alone(builtin):
    before = (builtin.ids, builtin.exclusions, builtin.version)
    builtin.without("iso44001:8.1/changes", justification="n/a")
    builtin.with_rules(spec())
    builtin.select(stage=5)
    assert (builtin.ids, builtin.exclusions, builtin.version) == before


# -------------------------------------------------------------------------------- findings


def _boom_rule(level="REL"):
    reads = ["name"] if level == "REL" else ["policy"]

    @rule(
        "acme:boom", title="Crashes", clause="8.1", level=level, remedy="Fix the rule.", reads=reads
    )
    def boom(subject, ctx):
        if level == "ORG" or subject.name.startswith("BOOM"):
            return 1 / 0
        return Outcome.passed("named")

    return boom


def test_a_raising_python_rule_gives_an_error_finding_and_the_session_goes_on(example, builtin):
    rel = attrs.evolve(_rel(example, "rel-grid-alliance"), name="BOOM alliance")
    portfolio = attrs.evolve(
        example,
        relationships=tuple(rel if r.id == rel.id else r for r in example.relationships),
    )
    session = Session(portfolio, builtin.with_rules(_boom_rule()), as_of=AS_OF)
    assert session.verdict("acme:boom", "rel-grid-alliance") is ERROR
    assert session.verdict("acme:boom", "rel-rail-jv") is PASS
    finding = session.finding("acme:boom", "rel-grid-alliance")
    assert finding.verdict is ERROR
    assert finding.error == "ZeroDivisionError: division by zero"
    assert "division by zero" in finding.message
    assert not finding.ok
    # the other rules are evaluated as usual
    without_boom = _fresh(portfolio, builtin)
    assert {k: v for k, v in session.verdicts().items() if k[0] != "acme:boom"} == without_boom
    # and the session keeps working: fixing the data clears the error
    changes = session.update_relationship(attrs.evolve(rel, name="Grid alliance"))
    assert ("acme:boom", "rel-grid-alliance", ERROR, PASS) in _as_set(changes)
    assert session.finding("acme:boom", "rel-grid-alliance").error is None


def test_a_raising_organization_rule_gives_an_error_finding(example):
    session = Session(example, RuleSet([_boom_rule("ORG")]), as_of=AS_OF)
    finding = session.finding("acme:boom", ORG)
    assert finding.verdict is ERROR
    assert "ZeroDivisionError" in finding.error


def test_a_python_rule_returning_the_wrong_type_is_an_error(example):
    @rule("acme:odd", title="t", clause="8.1", level="REL", remedy="r", reads=["name"])
    def odd(rel, ctx):
        return "yes"

    finding = Session(example, RuleSet([odd]), as_of=AS_OF).finding("acme:odd", "rel-rail-jv")
    assert finding.verdict is ERROR
    assert "must return Outcome, True, False or None" in finding.error


@pytest.mark.parametrize(
    ("outcome", "verdict", "message"),
    [
        (Outcome.passed("fine"), PASS, "fine"),
        (Outcome.fail("no legal sign-off"), FAIL, "no legal sign-off"),
        (Outcome.unknown("no agreement"), UNKNOWN, "no agreement"),
        (Outcome.not_applicable("not a JV"), NA, "not a JV"),
        (True, PASS, "requirement met"),
        (False, FAIL, ""),
        (None, UNKNOWN, ""),
    ],
)
def test_python_rule_outcomes(example, outcome, verdict, message):
    @rule("acme:py", title="t", clause="8.1", level="REL", remedy="r", reads=["name"])
    def py(rel, ctx):
        return outcome

    finding = Session(example, RuleSet([py]), as_of=AS_OF).finding("acme:py", "rel-rail-jv")
    assert finding.verdict is verdict
    assert message in finding.message


def test_a_raising_check_function_gives_an_error_finding(example):
    def signed_by_legal(agreement):
        return any(s.by == "legal" for s in agreement.agreed_by)  # None when not recorded

    rs = RuleSet([spec(condition=check(signed_by_legal, "working.agreement"))])
    session = Session(example, rs, as_of=AS_OF)
    finding = session.finding("acme:x", "rel-aldermoor")
    assert finding.verdict is ERROR
    assert "AttributeError" in finding.error


def test_non_conformance_never_raises(builtin):
    """A bare organization with a bare relationship at every stage: all data, no raise."""
    org = make_organization(id="acme")
    rels = tuple(make_relationship(org_id="acme", id=f"rel-{n}", stage=n) for n in range(12))
    session = Session(make_portfolio(organization=org, relationships=rels), builtin, as_of=AS_OF)
    verdicts = session.verdicts()
    n_org = sum(1 for s in builtin if s.level is Level.ORG)
    assert len(verdicts) == n_org + (len(builtin) - n_org) * len(rels)
    assert ERROR not in verdicts.values()
    assert FAIL in verdicts.values()
    assert UNKNOWN in verdicts.values()
    # every finding that needs doing explains itself (one subject: findings are not cheap)
    for (rule_id, subject), verdict in verdicts.items():
        if subject == "rel-5" and verdict in {FAIL, UNKNOWN}:
            finding = session.finding(rule_id, subject)
            assert finding.remedy
            assert finding.explanation is not None
            assert finding.explanation.message


# ---------------------------------------------------------------------------- explanations


def test_a_builtin_failing_finding_explains_itself(example, builtin):
    session = Session(example, builtin, as_of=AS_OF)
    org_findings = session.findings(subject_id=ORG)
    assert session.finding("iso44001:6.1/current", ORG) in org_findings
    # every FAIL of the example, organization and relationships alike
    findings = [session.finding(*k) for k, v in session.verdicts().items() if v is FAIL]
    failing = [f for f in findings if f.explanation.trace is not None]
    assert failing, "the example should fail some condition-tree rule"
    for finding in failing:
        explanation = finding.explanation
        assert explanation.failing, finding.rule_id
        text = str(explanation)
        assert text.startswith(f"{finding.rule_id} on {finding.subject_id}: Fail.")
        for leaf in explanation.failing:
            assert leaf.outcome is not True
            assert leaf.path, (finding.rule_id, leaf)
            assert re.fullmatch(r"[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)*", leaf.path), leaf.path
            assert leaf.actual is not None
            assert leaf.path in text
            assert leaf.actual in text
            if leaf.expected is not None:  # see test_no_failing_leaf_expects_none
                assert leaf.expected in text
        assert explanation.failing[0].path in finding.message


def test_the_overdue_risk_review_is_explained(example, builtin):
    finding = Session(example, builtin, as_of=AS_OF).finding("iso44001:6.1/current", ORG)
    assert finding.verdict is FAIL
    (leaf,) = finding.explanation.failing
    assert leaf.path == "risk_register.last_reviewed_on"
    assert leaf.actual == "2025-08-20"
    # the rule asks for a review within a year of the assessment date; it fell due 2026-08-20
    assert leaf.expected == "on or after 2025-11-23 (1 year before 2026-11-23)"
    assert "overdue by 95 days since 2026-08-20" in leaf.hint
    assert finding.message.startswith("risk_register.last_reviewed_on: 2025-08-20")
    assert any(
        f.path == "risk_register.last_reviewed_on" and f.value == "2025-08-20"
        for f in finding.facts
    )


AGREEMENT_REVISED = spec(
    "acme:agreement-revised",
    title="The agreement has been revised",
    clause="8.6.10",
    level="JNT",
    stage=5,
    remedy="Review and reissue the agreement.",
    condition=all_of(present("working.agreement"), at_least("working.agreement.version", 2)),
)


def test_a_custom_tree_rule_names_the_failing_leaf(example):
    session = Session(example, RuleSet([AGREEMENT_REVISED]), as_of=AS_OF)
    finding = session.finding("acme:agreement-revised", "rel-grid-alliance")
    assert finding.verdict is FAIL
    explanation = finding.explanation
    (leaf,) = explanation.failing  # the passing 'present' branch is not blamed
    assert leaf.path == "working.agreement.version"
    assert leaf.actual == "1"
    assert leaf.expected == "is at least 2"
    assert "working.agreement.version: 1 (expected is at least 2)" in str(explanation)
    assert finding.message.startswith("working.agreement.version: 1")
    assert finding.remedy == "Review and reissue the agreement."
    assert {f.path: f.value for f in finding.facts}["working.agreement.version"] == "1"
    render = explanation.trace.render()
    assert "[ok] working.agreement is recorded" in render
    assert "[FAIL] working.agreement.version is at least 2" in render


def test_missing_evidence_is_explained_as_unknown(example):
    rs = RuleSet([spec(condition=at_least("working.agreement.version", 2))])
    finding = Session(example, rs, as_of=AS_OF).finding("acme:x", "rel-aldermoor")
    assert finding.verdict is UNKNOWN
    (leaf,) = finding.explanation.failing
    assert leaf.path == "working.agreement.version"
    assert leaf.actual == "missing"
    assert finding.message.startswith("evidence missing: working.agreement.version")


def test_passing_and_not_applicable_findings_explain_themselves(example):
    session = Session(example, RuleSet([AGREEMENT_REVISED]), as_of=AS_OF)
    passed = session.explain("acme:agreement-revised", "rel-rail-jv")
    assert passed.verdict is PASS
    assert passed.failing == ()
    assert passed.message == "requirement met"
    na = session.explain("acme:agreement-revised", "rel-aldermoor")
    assert na.verdict is NA
    assert na.trace is None
    assert "does not apply at" in na.message
    assert session.finding("acme:agreement-revised", "rel-rail-jv").explanation is None


def test_no_failing_leaf_expects_none(example):
    condition = all_of(
        present("working.agreement"),
        for_each("working.agreement.agreed_by", equals("version", 1)),
    )
    explanation = Session(example, RuleSet([spec(condition=condition)]), as_of=AS_OF).explain(
        "acme:x", "rel-aldermoor"
    )
    assert explanation.verdict is FAIL
    assert len(explanation.failing) == 2
    assert all(leaf.expected is not None for leaf in explanation.failing)
    assert "expected None" not in str(explanation)


def test_a_failing_negation_names_the_fact(example):
    rs = RuleSet([spec(condition=not_(present("exit_strategy")))])
    explanation = Session(example, rs, as_of=AS_OF).explain("acme:x", "rel-grid-alliance")
    assert explanation.verdict is FAIL
    (leaf,) = explanation.failing
    assert leaf.path == "exit_strategy"
    assert leaf.actual == "'exit-grid'"
    assert "None" not in str(explanation)


def test_a_for_each_failure_names_the_element(example):
    rs = RuleSet([spec(condition=for_each("sers", equals("active", False)))])
    explanation = Session(example, rs, as_of=AS_OF).explain("acme:x", "rel-rail-jv")
    assert explanation.verdict is FAIL
    assert explanation.failing
    assert all(re.fullmatch(r"sers\[\d\]\.active", leaf.path) for leaf in explanation.failing)
    assert explanation.trace.children[0].node.startswith("[0] ")


# --------------------------------------------------------------------------------- sessions


CUSTOM = RuleSet(
    [
        AGREEMENT_REVISED,
        spec(
            "acme:agreed",
            level="JNT",
            stage=5,
            condition=count_at_least("working.agreement.agreed_by", 2, where=equals("version", 1)),
        ),
    ]
)


@pytest.fixture
def session(example, builtin):
    return Session(example, builtin.with_rules(CUSTOM), as_of=AS_OF)


def test_update_relationship_returns_exactly_the_changed_verdicts(example, builtin, session):
    rs = session.ruleset
    old = _rel(example, "rel-grid-alliance")
    agreement = attrs.evolve(old.working.agreement, version=2)
    new = attrs.evolve(
        old, working=attrs.evolve(old.working, agreement=agreement), resource_plan=None
    )
    seen = []
    session.subscribe(seen.append)
    changes = session.update_relationship(new)
    after = attrs.evolve(
        example, relationships=tuple(new if r.id == new.id else r for r in example.relationships)
    )
    expected = _changes(_fresh(example, rs), _fresh(after, rs))
    assert _as_set(changes) == expected
    assert ("acme:agreement-revised", "rel-grid-alliance", FAIL, PASS) in expected
    assert ("iso44001:7.1/relationship", "rel-grid-alliance", PASS, FAIL) in expected
    assert seen == [changes]
    assert session.verdicts() == _fresh(after, rs)
    assert session.relationship("rel-grid-alliance") is new
    # the same value again changes nothing, and listeners hear nothing
    assert session.update_relationship(new) == ()
    assert session.update_relationship(attrs.evolve(new)) == ()
    assert seen == [changes]


def test_subscribe_and_unsubscribe(example, session):
    first, second = [], []
    stop_first = session.subscribe(first.append)
    session.subscribe(second.append)
    rel = _rel(example, "rel-grid-alliance")
    changes = session.update_relationship(attrs.evolve(rel, resource_plan=None))
    assert first == [changes]
    assert second == [changes]
    stop_first()
    changes = session.update_relationship(rel)
    assert changes
    assert len(first) == 1  # nothing more for the unsubscribed listener
    assert second == [second[0], changes]


def test_unsubscribing_twice_is_harmless(session):
    stop = session.subscribe(lambda changes: None)
    stop()
    stop()


def test_add_and_remove_relationship(example, session):
    rs = session.ruleset
    new = make_relationship(org_id=ORG, id="rel-new", stage=5)
    changes = session.add_relationship(new)
    rel_rules = [s.id for s in rs if s.level is not Level.ORG]
    added = [c for c in changes if c.subject_id == "rel-new"]
    assert sorted(c.rule_id for c in added) == sorted(rel_rules)
    assert all(c.old is None for c in added)
    # the example's scope lists its relationships, so a new one is out of scope
    assert not session.in_scope("rel-new")
    assert all(c.new is NA for c in added)
    grown = attrs.evolve(example, relationships=(*example.relationships, new))
    assert session.verdicts() == _fresh(grown, rs)
    with pytest.raises(UnknownSubjectError, match="already in the session"):
        session.add_relationship(new)

    removed = session.remove_relationship("rel-rail-jv")
    gone = [c for c in removed if c.subject_id == "rel-rail-jv"]
    assert sorted(c.rule_id for c in gone) == sorted(rel_rules)
    assert all(c.new is None and c.old is not None for c in gone)
    shrunk = attrs.evolve(
        grown, relationships=tuple(r for r in grown.relationships if r.id != "rel-rail-jv")
    )
    assert session.verdicts() == _fresh(shrunk, rs)
    with pytest.raises(UnknownSubjectError):
        session.verdict("iso44001:8.1/history", "rel-rail-jv")
    with pytest.raises(UnknownSubjectError):
        session.remove_relationship("rel-rail-jv")


def test_an_unknown_subject_raises(session):
    with pytest.raises(UnknownSubjectError, match="no relationship 'rel-nope'") as info:
        session.verdict("iso44001:8.1/history", "rel-nope")
    assert "rel-rail-jv" in str(info.value)  # it lists known ids
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, CollabrelError)
    with pytest.raises(UnknownSubjectError):
        session.explain("iso44001:8.1/history", "rel-nope")
    with pytest.raises(UnknownSubjectError):
        session.relationship("rel-nope")
    with pytest.raises(UnknownSubjectError):
        session.update_relationship(make_relationship(org_id=ORG, id="rel-nope"))
    with pytest.raises(UnknownSubjectError, match="organization rule; its subject is"):
        session.verdict("iso44001:5.2/values", "rel-rail-jv")


def test_an_unknown_rule_raises_with_a_did_you_mean(example, session):
    with pytest.raises(UnknownRuleError, match=r"Did you mean 'iso44001:5\.2/values'") as info:
        session.verdict("iso44001:5.2/valus", ORG)
    assert isinstance(info.value, LookupError)
    with pytest.raises(UnknownRuleError, match="Did you mean 'acme:agreement-revised'"):
        session.explain("acme:agreement-revisd", "rel-grid-alliance")
    with pytest.raises(UnknownRuleError, match="Did you mean"):
        session.finding("iso44001:8.1/histry", "rel-rail-jv")
    with pytest.raises(UnknownRuleError):
        Session(example, CUSTOM, as_of=AS_OF).assessment().get("acme:nope", ORG)


def test_set_as_of_moves_time_aware_verdicts(example, session):
    rs = session.ruleset
    assert session.verdict("iso44001:5.2/current", ORG) is PASS
    later = date(2028, 11, 23)
    changes = session.set_as_of(later)
    assert ("iso44001:5.2/current", ORG, PASS, FAIL) in _as_set(changes)
    assert _as_set(changes) == _changes(_fresh(example, rs), _fresh(example, rs, later))
    assert session.as_of == later
    assert session.finding("iso44001:5.2/current", ORG).as_of == later
    assert session.set_as_of(later) == ()
    back = session.set_as_of(AS_OF)
    assert _as_set(back) == {(r, s, new, old) for r, s, old, new in _as_set(changes)}
    assert session.verdicts() == _fresh(example, rs)


def test_set_config_moves_interval_verdicts(example, session):
    strict = Config().with_overrides({"review.policy": months(1)})
    changes = session.set_config(strict)
    assert ("iso44001:5.2/current", ORG, PASS, FAIL) in _as_set(changes)
    fresh = Session(example, session.ruleset, as_of=AS_OF, config=strict).verdicts()
    assert session.verdicts() == fresh


def _rescoped(portfolio, **changes):
    org = portfolio.organization
    scope = attrs.evolve(org.scope, **changes)
    return attrs.evolve(portfolio, organization=attrs.evolve(org, scope=scope))


def test_relationships_out_of_scope_are_not_applicable(example, session):
    rs = session.ruleset
    rel_rules = [s.id for s in rs if s.level is not Level.ORG]
    assert session.in_scope("rel-rail-jv")
    assert session.verdict("iso44001:8.1/history", "rel-rail-jv") is PASS

    in_scope = example.organization.scope.relationships_in_scope
    narrowed = _rescoped(
        example, relationships_in_scope=tuple(r for r in in_scope if r != "rel-rail-jv")
    )
    changes = session.update_organization(narrowed.organization)
    assert not session.in_scope("rel-rail-jv")
    assert all(session.verdict(r, "rel-rail-jv") is NA for r in rel_rules)
    assert ("iso44001:8.1/history", "rel-rail-jv", PASS, NA) in _as_set(changes)
    assert _as_set(changes) == _changes(_fresh(example, rs), _fresh(narrowed, rs))
    explanation = session.explain("iso44001:8.1/history", "rel-rail-jv")
    assert explanation.verdict is NA

    # organization-wide application covers every relationship, listed or not
    wide = _rescoped(narrowed, application_level=ApplicationLevel.ORGANIZATION_WIDE)
    changes = session.update_organization(wide.organization)
    assert session.in_scope("rel-rail-jv")
    assert session.in_scope("rel-plant-hire")
    assert session.verdict("iso44001:8.1/history", "rel-rail-jv") is PASS
    # a candidate is evaluated by the rules that apply before stage 1
    assert session.verdict("iso44001:6.3.1/segmented", "rel-plant-hire") is not NA
    assert _as_set(changes) == _changes(_fresh(narrowed, rs), _fresh(wide, rs))
    assert session.verdicts() == _fresh(wide, rs)


def test_out_of_scope_is_the_stated_reason(example, session):
    in_scope = example.organization.scope.relationships_in_scope
    narrowed = _rescoped(
        example, relationships_in_scope=tuple(r for r in in_scope if r != "rel-rail-jv")
    )
    session.update_organization(narrowed.organization)
    explanation = session.explain("iso44001:8.1/history", "rel-rail-jv")
    assert explanation.verdict is NA
    assert "scope" in explanation.message


def test_a_session_without_scope_covers_everything(builtin):
    portfolio = make_portfolio(relationships=(make_relationship(stage=5),))
    session = Session(portfolio, builtin, as_of=AS_OF)
    assert portfolio.organization.scope is None
    assert session.in_scope("rel-1")
    assert session.verdict("iso44001:8.1/history", "rel-1") is not NA


# ------------------------------------------------------------------- rule packs as plugins


class FakeEntryPoint:
    def __init__(self, name, obj):
        self.name = name
        self.obj = obj
        self.loads = 0

    def load(self):
        self.loads += 1
        return self.obj


def _pack_module():
    module = types.ModuleType("acme_rules")
    module.first = spec("acme:mod-1")
    module.helper = "not a rule"
    module.second = spec("acme:mod-2")
    return module


@pytest.fixture
def entry_points(monkeypatch):
    import importlib.metadata

    eps = [
        FakeEntryPoint("d-callable", lambda: [spec("acme:call-1"), spec("acme:call-2")]),
        FakeEntryPoint("b-ruleset", RuleSet([spec("acme:set-1")])),
        FakeEntryPoint("a-module", _pack_module()),
        FakeEntryPoint("c-spec", spec("acme:single")),
    ]
    groups = []

    def fake_entry_points(*, group):
        groups.append(group)
        return list(eps) if group == "collabrel.rules" else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    return eps, groups


def test_rule_packs_load_from_entry_points(entry_points, example, builtin):
    eps, groups = entry_points
    assert all(ep.loads == 0 for ep in eps)  # nothing is loaded until asked
    rs = RuleSet.from_entry_points()
    assert groups == ["collabrel.rules"]
    assert all(ep.loads == 1 for ep in eps)
    # sorted by entry point name; a module's rules in definition order
    assert rs.ids == (
        "acme:mod-1",
        "acme:mod-2",
        "acme:set-1",
        "acme:single",
        "acme:call-1",
        "acme:call-2",
    )
    session = Session(example, builtin.with_rules(rs), as_of=AS_OF)
    assert session.verdict("acme:single", "rel-rail-jv") is PASS
    assert RuleSet.from_entry_points("acme.other").ids == ()
    assert groups[-1] == "acme.other"


def test_rule_packs_with_the_same_id_clash(entry_points):
    eps, _ = entry_points
    eps.append(FakeEntryPoint("e-clash", spec("acme:single", title="Another")))
    with pytest.raises(DuplicateRuleError, match="'acme:single' appears twice"):
        RuleSet.from_entry_points()
