"""collabrel against the anchor engine, on the shared synthetic workload (issue 11's goals).

The workload (``../shared/bench/workload.py``: 150 rules over 30 relationship facts and 10
organization facts) is expressed through collabrel's public API as organization-specific
facts (a :class:`collabrel.FactSchema`) and condition trees; the anchor
(``PyObjEngine(rules, "depidx")``, plain generated Python with a dependency index) runs the
same rules. Both run in this process, alternately, on the same update sequences, and their
verdicts are compared after the load and after the updates.

    python benchmarks/bench_anchor.py                 # N = 1,000 and 10,000
    python benchmarks/bench_anchor.py --sizes 1000 10000 100000

Set ``COLLABREL_BENCH_DIR`` to the folder of ``workload.py`` and ``anchor.py`` if it is not
``../shared/bench`` beside the repository. Nothing here asserts a time: it prints ratios
(collabrel / anchor) and whether each goal is met.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

import collabrel
from collabrel import FactField, Facts, FactSchema, Organization, Relationship, Stage
from collabrel.rules import (
    Condition,
    RuleSet,
    RuleSpec,
    Session,
    all_of,
    at_least,
    at_most,
    before,
    count_at_least,
    equals,
    implies,
    not_,
    one_of,
    present,
    reviewed_within,
)

HERE = Path(__file__).resolve().parent
BENCH = Path(os.environ.get("COLLABREL_BENCH_DIR", HERE.parents[1] / "shared" / "bench"))
sys.path.insert(0, str(BENCH))

from anchor import PyObjEngine  # noqa: E402 - the shared yardstick, found above
from workload import (  # noqa: E402
    FACT_TYPES,
    NULLABLE,
    ORG_FACTS,
    REL_FACTS,
    TODAY,
    Atom,
    make_rules,
    make_workload,
)
from workload import RuleSpec as WorkloadRule  # noqa: E402

# ------------------------------------------------------------------- the workload as facts

_TYPES = {"enum": "enum", "name": "text", "num_i": "integer", "num_f": "decimal", "date": "date",
          "bool": "boolean"}  # fmt: skip


def fact_field(name: str) -> FactField:
    """The declared fact of one workload fact."""
    typ, nullable, gen = FACT_TYPES[name]
    if typ == "list":
        kind = "date" if gen[0] == "date" else "text"  # type: ignore[index]
        return FactField(name=name, type=kind, list=True)
    choices = tuple(gen) if typ == "enum" else ()  # type: ignore[arg-type]
    return FactField(name=name, type=_TYPES[typ], nullable=nullable, choices=choices)


SCHEMA = FactSchema(
    organization=tuple(fact_field(f) for f in ORG_FACTS),
    relationship=tuple(fact_field(f) for f in REL_FACTS),
)


def _path(fact: str) -> str:
    return f"organization.facts.{fact}" if fact.startswith("org_") else f"facts.{fact}"


_FLIP = {">=": "<", "<=": ">", ">": "<=", "<": ">="}


def atom(a: Atom) -> Condition:
    """The condition tree of one atom (the anchor's semantics, None guards included)."""
    p = _path(a.fact)
    if a.kind == "eq":
        return not_(equals(p, a.arg)) if a.neg else equals(p, a.arg)
    if a.kind == "in":
        return not_(one_of(p, list(a.arg))) if a.neg else one_of(p, list(a.arg))  # type: ignore[call-overload]
    if a.kind == "present":
        return not_(present(p)) if a.neg else present(p)
    if a.kind == "bool":
        return equals(p, a.arg != a.neg)
    if a.kind in ("cmp", "len"):
        op = _FLIP[a.op] if a.neg else a.op
        if a.kind == "len":
            n = int(a.arg)  # type: ignore[call-overload]
            return {
                ">=": count_at_least(p, n), ">": count_at_least(p, n + 1),
                "<=": not_(count_at_least(p, n + 1)), "<": not_(count_at_least(p, n)),
            }[op]  # fmt: skip
        return {
            ">=": at_least(p, a.arg), "<=": at_most(p, a.arg),
            ">": not_(at_most(p, a.arg)), "<": not_(at_least(p, a.arg)),
        }[op]  # fmt: skip
    if a.kind == "within":
        recent = reviewed_within(p, collabrel.days(int(a.arg)))  # type: ignore[call-overload]
        return all_of(present(p), recent) if a.fact in NULLABLE else recent
    if a.kind == "dategap":  # (fact2 - fact).days <= arg
        gap = before(_path(a.fact2), p, slack=collabrel.days(int(a.arg)))  # type: ignore[call-overload]
        guards = [present(_path(f)) for f in (a.fact, a.fact2) if f in NULLABLE]
        return all_of(*guards, gap) if guards else gap
    raise ValueError(a.kind)


def rule_spec(rule: WorkloadRule) -> RuleSpec:
    """One workload rule as a collabrel rule over organization-specific facts."""
    parts = [atom(a) for a in rule.org_atoms]
    body = [atom(a) for a in rule.body]
    joined = all_of(*body) if len(body) > 1 else (body[0] if body else None)
    if rule.cond is not None:
        parts.append(implies(atom(rule.cond), joined) if joined is not None else atom(rule.cond))
    elif joined is not None:
        parts.append(joined)
    condition = all_of(*parts) if len(parts) > 1 else parts[0]
    return RuleSpec(
        id=f"bench:r{rule.rid:03d}", title=f"Workload rule {rule.rid}", clause="8.1",
        level="REL", remedy="None: a synthetic rule.", condition=condition,
    )  # fmt: skip


def _value(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def build(workload: Any) -> tuple[collabrel.Portfolio, RuleSet]:
    """The workload's organization, relationships and rules as collabrel values."""
    org = Organization(
        id="org", name="Synthetic", fact_schema=SCHEMA,
        facts=Facts({k: _value(v) for k, v in workload.org.items()}),
    )  # fmt: skip
    template = Relationship(id="template", name="Synthetic relationship", stage=Stage(5))
    fields = SCHEMA.relationship
    rels = tuple(
        attrs.evolve(
            template,
            id=f"r{d['rid']:06d}",
            facts=Facts.typed(fields, {k: _value(v) for k, v in d.items() if k != "rid"}),
        )
        for d in workload.rels
    )
    portfolio = collabrel.Portfolio(organization=org, relationships=rels)
    return portfolio, RuleSet([rule_spec(r) for r in workload.rules])


# ------------------------------------------------------------------------------ timing


def _timed(fn: Callable[..., object], *args: Any) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _verdicts_equal(session: Session, anchor: PyObjEngine, n: int) -> bool:
    """Every verdict of collabrel (PASS/FAIL) equals the anchor's (True/False)."""
    grid = session._grid  # the engine's compact codes: a dict of 15 M verdicts would not fit
    expected = anchor.verdicts()
    for i in range(n):
        row = grid.row(f"r{i:06d}")
        if any(
            (code == 0) != bool(v) or code > 1 for code, v in zip(row, expected[i], strict=True)
        ):
            return False
    return True


def run_size(n: int, *, updates: int, org_updates: int) -> dict[str, Any]:
    """Measure one size: full evaluation, one-fact updates, organization updates."""
    workload = make_workload(n)
    rules = make_rules()
    portfolio, ruleset = build(workload)
    rule_count = len(rules)
    # compile both once (the anchor compiles in its constructor, collabrel per rule set)
    anchor = PyObjEngine(rules, "depidx")
    Session(collabrel.Portfolio(organization=portfolio.organization), ruleset,
            as_of=TODAY)  # fmt: skip
    gc.collect()
    full_a, full_c = [], []
    session: Session | None = None
    for _ in range(3):
        full_a.append(_timed(anchor.load, workload.org, workload.rels))
        t0 = time.perf_counter()
        session = Session(portfolio, ruleset, as_of=TODAY)
        full_c.append(time.perf_counter() - t0)
    assert session is not None
    equal_after_load = _verdicts_equal(session, anchor, n)
    # one relationship fact changed, alternately
    upd_a: list[float] = []
    upd_c: list[float] = []
    for i, fact, value in workload.rel_updates[:updates]:
        rid = f"r{i:06d}"
        path = f"facts.{fact}"
        v = _value(value)
        upd_a.append(_timed(anchor.update_rel, i, fact, value))
        upd_c.append(_timed(session.set, rid, path, v))
    org_a: list[float] = []
    org_c: list[float] = []
    for fact, value in workload.org_updates[:org_updates]:
        path = f"facts.{fact}"
        v = _value(value)
        org_a.append(_timed(anchor.update_org, fact, value))
        org_c.append(_timed(session.set, "org", path, v))
    equal_after_updates = _verdicts_equal(session, anchor, n)
    ratios_upd = [c / a for a, c in zip(upd_a, upd_c, strict=True) if a > 0]
    return {
        "n": n,
        "rules": rule_count,
        "full_ns_per_verdict": {
            "anchor": min(full_a) / (n * rule_count) * 1e9,
            "collabrel": min(full_c) / (n * rule_count) * 1e9,
        },
        "full_ratio": min(full_c) / min(full_a),
        "update_median_us": {
            "anchor": statistics.median(upd_a) * 1e6,
            "collabrel": statistics.median(upd_c) * 1e6,
        },
        "update_ratio": statistics.median(upd_c) / statistics.median(upd_a),
        "update_ratio_paired_median": statistics.median(ratios_upd),
        "org_update_median_us": {
            "anchor": statistics.median(org_a) * 1e6,
            "collabrel": statistics.median(org_c) * 1e6,
        },
        "org_update_ratio": statistics.median(org_c) / statistics.median(org_a),
        "org_update_total_ratio": sum(org_c) / sum(org_a),
        "verdicts_equal_after_load": equal_after_load,
        "verdicts_equal_after_updates": equal_after_updates,
    }


def memory(n: int) -> dict[str, float]:
    """Peak traced memory (MiB) of the anchor's load and of collabrel's portfolio + session."""
    workload = make_workload(n)
    rules = make_rules()
    anchor = PyObjEngine(rules, "depidx")
    _, ruleset = build(make_workload(1))
    Session(build(make_workload(1))[0], ruleset, as_of=TODAY)  # compiled, outside the trace
    gc.collect()
    tracemalloc.start()
    anchor.load(workload.org, workload.rels)
    peak_a = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del anchor
    gc.collect()
    tracemalloc.start()
    portfolio, _ = build(workload)
    session = Session(portfolio, ruleset, as_of=TODAY)
    peak_c = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del session, portfolio
    return {"anchor_mib": peak_a / 2**20, "collabrel_mib": peak_c / 2**20, "ratio": peak_c / peak_a}


# ------------------------------------------------------------------------------- report

GOALS = {
    "full_ratio": ("full evaluation per verdict", 1.5),
    "update_ratio": ("one relationship fact changed (median)", 2.0),
    "org_update_ratio": ("one organization fact changed (median)", 1.0),
}


def _lines(results: list[dict[str, Any]], mem: dict[str, float] | None) -> Iterator[str]:
    yield f"collabrel / anchor (PyObjEngine depidx) on the shared workload, {len(results)} sizes"
    for r in results:
        yield (
            f"N={r['n']:>7,}: full {r['full_ns_per_verdict']['collabrel']:.0f} / "
            f"{r['full_ns_per_verdict']['anchor']:.0f} ns per verdict = {r['full_ratio']:.2f}x; "
            f"update {r['update_median_us']['collabrel']:.1f} / "
            f"{r['update_median_us']['anchor']:.1f} us = {r['update_ratio']:.2f}x; "
            f"org update {r['org_update_median_us']['collabrel']:.1f} / "
            f"{r['org_update_median_us']['anchor']:.1f} us = {r['org_update_ratio']:.2f}x; "
            f"verdicts equal: {r['verdicts_equal_after_load']} / "
            f"{r['verdicts_equal_after_updates']}"
        )
    for key, (what, goal) in GOALS.items():
        worst = max(r[key] for r in results)
        verdict = "met" if worst <= goal else "NOT met"
        yield f"goal {what} <= {goal}x: worst {worst:.2f}x -> {verdict}"
    updates = [r["update_median_us"]["collabrel"] for r in results]
    if len(updates) > 1:
        yield f"update latency largest N / smallest N: {updates[-1] / updates[0]:.2f}x (flat is 1x)"
    if mem is not None:
        yield (
            f"memory at N={mem['n']:,.0f}: {mem['collabrel_mib']:.0f} / {mem['anchor_mib']:.0f} "
            f"MiB = {mem['ratio']:.2f}x (goal <= 2x: {'met' if mem['ratio'] <= 2 else 'NOT met'})"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print it (``--json`` writes the figures too)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--org-updates", type=int, default=20)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = [run_size(n, updates=args.updates, org_updates=args.org_updates)
               for n in args.sizes]  # fmt: skip
    mem = None
    if not args.no_memory:
        mem = {"n": float(max(args.sizes)), **memory(max(args.sizes))}
    for line in _lines(results, mem):
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"sizes": results, "memory": mem}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
