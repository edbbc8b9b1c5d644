"""Benchmarks of loading and dumping portfolios: CPU time per relationship, peak memory.

Run ``.venv/bin/python benchmarks/bench_load.py`` (N = 1,000 and 10,000), ``--large`` to add
N = 100,000, ``--sizes 1000`` for a smoke run, ``--formats jsonl --no-memory`` to time the
JSON Lines load alone (skipping the whole-file formats and tracemalloc). The portfolios
come from ``generate.py``; the partner contacts of each clone after the first seven get ids
of their own, so that the portfolio passes its reference checks (the generator shares them
between clones). Times are CPU times (``time.process_time``) of one run per size; memory is
the ``tracemalloc`` peak above the state before the step.
Nothing here asserts a time: the goal (load from JSON Lines <= 1 ms CPU per relationship,
linear in N) is reported as met or not.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

import collabrel
from collabrel import Limits, Portfolio, Relationship
from collabrel._io import _parse
from generate import _Renamer, organization, portfolio

GOAL_MS = 1.0
TEMPLATES = 7
UNLIMITED = Limits(max_bytes=2**40, max_nodes=2**40)


def _own_contacts(rel: Relationship, org_id: str, i: int) -> Relationship:
    if i < TEMPLATES:  # the organization's records name the contacts of the first clones
        return rel
    mapping = {
        c.id: f"{c.id}~{i}" for party in rel.parties if party.id != org_id for c in party.contacts
    }
    if not mapping:
        return rel
    return _Renamer(rel, mapping)(mapping)  # type: ignore[no-any-return]


def valid_portfolio(n: int) -> Portfolio:
    base = portfolio(n)
    org_id = organization().id
    rels = tuple(_own_contacts(r, org_id, i) for i, r in enumerate(base.relationships))
    result = attrs.evolve(base, relationships=rels)
    assert not collabrel._io.reference_problems(result)
    return result


def measure(fn: Callable[[], Any], *, memory: bool) -> tuple[float, int | None, Any]:
    """CPU seconds of one call, and its tracemalloc peak in bytes (when asked)."""
    gc.collect()
    if memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    start = time.process_time()
    result = fn()
    elapsed = time.process_time() - start
    peak = None
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak, result


def warm_up(folder: Path) -> None:
    """Build the converters and the unit registry once, outside the timings."""
    small = valid_portfolio(20)
    for fmt in ("jsonl", "json", "yaml"):
        path = folder / f"warm.{fmt}"
        collabrel.dump(small, path)
        collabrel.load(path)


FORMATS = ("jsonl", "json", "yaml")


def run(
    n: int, folder: Path, *, memory: bool, formats: tuple[str, ...] = FORMATS
) -> dict[str, Any]:
    p = valid_portfolio(n)
    out: dict[str, Any] = {"n": n}
    # whole documents of 100,000 relationships are not a sensible format: JSON Lines only
    formats = tuple(f for f in formats if n <= 10_000 or f == "jsonl")
    files = {fmt: folder / f"p{n}.{fmt}" for fmt in formats}
    for fmt, path in files.items():
        seconds, peak, _ = measure(lambda path=path: collabrel.dump(p, path), memory=memory)
        out[f"dump {fmt}"] = (seconds, peak)
    shards = folder / f"shards{n}"
    seconds, peak, _ = measure(lambda: collabrel.dump_shards(p, shards), memory=memory)
    out["dump shards"] = (seconds, peak)
    out["bytes per relationship (jsonl)"] = files["jsonl"].stat().st_size / n
    for fmt, path in files.items():
        seconds, peak, loaded = measure(
            lambda path=path: collabrel.load(path, limits=UNLIMITED), memory=memory
        )
        assert loaded == p, fmt
        out[f"load {fmt}"] = (seconds, peak)
        del loaded
    seconds, peak, whole = measure(lambda: collabrel.load(shards), memory=memory)
    assert whole == p
    out["load shards"] = (seconds, peak)
    seconds, peak, _ = measure(lambda: collabrel._io.reference_problems(whole), memory=False)
    out["reference checks (one pass)"] = (seconds, peak)
    if n <= 10_000:
        seconds, peak, _ = measure(whole.problems, memory=False)
        out["Portfolio.problems()"] = (seconds, peak)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add N = 100,000")
    parser.add_argument("--sizes", type=int, nargs="*", help="sizes to run instead")
    parser.add_argument("--no-memory", action="store_true", help="skip tracemalloc (faster)")
    parser.add_argument(
        "--formats",
        nargs="+",
        choices=FORMATS,
        default=list(FORMATS),
        help="the whole-file formats to dump and load (JSON Lines is always measured)",
    )
    parser.add_argument(
        "--stdlib-json",
        action="store_true",
        help="use the standard library's JSON parser even when msgspec is installed",
    )
    args = parser.parse_args(argv)
    if args.stdlib_json:
        from collabrel._io import _dump

        _parse._FAST = None
        _parse._ENCODE = _parse._fast_encoder(stdlib=True)
        _dump._ENCODE = None
    sizes = args.sizes or ([1_000, 10_000, 100_000] if args.large else [1_000, 10_000])
    parser_name = "msgspec" if _parse._FAST is not None else "json (standard library)"
    print(f"JSON parser: {parser_name}; Python {sys.version.split()[0]}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        warm_up(Path(tmp))
        for n in sizes:
            print(f"N={n:,} ...", flush=True)
            memory = not args.no_memory and n <= 10_000
            formats = ("jsonl", *(f for f in args.formats if f != "jsonl"))
            results.append(run(n, Path(tmp), memory=memory, formats=formats))
    steps = [k for k in results[0] if k not in {"n", "bytes per relationship (jsonl)"}]
    print()
    print(f"{'step':32}" + "".join(f"{'N=' + format(r['n'], ','):>26}" for r in results))
    print(f"{'':32}" + "".join(f"{'ms/rel   peak MiB':>26}" for _ in results))
    for step in steps:
        cells = []
        for r in results:
            if step not in r:
                cells.append(f"{'-':>26}")
                continue
            seconds, peak = r[step]
            mib = f"{peak / 2**20:9.1f}" if peak is not None else f"{'-':>9}"
            cells.append(f"{seconds * 1000 / r['n']:>14.3f} {mib}")
        print(f"{step:32}" + "".join(cells))
    print()
    for r in results:
        print(f"N={r['n']:,}: {r['bytes per relationship (jsonl)']:,.0f} bytes per relationship")
    per_rel = [r["load jsonl"][0] * 1000 / r["n"] for r in results]
    met = all(v <= GOAL_MS for v in per_rel)
    linear = max(per_rel) / min(per_rel)
    print(
        f"load from JSON Lines: {', '.join(f'{v:.3f}' for v in per_rel)} ms CPU per relationship; "
        f"goal <= {GOAL_MS} ms: {'met' if met else 'NOT met'}; largest/smallest per-relationship "
        f"cost {linear:.2f}x (1.0 is linear)"
    )
    Path(__file__).with_name("results_load.json").write_text(
        json.dumps(results, indent=1) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
