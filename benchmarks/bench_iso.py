"""The built-in ISO 44001 rule set: today's engine against an earlier one, and how it scales.

Two parts, both printed as ratios measured in this one run:

1. **Against a baseline commit** (default: the last commit before the engine was compiled to
   Python). The example portfolio is evaluated in full and updated one relationship field at
   a time by the current source and by the baseline's source, each in its own subprocess,
   alternately, three rounds. Goal: full evaluation and one update each at least 5x faster.
2. **Scale**, on generated portfolios (``generate.py``) of 1,000 and 10,000 relationships
   (``--large`` adds 100,000): full evaluation per verdict, one relationship change, a stage
   change (goal: at 100,000 within 2x of 1,000), an organization change, every finding and the
   columnar table against the full evaluation (goal <= 2x), one relationship's findings (goal:
   flat in N), and the session's traced memory against the portfolio's.

    python benchmarks/bench_iso.py [--large] [--baseline REV] [--json FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = "4553bce"
"""The last commit before this session's engine work (the engine of issues 2-7)."""

# The measurement a subprocess runs against one source tree: only the public API that both
# the baseline and today's engine have, on the bundled example portfolio.
_CHILD = r"""
import json, statistics, sys, time, gc
sys.path.insert(0, sys.argv[2])
import collabrel
from collabrel.rules import Session, default_ruleset
import generate
portfolio = collabrel.example_portfolio()
rules = default_ruleset()
as_of = generate.AS_OF
Session(portfolio, rules, as_of=as_of)  # warm: the rule set is built (and compiled) once
full = []
for _ in range(int(sys.argv[1])):
    gc.collect()
    t = time.perf_counter()
    session = Session(portfolio, rules, as_of=as_of)
    full.append(time.perf_counter() - t)
rels = list(portfolio.relationships)
updates = []
kinds = {}
for index, change in generate.single_field_changes(7, 300):
    old = session.relationship(rels[index % 7].id)
    new = change.apply(old)
    t = time.perf_counter()
    session.update_relationship(new)
    elapsed = time.perf_counter() - t
    updates.append(elapsed)
    kinds.setdefault(change.kind, []).append(elapsed)
print(json.dumps({"full": min(full), "update": statistics.median(updates),
                  "kinds": {k: statistics.median(v) for k, v in kinds.items()}}))
"""


def _tree(rev: str, into: Path) -> Path:
    """Extract the source of *rev* into *into*; return its ``src`` folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def _measure(src: Path, repeat: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(repeat), str(HERE)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def against_baseline(rev: str, rounds: int = 3) -> dict[str, Any]:
    """Today's source against *rev*'s, alternately, on the example portfolio."""
    with tempfile.TemporaryDirectory() as tmp:
        base = _tree(rev, Path(tmp))
        now, then = [], []
        for _ in range(rounds):
            then.append(_measure(base, 5))
            now.append(_measure(ROOT / "src", 5))
    full_now = min(r["full"] for r in now)
    full_then = min(r["full"] for r in then)
    upd_now = statistics.median(r["update"] for r in now)
    upd_then = statistics.median(r["update"] for r in then)
    kinds = {
        kind: {
            "baseline": statistics.median(r["kinds"][kind] for r in then) * 1e6,
            "today": statistics.median(r["kinds"][kind] for r in now) * 1e6,
        }
        for kind in now[0]["kinds"]
    }
    return {
        "baseline": rev,
        "full_ms": {"baseline": full_then * 1e3, "today": full_now * 1e3},
        "full_speedup": full_then / full_now,
        "update_us": {"baseline": upd_then * 1e6, "today": upd_now * 1e6},
        "update_speedup": upd_then / upd_now,
        "update_kinds_us": kinds,
    }


# ------------------------------------------------------------------------------- scale


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def scale(n: int, changes: int = 300) -> dict[str, Any]:
    """One size of generated portfolio: evaluation, updates, findings, memory."""
    sys.path.insert(0, str(HERE))
    import generate
    from collabrel.rules import Session, default_ruleset

    rules = default_ruleset()
    portfolio = generate.portfolio(n)
    Session(generate.portfolio(7), rules, as_of=generate.AS_OF)  # compiled once
    gc.collect()
    t = time.perf_counter()
    session = Session(portfolio, rules, as_of=generate.AS_OF)
    full = time.perf_counter() - t
    verdicts = n * len([s for s in rules if s.level.value != "ORG"]) + len(rules)
    rels = [r.id for r in portfolio.relationships]
    upd: list[float] = []
    stage: list[float] = []
    for index, change in generate.single_field_changes(n, changes):
        old = session.relationship(rels[index])
        new = change.apply(old)
        elapsed = _timed(lambda new=new: session.update_relationship(new))
        (stage if change.kind == "stage" else upd).append(elapsed)
    path = generate.ORG_FIELDS[0]
    first, second = generate.organization_changes(path)
    org: list[float] = []
    for k in range(10):
        target = first if k % 2 == 0 else second
        org.append(_timed(lambda target=target: session.update_organization(target)))
    findings = _timed(session.findings)
    table = _timed(session.table)
    one = statistics.median(
        _timed(lambda rid=rid: session.findings(subject_id=rid)) for rid in rels[:50]
    )
    return {
        "n": n,
        "full_s": full,
        "full_ns_per_verdict": full / verdicts * 1e9,
        "update_median_us": statistics.median(upd) * 1e6,
        "stage_change_median_us": statistics.median(stage) * 1e6 if stage else None,
        "org_update_median_ms": statistics.median(org) * 1e3,
        "findings_over_full": findings / full,
        "table_over_full": table / full,
        "one_subject_findings_ms": one * 1e3,
    }


def memory(n: int) -> dict[str, float]:
    """Traced peak of building the portfolio, and of the session on top of it."""
    sys.path.insert(0, str(HERE))
    import generate
    from collabrel.rules import Session, default_ruleset

    rules = default_ruleset()
    Session(generate.portfolio(7), rules, as_of=generate.AS_OF)
    gc.collect()
    tracemalloc.start()
    portfolio = generate.portfolio(n)
    loaded = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    session = Session(portfolio, rules, as_of=generate.AS_OF)
    session.table(messages=False)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"n": n, "portfolio_mib": loaded / 2**20, "peak_mib": peak / 2**20,
            "ratio": peak / loaded}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run both parts and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 100,000 relationships")
    parser.add_argument("--baseline", default=BASELINE, help="the commit to compare with")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    out: dict[str, Any] = {}
    if not args.no_baseline:
        b = out["baseline"] = against_baseline(args.baseline)
        print(
            f"example portfolio, today vs {b['baseline']}: full evaluation "
            f"{b['full_ms']['today']:.1f} vs {b['full_ms']['baseline']:.1f} ms = "
            f"{b['full_speedup']:.1f}x faster; one update {b['update_us']['today']:.0f} vs "
            f"{b['update_us']['baseline']:.0f} us = {b['update_speedup']:.1f}x faster "
            f"(goal >= 5x: {'met' if min(b['full_speedup'], b['update_speedup']) >= 5 else 'NOT met'})"  # noqa: E501
        )
        by_kind = sorted(b["update_kinds_us"].items(), key=lambda kv: kv[1]["today"])
        print("  one update by kind of change (median, today vs baseline): " + "; ".join(
            f"{kind} {us['today']:.0f} vs {us['baseline']:.0f} us" for kind, us in by_kind
        ))  # fmt: skip
    sizes = [1_000, 10_000, *([100_000] if args.large else [])]
    out["scale"] = [scale(n) for n in sizes]
    for r in out["scale"]:
        print(
            f"N={r['n']:>7,}: full {r['full_s']:.2f} s ({r['full_ns_per_verdict']:.0f} ns/verdict); "  # noqa: E501
            f"update {r['update_median_us']:.0f} us; stage change "
            f"{r['stage_change_median_us'] or 0:.0f} us; org update {r['org_update_median_ms']:.1f} ms; "  # noqa: E501
            f"findings / full {r['findings_over_full']:.2f}x; table / full "
            f"{r['table_over_full']:.2f}x; one subject's findings {r['one_subject_findings_ms']:.2f} ms"  # noqa: E501
        )
    first, last = out["scale"][0], out["scale"][-1]
    if first["stage_change_median_us"] and last["stage_change_median_us"]:
        ratio = last["stage_change_median_us"] / first["stage_change_median_us"]
        print(f"stage change N={last['n']:,} / N={first['n']:,}: {ratio:.2f}x (goal <= 2x)")
    out["memory"] = memory(sizes[-1])
    m = out["memory"]
    print(f"memory at N={m['n']:,}: portfolio {m['portfolio_mib']:.0f} MiB, session peak "
          f"{m['peak_mib']:.0f} MiB on top = {m['ratio']:.2f}x the portfolio")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
