# ruff: noqa: INP001 - a script of the documentation, not a package module
"""Write ``docs/notebooks/portfolio.ipynb``, the consulting notebook, from the cells below.

The notebook is generated so that it stays reviewable as code and has no outputs in the
repository: run it in Jupyter to see them. ``tests/test_notebook.py`` executes it in a real
kernel and checks that this script and the committed notebook agree.

Usage::

    python docs/notebooks/build_portfolio_notebook.py [--out PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "portfolio.ipynb"

CELLS: list[tuple[str, str]] = [
    (
        "markdown",
        """\
# Portfolio review: Northbridge Engineering Ltd

A consultant's first pass over a client's collaborative relationships with collabrel:
evaluate the whole portfolio against ISO 44001 as of a
date, see where it stands clause by clause and relationship by relationship, read why each
failure fails, list the Annex A checklist gaps, score the ISO 44003 principles, compare how
the two partners of the rail joint venture perceive their relationship, and check every
relationship's next stage gate.

The data is collabrel's bundled example: Northbridge Engineering Ltd and its seven
relationships. Replace `collabrel.example_portfolio()` with `collabrel.load("client.yaml")`
to run the same review on a client's portfolio.

Needs collabrel with the `yaml` and `jupyter` extras (pandas, matplotlib).""",
    ),
    (
        "code",
        """\
from datetime import date

import pandas as pd
from IPython.display import Markdown

import collabrel
from collabrel import maturity, views
from collabrel.errors import TransitionNotAllowedError
from collabrel.lifecycle import Lifecycle, diagram
from collabrel.reports import Report
from collabrel.rules import evaluate

pd.set_option("display.max_colwidth", 120)
AS_OF = date(2026, 11, 23)""",
    ),
    ("markdown", "## 1. Load and evaluate"),
    (
        "code",
        """\
portfolio = collabrel.example_portfolio()
assessment = evaluate(portfolio, as_of=AS_OF)
report = Report.from_assessment(assessment, portfolio)

display(
    Markdown(
        f"**{portfolio.organization.name}** as of {AS_OF}, rule set "
        f"`{assessment.ruleset_version}`: {report.summary.overall}"
    )
)
portfolio""",
    ),
    (
        "markdown",
        """\
## 2. Where the portfolio stands: clause x relationship

One row per top-level clause (4-10), one column per subject (the organization for the
corporate clauses, each relationship for clause 8). The first table gives the share of
applicable findings that pass; NOT_APPLICABLE findings are left out and UNKNOWN counts as
not met (`collabrel.views.COUNTING`). The second counts the findings that need action.""",
    ),
    (
        "code",
        """\
frame = report.to_frame()
frame["top_clause"] = frame["clause"].str.split(".").str[0].astype(int)
subjects = [portfolio.organization.id, *(r.id for r in portfolio.relationships)]

applicable = frame[frame["verdict"] != "not_applicable"]
share_met = (
    applicable.assign(met=applicable["verdict"].eq("pass"))
    .pivot_table(index="top_clause", columns="subject_id", values="met", aggfunc="mean")
    .reindex(columns=[s for s in subjects if s in set(applicable["subject_id"])])
)
share_met.style.format("{:.0%}", na_rep="").background_gradient(cmap="RdYlGn", vmin=0, vmax=1)""",
    ),
    (
        "code",
        """\
to_act_on = frame[frame["verdict"].isin(["fail", "unknown", "error"])]
counts = pd.crosstab(to_act_on["clause"], to_act_on["subject_id"])
counts = counts.loc[sorted(counts.index, key=lambda c: [int(p) for p in c.split(".")])]
counts.loc["total"] = counts.sum()
counts["total"] = counts.sum(axis=1)
counts""",
    ),
    (
        "markdown",
        """\
## 3. What fails, and why

Every finding that needs action, with the failing conditions (actual vs expected value)
and the remedy.""",
    ),
    (
        "code",
        """\
failing = pd.DataFrame(
    {
        "subject": f.subject_id,
        "clause": f.clause,
        "rule": f.rule_id,
        "verdict": f.verdict.label,
        "why": "; ".join(
            f"{leaf.path}: {leaf.actual} (expected {leaf.expected})"
            for leaf in (f.explanation.failing if f.explanation else ())
        )
        or f.message,
        "remedy": f.remedy,
    }
    for f in assessment.failed()
)
failing""",
    ),
    (
        "code",
        """\
first = assessment.failed()[0]
Markdown(f"```text\\n{first.explanation}\\n```")""",
    ),
    (
        "markdown",
        """\
## 4. Annex A checklist: the gaps

One question per rule, answered from the findings: *No* when no applicable finding passes,
*Partial* when some do. This is the internal audit's work list. Assessor overrides
(`views.Override`) are kept beside the automatic answers.""",
    ),
    (
        "code",
        """\
checklist = views.annex_a_checklist(assessment)
gaps = pd.DataFrame(
    {
        "clause": row.clause,
        "rule": row.rule_id,
        "answer": row.answer.value,
        "passing": f"{row.score.passed}/{row.score.applicable}",
        "question": row.question,
    }
    for row in checklist.gaps()
)
display(Markdown(f"**{len(checklist.gaps())} gaps** in {len(checklist.rows)} questions"))
gaps""",
    ),
    (
        "markdown",
        """\
## 5. ISO 44003 profile

The twelve principles of ISO 44003 (collaboration for small and medium organizations), each
scored from the ISO 44001 rules mapped to it.""",
    ),
    (
        "code",
        """\
principles = views.iso44003_principles(assessment)
pd.DataFrame(principles.rows()).set_index("key").style.format({"share": "{:.0%}"})""",
    ),
    (
        "markdown",
        """\
## 6. Rail joint venture: do the partners see the relationship the same way?

Both parties of `rel-rail-jv` filled in the Annex D maturity self-assessment (three people
each). `maturity.perceived` averages them per party; `maturity.gaps` compares the two
profiles theme by theme, largest disagreement first. The *evidenced* profile is derived from
the rule verdicts, for a third point of view.""",
    ),
    (
        "code",
        """\
answers = maturity.example_self_assessments()
by_party = maturity.perceived(answers, by="party")
northbridge, halden = by_party["northbridge"], by_party["halden-rail"]
evidenced = maturity.evidenced(assessment, "rel-rail-jv", organization_id="northbridge")

party_gap = maturity.gaps(northbridge, halden)
pd.DataFrame(
    {
        "theme": g.name,
        "northbridge": g.left,
        "halden-rail": g.right,
        "gap": g.difference,
        "evidenced": evidenced.level(g.theme),
    }
    for g in party_gap.gaps
).round(2)""",
    ),
    (
        "code",
        """\
lines = [
    f"- **{g.name}**: Northbridge {g.left:.1f}, Halden {g.right:.1f} ({g.difference:+.1f})"
    for g in party_gap.largest(3)
]
lines += [
    f"- *{a.participant.party} / {a.participant.role}*: {a.comments}" for a in answers if a.comments
]
Markdown("\\n".join(lines))""",
    ),
    (
        "code",
        """\
ax = maturity.radar(evidenced, northbridge, halden)
ax.set_title("rel-rail-jv: evidenced vs perceived maturity", fontsize=9)
ax.figure.savefig("rail-jv-maturity.png", dpi=120, bbox_inches="tight")""",
    ),
    (
        "markdown",
        """\
## 7. Lifecycle: can each relationship move on?

A gate is the set of rules of the stage being left; every one must pass (UNKNOWN blocks
too). Stage 7 has no *advance* (it is left by exit activation), and closed relationships
have no transitions at all.""",
    ),
    (
        "code",
        """\
lifecycle = Lifecycle()
rows = []
for rel in portfolio.relationships:
    row = {
        "relationship": rel.id,
        "stage": str(rel.stage),
        "transitions": ", ".join(Lifecycle.allowed(rel)) or "-",
    }
    try:
        check = lifecycle.can_advance(rel, portfolio.organization, as_of=AS_OF)
    except TransitionNotAllowedError:
        row |= {"advance": "n/a", "blocking": 0, "first reason": ""}
    else:
        reasons = check.reasons()
        row |= {
            "advance": "open" if check.allowed else "blocked",
            "blocking": len(check.blocking),
            "first reason": reasons[0] if reasons else "",
        }
    rows.append(row)
pd.DataFrame(rows).set_index("relationship")""",
    ),
    (
        "code",
        """\
grid = portfolio.relationship("rel-grid-alliance")
gate = lifecycle.can_advance(grid, portfolio.organization, as_of=AS_OF)
diagram(current=grid.stage, blocked=not gate.allowed)""",
    ),
    (
        "markdown",
        """\
## 8. Hand over

The same report renders as a self-contained HTML page for the client, and as CSV or JSON
for their systems.""",
    ),
    (
        "code",
        """\
from pathlib import Path

Path("northbridge-assessment.html").write_text(report.to_html(), encoding="utf-8")
Path("northbridge-assessment.csv").write_text(report.to_csv(), encoding="utf-8")
report""",
    ),
    (
        "markdown",
        """\
## 9. Beyond one machine: 100,000 relationships on a local Dask cluster

A group's whole portfolio, or every client of a consultancy, is more than one process should
evaluate alone. With the `dask` extra (`pip install 'collabrel[dask]'`), collabrel splits a
portfolio into partitions that Dask workers read and evaluate in parallel. The verdicts are
those of one session on the whole portfolio, and come back as one pandas frame.

The next cell gives Northbridge 100,000 relationships (its seven, cloned under new ids, with
the CBRMS widened to the whole organization) and writes them as JSON Lines shards. The
workers read the shards themselves: the portfolio never passes through this notebook. At
100,000, writing and assessing take several minutes on a laptop; set the environment
variable `COLLABREL_NOTEBOOK_RELATIONSHIPS` to try a smaller portfolio first (the tests run
this notebook with a few hundred).""",
    ),
    (
        "code",
        """\
import os
import tempfile

from collabrel import ApplicationLevel

N = int(os.environ.get("COLLABREL_NOTEBOOK_RELATIONSHIPS", "100000"))
organization = portfolio.organization
scope = collabrel.evolve(organization.scope, application_level=ApplicationLevel.ORGANIZATION_WIDE)
seven = portfolio.relationships
group = collabrel.evolve(
    portfolio,
    organization=collabrel.evolve(organization, scope=scope),
    relationships=tuple(
        collabrel.evolve(seven[i % 7], id=f"{seven[i % 7].id}-{i:06d}") for i in range(N)
    ),
)
shards_folder = Path(tempfile.mkdtemp()) / "northbridge-shards"
shards = collabrel.dump_shards(group, shards_folder, shard_size=max(1, N // 8))
Markdown(f"{N:,} relationships in {len(shards)} shards")""",
    ),
    (
        "markdown",
        """\
Start a cluster of two worker processes (one thread each: the rules are Python, so
processes, not threads, run in parallel) and assess the shards, one partition per shard. The
first call sends the rule set to every worker and compiles it there. In a backend, pass the
`distributed.Client` it already has instead.""",
    ),
    (
        "code",
        """\
from distributed import Client, LocalCluster

from collabrel.distributed import JsonLinesSource, assess

cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0")
client = Client(cluster)
group_result = assess(JsonLinesSource(path=shards_folder), as_of=AS_OF, client=client)
group_result""",
    ),
    (
        "markdown",
        """\
Every verdict is a row of the frame (subject, rule, clause, stage, level, verdict, message):
plot them by clause and by lifecycle stage.""",
    ),
    (
        "code",
        """\
import matplotlib.pyplot as plt

verdicts = group_result.to_pandas()
clause = verdicts["clause"].astype(str).str.split(".").str[0].astype(int).rename("clause")
by_clause = pd.crosstab(clause, verdicts["verdict"])
by_stage = pd.crosstab(verdicts["stage"], verdicts["verdict"])

fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.5))
by_clause.plot.bar(stacked=True, ax=left, title="Verdicts by clause")
by_stage.plot.bar(stacked=True, ax=right, title="Verdicts by lifecycle stage", xlabel="stage")
fig.tight_layout()
fig.savefig("group-verdicts.png")
by_stage""",
    ),
    (
        "code",
        """\
client.close()
cluster.close()""",
    ),
]
"""The notebook's cells: (kind, source)."""


def build() -> nbformat.NotebookNode:
    """Return the notebook, with stable cell ids and no outputs."""
    cells = []
    for number, (kind, source) in enumerate(CELLS, start=1):
        make = new_markdown_cell if kind == "markdown" else new_code_cell
        cell = make(source)
        cell["id"] = f"cell-{number:02d}"
        cells.append(cell)
    notebook = new_notebook(cells=cells)
    notebook["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook


def render() -> str:
    """Return the notebook as the JSON text written to disk."""
    return nbformat.writes(build()) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the notebook; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write it")
    args = parser.parse_args(argv)
    args.out.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
