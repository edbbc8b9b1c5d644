"""Rule files: condition trees as YAML, JSON or TOML data.

Valid files in each format load into a rule set and evaluate on the bundled example; dumping
and loading again gives the same rules. The hostile corpus in ``tests/data/hostile`` (dunder
and private names, Python code where a path or a function name belongs, unsafe YAML tags,
alias bombs, unknown names, limits, reserved ids, wrong types) is refused whole with a
:class:`RuleFileError` whose problems say where and why, and a tripwire proves that no code
ran while it was read.
"""

from __future__ import annotations

import builtins
import functools
import json
import os
import pickle
import subprocess
from datetime import date
from pathlib import Path

import attrs
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import collabrel
from collabrel import _io, days, months
from collabrel.errors import CollabrelError, LoadError, RuleFileError, explain
from collabrel.rules import (
    Condition,
    Level,
    RuleSet,
    RuleSpec,
    Session,
    Verdict,
    agreed_by_all_parties,
    all_of,
    any_of,
    at_least,
    at_most,
    before,
    check,
    condition_from_data,
    count_at_least,
    dump_rules,
    equals,
    evaluate,
    for_each,
    implies,
    load_rules,
    non_empty,
    not_,
    one_of,
    present,
    ref,
    reviewed_within,
    rules_from_data,
)
from collabrel.rules._rulefile import MAX_CONDITION_DEPTH, MAX_CONDITION_NODES, MAX_RULES

AS_OF = date(2026, 11, 23)
# what a known bug makes a test fail with: anything else is a new failure, not the bug
_NOT_FIXED = (AssertionError, pytest.fail.Exception)
HOSTILE = Path(__file__).parent / "data" / "hostile"
PASS, FAIL, NA = Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE


@pytest.fixture(scope="module")
def example():
    return collabrel.example_portfolio()


def _problems(exc: RuleFileError) -> list[str]:
    return [str(p) for p in exc.problems]


def _rule(rule_id: str = "acme:x", condition=None, **fields):
    """Return one rule as rule-file data."""
    data = {
        "id": rule_id,
        "title": "A custom rule",
        "clause": "8.1",
        "level": "REL",
        "remedy": "Fix it.",
        "condition": {"present": "name"} if condition is None else condition,
    }
    data.update(fields)
    return data


# ------------------------------------------------------------------------ valid rule files


def two_signatures(signoffs):
    """The agreement carries at least two sign-offs."""
    return None if signoffs is None else len(signoffs) >= 2


FUNCTIONS = {"two_signatures": two_signatures}

RULES_DATA = {
    "version": "acme-2026.1",
    "description": "Acme's own partnering rules",
    "rules": [
        {
            "id": "acme:exit-strategy",
            "title": "Every relationship has an exit strategy",
            "clause": "8.2.7",
            "level": "REL",
            "remedy": "Write the internal exit strategy.",
            "tags": ["ermp:exit"],
            "condition": {"present": "exit_strategy"},
        },
        {
            "id": "acme:agreement-signed",
            "title": "Every party signed the current agreement",
            "clause": "8.6.10",
            "level": "JNT",
            "stage": 5,
            "remedy": "Get every party to sign the current version.",
            "condition": {
                "all_of": [
                    {"present": "working.agreement"},
                    {"agreed_by_all_parties": "working.agreement"},
                ]
            },
        },
        {
            "id": "acme:agreement-revised",
            "title": "The agreement has been revised at least once",
            "clause": "8.6.10",
            "level": "JNT",
            "stage": 5,
            "severity": "minor",
            "remedy": "Review and reissue the agreement.",
            "condition": {"at_least": {"path": "working.agreement.version", "value": 2}},
        },
        {
            "id": "acme:policy-current",
            "title": "The policy states values and is reviewed",
            "clause": "5.2",
            "level": "ORG",
            "remedy": "Review the policy.",
            "condition": {
                "all_of": [
                    {"non_empty": "policy.values"},
                    {
                        "reviewed_within": {
                            "path": "policy.last_reviewed_on",
                            "interval": "review.policy",
                        }
                    },
                ]
            },
        },
        {
            "id": "acme:two-signatures",
            "title": "The agreement carries two signatures",
            "clause": "8.6.10",
            "level": "JNT",
            "stage": 5,
            "remedy": "Collect the signatures.",
            "condition": {
                "check": {"function": "two_signatures", "paths": ["working.agreement.agreed_by"]}
            },
        },
    ],
}

RULES_YAML = """\
version: acme-2026.1
description: Acme's own partnering rules
rules:
  - id: acme:exit-strategy
    title: Every relationship has an exit strategy
    clause: "8.2.7"
    level: REL
    remedy: Write the internal exit strategy.
    tags: [ermp:exit]
    condition: {present: exit_strategy}
  - id: acme:agreement-signed
    title: Every party signed the current agreement
    clause: "8.6.10"
    level: JNT
    stage: 5
    remedy: Get every party to sign the current version.
    condition:
      all_of:
        - present: working.agreement
        - agreed_by_all_parties: working.agreement
  - id: acme:agreement-revised
    title: The agreement has been revised at least once
    clause: "8.6.10"
    level: JNT
    stage: 5
    severity: minor
    remedy: Review and reissue the agreement.
    condition:
      at_least: {path: working.agreement.version, value: 2}
  - id: acme:policy-current
    title: The policy states values and is reviewed
    clause: "5.2"
    level: ORG
    remedy: Review the policy.
    condition:
      all_of:
        - non_empty: policy.values
        - reviewed_within: {path: policy.last_reviewed_on, interval: review.policy}
  - id: acme:two-signatures
    title: The agreement carries two signatures
    clause: "8.6.10"
    level: JNT
    stage: 5
    remedy: Collect the signatures.
    condition:
      check: {function: two_signatures, paths: [working.agreement.agreed_by]}
"""

RULES_TOML = """\
version = "acme-2026.1"
description = "Acme's own partnering rules"

[[rules]]
id = "acme:exit-strategy"
title = "Every relationship has an exit strategy"
clause = "8.2.7"
level = "REL"
remedy = "Write the internal exit strategy."
tags = ["ermp:exit"]
condition = { present = "exit_strategy" }

[[rules]]
id = "acme:agreement-signed"
title = "Every party signed the current agreement"
clause = "8.6.10"
level = "JNT"
stage = 5
remedy = "Get every party to sign the current version."
condition = { all_of = [
    { present = "working.agreement" },
    { agreed_by_all_parties = "working.agreement" },
] }

[[rules]]
id = "acme:agreement-revised"
title = "The agreement has been revised at least once"
clause = "8.6.10"
level = "JNT"
stage = 5
severity = "minor"
remedy = "Review and reissue the agreement."

[rules.condition.at_least]
path = "working.agreement.version"
value = 2

[[rules]]
id = "acme:policy-current"
title = "The policy states values and is reviewed"
clause = "5.2"
level = "ORG"
remedy = "Review the policy."
condition = { all_of = [
    { non_empty = "policy.values" },
    { reviewed_within = { path = "policy.last_reviewed_on", interval = "review.policy" } },
] }

[[rules]]
id = "acme:two-signatures"
title = "The agreement carries two signatures"
clause = "8.6.10"
level = "JNT"
stage = 5
remedy = "Collect the signatures."
condition = { check = { function = "two_signatures", paths = ["working.agreement.agreed_by"] } }
"""

EXPECTED = {
    ("acme:exit-strategy", "rel-rail-jv"): PASS,
    ("acme:exit-strategy", "rel-aldermoor"): PASS,
    ("acme:exit-strategy", "rel-plant-hire"): NA,  # a candidate, out of the CBRMS scope
    ("acme:agreement-signed", "rel-grid-alliance"): PASS,
    ("acme:agreement-signed", "rel-aldermoor"): NA,  # stage 2: stage 5 rules do not apply yet
    ("acme:agreement-revised", "rel-rail-jv"): PASS,
    ("acme:agreement-revised", "rel-grid-alliance"): FAIL,  # version 1
    ("acme:policy-current", "northbridge"): PASS,
    ("acme:two-signatures", "rel-westmere-ppp"): PASS,
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def rule_files(tmp_path):
    return {
        "yaml": _write(tmp_path, "acme.yaml", RULES_YAML),
        "json": _write(tmp_path, "acme.json", json.dumps(RULES_DATA, indent=2)),
        "toml": _write(tmp_path, "acme.toml", RULES_TOML),
    }


@pytest.mark.parametrize("fmt", ["yaml", "json", "toml"])
def test_a_valid_rule_file_loads_and_evaluates(fmt, rule_files, example):
    rs = load_rules(rule_files[fmt], functions=FUNCTIONS)
    assert isinstance(rs, RuleSet)
    assert rs.ids == tuple(r["id"] for r in RULES_DATA["rules"])
    assert all(spec.namespace == "acme" for spec in rs)
    assert rs.get("acme:policy-current").level is Level.ORG
    assert rs.get("acme:agreement-signed").stage == 5
    assert rs.get("acme:exit-strategy").tags == {"ermp:exit"}
    session = Session(example, rs, as_of=AS_OF)
    for (rule_id, subject), verdict in EXPECTED.items():
        assert session.verdict(rule_id, subject) is verdict, (rule_id, subject)
    # custom rules carry the local version, never the bare built-in one
    assert "+local." in session.assessment().ruleset_version


def test_the_three_formats_give_the_same_rules(rule_files):
    loaded = [load_rules(path, functions=FUNCTIONS) for path in rule_files.values()]
    assert loaded[0] == loaded[1] == loaded[2]
    assert loaded[0] == rules_from_data(RULES_DATA, functions=FUNCTIONS)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(RULES_YAML, id="yaml"),
        pytest.param(json.dumps(RULES_DATA), id="json"),
        pytest.param(RULES_TOML.split("\n", 3)[3], id="toml"),
        pytest.param(
            RULES_TOML,
            id="toml-with-top-level-keys",
        ),
    ],
)
def test_rule_file_text_is_sniffed(text):
    assert load_rules(text, functions=FUNCTIONS).ids == tuple(r["id"] for r in RULES_DATA["rules"])


def test_a_bare_list_of_rules_is_a_rule_file():
    rs = rules_from_data([_rule("acme:a"), _rule("acme:b")])
    assert rs.ids == ("acme:a", "acme:b")


def test_check_functions_run_only_when_evaluated(example):
    calls = []

    def spy(signoffs):
        calls.append(signoffs)
        return True

    rs = rules_from_data(RULES_DATA, functions={"two_signatures": spy})
    assert calls == []  # loading and binding never call a registered function
    evaluate(example, rs, as_of=AS_OF)
    assert calls  # evaluating does, with the fact values


def _verdicts(rs: RuleSet, portfolio) -> dict:
    return Session(portfolio, rs, as_of=AS_OF).verdicts()


def test_dump_rules_round_trips(example):
    rs = rules_from_data(RULES_DATA, functions=FUNCTIONS)
    data = dump_rules(rs)
    again = rules_from_data(data, functions=FUNCTIONS)
    assert again.ids == rs.ids
    assert again == rs
    assert _verdicts(again, example) == _verdicts(rs, example)
    assert dump_rules(again) == data
    # through the text of each format too
    for text in (yaml.safe_dump(data), json.dumps(data)):
        assert load_rules(text, functions=FUNCTIONS) == rs


RICH = RuleSet(
    [
        RuleSpec(
            id="acme:exit-reviewed",
            title="The exit strategy is reviewed and agreed",
            clause="8.2.7",
            level="JNT",
            stage=1,
            mode="executed",
            flags=("P", "J"),
            severity="advisory",
            tags=("ermp:exit", "raio:review"),
            question="Is the exit strategy reviewed on time and agreed by every party?",
            remedy="Review the exit strategy with the partners.",
            condition=all_of(
                present("exit_strategy"),
                reviewed_within(
                    "exit_strategy.last_reviewed_on",
                    "review.exit_strategy",
                    months(18),
                    ref("exit_strategy.review_frequency"),
                ),
                agreed_by_all_parties("exit_strategy"),
                not_(equals("exit_strategy.status", "draft")),
            ),
        ),
        RuleSpec(
            id="acme:change-control",
            title="Significant changes are reviewed before they apply",
            clause="8.1",
            level="REL",
            remedy="Review the impact of every significant change.",
            applies_when=any_of(non_empty("change_records"), one_of("stage", [5, 6, 7])),
            applies_in=[5, 6, 7, 8],
            condition=for_each(
                "change_records",
                implies(equals("significant", True), equals("impact_reviewed", True)),
            ),
        ),
        RuleSpec(
            id="acme:agreement-dates",
            title="The agreement is reviewed after it takes effect",
            clause="8.6.10",
            level="JNT",
            stage=5,
            remedy="Review the agreement.",
            condition=all_of(
                before(
                    "working.agreement.effective_on",
                    "working.agreement.last_reviewed_on",
                    slack=days(30),
                ),
                at_most("working.agreement.version", ref("working.agreement.version")),
                count_at_least("sers", 1, where=equals("active", True)),
            ),
        ),
        RuleSpec(
            id="acme:ser-count",
            title="The organization appoints SERs",
            clause="5.3.3",
            level="ORG",
            remedy="Appoint a senior executive responsible.",
            condition=check("two_signatures", "sers"),
            functions=FUNCTIONS,
        ),
    ]
)


def test_dump_rules_round_trips_every_kind_of_node(example):
    data = dump_rules(RICH)
    # the dump is plain data: every format can write it
    assert yaml.safe_load(yaml.safe_dump(data)) == data
    assert json.loads(json.dumps(data)) == data
    again = rules_from_data(data, functions=FUNCTIONS)
    assert again.ids == RICH.ids
    assert _verdicts(again, example) == _verdicts(RICH, example)
    assert dump_rules(again) == data
    for spec in again:
        original = RICH.get(spec.id)
        assert spec.stages_in == original.stages_in
        assert spec.flags == original.flags
        assert spec.tags == original.tags
        assert spec.severity is original.severity
        assert spec.mode is original.mode
        assert spec.question == original.question
        assert spec.read_paths == original.read_paths


def test_dump_rules_skips_python_rules():
    from collabrel.rules import rule

    @rule("acme:py", title="A Python rule", clause="8.1", level="REL", remedy="r", reads=["name"])
    def named(rel, ctx):
        return bool(rel.name)

    data = dump_rules(RICH.with_rules(named))
    assert [r["id"] for r in data["rules"]] == list(RICH.ids)


# A small grammar of valid relationship conditions: every generated tree binds to the schema.
_LEAVES = st.one_of(
    st.sampled_from(["exit_strategy", "working.agreement", "risk_register", "name"]).map(present),
    st.sampled_from(["name", "sers", "change_records", "working.kpis"]).map(non_empty),
    st.integers(0, 5).map(lambda n: at_least("working.agreement.version", n)),
    st.integers(0, 5).map(lambda n: at_most("working.agreement.version", n)),
    st.text("abc -", max_size=8).map(lambda s: equals("name", s)),
    st.lists(st.integers(0, 11), min_size=1, max_size=3).map(lambda v: one_of("stage", v)),
    st.integers(0, 3).map(lambda n: count_at_least("sers", n)),
    st.booleans().map(lambda b: count_at_least("sers", 1, where=equals("active", b))),
    st.sampled_from(["review.exit_strategy", months(6), ref("exit_strategy.review_frequency")]).map(
        lambda iv: reviewed_within("exit_strategy.last_reviewed_on", iv)
    ),
    st.sampled_from([None, days(30), months(2), "exit_eval_due"]).map(
        lambda s: before("exit_strategy.created_on", "exit_strategy.last_reviewed_on", slack=s)
    ),
    st.just(agreed_by_all_parties("working.agreement")),
    st.just(for_each("change_records", implies(equals("significant", True), present("id")))),
)


def _trees(children):
    return st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda cs: all_of(*cs)),
        st.lists(children, min_size=1, max_size=3).map(lambda cs: any_of(*cs)),
        children.map(not_),
        st.tuples(children, children).map(lambda ab: implies(*ab)),
    )


CONDITIONS = st.recursive(_LEAVES, _trees, max_leaves=8)


@given(CONDITIONS)
def test_condition_data_round_trips(condition):
    data = condition.to_data()
    assert json.loads(json.dumps(data)) == data
    again = condition_from_data(data)
    assert again == condition
    assert again.to_data() == data
    assert again.size() == condition.size()
    assert again.depth() == condition.depth()


@given(CONDITIONS)
def test_round_tripped_conditions_give_the_same_verdicts(condition):
    portfolio = collabrel.example_portfolio()

    def spec(cond: Condition) -> RuleSpec:
        return RuleSpec(
            id="acme:generated", title="t", clause="8.1", level="REL", remedy="r", condition=cond
        )

    original = _verdicts(RuleSet([spec(condition)]), portfolio)
    again = _verdicts(RuleSet([spec(condition_from_data(condition.to_data()))]), portfolio)
    assert again == original


def test_condition_from_data_reports_the_path():
    assert condition_from_data({"present": "working.agreement"}) == present("working.agreement")
    with pytest.raises(RuleFileError) as info:
        condition_from_data({"all_of": [{"present": "name"}, {"non_emty": "name"}]})
    (problem,) = info.value.problems
    assert problem.path == "$.all_of[1]"
    assert "did you mean 'non_empty'" in str(problem)
    assert info.value.source == "<condition>"


# Junk shaped like a rule file: whatever it is, it loads or it is refused with a RuleFileError.
_WORDS = st.sampled_from(
    [
        "rules", "id", "title", "clause", "level", "remedy", "stage", "condition", "tags",
        "applies_in", "flags", "basis", "present", "all_of", "not", "check", "equals", "path",
        "value", "values", "one_of", "n", "count_at_least", "function", "paths", "ref",
        "name", "__class__", "_bound", "acme:x", "iso44001:x", "REL", "ORG", "working.agreement",
        "reviewed_within", "interval", "6 months", "review.policy", "for_each", "where",
    ]
)  # fmt: skip
_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.floats(allow_nan=False) | _WORDS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_WORDS, inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(_WORDS, _JUNK, max_size=6).map(lambda d: {"rules": [{**_rule(), **d}]}))
def test_junk_rule_data_is_refused_cleanly(data):
    problems: tuple = ()
    try:
        rules_from_data(data)
    except RuleFileError as exc:
        problems = exc.problems or (None,)
    assert all(p is not None and p.path.startswith("$") for p in problems)


# --------------------------------------------------------------------------- the tripwire


@functools.cache
def _warm_up() -> None:
    """Finish the loader's lazy imports, so that the tripwire watches only what a load does."""
    load_rules(RULES_YAML, functions=FUNCTIONS)
    load_rules(json.dumps(RULES_DATA), functions=FUNCTIONS)
    load_rules(RULES_TOML, format="toml", functions=FUNCTIONS)


class Tripwire:
    """Notices code running: shell calls, process starts, imports of os, eval/exec of payloads."""

    DANGEROUS_MODULES = frozenset({"os", "subprocess", "posix", "pty", "shutil", "socket"})
    PAYLOAD_WORDS = ("__import__", "system", "popen", "pwned")

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.calls: list[tuple[str, object]] = []
        self.pwned = tmp_path / "pwned"
        _warm_up()

        def trip(name):
            def call(*args, **kwargs):
                self.calls.append((name, args))
                raise AssertionError(f"{name} was called with {args!r}")

            return call

        for module, attr in [
            (os, "system"),
            (os, "popen"),
            (os, "execv"),
            (os, "execve"),
            (subprocess, "Popen"),
            (subprocess, "run"),
        ]:
            monkeypatch.setattr(module, attr, trip(f"{module.__name__}.{attr}"))

        real_import = builtins.__import__

        def spy_import(name, *args, **kwargs):
            if name.split(".")[0] in self.DANGEROUS_MODULES:
                self.calls.append(("import", name))
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", spy_import)

        def spy(kind, real):
            def run(source, *args, **kwargs):
                text = (
                    source if isinstance(source, str) else " ".join(getattr(source, "co_names", ()))
                )
                if any(word in text for word in self.PAYLOAD_WORDS):
                    self.calls.append((kind, text))
                return real(source, *args, **kwargs)

            return run

        monkeypatch.setattr(builtins, "eval", spy("eval", builtins.eval))
        monkeypatch.setattr(builtins, "exec", spy("exec", builtins.exec))

    def assert_nothing_ran(self) -> None:
        assert self.calls == []
        assert not self.pwned.exists()


@pytest.fixture
def tripwire(monkeypatch, tmp_path):
    return Tripwire(monkeypatch, tmp_path)


def test_the_tripwire_notices_code_that_runs(tripwire):
    payload = f"__import__('os').system('touch {tripwire.pwned}')"
    with pytest.raises(AssertionError, match=r"os\.system was called"):
        eval(payload)  # noqa: S307 - the point: prove the tripwire would see it
    assert ("import", "os") in tripwire.calls
    assert any(kind == "eval" for kind, _ in tripwire.calls)
    assert not tripwire.pwned.exists()


# --------------------------------------------------------------------- the hostile corpus

# Each file: the problems it must produce, as (where in the file, words the message must
# contain). A problem matches when its path is that place, or contains it or lies inside it
# (the precise node is checked separately below).
REFUSALS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "dunder_class.yaml": [("$.rules[0].condition.all_of[1].present", ("'__class__'", "dunder"))],
    "dunder_dict_org.json": [("$.rules[0].condition.non_empty", ("'__dict__'", "dunder"))],
    "globals_walk.yaml": [
        ("$.rules[0].condition.present", ("'__init__'", "dunder")),
        ("$.rules[1].condition.present", ("no field 'rel'",)),
    ],
    "mro_walk.toml": [("$.rules[0].condition.equals.path", ("'__class__'", "dunder"))],
    "import_os_path.yaml": [("$.rules[0].condition.present", ("__import__", "not a field name"))],
    "import_os_function.yaml": [
        ("$.rules[0].condition.check.function", ("'__import__'", "registered functions")),
        ("$.rules[1].condition.check.function", ("'os.system'", "registered functions")),
    ],
    "eval_function.json": [("$.rules[0].condition.check.function", ("'eval'", "registered"))],
    "private_name.yaml": [("$.rules[0].condition.present", ("'_bound'", "private"))],
    "private_in_for_each.yaml": [
        ("$.rules[0].condition.for_each.condition.present", ("'_private'", "private"))
    ],
    "ref_dunder.yaml": [("$.rules[0].condition.equals.value.ref", ("__class__", "dunder"))],
    "one_of_ref_dunder.yaml": [("$.rules[0].condition.one_of.values[0]", ("__class__",))],
    "interval_ref_dunder.yaml": [
        ("$.rules[0].condition.reviewed_within.interval.ref", ("'__globals__'", "dunder"))
    ],
    "applies_when_dunder.yaml": [("$.rules[0].applies_when.present", ("'__class__'", "dunder"))],
    "unknown_node.yaml": [("$.rules[0].condition", ("'presnt'", "did you mean 'present'?"))],
    "unknown_function.yaml": [
        ("$.rules[0].condition.check.function", ("'send_mail'", "registered functions"))
    ],
    "unknown_path.yaml": [
        ("$.rules[0].condition.present", ("'workng'", "did you mean 'working'?"))
    ],
    "unknown_argument.json": [
        ("$.rules[0].condition.count_at_least.nn", ("'nn'", "did you mean 'n'?"))
    ],
    "reserved_namespace.yaml": [("$.rules[0].id", ("reserved namespace", "'acme:5.2/values'"))],
    "duplicate_ids.json": [("$.rules[1].id", ("duplicate id 'acme:exit'", "$.rules[0]"))],
    "missing_keys.yaml": [
        ("$.rules[0]", (f"missing '{key}'",))
        for key in ("title", "clause", "level", "remedy", "condition")
    ],
    "wrong_types.yaml": [
        ("$.rules[0].tags", ("tags is a list", "5")),
        ("$.rules[1].condition.all_of", ("non-empty list",)),
        ("$.rules[2].condition.count_at_least.n", ("whole number", "'two'")),
        ("$.rules[3].clause", ("clause",)),
        ("$.rules[4]", ("a rule is a mapping", "just a string")),
    ],
    "rules_not_a_list.toml": [("$.rules", ("must be a list",))],
    "not_a_rule_file.json": [("$", ("a mapping with a 'rules' list",))],
    "unknown_top_key.yaml": [("$.imports", ("unknown key 'imports'",))],
    "predicate_key.yaml": [
        ("$.rules[0].predicate", ("unknown key 'predicate'",)),
        ("$.rules[0].reads", ("unknown key 'reads'",)),
        ("$.rules[0]", ("missing 'condition'",)),
    ],
    "functions_key.json": [("$.rules[0].functions", ("unknown key 'functions'",))],
    "python_object_tag.yaml": [("$", ("invalid yaml", "python/object/apply:os.system"))],
    "python_name_tag.yaml": [("$", ("invalid yaml", "line 8", "python/name:os.system"))],
    "alias_bomb.yaml": [("$", (f"more than {_io.MAX_NODES} values",))],
    "alias_bomb_condition.yaml": [
        ("$.rules[0].condition", (f"more than {MAX_CONDITION_NODES} nodes", "split the rule"))
    ],
    "recursive_alias.yaml": [("$", (f"deeper than {_io.MAX_DEPTH} levels",))],
    "non_text_key.yaml": [("$", ("mapping key 1 is not text",))],
    "two_keys_condition.yaml": [("$.rules[0].condition", ("exactly one key",))],
    "duplicate_condition_key.yaml": [("$.rules[0].condition", ("duplicate", "condition"))],
    "duplicate_key.json": [("$.rules[0].condition", ("duplicate", "condition"))],
    "invalid_json.json": [("$", ("invalid json at line 2",))],
    "not_utf8.yaml": [("$", ("not utf-8",))],
}

_LOADS_TODAY = {
    "one_of_ref_dunder.yaml": "bug: one_of accepts {ref: <path>} values and never resolves "
    "them, so a dunder path loads (and the ref never matches)",
    "duplicate_condition_key.yaml": "bug: a duplicate YAML key silently replaces the first "
    "value, so the reviewed condition is not the one that runs",
    "duplicate_key.json": "bug: a duplicate JSON key silently replaces the first value",
}


def _corpus_params():
    for name in sorted(REFUSALS):
        marks = []
        yield pytest.param(name, marks=marks, id=name)


def _copy(name: str, tmp_path: Path) -> Path:
    """Copy a corpus file, pointing its payloads at a file in *tmp_path*."""
    raw = (HOSTILE / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(raw.replace(b"@PWNED@", str(tmp_path / "pwned").encode()))
    return target


def _related(actual: str, expected: str) -> bool:
    """Whether *actual* is *expected*, contains it, or lies inside it."""
    a, b = (actual, expected) if len(actual) <= len(expected) else (expected, actual)
    return a == b or (b.startswith(a) and b[len(a)] in ".[")


def test_the_corpus_is_the_table():
    assert sorted(p.name for p in HOSTILE.iterdir() if p.is_file()) == sorted(REFUSALS)


@pytest.mark.parametrize("name", list(_corpus_params()))
def test_a_hostile_file_is_refused(name, tmp_path, tripwire):
    path = _copy(name, tmp_path)
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    err = info.value
    assert isinstance(err, LoadError)
    assert isinstance(err, CollabrelError)
    assert err.source == str(path)
    assert "nothing was loaded" in str(err)
    assert err.problems
    assert all(p.path.startswith("$") for p in err.problems)
    for where, words in REFUSALS[name]:
        assert any(
            _related(p.path, where) and all(w.lower() in str(p).lower() for w in words)
            for p in err.problems
        ), f"no problem at {where} saying {words}; got {_problems(err)}"
    tripwire.assert_nothing_ran()


@pytest.mark.parametrize(
    "name",
    # bytes that are not UTF-8 cannot be text; the slow alias bomb is checked once, as a file
    [p for p in _corpus_params() if p.values[0] not in {"not_utf8.yaml", "alias_bomb.yaml"}],
)
def test_a_hostile_text_is_refused_too(name, tmp_path, tripwire):
    """The same documents given as text rather than as a file."""
    text = _copy(name, tmp_path).read_text(encoding="utf-8")
    fmt = {".yaml": "yaml", ".json": "json", ".toml": "toml"}[Path(name).suffix]
    with pytest.raises(RuleFileError) as info:
        load_rules(text, format=fmt)
    assert info.value.source == "<text>"
    tripwire.assert_nothing_ran()


_NOT_LOCATED = (
    "bug: fact paths and check functions are only checked when the RuleSpec is built, so "
    "the problem is reported at $.rules[i] instead of the node inside the condition"
)

# Where the problem is inside the condition: the path a user needs to find the culprit.
_LOCATIONS = [
    ("dunder_class.yaml", "$.rules[0].condition.all_of[1].present", True),
    ("dunder_dict_org.json", "$.rules[0].condition.non_empty", True),
    ("globals_walk.yaml", "$.rules[0].condition.present", True),
    ("mro_walk.toml", "$.rules[0].condition.equals.path", True),
    ("import_os_path.yaml", "$.rules[0].condition.present", True),
    ("import_os_function.yaml", "$.rules[0].condition.check.function", True),
    ("eval_function.json", "$.rules[0].condition.check.function", True),
    ("private_name.yaml", "$.rules[0].condition.present", True),
    ("private_in_for_each.yaml", "$.rules[0].condition.for_each.condition.present", True),
    ("ref_dunder.yaml", "$.rules[0].condition.equals.value.ref", True),
    ("interval_ref_dunder.yaml", "$.rules[0].condition.reviewed_within.interval.ref", True),
    ("applies_when_dunder.yaml", "$.rules[0].applies_when.present", True),
    ("unknown_function.yaml", "$.rules[0].condition.check.function", True),
    ("unknown_path.yaml", "$.rules[0].condition.present", True),
    # these are found by the parser, which knows where it is
    ("unknown_node.yaml", "$.rules[0].condition", False),
    ("unknown_argument.json", "$.rules[0].condition.count_at_least.nn", False),
    ("wrong_types.yaml", "$.rules[2].condition.count_at_least.n", False),
    ("two_keys_condition.yaml", "$.rules[0].condition", False),
]


@pytest.mark.parametrize(
    ("name", "where"),
    [
        pytest.param(
            name,
            where,
            marks=[],
            id=f"{name}:{where}",
        )
        for name, where, bug in _LOCATIONS
    ],
)
def test_a_problem_in_a_condition_names_its_node(name, where, tmp_path):
    with pytest.raises(RuleFileError) as info:
        load_rules(_copy(name, tmp_path))
    assert where in [p.path for p in info.value.problems], _problems(info.value)


# ----------------------------------------------------------------------------- the limits


def _nested_not(depth: int) -> dict:
    cond: dict = {"present": "name"}
    for _ in range(depth):
        cond = {"not": cond}
    return cond


def test_nesting_up_to_the_limit_loads_and_deeper_is_refused(tripwire):
    assert rules_from_data({"rules": [_rule(condition=_nested_not(MAX_CONDITION_DEPTH))]})
    with pytest.raises(RuleFileError) as info:
        rules_from_data({"rules": [_rule(condition=_nested_not(MAX_CONDITION_DEPTH + 1))]})
    (problem,) = info.value.problems
    assert problem.path == "$.rules[0].condition" + ".not" * (MAX_CONDITION_DEPTH + 1)
    assert f"deeper than {MAX_CONDITION_DEPTH} levels" in problem.message
    tripwire.assert_nothing_ran()


def test_nodes_up_to_the_limit_load_and_more_are_refused(tmp_path, tripwire):
    def wide(n):
        return {"all_of": [{"present": "name"}] * n}

    assert rules_from_data({"rules": [_rule(condition=wide(MAX_CONDITION_NODES - 1))]})
    path = _write(
        tmp_path, "wide.json", json.dumps({"rules": [_rule(condition=wide(MAX_CONDITION_NODES))]})
    )
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    (problem,) = info.value.problems
    assert problem.path == f"$.rules[0].condition.all_of[{MAX_CONDITION_NODES - 1}]"
    assert f"more than {MAX_CONDITION_NODES} nodes" in problem.message
    tripwire.assert_nothing_ran()


def test_the_node_limit_counts_applies_when_separately():
    wide = {"all_of": [{"present": "name"}] * (MAX_CONDITION_NODES - 1)}
    assert rules_from_data({"rules": [_rule(condition=wide, applies_when=wide)]})


def test_too_many_rules_are_refused(tmp_path, tripwire):
    rules = [_rule(f"acme:r{i}") for i in range(MAX_RULES + 1)]
    path = _write(tmp_path, "many.json", json.dumps({"rules": rules}))
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    (problem,) = info.value.problems
    assert problem.path == "$.rules"
    assert f"more than {MAX_RULES} rules" in problem.message
    tripwire.assert_nothing_ran()


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path, monkeypatch, tripwire):
    # 20 MiB is too much to write in a unit test: lower the limit instead
    monkeypatch.setattr(_io, "MAX_BYTES", 1000)
    path = _write(tmp_path, "big.yaml", RULES_YAML)
    assert path.stat().st_size > 1000
    with pytest.raises(RuleFileError, match="larger than 1000 bytes"):
        load_rules(path)
    with pytest.raises(RuleFileError, match="larger than 1000 bytes"):
        load_rules(RULES_YAML)
    tripwire.assert_nothing_ran()


def test_a_document_nested_deeper_than_the_reader_allows_is_refused(tripwire):
    deep = "[" * (_io.MAX_DEPTH + 5) + "]" * (_io.MAX_DEPTH + 5)
    for text, fmt in [(f'{{"rules": {deep}}}', "json"), (f"rules: {deep}\n", "yaml")]:
        with pytest.raises(RuleFileError, match=f"deeper than {_io.MAX_DEPTH} levels"):
            load_rules(text, format=fmt)
    tripwire.assert_nothing_ran()


def test_a_yaml_alias_flood_is_refused(tripwire):
    text = "a: &a x\nrules: [" + ", ".join(["*a"] * (_io.MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(RuleFileError) as info:
        load_rules(text)
    assert "alias" in str(info.value)
    tripwire.assert_nothing_ran()


# ---------------------------------------------------------------- all problems, nothing kept


def test_every_problem_is_listed_at_once_and_nothing_is_kept(example):
    calls = []

    def spy(*args):
        calls.append(args)
        return True

    data = {
        "rules": [
            _rule("acme:good", condition={"check": {"function": "spy", "paths": ["name"]}}),
            _rule("acme:typo", condition={"presnt": "name"}),
            _rule("iso44001:5.2/values"),
            _rule("acme:good"),
            _rule("acme:extra", colour="red"),
            {"id": "acme:bare"},
        ],
        "imports": ["os"],
    }
    session = Session(example, rules_from_data({"rules": [_rule("acme:good")]}), as_of=AS_OF)
    before_verdicts = session.verdicts()
    with pytest.raises(RuleFileError) as info:
        session.set_ruleset(rules_from_data(data, functions={"spy": spy}))
    paths = [p.path for p in info.value.problems]
    assert "$.imports" in paths
    assert "$.rules[1].condition" in paths
    assert any(p.path == "$.rules[2]" and "reserved" in p.message for p in info.value.problems)
    assert "$.rules[3].id" in paths
    assert "$.rules[4].colour" in paths
    assert paths.count("$.rules[5]") == 5  # title, clause, level, remedy, condition
    assert len(paths) == 10
    assert "has 10 problems; nothing was loaded" in str(info.value)
    assert explain(info.value) == [str(p) for p in info.value.problems]
    # nothing of the file was kept and no registered function ran
    assert calls == []
    assert session.verdicts() == before_verdicts
    assert session.ruleset.ids == ("acme:good",)


def test_every_bad_node_of_one_condition_is_listed():
    cond = {"all_of": [{"presnt": "name"}, {"non_emty": "name"}, {"present": "__class__"}]}
    with pytest.raises(RuleFileError) as info:
        rules_from_data({"rules": [_rule(condition=cond)]})
    paths = [p.path for p in info.value.problems]
    assert "$.rules[0].condition.all_of[0]" in paths
    assert "$.rules[0].condition.all_of[1]" in paths


def test_a_rule_file_error_pickles():
    with pytest.raises(RuleFileError) as info:
        rules_from_data({"rules": [_rule(condition={"presnt": "name"})]}, source="acme.yaml")
    again = pickle.loads(pickle.dumps(info.value))  # noqa: S301 - our own error
    assert type(again) is RuleFileError
    assert again.problems == info.value.problems
    assert again.source == "acme.yaml"
    assert str(again) == str(info.value)


# ------------------------------------------------------------- wrong types, clear messages


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        pytest.param({"level": "TEAM"}, ("'TEAM'", "ORG, REL, JNT"), id="level"),
        pytest.param({"stage": "nine"}, ("'nine'", "stage"), id="stage"),
        pytest.param({"mode": "done"}, ("'done'", "arrangement, executed"), id="mode"),
        pytest.param({"severity": "fatal"}, ("'fatal'", "major, minor, advisory"), id="severity"),
        pytest.param({"flags": ["Z"]}, ("'Z'", "Flag"), id="flags"),
        pytest.param({"title": "  "}, ("title",), id="blank-title"),
        pytest.param({"id": "Acme:X"}, ("'Acme:X'", "lower case"), id="id"),
        pytest.param({"clause": 8.1}, ("clause",), id="unquoted-clause"),
        pytest.param(
            {"level": "ORG", "applies_in": [5]}, ("organization rule", "applies_in"), id="org"
        ),
        pytest.param(
            {"tags": [["nested"]]},
            ("tags",),
            id="tags-item",
        ),
        pytest.param(
            {"basis": None},
            ("basis",),
            id="basis-null",
        ),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_by_name(fields, words):
    with pytest.raises(RuleFileError) as info:
        rules_from_data({"rules": [_rule(**fields)]})
    (problem,) = info.value.problems
    assert problem.path.startswith("$.rules[0]")
    for word in words:
        assert word.lower() in str(problem).lower(), str(problem)


@pytest.mark.parametrize(
    ("condition", "where", "words"),
    [
        ({"all_of": []}, "$.rules[0].condition.all_of", ("non-empty list",)),
        ({"not": None}, "$.rules[0].condition.not", ("exactly one key", "None")),
        ({"equals": {"path": "name"}}, "$.rules[0].condition.equals", ("missing argument",)),
        (
            {"equals": {"path": "name", "value": [1]}},
            "$.rules[0].condition.equals.value",
            ("cannot be a list",),
        ),
        (
            {"equals": {"path": "name", "value": {"__class__": 1}}},
            "$.rules[0].condition.equals.value",
            ("{ref: <path>}",),
        ),
        ({"present": 42}, "$.rules[0].condition.present", ("dotted name", "42")),
        ({"present": ""}, "$.rules[0].condition.present", ("dotted name",)),
        ({"one_of": {"path": "stage", "values": []}}, "$.rules[0].condition.one_of.values", ()),
        (
            {"check": {"function": "f", "paths": "name"}},
            "$.rules[0].condition.check.paths",
            ("list",),
        ),
        (
            {"reviewed_within": {"path": "policy", "interval": "6 monthz"}},
            "$.rules[0].condition.reviewed_within.interval",
            ("6 monthz",),
        ),
        (
            {"before": {"path": "name", "other": "name", "slack": 5}},
            "$.rules[0].condition.before.slack",
            ("interval",),
        ),
        (
            {"implies": {"if": {"present": "name"}}},
            "$.rules[0].condition.implies",
            ("missing argument 'then'",),
        ),
    ],
)
def test_a_malformed_node_is_refused_where_it_is(condition, where, words, tripwire):
    with pytest.raises(RuleFileError) as info:
        rules_from_data({"rules": [_rule(condition=condition)]})
    (problem,) = info.value.problems
    assert problem.path == where
    for word in words:
        assert word in str(problem)
    tripwire.assert_nothing_ran()


def test_applies_in_as_text_is_one_stage():
    rs = rules_from_data({"rules": [_rule(applies_in="10")]})
    assert {int(s) for s in rs.get("acme:x").stages_in} == {10}


@pytest.mark.parametrize(
    "condition",
    [
        {
            "reviewed_within": {
                "path": "exit_strategy.last_reviewed_on",
                "interval": "99999999999999 months",
            }
        },
        {
            "before": {
                "path": "exit_strategy.last_reviewed_on",
                "other": "exit_strategy.created_on",
                "slack": "9999 years",
            }
        },
    ],
    ids=["reviewed_within", "before-slack"],
)
def test_an_interval_beyond_the_calendar_never_breaks_evaluation(condition, example):
    try:
        rs = rules_from_data({"rules": [_rule(condition=condition)]})
    except RuleFileError:
        return  # refusing it is fine too
    evaluate(example, rs, as_of=AS_OF)


def test_loading_a_missing_file_is_a_rule_file_error(tmp_path):
    with pytest.raises(RuleFileError, match="no such file"):
        load_rules(tmp_path / "absent.yaml")


def test_rule_files_never_hold_python_rules():
    """A RuleSpec from data is always a condition tree."""
    rs = rules_from_data(RULES_DATA, functions=FUNCTIONS)
    assert not any(spec.is_python for spec in rs)
    assert all(attrs.has(type(spec.condition)) for spec in rs)
