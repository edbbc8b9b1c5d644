"""The result of a partitioned assessment: a columnar verdict table plus organization findings."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs

from collabrel.errors import ConfigError, MissingExtraError
from collabrel.rules import Finding, GapKind, Level, RuleSet, Verdict, VerdictTable

__all__ = ["PartitionedAssessment", "combine_frames", "findings_frame", "table_frame"]

_VERDICTS = tuple(v.value for v in Verdict)
_LEVELS = tuple(level.value for level in Level)
_NEEDS_MESSAGE = frozenset({Verdict.FAIL, Verdict.UNKNOWN, Verdict.ERROR})


def pandas() -> Any:
    """The pandas module (the ``dask`` extra installs it)."""
    try:
        return importlib.import_module("pandas")
    except ImportError as exc:
        msg = "collabrel.distributed needs pandas: pip install 'collabrel[dask]'"
        raise MissingExtraError(msg) from exc


def _frame(columns: dict[str, Sequence[Any]], ruleset: RuleSet) -> Any:
    """A frame of the table columns, with categories fixed by the rule set."""
    pd = pandas()
    clauses = sorted({spec.clause for spec in ruleset})
    frame = pd.DataFrame(
        {
            # the categories are text even for an empty partition (union_categoricals needs
            # one dtype)
            "subject": pd.Series(columns["subject"], dtype="str").astype("category"),
            "rule": pd.Categorical(columns["rule"], categories=list(ruleset.ids)),
            "clause": pd.Categorical(columns["clause"], categories=clauses),
            "stage": pd.array(columns["stage"], dtype="Int8"),
            "level": pd.Categorical(columns["level"], categories=list(_LEVELS)),
            "verdict": pd.Categorical(columns["verdict"], categories=list(_VERDICTS)),
            "gap": pd.Categorical(columns["gap"], categories=[g.value for g in GapKind]),
            "message": pd.Series(columns["message"], dtype="str"),
        }
    )
    # a value outside its categories would become a missing value without a word
    for name in ("subject", "rule", "clause", "level", "verdict"):
        if frame[name].isna().any():  # pragma: no cover - rows come from the same rule set
            raise ConfigError(f"a verdict row has a {name} that the rule set does not know")
    return frame


def table_frame(table: VerdictTable, ruleset: RuleSet) -> Any:
    """The rows of *table* (made with *ruleset*) as a compact pandas frame."""
    return _frame({name: getattr(table, name) for name in VerdictTable.COLUMNS}, ruleset)


def findings_frame(findings: Sequence[Finding], ruleset: RuleSet, *, messages: bool = True) -> Any:
    """The rows of *findings*, as :meth:`Session.table` writes them."""
    return _frame(
        {
            "subject": [f.subject_id for f in findings],
            "rule": [f.rule_id for f in findings],
            "clause": [f.clause for f in findings],
            "stage": [None if f.stage is None else f.stage.number for f in findings],
            "level": [f.level for f in findings],
            "verdict": [f.verdict.value for f in findings],
            "gap": [None if f.gap is None else f.gap.value for f in findings],
            "message": [
                f.message if messages and f.verdict in _NEEDS_MESSAGE else "" for f in findings
            ],
        },
        ruleset,
    )


def combine_frames(first: Any, parts: Sequence[Any], *, where: str) -> Any:
    """One frame: the rows of *first*, then those of *parts*, subjects kept categorical.

    Raises:
        ConfigError: when two partitions hold the same relationship.
    """
    pd = pandas()
    union = pd.api.types.union_categoricals
    if parts:
        subjects = [p["subject"] for p in parts]
        together = union(subjects)
        if len(together.categories) != sum(len(s.cat.categories) for s in subjects):
            seen: dict[str, int] = {}
            for k, s in enumerate(subjects):
                for subject in s.cat.categories:
                    if subject in seen:
                        raise ConfigError(
                            f"the partitions of {where} overlap: relationship {subject!r} is "
                            f"in partitions {seen[subject]} and {k}; a source must give each "
                            "relationship to exactly one partition"
                        )
                    seen[subject] = k
    frames = [first, *parts]
    subject = union([f["subject"] for f in frames])
    rest = pd.concat([f.drop(columns="subject") for f in frames], ignore_index=True)
    rest.insert(0, "subject", subject)
    return rest


@attrs.frozen(kw_only=True, eq=False)
class PartitionedAssessment:
    """The assessment of one organization's portfolio, evaluated partition by partition.

    Its verdicts are those of one :class:`~collabrel.rules.Session` on the whole portfolio;
    the table holds them as columns (see :meth:`to_pandas`), and the organization rules'
    findings are kept whole, with their explanations.
    """

    source: str
    """The source it was read from (its label)."""
    organization_id: str
    """The organization's id."""
    organization_name: str
    """The organization's name."""
    as_of: date
    """The evaluation date."""
    ruleset_version: str
    """The version of the full rule set every partition was evaluated with."""
    relationships: int
    """How many relationships were evaluated."""
    partitions: int
    """Into how many partitions the relationships were split."""
    organization_findings: tuple[Finding, ...]
    """The findings of the organization rules (from the tallies of every partition)."""
    _frame: Any = attrs.field(repr=False, alias="frame")

    def __len__(self) -> int:
        return len(self._frame)

    def to_pandas(self) -> Any:
        """Return the verdicts as a ``pandas.DataFrame``, one row per (rule, subject) pair.

        The columns are those of :class:`~collabrel.rules.VerdictTable`: subject, rule,
        clause, stage, level, verdict and message. The organization rules' rows come first,
        then each partition's rows. subject, rule, clause, level and verdict are
        categorical (their categories are every rule, clause, level and verdict of the rule
        set, seen or not: group with ``observed=True`` to leave out the unseen ones); stage
        is a nullable small integer (missing for rules of no stage); message explains the
        rows that need action (FAIL, UNKNOWN, ERROR) and is empty for the others.

        The frame is the result's own, shared copy-on-write: changing it leaves the result
        unchanged.
        """
        return self._frame.copy(deep=False)

    def counts(self) -> dict[Verdict, int]:
        """How many (rule, subject) pairs have each verdict."""
        counts = self._frame["verdict"].value_counts()
        return {v: int(counts.get(v.value, 0)) for v in Verdict}

    def __repr__(self) -> str:
        counts = ", ".join(f"{v.value}={n}" for v, n in self.counts().items() if n)
        return (
            f"<PartitionedAssessment {self.organization_id!r} as_of={self.as_of.isoformat()} "
            f"rules={self.ruleset_version} relationships={self.relationships} "
            f"partitions={self.partitions} {counts}>"
        )

    def _repr_html_(self) -> str:
        from collabrel._html import table

        rows = [
            ("organization", f"{self.organization_name} ({self.organization_id})"),
            ("source", self.source),
            ("as of", self.as_of.isoformat()),
            ("rule set", self.ruleset_version),
            ("relationships", f"{self.relationships:,}"),
            ("partitions", str(self.partitions)),
            *((v.value, f"{n:,}") for v, n in self.counts().items()),
        ]
        return table("Partitioned assessment", ("", ""), rows)
