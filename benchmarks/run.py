"""Benchmarks of the incremental rules engine: ratios against bare predicate calls.

Run ``make bench`` (or ``.venv/bin/python benchmarks/run.py``); ``--quick`` runs only the
sizes 100 and 1,000 as a smoke run. Every goal is a ratio, so the results say how much the
session costs over the compiled predicates it runs, whatever the machine. The full run writes
``benchmarks/results.json``; see ``benchmarks/README.md`` for what each ratio means.

Nothing here asserts a time: a goal that is not met is reported as such.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Any

import attrs

import collabrel
from collabrel._model import Organization, Portfolio, Relationship
from collabrel.rules import (
    RuleContext,
    RuleSet,
    RuleSpec,
    Session,
    all_of,
    default_ruleset,
    non_empty,
    present,
    reviewed_within,
)
from collabrel.rules._conditions import Env
from collabrel.rules._engine import diff
from collabrel.rules._schema import Path
from generate import (
    AS_OF,
    ORG_FIELDS,
    SEED,
    clone_id,
    is_date,
    organization_changes,
    portfolio,
    single_field_changes,
)

HERE = FilePath(__file__).resolve().parent
SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (100, 1_000)

Thunk = Callable[[], object]


# --------------------------------------------------------------------------- timing


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Collect, then keep the cyclic collector off while timing (as ``timeit`` does)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def time_once(fn: Thunk) -> int:
    """Nanoseconds of one call."""
    t0 = time.perf_counter_ns()
    fn()
    return time.perf_counter_ns() - t0


def median_ns(fn: Thunk, repeat: int, warmup: int = 1) -> float:
    """Median nanoseconds of *repeat* calls after *warmup* calls."""
    for _ in range(warmup):
        fn()
    with no_gc():
        return statistics.median(time_once(fn) for _ in range(repeat))


@attrs.frozen
class Paired:
    """Medians of two alternately timed callables, and the median of their per-pair ratios."""

    a_ns: float
    b_ns: float
    ratio: float


def paired(a: Thunk, b: Thunk, repeat: int, warmup: int = 1) -> Paired:
    """Time *a* and *b* alternately, so that drift on a busy machine hits both alike."""
    for _ in range(warmup):
        a()
        b()
    times_a: list[int] = []
    times_b: list[int] = []
    with no_gc():
        for _ in range(repeat):
            times_a.append(time_once(a))
            times_b.append(time_once(b))
    ratios = [x / y for x, y in zip(times_a, times_b, strict=True)]
    return Paired(statistics.median(times_a), statistics.median(times_b), statistics.median(ratios))


def per_call_ns(fn: Thunk, min_total_ns: int = 1_000_000, repeat: int = 5) -> float:
    """Median nanoseconds per call of a cheap *fn*, looped enough to be measurable."""
    loops = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(loops):
            fn()
        total = time.perf_counter_ns() - t0
        if total >= min_total_ns or loops >= 1 << 20:
            break
        loops *= 2 if total * 4 >= min_total_ns else 8
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter_ns() - t0) / loops)
    return statistics.median(samples)


# ----------------------------------------------------------------------- bare calls


Call = tuple[Callable[[Any, Any], object], Any, Any]
"""A bare predicate call: ``fn(subject, env_or_context)``."""


def run_calls(calls: list[Call]) -> Thunk:
    """A tight loop over bare calls."""

    def run() -> None:
        for fn, subject, arg in calls:
            fn(subject, arg)

    return run


def _guarded(when: Callable[[Any, Env], Any], env: Env, fn: Callable[[Any, Any], object]) -> Any:
    """*fn* behind an applicability condition (the session reports NOT_APPLICABLE otherwise)."""

    def guarded(subject: Any, arg: Any) -> object:
        return fn(subject, arg) if when(subject, env) is True else None

    return guarded


def org_rule_calls(session: Session, indexes: Sequence[int] | None = None) -> list[Call]:
    """The organization rules of *session* as bare calls (context built once, outside)."""
    org = session.organization
    env = session._env(None)
    ctx = session._ctx()
    calls: list[Call] = []
    for i, spec in enumerate(session._org_specs):
        if indexes is not None and i not in indexes:
            continue
        if spec.bound is not None:
            fn, arg = spec.bound.fn, env
        else:
            assert spec.predicate is not None
            fn, arg = spec.predicate, ctx
        if spec.when is not None:
            fn = _guarded(spec.when.fn, env, fn)
        calls.append((fn, org, arg))
    return calls


def rel_rule_call(
    session: Session, index: int, rel: Relationship, env: Env, ctx: RuleContext
) -> Call | None:
    """One relationship rule on one relationship as a bare call (None where it does not apply).

    The stage filter is applied here, outside the timing: a bare evaluator would not call a
    predicate that does not apply either. A factored rule is called whole (``fn``).
    """
    c = session._rel[index]
    if rel.stage not in c.stages or not session.in_scope(rel.id):
        return None
    if c.fn is not None:
        fn, arg = c.fn, env
    else:
        assert c.spec.predicate is not None
        fn, arg = c.spec.predicate, ctx
    if c.when is not None:
        fn = _guarded(c.when, env, fn)
    return fn, rel, arg


def _rel_fn(c: Any, ctx: RuleContext) -> Callable[[Any, Env], object]:
    """A compiled relationship rule as ``fn(rel, env)``, its applicability checked first."""
    if c.fn is not None:
        fn: Callable[[Any, Env], object] = c.fn
    else:
        predicate = c.spec.predicate

        def fn(rel: Any, _env: Env) -> object:
            return predicate(rel, ctx)

    when = c.when
    if when is None:
        return fn

    def guarded(rel: Any, env: Env) -> object:
        return fn(rel, env) if when(rel, env) is True else None

    return guarded


def bare_rel_rules(session: Session, indexes: Sequence[int] | None = None) -> Thunk:
    """Relationship rules *indexes* (all by default) on every relationship, in a tight loop.

    For each relationship, only the rules that apply at its stage are called, from a list
    per stage made beforehand, with the relationship's environment made beforehand.
    """
    ctx = session._ctx()
    chosen = [session._rel[i] for i in indexes] if indexes is not None else session._rel
    stages = {rel.stage for rel in session.portfolio.relationships}
    plans = {s: [_rel_fn(c, ctx) for c in chosen if s in c.stages] for s in stages}
    subjects = [
        (rel, session._env(rel), plans[rel.stage])
        for rel in session.portfolio.relationships
        if session.in_scope(rel.id)
    ]

    def run() -> None:
        for rel, env, fns in subjects:
            for fn in fns:
                fn(rel, env)

    return run


def bare_full(session: Session) -> Thunk:
    """Every predicate of the session on every subject, in a tight loop."""
    org = run_calls(org_rule_calls(session))
    rels = bare_rel_rules(session)

    def run() -> None:
        org()
        rels()

    return run


def affected_by_relationship_change(
    session: Session, old: Relationship, new: Relationship
) -> tuple[list[int], list[int]]:
    """The relationship and organization rules the engine re-runs for a change, by index."""
    changed: list[Path] = []
    diff(old, new, ("rel",), changed)
    rel_hits: set[int] = set()
    org_hits: set[int] = set()
    for p in changed:
        rel_hits.update(session._affected(p))
        q = ("relationships", *p[1:])
        org_hits |= session._lookup(q, session._p_exact, session._p_under)
    return sorted(rel_hits), sorted(org_hits)


def affected_by_organization_change(
    session: Session, old: Organization, new: Organization
) -> list[int]:
    """The relationship rules that read what changed in the organization, by index."""
    changed: list[Path] = []
    diff(old, new, ("org",), changed)
    hits: set[int] = set()
    for p in changed:
        hits |= session._lookup(p, session._org_exact, session._org_under)
    return sorted(hits)


# ------------------------------------------------------------------- the rule sets


def factored_ruleset() -> RuleSet:
    """The built-in rules plus two relationship rules with an organization-only branch.

    Used for the factored organization-change scenario only when no built-in relationship
    rule has an organization-only branch that reads a date of ``ORG_FIELDS``: these two are
    ``all_of`` an organization-only branch and a relationship branch, as a custom rule's
    could be.
    """
    context_current = reviewed_within("organization.context.updated_on", "review.context")
    return default_ruleset().with_rules(
        RuleSpec(
            id="bench:rmp-with-current-context",
            title="The relationship plan is set against a current context analysis",
            clause="8.3.2",
            level="REL",
            stage=3,
            remedy="Review the context analysis, then the relationship management plan.",
            condition=all_of(context_current, present("rmp")),
        ),
        RuleSpec(
            id="bench:history-with-policy",
            title="Stage gates are recorded under an approved policy and current context",
            clause="8.1",
            level="REL",
            remedy="Approve the policy and record every stage gate.",
            condition=all_of(
                present("organization.policy.approved_on"),
                context_current,
                non_empty("stage_history"),
            ),
        ),
    )


# ---------------------------------------------------------------------- measurements


@attrs.frozen
class OrgChange:
    """One organization-change scenario at one size."""

    scenario: str
    path: tuple[str, ...]
    rules: int
    """Relationship rules that read the changed fact."""
    update_ns: float
    """Median ``update_organization`` time."""
    bare_ns: float
    """Median time of those rules run bare on every relationship."""
    ratio: float
    """Median over the runs of update time / bare time."""
    changes: int
    """Verdicts changed by one update."""

    def raw(self) -> dict[str, Any]:
        return {
            "path": ".".join(self.path[1:]),
            "affected_relationship_rules": self.rules,
            "verdict_changes_per_update": self.changes,
            "session_ms": self.update_ns / 1e6,
            "bare_ms": self.bare_ns / 1e6,
            "session_over_bare": self.ratio,
        }


GROUPS = {
    "all": "all changes",
    "relationship_rules": "changes read by relationship rules only",
    "portfolio_rules": "changes read by portfolio-wide organization rules too",
}
"""The groups of relationship changes the update ratios are reported for."""


@attrs.define
class SizeResult:
    """What was measured at one portfolio size."""

    n: int
    verdicts: int
    session_ns: float
    bare_ns: float
    full_ratio: float
    """Median over the runs of session time / bare time."""
    evaluate_all_ns: float
    updates: list[Update]
    org_changes: dict[str, OrgChange] = attrs.field(factory=dict)
    memory_peak: int | None = None
    memory_retained: int | None = None

    def group(self, name: str) -> list[Update]:
        """The updates of one of GROUPS."""
        if name == "all":
            return self.updates
        portfolio = name == "portfolio_rules"
        return [u for u in self.updates if u.portfolio_rules is portfolio]

    def by_kind(self) -> dict[str, tuple[float, float]]:
        """Median latency and median bare time of the affected rules, per change kind."""
        groups: dict[str, list[Update]] = {}
        for u in self.updates:
            groups.setdefault(u.kind, []).append(u)
        return {
            k: (
                statistics.median(u.latency_ns for u in v),
                statistics.median(u.bare_ns for u in v),
            )
            for k, v in sorted(groups.items())
        }

    def raw(self) -> dict[str, Any]:
        updates: dict[str, Any] = {}
        for name in GROUPS:
            lat = [u.latency_ns for u in self.group(name)]
            if lat:
                updates[name] = {
                    "samples": len(lat),
                    "median_us": statistics.median(lat) / 1e3,
                    "p90_us": _quantile(lat, 0.9) / 1e3,
                    "max_us": max(lat) / 1e3,
                    "affected_bare_median_us": statistics.median(
                        u.bare_ns for u in self.group(name)
                    )
                    / 1e3,
                }
        updates["by_kind_median_us"] = {
            k: {"latency": lat / 1e3, "affected_bare": bare / 1e3}
            for k, (lat, bare) in self.by_kind().items()
        }
        return {
            "n": self.n,
            "verdicts": self.verdicts,
            "session_ms": self.session_ns / 1e6,
            "bare_all_predicates_ms": self.bare_ns / 1e6,
            "evaluate_all_ms": self.evaluate_all_ns / 1e6,
            "session_over_bare": self.full_ratio,
            "session_ns_per_verdict": self.session_ns / self.verdicts,
            "bare_ns_per_verdict": self.bare_ns / self.verdicts,
            "update_relationship": updates,
            "update_organization": {k: v.raw() for k, v in self.org_changes.items()},
            "memory_bytes": {
                "session_peak": self.memory_peak,
                "session_retained": self.memory_retained,
            },
        }


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _say(text: str) -> None:
    print(text, flush=True)


def measure_full(
    p: Portfolio, ruleset: RuleSet, repeat: int, warmup: int
) -> tuple[Session, Paired, float]:
    """Median times of building a session (a full evaluation), of its predicates run bare,
    and of re-evaluating everything in the session (fewer runs: it is informational).
    """
    sessions = [Session(p, ruleset, as_of=AS_OF)]
    bare = bare_full(sessions[0])

    def build() -> None:
        sessions[:] = [Session(p, ruleset, as_of=AS_OF)]

    timed = paired(build, bare, repeat, warmup)
    session = sessions[0]
    evaluate_all_ns = median_ns(session._evaluate_all, max(1, repeat // 3), warmup=0)
    return session, timed, evaluate_all_ns


@attrs.frozen
class Update:
    """One timed relationship change."""

    kind: str
    latency_ns: int
    bare_ns: float
    """The affected rules run bare on the changed relationship (0 if none applies)."""
    portfolio_rules: bool
    """Whether the change also re-runs organization rules that read every relationship."""


def measure_updates(
    session: Session, n: int, count: int, warmup: int, seed: int, *, block: int = 25
) -> list[Update]:
    """Latency of single-field relationship changes, and of their affected rules run bare.

    The changes are applied back to back (as a stream of edits would be), in blocks; after
    each block, the bare calls of its changes' affected rules are timed on the relationships
    they produced. The first change of a block (after the bare timing) is not recorded.
    """
    changes = list(single_field_changes(n, warmup + count + count // block + 1, seed))
    for i, change in changes[:warmup]:
        session.update_relationship(change.apply(session.relationship(clone_id(i))))
    pending = changes[warmup:]
    out: list[Update] = []
    while len(out) < count:
        timed: list[tuple[str, int, Relationship, list[int], list[int]]] = []
        with no_gc():
            for k in range(min(block, count - len(out)) + 1):
                i, change = pending.pop(0)
                old = session.relationship(clone_id(i))
                new = change.apply(old)
                rel_hits, org_hits = affected_by_relationship_change(session, old, new)
                t0 = time.perf_counter_ns()
                session.update_relationship(new)
                latency = time.perf_counter_ns() - t0
                if k > 0:
                    timed.append((change.kind, latency, new, rel_hits, org_hits))
        with no_gc():
            for kind, latency, rel, rel_hits, org_hits in timed:
                env, ctx = session._env(rel), session._ctx()
                calls = [c for j in rel_hits if (c := rel_rule_call(session, j, rel, env, ctx))]
                calls += org_rule_calls(session, org_hits)
                bare = per_call_ns(run_calls(calls)) if calls else 0.0
                out.append(Update(kind, latency, bare, bool(org_hits)))
    return out


def measure_org_change(
    scenario: str, session: Session, path: tuple[str, ...], repeat: int, *, flip: bool = True
) -> OrgChange:
    """Median ``update_organization`` time for a change at *path*, and its bare equivalent:
    the relationship rules that read *path*, run on every relationship.

    The organization alternates between two values; so does the bare run (the rules are
    cheaper where a branch short-circuits, so each value gets its own bare run).
    """
    orgs = organization_changes(path, flip=flip)
    hits = affected_by_organization_change(session, *orgs)
    bares = []
    for org in orgs:
        session.update_organization(org)
        bares.append(bare_rel_rules(session, hits))
    changes = len(session.update_organization(orgs[0]))
    step = iter(range(1 << 30))
    bare_step = iter(range(1 << 30))

    def change() -> None:
        session.update_organization(orgs[1 - next(step) % 2])

    def bare() -> None:
        bares[1 - next(bare_step) % 2]()

    timed = paired(change, bare, repeat, warmup=2)
    return OrgChange(scenario, path, len(hits), timed.a_ns, timed.b_ns, timed.ratio, changes)


def _overlaps(path: Path, reads: Iterable[Path]) -> bool:
    return any(r[: len(path)] == path or path[: len(r)] == r for r in reads)


def choose_org_path(session: Session, *, factored: bool) -> Path | None:
    """The first organization fact of ORG_FIELDS that relationship rules read.

    With *factored*, the first date among them that the organization-only branch of a
    factored rule reads (the engine evaluates that branch once per change); otherwise the
    first one a rule reads outside such a branch (the engine re-runs the rule on every
    relationship).
    """
    for path in ORG_FIELDS:
        if factored and not is_date(path):
            continue
        for c in session._rel:
            if factored:
                if c.factored and _overlaps(path, c.factored_org_reads):
                    return path
            elif _overlaps(path, c.org_reads - c.factored_org_reads):
                return path
    return None


def measure_memory(p: Portfolio, ruleset: RuleSet) -> tuple[int, int]:
    """Peak and retained bytes allocated while building a session (the portfolio excluded)."""
    gc.collect()
    tracemalloc.start()
    try:
        session = Session(p, ruleset, as_of=AS_OF)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del session
    return peak, retained


def measure_size(n: int, args: argparse.Namespace, *, largest: bool) -> SizeResult:
    """Every measurement at one portfolio size."""
    _say(f"N={n:,}: generating the portfolio")
    p = portfolio(n, args.seed)
    ruleset = default_ruleset()
    # a full evaluation of 10,000 relationships takes seconds: fewer runs, no warm-up (the
    # smaller sizes warmed the code up)
    repeat, warmup = {100: (31, 1), 1_000: (9, 1)}.get(n, (3, 0))
    _say(f"N={n:,}: full evaluation and bare predicate calls ({repeat} runs each)")
    session, full, evaluate_all_ns = measure_full(p, ruleset, repeat, warmup)
    _say(f"N={n:,}: {args.changes} single-field relationship changes")
    updates = measure_updates(session, n, args.changes, args.warmup, args.seed)
    result = SizeResult(
        n=n,
        verdicts=len(session._org_specs) + n * len(session._rel),
        session_ns=full.a_ns,
        bare_ns=full.b_ns,
        full_ratio=full.ratio,
        evaluate_all_ns=evaluate_all_ns,
        updates=updates,
    )
    path = choose_org_path(session, factored=False)
    if path is not None:
        _say(f"N={n:,}: organization change at {'.'.join(path[1:])} (rules re-run)")
        result.org_changes["rerun"] = measure_org_change("rerun", session, path, 21)
    path = choose_org_path(session, factored=True)
    if path is None:
        # no built-in rule has an organization-only branch: add two that do
        del session
        session = Session(p, factored_ruleset(), as_of=AS_OF)
        path = ("org", "context", "updated_on")
    _say(f"N={n:,}: organization change at {'.'.join(path[1:])} (factored rules)")
    for name, flip in (("factored_steady", False), ("factored_flip", True)):
        result.org_changes[name] = measure_org_change(name, session, path, 21, flip=flip)
    del session
    if largest:
        _say(f"N={n:,}: memory (tracemalloc)")
        result.memory_peak, result.memory_retained = measure_memory(p, ruleset)
    return result


# --------------------------------------------------------------------------- report


@attrs.frozen
class Metric:
    """One row of the table."""

    key: str
    label: str
    value: float | None
    goal: str
    met: bool | None
    unit: str = "x"

    def shown(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit == "x":
            if self.value >= 0.1:
                return f"{self.value:.2f}x"
            return f"{self.value:.3f}x" if self.value >= 0.001 else f"{self.value:.1e}x"
        return f"{self.value:,.0f} {self.unit}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _median_latency(updates: list[Update]) -> float | None:
    return statistics.median(u.latency_ns for u in updates) if updates else None


def metrics(results: list[SizeResult]) -> list[Metric]:
    """The ratios of the table, from the smallest and the largest size."""
    small, big = results[0], results[-1]
    n = f"N={big.n:,}"

    def le(value: float | None, goal: float) -> bool | None:
        return None if value is None else value <= goal

    def lt(value: float | None, goal: float) -> bool | None:
        return None if value is None else value < goal

    def per_rel(value: int | None) -> float | None:
        return None if value is None else value / big.n

    full = big.full_ratio
    rows = [
        Metric(
            "full_vs_bare",
            f"full evaluation / bare predicate calls ({n})",
            full,
            "<= 1.5x",
            le(full, 1.5),
        )
    ]
    for name, what in GROUPS.items():
        flat = _ratio(_median_latency(big.group(name)), _median_latency(small.group(name)))
        label = f"update latency, median, N={big.n:,} / N={small.n:,}"
        label = label if name == "all" else f"  {what}"
        rows.append(Metric(f"update_flat_in_n_{name}", label, flat, "<= 1.3x", le(flat, 1.3)))
    for name, what in GROUPS.items():
        ratios = [u.latency_ns / u.bare_ns for u in big.group(name) if u.bare_ns > 0]
        value = statistics.median(ratios) if ratios else None
        label = f"update latency / its affected rules bare (median, {n})"
        label = label if name == "all" else f"  {what}"
        rows.append(Metric(f"update_vs_affected_bare_{name}", label, value, "<= 2x", le(value, 2)))
    incremental = _ratio(_median_latency(big.updates), big.session_ns)
    rows.append(
        Metric(
            "update_vs_full",
            f"incremental update / full re-evaluation (median, {n})",
            incremental,
            "-",
            None,
        )
    )
    labels = {
        "rerun": "organization change ({path}) / its rules per relationship ({n})",
        "factored_steady": "  {path}, factored rules, no verdict changes",
        "factored_flip": "  {path}, factored rules, {changes:,} verdicts change",
    }
    for key, template in labels.items():
        org = big.org_changes.get(key)
        value = None if org is None else org.ratio
        path = "none read" if org is None else ".".join(org.path[1:])
        changes = 0 if org is None else org.changes
        label = template.format(path=path, n=n, changes=changes)
        rows.append(Metric(f"org_change_{key}_vs_bare", label, value, "< 1x", lt(value, 1.0)))
    rows += [
        Metric(
            "memory_peak_per_relationship",
            f"peak memory of building a Session, per relationship ({n})",
            per_rel(big.memory_peak),
            "-",
            None,
            unit="bytes",
        ),
        Metric(
            "memory_retained_per_relationship",
            f"  retained by the Session, per relationship ({n})",
            per_rel(big.memory_retained),
            "-",
            None,
            unit="bytes",
        ),
    ]
    return rows


def table(rows: list[Metric]) -> str:
    """The metrics as a plain-text (and Markdown) table."""
    head = ("metric", "value", "goal", "met?")
    body = [
        (m.label, m.shown(), m.goal, {True: "yes", False: "NO", None: "-"}[m.met]) for m in rows
    ]
    widths = [max(len(r[k]) for r in [head, *body]) for k in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in body
    ]
    return "\n".join(lines)


def raw_table(results: list[SizeResult]) -> str:
    """The raw numbers per size."""
    header = (
        f"{'N':>6}  {'session ms':>10}  {'bare ms':>8}  {'ns/verdict':>10}  {'bare ns/v':>9}"
        f"  {'update us':>9}  {'p90 us':>8}  {'org change ms (bare ms)':>24}"
    )
    lines = [header]
    for r in results:
        org = r.org_changes.get("rerun")
        latencies = [u.latency_ns for u in r.updates]
        median, p90 = statistics.median(latencies) / 1e3, _quantile(latencies, 0.9) / 1e3
        org_text = "-" if org is None else f"{org.update_ns / 1e6:.2f} ({org.bare_ns / 1e6:.2f})"
        lines.append(
            f"{r.n:>6}  {r.session_ns / 1e6:>10.1f}  {r.bare_ns / 1e6:>8.1f}"
            f"  {r.session_ns / r.verdicts:>10.0f}  {r.bare_ns / r.verdicts:>9.0f}"
            f"  {median:>9.1f}  {p90:>8.1f}  {org_text:>24}"
        )
    kinds = list(results[-1].by_kind())
    lines += ["", "update latency by change kind, median us (affected rules bare, us):"]
    lines.append(f"{'N':>6}  " + "  ".join(f"{k:>18}" for k in kinds))
    for r in results:
        per = r.by_kind()
        cells = [
            f"{per[k][0] / 1e3:.1f} ({per[k][1] / 1e3:.2f})" if k in per else "-" for k in kinds
        ]
        lines.append(f"{r.n:>6}  " + "  ".join(f"{c:>18}" for c in cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only N=100 and N=1,000")
    parser.add_argument("--seed", type=int, default=SEED, help="portfolio and change seed")
    parser.add_argument("--changes", type=int, default=200, help="relationship changes timed")
    parser.add_argument("--warmup", type=int, default=30, help="changes applied before timing")
    parser.add_argument(
        "--output",
        type=FilePath,
        default=None,
        help="results file (default: benchmarks/results.json; none for --quick)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else SIZES
    output = args.output or (None if args.quick else HERE / "results.json")
    started = time.perf_counter()
    results = [measure_size(n, args, largest=n == sizes[-1]) for n in sizes]
    rows = metrics(results)
    elapsed = time.perf_counter() - started
    ruleset = default_ruleset()
    _say("")
    _say(
        f"collabrel {collabrel.__version__}, rule set {ruleset.version} "
        f"({len(ruleset)} rules), Python {platform.python_version()}, {elapsed:.0f} s"
    )
    _say(table(rows))
    _say("")
    _say(raw_table(results))
    if output is not None:
        data = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(),
            "collabrel": collabrel.__version__,
            "ruleset": {"version": ruleset.version, "rules": len(ruleset)},
            "seed": args.seed,
            "sizes": list(sizes),
            "quick": args.quick,
            "elapsed_s": round(elapsed, 1),
            "ratios": {
                m.key: {"label": m.label.strip(), "value": m.value, "goal": m.goal, "met": m.met}
                for m in rows
            },
            "raw": [r.raw() for r in results],
        }
        output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        _say(f"\nwrote {output.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
