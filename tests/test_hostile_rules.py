"""Hostile rules: bounded in time and memory, refused where they enter, never a raw exception.

Each case runs in a fresh interpreter with a 10 s and 2 GiB limit (the ``isolated`` fixture):
a hang, a crash or a raw exception fails the test as surely as a wrong answer.
"""

from __future__ import annotations

import json
from datetime import date

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import collabrel
from collabrel import Config
from collabrel.errors import (
    CollabrelError,
    NotADateError,
    RuleDefinitionError,
    RuleFileError,
    UnknownSubjectError,
)
from collabrel.rules import (
    RuleSet,
    RuleSpec,
    Session,
    Verdict,
    check,
    default_ruleset,
    dump_rules,
    load_rules,
    present,
    rules_from_data,
)
from collabrel.rules import rule as python_rule

AS_OF = date(2026, 11, 23)


def _nested(keyword: str, depth: int) -> dict:
    node: dict = {"present": "approved_by"}
    for level in range(depth):
        path = "stage_history" if level == depth - 1 else "relationship.stage_history"
        if keyword == "for_each":
            node = {"for_each": {"path": path, "condition": node}}
        else:
            node = {"count_at_least": {"path": path, "n": 1, "where": node}}
    return node


def _rule(condition: dict, **extra: object) -> dict:
    return {
        "id": "acme:hostile", "title": "t", "clause": "8.1", "level": "REL",
        "remedy": "r", "condition": condition, **extra,
    }  # fmt: skip


def _file(*rules: dict) -> str:
    return json.dumps({"rules": list(rules)})


# the snippet each case runs: load the rule file text given as argv[1], evaluate it on the
# example, and print what happened as JSON (a collabrel error is an expected outcome)
LOAD_AND_RUN = """
import json, sys, time
from datetime import date
import collabrel
from collabrel.errors import CollabrelError
from collabrel.rules import Session, load_rules
t = time.perf_counter()
try:
    rules = load_rules(sys.argv[1])  # a path: the file's text may be large
    session = Session(collabrel.example_portfolio(), rules, as_of=date(2026, 11, 23))
    verdicts = sorted({v.value for v in session.verdicts().values()})
    print(json.dumps({"outcome": "evaluated", "verdicts": verdicts,
                      "seconds": time.perf_counter() - t}))
except CollabrelError as exc:
    print(json.dumps({"outcome": type(exc).__name__, "message": str(exc)[:2000],
                      "seconds": time.perf_counter() - t}))
"""

COST_CASES = {
    "count bomb": _file(_rule(_nested("count_at_least", 4))),
    "for-each bomb": _file(_rule(_nested("for_each", 6))),
    "heavy applies_when": _file(_rule({"present": "name"}, applies_when=_nested("for_each", 5))),
}


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "rules.json"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name", list(COST_CASES))
def test_a_costly_rule_is_refused_naming_the_rule_and_the_node(isolated, tmp_path, name):
    result = isolated(LOAD_AND_RUN, args=(_write(tmp_path, COST_CASES[name]),))
    assert not result.timed_out
    assert not result.crashed
    assert result.result["outcome"] == "RuleFileError", result.stderr
    assert "acme:hostile" in result.result["message"]
    assert "relationship.stage_history" in result.result["message"]
    assert "budget" in result.result["message"]


def test_a_file_of_many_large_rules_is_refused_quickly(isolated, tmp_path):
    big = {"all_of": [{"present": "name"}] * 200}
    text = _file(*[_rule(big, id=f"acme:r{i}") for i in range(1000)])
    result = isolated(LOAD_AND_RUN, args=(_write(tmp_path, text),))
    assert not result.timed_out
    assert result.result["outcome"] == "RuleFileError", result.stderr
    assert "$.rules[" in result.result["message"]
    assert "split the file" in result.result["message"]


def test_two_nested_collections_still_load_and_run(isolated, tmp_path):
    result = isolated(LOAD_AND_RUN, args=(_write(tmp_path, _file(_rule(_nested("for_each", 2)))),))
    assert result.result["outcome"] == "evaluated", result.stderr


# ------------------------------------------------------------------ rule metadata


@pytest.mark.parametrize(
    ("extra", "where", "message"),
    [
        ({"tags": [1, 2]}, "$.rules[0].tags[0]", "tags holds texts"),
        ({"question": {"a": 1}}, "$.rules[0]", "question is a non-empty text"),
        ({"basis": ["TOC", "TOC"]}, "$.rules[0]", "appears twice"),
        ({"level": "ORG", "stage": 5, "condition": {"present": "policy"}}, "$.rules[0]",
         "organization rule with a stage"),
        ({"id": "acme:hostile\n"}, "$.rules[0]", "not valid"),
    ],
)  # fmt: skip
def test_bad_rule_metadata_is_refused_where_it_enters(extra, where, message):
    data = {"rules": [_rule({"present": "name"}) | extra]}
    with pytest.raises(RuleFileError) as info:
        rules_from_data(data)
    assert any(p.path == where and message in str(p) for p in info.value.problems), str(info.value)


def test_tags_and_questions_of_loaded_rules_survive_every_report(tmp_path, capsys):
    # issue 13 (13): tags that were not texts loaded and then broke every report; a loaded
    # rule with tags and a question goes through each of them, tags shown where reports show them
    import csv
    import io

    from collabrel._cli import main
    from collabrel.reports import report

    data = {"rules": [_rule({"present": "name"}, tags=["acme:x", "acme:y"], question="Named?")]}
    rules = rules_from_data(data)
    spec = rules.get("acme:hostile")
    assert spec.tags == frozenset({"acme:x", "acme:y"})
    assert spec.question == "Named?"
    assert dump_rules(rules)["rules"][0]["tags"] == ["acme:x", "acme:y"]
    assert dump_rules(rules)["rules"][0]["question"] == "Named?"

    p = collabrel.example_portfolio()
    rep = report(p, rules, as_of=AS_OF)
    rows = [r for r in csv.DictReader(io.StringIO(rep.to_csv())) if r["rule_id"] == "acme:hostile"]
    assert len(rows) == len(p.relationships)
    assert {r["tags"] for r in rows} == {"acme:x, acme:y"}
    for text in (rep.to_html(), rep.to_markdown()):
        assert "acme:hostile" in text
    assert "acme:x" in rep.to_html()
    finding = Session(p, rules, as_of=AS_OF).finding("acme:hostile", "rel-rail-jv")
    assert finding.tags == frozenset({"acme:x", "acme:y"})
    assert "acme:hostile on rel-rail-jv: Pass" in str(
        Session(p, rules, as_of=AS_OF).explain("acme:hostile", "rel-rail-jv")
    )

    # and through the command line: assess --format csv and explain, from the rule file
    portfolio, rule_file = tmp_path / "p.json", tmp_path / "rules.json"
    collabrel.dump(p, portfolio)
    rule_file.write_text(json.dumps(data), encoding="utf-8")
    code = main(["assess", str(portfolio), "--as-of", AS_OF.isoformat(), "--format", "csv",
                 "--rules", str(rule_file)])  # fmt: skip
    out = capsys.readouterr().out
    assert code in {0, 1}
    cli_rows = [r for r in csv.DictReader(io.StringIO(out)) if r["rule_id"] == "acme:hostile"]
    assert {r["tags"] for r in cli_rows} == {"acme:x, acme:y"}
    code = main(["explain", "acme:hostile", str(portfolio), "--subject", "rel-rail-jv",
                 "--as-of", AS_OF.isoformat(), "--rules", str(rule_file)])  # fmt: skip
    assert code == 0
    assert "acme:hostile" in capsys.readouterr().out


# ------------------------------------------------------------------ functions


def raises(value):
    """Raises for every value."""
    msg = "no"
    raise ValueError(msg)


def says_no(value):
    """Answers with a word instead of a truth value."""
    return "no"


def slow(value):
    """Takes a long time."""
    import time

    time.sleep(0.3)
    return True


class Unprintable(Exception):  # noqa: N818 - a test double
    def __str__(self) -> str:
        raise RuntimeError("cannot print")


def raises_unprintable(value):
    """Raises an exception that cannot be printed."""
    raise Unprintable


def _one(function, *, level="REL", path="name", when=False, budget=1.0):
    condition = check(function, path)
    spec = RuleSpec(
        id="acme:f", title="t", clause="8.1", level=level, remedy="r",
        condition=present(path) if when else condition,
        applies_when=condition if when else None,
    )  # fmt: skip
    p = collabrel.example_portfolio()
    session = Session(p, RuleSet([spec]), as_of=AS_OF, time_budget=budget)
    subject = p.organization.id if level == "ORG" else p.relationships[0].id
    return session.finding("acme:f", subject)


@pytest.mark.parametrize(
    ("function", "kwargs", "expected"),
    [
        (raises, {}, "ValueError: no"),
        (says_no, {}, "'says_no' returned 'no'"),
        (slow, {"budget": 0.05}, "'slow' took"),
        (raises_unprintable, {}, "Unprintable: (its message could not be printed)"),
        (raises, {"level": "ORG", "path": "name", "when": True}, "ValueError: no"),
    ],
)  # fmt: skip
def test_a_misbehaving_check_function_gives_an_error_finding_with_its_name(
    function, kwargs, expected
):
    finding = _one(function, **kwargs)
    assert finding.verdict is Verdict.ERROR
    assert expected in finding.error


def test_a_slow_python_rule_is_an_error_and_the_session_goes_on():
    @python_rule("acme:slow", title="t", clause="8.1", level="REL", remedy="r", reads=("name",))
    def slow_rule(rel, ctx):
        import time

        time.sleep(0.2)
        return True

    p = collabrel.example_portfolio()
    session = Session(p, RuleSet([slow_rule]), as_of=AS_OF, time_budget=0.05)
    finding = session.finding("acme:slow", p.relationships[0].id)
    assert finding.verdict is Verdict.ERROR
    assert "acme:slow" in finding.error
    assert "time budget" in finding.error
    relaxed = Session(p, RuleSet([slow_rule]), as_of=AS_OF, time_budget=None)
    assert relaxed.verdict("acme:slow", p.relationships[0].id) is Verdict.PASS


def test_the_time_budget_must_be_a_positive_number():
    for bad in (0, -1, "1", True):
        with pytest.raises(CollabrelError, match="time_budget"):
            Session(collabrel.example_portfolio(), as_of=AS_OF, time_budget=bad)


def test_a_quantity_literal_in_a_rule_file_compares():
    # rel-rail-jv's budget is 240000 GBP: the literal is read as a quantity and compared
    p = collabrel.example_portfolio()
    verdicts = {}
    for value in ("1000 GBP", "300000 GBP"):
        condition = {"at_least": {"path": "resource_plan.budget", "value": value}}
        rules = load_rules(_file(_rule(condition)), format="json")
        verdicts[value] = Session(p, rules, as_of=AS_OF).verdict("acme:hostile", "rel-rail-jv")
    assert verdicts == {"1000 GBP": Verdict.PASS, "300000 GBP": Verdict.FAIL}


# the snippet the quantity cases run: the same literal in a rule file and in Python, on
# rel-rail-jv (budget 240000 GBP); a refused literal is an expected outcome
QUANTITY_LITERAL = """
import json, sys
from datetime import date
import collabrel
from collabrel.errors import CollabrelError
from collabrel.rules import RuleSet, RuleSpec, Session, at_least, load_rules
p = collabrel.example_portfolio()
rule = {"id": "acme:q", "title": "t", "clause": "8.1", "level": "REL", "remedy": "r"}
def in_file(value):
    condition = {"at_least": {"path": "resource_plan.budget", "value": value}}
    return load_rules(json.dumps({"rules": [rule | {"condition": condition}]}), format="json")
def in_python(value):
    return RuleSet([RuleSpec(**rule, condition=at_least("resource_plan.budget", value))])
out = {}
for value in sys.argv[1:]:
    out[value] = {}
    for name, build in (("file", in_file), ("python", in_python)):
        try:
            session = Session(p, build(value), as_of=date(2026, 11, 23))
            out[value][name] = session.verdict("acme:q", "rel-rail-jv").value
        except CollabrelError as exc:
            out[value][name] = type(exc).__name__ + ": " + str(exc)[:500]
print(json.dumps(out))
"""

GOOD_QUANTITIES = {"1000 GBP": "pass", "300000 GBP": "fail", "240000.0 GBP": "pass"}
BAD_QUANTITIES = {
    "10**10**10 GBP": "arithmetic is not evaluated",
    "9**9**7 GBP": "arithmetic is not evaluated",
    "1e999 GBP": "too large",
    "nan GBP": "nan and infinities",
    "1000 parsec": "must be an amount of money",
    "1000": "not a unit name",
}


def test_a_quantity_literal_compares_or_is_refused_in_a_rule_file_and_in_python(isolated):
    result = isolated(QUANTITY_LITERAL, args=(*GOOD_QUANTITIES, *BAD_QUANTITIES))
    assert not result.timed_out
    assert not result.crashed
    assert result.result is not None, result.stderr
    for value, verdict in GOOD_QUANTITIES.items():  # rel-rail-jv's budget is 240000 GBP
        assert result.result[value] == {"file": verdict, "python": verdict}, value
    for value, message in BAD_QUANTITIES.items():
        outcome = result.result[value]
        assert outcome["file"].startswith("RuleFileError: "), value
        assert "$.rules[0].condition.at_least.value" in outcome["file"]
        assert outcome["python"].startswith("RuleDefinitionError: "), value
        for text in outcome.values():
            assert "resource_plan.budget" in text
            assert message in text, (value, text)


# the snippet the misbehaving-function cases run: a rule whose check function (argv[1], the
# body of ``misbehaves``) misbehaves, beside a good rule; then the bad rule is replaced and the
# session must equal a fresh one
MISBEHAVING_CHECK = """
import json, sys, time
from datetime import date
import collabrel
from collabrel.rules import RuleSet, RuleSpec, Session, check, present
exec("def misbehaves(value):\\n" + sys.argv[1])  # the body under test
level, where = sys.argv[2], sys.argv[3]
p = collabrel.example_portfolio()
subject = p.organization.id if level == "ORG" else p.relationships[0].id
def spec(rule_id, condition, applies_when=None):
    return RuleSpec(id=rule_id, title="t", clause="8.1", level=level, remedy="r",
                    condition=condition, applies_when=applies_when)
hostile = check(misbehaves, "name")
bad = (spec("acme:f", present("name"), hostile) if where == "applies_when"
       else spec("acme:f", hostile))
rules = RuleSet([bad, spec("acme:named", present("name"))])
session = Session(p, rules, as_of=date(2026, 11, 23), time_budget=0.05)
finding = session.finding("acme:f", subject)
replaced = rules.replace("acme:f", spec("acme:f", present("name")))
session.set_ruleset(replaced)
fresh = Session(p, replaced, as_of=date(2026, 11, 23))
print(json.dumps({"verdict": finding.verdict.value, "error": finding.error,
                  "other": session.verdict("acme:named", subject).value,
                  "consistent": session.verdicts() == fresh.verdicts()}))
"""

UNPRINTABLE = (
    "    class Unprintable(Exception):\n"
    "        def __str__(self):\n"
    "            raise RuntimeError('cannot print')\n"
    "    raise Unprintable\n"
)


@pytest.mark.parametrize(
    ("body", "level", "where", "expected"),
    [
        ("    raise ValueError('no')", "REL", "condition", "ValueError: no"),
        ("    time.sleep(0.3)\n    return True", "REL", "condition", "'misbehaves' took"),
        ("    return 2", "REL", "condition", "'misbehaves' returned 2"),
        ("    return 'false'", "REL", "condition", "'misbehaves' returned 'false'"),
        ("    return 'no'", "REL", "applies_when", "'misbehaves' returned 'no'"),
        (UNPRINTABLE, "REL", "condition", "(its message could not be printed)"),
        ("    raise ValueError('no')", "ORG", "applies_when", "ValueError: no"),
        (UNPRINTABLE, "ORG", "applies_when", "(its message could not be printed)"),
        ("    return 2", "ORG", "condition", "'misbehaves' returned 2"),
    ],
    ids=["raises", "sleeps", "returns-2", "returns-false", "when-returns-no", "unprintable",
         "org-when-raises", "org-when-unprintable", "org-returns-2"],
)  # fmt: skip
def test_a_misbehaving_check_function_in_a_fresh_interpreter(
    isolated, body, level, where, expected
):
    result = isolated(MISBEHAVING_CHECK, args=(body, level, where))
    assert not result.timed_out
    assert not result.crashed
    assert result.result is not None, result.stderr
    assert result.result["verdict"] == "error"
    assert expected in result.result["error"]
    assert "misbehaves" in result.result["error"]  # names the function
    assert result.result["other"] == "pass"  # the good rule beside it is unharmed
    assert result.result["consistent"]


# the snippet the metadata case runs: rule files given as argv[1:] (JSON texts), in turn
LOAD_ONLY = """
import json, sys
from collabrel.errors import CollabrelError
from collabrel.rules import load_rules
out = []
for text in sys.argv[1:]:
    try:
        rules = load_rules(text, format="json")
        out.append({"outcome": "loaded", "ids": list(rules.ids)})
    except CollabrelError as exc:
        out.append({"outcome": type(exc).__name__,
                    "problems": [[p.path, str(p)] for p in exc.problems]})
print(json.dumps(out))
"""

BAD_METADATA = [
    ({"tags": [1, 2]}, "$.rules[0].tags[0]", "tags holds texts"),
    ({"tags": [["acme:x"]]}, "$.rules[0].tags[0]", "tags holds texts"),
    ({"question": {"a": 1}}, "$.rules[0]", "question is a non-empty text"),
    ({"basis": ["TOC", "TOC"]}, "$.rules[0]", "appears twice"),
    ({"level": "ORG", "stage": 5, "condition": {"present": "policy"}}, "$.rules[0]",
     "organization rule with a stage"),
    ({"id": "acme:hostile\n"}, "$.rules[0]", "not valid"),
]  # fmt: skip


def test_bad_rule_metadata_is_refused_in_a_fresh_interpreter(isolated):
    texts = [
        json.dumps({"rules": [_rule({"present": "name"}) | extra]}) for extra, *_ in BAD_METADATA
    ]
    result = isolated(LOAD_ONLY, args=tuple(texts))
    assert not result.timed_out
    assert not result.crashed
    assert result.result is not None, result.stderr
    for (extra, where, message), outcome in zip(BAD_METADATA, result.result, strict=True):
        assert outcome["outcome"] == "RuleFileError", extra
        problems = outcome["problems"]
        assert any(p.startswith(where) and message in t for p, t in problems), (extra, problems)


def test_bad_metadata_of_a_python_rule_is_refused():
    base = {"id": "acme:m", "title": "t", "clause": "8.1", "level": "REL", "remedy": "r",
            "condition": present("name")}  # fmt: skip
    for extra in ({"tags": (1, 2)}, {"question": {"a": 1}}, {"level": "ORG", "stage": 5}):
        with pytest.raises(RuleDefinitionError):
            RuleSpec(**(base | extra))


# the snippet the refused-update cases run: refused set_config / set_ruleset calls, then valid
# ones, and the session must equal a fresh evaluation
REFUSED_UPDATES = """
import json
from datetime import date
import collabrel
from collabrel import Config
from collabrel.errors import CollabrelError
from collabrel.rules import RuleSet, Session, default_ruleset
p = collabrel.example_portfolio()
as_of = date(2026, 11, 23)
rules = RuleSet(list(default_ruleset())[:30])  # a few dozen rules: a cheap session
session = Session(p, rules, as_of=as_of)
before = session.verdicts()
refused = []
for call, bad in ((session.set_config, None), (session.set_config, "config"),
                  (session.set_config, {}), (session.set_ruleset, None),
                  (session.set_ruleset, [])):
    try:
        call(bad)
        refused.append("accepted")
    except CollabrelError as exc:
        refused.append(type(exc).__name__)
whole = (session.config == Config() and session.ruleset == rules
         and session.verdicts() == before)
config = Config().with_overrides({"trust_drop": 0.5})
session.set_config(config)
smaller = RuleSet(list(default_ruleset())[20:40])
session.set_ruleset(smaller)
fresh = Session(p, smaller, as_of=as_of, config=config)
print(json.dumps({"refused": refused, "whole": whole,
                  "consistent": session.verdicts() == fresh.verdicts()}))
"""


def test_a_refused_config_or_ruleset_leaves_the_session_whole(isolated):
    result = isolated(REFUSED_UPDATES)
    assert not result.timed_out
    assert not result.crashed
    assert result.result is not None, result.stderr
    assert result.result["refused"] == [
        "ConfigError", "ConfigError", "ConfigError", "RuleDefinitionError", "RuleDefinitionError"
    ]  # fmt: skip
    assert result.result["whole"]
    assert result.result["consistent"]


# --------------------------------------------------------- refused updates, stateful


class RefusedUpdatesLeaveTheSessionWhole(RuleBasedStateMachine):
    """Refused updates between valid ones: the session always equals a fresh evaluation."""

    def __init__(self) -> None:
        super().__init__()
        self.portfolio = collabrel.example_portfolio()
        self.session = Session(self.portfolio, default_ruleset(), as_of=AS_OF)

    @rule(bad=st.sampled_from([None, "2026-01-01", 20261123, date.max.isoformat()]))
    def refuse_a_date(self, bad):
        with pytest.raises(NotADateError):
            self.session.set_as_of(bad)

    @rule(bad=st.sampled_from([None, "config", {}]))
    def refuse_a_config(self, bad):
        with pytest.raises(CollabrelError):
            self.session.set_config(bad)

    @rule(bad=st.sampled_from([None, [], "rules"]))
    def refuse_a_ruleset(self, bad):
        with pytest.raises(RuleDefinitionError):
            self.session.set_ruleset(bad)

    @rule(data=st.data())
    def refuse_a_bad_fact(self, data):
        rel = data.draw(st.sampled_from(self.session.portfolio.relationships))
        path, value = data.draw(st.sampled_from([
            ("stage", "Workin"), ("working.agreement.version", -3), ("nam", "x"),
            ("facts.undeclared", 1),
        ]))  # fmt: skip
        with pytest.raises(CollabrelError):
            self.session.set(rel.id, path, value)

    @rule(data=st.data())
    def refuse_a_duplicate_or_unknown(self, data):
        rel = data.draw(st.sampled_from(self.session.portfolio.relationships))
        with pytest.raises(UnknownSubjectError):
            self.session.add_relationship(rel)
        with pytest.raises(UnknownSubjectError):
            self.session.update_relationship(attrs.evolve(rel, id="no-such-relationship"))

    @rule(days=st.integers(-200, 200))
    def move_the_date(self, days):
        from datetime import timedelta

        self.session.set_as_of(self.session.as_of + timedelta(days=days))

    @rule(config=st.sampled_from([Config(), Config().with_overrides({"trust_drop": 0.5})]))
    def change_the_config(self, config):
        self.session.set_config(config)

    @rule(data=st.data())
    def rename(self, data):
        rel = data.draw(st.sampled_from(self.session.portfolio.relationships))
        self.session.set(rel.id, "name", data.draw(st.sampled_from(["A", "B", rel.name])))

    @invariant()
    def equals_a_fresh_evaluation(self):
        fresh = Session(
            self.session.portfolio, self.session.ruleset, as_of=self.session.as_of,
            config=self.session.config,
        )  # fmt: skip
        assert self.session.verdicts() == fresh.verdicts()
        assert self.session.config is not None


RefusedUpdatesLeaveTheSessionWhole.TestCase.settings = settings(
    max_examples=15, stateful_step_count=12
)
TestRefusedUpdates = RefusedUpdatesLeaveTheSessionWhole.TestCase


# The rule-file fuzz (mutated rule files load or are refused with paths) is in test_fuzz.py.
