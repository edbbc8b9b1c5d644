"""Properties of the store over generated data and generated histories.

1. The assessment made at time T equals the one rebuilt later from the store as of T.
   Hypothesis generates a history of writes on the first three relationships of the bundled
   example portfolio (relationship fields reset to their defaults or copied from another
   relationship, stage changes, relationships deleted and added, organization fields reset,
   renames), committed through a session attached to the store. After every write the
   session's assessment is kept with the instant the write was recorded; afterwards, for
   every kept instant T, the portfolio as recorded at T is assessed again as of the same
   date, and the assessment must be equal, finding for finding.
2. Every generated relationship (random text, dates, quantities) survives the store.

Examples are few (each history is a handful of full assessments); the module takes about
20 seconds on two cores.
"""

from __future__ import annotations

import itertools
import tempfile
import warnings
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import Organization, Relationship, Stage
from collabrel.rules import default_ruleset
from collabrel.store import Delete, Put, Store
from collabrel.testing import relationships

NAME = "northbridge"
RULESET = default_ruleset()
FULL = collabrel.example_portfolio()
EXAMPLE = attrs.evolve(FULL, relationships=FULL.relationships[:3])
"""Three relationships of the example: a history's assessments cost less, its meaning stays."""
HISTORIES = {"sqlite": 6, "postgresql": 3}
DOCUMENTS = {"sqlite": 3, "postgresql": 2}


def _defaults(cls: type) -> dict[str, object]:
    out: dict[str, object] = {}
    for f in attrs.fields(cls):
        if f.name == "id" or f.default is attrs.NOTHING:
            continue
        d = f.default
        out[f.name] = d.factory() if isinstance(d, attrs.Factory) else d  # type: ignore[call-arg]
    return out


REL_DEFAULTS = _defaults(Relationship)
ORG_DEFAULTS = _defaults(Organization)
REL_FIELDS = sorted(set(REL_DEFAULTS) - {"parties"})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def new_url(request):
    """``(backend, a function that returns the URL of a new, empty database)``."""
    if request.param == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="collabrel-store-prop-"))
        counter = itertools.count()
        return request.param, lambda: str(folder / f"s{next(counter)}.db")
    cluster = request.getfixturevalue("postgres_cluster")
    return request.param, cluster.new_database


def _write(data, live, fresh):
    """Draw one write, commit it through the attached session and return the commit."""
    s = live.session
    ids = [r.id for r in s.portfolio.relationships]
    actions = ["add", "organization", "rename-organization"]
    if ids:
        actions += ["reset", "copy", "stage", "delete"]
    action = data.draw(st.sampled_from(actions), label="action")
    if action == "add":
        source = data.draw(st.sampled_from(EXAMPLE.relationships), label="template")
        item = Put(attrs.evolve(source, id=f"rel-new-{next(fresh)}"), expected=0)
    elif action in {"organization", "rename-organization"}:
        org = s.organization
        if action == "organization":
            name = data.draw(st.sampled_from(sorted(ORG_DEFAULTS)), label="org field")
            value = attrs.evolve(org, **{name: ORG_DEFAULTS[name]})
        else:
            value = attrs.evolve(org, name=data.draw(st.text(min_size=1, max_size=20)))
        item = Put(value, expected=live.version(org.id, kind="organization"))
    else:
        rid = data.draw(st.sampled_from(ids), label="relationship")
        rel = s.relationship(rid)
        held = live.version(rid)
        if action == "delete":
            item = Delete(rid, expected=held)
        elif action == "stage":
            stage = data.draw(st.sampled_from(list(Stage)), label="stage")
            item = Put(attrs.evolve(rel, stage=stage), expected=held)
        else:
            name = data.draw(st.sampled_from(REL_FIELDS), label="field")
            if action == "reset":
                value = REL_DEFAULTS[name]
            else:
                other = data.draw(st.sampled_from(EXAMPLE.relationships), label="from")
                value = getattr(other, name)
            item = Put(attrs.evolve(rel, **{name: value}), expected=held)
    return live.commit([item], reason=action)[0]


def test_the_assessment_made_at_t_equals_the_one_rebuilt_from_the_store_as_of_t(new_url):
    backend, make_url = new_url

    @settings(max_examples=HISTORIES[backend])
    @given(as_of=st.dates(date(2025, 1, 1), date(2027, 12, 31)), data=st.data())
    def check(as_of, data):
        with Store(make_url()) as store:
            store.save(EXAMPLE, actor="setup", ruleset_version=RULESET.version, check=False)
            live = store.session(NAME, RULESET, as_of=as_of, actor="portal")
            kept = [(store.snapshot(NAME).recorded_at, live.session.assessment())]
            fresh = itertools.count()
            for _ in range(data.draw(st.integers(1, 4), label="writes")):
                commit = _write(data, live, fresh)
                if commit.seq is not None:
                    kept.append((commit.recorded_at, live.session.assessment()))
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # the rule set version matches: no warning
                for at, then in kept:
                    assert store.assess(NAME, RULESET, at=at, as_of=as_of) == then
            assert store.snapshot(NAME).portfolio == live.session.portfolio
            store.verify()

    check()


def test_every_generated_relationship_survives_the_store(new_url):
    backend, make_url = new_url

    @settings(max_examples=DOCUMENTS[backend])
    @given(rels=st.lists(relationships(org_id="org"), min_size=1, max_size=2, unique_by=_id))
    def check(rels):
        with Store(make_url()) as store:
            org = Organization(id="org", name="Org")
            store.commit("p", [Put(org, expected=0)] + [Put(r, expected=0) for r in rels],
                         actor="gen")  # fmt: skip
            assert store.relationships("p") == tuple(rels)
            assert store.snapshot("p").portfolio.organization == org

    check()


def _id(rel):
    return rel.id
