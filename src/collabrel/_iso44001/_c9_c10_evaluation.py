"""Clauses 9 and 10: monitoring, internal audit, management review, improvement.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collabrel import Stage
from collabrel._iso44001._builder import (
    HLS,
    INF,
    ORG,
    REL,
    SEC,
    TOC,
    A,
    Checked,
    D,
    J,
    P,
    R,
    iso,
    listed,
)
from collabrel.rules import (
    Outcome,
    RuleContext,
    RuleSpec,
    all_of,
    any_of,
    before,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    not_,
    one_of,
    present,
    ref,
    reviewed_within,
    unmet,
)

__all__ = ["RULES"]

_CLAUSES = ("4", "5", "6", "7", "8", "9", "10")


REVIEW_INPUTS = (
    "prev_actions", "context_changes", "nc_ca", "monitoring", "audit", "improvement_opps",
    "relationship_performance", "exit_evaluations", "stakeholder_feedback",
)  # fmt: skip
"""The inputs a management review considers: the HLS ones, then the CBRMS ones (9.3)."""


def _top(clause: str) -> str:
    return clause.split(".", 1)[0]


def plans_clauses(planned: Any) -> Checked:
    """The audit programme plans every clause from 4 to 10."""
    if planned is None:
        return None
    covered = {_top(c) for c in planned}
    missing = [c for c in _CLAUSES if c not in covered]
    return not missing or unmet(f"clause {listed(missing)} not planned for audit")


def _monitoring_results(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    plan = org.monitoring_plan
    if plan is None or not plan.items:
        return Outcome.unknown("no monitoring plan")
    latest: dict[str, date] = {}
    for r in org.monitoring_results:
        if r.measured_on > latest.get(r.subject, date.min):
            latest[r.subject] = r.measured_on
    late = []
    for item in plan.items:
        last = latest.get(item.subject)
        if last is None:
            late.append(f"{item.subject} (never measured)")
        elif item.frequency is not None:
            due = item.frequency.next_after(last)
            if due < ctx.as_of:
                late.append(f"{item.subject} (overdue by {(ctx.as_of - due).days} days)")
    if late:
        return Outcome.fail("monitoring results missing or late: " + "; ".join(late))
    return Outcome.passed(f"{len(plan.items)} monitored items up to date")


def _audit_window(org: Any, ctx: RuleContext) -> list[Any]:
    cycle = ctx.config.interval("audit_cycle")
    return [a for a in org.audit_reports if ctx.as_of <= a.audited_on + cycle]


def _audit_coverage(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    reports = _audit_window(org, ctx)
    covered = {_top(c) for a in reports for c in a.clauses}
    missing = [c for c in _CLAUSES if c not in covered]
    if missing:
        return Outcome.fail(
            f"clauses not audited within the audit cycle ({ctx.config.interval('audit_cycle')}):"
            f" {', '.join(missing)}"
        )
    return Outcome.passed(f"clauses 4-10 audited in {len(reports)} audits within the cycle")


_STAGE_NUMBERS = {s: int(s) for s in Stage if s.number is not None}
"""Stages 1 to 8 and their numbers."""


def _lifecycle_stage(rel: Any) -> tuple[int, ...]:
    """Tally: the relationship's stage, when it is one of stages 1 to 8."""
    number = _STAGE_NUMBERS.get(rel.stage)
    return () if number is None else (number,)


def _parties(rel: Any) -> tuple[tuple[str, frozenset[str]], ...]:
    """Tally: the relationship's id with the ids of its parties."""
    return ((rel.id, frozenset(p.id for p in rel.parties)),)


def _audit_sampling(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    reports = _audit_window(org, ctx)
    sampled = {s for a in reports for s in a.stages_sampled}
    present_stages = set(ctx.tally)  # the stages 1-8 a relationship is in (see _lifecycle_stage)
    gaps = []
    for low, high in ((1, 4), (5, 8)):
        exists = any(low <= s <= high for s in present_stages)
        if exists and not any(low <= s <= high for s in sampled):
            gaps.append(f"stages {low}-{high}")
    if gaps:
        return Outcome.fail(
            f"audits within the cycle sampled no relationship at {' or '.join(gaps)}"
        )
    return Outcome.passed("audits sampled relationships in both halves of the lifecycle")


def _latest_review(org: Any) -> Any:
    return max(org.management_reviews, key=lambda r: r.held_on, default=None)


def _review_attendance(org: Any, _ctx: RuleContext) -> Outcome | bool | None:
    review = _latest_review(org)
    if review is None:
        return Outcome.unknown("no management review recorded")
    attendees = set(review.attendees)
    missing = []
    if not attendees & set(org.top_management):
        missing.append("a member of top management")
    if not attendees & {s.person for s in org.sers if s.active}:
        missing.append("the SER")
    if missing:
        return Outcome.fail(
            f"the review of {review.held_on} was not attended by " + " or ".join(missing)
        )
    return True


def _review_inputs(org: Any, _ctx: RuleContext) -> Outcome | bool | None:
    review = _latest_review(org)
    if review is None:
        return Outcome.unknown("no management review recorded")
    missing = [i for i in REVIEW_INPUTS if i not in review.inputs]
    if missing:
        return Outcome.fail(
            f"the review of {review.held_on} did not consider: {', '.join(missing)}"
        )
    return True


def _review_decisions(org: Any, _ctx: RuleContext) -> Outcome | bool | None:
    review = _latest_review(org)
    if review is None:
        return Outcome.unknown("no management review recorded")
    if not review.decisions:
        return Outcome.fail(f"the review of {review.held_on} recorded no decision")
    return True


def _improvement_decided(org: Any, _ctx: RuleContext) -> Outcome | bool | None:
    review = _latest_review(org)
    if review is None:
        return Outcome.unknown("no management review recorded")
    if not review.improvement_decisions:
        return Outcome.fail(f"the review of {review.held_on} recorded no improvement decision")
    return True


def _joint_nonconformities(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    # the tally counts (relationship id, its parties) keys: map each relationship to its parties
    parties = dict(ctx.tally.keys())
    bad = []
    for nc in org.nonconformities:
        if not nc.joint or nc.relationship_id is None or not nc.actions:
            continue  # agreement is due once corrective actions are proposed
        needed = parties.get(nc.relationship_id)
        if needed is None:
            continue
        signed = {s.party for s in nc.agreed_by}
        if not needed <= signed:
            bad.append(f"{nc.id} (missing {', '.join(sorted(needed - signed))})")
    if bad:
        return Outcome.fail("joint corrective actions not agreed by every party: " + "; ".join(bad))
    return True


def _rules() -> list[RuleSpec]:
    closed = (Stage.CLOSED_EXITED,)
    return [
        iso(
            "plan",
            clause="9.1.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={D, P},
            title="A monitoring plan says what is measured, how and how often",
            remedy="Write a monitoring plan with a method and a frequency for each item.",
            condition=all_of(
                present("monitoring_plan"),
                non_empty("monitoring_plan.items"),
                for_each("monitoring_plan.items", all_of(present("method"), present("frequency"))),
            ),
        ),
        iso(
            "results",
            clause="9.1.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="Every monitored item has results at its planned frequency",
            remedy="Record the monitoring results that are missing or late.",
            predicate=_monitoring_results,
            reads=("monitoring_plan", "monitoring_results"),
        ),
        iso(
            "exit-evaluated",
            clause="9.1.2",
            level=REL,
            stage=Stage.EXIT_STRATEGY_ACTIVATION,
            basis=(TOC, INF, SEC),
            flags={R},
            applies_in=closed,
            title="A closed relationship's exit was evaluated in time and fed to management review",
            remedy="Evaluate the exit (strategy, outcomes, lessons) and feed it to the next "
            "management review.",
            condition=any_of(
                all_of(
                    present("disengagement.exit_evaluation"),
                    before(
                        "disengagement.exit_evaluation.evaluated_on",
                        "disengagement.closed_on",
                        slack="exit_eval_due",
                    ),
                    equals("disengagement.exit_evaluation.fed_to_management_review", True),
                ),
                all_of(
                    not_(present("disengagement.exit_evaluation")),
                    reviewed_within("disengagement.closed_on", "exit_eval_due"),
                ),
            ),
        ),
        iso(
            "programme",
            clause="9.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={D, P},
            title="An audit programme plans audits of clauses 4 to 10",
            remedy="Plan the audit programme so that it covers clauses 4 to 10.",
            condition=all_of(
                present("audit_programme"),
                check(plans_clauses, "audit_programme.planned_clauses"),
                present("audit_programme.method"),
            ),
        ),
        iso(
            "coverage",
            clause="9.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="Audits within the cycle covered clauses 4 to 10",
            remedy="Audit the clauses named in the finding before the cycle ends.",
            predicate=_audit_coverage,
            reads=("audit_reports",),
        ),
        iso(
            "sampling",
            clause="9.2",
            level=ORG,
            basis=(TOC, INF),
            flags={R},
            title="Audits sampled relationships in stages 1-4 and 5-8 where there are any",
            remedy="Sample a relationship from the half of the lifecycle not yet audited.",
            predicate=_audit_sampling,
            reads=("audit_reports", "relationships.stage"),
            tally=_lifecycle_stage,
        ),
        iso(
            "impartial",
            clause="9.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Auditors did not audit their own work, and results were reported",
            remedy="Choose auditors independent of the audited process and report the results.",
            condition=for_each(
                "audit_reports",
                all_of(
                    present("auditor"),
                    not_(equals("auditor", ref("auditee_owner"))),
                    non_empty("reported_to"),
                ),
            ),
        ),
        iso(
            "held",
            clause="9.3",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="A management review was held within the interval",
            remedy="Hold a management review of the CBRMS and record it.",
            condition=count_at_least(
                "management_reviews", 1, reviewed_within("held_on", "mr_interval")
            ),
        ),
        iso(
            "attendance",
            clause="9.3",
            level=ORG,
            basis=(TOC, HLS),
            flags={A},
            title="Top management and the SER attended the latest management review",
            remedy="Make sure top management and the SER attend the management review.",
            predicate=_review_attendance,
            reads=("management_reviews", "top_management", "sers"),
        ),
        iso(
            "inputs",
            clause="9.3",
            level=ORG,
            basis=(TOC, HLS, INF),
            flags={R},
            title="The latest management review considered every required input",
            remedy="Consider the missing inputs at the next management review.",
            predicate=_review_inputs,
            reads=("management_reviews",),
        ),
        iso(
            "decisions",
            clause="9.3",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="The latest management review recorded decisions",
            remedy="Record the decisions of the management review.",
            predicate=_review_decisions,
            reads=("management_reviews",),
        ),
        iso(
            "records",
            clause="10.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Each nonconformity records correction, root cause and a check for similar cases",
            remedy="Record the correction, root cause and similar-case check of each "
            "nonconformity.",
            condition=for_each(
                "nonconformities",
                all_of(present("correction"), present("root_cause"), present("similar_check")),
            ),
        ),
        iso(
            "timely",
            clause="10.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="No nonconformity stays open longer than the closure target",
            remedy="Close the overdue nonconformities or escalate them.",
            condition=for_each(
                "nonconformities",
                implies(
                    not_(one_of("status", ["closed"])), reviewed_within("raised_on", "nc_max_open")
                ),
            ),
        ),
        iso(
            "effective",
            clause="10.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Closed nonconformities were verified as effectively corrected",
            remedy="Verify the effectiveness of the corrective action before closing.",
            condition=for_each(
                "nonconformities",
                implies(
                    equals("status", "closed"),
                    all_of(present("verified_on"), equals("effective", True)),
                ),
            ),
        ),
        iso(
            "joint",
            clause="10.1",
            level=ORG,
            basis=(TOC, INF),
            flags={R, J},
            title="Corrective actions on joint arrangements are agreed by every party",
            remedy="Have every party of the relationship agree the joint corrective action.",
            predicate=_joint_nonconformities,
            reads=("nonconformities", "relationships.parties"),
            tally=_parties,
        ),
        iso(
            "log",
            clause="10.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="Improvements were implemented within the period",
            remedy="Implement and log at least one improvement of the CBRMS.",
            condition=count_at_least(
                "improvements", 1, reviewed_within("implemented_on", "improvement_period")
            ),
        ),
        iso(
            "decided",
            clause="10.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="The latest management review decided on improvements",
            remedy="Record improvement decisions at the management review.",
            predicate=_improvement_decided,
            reads=("management_reviews",),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
