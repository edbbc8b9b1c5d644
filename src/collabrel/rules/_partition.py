"""Evaluating a portfolio in parts: relationship rules per partition, organization rules once.

A relationship rule reads one relationship and the organization, so the relationships can be
split into partitions evaluated apart (in other processes or on other machines). An
organization rule that reads every relationship keeps a *tally* (see
:attr:`RuleSpec.tally`); each partition contributes its part of every tally, and the parts
add up to the tally of the whole portfolio. :func:`evaluate_partition` does the first step,
:func:`evaluate_organization` the second; together they give exactly the verdicts of one
:class:`Session` on the whole portfolio.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import attrs

from collabrel._config import Config
from collabrel._model import Organization, Portfolio, Relationship
from collabrel.errors import RuleDefinitionError
from collabrel.rules._assessment import VerdictTable
from collabrel.rules._findings import Finding
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._spec import Level

__all__ = ["Partial", "evaluate_organization", "evaluate_partition", "merge_tallies"]


@attrs.frozen(kw_only=True)
class Partial:
    """What one partition of relationships contributes to the assessment of the whole."""

    table: VerdictTable
    """The verdicts of the relationship rules on the partition's relationships."""
    tallies: Mapping[str, Counter[Any]]
    """Organization rule id -> the partition's part of the rule's tally."""
    relationships: int
    """How many relationships the partition held."""


def _portfolio_wide(ruleset: RuleSet) -> list[str]:
    """The organization rules that read every relationship; refuse those without a tally."""
    untallied = [
        s.id for s in ruleset
        if s.level is Level.ORG and s.tally is None
        and any(p[0] == "relationships" for p in s.read_paths)
    ]  # fmt: skip
    if untallied:
        raise RuleDefinitionError(
            "these organization rules read every relationship without a tally, so they cannot "
            f"be evaluated in parts: {', '.join(untallied)}; give each a tally= (see "
            "RuleSpec.tally) or evaluate the portfolio in one Session"
        )
    return [s.id for s in ruleset if s.level is Level.ORG and s.tally is not None]


def evaluate_partition(
    organization: Organization,
    relationships: Iterable[Relationship],
    ruleset: RuleSet | None = None,
    *,
    as_of: date,
    config: Config | None = None,
    messages: bool = True,
) -> Partial:
    """Evaluate the relationship rules on one partition, and its part of every tally.

    Raises:
        RuleDefinitionError: when an organization rule reads every relationship without a
            tally (it cannot be evaluated in parts).
    """
    from collabrel.rules._engine import Session

    if ruleset is None:
        from collabrel.rules import default_ruleset

        ruleset = default_ruleset()
    tallied = _portfolio_wide(ruleset)
    rels = tuple(relationships)
    session = Session(
        Portfolio(organization=organization, relationships=rels), ruleset, as_of=as_of,
        config=config,
    )  # fmt: skip
    return Partial(
        table=session.table(messages=messages, organization=False),
        tallies={rule_id: session.tally(rule_id) for rule_id in tallied},
        relationships=len(rels),
    )


def merge_tallies(parts: Iterable[Mapping[str, Counter[Any]]]) -> dict[str, Counter[Any]]:
    """Add up the tallies of several partitions (the tallies of the whole portfolio)."""
    total: dict[str, Counter[Any]] = {}
    for part in parts:
        for rule_id, counts in part.items():
            total.setdefault(rule_id, Counter()).update(counts)
    return total


def evaluate_organization(
    organization: Organization,
    ruleset: RuleSet | None = None,
    *,
    tallies: Mapping[str, Counter[Any]],
    as_of: date,
    config: Config | None = None,
) -> tuple[Finding, ...]:
    """The findings of the organization rules, given the tallies of the whole portfolio.

    Raises:
        RuleDefinitionError: when an organization rule reads every relationship without a
            tally, or a tally is missing.
    """
    from collabrel.rules._engine import Session

    if ruleset is None:
        from collabrel.rules import default_ruleset

        ruleset = default_ruleset()
    tallied = _portfolio_wide(ruleset)
    missing = [rule_id for rule_id in tallied if rule_id not in tallies]
    if missing:
        raise RuleDefinitionError(
            f"no tally given for {', '.join(missing)}; merge the partitions' tallies with "
            "merge_tallies()"
        )
    session = Session(
        Portfolio(organization=organization), ruleset, as_of=as_of, config=config,
        tallies=tallies,
    )  # fmt: skip
    return session.findings(subject_id=organization.id)
