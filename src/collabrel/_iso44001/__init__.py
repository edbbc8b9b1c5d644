"""The built-in ISO 44001 rule set: one module per clause group and per lifecycle stage.

Clause groups: 4 context, 5 leadership, 6 planning, 7 support, 8.1 operation, 9-10 evaluation
and improvement. Stages: 8.2 operational awareness ... 8.9 exit strategy activation. Each
module holds its rules (``RULES``) and the pure functions they call; :mod:`._builder` holds
the record builder, the stage helpers and the functions shared by two modules or more.

Nothing generic imports this package: :func:`collabrel.rules.default_ruleset` hands it on.
"""

from __future__ import annotations

from functools import cache

from collabrel._iso44001 import (
    _c4_context,
    _c5_leadership,
    _c6_planning,
    _c7_support,
    _c9_c10_evaluation,
    _c81_operation,
    _s1_awareness,
    _s2_knowledge,
    _s3_internal,
    _s4_selection,
    _s5_working,
    _s6_value,
    _s7_staying,
    _s8_exit,
)
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._spec import RuleSpec

__all__ = ["STAGE_MODULES", "SYSTEM_MODULES", "builtin_ruleset", "builtin_specs"]

SYSTEM_MODULES = (
    _c4_context, _c5_leadership, _c6_planning, _c7_support, _c81_operation, _c9_c10_evaluation,
)  # fmt: skip
"""The clause-group modules (4, 5, 6, 7, 8.1, 9-10), in clause order."""
STAGE_MODULES = (
    _s1_awareness, _s2_knowledge, _s3_internal, _s4_selection, _s5_working, _s6_value,
    _s7_staying, _s8_exit,
)  # fmt: skip
"""The lifecycle-stage modules (8.2 ... 8.9), in stage order."""


@cache
def builtin_specs() -> tuple[RuleSpec, ...]:
    """Every built-in rule: clauses 4-8.1, the eight stages, then clauses 9-10."""
    system = SYSTEM_MODULES[:-1]
    modules = (*system, *STAGE_MODULES, SYSTEM_MODULES[-1])
    return tuple(spec for module in modules for spec in module.RULES)


@cache
def builtin_ruleset() -> RuleSet:
    """The built-in ISO 44001 rule set, stamped with its own digest as the base."""
    rules = RuleSet(builtin_specs())
    return RuleSet(rules.rules, base_digest=rules.digest())
