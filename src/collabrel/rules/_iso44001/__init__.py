"""The built-in ISO 44001 rule set: one module per clause group, assembled once."""

from __future__ import annotations

from functools import cache

from collabrel.rules._iso44001 import _evaluation, _stages, _system
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._spec import RuleSpec

__all__ = ["builtin_digest", "builtin_specs", "default_ruleset"]

_MODULES = (_system, _stages, _evaluation)


@cache
def builtin_specs() -> tuple[RuleSpec, ...]:
    """Every built-in rule, in clause order."""
    return tuple(spec for module in _MODULES for spec in module.RULES)


@cache
def default_ruleset() -> RuleSet:
    """Return the built-in ISO 44001 rule set (immutable; derive your own from it)."""
    return RuleSet(builtin_specs())


@cache
def builtin_digest() -> str:
    """The digest of the unmodified built-in rule set."""
    return default_ruleset().digest()
