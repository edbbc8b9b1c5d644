"""Reports of large portfolios: written from a session as they go, against built in memory.

For each size, the generated portfolio (``generate.py``, with the partner contacts made
distinct as in ``bench_load.py``) is written once as JSON Lines; fresh interpreters (so that
peak memory is the run's own) load it, evaluate it, and write:

- the action view (``view="actions"``) as HTML and as JSON, streamed with ``write_report``;
- every row as CSV, streamed;
- for comparison (sizes up to 10,000), the same action view through an in-memory ``Report``
  (``evaluate`` then ``Report.from_assessment(...).actions().to_html()``).

It prints, per size: the evaluation time, each report's time and its ratio to the
evaluation, and the peak memory above the interpreter's start, as a ratio to the memory the
portfolio itself takes (the goal of issue 12: load + evaluate + streamed report <= 2x the
loaded portfolio). The peak is read before the benchmark checks that the JSON it wrote
parses: that check reads the whole file into memory, which the product never does. Times
are wall-clock seconds from one run on a shared machine; compare the ratios, not the seconds.

Usage::

    python benchmarks/bench_reports.py            # 1,000 and 10,000 relationships
    python benchmarks/bench_reports.py --large    # and 100,000 (several minutes, ~GiB)
    python benchmarks/bench_reports.py --sizes 500
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _rss() -> int:
    """The resident memory of this process now, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as f:  # noqa: PTH123
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(n: int, mode: str, source: Path) -> dict[str, Any]:
    """One measurement in this (fresh) process, of the portfolio in the file *source*."""
    sys.path.insert(0, str(HERE))
    import collabrel
    import generate
    from collabrel.reports import Report, write_report
    from collabrel.rules import Session, default_ruleset

    ruleset = default_ruleset()
    Session(generate.portfolio(7), ruleset, as_of=generate.AS_OF)  # compile the rules once
    base = _rss()
    portfolio = collabrel.load(source)  # objects of its own, as a real load gives them
    loaded = _rss() - base
    out: dict[str, Any] = {"n": n, "mode": mode, "portfolio_bytes": loaded}
    t = time.perf_counter()
    session = Session(portfolio, ruleset, as_of=generate.AS_OF)
    out["evaluate_s"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        if mode == "stream":
            for name, fmt, view in (("actions_html", "html", "actions"),
                                    ("actions_json", "json", "actions"),
                                    ("full_csv", "csv", "full")):  # fmt: skip
                path = Path(d) / f"{name}.{fmt}"
                t = time.perf_counter()
                write_report(session, path, format=fmt, view=view)
                out[f"{name}_s"] = time.perf_counter() - t
                out[f"{name}_bytes"] = path.stat().st_size
            out["peak_bytes"] = _peak() - base  # before the check of the output below
            json.loads((Path(d) / "actions_json.json").read_text(encoding="utf-8"))  # valid
        else:
            t = time.perf_counter()
            rep = Report.from_assessment(session.assessment(), portfolio)
            page = rep.actions().to_html()
            out["memory_actions_html_s"] = time.perf_counter() - t
            out["memory_actions_html_bytes"] = len(page.encode())
    out.setdefault("peak_bytes", _peak() - base)
    return out


def measure(n: int, mode: str, source: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(n), mode, str(source)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _write_portfolio(n: int, folder: Path) -> Path:
    """The generated portfolio of *n* relationships as a JSON Lines file in *folder*."""
    sys.path.insert(0, str(HERE))
    import bench_load
    import collabrel

    path = folder / f"portfolio-{n}.jsonl"
    collabrel.dump(bench_load.valid_portfolio(n), path)
    return path


def _mib(b: float) -> str:
    return f"{b / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 100,000 relationships")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--child", nargs=3, metavar=("N", "MODE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], Path(args.child[2]))))
        return 0
    sizes = [*args.sizes, *([100_000] if args.large else [])]
    results = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as d:
            source = _write_portfolio(n, Path(d))
            s = measure(n, "stream", source)
            m = measure(n, "memory", source) if n <= 10_000 else None
        results.append({"stream": s, "memory": m})
        ev = s["evaluate_s"]
        print(f"\n{n:,} relationships: loaded portfolio {_mib(s['portfolio_bytes'])}, "
              f"evaluation {ev:.1f} s")  # fmt: skip
        for name in ("actions_html", "actions_json", "full_csv"):
            print(f"  streamed {name:<13} {s[f'{name}_s']:7.1f} s  {s[f'{name}_s'] / ev:5.2f}x "
                  f"the evaluation  {_mib(s[f'{name}_bytes'])}")  # fmt: skip
        ratio = s["peak_bytes"] / max(1, s["portfolio_bytes"])
        met = "met" if ratio <= 2 else "not met"
        print(f"  peak of evaluation + the three streamed reports: {_mib(s['peak_bytes'])} = "
              f"{ratio:.2f}x the portfolio (goal <= 2x): {met}")  # fmt: skip
        if m is not None:
            mratio = m["peak_bytes"] / max(1, m["portfolio_bytes"])
            print(f"  in memory: actions HTML {m['memory_actions_html_s']:.1f} s "
                  f"({m['memory_actions_html_s'] / s['actions_html_s']:.1f}x streamed), peak "
                  f"{_mib(m['peak_bytes'])} = {mratio:.2f}x the portfolio")  # fmt: skip
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
