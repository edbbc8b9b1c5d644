"""What an evaluation hands back: an assessment (findings) and a columnar table of verdicts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from collabrel.errors import MissingExtraError, UnknownRuleError
from collabrel.rules._findings import Finding, Verdict
from collabrel.rules._ruleset import RuleExclusion

if TYPE_CHECKING:
    from collabrel.rules._engine import Session

__all__ = ["Assessment", "VerdictTable"]


_REPR_FINDINGS = 3
"""How many findings to act on an assessment's repr names."""
_REPR_TEXT = 60


def _short(text: str) -> str:
    """*text* quoted as Python does, cut to a few dozen characters."""
    shown = repr(text)
    return shown if len(shown) <= _REPR_TEXT else shown[: _REPR_TEXT - 4] + "...'"


@attrs.frozen(kw_only=True)
class Assessment:
    """The findings of a rule set on a portfolio as of a date."""

    findings: tuple[Finding, ...]
    """One finding per (rule, subject)."""
    as_of: date
    """The evaluation date."""
    ruleset_version: str
    """The rule set's version."""
    exclusions: tuple[RuleExclusion, ...] = ()
    """Rules excluded from the rule set, with their justifications."""
    _by_subject: dict[str, tuple[Finding, ...]] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __repr__(self) -> str:
        """A one-line summary: the date, the rule set, the counts and the first to act on.

        Bounded whatever the assessment's size; ``assessment.findings`` holds every finding.
        """
        counts = ", ".join(f"{n:,} {v.label}" for v, n in self.by_verdict().items() if n)
        subjects = len({f.subject_id for f in self.findings})
        to_act = self.failed()
        shown = ", ".join(
            f"{_short(f.rule_id)} on {_short(f.subject_id)}" for f in to_act[:_REPR_FINDINGS]
        )
        more = (
            f", ... {len(to_act) - _REPR_FINDINGS:,} more" if len(to_act) > _REPR_FINDINGS else ""
        )
        excluded = f", {len(self.exclusions)} excluded" if self.exclusions else ""
        acting = f"; to act on: {shown}{more}" if to_act else ""
        return (
            f"<Assessment as of {self.as_of}, rule set {_short(self.ruleset_version)}{excluded}: "
            f"{len(self.findings):,} finding{'' if len(self.findings) == 1 else 's'} on "
            f"{subjects:,} subject{'' if subjects == 1 else 's'} ({counts or 'none'})"
            f"{acting}>"
        )

    def _repr_html_(self) -> str:
        from collabrel._html import table

        counts = self.by_verdict()
        caption = f"Assessment as of {self.as_of} (rule set {self.ruleset_version}): " + ", ".join(
            f"{n} {v.label}" for v, n in counts.items()
        )
        rows = [(f.verdict.label, f.subject_id, f.rule_id, f.title, f.message, f.remedy)
                for f in self.failed()]  # fmt: skip
        return table(caption, ("verdict", "subject", "rule", "requirement", "why", "remedy"), rows)

    def failed(self) -> tuple[Finding, ...]:
        """The FAIL, UNKNOWN and ERROR findings."""
        return tuple(f for f in self.findings if not f.ok)

    def by_verdict(self) -> dict[Verdict, int]:
        """How many findings have each verdict."""
        counts = dict.fromkeys(Verdict, 0)
        for f in self.findings:
            counts[f.verdict] += 1
        return counts

    def for_subject(self, subject_id: str) -> tuple[Finding, ...]:
        """The findings on one subject (indexed on first use)."""
        index = self._by_subject
        if not index and self.findings:
            grouped: dict[str, list[Finding]] = {}
            for f in self.findings:
                grouped.setdefault(f.subject_id, []).append(f)
            index.update({k: tuple(v) for k, v in grouped.items()})
        return index.get(subject_id, ())

    def get(self, rule_id: str, subject_id: str) -> Finding:
        """Return the finding of *rule_id* on *subject_id*.

        Raises:
            UnknownRuleError: when there is none.
        """
        for f in self.for_subject(subject_id):
            if f.rule_id == rule_id:
                return f
        raise UnknownRuleError(f"no finding for rule {rule_id!r} on {subject_id!r}")


@attrs.frozen(kw_only=True)
class VerdictTable:
    """Every verdict of a session as columns, one row per (rule, subject) pair.

    Made without a :class:`Finding` per pair: the columns hold plain values (verdicts as
    their text, stages as numbers). Convert with :meth:`to_pandas` (``collabrel[jupyter]``)
    or read the columns directly.
    """

    subject: tuple[str, ...]
    """The relationship (or organization) id of each row."""
    rule: tuple[str, ...]
    """The rule id of each row."""
    clause: tuple[str, ...]
    """The clause each rule evidences."""
    stage: tuple[int | None, ...]
    """The stage number of each rule (``None`` for rules of no stage)."""
    level: tuple[str, ...]
    """ORG, REL or JNT."""
    verdict: tuple[str, ...]
    """pass, fail, not_applicable, unknown or error."""
    gap: tuple[str | None, ...]
    """For a fail or unknown row, ``open_gate_item`` or ``nonconformity`` (see
    :class:`GapKind`); ``None`` for the others."""
    message: tuple[str, ...]
    """Why, for the rows that need action (empty for the others)."""
    as_of: date
    """The evaluation date."""
    ruleset_version: str
    """The rule set's version."""

    COLUMNS = ("subject", "rule", "clause", "stage", "level", "verdict", "gap", "message")
    """The column names, in order."""

    def __len__(self) -> int:
        return len(self.subject)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows as tuples, in :attr:`COLUMNS` order."""
        return zip(
            self.subject, self.rule, self.clause, self.stage, self.level, self.verdict,
            self.gap, self.message, strict=True,
        )  # fmt: skip

    def to_pandas(self) -> Any:
        """Return a ``pandas.DataFrame`` (categorical verdict, level and clause columns).

        Raises:
            MissingExtraError: when pandas is not installed.
        """
        import importlib

        try:
            pd: Any = importlib.import_module("pandas")
        except ImportError as exc:
            msg = "VerdictTable.to_pandas needs pandas: pip install 'collabrel[jupyter]'"
            raise MissingExtraError(msg) from exc
        frame = pd.DataFrame({name: getattr(self, name) for name in self.COLUMNS})
        for name in ("verdict", "gap", "level", "clause", "rule"):
            frame[name] = frame[name].astype("category")
        frame["stage"] = frame["stage"].astype("Int64")
        return frame

    @classmethod
    def build(cls, session: Session, *, messages: bool = True) -> VerdictTable:
        """The table of *session*'s current verdicts (as :meth:`Session.table`)."""
        return session.table(messages=messages)

    @classmethod
    def concat(cls, tables: list[VerdictTable]) -> VerdictTable:
        """One table of the rows of *tables* (evaluated on the same date and rule set)."""
        if not tables:
            msg = "concat needs at least one table"
            raise ValueError(msg)
        first = tables[0]
        for t in tables[1:]:
            if (t.as_of, t.ruleset_version) != (first.as_of, first.ruleset_version):
                msg = (
                    f"tables of different evaluations: {t.as_of}/{t.ruleset_version} and "
                    f"{first.as_of}/{first.ruleset_version}"
                )
                raise ValueError(msg)
        columns = {name: tuple(v for t in tables for v in getattr(t, name)) for name in cls.COLUMNS}
        return cls(**columns, as_of=first.as_of, ruleset_version=first.ruleset_version)
