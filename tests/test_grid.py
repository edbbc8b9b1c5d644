"""Column-wide updates of the verdict grid agree with a full evaluation.

An organization change that settles a factored rule for every relationship rewrites the rule's
column at once (from the stage codes); one that does not runs the rule again over the column.
Both must respect the stage a rule applies at, the CBRMS scope and exclusions limited to some
relationships, survive relationships being removed (the last one takes the removed one's
place) and added, and report exactly the verdicts that changed.
"""

from __future__ import annotations

from datetime import date

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import collabrel
from collabrel import Organization, Portfolio, Stage
from collabrel._model import ApplicationLevel, Exclusion, Scope
from collabrel.rules import RuleSpec, Session, all_of, any_of, default_ruleset, present

AS_OF = date(2026, 6, 1)
POLICY = collabrel.example_portfolio().organization.policy

# all_of with an organization-only branch: when the organization has no policy the rule
# fails for every relationship at its stage without running; any_of: passes for every one
_AND = RuleSpec(
    id="test:and", title="factored and", clause="8.2.2", level="REL", remedy="-",
    condition=all_of(present("organization.policy"), present("rmp")),
)  # fmt: skip
_OR = RuleSpec(
    id="test:or", title="factored or", clause="8.4.2", level="REL", remedy="-",
    condition=any_of(present("organization.policy"), present("joint_rmp")),
)  # fmt: skip
RULES = default_ruleset().with_rules(_AND, _OR)


def _check(session: Session, update: object) -> None:
    """Apply *update*; its changes are the verdict delta and the session equals a fresh one."""
    before = session.verdicts()
    changes = update()  # type: ignore[operator]
    after = session.verdicts()
    reported = {(c.rule_id, c.subject_id): (c.old, c.new) for c in changes}
    expected = {
        k: (before.get(k), after.get(k))
        for k in before.keys() | after.keys()
        if before.get(k) is not after.get(k)
    }
    assert reported == expected
    assert len(changes) == len(expected)
    fresh = Session(session.portfolio, session.ruleset, as_of=session.as_of)
    assert after == fresh.verdicts()
    assert session.counts() == fresh.counts()


def _scoped(org: Organization, rids: list[str]) -> Organization:
    scope = attrs.evolve(
        org.scope or Scope(),
        application_level=ApplicationLevel.MULTIPLE_RELATIONSHIPS,
        relationships_in_scope=tuple(rids[1:]),  # the first one is out of scope
        exclusions=(
            Exclusion(requirement="test:and", justification="t", relationships=(rids[-1],)),
        ),
    )
    return attrs.evolve(org, scope=scope)


EXAMPLE = collabrel.example_portfolio()


@settings(max_examples=30, deadline=None)
@given(
    stages=st.lists(st.sampled_from(list(Stage)), min_size=7, max_size=7),
    scoped=st.booleans(),
    removed=st.integers(0, 6),
)
def test_column_updates_equal_full_evaluation(
    stages: list[Stage], scoped: bool, removed: int
) -> None:
    portfolio = EXAMPLE
    rels = [attrs.evolve(r, stage=s) for r, s in zip(portfolio.relationships, stages, strict=True)]
    rids = [r.id for r in rels]
    org = attrs.evolve(portfolio.organization, policy=POLICY)
    if scoped:
        org = _scoped(org, rids)
    session = Session(Portfolio(organization=org, relationships=tuple(rels)), RULES, as_of=AS_OF)
    without = attrs.evolve(org, policy=None)
    _check(session, lambda: session.update_organization(without))  # and: FAIL in bulk
    _check(session, lambda: session.update_organization(org))  # and: the rest runs again
    gone = rels[removed % len(rels)]
    _check(session, lambda: session.remove_relationship(gone.id))  # the last one moves
    _check(session, lambda: session.update_organization(without))
    moved = session.relationship(rids[-1]) if rids[-1] != gone.id else None
    if moved is not None:  # a stage change of the relationship that took another's place
        stage = Stage.KNOWLEDGE if moved.stage is not Stage.KNOWLEDGE else Stage.WORKING_TOGETHER
        _check(session, lambda: session.update_relationship(attrs.evolve(moved, stage=stage)))
    _check(session, lambda: session.add_relationship(gone))
    _check(session, lambda: session.update_organization(org))
    _check(session, lambda: session.set_as_of(date(2027, 6, 1)))


def test_bulk_changes_are_listed_in_position_order_with_their_old_verdicts() -> None:
    portfolio = EXAMPLE
    session = Session(portfolio, RULES, as_of=AS_OF)
    org = portfolio.organization
    before = session.verdicts()
    changes = session.update_organization(attrs.evolve(org, policy=None))
    and_changes = [c for c in changes if c.rule_id == "test:and"]
    assert and_changes, "the example has relationships where test:and applies"
    for c in and_changes:
        assert c.old is before[("test:and", c.subject_id)]
        assert c.new is session.verdict("test:and", c.subject_id)
    order = [r.id for r in portfolio.relationships]
    ids = [c.subject_id for c in and_changes]
    assert ids == sorted(ids, key=order.index)
