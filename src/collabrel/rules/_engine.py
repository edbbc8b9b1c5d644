"""The incremental engine: a session keeps every verdict current as facts change.

Each rule's read set comes from its condition tree (or its declared ``reads``). A change to a
relationship is diffed against the old value (unchanged sub-objects are the same objects, so
the diff only descends where something changed); an index from fact path to rules gives the
(rule, subject) pairs to re-evaluate. Relationship rules whose condition is an ``all_of`` or
``any_of`` with organization-only branches have those branches evaluated once per change of
the organization, not once per relationship.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Any, overload

import attrs

from collabrel._config import Config
from collabrel._model import ApplicationLevel, Organization, Portfolio, Relationship
from collabrel.errors import UnknownRuleError, UnknownSubjectError
from collabrel.rules._conditions import (
    AllOf,
    AnyOf,
    Binder,
    Bound,
    Env,
    Tri,
    all_fn,
    any_fn,
    kleene_and,
    kleene_or,
    leaf_text,
    show,
)
from collabrel.rules._findings import Explanation, Fact, Finding, Verdict, VerdictChange
from collabrel.rules._ruleset import RuleExclusion, RuleSet
from collabrel.rules._schema import Path
from collabrel.rules._spec import Level, Outcome, RuleContext, RuleSpec

__all__ = ["Assessment", "Listener", "Session", "evaluate"]

Listener = Callable[[tuple[VerdictChange, ...]], None]

_PASS, _FAIL, _NA, _UNKNOWN, _ERROR = (
    Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE, Verdict.UNKNOWN, Verdict.ERROR,
)  # fmt: skip
_TRI = {True: _PASS, False: _FAIL, None: _UNKNOWN}
_RAISED = object()
"""The organization part of a factored rule raised (its error message is kept)."""


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls))


def diff(old: Any, new: Any, prefix: Path, out: list[Path]) -> None:
    """Append to *out* the paths below *prefix* where *new* differs from *old*.

    Identical sub-objects are skipped without looking inside; collections are compared as a
    whole (a changed tuple is one changed path).
    """
    if old is new:
        return
    cls = type(old)
    if cls is not type(new) or not attrs.has(cls):
        if isinstance(old, tuple) or old != new:
            out.append(prefix)
        return
    for name in _field_names(cls):
        a = getattr(old, name)
        b = getattr(new, name)
        if a is not b:
            diff(a, b, (*prefix, name), out)


@attrs.define(eq=False)
class _Compiled:
    """A rule prepared for the session: compiled parts and where it applies."""

    spec: RuleSpec
    index: int
    fn: Callable[[Any, Env], Tri] | None
    org_fn: Callable[[Any, Env], Tri] | None
    rel_fn: Callable[[Any, Env], Tri] | None
    combine: Callable[[Tri, Tri], Tri] | None
    when: Callable[[Any, Env], Tri] | None
    stages: frozenset[Any]
    org_reads: frozenset[Path]
    rel_reads: frozenset[Path]
    factored_org_reads: frozenset[Path]

    @property
    def factored(self) -> bool:
        return self.combine is not None


@lru_cache(maxsize=8192)
def _bound_parts(spec: RuleSpec) -> tuple[Bound, ...]:
    """The bound children of a rule's top-level all_of / any_of (bound once per rule)."""
    cond = spec.condition
    assert isinstance(cond, AllOf | AnyOf)  # noqa: S101 - checked by the caller
    binder = Binder(
        scope=Relationship,
        scope_path=("rel",),
        default_root="rel",
        rule_id=spec.id,
    )
    return tuple(c.bind(binder) for c in cond.conditions)


def _compile_rel(spec: RuleSpec, index: int) -> _Compiled:
    bound = spec.bound
    when = spec.when.fn if spec.when is not None else None
    org_fn = rel_fn = combine = None
    factored_org: frozenset[Path] = frozenset()
    fn = bound.fn if bound is not None else None
    cond = spec.condition
    if bound is not None and when is None and isinstance(cond, AllOf | AnyOf):
        parts = _bound_parts(spec)
        org_parts = [p for p in parts if p.org_only]
        rel_parts = [p for p in parts if not p.org_only]
        if org_parts:
            join = all_fn if isinstance(cond, AllOf) else any_fn
            org_fn = join([p.fn for p in org_parts])
            rel_fn = join([p.fn for p in rel_parts]) if rel_parts else None
            combine = kleene_and if isinstance(cond, AllOf) else kleene_or
            factored_org = frozenset().union(*(p.reads for p in org_parts))
    elif bound is not None and when is None and bound.org_only:
        org_fn, rel_fn, combine = bound.fn, None, kleene_and
        factored_org = bound.reads
    reads = spec.read_paths
    return _Compiled(
        spec=spec, index=index, fn=fn, org_fn=org_fn, rel_fn=rel_fn, combine=combine,
        when=when, stages=spec.stages_in,
        org_reads=frozenset(p for p in reads if p[0] == "org"),
        rel_reads=frozenset(p for p in reads if p[0] == "rel"),
        factored_org_reads=factored_org,
    )  # fmt: skip


def _outcome(value: object) -> tuple[Verdict, str]:
    if isinstance(value, Outcome):
        if not value.applicable:
            return _NA, value.message
        return _TRI[value.result], value.message
    if value is None or isinstance(value, bool):
        return _TRI[value], ""
    msg = f"a rule must return Outcome, bool or None; got {type(value).__name__}"
    raise TypeError(msg)


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

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

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
        """The findings on one subject."""
        return tuple(f for f in self.findings if f.subject_id == subject_id)

    def get(self, rule_id: str, subject_id: str) -> Finding:
        """Return the finding of *rule_id* on *subject_id*.

        Raises:
            UnknownRuleError: when there is none.
        """
        for f in self.findings:
            if f.rule_id == rule_id and f.subject_id == subject_id:
                return f
        raise UnknownRuleError(f"no finding for rule {rule_id!r} on {subject_id!r}")


class Session:
    """Holds a portfolio, a rule set, a config and an as-of date, and every current verdict.

    Every update returns the verdicts that changed, and tells the subscribed listeners.

    Example:
        >>> from datetime import date
        >>> import collabrel
        >>> from collabrel.rules import Session, default_ruleset
        >>> s = Session(collabrel.example_portfolio(), default_ruleset(), as_of=date(2026, 11, 23))
        >>> s.verdict("iso44001:5.2/values", "northbridge")
        <Verdict.PASS: 'pass'>
    """

    def __init__(
        self,
        portfolio: Portfolio,
        ruleset: RuleSet | None = None,
        *,
        as_of: date,
        config: Config | None = None,
    ) -> None:
        if ruleset is None:
            from collabrel.rules import default_ruleset

            ruleset = default_ruleset()
        self._org: Organization = portfolio.organization
        self._rels: dict[str, Relationship] = {}
        for rel in portfolio.relationships:
            if rel.id in self._rels:
                raise UnknownSubjectError(f"relationship id {rel.id!r} appears twice")
            self._rels[rel.id] = rel
        self._as_of = as_of
        self._config = config or Config()
        self._listeners: list[Listener] = []
        self._portfolio_cache: Portfolio | None = portfolio
        self._set_config_values()
        self._install(ruleset)
        self._evaluate_all()

    # ---------------------------------------------------------------------- plumbing

    def _set_config_values(self) -> None:
        mapping = self._config.to_mapping()
        from collabrel._dates import CalendarInterval

        self._intervals = {k: v for k, v in mapping.items() if isinstance(v, CalendarInterval)}
        self._values = mapping

    def _env(self, rel: Relationship | None) -> Env:
        return Env(
            as_of=self._as_of,
            intervals=self._intervals,
            values=self._values,
            org=self._org,
            rel=rel,
        )

    def _ctx(self) -> RuleContext:
        return RuleContext(
            as_of=self._as_of,
            config=self._config,
            organization=self._org,
            relationships=_RelationshipsView(self._rels),
        )

    def _install(self, ruleset: RuleSet) -> None:
        self._ruleset = ruleset
        self._compute_scope()
        org_rules = [s for s in ruleset if s.level is Level.ORG]
        rel_rules = [s for s in ruleset if s.level is not Level.ORG]
        self._org_specs = org_rules
        self._rel = [_compile_rel(s, i) for i, s in enumerate(rel_rules)]
        self._org_fns = [s.bound.fn if s.bound is not None else None for s in org_rules]
        # indexes from canonical fact path to rule positions
        exact: dict[Path, set[int]] = {}
        under: dict[Path, set[int]] = {}
        org_exact: dict[Path, set[int]] = {}
        org_under: dict[Path, set[int]] = {}
        for c in self._rel:
            for p in c.rel_reads:
                exact.setdefault(p, set()).add(c.index)
                for k in range(1, len(p) + 1):
                    under.setdefault(p[:k], set()).add(c.index)
            for p in c.org_reads:
                org_exact.setdefault(p, set()).add(c.index)
                for k in range(1, len(p) + 1):
                    org_under.setdefault(p[:k], set()).add(c.index)
        self._exact, self._under = exact, under
        self._org_exact, self._org_under = org_exact, org_under
        o_exact: dict[Path, set[int]] = {}
        o_under: dict[Path, set[int]] = {}
        p_exact: dict[Path, set[int]] = {}
        p_under: dict[Path, set[int]] = {}
        for i, s in enumerate(org_rules):
            for p in s.read_paths:
                e, u = (p_exact, p_under) if p[0] == "relationships" else (o_exact, o_under)
                e.setdefault(p, set()).add(i)
                for k in range(1, len(p) + 1):
                    u.setdefault(p[:k], set()).add(i)
        self._o_exact, self._o_under = o_exact, o_under
        self._p_exact, self._p_under = p_exact, p_under
        self._memo: dict[Path, tuple[int, ...]] = {}
        self._portfolio_memo: dict[Path, frozenset[int]] = {}
        by_stage: dict[Any, list[_Compiled]] = {}
        for c in self._rel:
            for stage in c.stages:
                by_stage.setdefault(stage, []).append(c)
        self._by_stage = {k: tuple(v) for k, v in by_stage.items()}
        self._org_memo: dict[Path, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._rel_index = {c.spec.id: c for c in self._rel}
        self._org_index = {s.id: i for i, s in enumerate(org_rules)}

    @staticmethod
    def _lookup(p: Path, exact: dict[Path, set[int]], under: dict[Path, set[int]]) -> set[int]:
        hit = set(under.get(p, ()))
        for k in range(1, len(p)):
            hit |= exact.get(p[:k], set())
        return hit

    def _affected(self, p: Path) -> tuple[int, ...]:
        hit = self._memo.get(p)
        if hit is None:
            hit = tuple(sorted(self._lookup(p, self._exact, self._under)))
            self._memo[p] = hit
        return hit

    # -------------------------------------------------------------------- evaluation

    def _eval_org_rule(self, i: int, env: Env, ctx: RuleContext | None) -> Verdict:
        spec = self._org_specs[i]
        fn = self._org_fns[i]
        if spec.id in self._excluded and self._excluded[spec.id][0] is None:
            return _NA
        if spec.when is not None and spec.when.fn(self._org, env) is not True:
            return _NA if spec.when.fn(self._org, env) is False else _UNKNOWN
        if fn is not None:
            try:
                return _TRI[fn(self._org, env)]
            except Exception as exc:  # noqa: BLE001 - a registered function raised
                self._messages[(spec.id, self._org.id)] = f"{type(exc).__name__}: {exc}"
                return _ERROR
        return self._run_python(spec, self._org, ctx or self._ctx(), self._org.id)

    def _run_python(self, spec: RuleSpec, subject: Any, ctx: RuleContext, sid: str) -> Verdict:
        assert spec.predicate is not None  # noqa: S101 - internal invariant
        try:
            verdict, message = _outcome(spec.predicate(subject, ctx))
        except Exception as exc:  # noqa: BLE001 - a custom rule's crash is reported, not raised
            self._messages[(spec.id, sid)] = f"{type(exc).__name__}: {exc}"
            return _ERROR
        if message:
            self._messages[(spec.id, sid)] = message
        else:
            self._messages.pop((spec.id, sid), None)
        return verdict

    def _eval_rel_rule(
        self, c: _Compiled, rel: Relationship, env: Env, ctx: RuleContext | None
    ) -> tuple[Verdict, Tri]:
        if rel.stage not in c.stages or (self._scope is not None and rel.id not in self._scope):
            return _NA, None
        if c.spec.id in self._excluded:
            limited = self._excluded[c.spec.id][0]
            if limited is None or rel.id in limited:
                return _NA, None
        try:
            if c.when is not None:
                w = c.when(rel, env)
                if w is not True:
                    return (_NA if w is False else _UNKNOWN), None
            if c.combine is not None:
                org_part = self._org_vals[c.index]
                if org_part is _RAISED:
                    self._messages[(c.spec.id, rel.id)] = self._org_errors[c.index]
                    return _ERROR, None
                part = c.rel_fn(rel, env) if c.rel_fn is not None else True
                return _TRI[c.combine(org_part, part)], part  # type: ignore[arg-type]
            if c.fn is not None:
                return _TRI[c.fn(rel, env)], None
        except Exception as exc:  # noqa: BLE001 - a registered function raised
            self._messages[(c.spec.id, rel.id)] = f"{type(exc).__name__}: {exc}"
            return _ERROR, None
        return self._run_python(c.spec, rel, ctx or self._ctx(), rel.id), None

    def _org_part(self, c: _Compiled, env: Env) -> Tri | object:
        """Evaluate the organization part of a factored rule (``_RAISED`` if it raised)."""
        if c.org_fn is None:
            return True
        try:
            return c.org_fn(None, env)
        except Exception as exc:  # noqa: BLE001 - a registered function raised
            self._org_errors[c.index] = f"{type(exc).__name__}: {exc}"
            return _RAISED

    def _compute_scope(self) -> None:
        """Cache the relationships the scope (4.3) covers and the rules it excludes.

        ``None`` means every relationship, for the scope and for an exclusion's reach.
        """
        scope = self._org.scope
        excluded: dict[str, tuple[frozenset[str] | None, str]] = {}
        for ex in scope.exclusions if scope is not None else ():
            limited = frozenset(ex.relationships) if ex.relationships else None
            for s in self._ruleset:
                if ex.covers(s.id, s.clause):
                    before = excluded.get(s.id, (frozenset(), ""))[0]
                    merged = None if limited is None or before is None else before | limited
                    excluded[s.id] = (merged, ex.justification)
        self._excluded = excluded
        if scope is None or scope.application_level in (None, ApplicationLevel.ORGANIZATION_WIDE):
            self._scope: frozenset[str] | None = None
        else:
            self._scope = frozenset(scope.relationships_in_scope)

    def in_scope(self, relationship_id: str) -> bool:
        """Return whether the organization's scope (4.3) covers the relationship.

        Relationship rules give NOT_APPLICABLE for a relationship out of scope.
        """
        return self._scope is None or relationship_id in self._scope

    def _compute_org_vals(self) -> None:
        env = self._env(None)
        self._org_errors: dict[int, str] = {}
        self._org_vals: list[Tri | object] = [self._org_part(c, env) for c in self._rel]

    def _evaluate_all(self) -> None:
        self._messages: dict[tuple[str, str], str] = {}
        self._compute_scope()
        self._compute_org_vals()
        ctx = self._ctx() if any(s.is_python for s in self._ruleset) else None
        env = self._env(None)
        self._org_verdicts = [self._eval_org_rule(i, env, ctx) for i in range(len(self._org_specs))]
        self._verdicts: dict[str, list[Verdict]] = {}
        self._parts: dict[str, list[Tri]] = {}
        for rid, rel in self._rels.items():
            self._evaluate_relationship(rid, rel, ctx)

    def _evaluate_relationship(self, rid: str, rel: Relationship, ctx: RuleContext | None) -> None:
        n = len(self._rel)
        verdicts: list[Verdict] = [_NA] * n  # rules that do not apply at the stage stay N/A
        parts: list[Tri] = [None] * n
        if self._scope is None or rid in self._scope:
            env = self._env(rel)
            eval_rule = self._eval_rel_rule
            for c in self._by_stage.get(rel.stage, ()):
                verdicts[c.index], parts[c.index] = eval_rule(c, rel, env, ctx)
        self._verdicts[rid] = verdicts
        self._parts[rid] = parts

    # ------------------------------------------------------------------------ queries

    @property
    def as_of(self) -> date:
        """The evaluation date."""
        return self._as_of

    @property
    def config(self) -> Config:
        """The configuration in force."""
        return self._config

    @property
    def ruleset(self) -> RuleSet:
        """The rule set in force."""
        return self._ruleset

    @property
    def organization(self) -> Organization:
        """The organization."""
        return self._org

    @property
    def portfolio(self) -> Portfolio:
        """The current portfolio."""
        if self._portfolio_cache is None:
            self._portfolio_cache = Portfolio(
                organization=self._org, relationships=tuple(self._rels.values())
            )
        return self._portfolio_cache

    def relationship(self, relationship_id: str) -> Relationship:
        """Return the current value of a relationship.

        Raises:
            UnknownSubjectError: when there is none.
        """
        try:
            return self._rels[relationship_id]
        except KeyError:
            raise self._unknown_subject(relationship_id) from None

    def _unknown_subject(self, sid: str) -> UnknownSubjectError:
        known = ", ".join(list(self._rels)[:10]) or "none"
        return UnknownSubjectError(
            f"no relationship {sid!r} in this session; known ids include: {known}"
        )

    def verdict(self, rule_id: str, subject_id: str) -> Verdict:
        """Return the current verdict of *rule_id* on *subject_id*.

        Raises:
            UnknownRuleError: when the rule is not in the rule set (with a did-you-mean).
            UnknownSubjectError: when the subject is unknown.
        """
        if rule_id in self._org_index:
            if subject_id != self._org.id:
                raise UnknownSubjectError(
                    f"{rule_id!r} is an organization rule; its subject is {self._org.id!r}"
                )
            return self._org_verdicts[self._org_index[rule_id]]
        c = self._rel_index.get(rule_id)
        if c is None:
            self._ruleset.get(rule_id)  # raises with a did-you-mean
            raise UnknownRuleError(rule_id)  # pragma: no cover - get() raised
        verdicts = self._verdicts.get(subject_id)
        if verdicts is None:
            raise self._unknown_subject(subject_id)
        return verdicts[c.index]

    def verdicts(self) -> dict[tuple[str, str], Verdict]:
        """Return every current verdict, keyed by (rule id, subject id)."""
        out = {
            (s.id, self._org.id): v
            for s, v in zip(self._org_specs, self._org_verdicts, strict=True)
        }
        for rid, verdicts in self._verdicts.items():
            for c, v in zip(self._rel, verdicts, strict=True):
                out[(c.spec.id, rid)] = v
        return out

    def explain(self, rule_id: str, subject_id: str) -> Explanation:
        """Explain the current verdict of *rule_id* on *subject_id*.

        The explanation holds the failing leaves with their actual and expected values, and
        the facts read.
        """
        verdict = self.verdict(rule_id, subject_id)
        spec = self._ruleset.get(rule_id)
        if spec.level is Level.ORG:
            subject: Any = self._org
            env = self._env(None)
        else:
            subject = self._rels[subject_id]
            env = self._env(subject)
        trace = None
        message = self._messages.get((rule_id, subject_id), "")
        if spec.bound is not None and verdict is not _ERROR:
            message = ""  # a tree explains itself; a message is kept only for its errors
        if verdict is _NA:
            structural = self._structural_na(spec, subject)
            message = structural or message or "its applicability condition does not hold"
        elif spec.bound is not None and verdict is not _ERROR:
            trace = spec.bound.trace(subject, env)
            message = _summary(trace, verdict)
        return Explanation(
            rule_id=rule_id, subject_id=subject_id, verdict=verdict, trace=trace, message=message
        )

    def _structural_na(self, spec: RuleSpec, subject: Any) -> str | None:
        """Why the rule cannot apply to *subject* whatever the facts (scope, exclusion, stage)."""
        if isinstance(subject, Relationship) and not self.in_scope(subject.id):
            return "the relationship is outside the scope of the CBRMS (4.3)"
        if spec.id in self._excluded:
            limited, why = self._excluded[spec.id]
            if limited is None or getattr(subject, "id", None) in limited:
                return f"excluded from the CBRMS scope (4.3): {why}"
        if isinstance(subject, Relationship) and subject.stage not in spec.stages_in:
            return f"does not apply at {subject.stage}"
        return None

    def finding(self, rule_id: str, subject_id: str) -> Finding:
        """Return the full finding (with explanation and facts) of one pair."""
        spec = self._ruleset.get(rule_id)
        explanation = self.explain(rule_id, subject_id)
        verdict = explanation.verdict
        subject: Any = self._org if spec.level is Level.ORG else self._rels[subject_id]
        message = explanation.message or (
            "requirement met" if verdict is _PASS else verdict.label.lower()
        )
        return Finding(
            rule_id=spec.id, clause=spec.clause, title=spec.title, subject_id=subject_id,
            level=spec.level.value, verdict=verdict, message=message, remedy=spec.remedy,
            as_of=self._as_of, ruleset_version=self._ruleset.version, stage=spec.stage,
            mode=spec.mode.value,
            explanation=explanation if verdict in {_FAIL, _UNKNOWN, _ERROR} else None,
            facts=_facts(spec, subject, self._org),
            error=message if verdict is _ERROR else None,
            tags=spec.tags, severity=spec.severity.value,
            subject_stage=subject.stage if isinstance(subject, Relationship) else None,
        )  # fmt: skip

    def findings(self, *, subject_id: str | None = None) -> tuple[Finding, ...]:
        """Return every finding (or those of one subject), organization rules first."""
        pairs = [(s.id, self._org.id) for s in self._org_specs]
        pairs += [(c.spec.id, rid) for rid in self._rels for c in self._rel]
        if subject_id is not None:
            pairs = [p for p in pairs if p[1] == subject_id]
        return tuple(self.finding(r, s) for r, s in pairs)

    def assessment(self) -> Assessment:
        """Return the current findings as an :class:`Assessment`."""
        return Assessment(
            findings=self.findings(),
            as_of=self._as_of,
            ruleset_version=self._ruleset.version,
            exclusions=self._ruleset.exclusions,
        )

    # ----------------------------------------------------------------------- updates

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call *listener* with the changed verdicts after every update.

        Returns a function that unsubscribes it. Listeners observe; an exception in one
        propagates to the caller of the update.
        """
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):  # unsubscribing twice is harmless
                self._listeners.remove(listener)

        return unsubscribe

    def _publish(self, changes: list[VerdictChange]) -> tuple[VerdictChange, ...]:
        delta = tuple(changes)
        if delta:
            for listener in list(self._listeners):
                listener(delta)
        return delta

    def update_relationship(self, relationship: Relationship) -> tuple[VerdictChange, ...]:
        """Replace the relationship with the same id; return the verdicts that changed.

        Raises:
            UnknownSubjectError: when no relationship has that id (use add_relationship).
        """
        rid = relationship.id
        old = self._rels.get(rid)
        if old is None:
            raise self._unknown_subject(rid)
        if old is relationship:
            return ()
        changed: list[Path] = []
        diff(old, relationship, ("rel",), changed)
        self._rels[rid] = relationship
        self._portfolio_cache = None
        if not changed:
            return ()
        affected: set[int] = set()
        for p in changed:
            affected.update(self._affected(p))
        env = self._env(relationship)
        ctx = None
        verdicts, parts = self._verdicts[rid], self._parts[rid]
        out: list[VerdictChange] = []
        rel_rules = self._rel
        for i in sorted(affected):
            c = rel_rules[i]
            if c.spec.predicate is not None and ctx is None:
                ctx = self._ctx()
            v, part = self._eval_rel_rule(c, relationship, env, ctx)
            parts[i] = part
            if v is not verdicts[i]:
                out.append(VerdictChange(rule_id=c.spec.id, subject_id=rid, old=verdicts[i], new=v))
                verdicts[i] = v
        if self._p_under:
            out += self._reevaluate_portfolio_rules(changed)
        return self._publish(out)

    def _reevaluate_portfolio_rules(self, changed: Iterable[Path]) -> list[VerdictChange]:
        hit: set[int] = set()
        memo = self._portfolio_memo
        for p in changed:
            found = memo.get(p)
            if found is None:
                q = ("relationships", *p[1:])
                found = memo[p] = frozenset(self._lookup(q, self._p_exact, self._p_under))
            hit |= found
        return self._reevaluate_org_rules(hit)

    def _reevaluate_org_rules(self, indexes: Iterable[int]) -> list[VerdictChange]:
        out: list[VerdictChange] = []
        indexes = sorted(set(indexes))
        if not indexes:
            return out
        env = self._env(None)
        ctx = self._ctx()
        for i in indexes:
            v = self._eval_org_rule(i, env, ctx)
            old = self._org_verdicts[i]
            if v is not old:
                self._org_verdicts[i] = v
                out.append(
                    VerdictChange(
                        rule_id=self._org_specs[i].id, subject_id=self._org.id, old=old, new=v
                    )
                )
        return out

    def add_relationship(self, relationship: Relationship) -> tuple[VerdictChange, ...]:
        """Add a relationship; return its new verdicts (and organization verdicts changed).

        Raises:
            UnknownSubjectError: when a relationship with that id exists already.
        """
        rid = relationship.id
        if rid in self._rels:
            raise UnknownSubjectError(
                f"relationship {rid!r} is already in the session; use update_relationship"
            )
        self._rels[rid] = relationship
        self._portfolio_cache = None
        self._evaluate_relationship(rid, relationship, self._ctx() if self._has_python() else None)
        out = [
            VerdictChange(rule_id=c.spec.id, subject_id=rid, old=None, new=v)
            for c, v in zip(self._rel, self._verdicts[rid], strict=True)
        ]
        out += self._reevaluate_org_rules(self._p_under.get(("relationships",), set()))
        return self._publish(out)

    def remove_relationship(self, relationship_id: str) -> tuple[VerdictChange, ...]:
        """Remove a relationship; return its verdicts as removed.

        Raises:
            UnknownSubjectError: when there is no such relationship.
        """
        if relationship_id not in self._rels:
            raise self._unknown_subject(relationship_id)
        del self._rels[relationship_id]
        self._portfolio_cache = None
        verdicts = self._verdicts.pop(relationship_id)
        self._parts.pop(relationship_id)
        for key in [k for k in self._messages if k[1] == relationship_id]:
            del self._messages[key]
        out = [
            VerdictChange(rule_id=c.spec.id, subject_id=relationship_id, old=v, new=None)
            for c, v in zip(self._rel, verdicts, strict=True)
        ]
        out += self._reevaluate_org_rules(self._p_under.get(("relationships",), set()))
        return self._publish(out)

    def _has_python(self) -> bool:
        return any(s.is_python for s in self._ruleset)

    def update_organization(self, organization: Organization) -> tuple[VerdictChange, ...]:
        """Replace the organization; return the verdicts that changed.

        Organization-only branches of relationship rules are evaluated once; relationships
        are re-evaluated only for the rules whose relationship part reads what changed.
        """
        old = self._org
        if old is organization:
            return ()
        changed: list[Path] = []
        diff(old, organization, ("org",), changed)
        self._org = organization
        self._portfolio_cache = None
        if not changed:
            return ()
        org_rule_hits: set[int] = set()
        rel_hits: set[int] = set()
        for p in changed:
            org_rule_hits |= self._lookup(p, self._o_exact, self._o_under)
            rel_hits |= self._lookup(p, self._org_exact, self._org_under)
        out = self._reevaluate_org_rules(org_rule_hits)
        if any(p[:2] == ("org", "scope") or p == ("org",) for p in changed):
            before = (self._scope, self._excluded)
            self._compute_scope()
            if (self._scope, self._excluded) != before:
                out += self._reevaluate_org_rules(range(len(self._org_specs)))
                # every relationship rule is evaluated again in full
                out += self._refresh_rel_rules({c.index for c in self._rel}, None)
                return self._publish(out)
        out += self._refresh_rel_rules(rel_hits, changed)
        return self._publish(out)

    def _refresh_rel_rules(self, hits: set[int], changed: list[Path] | None) -> list[VerdictChange]:
        """Re-evaluate relationship rules *hits* after an organization, date or config change.

        A factored rule whose relationship part did not read what changed only recombines
        its cached relationship part with the new organization part.
        """
        if not hits:
            return []
        env0 = self._env(None)
        recombine: list[_Compiled] = []
        full: list[_Compiled] = []
        for i in sorted(hits):
            c = self._rel[i]
            if c.factored and changed is not None and not self._rel_part_touched(c, changed):
                old_val = self._org_vals[i]
                new_val = self._org_part(c, env0)
                if new_val is not old_val:
                    self._org_vals[i] = new_val
                    # a raised organization part cannot be recombined: evaluate in full
                    (full if _RAISED in (old_val, new_val) else recombine).append(c)
            else:
                if c.org_fn is not None:
                    self._org_vals[i] = self._org_part(c, env0)
                full.append(c)
        out: list[VerdictChange] = []
        if not recombine and not full:
            return out
        ctx = self._ctx() if any(c.spec.is_python for c in full) else None
        for rid, rel in self._rels.items():
            verdicts, parts = self._verdicts[rid], self._parts[rid]
            env = self._env(rel) if full else env0
            for c in recombine:
                i = c.index
                if verdicts[i] is _NA or rel.stage not in c.stages:
                    continue
                part = parts[i]
                if verdicts[i] is _ERROR:  # the relationship part raised: evaluate in full
                    v, part = self._eval_rel_rule(c, rel, self._env(rel), ctx)
                    parts[i] = part
                else:
                    v = _TRI[c.combine(self._org_vals[i], part)]  # type: ignore[misc, arg-type]
                if v is not verdicts[i]:
                    out.append(
                        VerdictChange(rule_id=c.spec.id, subject_id=rid, old=verdicts[i], new=v)
                    )
                    verdicts[i] = v
            for c in full:
                i = c.index
                v, part = self._eval_rel_rule(c, rel, env, ctx)
                parts[i] = part
                if v is not verdicts[i]:
                    out.append(
                        VerdictChange(rule_id=c.spec.id, subject_id=rid, old=verdicts[i], new=v)
                    )
                    verdicts[i] = v
        return out

    def _rel_part_touched(self, c: _Compiled, changed: list[Path]) -> bool:
        """Whether an organization change reaches more of *c* than its factored branches."""
        other = c.org_reads - c.factored_org_reads
        if not other:
            return False
        for p in changed:
            for q in other:
                n = min(len(p), len(q))
                if p[:n] == q[:n]:
                    return True
        return False

    def set_as_of(self, as_of: date) -> tuple[VerdictChange, ...]:
        """Move the evaluation date; re-evaluates only the time-aware rules."""
        if as_of == self._as_of:
            return ()
        self._as_of = as_of
        out = self._reevaluate_org_rules(i for i, s in enumerate(self._org_specs) if s.uses_as_of)
        out += self._refresh_rel_rules({c.index for c in self._rel if c.spec.uses_as_of}, None)
        return self._publish(out)

    def set_config(self, config: Config) -> tuple[VerdictChange, ...]:
        """Change the configuration; re-evaluates the rules that read it."""
        if config == self._config:
            return ()
        old = self._config.to_mapping()
        self._config = config
        self._set_config_values()
        keys = {k for k, v in self._values.items() if old.get(k) != v}

        def reads_config(s: RuleSpec) -> bool:
            return s.is_python or bool(s.config_keys & keys)

        out = self._reevaluate_org_rules(
            i for i, s in enumerate(self._org_specs) if reads_config(s)
        )
        out += self._refresh_rel_rules({c.index for c in self._rel if reads_config(c.spec)}, None)
        return self._publish(out)

    def set_ruleset(self, ruleset: RuleSet) -> tuple[VerdictChange, ...]:
        """Change the rule set; unchanged rules keep their verdicts, the others are evaluated."""
        before = self.verdicts()
        old_specs = {s.id: s for s in self._ruleset}
        old_org_verdicts = dict(
            zip((s.id for s in self._org_specs), self._org_verdicts, strict=True)
        )
        old_rel = {c.spec.id: c.index for c in self._rel}
        old_verdicts, old_parts = self._verdicts, self._parts
        self._install(ruleset)
        self._compute_org_vals()
        ctx = self._ctx() if self._has_python() else None
        env0 = self._env(None)
        self._org_verdicts = [
            old_org_verdicts[s.id] if old_specs.get(s.id) == s and s.id in old_org_verdicts
            else self._eval_org_rule(i, env0, ctx)
            for i, s in enumerate(self._org_specs)
        ]  # fmt: skip
        self._verdicts, self._parts = {}, {}
        for rid, rel in self._rels.items():
            env = self._env(rel)
            verdicts: list[Verdict] = []
            parts: list[Tri] = []
            for c in self._rel:
                j = old_rel.get(c.spec.id)
                if j is not None and old_specs.get(c.spec.id) == c.spec:
                    verdicts.append(old_verdicts[rid][j])
                    parts.append(old_parts[rid][j])
                else:
                    v, p = self._eval_rel_rule(c, rel, env, ctx)
                    verdicts.append(v)
                    parts.append(p)
            self._verdicts[rid], self._parts[rid] = verdicts, parts
        after = self.verdicts()
        out = [
            VerdictChange(rule_id=k[0], subject_id=k[1], old=before.get(k), new=after.get(k))
            for k in before.keys() | after.keys()
            if before.get(k) is not after.get(k)
        ]
        out.sort(key=lambda ch: (ch.subject_id, ch.rule_id))
        return self._publish(out)


_MISSING = frozenset({"missing", "not recorded"})


def _summary(trace: Any, verdict: Verdict) -> str:
    """One line naming each failing leaf once: the fact, its value, and what was wanted."""
    if verdict is _PASS:
        return "requirement met"
    parts: dict[str, None] = {}
    missing: list[str] = []  # paths already reported missing: what lies below them is too
    for leaf in trace.failing_leaves():
        path = leaf.path or ""
        if path and any(path == m or path.startswith(m + ".") for m in missing):
            continue
        if leaf.actual in _MISSING:
            missing.append(path)
        text = leaf_text(leaf)
        overdue = _overdue_hint(leaf)
        if overdue and overdue not in text:
            text += f" ({overdue})"
        parts.setdefault(text)
    shown = list(parts)
    more = f" (+{len(shown) - 4} more)" if len(shown) > 4 else ""  # noqa: PLR2004
    prefix = "evidence missing: " if verdict is _UNKNOWN else ""
    return prefix + "; ".join(shown[:4]) + more


class _RelationshipsView(Sequence[Relationship]):
    """The session's relationships as a read-only sequence, without copying them."""

    __slots__ = ("_rels",)

    def __init__(self, rels: dict[str, Relationship]) -> None:
        self._rels = rels

    def __len__(self) -> int:
        return len(self._rels)

    def __iter__(self) -> Iterator[Relationship]:
        return iter(self._rels.values())

    @overload
    def __getitem__(self, index: int) -> Relationship: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Relationship]: ...
    def __getitem__(self, index: int | slice) -> Relationship | Sequence[Relationship]:
        return tuple(self._rels.values())[index]


def _overdue_hint(trace: Any) -> str | None:
    """The "overdue by N days" hint of *trace*, or the least overdue of its items."""
    if trace.hint and trace.hint.startswith("overdue"):
        return str(trace.hint.split(";")[0])
    # a count shows its closest element (its first child): only that one's lateness counts
    children = trace.children[:1] if trace.quantifier else trace.children
    found = [h for h in (_overdue_hint(c) for c in children) if h]
    return min(found, key=lambda h: int(h.split()[2])) if found else None


def _facts(spec: RuleSpec, subject: Any, org: Organization) -> tuple[Fact, ...]:
    out: dict[str, str] = {}
    for path in sorted(spec.read_paths):
        root, *names = path
        if root == "relationships":
            continue
        obj: Any = org if root == "org" else subject
        shown: list[str] = [] if root == spec_root(spec) else ["organization"]
        for name in names:
            shown.append(name)
            obj = getattr(obj, name, None)
            if obj is None or isinstance(obj, tuple):
                break
        key = ".".join(shown) or root
        if key not in out:
            out[key] = show(obj)
    return tuple(Fact(path=k, value=v) for k, v in out.items())


def spec_root(spec: RuleSpec) -> str:
    """The canonical root of a rule's subject."""
    return "org" if spec.level is Level.ORG else "rel"


def evaluate(
    portfolio: Portfolio,
    ruleset: RuleSet | None = None,
    *,
    as_of: date,
    config: Config | None = None,
) -> Assessment:
    """Evaluate *ruleset* (the built-in ISO 44001 rules by default) on *portfolio* as of a date.

    Non-conformance never raises: every (rule, subject) pair gets a finding.
    """
    return Session(portfolio, ruleset, as_of=as_of, config=config).assessment()
