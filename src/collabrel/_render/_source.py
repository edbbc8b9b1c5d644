"""Where report rows come from: a finding made a row, rows in report order, counts as they go.

A report lists its rows subject by subject (the organization first, then the relationships in
portfolio order) and, within a subject, in clause order. That order lets a report be written
one subject at a time from a :class:`~collabrel.rules.Session`, whatever the size of the
portfolio: :func:`session_rows` asks the session for one subject's findings at a time, and
:func:`session_summary` counts every verdict without building a finding.

The few things a row needs from the portfolio (names, stages, scope exclusions, who owns a
finding and by when) are looked up once in a :class:`RowContext`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from collabrel._mappings import clause_key
from collabrel._stages import Stage
from collabrel.rules import Finding, GapKind, Level, Verdict
from collabrel.rules._compile import ERROR, FAIL, NOT_APPLICABLE, PASS, UNKNOWN
from collabrel.rules._findings import GATED_STAGES
from collabrel.rules._runtime import VERDICTS

if TYPE_CHECKING:
    from collabrel._model import Portfolio
    from collabrel.reports import ReportRow, Summary
    from collabrel.rules import RuleSet, RuleSpec, Session

__all__ = [
    "Count",
    "Progress",
    "RowContext",
    "Tallies",
    "row_order",
    "session_rows",
    "session_summary",
]

Progress = Callable[[int, int | None], None]
"""A callback ``progress(done, total)``: subjects written so far, and how many there are."""

_OPEN_NC = frozenset({"raised", "action_planned", "implemented", "verified"})

_SETTLED = (PASS, NOT_APPLICABLE)
"""The verdict codes of the pairs whose rows need no finding built (see subject_rows)."""

_ACTIONS = (FAIL, UNKNOWN, ERROR)
"""The verdict codes of the pairs that need action."""

_OF_SUBJECT = frozenset({"subject_id", "subject_name", "subject_stage"})
"""The fields of a report row that come from its subject."""


class RowContext:
    """What rows need from the portfolio, looked up once: names, stages, owners, exclusions."""

    def __init__(self, portfolio: Portfolio) -> None:
        org = portfolio.organization
        self.organization_id = org.id
        self.names: dict[str, str] = {org.id: org.name}
        self.stages: dict[str, Stage] = {}
        self.order: list[str] = [org.id]
        for rel in portfolio.relationships:
            self.names[rel.id] = rel.name
            self.stages[rel.id] = rel.stage
            self.order.append(rel.id)
        self._people = {p.id: p.name for p in org.people}
        scope = org.scope
        self._exclusions = tuple(scope.exclusions) if scope else ()
        self._excluded: dict[tuple[str, str], tuple[tuple[frozenset[str] | None, str], ...]] = {}
        corporate = next((s.person for s in org.sers if s.active), None)
        self._owner: dict[str | None, str | None] = {None: self._person(corporate)}
        for rel in portfolio.relationships:
            ser = rel.ser_of(org.id)
            self._owner[rel.id] = self._person(ser.person) if ser is not None else None
        self._tracked: dict[tuple[str, str | None], tuple[str, str | None, date | None]] = {}
        self._settled: dict[tuple[str, int, str], dict[str, Any]] = {}
        """(rule id, verdict code, message) -> the fields of a passing or not applicable row,
        but the subject's (see :meth:`subject_rows`)."""
        for nc in org.nonconformities:
            if nc.rule_id is None or nc.status.value not in _OPEN_NC:
                continue
            actions = [a for a in nc.actions if a.is_open]
            owner = next((a.owner for a in actions if a.owner), None)
            due = min((a.due_on for a in actions if a.due_on is not None), default=None)
            key = (nc.rule_id, nc.relationship_id)
            self._tracked.setdefault(key, (nc.id, self._person(owner), due))

    def _person(self, person: str | None) -> str | None:
        return None if person is None else self._people.get(person, person)

    def exclusion(self, finding: Finding) -> str | None:
        """The justification of the scope exclusion taking *finding*'s rule out for its subject.

        As the session decides: an exclusion covers the rule (:meth:`Exclusion.covers`) and,
        when it lists relationships, only those; the last one that applies gives the reason.
        ``None`` when none does.
        """
        if not self._exclusions:
            return None
        key = (finding.rule_id, finding.clause)
        found = self._excluded.get(key)
        if found is None:
            found = self._excluded[key] = tuple(
                (frozenset(ex.relationships) if ex.relationships else None, ex.justification)
                for ex in self._exclusions
                if ex.covers(*key)
            )
        sid = finding.subject_id
        for limited, why in reversed(found):
            if limited is None or sid in limited:
                return why
        return None

    def row(self, finding: Finding) -> ReportRow:
        """The report row of *finding*, with the subject's name and stage, owner and due date.

        A finding that needs action is owned by whoever the data says: the open corrective
        action of a nonconformity that tracks it (10.1), with its due date; else the senior
        executive responsible of the relationship (or the organization's, for organization
        rules).
        """
        from collabrel.reports import ReportRow

        sid = finding.subject_id
        stage = self.stages.get(sid)
        owner = tracked = None
        due = None
        if _needs_action(finding.verdict):
            relationship = None if sid == self.organization_id else sid
            found = self._tracked.get((finding.rule_id, relationship))
            if found is not None:
                tracked, owner, due = found
            if owner is None:
                owner = self._owner.get(relationship)
        return ReportRow.from_finding(
            finding,
            subject_name=self.names.get(sid),
            exclusion=self.exclusion(finding) if self._exclusions else None,
            subject_stage=stage,
            owner=owner,
            due_on=due,
            tracked_by=tracked,
        )

    def subject_rows(
        self, session: Session, sid: str, specs: list[RuleSpec]
    ) -> Iterator[ReportRow]:
        """The rows of subject *sid* for the rules *specs*, in that order.

        Each row equals ``row(finding)`` of the pair's finding (without its explanation unless
        it needs action). Most pairs pass or do not apply: such a row differs from the row of
        the same rule, verdict and message on another subject only in the subject's id, name
        and stage, so it is made from the fields of the first such row, and its finding is
        never built.
        """
        from collabrel.reports import ReportRow

        session._flush()  # noqa: SLF001 - facts set since are in the relationship values
        subject = session._rels.get(sid) if sid != self.organization_id else session.organization  # noqa: SLF001
        name = self.names.get(sid)
        name = sid if name is None else name
        stage = self.stages.get(sid)
        settled = self._settled
        codes, ids = session._codes(sid)  # noqa: SLF001 - a report reads the codes directly
        for spec in specs:
            is_rel, pos = ids[spec.id]
            code = codes[pos]
            if code in _SETTLED:
                message = session._settled_message(spec, code, subject)  # noqa: SLF001
                key = (spec.id, code, message)
                fields = settled.get(key)
                if fields is not None:
                    yield ReportRow(
                        **fields, subject_id=sid, subject_name=name, subject_stage=stage
                    )
                    continue
            finding = session._finding(spec, is_rel, pos, code, sid, detail=False)  # noqa: SLF001
            row = self.row(finding)
            if code in _SETTLED:
                settled[key] = {
                    k: v
                    for k, v in attrs.asdict(row, recurse=False).items()
                    if k not in _OF_SUBJECT
                }
            yield row


def row_order(rows: Iterable[Finding], rule_order: dict[str, int]) -> list[Finding]:
    """*rows* of one subject in clause order, then in rule set order."""
    return sorted(
        rows, key=lambda f: (clause_key(f.clause), rule_order.get(f.rule_id, len(rule_order)))
    )


def _subjects(session: Session) -> list[tuple[str, bool]]:
    """(subject id, is a relationship) in report order."""
    org = session.organization.id
    return [(org, False)] + [(r.id, True) for r in session.portfolio.relationships]


def _specs(ruleset: RuleSet) -> tuple[list[RuleSpec], list[RuleSpec]]:
    """The organization rules and the relationship rules, each in clause order."""
    order = {s.id: i for i, s in enumerate(ruleset)}
    ordered = sorted(ruleset, key=lambda s: (clause_key(s.clause), order[s.id]))
    org = [s for s in ordered if s.level is Level.ORG]
    rel = [s for s in ordered if s.level is not Level.ORG]
    return org, rel


def session_rows(
    session: Session,
    context: RowContext,
    *,
    actions_only: bool = False,
    progress: Progress | None = None,
) -> Iterator[ReportRow]:
    """Yield the rows of *session*'s current findings in report order, one subject at a time.

    With *actions_only*, only the FAIL, UNKNOWN and ERROR rows are made: the verdicts are read
    first and a finding is built only for the pairs that need action, so the cost follows
    what is reported, not the size of the portfolio.
    """
    org_specs, rel_specs = _specs(session.ruleset)
    subjects = _subjects(session)
    total = len(subjects)
    for done, (sid, is_rel) in enumerate(subjects, start=1):
        if actions_only:
            codes, ids = session._codes(sid)  # noqa: SLF001 - the verdicts read as codes
            for spec in rel_specs if is_rel else org_specs:
                if codes[ids[spec.id][1]] in _ACTIONS:
                    yield context.row(session.finding(spec.id, sid))
        else:
            yield from context.subject_rows(session, sid, rel_specs if is_rel else org_specs)
        if progress is not None:
            progress(done, total)


def _needs_action(verdict: Verdict) -> bool:
    """Whether *verdict* is FAIL, UNKNOWN or ERROR (compared by identity: no enum hashing)."""
    return not (verdict is Verdict.PASS or verdict is Verdict.NOT_APPLICABLE)


class Count:
    """Verdicts counted, and the kinds of the FAIL and UNKNOWN ones."""

    __slots__ = ("gaps", "pairs", "verdicts")

    def __init__(self) -> None:
        self.verdicts: Counter[Verdict] = Counter()
        self.gaps: Counter[GapKind] = Counter()
        self.pairs: Counter[tuple[Verdict, GapKind | None]] = Counter()

    def add(self, verdict: Verdict, gap: GapKind | None, n: int = 1) -> None:
        """Count *n* of a verdict (and its gap kind)."""
        self.verdicts[verdict] += n
        self.pairs[verdict, gap] += n
        if gap is not None:
            self.gaps[gap] += n

    def add_outcomes(self, outcomes: list[int]) -> None:
        """Count the numbers of *outcomes*, indexed like :data:`_OUTCOMES` (zeros skipped)."""
        for (verdict, gap), n in zip(_OUTCOMES, outcomes, strict=True):
            if n:
                self.add(verdict, gap, n)

    def __bool__(self) -> bool:
        return bool(self.verdicts)


class Tallies:
    """Counts of verdicts by clause, stage, level, subject and rule, kept as rows go by."""

    def __init__(
        self, subject_order: Iterable[str] = (), names: dict[str, str] | None = None
    ) -> None:
        self.overall = Count()
        self.clause: dict[str, Count] = {}
        self.stage: dict[str, Count] = {}
        self.stage_labels: dict[str, str] = {}
        self.level: dict[str, Count] = {}
        self.subject: dict[str, Count] = {k: Count() for k in subject_order}
        self.rule: dict[str, Count] = {}
        self.rule_info: dict[str, tuple[str, str]] = {}
        self.names: dict[str, str] = dict(names or {})

    def add(
        self,
        *,
        verdict: Verdict,
        gap: GapKind | None,
        clause: str,
        stage: Stage | None,
        level: str,
        subject_id: str,
        rule_id: str,
        title: str,
    ) -> None:
        """Count one verdict."""
        from collabrel.reports import stage_key, stage_label

        self.overall.add(verdict, gap)
        top = clause.split(".", 1)[0]
        self.clause.setdefault(top, Count()).add(verdict, gap)
        skey = stage_key(stage)
        if skey not in self.stage:
            self.stage[skey] = Count()
            self.stage_labels[skey] = stage_label(stage)
        self.stage[skey].add(verdict, gap)
        self.level.setdefault(level, Count()).add(verdict, gap)
        self.subject.setdefault(subject_id, Count()).add(verdict, gap)
        if rule_id not in self.rule:
            self.rule[rule_id] = Count()
            self.rule_info[rule_id] = (clause, title)
        self.rule[rule_id].add(verdict, gap)

    def add_outcomes(
        self,
        outcomes: list[int],
        *,
        clause: str,
        stage: Stage | None,
        level: str,
        rule_id: str,
        title: str,
    ) -> None:
        """Count one rule's verdicts over subjects, indexed like :data:`_OUTCOMES`.

        The same as :meth:`add` once per verdict, without the subjects (counted apart).
        """
        from collabrel.reports import stage_key, stage_label

        self.overall.add_outcomes(outcomes)
        top = clause.split(".", 1)[0]
        self.clause.setdefault(top, Count()).add_outcomes(outcomes)
        skey = stage_key(stage)
        if skey not in self.stage:
            self.stage[skey] = Count()
            self.stage_labels[skey] = stage_label(stage)
        self.stage[skey].add_outcomes(outcomes)
        self.level.setdefault(level, Count()).add_outcomes(outcomes)
        if rule_id not in self.rule:
            self.rule[rule_id] = Count()
            self.rule_info[rule_id] = (clause, title)
        self.rule[rule_id].add_outcomes(outcomes)

    def add_row(self, row: ReportRow) -> None:
        """Count a report row."""
        self.names.setdefault(row.subject_id, row.subject_name)
        self.add(verdict=row.verdict, gap=row.gap, clause=row.clause, stage=row.stage,
                 level=row.level, subject_id=row.subject_id, rule_id=row.rule_id,
                 title=row.title)  # fmt: skip

    def summary(self) -> Summary:
        """The counts as a :class:`~collabrel.reports.Summary`."""
        from collabrel.reports import Summary

        return Summary.from_counters(self)


def session_summary(
    session: Session, context: RowContext, *, progress: Progress | None = None
) -> tuple[Summary, Tallies]:
    """Count every current verdict of *session*, building a finding only where it must.

    A FAIL or UNKNOWN of a rule of the relationship's current stage may be an open gate item;
    its finding (its explanation: has a review there lapsed?) decides. Every other pair is
    counted from its verdict alone. Returns the summary and the tallies (which also count by
    rule, for checklists).

    The pairs are counted in plain lists of numbers (:class:`_RuleTable`), a subject's at the
    end of the subject and each rule's at the end; the tallies equal those of
    :meth:`Tallies.add` called once per pair, in the same order of first appearance.
    """
    org_specs, rel_specs = _specs(session.ruleset)
    tallies = Tallies(context.order, context.names)
    org_table, rel_table = _RuleTable(org_specs), _RuleTable(rel_specs)
    subjects = _subjects(session)
    for done, (sid, is_rel) in enumerate(subjects, start=1):
        table = rel_table if is_rel else org_table
        subject_counts = table.count_subject(session, sid, context.stages.get(sid))
        tallies.subject.setdefault(sid, Count()).add_outcomes(subject_counts)
        if progress is not None:
            progress(done, len(subjects))
    org_table.add_to(tallies)
    rel_table.add_to(tallies)
    return tallies.summary(), tallies


_OUTCOMES: tuple[tuple[Verdict, GapKind | None], ...] = tuple(
    (verdict, gap) for verdict in Verdict for gap in (None, *GapKind)
)
"""Every (verdict, gap kind) pair a count may hold, each counted at its index."""

_OUTCOME_INDEX = {outcome: i for i, outcome in enumerate(_OUTCOMES)}

_GAPS = (FAIL, UNKNOWN)
"""The verdict codes that are gaps (a nonconformity, or an open item of a stage's gate)."""
_NO_GAP = [_OUTCOME_INDEX[v, None] for v in VERDICTS]
"""Verdict code -> the index of its outcome without a gap."""
_NONCONFORMITY = [_OUTCOME_INDEX[v, GapKind.NONCONFORMITY] for v in VERDICTS]
"""Verdict code -> the index of its outcome as a nonconformity (FAIL and UNKNOWN only)."""


class _RuleTable:
    """The verdicts of some rules (the organization's, or the relationships') over subjects.

    One list of counts per rule, indexed like :data:`_OUTCOMES`: counting a pair adds 1 to
    two list items instead of updating the several counters of :meth:`Tallies.add`.
    """

    def __init__(self, specs: list[RuleSpec]) -> None:
        self.specs = specs
        self.counts = [[0] * len(_OUTCOMES) for _ in specs]
        # the stage whose gate a rule's gaps may be open items of (None: always a
        # nonconformity)
        self.gated = [
            spec.stage if spec.stage is not None and spec.stage in GATED_STAGES else None
            for spec in specs
        ]

    def count_subject(self, session: Session, sid: str, current: Stage | None) -> list[int]:
        """Count the verdicts of every rule of the table on subject *sid*, at *current* stage.

        Returns the subject's counts, indexed like :data:`_OUTCOMES`.
        """
        subject = [0] * len(_OUTCOMES)
        codes, ids = session._codes(sid)  # noqa: SLF001 - the counts read the codes directly
        for spec, gated, counts in zip(self.specs, self.gated, self.counts, strict=True):
            code = codes[ids[spec.id][1]]
            if code in _GAPS:
                if gated is not None and gated is current:
                    gap = session._gap(spec.id, sid)  # noqa: SLF001 - Finding.gap, unbuilt
                    outcome = _OUTCOME_INDEX[VERDICTS[code], gap]
                else:
                    outcome = _NONCONFORMITY[code]
            else:
                outcome = _NO_GAP[code]
            subject[outcome] += 1
            counts[outcome] += 1
        return subject

    def add_to(self, tallies: Tallies) -> None:
        """Add each rule's counts to *tallies* (by rule, clause, stage, level and overall)."""
        for spec, counts in zip(self.specs, self.counts, strict=True):
            if any(counts):
                tallies.add_outcomes(counts, clause=spec.clause, stage=spec.stage,
                                     level=spec.level.value, rule_id=spec.id,
                                     title=spec.title)  # fmt: skip
