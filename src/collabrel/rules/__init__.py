"""Rules: the ISO 44001 rule set, your own rules, and the incremental engine that runs them.

A rule is an immutable :class:`RuleSpec`: metadata (id, clause, level, stage, mode, flags,
basis, severity, remedy, tags) and a predicate, preferably a condition tree built from the
combinators below, or a trusted Python function given with :func:`rule`. Rule files
(YAML/TOML/JSON) describe condition trees as data for users who do not write code.

Example:
    >>> from datetime import date
    >>> import collabrel
    >>> from collabrel.rules import Session, default_ruleset
    >>> session = Session(collabrel.example_portfolio(), default_ruleset(),
    ...                   as_of=date(2026, 11, 23))
    >>> session.verdict("iso44001:5.2/values", "northbridge")
    <Verdict.PASS: 'pass'>
"""

from __future__ import annotations

from collabrel._public import publish
from collabrel.rules._conditions import (
    Condition,
    Trace,
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
    unmet,
)
from collabrel.rules._decorator import rule
from collabrel.rules._engine import Assessment, Listener, Session, VerdictTable, evaluate
from collabrel.rules._findings import (
    Explanation,
    Fact,
    Finding,
    GapKind,
    Verdict,
    VerdictChange,
)
from collabrel.rules._improvement import nonconformities_from, verify_corrections
from collabrel.rules._partition import (
    Partial,
    evaluate_organization,
    evaluate_partition,
    merge_tallies,
)
from collabrel.rules._rulefile import condition_from_data, dump_rules, load_rules, rules_from_data
from collabrel.rules._ruleset import RULESET_VERSION, RuleExclusion, RuleSet
from collabrel.rules._spec import Basis, Flag, Level, Mode, Outcome, RuleContext, RuleSpec, Severity


def default_ruleset() -> RuleSet:
    """Return the built-in ISO 44001 rule set (immutable; derive your own from it).

    Sets derived from it (``with_rules``, ``without``, ``replace``, ``select``) keep its
    version and say how they differ (``+local.<digest>``).
    """
    from collabrel._iso44001 import builtin_ruleset

    return builtin_ruleset()


def small_firm_profile(ruleset: RuleSet | None = None) -> RuleSet:
    """Return the ISO 44003 small-firm profile of *ruleset* (the built-in rule set by default).

    A micro or small firm with one collaborative relationship, or a few, may leave out the
    machinery of a portfolio and of a large document set: segmentation, a derived operational
    governance, separate performance reports, a document register, audit sampling across the
    lifecycle. Each omission is an exclusion with the ISO 44003 principle that justifies it,
    so every report lists it.

    Example:
        >>> from collabrel.rules import small_firm_profile
        >>> profile = small_firm_profile()
        >>> "iso44001:6.3.1/criteria" in profile
        False
        >>> profile.exclusions[0].justification.startswith("ISO 44003")
        True
    """
    from collabrel._iso44001._p44003 import small_firm_profile as profile

    return profile(default_ruleset() if ruleset is None else ruleset)


__all__ = [
    "RULESET_VERSION",
    "Assessment",
    "Basis",
    "Condition",
    "Explanation",
    "Fact",
    "Finding",
    "Flag",
    "GapKind",
    "Level",
    "Listener",
    "Mode",
    "Outcome",
    "Partial",
    "RuleContext",
    "RuleExclusion",
    "RuleSet",
    "RuleSpec",
    "Session",
    "Severity",
    "Trace",
    "Verdict",
    "VerdictChange",
    "VerdictTable",
    "agreed_by_all_parties",
    "all_of",
    "any_of",
    "at_least",
    "at_most",
    "before",
    "check",
    "condition_from_data",
    "count_at_least",
    "default_ruleset",
    "dump_rules",
    "equals",
    "evaluate",
    "evaluate_organization",
    "evaluate_partition",
    "for_each",
    "implies",
    "load_rules",
    "merge_tallies",
    "non_empty",
    "nonconformities_from",
    "not_",
    "one_of",
    "present",
    "ref",
    "reviewed_within",
    "rule",
    "rules_from_data",
    "small_firm_profile",
    "unmet",
    "verify_corrections",
]

publish(__name__, globals())
