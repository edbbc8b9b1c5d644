"""The incremental engine: a session keeps every verdict current as facts change.

Each rule is compiled once per session into a plain Python function returning a verdict code
(see :mod:`._compile`); per lifecycle stage, a generated runner calls the rules that apply
there, so evaluating a relationship is one straight run of plain calls writing into a compact
row (one byte per rule) of a :class:`~._grid.Grid`, whose columns are the rules. A change to a
relationship is diffed against the old value (unchanged sub-objects are the same objects, so
the diff only descends where something changed), or named directly with :meth:`Session.set`; an
index from fact path to rules gives the rules to run again. Relationship rules whose condition
is an ``all_of``/``any_of`` with organization-only branches have those branches evaluated once
per change of the organization; when their value does not change, nothing else runs.
Organization rules that read every relationship can keep a *tally* that the engine maintains
incrementally, so a change to one relationship costs the same whatever the number of
relationships.

Findings (explanations, the facts read) are built on demand from the compact verdicts, and
indexed by subject.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import weakref
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, overload

import attrs

from collabrel._config import Config
from collabrel._dates import CalendarInterval, require_date
from collabrel._facts import FactField, Facts, FactSchema
from collabrel._identity import ByIdentity
from collabrel._model import ApplicationLevel, Exclusion, Organization, Portfolio, Relationship
from collabrel._stages import Stage
from collabrel.errors import (
    ConfigError,
    LoadError,
    RuleDefinitionError,
    UnknownFieldError,
    UnknownRuleError,
    UnknownSubjectError,
)
from collabrel.rules._assessment import Assessment, VerdictTable
from collabrel.rules._compile import (
    ERROR,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    RAISED,
    UNKNOWN,
    CheckFunctionError,
    CompiledRule,
    OrgPartRaised,
    compile_condition,
    compile_rule,
    timed_call,
)
from collabrel.rules._conditions import Binder, Env, leaf_text, show
from collabrel.rules._findings import (
    GATED_STAGES,
    Explanation,
    Fact,
    Finding,
    GapKind,
    Verdict,
    VerdictChange,
    lapsed,
)
from collabrel.rules._grid import OUT_OF_SCOPE, Grid, stage_table
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._runtime import (
    VERDICTS,
    Block,
    Changes,
    PathIndex,
    RuntimeEnv,
    diff,
    fact_updater,
    replace_field,
    rule_refresher,
    stage_runner,
)
from collabrel.rules._schema import Path
from collabrel.rules._spec import Level, Outcome, RuleContext, RuleSpec

__all__ = ["Assessment", "Listener", "Session", "VerdictTable", "evaluate"]

Listener = Callable[[tuple[VerdictChange, ...]], None]
"""A function told of the verdicts each update changed."""

_PASS, _FAIL, _NA, _UNKNOWN, _ERROR = VERDICTS
_TRI_CODE = {True: PASS, False: FAIL, None: UNKNOWN}
_NO_CHANGES = Changes()
"""The result of an update that changed no verdict (shared: it is empty and immutable)."""
_LARGE = 5_000
"""From this many relationships on, a session pauses the cyclic garbage collector while it
evaluates everything and freezes the objects it holds afterwards (see :func:`_bulk`)."""


@contextlib.contextmanager
def _paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (when it runs) for the duration.

    Findings and tables are many small objects without cycles, made on top of a session's
    long-lived ones: each collection their allocations would trigger scans the heap again,
    for nothing.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextlib.contextmanager
def _bulk(size: int) -> Iterator[None]:
    """Pause the cyclic garbage collector during bulk work on *size* subjects.

    The survivors are frozen afterwards: a large session's millions of long-lived objects
    are never garbage, and scanning them again at every collection costs more than the
    evaluation itself.
    """
    if size < _LARGE or not gc.isenabled():
        yield
        return
    with _paused():
        yield
    gc.freeze()


_REL: Path = ("rel",)
"""The root of a relationship's paths."""

_NONCONFORMITY = GapKind.NONCONFORMITY.value
_OPEN_GATE_ITEM = GapKind.OPEN_GATE_ITEM.value


def _describe(exc: BaseException) -> str:
    """``Type: message`` of an exception a user's code raised, even if it cannot print."""
    if isinstance(exc, CheckFunctionError):
        return f"check function {exc.name!r} raised {_describe(exc.error)}"
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises is still reported
        text = "(its message could not be printed)"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _outcome_code(value: object) -> int:
    if isinstance(value, Outcome):
        if not value.applicable:
            return NOT_APPLICABLE
        return _TRI_CODE[value.result]
    if value is None or value is True or value is False:
        return _TRI_CODE[value]
    msg = f"a rule must return Outcome, True, False or None; got {type(value).__name__}"
    raise TypeError(msg)


# ------------------------------------------------------------------------ compiled rules


def _finding_fields(spec: RuleSpec) -> dict[str, Any]:
    """The :class:`Finding` fields that come from the rule *spec* alone."""
    return {
        "rule_id": spec.id, "clause": spec.clause, "title": spec.title,
        "level": spec.level.value, "remedy": spec.remedy, "stage": spec.stage,
        "mode": spec.mode.value, "tags": spec.tags, "severity": spec.severity.value,
    }  # fmt: skip


@attrs.frozen(eq=False)
class _Rules:
    """A rule set compiled for one fact schema: what a session runs."""

    rel: tuple[RuleSpec, ...]
    org: tuple[RuleSpec, ...]
    rel_verdicts: tuple[Callable[[Any, Any, Any], int], ...]
    org_verdicts: tuple[Callable[[Any, Any, Any], int], ...]
    compiled: tuple[CompiledRule | None, ...]
    """The compiled relationship rules (``None`` for a Python rule)."""
    org_compiled: tuple[CompiledRule | None, ...]
    """The compiled organization rules (``None`` for a Python rule)."""
    factored: tuple[int, ...]
    """The positions of the relationship rules with a factored organization part."""
    rel_paths: PathIndex
    """Relationship paths -> relationship rules."""
    org_paths_rel: PathIndex
    """Organization paths -> relationship rules."""
    org_paths_org: PathIndex
    """Organization paths -> organization rules."""
    portfolio_paths: PathIndex
    """``relationships.*`` paths -> organization rules that read every relationship."""
    ids: dict[str, tuple[bool, int]]
    """Rule id -> (is a relationship rule, position)."""
    runners: dict[tuple[int, ...], Callable[[Any, Any, bytearray], None]] = attrs.field(
        factory=dict
    )
    """Generated stage runners, by the positions they run."""

    refreshers: dict[int, Callable[..., None]] = attrs.field(factory=dict)
    """Generated refresh loops, by rule position."""

    updaters: dict[tuple[int, ...], Callable[..., None] | None] = attrs.field(factory=dict)
    """Generated one-relationship updates, by the positions they run."""

    rel_updaters: dict[tuple[int, ...], Callable[..., None]] = attrs.field(factory=dict)
    """Generated updates of a built relationship, by the positions they run."""
    rel_updates_asked: dict[tuple[int, ...], int] = attrs.field(factory=dict)
    """How many times the update of each set of positions was asked for, before it was made."""

    plans: dict[tuple[Exclusion, ...], _Plan] = attrs.field(factory=dict)
    """What follows from each list of scope exclusions (see :meth:`plan`)."""

    statics: dict[bool, tuple[dict[str, Any], ...]] = attrs.field(factory=dict)
    """The fields a finding takes from its rule alone, per rule (see :meth:`finding_fields`)."""

    def finding_fields(self, is_rel: bool) -> tuple[dict[str, Any], ...]:
        """Per relationship (or organization) rule, the :class:`Finding` fields of the rule."""
        found = self.statics.get(is_rel)
        if found is None:
            found = self.statics[is_rel] = tuple(
                _finding_fields(s) for s in (self.rel if is_rel else self.org)
            )
        return found

    def plan(self, exclusions: tuple[Exclusion, ...]) -> _Plan:
        """The rules that apply per stage under *exclusions*, with their runners (once each)."""
        found = self.plans.get(exclusions)
        if found is None:
            if len(self.plans) >= _PLANS:
                self.plans.clear()
            found = self.plans[exclusions] = _plan(self, exclusions)
        return found

    def updater(self, positions: tuple[int, ...]) -> Callable[..., None] | None:
        """The update running the rules at *positions* inlined (``None`` with a Python rule)."""
        if positions not in self.updaters:
            ids = [spec.id for spec in self.rel]
            self.updaters[positions] = fact_updater(positions, ids, self.compiled)
        return self.updaters[positions]

    def rel_updater(self, positions: tuple[int, ...]) -> Callable[..., None] | None:
        """:meth:`updater` for a built relationship: Python rules are plain calls in it.

        Generating one costs milliseconds, so it is made the third time the same rules are
        asked for (``None`` before that: run them one by one), when they are likely to be
        asked for again.
        """
        found = self.rel_updaters.get(positions)
        if found is None:
            asked = self.rel_updates_asked[positions] = self.rel_updates_asked.get(positions, 0) + 1
            if asked < _GENERATE_AFTER:
                return None
            ids = [spec.id for spec in self.rel]
            found = fact_updater(positions, ids, self.compiled, self.rel_verdicts)
            assert found is not None  # noqa: S101 - with the verdicts, there always is one
            self.rel_updaters[positions] = found
        return found

    def refresher(self, position: int) -> Callable[..., None]:
        """The loop that runs the rule at *position* on many relationships (generated once)."""
        found = self.refreshers.get(position)
        if found is None:
            found = self.refreshers[position] = rule_refresher(
                position, self.rel_verdicts[position], self.compiled[position]
            )
        return found

    def runner(self, positions: tuple[int, ...]) -> Callable[[Any, Any, bytearray], None]:
        """The runner of the rules at *positions* (generated once per rule set)."""
        found = self.runners.get(positions)
        if found is None:
            found = self.runners[positions] = stage_runner(
                positions, self.rel_verdicts, self.compiled
            )
        return found


_GENERATE_AFTER = 3
"""The how-many-th request of the same rules makes their generated update."""

_PLANS = 16
"""How many lists of scope exclusions a compiled rule set keeps the plans of."""


@attrs.define(eq=False)
class _Plan:
    """What follows from one list of scope exclusions (4.3) for a compiled rule set.

    Every session with the same rule set and the same exclusions shares it: the exclusions
    are matched against the rules once, the stage runners are chosen once, and what the
    sessions work out from them later (the rules to run again per changed path and stage)
    is remembered for all of them.
    """

    excluded: dict[str, tuple[frozenset[str] | None, str]]
    """Rule id -> (the relationships it is excluded for, ``None`` for all; why)."""
    applies: list[frozenset[Stage]]
    """Per relationship rule: the stages it is evaluated in (empty when excluded)."""
    limited: dict[str, tuple[int, ...]]
    """Relationship id -> positions of the rules excluded for it alone."""
    runners: dict[Stage, Callable[[Any, Any, bytearray], None]]
    """Stage -> the generated runner of the rules that apply at it."""
    org_runner: Callable[[Any, Any, bytearray], None]
    """The generated runner of the organization rules not excluded."""
    stage_tables: dict[tuple[int, int, int], bytes] = attrs.field(factory=dict)
    """(rule position, inside, outside) -> a translate table of the stage codes."""
    affected: dict[tuple[Path, Stage] | None, tuple[int, ...]] = attrs.field(factory=dict)
    """(changed path, stage) -> the rules to run again."""
    facts: dict[
        tuple[str, Stage], tuple[tuple[int, Callable[[Any, Any, Any], int], str, bool], ...]
    ] = attrs.field(factory=dict)
    """(fact name, stage) -> the rules to run again when the fact changes."""
    fact_updaters: dict[tuple[str, Stage], Callable[..., None] | None] = attrs.field(factory=dict)
    """(fact name, stage) -> those rules inlined in one generated function, if they can be."""


def _plan(rules: _Rules, exclusions: tuple[Exclusion, ...]) -> _Plan:
    excluded: dict[str, tuple[frozenset[str] | None, str]] = {}
    for ex in exclusions:
        limited = frozenset(ex.relationships) if ex.relationships else None
        for spec in (*rules.rel, *rules.org):
            if ex.covers(spec.id, spec.clause):
                before = excluded.get(spec.id, (frozenset(), ""))[0]
                merged = None if limited is None or before is None else before | limited
                excluded[spec.id] = (merged, ex.justification)
    applies: list[frozenset[Stage]] = []
    limited_by: dict[str, list[int]] = {}
    for i, spec in enumerate(rules.rel):
        reach = excluded.get(spec.id, (frozenset(), ""))[0]
        applies.append(frozenset() if reach is None else spec.stages_in)
        for rid in reach or ():
            limited_by.setdefault(rid, []).append(i)
    by_stage: dict[Stage, list[int]] = {}
    for i, stages in enumerate(applies):
        for stage in stages:
            by_stage.setdefault(stage, []).append(i)
    return _Plan(
        excluded=excluded,
        applies=applies,
        limited={rid: tuple(v) for rid, v in limited_by.items()},
        runners={stage: rules.runner(tuple(positions)) for stage, positions in by_stage.items()},
        org_runner=stage_runner(
            [j for j, spec in enumerate(rules.org) if spec.id not in excluded],
            rules.org_verdicts,
            rules.org_compiled,
        ),
    )


def _no_rules(subject: Any, env: Any, row: bytearray) -> None:
    """The runner of no rules."""


def _binder(spec: RuleSpec, facts: FactSchema | None) -> Binder:
    root = "org" if spec.level is Level.ORG else "rel"
    return Binder(
        scope=Organization if root == "org" else Relationship,
        scope_path=(root,),
        default_root=root,
        rule_id=spec.id,
        facts=facts,
    )


def _check_facts(spec: RuleSpec, facts: FactSchema) -> None:
    """Bind the rule again with the declared facts.

    A fact it reads must exist with a type its nodes accept (a list for a count, a unit of
    the same dimension...).
    """
    if not any(len(p) > 1 and p[1] == "facts" for p in spec.read_paths):
        return
    binder = _binder(spec, facts)
    try:
        for tree in (spec.condition, spec.applies_when):
            if tree is not None:
                tree.bind(binder)
        for text in spec.reads:
            binder.path(text.removeprefix("relationships."))
    except RuleDefinitionError as exc:
        text = str(exc)
        who = "" if spec.id in text else f"Rule {spec.id!r}: "
        msg = f"{who}{text} (checked against the facts this portfolio's organization declares)"
        raise type(exc)(msg) from None


def _tallied_ctx(e: RuntimeEnv, position: int) -> RuleContext:
    """The context of the tallied organization rule at *position*: the session's, with its tally.

    It is made again only when the session's context or the tally object changes.
    """
    base, tally = e.ctx, e.tallies[position]
    found = e.tallied.get(position)
    if found is None or found[0] is not base or found[1].tally is not tally:
        found = e.tallied[position] = (base, attrs.evolve(base, tally=tally))
    return found[1]


def _python_verdict(
    spec: RuleSpec, when: Callable[[Any, Any, Any], bool | None] | None, position: int
) -> Callable[[Any, Any, Any], int]:
    predicate = spec.predicate
    assert predicate is not None  # noqa: S101 - a Python rule
    tallied = spec.tally is not None
    trusted = spec.namespace == "iso44001"  # the catalogue's own rules are not timed

    def verdict(s: Any, e: Any, v: Any) -> int:
        if when is not None:
            w = when(s, e, v)
            if w is not True:
                return NOT_APPLICABLE if w is False else UNKNOWN
        ctx = e.ctx if not tallied else _tallied_ctx(e, position)
        if trusted:
            return _outcome_code(predicate(s, ctx))
        return _outcome_code(timed_call(predicate, spec.id, e.budget, s, ctx))

    return verdict


_COMPILED: weakref.WeakKeyDictionary[RuleSet, dict[FactSchema | None, _Rules]] = (
    weakref.WeakKeyDictionary()
)
"""Rule sets already compiled, per fact schema (a rule set compiles once, however many
sessions use it)."""


def _compile_rules(ruleset: RuleSet, facts: FactSchema | None) -> _Rules:
    by_schema = _COMPILED.setdefault(ruleset, {})
    found = by_schema.get(facts)
    if found is None:
        found = by_schema[facts] = _compile(ruleset, facts)
    return found


def _compile(ruleset: RuleSet, facts: FactSchema | None) -> _Rules:
    rel = tuple(s for s in ruleset if s.level is not Level.ORG)
    org = tuple(s for s in ruleset if s.level is Level.ORG)
    if facts is not None:
        for spec in ruleset:
            _check_facts(spec, facts)
    rel_verdicts: list[Callable[[Any, Any, Any], int]] = []
    compiled: list[CompiledRule | None] = []
    for i, spec in enumerate(rel):
        if spec.condition is not None:
            c = compile_rule(spec, _binder(spec, facts), index=i, facts=facts)
            compiled.append(c)
            rel_verdicts.append(c.verdict)
        else:
            when = _compiled_when(spec, facts)
            compiled.append(None)
            rel_verdicts.append(_python_verdict(spec, when, i))
    org_verdicts: list[Callable[[Any, Any, Any], int]] = []
    org_compiled: list[CompiledRule | None] = []
    for j, spec in enumerate(org):
        if spec.condition is not None:
            c = compile_rule(spec, _binder(spec, facts), index=j, facts=facts, factor=False)
            org_compiled.append(c)
            org_verdicts.append(c.verdict)
        else:
            org_compiled.append(None)
            org_verdicts.append(_python_verdict(spec, _compiled_when(spec, facts), j))

    def of(specs: Sequence[RuleSpec], root: str) -> list[tuple[int, list[Path]]]:
        return [(i, [p for p in s.read_paths if p[0] == root]) for i, s in enumerate(specs)]

    ids = {s.id: (True, i) for i, s in enumerate(rel)} | {
        s.id: (False, j) for j, s in enumerate(org)
    }
    return _Rules(
        rel=rel,
        org=org,
        rel_verdicts=tuple(rel_verdicts),
        org_verdicts=tuple(org_verdicts),
        compiled=tuple(compiled),
        org_compiled=tuple(org_compiled),
        factored=tuple(
            i for i, c in enumerate(compiled) if c is not None and c.org_part is not None
        ),
        rel_paths=PathIndex(of(rel, "rel")),
        org_paths_rel=PathIndex(of(rel, "org")),
        org_paths_org=PathIndex(of(org, "org")),
        portfolio_paths=PathIndex(
            [
                (j, [("rel", *p[1:]) for p in s.read_paths if p[0] == "relationships"])
                for j, s in enumerate(org)
            ]
        ),
        ids=ids,
    )


def _compiled_when(
    spec: RuleSpec, facts: FactSchema | None
) -> Callable[[Any, Any, Any], bool | None] | None:
    if spec.applies_when is None:
        return None
    trusted = spec.namespace == "iso44001"
    return compile_condition(
        spec.applies_when, _binder(spec, facts), facts=facts, trusted=trusted
    ).fn


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


# ------------------------------------------------------------------------------ session


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

    def __init__(  # noqa: PLR0915 - every piece of the session's state is declared here, once
        self,
        portfolio: Portfolio,
        ruleset: RuleSet | None = None,
        *,
        as_of: date,
        config: Config | None = None,
        tallies: Mapping[str, Counter[Any]] | None = None,
        time_budget: float | None = 1.0,
    ) -> None:
        if ruleset is None:
            from collabrel.rules import default_ruleset

            ruleset = default_ruleset()
        _check_ruleset(ruleset)
        self._given_tallies = tallies
        """Tallies of relationships held elsewhere (evaluation in parts), by rule id."""
        if time_budget is not None and (
            isinstance(time_budget, bool)
            or not isinstance(time_budget, int | float)
            or not time_budget > 0
        ):
            msg = f"time_budget is a number of seconds above 0, or None; got {time_budget!r}"
            raise ConfigError(msg)
        self._budget = time_budget
        """Seconds one of a user's functions may take on one subject (``None``: no limit)."""
        config = _default_config() if config is None else _check_config(config)
        rels: dict[str, Relationship] = {}
        for rel in portfolio.relationships:
            if rel.id in rels:
                raise UnknownSubjectError(f"relationship id {rel.id!r} appears twice")
            rels[rel.id] = rel
        self._org: Organization = portfolio.organization
        self._rels = rels
        self._as_of = require_date(as_of, "as_of")
        self._config = config
        self._listeners: list[Listener] = []
        self._portfolio_cache: Portfolio | None = portfolio
        self._ruleset = ruleset
        self._facts: FactSchema | None = None
        self._rules: _Rules
        self._portfolio_rules = False
        """Whether an organization rule reads every relationship (``relationships.*``)."""
        self._env: RuntimeEnv
        self._scope: frozenset[str] | None = None
        """The relationships in scope (``None``: every one)."""
        self._excluded: dict[str, tuple[frozenset[str] | None, str]] = {}
        """Rule id -> (the relationships it is excluded for, ``None`` for all; why)."""
        self._limited: dict[str, tuple[int, ...]] = {}
        """Relationship id -> positions of the rules excluded for it alone."""
        self._applies: list[frozenset[Stage]] = []
        """Per relationship rule: the stages it is evaluated in (empty when excluded)."""
        self._runners: dict[Stage, Callable[[Any, Any, bytearray], None]] = {}
        self._org_runner: Callable[[Any, Any, bytearray], None] = _no_rules
        self._affected_memo: dict[tuple[Path, Stage] | None, tuple[int, ...]] = {}
        """(changed path, stage) -> the rules to run again."""
        self._blank = bytearray()
        self._grid = Grid(0)
        """The relationship verdicts: one code per relationship and relationship rule."""
        self._stage_tables: dict[tuple[int, int, int], bytes] = {}
        """(rule position, inside, outside) -> a translate table of the stage codes."""
        self._org_row = bytearray()
        self._org_errors: dict[int, str] = {}
        """Position -> the error of a factored organization part that raised."""
        self._tallies: dict[int, Counter[Hashable]] = {}
        self._tallied: dict[int, dict[str, tuple[Hashable, ...]]] = {}
        self._findings: tuple[Finding, ...] | None = None
        self._stale: dict[str, tuple[Any, ...]] = {}
        """Relationship id -> its fact values, set with :meth:`set` since the relationship
        value was last built."""
        self._fact_memo: dict[
            tuple[str, Stage], tuple[tuple[int, Callable[[Any, Any, Any], int], str, bool], ...]
        ] = {}
        """(fact name, stage) -> the rules to run again when the fact changes."""
        self._fact_updaters: dict[tuple[str, Stage], Callable[..., None] | None] = {}
        """(fact name, stage) -> those rules inlined in one generated function, if they can be."""
        self._fact_paths: dict[str, str] = {}
        """Paths already seen by :meth:`set` that name a declared relationship fact."""
        with _bulk(len(rels)):
            self._install(ruleset)
            self._evaluate_all()

    # ---------------------------------------------------------------------- plumbing

    def _make_env(self) -> RuntimeEnv:
        mapping, intervals = _config_values(self._config)
        env = RuntimeEnv(
            as_of=self._as_of,
            intervals=intervals,
            values=mapping,
            org=self._org,
            ctx=self._ctx(),
        )
        env.op = [None] * len(self._rules.rel)
        env.tallies = self._tallies
        env.budget = self._budget
        return env

    def _ctx(self) -> RuleContext:
        return RuleContext(
            as_of=self._as_of,
            config=self._config,
            organization=self._org,
            relationships=_RelationshipsView(self._rels),
        )

    def _install(self, ruleset: RuleSet) -> None:
        schema = self._org.fact_schema
        self._facts = schema if (schema.organization or schema.relationship) else None
        self._fact_paths.clear()
        self._ruleset = ruleset
        self._rules = _compile_rules(ruleset, self._facts)
        self._portfolio_rules = bool(self._rules.portfolio_paths)
        self._blank = bytearray([NOT_APPLICABLE]) * len(self._rules.rel)
        self._compute_scope()

    def _compute_scope(self) -> None:
        """Take the scope (4.3): the relationships it covers and the rules it excludes.

        What follows from the exclusions (the rules that apply per stage, their runners and
        the memos that depend on them) is worked out once per rule set and list of
        exclusions, and shared by every session with the same ones (see :class:`_Plan`).
        """
        scope = self._org.scope
        plan = self._rules.plan(scope.exclusions if scope is not None else ())
        if scope is None or scope.application_level in (None, ApplicationLevel.ORGANIZATION_WIDE):
            self._scope = None
        else:
            self._scope = frozenset(scope.relationships_in_scope)
        self._excluded = plan.excluded
        self._applies = plan.applies
        self._limited = plan.limited
        self._runners = plan.runners
        self._org_runner = plan.org_runner
        self._stage_tables = plan.stage_tables
        self._affected_memo = plan.affected
        self._fact_memo = plan.facts
        self._fact_updaters = plan.fact_updaters

    def in_scope(self, relationship_id: str) -> bool:
        """Return whether the organization's scope (4.3) covers the relationship.

        Relationship rules give NOT_APPLICABLE for a relationship out of scope.
        """
        return self._scope is None or relationship_id in self._scope

    # -------------------------------------------------------------------- evaluation

    def _evaluate_all(self) -> None:
        self._findings = None
        self._env = self._make_env()
        self._compute_org_parts(self._rules.factored)
        self._init_tallies()
        row = self._org_row = bytearray([NOT_APPLICABLE]) * len(self._rules.org)
        self._org_runner(self._org, self._env, row)
        grid = self._grid = Grid(len(self._rules.rel))
        for rid, rel in self._rels.items():
            grid.append(rid, rel, self._evaluate_relationship(rid, rel), self._stage_code(rid, rel))

    def _stage_code(self, rid: str, rel: Relationship) -> int:
        """The grid's stage code of *rel*: its stage number, or out of scope."""
        if self._scope is not None and rid not in self._scope:
            return OUT_OF_SCOPE
        return int(rel.stage)

    def _evaluate_relationship(self, rid: str, rel: Relationship) -> bytearray:
        row = bytearray(self._blank)
        if self._scope is None or rid in self._scope:
            runner = self._runners.get(rel.stage)
            if runner is not None:
                runner(rel, self._env, row)
            for i in self._limited.get(rid, ()):
                row[i] = NOT_APPLICABLE
        return row

    def _eval_rel(self, i: int, rel: Relationship) -> int:
        """The verdict code of relationship rule *i* on *rel*, where it applies."""
        if rel.stage not in self._applies[i] or (
            self._scope is not None and rel.id not in self._scope
        ):
            return NOT_APPLICABLE
        if i in self._limited.get(rel.id, ()):
            return NOT_APPLICABLE
        try:
            return self._rules.rel_verdicts[i](rel, self._env, _values(rel))
        except Exception:  # noqa: BLE001 - a check function or Python rule raised
            return ERROR

    def _eval_org(self, j: int) -> int:
        spec = self._rules.org[j]
        if spec.id in self._excluded:
            return NOT_APPLICABLE
        try:
            return self._rules.org_verdicts[j](self._org, self._env, ())
        except Exception:  # noqa: BLE001 - a check function or Python rule raised
            return ERROR

    def _compute_org_parts(self, positions: Iterable[int]) -> list[int]:
        """Evaluate the factored organization parts at *positions*; return those that changed."""
        op = self._env.op
        changed = []
        for i in positions:
            c = self._rules.compiled[i]
            if c is None or c.org_part is None:
                continue
            value: object
            try:
                value = c.org_part(None, self._env, ())
                self._org_errors.pop(i, None)
            except Exception as exc:  # noqa: BLE001 - a check function raised
                value = RAISED
                self._org_errors[i] = _describe(exc)
            if value is not op[i]:
                op[i] = value
                changed.append(i)
        return changed

    def _init_tallies(self) -> None:
        self._tallies.clear()
        self._tallied.clear()
        given = self._given_tallies or {}
        for j, spec in enumerate(self._rules.org):
            tally = spec.tally
            if tally is None:
                continue
            keys = {rid: tuple(tally(rel)) for rid, rel in self._rels.items()}
            counter: Counter[Hashable] = Counter(given.get(spec.id, ()))
            counter.update(itertools.chain.from_iterable(keys.values()))  # counted in C
            self._tallies[j], self._tallied[j] = counter, keys

    def _retally(self, j: int, rid: str, rel: Relationship | None) -> bool:
        """Move relationship *rid*'s keys in the tally of rule *j*; return whether it changed."""
        spec = self._rules.org[j]
        assert spec.tally is not None  # noqa: S101 - only tallied rules come here
        counter, keys = self._tallies[j], self._tallied[j]
        old = keys.pop(rid, ())
        new = tuple(spec.tally(rel)) if rel is not None else ()
        if rel is not None:
            keys[rid] = new
        if new == old:
            return False
        for k in old:
            left = counter[k] - 1
            if left > 0:
                counter[k] = left
            else:
                del counter[k]
        for k in new:
            counter[k] += 1
        return True

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
        self._flush()
        if self._portfolio_cache is None:
            self._portfolio_cache = _portfolio(self._org, tuple(self._rels.values()))
        return self._portfolio_cache

    def relationship(self, relationship_id: str) -> Relationship:
        """Return the current value of a relationship.

        Raises:
            UnknownSubjectError: when there is none.
        """
        self._flush()
        try:
            return self._rels[relationship_id]
        except KeyError:
            raise self._unknown_subject(relationship_id) from None

    def _unknown_subject(self, sid: str) -> UnknownSubjectError:
        known = ", ".join(list(self._rels)[:10]) or "none"
        more = f" (and {len(self._rels) - 10} more)" if len(self._rels) > 10 else ""  # noqa: PLR2004
        return UnknownSubjectError(
            f"no relationship {sid!r} in this session; known ids include: {known}{more}"
        )

    def _locate(self, rule_id: str, subject_id: str) -> tuple[RuleSpec, bool, int, int]:
        """(spec, is a relationship rule, position, verdict code) of a pair."""
        found = self._rules.ids.get(rule_id)
        if found is None:
            self._ruleset.get(rule_id)  # raises with a did-you-mean
            raise UnknownRuleError(rule_id)  # pragma: no cover - get() raised
        is_rel, pos = found
        if not is_rel:
            if subject_id != self._org.id:
                raise UnknownSubjectError(
                    f"{rule_id!r} is an organization rule; its subject is {self._org.id!r}"
                )
            return self._rules.org[pos], False, pos, self._org_row[pos]
        k = self._grid.pos.get(subject_id)
        if k is None:
            raise self._unknown_subject(subject_id)
        return self._rules.rel[pos], True, pos, self._grid.codes[k * self._grid.width + pos]

    def _codes(self, subject_id: str) -> tuple[bytes | bytearray, dict[str, tuple[bool, int]]]:
        """The verdict codes of a subject, and rule id -> (is a relationship rule, position).

        A relationship's codes are those of the relationship rules, the organization's those
        of the organization rules. For the reports' rows and counts; raises
        :class:`UnknownSubjectError` for an unknown subject.
        """
        if subject_id == self._org.id:
            return self._org_row, self._rules.ids
        if subject_id not in self._grid:
            raise self._unknown_subject(subject_id)
        return self._grid.row(subject_id), self._rules.ids

    def _gap(self, rule_id: str, subject_id: str) -> GapKind | None:
        """:attr:`Finding.gap` of one pair, without building the finding (for the reports).

        Only a FAIL or UNKNOWN of a rule of the relationship's current, gated stage is
        traced (briefly, as :meth:`table` does) to see whether anything in it lapsed.
        """
        self._flush()
        spec, is_rel, _, code = self._locate(rule_id, subject_id)
        if code not in (FAIL, UNKNOWN):
            return None
        stage = spec.stage
        rel = self._rels[subject_id] if is_rel else None
        if rel is None or stage is None or stage is not rel.stage or stage not in GATED_STAGES:
            return GapKind.NONCONFORMITY
        bound = spec.bound
        trace = bound.brief_trace(rel, self._trace_env(rel)) if bound is not None else None
        return GapKind.NONCONFORMITY if lapsed(trace) else GapKind.OPEN_GATE_ITEM

    def verdict(self, rule_id: str, subject_id: str) -> Verdict:
        """Return the current verdict of *rule_id* on *subject_id*.

        Raises:
            UnknownRuleError: when the rule is not in the rule set (with a did-you-mean).
            UnknownSubjectError: when the subject is unknown.
        """
        return VERDICTS[self._locate(rule_id, subject_id)[3]]

    def verdicts(self) -> dict[tuple[str, str], Verdict]:
        """Return every current verdict, keyed by (rule id, subject id)."""
        org_id = self._org.id
        out = {
            (s.id, org_id): VERDICTS[c] for s, c in zip(self._rules.org, self._org_row, strict=True)
        }
        ids = [s.id for s in self._rules.rel]
        for rid, row in self._grid.rows(self._rels):
            for rule_id, c in zip(ids, row, strict=True):
                out[(rule_id, rid)] = VERDICTS[c]
        return out

    def counts(self) -> dict[Verdict, int]:
        """How many (rule, subject) pairs have each verdict, without building findings."""
        totals = [
            self._org_row.count(code) + self._grid.count(code) for code in range(len(VERDICTS))
        ]
        return dict(zip(VERDICTS, totals, strict=True))

    def tally(self, rule_id: str) -> Counter[Any]:
        """The current tally of an organization rule that keeps one (a copy).

        Raises:
            UnknownRuleError: when the rule is not in the rule set or keeps no tally.
        """
        found = self._rules.ids.get(rule_id)
        if found is None or found[0] or found[1] not in self._tallies:
            self._ruleset.get(rule_id)  # raises for an unknown rule, with a did-you-mean
            raise UnknownRuleError(f"{rule_id!r} keeps no tally (it is not a tallied rule)")
        return Counter(self._tallies[found[1]])

    def table(self, *, messages: bool = True, organization: bool = True) -> VerdictTable:
        """Every verdict as columns, without making a :class:`Finding` per pair.

        The columns are subject, rule, clause, stage, level, verdict, gap and message;
        convert the table with ``to_pandas()``. The gap of a FAIL or UNKNOWN row tells an open
        gate item from a nonconformity as :attr:`Finding.gap` does (it explains the failing
        rules of each relationship's current stage to see whether anything is overdue).

        *messages* explains the non-passing pairs (a passing pair's message is empty);
        *organization* includes the organization rules' rows.
        """
        self._flush()
        with _paused():
            return self._table(messages=messages, organization=organization)

    def _table(self, *, messages: bool, organization: bool) -> VerdictTable:
        rules = self._rules
        cols: dict[str, list[Any]] = {k: [] for k in VerdictTable.COLUMNS}
        subject, verdict, gaps, texts = (
            cols["subject"],
            cols["verdict"],
            cols["gap"],
            cols["message"],
        )
        names = _VERDICT_VALUES.__getitem__

        def add(
            specs: Sequence[RuleSpec],
            static: tuple[tuple[Any, ...], ...],
            codes: bytearray,
            sid: str,
            current: Stage | None,
        ) -> None:
            # the columns of one subject: the rules' own columns are copied whole, the
            # verdicts mapped in C; only the non-passing positions are visited one by one
            n = len(codes)
            for name, values in zip(("rule", "clause", "stage", "level"), static, strict=True):
                cols[name].extend(values)
            subject.extend([sid] * n)
            verdict.extend(map(names, codes))
            gap: list[str | None] = [None] * n
            message = [""] * n
            is_rel = current is not None
            gated = current in GATED_STAGES
            env = None
            for code in _ACTION_CODES:
                pos = codes.find(code)
                while pos >= 0:
                    spec = specs[pos]
                    bound = spec.bound
                    trace = None
                    if code != ERROR:  # as Finding.gap: due work of the current stage?
                        gap[pos] = _NONCONFORMITY
                        if gated and spec.stage is current:
                            if bound is not None:  # a FAIL or UNKNOWN of a condition tree
                                env = env or self._trace_env(self._rels[sid])
                                trace = bound.brief_trace(env.rel, env)
                            if not lapsed(trace):
                                gap[pos] = _OPEN_GATE_ITEM
                    if messages:
                        if trace is None and bound is not None and code != ERROR:
                            env = env or self._trace_env(self._rels[sid] if is_rel else None)
                            trace = bound.brief_trace(env.rel if is_rel else self._org, env)
                        message[pos] = (
                            _summary(trace, VERDICTS[code])
                            if trace is not None
                            else self._explain(spec, is_rel, pos, code, sid).message
                        )
                    pos = codes.find(code, pos + 1)
            gaps.extend(gap)
            texts.extend(message)

        if organization:
            add(rules.org, _static_columns(rules.org), self._org_row, self._org.id, None)
        rels = self._rels
        static = _static_columns(rules.rel)
        for rid, row in self._grid.rows(rels):
            add(rules.rel, static, row, rid, rels[rid].stage)
        return VerdictTable(
            **{k: tuple(v) for k, v in cols.items()},
            as_of=self._as_of,
            ruleset_version=self._ruleset.version,
        )

    def explain(self, rule_id: str, subject_id: str) -> Explanation:
        """Explain the current verdict of *rule_id* on *subject_id*.

        The explanation holds the failing leaves with their actual and expected values, and
        the facts read.
        """
        self._flush()
        spec, is_rel, pos, code = self._locate(rule_id, subject_id)
        return self._explain(spec, is_rel, pos, code, subject_id)

    def _repr_html_(self) -> str:
        """The Jupyter display: what the session holds, its counts, the first subjects."""
        from collabrel._html import session_html

        return session_html(self)

    def _explain(
        self, spec: RuleSpec, is_rel: bool, pos: int, code: int, subject_id: str
    ) -> Explanation:
        verdict = VERDICTS[code]
        subject: Any = self._rels[subject_id] if is_rel else self._org
        trace = None
        message = ""
        if verdict is _NA:
            message = (
                self._structural_na(spec, subject)
                or self._python_message(spec, subject, pos, is_rel)
                or "its applicability condition does not hold"
            )
        elif verdict is _ERROR:
            message = self._error_message(subject, pos, is_rel)
        elif spec.bound is not None:
            env = self._trace_env(subject if is_rel else None)
            trace = spec.bound.trace(subject, env)
            message = _summary(trace, verdict)
        else:
            message = self._python_message(spec, subject, pos, is_rel)
        return Explanation(
            rule_id=spec.id, subject_id=subject_id, verdict=verdict, trace=trace, message=message
        )

    def _trace_env(self, rel: Relationship | None) -> Env:
        env = self._env
        return Env(as_of=env.as_of, intervals=env.intervals, values=env.values, org=self._org,
                   rel=rel)  # fmt: skip

    def _python_message(self, spec: RuleSpec, subject: Any, pos: int, is_rel: bool) -> str:
        """The message of a Python rule's outcome (the rule is run again: it is pure)."""
        if spec.predicate is None:
            return ""
        ctx = self._env.ctx
        if not is_rel and spec.tally is not None:
            ctx = _tallied_ctx(self._env, pos)
        try:
            result = spec.predicate(subject, ctx)
        except Exception as exc:  # noqa: BLE001 - reported as the ERROR's message
            return _describe(exc)
        return result.message if isinstance(result, Outcome) else ""

    def _error_message(self, subject: Any, pos: int, is_rel: bool) -> str:
        """Why a pair is ERROR: run it again (it is pure) and catch what it raises."""
        if is_rel and pos in self._org_errors:
            return self._org_errors[pos]
        verdicts = self._rules.rel_verdicts if is_rel else self._rules.org_verdicts
        try:
            code = verdicts[pos](subject, self._env, _values(subject) if is_rel else ())
        except OrgPartRaised:
            return self._org_errors.get(pos, "the organization part raised")
        except Exception as exc:  # noqa: BLE001 - this is what is reported
            return _describe(exc)
        return f"the rule returned an unexpected verdict ({code})"

    def _structural_na(self, spec: RuleSpec, subject: Any) -> str | None:
        """Why the rule cannot apply to *subject* whatever the facts (scope, exclusion, stage)."""
        if isinstance(subject, Relationship) and not self.in_scope(subject.id):
            return "the relationship is outside the scope of the CBRMS (4.3)"
        if spec.id in self._excluded:
            limited, why = self._excluded[spec.id]
            if limited is None or getattr(subject, "id", None) in limited:
                return f"excluded from the CBRMS scope (4.3): {why}"
        if isinstance(subject, Relationship) and subject.stage not in spec.stages_in:
            return _NOT_AT[subject.stage]
        return None

    def finding(self, rule_id: str, subject_id: str) -> Finding:
        """Return the full finding (with explanation and facts) of one pair."""
        self._flush()
        spec, is_rel, pos, code = self._locate(rule_id, subject_id)
        return self._finding(spec, is_rel, pos, code, subject_id, detail=True)

    def _finding(
        self, spec: RuleSpec, is_rel: bool, pos: int, code: int, subject_id: str, *, detail: bool
    ) -> Finding:
        verdict = VERDICTS[code]
        subject: Any = self._rels[subject_id] if is_rel else self._org
        needs_action = code in _ACTION_CODES
        explanation = None
        if detail or needs_action:
            explanation = self._explain(spec, is_rel, pos, code, subject_id)
            message = explanation.message or (
                "requirement met" if code == PASS else verdict.label.lower()
            )
        else:
            message = self._settled_message(spec, code, subject)
        return Finding(
            **self._rules.finding_fields(is_rel)[pos],
            subject_id=subject_id, verdict=verdict, message=message, as_of=self._as_of,
            ruleset_version=self._ruleset.version,
            explanation=explanation if needs_action else None,
            facts=_facts(spec, subject, self._org) if detail or needs_action else (),
            error=message if code == ERROR else None,
            subject_stage=subject.stage if is_rel else None,
        )  # fmt: skip

    def _settled_message(self, spec: RuleSpec, code: int, subject: Any) -> str:
        """The message of a PASS or NOT_APPLICABLE finding that is not explained.

        It depends on the rule, the verdict and where the subject stands (its scope, the
        exclusions, its stage), never on the facts: the reports make the rows of such
        findings without building them (``_render/_source.py``).
        """
        if code == NOT_APPLICABLE:
            return self._structural_na(spec, subject) or "its applicability condition does not hold"
        return "requirement met"

    def findings(
        self, *, subject_id: str | None = None, detail: str = "failing"
    ) -> tuple[Finding, ...]:
        """Return every finding (or those of one subject), organization rules first.

        Explanations and the facts read are built for the findings that need action (FAIL,
        UNKNOWN, ERROR); ``detail="all"`` builds them for every finding. One subject's
        findings cost what its rules cost, whatever the size of the portfolio.

        Raises:
            UnknownSubjectError: for an unknown *subject_id*.
            ValueError: for a *detail* other than ``"failing"`` or ``"all"``.
        """
        self._flush()
        if detail not in ("failing", "all"):
            msg = f"detail is 'failing' or 'all'; got {detail!r}"
            raise ValueError(msg)
        full = detail == "all"
        rules = self._rules
        if subject_id is not None:
            if subject_id == self._org.id:
                codes = zip(rules.org, self._org_row, strict=True)
                return tuple(self._finding(s, False, j, c, subject_id, detail=full)
                             for j, (s, c) in enumerate(codes))  # fmt: skip
            if subject_id not in self._grid:
                raise self._unknown_subject(subject_id)
            row = self._grid.row(subject_id)
            return tuple(self._finding(s, True, i, c, subject_id, detail=full)
                         for i, (s, c) in enumerate(zip(rules.rel, row, strict=True)))  # fmt: skip
        if not full and self._findings is not None:
            return self._findings
        with _paused():
            found = self._all_findings(full=full)
        if not full:
            self._findings = found
        return found

    def _all_findings(self, *, full: bool) -> tuple[Finding, ...]:
        rules = self._rules
        out = [self._finding(s, False, j, c, self._org.id, detail=full)
               for j, (s, c) in enumerate(zip(rules.org, self._org_row, strict=True))]  # fmt: skip
        for rid, row in self._grid.rows(self._rels):
            out += [self._finding(s, True, i, c, rid, detail=full)
                    for i, (s, c) in enumerate(zip(rules.rel, row, strict=True))]  # fmt: skip
        return tuple(out)

    def assessment(self) -> Assessment:
        """Return the current findings as an :class:`Assessment` (shares :meth:`findings`)."""
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

    def _publish(self, changes: Changes) -> Changes:
        if changes:
            self._findings = None
            if self._listeners:
                delta = tuple(changes)
                for listener in list(self._listeners):
                    listener(delta)
        return changes

    def set(self, subject_id: str, path: str, value: Any) -> Changes:
        """Set one fact of a relationship and return the verdicts that changed.

        With the organization's id as *subject_id*, the fact is the organization's.

        *path* is a dotted field path, as in rules: ``"facts.annual_value"``,
        ``"working.agreement.last_reviewed_on"``. The value is checked against the schema
        (a declared fact's type, a field's validators); only the rules that read the path
        run again.

        Raises:
            UnknownSubjectError: for an unknown subject.
            UnknownFieldError: for a path the schema does not have (with a did-you-mean).
            LoadError: for a value of the wrong type, with its path.
        """
        fact = self._fact_paths.get(path)
        if fact is not None:
            rel = self._rels.get(subject_id)
            if rel is not None:
                return self._set_fact(subject_id, rel, fact, value, path)
        if subject_id == self._org.id:
            self._flush()
            names = _setter_path(path, Organization, "org", self._org.fact_schema)
            new_org = _set_path(self._org, names, value, path)
            return self._apply_org(new_org, [("org", *names)])
        old = self._rels.get(subject_id)
        if old is None:
            raise self._unknown_subject(subject_id)
        names = _setter_path(path, Relationship, "rel", self._org.fact_schema)
        if len(names) == 2 and names[0] == "facts" and self._facts is not None:  # noqa: PLR2004
            self._fact_paths[path] = names[1]
            return self._set_fact(subject_id, old, names[1], value, path)
        self._flush()
        old = self._rels[subject_id]
        new = _set_path(old, names, value, path)
        return self._apply_rel(subject_id, old, new, [("rel", *names)])

    def _set_fact(self, rid: str, rel: Relationship, name: str, value: Any, path: str) -> Changes:
        """Set a declared fact of a relationship.

        The session keeps the new fact values and builds the relationship value with them
        only when someone asks for it (:meth:`_flush`), so a stream of fact updates costs
        what the rules that read them cost.
        """
        base = rel.facts
        position = base._index.get(name)  # noqa: SLF001 - the facts' own index
        fields = base._fields
        if position is None or fields is None:
            self._flush()
            new = _set_path(rel, ("facts", name), value, path)  # reports the problem
            return self._apply_rel(rid, rel, new, [("rel", "facts", name)])
        field = fields[position]
        if type(value) is not field._exact and not field.ready(value):  # noqa: SLF001
            value = _coerced(field, value, path, rid)
        values = self._stale.get(rid)
        if values is None:
            values = base._values  # noqa: SLF001 - the facts' own storage
        updated = list(values)  # copied whole and set: cheaper than joining two slices
        updated[position] = value
        self._stale[rid] = values = tuple(updated)
        self._portfolio_cache = None
        self._findings = None
        out: list[tuple[str, str, int, int]] = []
        if self._scope is None or rid in self._scope:
            # the rules inlined in one function (see _fact_plan), for a relationship that no
            # exclusion limits; else (or before the function is made) one by one
            update = None if rid in self._limited else self._fact_updaters.get((name, rel.stage))
            if update is not None:
                grid = self._grid
                update(rel, self._env, values, grid.codes, grid.pos[rid] * grid.width, out, rid)
            else:
                self._run_fact_rules(rid, rel, name, values, out)
        if self._portfolio_rules:
            changed: list[Path] = [("rel", "facts", name)]
            hit = self._rules.portfolio_paths.touched(changed)
            if hit:
                self._flush()
                self._portfolio_change(hit, rid, self._rels[rid], out)
        if not out:
            return _NO_CHANGES
        changes = Changes(out)
        if self._listeners:
            self._publish(changes)
        return changes

    def _run_fact_rules(
        self,
        rid: str,
        rel: Relationship,
        name: str,
        values: tuple[Any, ...],
        out: list[tuple[str, str, int, int]],
    ) -> None:
        """Run the rules reading fact *name* of relationship *rid* (with *values*) one by one."""
        grid = self._grid
        codes = grid.codes
        start = grid.pos[rid] * grid.width
        barred = self._limited.get(rid)
        env = self._env
        for i, fn, rule_id, python in self._fact_plan(name, rel.stage):
            if barred is not None and i in barred:
                continue
            try:
                code = fn(self._materialize(rid) if python else rel, env, values)
            except Exception:  # noqa: BLE001 - a check function or Python rule raised
                code = ERROR
            old_code = codes[start + i]
            if code != old_code:
                codes[start + i] = code
                out.append((rule_id, rid, old_code, code))

    def _fact_plan(
        self, name: str, stage: Stage
    ) -> tuple[tuple[int, Callable[[Any, Any, Any], int], str, bool], ...]:
        """What to run again when the fact *name* of a relationship at *stage* changes.

        Each entry is (position, verdict function, rule id, is a Python rule); remembered.
        """
        key = (name, stage)
        found = self._fact_memo.get(key)
        if found is None:
            rules = self._rules
            positions = self._affected([("rel", "facts", name)], stage)
            found = self._fact_memo[key] = tuple(
                (i, rules.rel_verdicts[i], rules.rel[i].id, rules.compiled[i] is None)
                for i in positions
            )
            self._fact_updaters[key] = rules.updater(positions)
        return found

    def _materialize(self, rid: str) -> Relationship:
        """The current value of relationship *rid*, built with the facts set since."""
        values = self._stale.pop(rid, None)
        if values is not None:
            rel = self._rels[rid] = _with_fact_values(self._rels[rid], values)
            self._grid.rels[self._grid.pos[rid]] = rel
        return self._rels[rid]

    def _flush(self) -> None:
        """Build the relationship values whose facts were set (see :meth:`_set_fact`)."""
        if self._stale:
            rels, at, pos = self._rels, self._grid.rels, self._grid.pos
            for rid, values in self._stale.items():
                rel = rels[rid] = _with_fact_values(rels[rid], values)
                at[pos[rid]] = rel
            self._stale.clear()

    def update_relationship(self, relationship: Relationship) -> Changes:
        """Replace the relationship with the same id; return the verdicts that changed.

        Raises:
            UnknownSubjectError: when no relationship has that id (use add_relationship).
        """
        if self._stale:
            self._flush()
        rid = relationship.id
        old = self._rels.get(rid)
        if old is None:
            raise self._unknown_subject(rid)
        if old is relationship:
            return _NO_CHANGES
        if relationship.facts is not old.facts:  # the same facts are checked already
            relationship = self._typed(relationship)
        changed: list[Path] = []
        diff(old, relationship, _REL, changed)
        return self._apply_rel(rid, old, relationship, changed)

    def _typed(self, rel: Relationship) -> Relationship:
        """*rel* with its facts checked against the declared schema."""
        fields = self._org.fact_schema.relationship
        if rel.facts.fields is fields or not (fields or rel.facts):
            return rel
        try:
            return attrs.evolve(rel, facts=Facts.typed(fields, rel.facts))
        except LoadError as exc:
            raise LoadError(
                [attrs.evolve(p, path=f"$.facts{p.path[1:]}") for p in exc.problems],
                source=f"relationship {rel.id!r}",
            ) from None

    def _apply_rel(
        self, rid: str, old: Relationship, new: Relationship, changed: list[Path]
    ) -> Changes:
        self._rels[rid] = new
        grid = self._grid
        k = grid.pos[rid]
        grid.rels[k] = new
        self._portfolio_cache = None
        self._findings = None
        if not changed:
            return _NO_CHANGES
        out: list[tuple[str, str, int, int]] = []
        rules = self._rules
        if new.stage is not old.stage:
            row = grid.row(rid)
            fresh = self._evaluate_relationship(rid, new)
            for i, (a, b) in enumerate(zip(row, fresh, strict=True)):
                if a != b:
                    out.append((rules.rel[i].id, rid, a, b))
            grid.put_row(rid, fresh)
            grid.stages[k] = self._stage_code(rid, new)
        elif self._scope is None or rid in self._scope:
            # the stage did not change, so the rules that apply did not either
            affected = self._affected(changed, new.stage)
            barred = self._limited.get(rid)
            env = self._env
            values = new.facts._values  # noqa: SLF001 - the facts' own storage
            codes = grid.codes
            base = k * grid.width
            update = rules.rel_updater(affected) if barred is None and affected else None
            if update is not None:  # the rules inlined in one function
                update(new, env, values, codes, base, out, rid)
                affected = ()
            fns = rules.rel_verdicts
            specs = rules.rel
            for i in affected:
                if barred is not None and i in barred:
                    continue
                try:
                    code = fns[i](new, env, values)
                except Exception:  # noqa: BLE001 - a check function or Python rule raised
                    code = ERROR
                old_code = codes[base + i]
                if code != old_code:
                    codes[base + i] = code
                    out.append((specs[i].id, rid, old_code, code))
        portfolio = rules.portfolio_paths
        if portfolio:
            hit = portfolio(changed[0]) if len(changed) == 1 else portfolio.touched(changed)
            if hit:
                self._portfolio_change(hit, rid, new, out)
        return self._publish(Changes(out)) if out else _NO_CHANGES

    def _affected(self, changed: list[Path], stage: Stage) -> tuple[int, ...]:
        """The rules that read *changed* and apply at *stage* (remembered per path)."""
        key = (changed[0], stage) if len(changed) == 1 else None
        found = self._affected_memo.get(key) if key is not None else None
        if found is None:
            index = self._rules.rel_paths
            hit = index(changed[0]) if len(changed) == 1 else sorted(index.touched(changed))
            found = tuple(i for i in hit if stage in self._applies[i])
            if key is not None:
                self._affected_memo[key] = found
        return found

    def _portfolio_change(
        self,
        hit: Iterable[int],
        rid: str,
        rel: Relationship | None,
        out: list[tuple[str, str, int, int]],
    ) -> None:
        """Run again the organization rules at *hit* that relationship *rid* now changes.

        A rule with a tally is decided from its tally: it runs again only when the
        relationship's keys in it changed (*rel* ``None``: the relationship is gone).
        """
        tallies = self._tallies
        self._reevaluate_org(
            [j for j in hit if j not in tallies or self._retally(j, rid, rel)], out
        )

    def _reevaluate_org(
        self, positions: Iterable[int], out: list[tuple[str, str, int, int]]
    ) -> None:
        if not positions:
            return
        self._flush()  # the context's relationships are a live view of the current ones
        org_id = self._org.id
        for j in sorted(positions):
            old_code = self._org_row[j]
            new_code = self._eval_org(j)
            if new_code != old_code:
                self._org_row[j] = new_code
                out.append((self._rules.org[j].id, org_id, old_code, new_code))

    def add_relationship(self, relationship: Relationship) -> Changes:
        """Add a relationship; return its new verdicts (and organization verdicts changed).

        Raises:
            UnknownSubjectError: when a relationship with that id exists already.
        """
        self._flush()
        rid = relationship.id
        if rid in self._rels:
            raise UnknownSubjectError(
                f"relationship {rid!r} is already in the session; use update_relationship"
            )
        relationship = self._typed(relationship)
        self._rels[rid] = relationship
        self._portfolio_cache = None
        self._findings = None
        self._env.ctx = self._ctx()
        row = self._evaluate_relationship(rid, relationship)
        self._grid.append(rid, relationship, row, self._stage_code(rid, relationship))
        out = [(s.id, rid, -1, c) for s, c in zip(self._rules.rel, row, strict=True)]
        self._portfolio_change(self._rules.portfolio_paths(("rel",)), rid, relationship, out)
        return self._publish(Changes(out))

    def remove_relationship(self, relationship_id: str) -> Changes:
        """Remove a relationship; return its verdicts as removed.

        Raises:
            UnknownSubjectError: when there is no such relationship.
        """
        self._flush()
        if relationship_id not in self._rels:
            raise self._unknown_subject(relationship_id)
        del self._rels[relationship_id]
        self._portfolio_cache = None
        self._findings = None
        row = self._grid.remove(relationship_id)
        out = [(s.id, relationship_id, c, -1) for s, c in zip(self._rules.rel, row, strict=True)]
        self._portfolio_change(self._rules.portfolio_paths(("rel",)), relationship_id, None, out)
        return self._publish(Changes(out))

    def update_organization(self, organization: Organization) -> Changes:
        """Replace the organization; return the verdicts that changed.

        Organization-only branches of relationship rules are evaluated once; relationships
        are re-evaluated only for the rules whose relationship part reads what changed, or
        whose organization part changed value.
        """
        self._flush()
        old = self._org
        if old is organization:
            return Changes()
        changed: list[Path] = []
        diff(old, organization, ("org",), changed)
        return self._apply_org(organization, changed)

    def _apply_org(self, organization: Organization, changed: list[Path]) -> Changes:
        old = self._org
        self._org = organization
        self._portfolio_cache = None
        self._findings = None
        if not changed:
            return Changes()
        if old.fact_schema is not organization.fact_schema and (
            old.fact_schema != organization.fact_schema
        ):
            return self._reinstall(self._ruleset)
        self._env.org = organization
        self._env.ctx = self._ctx()
        out: list[tuple[str, str, int, int]] = []
        rules = self._rules
        if any(p[:2] == ("org", "scope") or p == ("org",) for p in changed):
            before = (self._scope, self._excluded)
            self._compute_scope()
            if (self._scope, self._excluded) != before:
                return self._refresh_everything()
        self._reevaluate_org(rules.org_paths_org.touched(changed), out)
        blocks: list[Block] = []
        self._refresh_rel(rules.org_paths_rel.touched(changed), changed, blocks)
        return self._publish(Changes(out, blocks))

    def _refresh_rel(
        self, hits: Iterable[int], changed: list[Path] | None, blocks: list[Block]
    ) -> None:
        """Run the relationship rules *hits* again on every relationship.

        This follows a change of the organization, the date or the config (*changed*: the
        organization paths, or ``None`` for everything). A factored rule whose organization
        part kept its value and whose other parts did not read the change costs nothing.
        """
        full: list[int] = []
        for i in sorted(hits):
            c = self._rules.compiled[i]
            if c is not None and c.org_part is not None:
                moved = self._compute_org_parts((i,))
                touched_rest = changed is None or _touches(
                    changed, self._rules.rel[i].read_paths, c.factored_reads
                )
                if not moved and not touched_rest:
                    continue
            full.append(i)
        if not full:
            return
        ids = tuple(self._grid.ids)  # the positions' ids as at this update, for the blocks
        blocks.extend(self._refresh_rule(i, ids) for i in full)

    def _refresh_rule(self, i: int, ids: Sequence[str]) -> Block:
        """Run relationship rule *i* again on every relationship it applies to.

        The rule's column is rebuilt whole: where a factored organization part settles the
        verdict alone, by translating the stage column (no rule runs); otherwise by running
        the rule on the relationships whose stage it applies at. Where it does not apply
        the code stays N/A.
        """
        rules = self._rules
        grid = self._grid
        old = grid.column(i)
        if not self._applies[i] or not len(grid):
            return Block(rules.rel[i].id, ids, bytes(old), bytes(old))
        c = rules.compiled[i]
        constant = None
        if c is not None and c.junction is not None:
            # a factored part that settles the verdict alone: the rest need not run
            part = self._env.op[i]
            if part is False and c.junction == "and":
                constant = FAIL
            elif part is True and c.junction == "or":
                constant = PASS
        if constant is not None:
            new = grid.stages.translate(self._stage_table(i, constant, NOT_APPLICABLE))
        else:
            new = bytearray(old)
            flags = grid.stages.translate(self._stage_table(i, 1, 0))
            rules.refresher(i)(grid.rels, flags, new, self._env)
        for rid, positions in self._limited.items():  # excluded for some relationships only
            if i in positions and rid in grid.pos:
                new[grid.pos[rid]] = NOT_APPLICABLE
        grid.put_column(i, new)
        return Block(rules.rel[i].id, ids, bytes(old), bytes(new))

    def _stage_table(self, i: int, inside: int, outside: int) -> bytes:
        """Stage code -> *inside* where relationship rule *i* applies, else *outside*."""
        key = (i, inside, outside)
        found = self._stage_tables.get(key)
        if found is None:
            stages = frozenset(int(stage) for stage in self._applies[i])
            found = self._stage_tables[key] = stage_table(stages, inside, outside)
        return found

    def _refresh_everything(self) -> Changes:
        before = self.verdicts()
        self._evaluate_all()
        return self._publish(_delta(before, self.verdicts()))

    def _reinstall(self, ruleset: RuleSet) -> Changes:
        before = self.verdicts()
        with _bulk(len(self._rels)):
            typed = [self._typed(r) for r in self._rels.values()]
            self._rels = {r.id: r for r in typed}
            self._install(ruleset)
            self._evaluate_all()
        return self._publish(_delta(before, self.verdicts()))

    def set_as_of(self, as_of: date) -> Changes:
        """Move the evaluation date; re-evaluates only the time-aware rules."""
        self._flush()
        require_date(as_of, "as_of")
        if as_of == self._as_of:
            return Changes()
        self._as_of = as_of
        self._findings = None
        self._env = self._make_env_keeping_parts()
        out: list[tuple[str, str, int, int]] = []
        rules = self._rules
        self._reevaluate_org([j for j, s in enumerate(rules.org) if s.uses_as_of], out)
        blocks: list[Block] = []
        self._refresh_rel([i for i, s in enumerate(rules.rel) if s.uses_as_of], None, blocks)
        return self._publish(Changes(out, blocks))

    def _make_env_keeping_parts(self) -> RuntimeEnv:
        op = self._env.op
        env = self._make_env()
        env.op = op
        return env

    def set_config(self, config: Config) -> Changes:
        """Change the configuration; re-evaluates the rules that read it."""
        self._flush()
        config = _check_config(config)
        if config == self._config:
            return Changes()
        old = self._config.to_mapping()
        self._config = config
        self._findings = None
        self._env = self._make_env_keeping_parts()
        keys = {k for k, v in self._env.values.items() if old.get(k) != v}

        def reads_config(s: RuleSpec) -> bool:
            return s.is_python or bool(s.config_keys & keys)

        out: list[tuple[str, str, int, int]] = []
        rules = self._rules
        self._reevaluate_org([j for j, s in enumerate(rules.org) if reads_config(s)], out)
        blocks: list[Block] = []
        self._refresh_rel([i for i, s in enumerate(rules.rel) if reads_config(s)], None, blocks)
        return self._publish(Changes(out, blocks))

    def set_ruleset(self, ruleset: RuleSet) -> Changes:
        """Change the rule set; return the verdicts that changed.

        Pairs added or removed with the rules are included.
        """
        self._flush()
        _check_ruleset(ruleset)
        if ruleset is self._ruleset:
            return Changes()
        return self._reinstall(ruleset)


_VERDICT_VALUES = tuple(v.value for v in VERDICTS)
_ACTION_CODES = (FAIL, UNKNOWN, ERROR)
_NOT_AT = {stage: f"does not apply at {stage}" for stage in Stage}
"""Why a rule is NOT_APPLICABLE to a relationship at a stage it does not apply at."""


def _static_columns(specs: Sequence[RuleSpec]) -> tuple[tuple[Any, ...], ...]:
    """The rule, clause, stage and level columns of *specs*, the same for every subject."""
    return (
        tuple(s.id for s in specs),
        tuple(s.clause for s in specs),
        tuple(s.stage.number if s.stage is not None else None for s in specs),
        tuple(s.level.value for s in specs),
    )


def _values(rel: Relationship) -> tuple[Any, ...]:
    """The values of the relationship's declared facts, in the schema's order."""
    return rel.facts._values  # noqa: SLF001 - the engine reads the facts' own storage


def _with_fact_values(rel: Relationship, values: tuple[Any, ...]) -> Relationship:
    facts = rel.facts
    fields = facts.fields
    assert fields is not None  # noqa: S101 - only declared facts are set this way
    new: Relationship = replace_field(rel, "facts", Facts._make(fields, values, facts._index))  # noqa: SLF001
    return new


def _coerced(field: FactField, value: Any, path: str, rid: str) -> Any:
    """*value* as the type of the declared *field*, or a LoadError saying what to write."""
    try:
        return field.coerce(value)
    except ValueError as exc:
        from collabrel.errors import Problem

        message, hint = getattr(exc, "message", str(exc)), getattr(exc, "hint", "")
        raise LoadError(
            [Problem(path=f"$.facts.{field.name}", message=message, hint=hint)],
            source=f"set {path!r} on {rid!r}",
        ) from None


def _touches(changed: list[Path], reads: frozenset[Path], factored: frozenset[Path]) -> bool:
    """Whether an organization change reaches more of a rule than its factored branches."""
    other = [q for q in reads if q[0] == "org" and q not in factored]
    for p in changed:
        for q in other:
            n = min(len(p), len(q))
            if p[:n] == q[:n]:
                return True
    return False


def _delta(
    before: Mapping[tuple[str, str], Verdict], after: Mapping[tuple[str, str], Verdict]
) -> Changes:
    out = [
        VerdictChange(rule_id=k[0], subject_id=k[1], old=before.get(k), new=after.get(k))
        for k in before.keys() | after.keys()
        if before.get(k) is not after.get(k)
    ]
    out.sort(key=lambda ch: (ch.subject_id, ch.rule_id))
    return Changes.of(out)


def _check_ruleset(ruleset: object) -> RuleSet:
    if not isinstance(ruleset, RuleSet):
        msg = f"ruleset must be a RuleSet (such as default_ruleset()); got {type(ruleset).__name__}"
        raise RuleDefinitionError(msg)
    return ruleset


def _check_config(config: object) -> Config:
    if not isinstance(config, Config):
        from collabrel.errors import ConfigError

        msg = f"config must be a collabrel.Config; got {type(config).__name__}"
        raise ConfigError(msg)
    return config


@functools.cache
def _default_config() -> Config:
    """The default configuration (immutable, so one serves every session)."""
    return Config()


def _values_of(config: Config) -> tuple[dict[str, Any], dict[str, CalendarInterval]]:
    mapping = config.to_mapping()
    intervals = {k: v for k, v in mapping.items() if isinstance(v, CalendarInterval)}
    return mapping, intervals


_config_values = ByIdentity(_values_of)
"""Every key of a configuration with its value, and the intervals among them (read-only;
a configuration is immutable)."""


def _portfolio(org: Organization, rels: tuple[Relationship, ...]) -> Portfolio:
    """A portfolio of values the session already checked (no second check of the facts)."""
    portfolio = Portfolio.__new__(Portfolio)
    object.__setattr__(portfolio, "organization", org)
    object.__setattr__(portfolio, "relationships", rels)
    return portfolio


@functools.lru_cache(maxsize=4096)
def _setter_path(
    path: str, cls: type, root: str, facts: FactSchema | None = None
) -> tuple[str, ...]:
    """The field names of a settable *path* (no collection hop).

    The path is checked against the schema and the declared facts.
    """
    from collabrel.rules._schema import resolve

    try:
        info = resolve(path, scope=cls, scope_path=(root,), default_root=root, facts=facts)
    except UnknownFieldError as exc:  # worded for rules: say it of the setter
        text = str(exc).replace("A rule reads ", "Session.set: cannot set ", 1)
        raise UnknownFieldError(text.replace("', but ", "': ", 1)) from None
    if info.through_collection or info.path[0] != root or len(info.reads) != 1:
        raise UnknownFieldError(
            f"cannot set {path!r}: give the path of one field (not a computed value, nor "
            "inside a collection); replace a collection as a whole"
        )
    return info.path[1:]


def _set_path(obj: Any, names: tuple[str, ...], value: Any, text: str) -> Any:
    """*obj* with the field at *names* set to *value*, checked by the field's own rules."""
    head, rest = names[0], names[1:]
    current = getattr(obj, head)
    if isinstance(current, Facts) and len(rest) == 1:
        try:
            return replace_field(obj, head, current.with_value(rest[0], value))
        except LoadError as exc:
            raise LoadError(
                [attrs.evolve(p, path=f"$.{head}{p.path[1:]}") for p in exc.problems],
                source=f"set {text!r}",
            ) from None
    if not rest:
        try:
            return attrs.evolve(obj, **{head: value})
        except (TypeError, ValueError) as exc:
            from collabrel.errors import Problem

            raise LoadError(
                [Problem(path=f"$.{text}", message=str(exc))], source=f"set {text!r}"
            ) from None
    if current is None:
        raise UnknownFieldError(
            f"cannot set {text!r}: {head!r} is not recorded; set {head!r} as a whole first"
        )
    return replace_field(obj, head, _set_path(current, rest, value, text))


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
