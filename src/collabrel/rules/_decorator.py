"""The ``@rule`` decorator: a trusted Python predicate with declared reads becomes a RuleSpec."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from collabrel.rules._spec import PythonRule, RuleSpec

__all__ = ["rule"]


def rule(
    id: str,  # noqa: A002 - the natural name, as in RuleSpec
    *,
    title: str,
    clause: str,
    level: str,
    remedy: str,
    reads: Iterable[str],
    **metadata: Any,
) -> Callable[[PythonRule], RuleSpec]:
    """Turn a Python function ``(subject, ctx) -> Outcome | bool | None`` into a rule.

    The function receives the organization (level ``ORG``) or a relationship (``REL``,
    ``JNT``) and a :class:`RuleContext`; it must be pure and read only the fact paths declared
    in *reads*, so the engine knows when to run it again. Returning ``True``/``False`` means
    pass/fail, ``None`` means the evidence to decide is missing; return an :class:`Outcome`
    to add a message. If it raises, the finding is ERROR and the session keeps working.

    Every other keyword (``stage``, ``mode``, ``flags``, ``basis``, ``severity``, ``tags``,
    ``applies_when``, ``applies_in``, ``question``) is passed to :class:`RuleSpec`, which
    checks the whole definition at once.

    Example:
        >>> from collabrel.rules import Outcome, rule
        >>> @rule("acme:legal-signoff", title="Legal signs every agreement", clause="8.6.10",
        ...       level="JNT", stage=5, remedy="Ask legal to sign the agreement.",
        ...       reads=["working.agreement.agreed_by"])
        ... def legal_signed(rel, ctx):
        ...     agreement = rel.working.agreement
        ...     if agreement is None:
        ...         return Outcome.unknown("no agreement recorded")
        ...     return any(s.by == "legal" for s in agreement.agreed_by)
        >>> legal_signed.id
        'acme:legal-signoff'

    Raises:
        RuleDefinitionError: when the definition is invalid (see :class:`RuleSpec`).
    """

    def decorate(fn: PythonRule) -> RuleSpec:
        return RuleSpec(
            id=id,
            title=title,
            clause=clause,
            level=level,
            remedy=remedy,
            predicate=fn,
            reads=tuple(reads),
            **metadata,
        )

    return decorate
