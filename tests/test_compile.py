"""Compiled condition trees agree with the tracing evaluation, on generated trees and data.

The engine runs each condition tree as generated Python; explanations come from the tracing
evaluation. Both must give the same three-valued result (True, False, None) on every
relationship, for every tree the schema allows: the trees here are drawn from the fact paths
of the domain model (dates, numbers, enums, texts, collections and their elements) and from
organization-specific facts.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import Config, FactField, Facts, FactSchema, Organization, Relationship
from collabrel._dates import CalendarInterval
from collabrel._typing import element_type, field_hints
from collabrel.rules import (
    Condition,
    agreed_by_all_parties,
    all_of,
    any_of,
    at_least,
    at_most,
    before,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    not_,
    one_of,
    present,
    ref,
    reviewed_within,
)
from collabrel.rules._compile import Thresholds, compile_condition
from collabrel.rules._conditions import Binder, Env
from collabrel.testing import relationships

AS_OF = date(2026, 11, 23)

SCHEMA = FactSchema(
    relationship=(
        FactField(name="annual_value", type="quantity", unit="EUR"),
        FactField(name="tier", type="enum", choices=("gold", "silver", "bronze")),
        FactField(name="renewal", type="date"),
        FactField(name="headcount", type="integer", nullable=False),
        FactField(name="score", type="decimal"),
        FactField(name="critical", type="boolean"),
        FactField(name="sites", type="text", list=True),
    ),
    organization=(FactField(name="budget_year", type="date"),),
)


def _paths(cls: type, prefix: str = "", depth: int = 0) -> list[tuple[str, Any, bool]]:
    """(path, value type, is a collection) for the fields of *cls*, two levels deep."""
    out: list[tuple[str, Any, bool]] = []
    for f in attrs.fields(cls):
        if f.name in {"facts", "fact_schema"}:
            continue
        inner, is_coll = element_type(field_hints(cls)[f.name])
        path = f"{prefix}{f.name}"
        out.append((path, inner, is_coll))
        if depth < 1 and not is_coll and isinstance(inner, type) and attrs.has(inner):
            out += _paths(inner, f"{path}.", depth + 1)
    return out


REL_PATHS = _paths(Relationship)
ORG_PATHS = [(f"organization.{p}", t, c) for p, t, c in _paths(Organization)]
SCALARS = [(p, t) for p, t, c in REL_PATHS + ORG_PATHS if not c]
DATES = [p for p, t in SCALARS if t is date]
COLLECTIONS = [(p, t) for p, t, c in REL_PATHS if c and isinstance(t, type) and attrs.has(t)]
JOINT = [p for p, t in SCALARS if isinstance(t, type) and attrs.has(t)
         and "agreed_by" in {f.name for f in attrs.fields(t)}]  # fmt: skip
FACTS = [f"facts.{f.name}" for f in SCHEMA.relationship] + ["organization.facts.budget_year"]


def sometimes_none(x: Any) -> Any:
    """A check function that says "unknown" for empty values."""
    return None if not x else bool(x)


def raises_on_even(x: Any) -> bool:
    """A check function that raises on some values (the engine reports ERROR)."""
    if isinstance(x, int) and not isinstance(x, bool) and x % 2 == 0:
        msg = "even"
        raise ValueError(msg)
    return x is not None


def _literal(tp: Any) -> st.SearchStrategy[Any]:
    if tp is date:
        return st.dates(date(2020, 1, 1), date(2028, 12, 31))
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-1, 6)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    return st.sampled_from(["", "x", "rel-1", "p-1"])


@st.composite
def leaves(
    draw: st.DrawFn, scope: list[tuple[str, Any]], dates: list[str], *, facts: bool = True
) -> Condition:
    """A leaf over *scope*; *facts*: the relationship's declared facts are in scope too."""
    kinds = ["present", "non_empty", "equals", "compare", "one_of", "reviewed", "before", "check"]
    kind = draw(st.sampled_from([*kinds, "fact"] if facts else kinds))
    plain = [(p, t) for p, t in scope if t in (date, bool, int, str)
             or (isinstance(t, type) and issubclass(t, enum.Enum))]  # fmt: skip
    if kind == "fact":
        return draw(fact_leaves())
    if kind in ("present", "non_empty"):
        path = draw(st.sampled_from([p for p, _ in scope]))
        return present(path) if kind == "present" else non_empty(path)
    if kind == "check":
        path = draw(st.sampled_from([p for p, _ in scope]))
        return check(draw(st.sampled_from([sometimes_none, raises_on_even])), path)
    if kind in ("reviewed", "before") and dates:
        path = draw(st.sampled_from(dates))
        interval = draw(st.sampled_from(["review.rmp", "review.context", CalendarInterval(days=30),
                                         CalendarInterval(months=13)]))  # fmt: skip
        if kind == "reviewed":
            return reviewed_within(path, interval)
        slack = draw(st.none() | st.just(interval))
        return before(path, draw(st.sampled_from(dates)), slack=slack)
    path, tp = draw(st.sampled_from(plain or SCALARS[:1]))
    if kind == "one_of":
        return one_of(path, draw(st.lists(_literal(tp), min_size=1, max_size=3)))
    value = draw(_literal(tp) | st.just(ref(path)))
    if kind == "equals":
        return equals(path, value)
    return draw(st.sampled_from([at_least, at_most]))(path, value)


@st.composite
def fact_leaves(draw: st.DrawFn) -> Condition:
    path = draw(st.sampled_from(FACTS))
    name = path.rsplit(".", 1)[1]
    if name == "annual_value":
        amount = draw(st.sampled_from(["900000 EUR", "1000000 EUR", "1.2 MEUR", "2500000 EUR"]))
        return draw(st.sampled_from([at_least, at_most, equals]))(path, amount)
    if name == "tier":
        return one_of(path, draw(st.lists(st.sampled_from(["gold", "silver", "bronze"]),
                                          min_size=1, max_size=2)))  # fmt: skip
    if name in ("renewal", "budget_year"):
        return draw(st.sampled_from([
            reviewed_within(path, CalendarInterval(months=6)),
            at_least(path, "2026-06-30"),
            present(path),
        ]))  # fmt: skip
    if name in ("headcount", "score"):
        return draw(st.sampled_from([at_least, at_most]))(path, draw(st.integers(0, 20)))
    if name == "critical":
        return equals(path, draw(st.booleans()))
    return draw(st.sampled_from([count_at_least(path, 2), non_empty(path)]))


def trees(depth: int = 3) -> st.SearchStrategy[Condition]:
    rel_scope = SCALARS
    leaf = leaves(rel_scope, DATES)

    def extend(children: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        collection = st.sampled_from(COLLECTIONS).flatmap(
            lambda pc: st.builds(
                lambda inner, n, kind: (
                    for_each(pc[0], inner) if kind else count_at_least(pc[0], n, inner)
                ),
                leaves(
                    [(p, t) for p, t, c in _paths(pc[1]) if not c],
                    [p for p, t, c in _paths(pc[1]) if t is date and not c],
                    facts=False,  # an item of a collection has no declared facts
                ),
                st.integers(0, 2),
                st.booleans(),
            )
        )  # fmt: skip
        return st.one_of(
            st.lists(children, min_size=1, max_size=3).map(lambda cs: all_of(*cs)),
            st.lists(children, min_size=1, max_size=3).map(lambda cs: any_of(*cs)),
            children.map(not_),
            st.tuples(children, children).map(lambda ab: implies(*ab)),
            collection,
            st.sampled_from(JOINT).map(agreed_by_all_parties),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@st.composite
def facts_for(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "annual_value": draw(st.none() | st.sampled_from(["950000 EUR", "1 MEUR", "3000000 EUR"])),
        "tier": draw(st.none() | st.sampled_from(["gold", "silver", "bronze"])),
        "renewal": draw(st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31))),
        "headcount": draw(st.integers(0, 30)),
        "score": draw(st.none() | st.floats(0, 20, allow_nan=False)),
        "critical": draw(st.none() | st.booleans()),
        "sites": tuple(draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=3))),
    }


def _run(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        return ("raised", type(exc).__name__)


def _bound(
    tree: Condition, rel: Relationship, facts: dict[str, Any], org: Organization, as_of: date
) -> tuple[Relationship, Binder, Any, Env]:
    """*rel* with *facts*, the binder, *tree* bound to it, and the tracing environment."""
    rel = attrs.evolve(rel, facts=SCHEMA.facts("relationship", facts))
    binder = Binder(scope=Relationship, scope_path=("rel",), default_root="rel", rule_id="t:x",
                    facts=SCHEMA)  # fmt: skip
    mapping = Config().to_mapping()
    intervals = {k: v for k, v in mapping.items() if isinstance(v, CalendarInterval)}
    env = Env(as_of=as_of, intervals=intervals, values=mapping, org=org, rel=rel)
    return rel, binder, tree.bind(binder), env


@settings(max_examples=120)
@given(
    tree=trees(),
    rel=relationships(),
    facts=facts_for(),
    budget=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    as_of=st.dates(date(2024, 1, 1), date(2028, 12, 31)),
)
def test_compiled_trees_agree_with_the_tracing_evaluation(tree, rel, facts, budget, as_of):
    org = Organization(
        id="org", name="Org", fact_schema=SCHEMA, facts=Facts({"budget_year": budget})
    )
    rel, binder, bound, traced_env = _bound(tree, rel, facts, org, as_of)
    intervals = traced_env.intervals

    class Runtime:
        pass

    env = Runtime()
    env.org, env.as_of, env.intervals = org, as_of, intervals
    env.thresholds = Thresholds(as_of, intervals)
    env.budget = None  # no time budget for users' functions
    compiled = compile_condition(tree, binder, facts=SCHEMA)
    expected = _run(bound.fn, rel, traced_env)
    assert _run(compiled.fn, rel, env, rel.facts._values) == expected, compiled.source
    if not isinstance(expected, tuple):
        assert bound.trace(rel, traced_env).outcome == expected


def test_the_builtin_rules_compile_to_the_tracing_verdicts():
    """Every built-in rule, compiled, on the example and a few generated portfolios."""
    from collabrel.rules import Session, default_ruleset

    portfolio = collabrel.example_portfolio()
    session = Session(portfolio, default_ruleset(), as_of=AS_OF)
    for spec in default_ruleset():
        if spec.bound is None:
            continue
        subjects = (
            [portfolio.organization] if spec.level.value == "ORG" else portfolio.relationships
        )
        for subject in subjects:
            env = Env(
                as_of=AS_OF, intervals=session._env.intervals, values=session._env.values,
                org=portfolio.organization, rel=subject if spec.level.value != "ORG" else None,
            )  # fmt: skip
            if spec.when is not None and spec.when.fn(subject, env) is not True:
                continue
            if isinstance(subject, Relationship) and subject.stage not in spec.stages_in:
                continue
            outcome = spec.bound.fn(subject, env)
            verdict = session.verdict(spec.id, subject.id)
            expected = {True: "pass", False: "fail", None: "unknown"}[outcome]
            if verdict.value != "not_applicable":
                assert verdict.value == expected, (spec.id, subject.id)


def test_generated_functions_share_the_compiled_rules_without_changing_them():
    """Stage runners and updates put each rule's own expression in, never a copy: it stays as
    compiled, and every generated function still gives each rule's own verdict."""
    import ast

    from collabrel.rules import Session, default_ruleset
    from collabrel.rules._engine import _compile_rules
    from collabrel.rules._runtime import fact_updater, rule_refresher, stage_runner

    portfolio = collabrel.example_portfolio()
    session = Session(portfolio, default_ruleset(), as_of=AS_OF)
    rules = _compile_rules(default_ruleset(), session._facts)
    inlined = [c for c in rules.compiled if c is not None]
    assert len(inlined) > 50, "the built-in rules are mostly condition trees"
    assert all("def _verdict(s, e, V):" in c.source for c in inlined)

    def dumped() -> list[str]:
        return [
            ast.dump(node, include_attributes=True)
            for c in inlined
            for node in (c.expression, *c.functions)
        ]

    before = dumped()
    every = tuple(range(len(rules.rel)))
    trees = tuple(i for i, c in enumerate(rules.compiled) if c is not None)
    ids = [spec.id for spec in rules.rel]
    runners = [stage_runner(every, rules.rel_verdicts, rules.compiled) for _ in range(2)]
    updaters = [
        fact_updater(trees, ids, rules.compiled),
        fact_updater(every, ids, rules.compiled, rules.rel_verdicts),
    ]
    refreshers = {i: rule_refresher(i, rules.rel_verdicts[i], rules.compiled[i]) for i in trees}
    assert dumped() == before
    env = session._env
    rels = list(portfolio.relationships)
    columns = {i: bytearray(len(rels)) for i in trees}
    for i, refresh in refreshers.items():
        refresh(rels, [True] * len(rels), columns[i], env)
    for k, rel in enumerate(rels):
        expected = bytearray(rules.rel_verdicts[i](rel, env, rel.facts._values) for i in every)
        for run in runners:
            row = bytearray(len(every))
            run(rel, env, row)
            assert row == expected, rel.id
        for update, positions in zip(updaters, (trees, every), strict=True):
            assert update is not None
            codes, out = bytearray([9]) * len(every), []
            update(rel, env, rel.facts._values, codes, 0, out, rel.id)
            assert [codes[i] for i in positions] == [expected[i] for i in positions], rel.id
            assert {change[0] for change in out} == {ids[i] for i in positions}
        assert all(columns[i][k] == expected[i] for i in trees), rel.id


def composites() -> st.SearchStrategy[Condition]:
    """Trees whose root has a brief trace of its own (a root ``not`` is traced in full)."""
    some = st.lists(trees(), min_size=1, max_size=3)
    return st.one_of(
        some.map(lambda cs: all_of(*cs)),
        some.map(lambda cs: any_of(*cs)),
        st.tuples(trees(), trees()).map(lambda ab: implies(*ab)),
    )


@settings(max_examples=120)
@given(
    tree=composites(),
    rel=relationships(),
    facts=facts_for(),
    as_of=st.dates(date(2024, 1, 1), date(2028, 12, 31)),
)
def test_a_brief_trace_words_the_same_message_as_the_full_one(tree, rel, facts, as_of):
    """The table's brief traces leave out what holds, and nothing a message or a gap reads."""
    from collabrel.rules import Verdict
    from collabrel.rules._engine import _summary
    from collabrel.rules._findings import lapsed

    org = Organization(id="org", name="Org", fact_schema=SCHEMA)
    rel, _, bound, env = _bound(tree, rel, facts, org, as_of)
    full = _run(bound.trace, rel, env)
    brief = _run(bound.brief_trace, rel, env)
    if isinstance(full, tuple):  # a check function raised: the brief trace raises too
        assert brief == full
        return
    assert brief.outcome == full.outcome
    if full.outcome is not True:
        verdict = Verdict.FAIL if full.outcome is False else Verdict.UNKNOWN
        assert _summary(brief, verdict) == _summary(full, verdict)
        assert lapsed(brief) == lapsed(full)


def test_the_builtin_rules_brief_traces_word_their_full_messages():
    """Every built-in condition tree that does not pass, on the example: same message, lapse."""
    from collabrel.rules import Session, Verdict, default_ruleset
    from collabrel.rules._engine import _summary
    from collabrel.rules._findings import lapsed

    portfolio = collabrel.example_portfolio()
    session = Session(portfolio, default_ruleset(), as_of=AS_OF)
    org = portfolio.organization
    compared = 0
    for spec in default_ruleset():
        if spec.bound is None:
            continue
        is_org = spec.level.value == "ORG"
        for subject in [org] if is_org else portfolio.relationships:
            env = Env(
                as_of=AS_OF, intervals=session._env.intervals, values=session._env.values,
                org=org, rel=None if is_org else subject,
            )  # fmt: skip
            full = spec.bound.trace(subject, env)
            brief = spec.bound.brief_trace(subject, env)
            assert brief.outcome == full.outcome, spec.id
            if full.outcome is not True:
                verdict = Verdict.FAIL if full.outcome is False else Verdict.UNKNOWN
                assert _summary(brief, verdict) == _summary(full, verdict), (spec.id, subject.id)
                assert lapsed(brief) == lapsed(full), (spec.id, subject.id)
                compared += 1
    assert compared > 100  # the example has plenty of open items


def test_prefixed_keeps_every_field_of_a_trace():
    """prefixed() copies a trace field by field: a field added to Trace must be copied too."""
    from collabrel.rules._conditions._base import Trace, prefixed

    leaf = Trace(node="n", outcome=False, path="p", actual="a", expected="e", hint="h",
                 quantifier=True)  # fmt: skip
    top = attrs.evolve(leaf, path=None, children=(leaf,))
    expected = attrs.evolve(top, path="xs[0]", children=(attrs.evolve(leaf, path="xs[0].p"),))
    assert prefixed(top, "xs[0]") == expected


class _Text(str):
    __slots__ = ()


class _Whole(int):
    __slots__ = ()


class _Real(float):
    __slots__ = ()


class _Day(date):
    __slots__ = ()


@given(
    st.text(max_size=80).map(lambda s: (s, _Text(s)))
    | st.integers().map(lambda i: (i, _Whole(i)))
    | st.floats(allow_nan=False).map(lambda x: (x, _Real(x)))
    | st.dates().map(lambda d: (d, _Day(d.year, d.month, d.day)))
)
def test_show_renders_a_plain_value_as_its_general_branch_does(pair):
    """show() takes a shortcut for exact plain types; a subclass goes the general way."""
    from collabrel.rules._conditions import show

    plain, subclassed = pair
    assert show(plain) == show(subclassed)
