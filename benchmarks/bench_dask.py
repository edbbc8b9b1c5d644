"""Benchmark of partitioned assessment on Dask: one process against 1 and 2 Dask workers.

Run ``.venv/bin/python benchmarks/bench_dask.py`` (N = 10,000 and 100,000; ``--sizes 1000``
for a smoke run). Each portfolio comes from ``generate.py`` (with the partner contacts made
unique, as in ``bench_load.py``) and is written as a folder of eight JSON Lines shards.

Every variant goes from those files to the same result: every verdict as a pandas frame
(with the messages of the rows that need action) plus the organization findings.

- **one process**: ``collabrel.load(folder)``, one ``Session``, ``Session.table()``,
  ``to_pandas()`` and the organization's findings, in this process.
- **Dask, w workers**: ``collabrel.distributed.assess(JsonLinesSource(folder))`` on a
  ``LocalCluster`` of *w* worker processes of one thread, one partition per shard. *cold*
  is the first call on a new cluster (the rule set is sent, set up and compiled in every
  worker); *warm* is the next call. Starting the cluster is timed apart.

Times are wall-clock seconds (the work runs in other processes), one run each, measured
in the same run of this script; the ratios divide a Dask time by the one-process time at
the same N. The machine's core count and load are printed with them: on two cores shared
with other work, expect overhead rather than speed-up. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster

import collabrel
from bench_load import valid_portfolio
from collabrel.distributed import JsonLinesSource, assess
from collabrel.rules import Session, Verdict, default_ruleset
from generate import AS_OF

SHARDS = 8
HERE = Path(__file__).resolve().parent


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def one_process(folder: Path) -> dict[str, Any]:
    """Load the whole folder, evaluate it in one session, make the frame and the findings."""
    ruleset = default_ruleset()

    def run() -> tuple[dict[Verdict, int], int, tuple[Any, ...]]:
        portfolio = collabrel.load(folder)
        session = Session(portfolio, ruleset, as_of=AS_OF)
        frame = session.table().to_pandas()
        findings = session.findings(subject_id=portfolio.organization.id)
        return session.counts(), len(frame), findings

    seconds, (counts, rows, findings) = _timed(run)
    return {"seconds": seconds, "counts": counts, "rows": rows, "findings": findings}


def on_dask(folder: Path, workers: int) -> dict[str, Any]:
    """Start a cluster of *workers* processes, assess twice (cold, warm), close it."""
    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster, set_as_default=False)
    started = time.perf_counter() - start
    try:
        source = JsonLinesSource(path=folder)
        cold, result = _timed(lambda: assess(source, as_of=AS_OF, client=client))
        warm, again = _timed(lambda: assess(source, as_of=AS_OF, client=client))
    finally:
        client.close()
        cluster.close()
    assert again.counts() == result.counts()
    return {
        "start_seconds": started,
        "cold_seconds": cold,
        "warm_seconds": warm,
        "counts": result.counts(),
        "rows": len(result),
        "findings": result.organization_findings,
        "partitions": result.partitions,
    }


def run(n: int, tmp: Path) -> dict[str, Any]:
    portfolio = valid_portfolio(n)
    folder = tmp / f"shards-{n}"
    collabrel.dump_shards(portfolio, folder, shard_size=-(-n // SHARDS))
    del portfolio
    print(f"N={n:,}: one process ...", flush=True)
    single = one_process(folder)
    out: dict[str, Any] = {"n": n, "one_process_seconds": single["seconds"]}
    for workers in (1, 2):
        print(f"N={n:,}: Dask, {workers} worker(s) ...", flush=True)
        dask = on_dask(folder, workers)
        same = (
            dask["counts"] == single["counts"]
            and dask["rows"] == single["rows"]
            and dask["findings"] == single["findings"]
        )
        if not same:
            msg = f"N={n}: Dask with {workers} workers gave other verdicts than one process"
            raise SystemExit(msg)
        out[f"dask_{workers}"] = {
            k: v for k, v in dask.items() if k not in {"counts", "findings", "rows"}
        }
    out["verdicts"] = single["rows"]
    return out


def _machine() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_average_at_start": os.getloadavg(),
    }


def _report(machine: dict[str, Any], results: list[dict[str, Any]]) -> None:
    print()
    print(
        f"{machine['cpus_usable']} usable cores ({machine['cpus']} in the machine), load "
        f"average at start {', '.join(f'{x:.1f}' for x in machine['load_average_at_start'])}; "
        f"Python {machine['python']}"
    )
    print(f"{'':34}" + "".join(f"{'N=' + format(r['n'], ','):>16}" for r in results))
    print(f"{'verdicts':34}" + "".join(f"{r['verdicts']:>16,}" for r in results))
    print(
        f"{'one process (s)':34}" + "".join(f"{r['one_process_seconds']:>16.1f}" for r in results)
    )
    for w in (1, 2):
        rows = [
            (f"Dask {w} worker(s): start (s)", "start_seconds"),
            (f"Dask {w} worker(s): cold (s)", "cold_seconds"),
            (f"Dask {w} worker(s): warm (s)", "warm_seconds"),
        ]
        for label, key in rows:
            print(f"{label:34}" + "".join(f"{r[f'dask_{w}'][key]:>16.1f}" for r in results))
        label = f"Dask {w} worker(s) warm / one proc."
        print(
            f"{label:34}"
            + "".join(
                f"{r[f'dask_{w}']['warm_seconds'] / r['one_process_seconds']:>15.2f}x"
                for r in results
            )
        )
    print(f"{'partitions':34}" + "".join(f"{r['dask_1']['partitions']:>16}" for r in results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", help="sizes to run instead")
    parser.add_argument("--output", type=Path, default=HERE / "results_dask.json")
    args = parser.parse_args(argv)
    sizes = args.sizes or [10_000, 100_000]
    machine = _machine()
    # compile the rule set in this process first: the one-process times leave compiling out,
    # as the warm Dask times do
    Session(collabrel.example_portfolio(), default_ruleset(), as_of=AS_OF).table()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(n, Path(tmp)) for n in sizes]
    machine["load_average_at_end"] = os.getloadavg()
    _report(machine, results)
    if args.sizes is None or args.output != parser.get_default("output"):
        args.output.write_text(
            json.dumps({"machine": machine, "results": results}, indent=1) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
