"""Clause 8.1, operational planning and control: the lifecycle procedure and records.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from typing import Any

from collabrel import Stage
from collabrel._iso44001._builder import HLS, INF, ORG, REL, TOC, Checked, D, P, R, iso, listed
from collabrel._iso44001._documents import backfill_marked
from collabrel._iso44001._indexes import ByIdentity
from collabrel.rules import (
    RuleSpec,
    all_of,
    before,
    check,
    equals,
    for_each,
    implies,
    non_empty,
    present,
    unmet,
)

__all__ = ["RULES"]


def lifecycle_stages(stages: Any) -> Checked:
    """The lifecycle procedure defines each of stages 1 to 8."""
    if stages is None:
        return None
    defined = {s.stage for s in stages}
    missing = [n for n in range(1, 9) if n not in defined]
    return not missing or unmet(f"no procedure for stage {listed(missing)}")


_monitored_ids = ByIdentity(lambda items: frozenset(i.relationship_id for i in items))
"""The relationships the monitoring plan's items are about (one look-up per relationship)."""


def monitored(rel_id: Any, plan: Any) -> Checked:
    """The monitoring plan has an item for the relationship."""
    if plan is None:
        return None
    if rel_id in _monitored_ids(plan.items):
        return True
    return unmet(f"the monitoring plan has no item for {rel_id}")


def history_approved(history: Any) -> Checked:
    """Every gate passed outside retrofit onboarding names its approver."""
    missing = [f"{r.stage} entered {r.entered_on.isoformat()}"
               for r in history or () if not r.retrofit and r.approved_by is None]  # fmt: skip
    return not missing or unmet(f"no approver recorded for {listed(missing)}")


def _rules() -> list[RuleSpec]:
    return [
        iso(
            "procedure",
            clause="8.1",
            level=ORG,
            basis=(TOC, HLS, INF),
            flags={D},
            title="A lifecycle procedure defines criteria, activities and outputs for stages 1-8",
            remedy="Document entry criteria, activities, outputs and exit criteria for each stage.",
            condition=all_of(
                present("cbrms.lifecycle_procedure"),
                check(lifecycle_stages, "cbrms.lifecycle_procedure.stages"),
                for_each(
                    "cbrms.lifecycle_procedure.stages",
                    all_of(
                        non_empty("entry_criteria"),
                        non_empty("activities"),
                        non_empty("outputs"),
                        non_empty("exit_criteria"),
                    ),
                ),
            ),
        ),
        iso(
            "history",
            clause="8.1",
            level=REL,
            basis=(TOC, HLS, INF),
            flags={R},
            title="The relationship's stage history records every gate with its approver",
            remedy="Record each stage entered with its date and approver.",
            condition=all_of(non_empty("stage_history"), check(history_approved, "stage_history")),
        ),
        iso(
            "changes",
            clause="8.1",
            level=REL,
            basis=(TOC, HLS),
            flags={R},
            title="Significant changes to the relationship had their impact reviewed",
            remedy="Review the impact of each significant change and record it.",
            condition=for_each(
                "change_records",
                implies(equals("significant", True), equals("impact_reviewed", True)),
            ),
        ),
        iso(
            "change-control",
            clause="8.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Changes to the CBRMS had their impact reviewed: planned ones before they took "
            "effect",
            remedy="Review the impact of each change and record when: before a planned change "
            "takes effect, and after an unintended one (with actions where its effects are "
            "adverse).",
            condition=for_each(
                "changes",
                all_of(
                    present("impact_reviewed_on"),
                    implies(equals("planned", True), before("impact_reviewed_on", "changed_on")),
                ),
            ),
        ),
        iso(
            "outsourced",
            clause="8.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Every outsourced CBRMS process has a provider, an owner and its controls",
            remedy="For each outsourced process, name the provider and the owner inside the "
            "organization, and list how it is controlled.",
            condition=for_each(
                "outsourced_processes",
                all_of(present("provider"), present("owner"), non_empty("controls")),
            ),
        ),
        iso(
            "backfilled",
            clause="8.1",
            level=REL,
            basis=(TOC, INF),
            flags={R},
            title="Evidence of the stages a retrofit skipped is marked as back-filled or as a "
            "record made at the time",
            remedy="For each registered document of the stages before the retrofit entry, record "
            "backfilled: true (filled in afterwards) or false (a record made at the time).",
            condition=check(backfill_marked, "id", "stage_history", "organization.documents"),
        ),
        iso(
            "monitored",
            clause="9.1.1",
            level=REL,
            stage=Stage.WORKING_TOGETHER,
            basis=(TOC, HLS, INF),
            flags={D, P},
            title="The monitoring plan covers the relationship",
            remedy="Add the relationship's KPIs to the monitoring plan.",
            condition=check(monitored, "id", "organization.monitoring_plan"),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
