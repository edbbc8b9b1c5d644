"""Verdicts and findings: what an evaluation returns (non-conformance is data)."""

from __future__ import annotations

import enum
from datetime import date

import attrs

from collabrel._stages import Stage
from collabrel.rules._conditions import Trace

__all__ = ["Explanation", "Fact", "Finding", "GapKind", "Verdict", "VerdictChange"]


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


class GapKind(enum.Enum):
    """What a finding that is not met means: an open gate item or a nonconformity."""

    OPEN_GATE_ITEM = "open_gate_item"
    """Work of the stage the relationship is in, not done yet: the stage's gate blocks the next
    stage until it is, but nothing has gone wrong."""
    NONCONFORMITY = "nonconformity"
    """A requirement that should be met and is not: an organization requirement, the work of
    a stage already left, a maintained arrangement, a recurring check (stage 7), or anything
    overdue (a review whose date has passed)."""

    @property
    def label(self) -> str:
        """A display name."""
        return self.value.replace("_", " ").capitalize()

    def __str__(self) -> str:
        return self.value


GATED_STAGES = frozenset(Stage(n) for n in (1, 2, 3, 4, 5, 6, 8))
"""The stages left through a gate; stage 7 is a steady state whose checks recur."""


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
        verdict = self.verdict  # compared by identity: an enum member hashes in Python
        if self.trace is None or verdict is Verdict.PASS or verdict is Verdict.NOT_APPLICABLE:
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

    def _repr_html_(self) -> str:
        """The Jupyter display: the verdict, why, and the failing conditions."""
        from collabrel._html import explanation_html

        return explanation_html(self)


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
    subject_stage: Stage | None = None
    """The relationship's lifecycle stage when it was evaluated (``None`` for the
    organization): it tells an open gate item from a nonconformity (:attr:`gap`)."""

    def _repr_html_(self) -> str:
        from collabrel._html import table

        verdict = self.verdict.label + (f" ({self.gap.label.lower()})" if self.gap else "")
        rows: list[tuple[object, ...]] = [
            ("verdict", verdict), ("why", self.message), ("remedy", self.remedy),
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
        verdict = self.verdict
        return verdict is Verdict.PASS or verdict is Verdict.NOT_APPLICABLE

    @property
    def gap(self) -> GapKind | None:
        """For a FAIL or UNKNOWN, whether it is an open gate item or a nonconformity.

        It is an open gate item when the rule belongs to the stage the relationship is in, that
        stage is left through a gate (stages 1-6 and 8), and nothing in it is overdue: the work
        is due before the gate. A periodic review whose date has passed is a nonconformity in
        any stage. ``None`` for PASS, NOT_APPLICABLE and ERROR (a rule that raised).
        """
        verdict = self.verdict
        if verdict is not Verdict.FAIL and verdict is not Verdict.UNKNOWN:
            return None
        if (
            self.stage is not None
            and self.stage is self.subject_stage
            and self.stage in GATED_STAGES
            and not (self.explanation is not None and lapsed(self.explanation.trace))
        ):
            return GapKind.OPEN_GATE_ITEM
        return GapKind.NONCONFORMITY

    @property
    def is_nonconformity(self) -> bool:
        """Whether the finding is a nonconformity (see :attr:`gap`)."""
        return self.gap is GapKind.NONCONFORMITY

    @property
    def is_open_gate_item(self) -> bool:
        """Whether the finding is an open gate item (see :attr:`gap`)."""
        return self.gap is GapKind.OPEN_GATE_ITEM


def lapsed(trace: Trace | None) -> bool:
    """Whether a failing part of *trace* is a date that fell due (an ``overdue`` hint)."""
    if trace is None or trace.outcome is True:
        return False
    if trace.hint and trace.hint.startswith("overdue"):
        return True
    return any(lapsed(c) for c in trace.children)


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
