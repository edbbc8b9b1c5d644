"""Fuzzing: mutated example portfolios and rule files (issue 13, "Done when").

Each example takes the bundled example portfolio (or a seed rule file) as plain data, mutates
it a few times (keys deleted, values replaced by JSON values of other types, huge or odd texts,
list items duplicated, ids swapped or pointed elsewhere) and loads the result. The outcome must
be a collabrel error whose problems carry ``$`` paths, or a correct result: a portfolio that
dumps and loads back equal and evaluates without an ERROR finding, a rule set that runs and
dumps back to itself. Never a hang, a crash or a raw exception.

How many examples run is the Hypothesis profile's choice (tests/conftest.py): ``ci`` keeps
this module to a few seconds, ``make fuzz`` runs it with the ``fuzz`` profile (thousands of
examples, random seeds). Every example runs under a time guard, so a hang fails the test with
the mutated input instead of stalling the run; every mutation is bounded in size.
"""

from __future__ import annotations

import contextlib
import copy
import json
import signal
from collections.abc import Iterator
from datetime import date
from typing import Any

from hypothesis import event, given, note
from hypothesis import strategies as st

import collabrel
from collabrel.errors import LoadError, RuleFileError
from collabrel.rules import Session, Verdict, dump_rules, evaluate, rules_from_data

AS_OF = date(2026, 11, 23)
EXAMPLE_SECONDS = 30
"""Longest one example may run before it counts as a hang (the slowest take well under 1 s)."""


class Hang(Exception):  # noqa: N818 - names what happened, as the failure shows it
    """An example ran past its time guard."""


@contextlib.contextmanager
def time_guard(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Raise :class:`Hang` in the block after *seconds* (a real-time timer, main thread).

    Where there is no ``SIGALRM`` (Windows) the block runs unguarded.
    """
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        msg = f"the example ran over {seconds} s: a hang"
        raise Hang(msg)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _problems_have_paths(exc: LoadError) -> None:
    assert exc.problems, str(exc)
    assert all(p.path.startswith("$") for p in exc.problems), str(exc)


# ------------------------------------------------------------------------- JSON values

HUGE_INTEGER = "\x00huge-integer"
"""Stands for a 5,000-digit integer, which ``json.dumps`` cannot write: spliced into the text."""
HUGE_FLOAT = "\x00huge-float"
"""Stands for ``1e999``, a number literal that overflows to infinity: spliced into the text."""
SPLICED = {HUGE_INTEGER: "9" * 5000, HUGE_FLOAT: "1e999"}

ODD_VALUES = st.sampled_from([
    # numbers and quantities a parser could evaluate, overflow or lose
    HUGE_INTEGER, HUGE_FLOAT, "9" * 5000, "10**10**10 GBP", "9**9**7 GBP", "1e400 EUR",
    "nan EUR", "inf GBP", "-0 EUR", "1000 parsec", "2 * 3 EUR", "1_000 EUR", "0x10 EUR",
    # dates and intervals
    "2026-13-01", "0001-01-01", "9999-12-31", "20261123", "2026-W47-1", "2026-11-23T09:00",
    "3 months", "-1 months", "0 days", "P1Y",
    # stages, enumerations, references
    "stage-99", "Working together", "CLOSED", "ORG", "REL", "",
    # texts that are hard to carry through every format
    " ", "\x85", "\x7f", "\x00", "\ud800", "\u202e", "\x1b[31m", "\ufeff", "a\r\nb", "=1+1",
    " =1+1", "- a\n- b", "{a: 1}", "&a [*a]", "<script>", "x" * 100_000, "é" * 20_000,
    # containers of a bounded size
    ["x"] * 5000, [[[[[[[[[[[[[]]]]]]]]]]]]], {"<<": {"a": 1}},
])  # fmt: skip

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=20) | st.sampled_from(["ORG", "8.1", "name", "stage_history", "6 months"]),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=10), kids, max_size=3)
    ),
    max_leaves=10,
)  # fmt: skip
"""Any small JSON value (NaN and infinities included: Python's JSON writes and reads them)."""


def _to_text(data: Any) -> str:
    text = json.dumps(data)
    for stand_in, literal in SPLICED.items():
        text = text.replace(json.dumps(stand_in), literal)
    return text


# -------------------------------------------------------------------- portfolio documents

Path = tuple[str | int, ...]


def _walk(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


EXAMPLE_TEXT = collabrel.dumps(collabrel.example_portfolio(), "json")
EXAMPLE = json.loads(EXAMPLE_TEXT)
"""The example portfolio as plain data: the seed every mutation starts from."""
LOCATIONS: list[Path] = [path for path, _ in _walk(EXAMPLE) if path]
"""Every value of the seed but the root (about 10,000)."""
LISTS: list[Path] = [path for path, value in _walk(EXAMPLE) if isinstance(value, list) and value]
ID_PLACES: list[Path] = [
    path for path, value in _walk(EXAMPLE) if path and path[-1] == "id" and isinstance(value, str)
]
"""Where the seed gives something its id (the organization, relationships, people, records)."""
_ID_SET = set(ID_PLACES)
IDS: list[str] = sorted({value for path, value in _walk(EXAMPLE) if path in _ID_SET})


def _parent(data: Any, path: Path) -> tuple[Any, str | int] | None:
    """The container holding the value at *path*, and its key; None if an earlier mutation
    removed or replaced it."""
    node = data
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    key = path[-1]
    if isinstance(node, dict) and isinstance(key, str) and key in node:
        return node, key
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node, key
    return None


Mutation = tuple[str, Path, Any]
"""One edit of the seed: ``(action, where, what)``."""


@st.composite
def portfolio_mutations(draw: st.DrawFn) -> list[Mutation]:
    """One to four bounded edits of the example portfolio, as a small recipe.

    The recipe, not the mutated text, is what Hypothesis keeps of each example (a text is
    about 400 KB: thousands of them would not fit in memory); :func:`mutate` applies it.
    """
    edits: list[Mutation] = []
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["replace", "odd", "drop", "duplicate", "swap", "point"]))
        if action == "duplicate":  # a list item twice: duplicate ids, records, references
            edits.append(("duplicate", draw(st.sampled_from(LISTS)), draw(st.integers(0, 99))))
        elif action == "swap":  # two ids exchanged: references now point at the wrong thing
            edits.append(
                ("swap", draw(st.sampled_from(ID_PLACES)), draw(st.sampled_from(ID_PLACES)))
            )
        elif action == "drop":
            edits.append(("drop", draw(st.sampled_from(LOCATIONS)), None))
        else:
            where = draw(st.sampled_from(LOCATIONS))
            if action == "point":  # any value replaced by an existing id of any kind
                what = draw(st.sampled_from(IDS))
            else:
                what = draw(ODD_VALUES if action == "odd" else JSON_VALUES)
            edits.append(("replace", where, what))
    return edits


def mutate(edits: list[Mutation]) -> str:
    """The example portfolio's JSON text with *edits* applied (an edit whose place an earlier
    one removed is skipped)."""
    data = json.loads(EXAMPLE_TEXT)  # a fresh copy, faster than deepcopy
    for action, where, what in edits:
        if action == "duplicate":
            found = _parent(data, (*where, 0))
            if found is not None:
                items = found[0]
                items.append(copy.deepcopy(items[what % len(items)]))
        elif action == "swap":
            a, b = _parent(data, where), _parent(data, what)
            if a is not None and b is not None:
                a[0][a[1]], b[0][b[1]] = b[0][b[1]], a[0][a[1]]
        else:
            found = _parent(data, where)
            if found is None:
                continue
            node, key = found
            if action == "drop":
                del node[key]
            else:
                node[key] = copy.deepcopy(what)
    return _to_text(data)


@given(edits=portfolio_mutations(), fmt=st.sampled_from(["json", None]))
def test_a_mutated_portfolio_loads_and_round_trips_or_is_refused_with_paths(edits, fmt):
    text = mutate(edits)
    with time_guard():
        try:
            portfolio = collabrel.loads(text, format=fmt)
        except LoadError as exc:
            note(str(exc)[:2000])
            event("refused with paths")
            _problems_have_paths(exc)
            return
        event("loaded")
        # what loads is a correct portfolio: it dumps, loads back equal, and evaluates
        assert collabrel.loads(collabrel.dumps(portfolio, "json"), format="json") == portfolio
        errors = [f for f in evaluate(portfolio, as_of=AS_OF) if f.verdict is Verdict.ERROR]
        assert not errors, errors[:3]


def test_the_seed_itself_loads_and_the_mutations_reach_every_part():
    # the property above would be vacuous if the seed did not load or the places were few
    assert collabrel.loads(mutate([]), format="json") == collabrel.example_portfolio()
    assert len(LOCATIONS) > 5000
    assert len(IDS) > 50
    assert {path[0] for path in LISTS} == {"organization", "relationships"}


# ------------------------------------------------------------------------------ rule files


def _rule(condition: dict, **extra: object) -> dict:
    return {
        "id": "acme:hostile", "title": "t", "clause": "8.1", "level": "REL",
        "remedy": "r", "condition": condition, **extra,
    }  # fmt: skip


SEED_FILE = {
    "rules": [
        _rule({"all_of": [{"present": "rmp"}, {"reviewed_within": {
            "path": "rmp.last_reviewed_on", "interval": ["review.rmp", "6 months"]}}]}),
        _rule({"count_at_least": {"path": "stage_history", "n": 2,
                                  "where": {"equals": {"path": "retrofit", "value": False}}}},
              id="acme:two", tags=["acme:x"], basis=["ORG"]),
        _rule({"at_least": {"path": "resource_plan.budget", "value": "1000 EUR"}}, id="acme:q"),
    ],
}  # fmt: skip


@st.composite
def mutated_rules(draw: st.DrawFn) -> Any:
    """The seed rule file with a few values replaced, keys dropped or nodes duplicated."""
    data = copy.deepcopy(SEED_FILE)
    for _ in range(draw(st.integers(1, 4))):
        # walk to a random mapping or list inside the document
        node: Any = data
        for _ in range(draw(st.integers(0, 6))):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            continue
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "odd", "drop", "duplicate"]))
        if action == "replace":
            node[key] = draw(JSON_VALUES)
        elif action == "odd":
            node[key] = copy.deepcopy(draw(ODD_VALUES))  # the constants stay as they are
        elif action == "drop" and isinstance(node, dict):
            del node[key]
        elif isinstance(node, list):
            node.append(copy.deepcopy(node[key]))
    return data


@given(data=mutated_rules())
def test_a_mutated_rule_file_loads_or_is_refused_with_paths(data):
    with time_guard():
        try:
            rules = rules_from_data(data)
        except RuleFileError as exc:
            note(str(exc)[:2000])
            event("refused with paths")
            _problems_have_paths(exc)
            return
        event("loaded")
        # what loads, runs: verdicts for every pair, and dumps back to the same rules
        portfolio = collabrel.example_portfolio()
        session = Session(portfolio, rules, as_of=AS_OF)
        org_rules = sum(1 for s in rules if s.level.value == "ORG")
        expected = org_rules + (len(rules) - org_rules) * len(portfolio.relationships)
        assert len(session.verdicts()) == expected
        assert rules_from_data(dump_rules(rules)) == rules


def test_the_time_guard_stops_a_hang():
    import time

    start = time.perf_counter()
    try:
        with time_guard(0.2):
            time.sleep(5)
    except Hang:
        pass
    else:  # pragma: no cover - the guard failed
        raise AssertionError("the guard did not fire")
    assert time.perf_counter() - start < 2
