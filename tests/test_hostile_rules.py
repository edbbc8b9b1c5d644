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


def test_tags_and_questions_of_loaded_rules_survive_every_report():
    data = {"rules": [_rule({"present": "name"}, tags=["acme:x"], question="Named?")]}
    rules = rules_from_data(data)
    assert dump_rules(rules)["rules"][0]["tags"] == ["acme:x"]


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
    rules = load_rules(
        _file(_rule({"at_least": {"path": "resource_plan.budget", "value": "1000 EUR"}})),
        format="json",
    )
    p = collabrel.example_portfolio()
    verdicts = {v for (r, _), v in Session(p, rules, as_of=AS_OF).verdicts().items()}
    assert verdicts <= {Verdict.PASS, Verdict.FAIL, Verdict.UNKNOWN, Verdict.NOT_APPLICABLE}


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
