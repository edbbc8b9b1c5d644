"""The incremental session always agrees with a full evaluation from scratch.

A hypothesis state machine applies random updates (relationship fields, organization fields,
the as-of date, the config, adding and removing relationships, rule-set changes) and after
every step compares the session's verdicts with a fresh Session on the same inputs. It also
checks that each update reports exactly the verdicts that changed.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
from hypothesis import given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from collabrel import Config, Organization, Relationship, months
from collabrel.rules import (
    Outcome,
    Session,
    all_of,
    default_ruleset,
    equals,
    non_empty,
    present,
    reviewed_within,
)
from collabrel.rules import rule as python_rule
from collabrel.rules._spec import RuleSpec
from collabrel.testing import DEFAULT_ORG_ID, organizations, portfolios, relationships

REL_FIELDS = [f.name for f in attrs.fields(Relationship) if f.name not in {"id", "parties"}]
ORG_FIELDS = [f.name for f in attrs.fields(Organization) if f.name != "id"]


@python_rule(
    "test:risky",
    title="Python rule reading the organization and a relationship",
    clause="8.3.6",
    level="REL",
    remedy="-",
    reads=("risk_register", "organization.risk_register.items"),
)
def _risky(rel, ctx):
    if rel.risk_register is None:
        return Outcome.unknown("no register")
    corporate = ctx.organization.risk_register
    return len(rel.risk_register.items) >= (
        0 if corporate is None else min(1, len(corporate.items))
    )


@python_rule(
    "test:portfolio-size",
    title="ORG rule over relationships",
    clause="6.3.1",
    level="ORG",
    remedy="-",
    reads=("relationships.stage",),
)
def _size(org, ctx):
    return sum(1 for r in ctx.relationships if int(r.stage) >= 5) <= 2


_FACTORED = RuleSpec(
    id="test:factored",
    title="factored org and relationship parts",
    clause="8.2.2",
    level="REL",
    remedy="-",
    condition=all_of(
        present("organization.policy"),
        non_empty("organization.top_management"),
        present("rmp"),
        reviewed_within("organization.context.updated_on", "review.context"),
    ),
)
_WHEN = RuleSpec(
    id="test:when",
    title="applies only to joint ventures",
    clause="8.6.2",
    level="JNT",
    remedy="-",
    applies_when=equals("form", "joint_venture"),
    condition=all_of(present("organization.scope"), present("joint_rmp")),
)

BASE = default_ruleset()
RULESETS = [
    BASE,
    BASE.with_rules(_risky, _size, _FACTORED, _WHEN),
    BASE.without(["iso44001:5.2/values", "iso44001:8.1/history"], justification="test"),
    BASE.select(clause="9").with_rules(_FACTORED),
]
# fields the rules read are drawn far more often, so updates do change verdicts
_READ = {(p[0], p[1]) for spec in RULESETS[1] for p in spec.read_paths if len(p) > 1}
READ_REL_FIELDS = sorted(f for root, f in _READ if root == "rel" and f in REL_FIELDS)
READ_ORG_FIELDS = sorted(f for root, f in _READ if root == "org" and f in ORG_FIELDS)
ACTIVE = list(range(1, 9))
CONFIGS = [
    Config(),
    Config().with_overrides({"review.context": months(3), "mr_interval": months(24)}),
]


class IncrementalEqualsFull(RuleBasedStateMachine):
    """Random updates; after each, the session equals a from-scratch evaluation."""

    @initialize(
        portfolio=portfolios(min_relationships=1, max_relationships=3),
        as_of=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
        data=st.data(),
    )
    def start(self, portfolio, as_of, data):
        # most rules apply in stages 1-8: put the relationships there, so updates matter
        rels = tuple(
            attrs.evolve(r, stage=data.draw(st.sampled_from(ACTIVE), label=f"stage of {r.id}"))
            for r in portfolio.relationships
        )
        portfolio = attrs.evolve(portfolio, relationships=rels)
        self.session = Session(portfolio, RULESETS[1], as_of=as_of)
        self.counter = 0

    def _apply(self, update):
        before = self.session.verdicts()
        changes = update()
        after = self.session.verdicts()
        reported = {(c.rule_id, c.subject_id): (c.old, c.new) for c in changes}
        expected = {
            k: (before.get(k), after.get(k))
            for k in before.keys() | after.keys()
            if before.get(k) is not after.get(k)
        }
        assert reported == expected

    @precondition(lambda self: self.session.portfolio.relationships)
    @rule(
        data=st.data(),
        complete=st.none() | st.booleans(),
        field=st.sampled_from(READ_REL_FIELDS) | st.sampled_from(REL_FIELDS),
    )
    def change_relationship_field(self, data, complete, field):
        rels = self.session.portfolio.relationships
        old = data.draw(st.sampled_from(rels))
        org_id = self.session.organization.id
        donor = data.draw(relationships(org_id=org_id, complete=complete, stages=ACTIVE))
        new = attrs.evolve(old, **{field: getattr(donor, field)})
        self._apply(lambda: self.session.update_relationship(new))

    @rule(
        data=st.data(),
        complete=st.none() | st.booleans(),
        field=st.sampled_from(READ_ORG_FIELDS) | st.sampled_from(ORG_FIELDS),
    )
    def change_organization_field(self, data, complete, field):
        donor = data.draw(organizations(complete=complete))
        new = attrs.evolve(self.session.organization, **{field: getattr(donor, field)})
        self._apply(lambda: self.session.update_organization(new))

    @rule(days=st.integers(-400, 400))
    def move_as_of(self, days):
        self._apply(lambda: self.session.set_as_of(self.session.as_of + timedelta(days=days)))

    @rule(config=st.sampled_from(CONFIGS))
    def change_config(self, config):
        self._apply(lambda: self.session.set_config(config))

    @rule(data=st.data())
    def add_relationship(self, data):
        org_id = self.session.organization.id
        rel = data.draw(relationships(org_id=org_id, stages=ACTIVE))
        self.counter += 1
        rel = attrs.evolve(rel, id=f"added-{self.counter}")
        self._apply(lambda: self.session.add_relationship(rel))

    @precondition(lambda self: self.session.portfolio.relationships)
    @rule(data=st.data())
    def remove_relationship(self, data):
        rel = data.draw(st.sampled_from(self.session.portfolio.relationships))
        self._apply(lambda: self.session.remove_relationship(rel.id))

    @rule(ruleset=st.sampled_from(RULESETS))
    def change_ruleset(self, ruleset):
        self._apply(lambda: self.session.set_ruleset(ruleset))

    @invariant()
    def equals_full_evaluation(self):
        fresh = Session(
            self.session.portfolio,
            self.session.ruleset,
            as_of=self.session.as_of,
            config=self.session.config,
        )
        assert self.session.verdicts() == fresh.verdicts()


TestIncrementalEqualsFull = IncrementalEqualsFull.TestCase


@settings(max_examples=30)
@given(
    portfolio=portfolios(min_relationships=1, max_relationships=2),
    updates=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.sampled_from(READ_REL_FIELDS),
            relationships(org_id=DEFAULT_ORG_ID, complete=True, stages=ACTIVE),
        ),
        min_size=1,
        max_size=3,
    ),
    stage=st.sampled_from(ACTIVE),
)
def test_relationship_updates_equal_full_evaluation(portfolio, updates, stage):
    """Targeted: relationship fields the rules read, on relationships in stages 1-8."""
    org = attrs.evolve(portfolio.organization, id=DEFAULT_ORG_ID, scope=None)
    rels = tuple(attrs.evolve(r, stage=stage) for r in portfolio.relationships)
    portfolio = attrs.evolve(portfolio, organization=org, relationships=rels)
    session = Session(portfolio, RULESETS[1], as_of=date(2026, 11, 23))
    changed = 0
    for index, field, donor in updates:
        rel = session.portfolio.relationships[index % len(rels)]
        changed += len(
            session.update_relationship(attrs.evolve(rel, **{field: getattr(donor, field)}))
        )
        fresh = Session(session.portfolio, session.ruleset, as_of=session.as_of)
        assert session.verdicts() == fresh.verdicts()
    note(f"{changed} verdicts changed")
