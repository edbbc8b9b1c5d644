"""Every Python rule reads only the fact paths it declares.

The engine re-runs a Python rule only when a path it declared changes, so an undeclared read
would leave a stale verdict. Each rule runs here on generated portfolios through a recording
proxy that notes every attribute path the rule touches.
"""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabrel import Config, example_portfolio
from collabrel.rules import Level, RuleContext, default_ruleset
from collabrel.rules import rule as python_rule
from collabrel.testing import portfolios

PYTHON_RULES = [s for s in default_ruleset() if s.is_python]


@pytest.fixture
def example():
    return example_portfolio()


class _Recorder:
    def __init__(self):
        self.paths: set[tuple[str, ...]] = set()

    def wrap(self, value, path):
        if isinstance(value, tuple):
            return tuple(self.wrap(v, path) for v in value)
        if attrs.has(type(value)):
            return _Proxy(value, path, self)
        return value


class _Proxy:
    __slots__ = ("_path", "_real", "_rec")

    def __init__(self, real, path, rec):
        object.__setattr__(self, "_real", real)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_rec", rec)

    def __getattr__(self, name):
        path = (*self._path, name)
        self._rec.paths.add(path)
        return self._rec.wrap(getattr(self._real, name), path)

    def __eq__(self, other):
        return self._real == (other._real if isinstance(other, _Proxy) else other)

    def __hash__(self):
        return hash(self._real)


def _undeclared(recorded, declared):
    """Recorded paths that are neither under a declared path nor on the way to one.

    A subject's own ``id`` is its identity, not a fact: it cannot change by an update.
    """
    bad = []
    for p in recorded:
        if len(p) == 2 and p[1] == "id":
            continue
        if any(p[: len(d)] == d or d[: len(p)] == p for d in declared):
            continue
        bad.append(".".join(p))
    return sorted(bad)


def _run(spec, portfolio, as_of):
    rec = _Recorder()
    ctx = RuleContext(
        as_of=as_of,
        config=Config(),
        organization=rec.wrap(portfolio.organization, ("org",)),
        relationships=rec.wrap(portfolio.relationships, ("relationships",)),
    )
    subjects = (
        [rec.wrap(portfolio.organization, ("org",))]
        if spec.level is Level.ORG
        else [rec.wrap(r, ("rel",)) for r in portfolio.relationships]
    )
    for subject in subjects:
        spec.predicate(subject, ctx)
    return _undeclared(rec.paths, spec.read_paths)


def test_there_are_python_rules_to_check():
    assert len(PYTHON_RULES) >= 5


@settings(max_examples=30)
@given(
    portfolio=portfolios(max_relationships=3), as_of=st.dates(date(2024, 1, 1), date(2028, 1, 1))
)
def test_builtin_python_rules_read_only_what_they_declare(portfolio, as_of):
    violations = {spec.id: _run(spec, portfolio, as_of) for spec in PYTHON_RULES}
    assert {k: v for k, v in violations.items() if v} == {}


def test_the_recorder_catches_an_undeclared_read(example):
    @python_rule(
        "test:sneaky",
        title="reads more than it says",
        clause="8.1",
        level="REL",
        remedy="-",
        reads=("risk_register",),
    )
    def sneaky(rel, ctx):
        return rel.exit_strategy is not None

    assert _run(sneaky, example, date(2026, 11, 23)) == ["rel.exit_strategy"]


def test_navigation_to_a_declared_path_is_allowed(example):
    @python_rule(
        "test:deep",
        title="reads a deep path",
        clause="8.1",
        level="REL",
        remedy="-",
        reads=("working.agreement.agreed_by",),
    )
    def deep(rel, ctx):
        agreement = rel.working.agreement
        return agreement is None or bool(agreement.agreed_by)

    assert _run(deep, example, date(2026, 11, 23)) == []
