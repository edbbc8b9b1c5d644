"""Clause 8.1, operational planning and control: the lifecycle procedure and records.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from typing import Any

from collabrel import Stage
from collabrel._iso44001._builder import HLS, INF, ORG, REL, TOC, D, P, R, iso
from collabrel.rules import RuleSpec, all_of, check, equals, for_each, implies, non_empty, present

__all__ = ["RULES"]


def lifecycle_stages(stages: Any) -> bool | None:
    """The lifecycle procedure defines each of stages 1 to 8."""
    if stages is None:
        return None
    return {s.stage for s in stages} >= set(range(1, 9))


def monitored(rel_id: Any, plan: Any) -> bool | None:
    """The monitoring plan has an item for the relationship."""
    if plan is None:
        return None
    return any(i.relationship_id == rel_id for i in plan.items)


def history_approved(history: Any) -> bool:
    """Every gate passed outside retrofit onboarding names its approver."""
    return all(r.approved_by is not None for r in history or () if not r.retrofit)


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
