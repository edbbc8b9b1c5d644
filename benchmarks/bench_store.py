"""Benchmark of the store: commit latency of one relationship change, rebuild of a portfolio.

Run ``.venv/bin/python benchmarks/bench_store.py`` (``--quick`` for 1,000 relationships
instead of 10,000). Both backends run in the same process: a SQLite file in a temporary
directory, and a throwaway PostgreSQL server started on loopback like the tests do (with
fsync on, as in production), unless ``--postgres-url`` names another one.

Each number comes with its floor, measured in the same run on the same database, and the
ratio between them (nothing here asserts a time):

- **commit**: ``Store.commit`` of one relationship changed by one field (validated, the
  document read back, conflict check, hash chain, one transaction), also without the
  read-back check (``check=False``, the change undone), against the floor of
  inserting the same document text into a plain two-column table and committing, with the
  driver alone. The changes are ``generate.single_field_changes``: realistic edits.
- **rebuild**: ``Store.snapshot`` of the whole portfolio (the latest revision of every
  subject, loaded into a ``Portfolio``), against the floor of selecting the same document
  texts from the plain table with the driver and loading each with ``json.loads`` and
  ``collabrel._io.structure`` (what reading a JSON Lines file costs). The SQL part alone
  (fetching the rows of the current revisions through the store's query) is shown too.
- **shard**: ``Store.relationships(shard=(0, 8))``, one partition of eight.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from collabrel import Relationship
from collabrel._io import structure, unstructure
from collabrel.store import Put, Store
from collabrel.store._codec import canonical
from generate import portfolio, single_field_changes

HERE = Path(__file__).resolve().parent
NAME = "bench"


def _servers() -> Any:
    spec = importlib.util.spec_from_file_location(
        "store_servers", HERE.parent / "tests" / "store_servers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1e3


def _p90_ms(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))] * 1e3


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _floor_table(store: Store, docs: list[tuple[str, str]]) -> None:
    with store._engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
        conn.execute(text("CREATE TABLE bench_floor (id VARCHAR(200) PRIMARY KEY, document TEXT)"))
        for start in range(0, len(docs), 500):
            conn.execute(
                text("INSERT INTO bench_floor (id, document) VALUES (:id, :document)"),
                [{"id": i, "document": d} for i, d in docs[start : start + 500]],
            )


def _floor_insert(store: Store, document: str, n: int) -> float:
    """Insert one document into the plain table and commit, with the driver alone."""
    raw = store._engine.raw_connection()
    try:
        cursor = raw.cursor()
        marker = "?" if store.backend == "sqlite" else "%s"
        sql = f"INSERT INTO bench_floor (id, document) VALUES ({marker}, {marker})"  # noqa: S608 - placeholders only
        if store.backend == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        start = time.perf_counter()
        cursor.execute(sql, (f"floor-{n}", document))
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def _floor_rebuild(store: Store) -> float:
    raw = store._engine.raw_connection()
    try:
        start = time.perf_counter()
        cursor = raw.cursor()
        cursor.execute("SELECT document FROM bench_floor WHERE id LIKE 'r%' ORDER BY id")
        rels = [structure(json.loads(row[0]), Relationship) for row in cursor.fetchall()]
        elapsed = time.perf_counter() - start
        assert rels
        return elapsed
    finally:
        raw.close()


def _sql_only(store: Store, n: int) -> float:
    start = time.perf_counter()
    with store._read() as conn:
        rows = store._current(conn, NAME, store._head(conn, NAME))
    elapsed = time.perf_counter() - start
    assert len(rows) == n + 1
    return elapsed


def run_backend(backend: str, url: str, n: int, commits: int, repeat: int) -> dict[str, Any]:
    """Measure one backend; return the numbers."""
    p = portfolio(n)
    store = Store(url)
    print(f"[{backend}] saving {n} relationships ...", flush=True)
    save_s, _ = _timed(lambda: store.save(p, name=NAME, actor="bench", check=False))
    docs = [(r.id, canonical(unstructure(r))) for r in p.relationships]
    _floor_table(store, docs)
    size = sum(len(d) for _, d in docs)

    print(f"[{backend}] committing {commits} single-field changes ...", flush=True)
    current = {r.id: r for r in p.relationships}
    versions = dict.fromkeys(current, 1)
    commit_s: list[float] = []
    unchecked_s: list[float] = []
    floor_s: list[float] = []
    for k, (index, change) in enumerate(single_field_changes(n, commits)):
        rel = p.relationships[index]
        new = change.apply(current[rel.id])
        if new == current[rel.id]:
            continue
        item = Put(new, expected=versions[rel.id])
        elapsed, commit = _timed(lambda item=item: store.commit(NAME, [item], actor="bench"))
        commit_s.append(elapsed)
        versions.update(commit.versions)  # type: ignore[attr-defined]
        current[rel.id] = new
        back = Put(rel if new != rel else change.apply(new), expected=versions[rel.id])
        elapsed, commit = _timed(
            lambda item=back: store.commit(NAME, [item], actor="bench", check=False)
        )
        unchecked_s.append(elapsed)
        versions.update(commit.versions)  # type: ignore[attr-defined]
        current[rel.id] = back.value  # type: ignore[assignment]
        floor_s.append(_floor_insert(store, canonical(unstructure(new)), k))

    print(f"[{backend}] rebuilding {n} relationships ({repeat} times) ...", flush=True)
    rebuild_s = []
    floor_rebuild_s = []
    sql_s = []
    for _ in range(repeat):
        elapsed, snap = _timed(lambda: store.snapshot(NAME))
        assert len(snap.portfolio.relationships) == n  # type: ignore[attr-defined]
        rebuild_s.append(elapsed)
        del snap
        gc.collect()
        floor_rebuild_s.append(_floor_rebuild(store))
        sql_s.append(_sql_only(store, n))
    shard_s, shard = _timed(lambda: store.relationships(NAME, shard=(0, 8)))
    store.close()
    return {
        "backend": backend,
        "relationships": n,
        "document_bytes_mean": size // n,
        "save_s": save_s,
        "commits": len(commit_s),
        "commit_median_ms": _median_ms(commit_s),
        "commit_p90_ms": _p90_ms(commit_s),
        "commit_unchecked_median_ms": _median_ms(unchecked_s),
        "commit_floor_median_ms": _median_ms(floor_s),
        "commit_ratio": statistics.median(commit_s) / statistics.median(floor_s),
        "rebuild_s": min(rebuild_s),
        "rebuild_floor_s": min(floor_rebuild_s),
        "rebuild_ratio": min(rebuild_s) / min(floor_rebuild_s),
        "rebuild_sql_s": min(sql_s),
        "shard_1_of_8_s": shard_s,
        "shard_1_of_8_relationships": len(shard),  # type: ignore[arg-type]
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 relationships")
    parser.add_argument("--size", type=int, default=None, help="relationships (10,000)")
    parser.add_argument("--commits", type=int, default=200, help="timed commits (200)")
    parser.add_argument("--repeat", type=int, default=3, help="rebuilds, best kept (3)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=None, help="an empty PostgreSQL database")
    parser.add_argument("--output", type=Path, default=None, help="write the numbers as JSON")
    args = parser.parse_args(argv)
    n = args.size or (1_000 if args.quick else 10_000)
    results = []
    cluster = None
    with tempfile.TemporaryDirectory(prefix="collabrel-bench-") as folder:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = str(Path(folder) / "bench.db")
            else:
                url = args.postgres_url
                if url is None:
                    cluster = _servers().PostgresCluster(fsync=True)
                    cluster.start()
                    url = cluster.new_database()
            try:
                results.append(run_backend(backend, url, n, args.commits, args.repeat))
            finally:
                if cluster is not None:
                    cluster.stop()
                    cluster = None
    print()
    print(f"{'':36}" + "".join(f"{r['backend']:>14}" for r in results))
    rows = [
        ("relationships", "relationships", "{:>14,}"),
        ("mean document (bytes)", "document_bytes_mean", "{:>14,}"),
        ("first save (s)", "save_s", "{:>14.1f}"),
        ("commit, median (ms)", "commit_median_ms", "{:>14.2f}"),
        ("commit, 90th percentile (ms)", "commit_p90_ms", "{:>14.2f}"),
        ("  without the read-back check (ms)", "commit_unchecked_median_ms", "{:>14.2f}"),
        ("floor: insert + commit (ms)", "commit_floor_median_ms", "{:>14.2f}"),
        ("commit / floor", "commit_ratio", "{:>13.1f}x"),
        ("rebuild (s)", "rebuild_s", "{:>14.2f}"),
        ("  of which SQL (s)", "rebuild_sql_s", "{:>14.2f}"),
        ("floor: select + load (s)", "rebuild_floor_s", "{:>14.2f}"),
        ("rebuild / floor", "rebuild_ratio", "{:>13.2f}x"),
        ("one shard of 8 (s)", "shard_1_of_8_s", "{:>14.2f}"),
    ]
    for label, key, fmt in rows:
        print(f"{label:36}" + "".join(fmt.format(r[key]) for r in results))
    if args.output is not None:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
