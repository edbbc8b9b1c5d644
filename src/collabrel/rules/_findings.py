"""Verdicts and findings: what an evaluation returns (non-conformance is data)."""

from __future__ import annotations

import enum
from datetime import date

import attrs

from collabrel._stages import Stage
from collabrel.rules._conditions import Trace

__all__ = ["Explanation", "Fact", "Finding", "Verdict", "VerdictChange"]


class Verdict(enum.Enum):
    """The verdict of one rule on one subject."""

    PASS = "pass"  # noqa: S105 - a verdict, not a password
    """The requirement is met."""
    FAIL = "fail"
    """The requirement is not met."""
    NOT_APPLICABLE = "not_applicable"
    """The rule does not apply to the subject (stage, scope or condition)."""
    UNKNOWN = "unknown"
    """A fact the rule needs to decide is not recorded."""
    ERROR = "error"
    """A custom Python rule raised an exception; the error is reported, evaluation goes on."""

    @property
    def label(self) -> str:
        """A display name."""
        return self.name.replace("_", " ").capitalize()

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class Fact:
    """A fact a rule read, with its value at evaluation time."""

    path: str
    """The fact path, such as ``working.agreement.covers``."""
    value: str
    """The value, rendered for people."""


@attrs.frozen(kw_only=True)
class Explanation:
    """Why a rule gave its verdict: the failing leaves with actual and expected values."""

    rule_id: str
    """The rule."""
    subject_id: str
    """The relationship or organization evaluated."""
    verdict: Verdict
    """The verdict explained."""
    trace: Trace | None = None
    """The evaluation of every node of the condition tree (``None`` for Python rules)."""
    message: str = ""
    """A one-line summary."""

    @property
    def failing(self) -> tuple[Trace, ...]:
        """The leaves that make the rule fail or stay unknown."""
        if self.trace is None or self.verdict in {Verdict.PASS, Verdict.NOT_APPLICABLE}:
            return ()
        return self.trace.failing_leaves()

    def __str__(self) -> str:
        lines = [f"{self.rule_id} on {self.subject_id}: {self.verdict.label}. {self.message}"]
        for leaf in self.failing:
            detail = f"  - {leaf.path or leaf.node}: {leaf.actual}"
            if leaf.expected is not None:
                detail += f" (expected {leaf.expected})"
            if leaf.hint:
                detail += f"; {leaf.hint}"
            lines.append(detail)
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class Finding:
    """The result of one rule on one subject, as of a date."""

    rule_id: str
    """The rule."""
    clause: str
    """The clause it evidences."""
    title: str
    """What is required."""
    subject_id: str
    """The relationship id, or the organization id for organization rules."""
    level: str
    """ORG, REL or JNT."""
    verdict: Verdict
    """PASS, FAIL, NOT_APPLICABLE, UNKNOWN or ERROR."""
    message: str
    """Why, in a sentence."""
    remedy: str
    """What to do when it is not met."""
    as_of: date
    """The evaluation date."""
    ruleset_version: str
    """The version of the rule set that produced it."""
    stage: Stage | None = None
    """The stage the rule belongs to."""
    mode: str = "arrangement"
    """Arrangement or executed."""
    explanation: Explanation | None = None
    """The failing leaves, for FAIL and UNKNOWN findings."""
    facts: tuple[Fact, ...] = ()
    """The facts read, with their values."""
    error: str | None = None
    """For ERROR, the exception raised by the custom rule."""
    tags: frozenset[str] = frozenset()
    """The rule's tags (views select findings by them)."""
    severity: str = "major"
    """The rule's severity: major, minor or advisory."""

    def _repr_html_(self) -> str:
        from collabrel._html import table

        rows: list[tuple[object, ...]] = [
            ("verdict", self.verdict.label), ("why", self.message), ("remedy", self.remedy),
            ("clause", self.clause), ("as of", self.as_of),
            ("rule set", self.ruleset_version),
        ]  # fmt: skip
        if self.explanation is not None:
            rows += [(f"failing: {t.path or t.node}", f"actual {t.actual}; expected {t.expected}")
                     for t in self.explanation.failing]  # fmt: skip
        rows += [(f"fact: {f.path}", f.value) for f in self.facts]
        return table(f"{self.rule_id} on {self.subject_id}: {self.title}", ("", ""), rows)

    @property
    def ok(self) -> bool:
        """Whether nothing needs doing: PASS or NOT_APPLICABLE."""
        return self.verdict in {Verdict.PASS, Verdict.NOT_APPLICABLE}


@attrs.frozen(kw_only=True)
class VerdictChange:
    """A verdict that changed in an update of the session."""

    rule_id: str
    """The rule."""
    subject_id: str
    """The subject."""
    old: Verdict | None
    """The verdict before (``None`` when the pair is new)."""
    new: Verdict | None
    """The verdict after (``None`` when the pair is gone)."""
