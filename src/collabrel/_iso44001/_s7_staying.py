"""Stage 7, staying together (clause 8.8).

Titles and remedies are our own words; catalog §1.5-1.12 gives the predicates, §1.15 the gates,
§3 the RMP sections and §6.1 the exit strategy elements. Each rule carries the subset of its
catalog row's flags that it checks and the row's basis tags. A stage-N rule applies in stages N
to 8 (the stage 8 rules from exit activation on); while a relationship is in stage N, the
stage-N rules are its lifecycle gate. Joint (J) requirements are signed off by every party for
the current version of the artefact.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from operator import attrgetter
from typing import Any

from collabrel import IssueStatus, ObjectiveLevel, Stage
from collabrel._iso44001._builder import (
    ARR,
    EXE,
    INF,
    JNT,
    SEC,
    TOC,
    D,
    J,
    P,
    R,
    iso,
    listed,
    recent,
)
from collabrel._iso44001._c7_checks import recency
from collabrel._iso44001._s7_checks import (
    latest_meeting_covers,
    latest_respondents,
    latest_review_attended,
    latest_review_recorded,
    latest_review_uses_analysis,
    reagreed_after_changes,
    updated_after_changes,
)
from collabrel.rules import (
    Outcome,
    RuleContext,
    RuleSpec,
    agreed_by_all_parties,
    all_of,
    any_of,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    one_of,
    present,
    ref,
    reviewed_within,
)

__all__ = ["RULES"]


# outcomes whose message never varies, made once (an outcome is immutable)
_NO_ACTION_DUE = Outcome.passed("no JMT action due yet")
_EVERY_FALL_ACTED = Outcome.passed("every fall in trust was acted on")
_NO_ISSUE = Outcome.passed("no issue logged")

_measured_on = attrgetter("measured_on")


def _jmt_actions_closed(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    meetings = rel.staying.jmt_meetings
    if not meetings:
        return Outcome.unknown("no JMT meeting in staying.jmt_meetings")
    due = [a for m in meetings for a in m.actions if a.due_on is not None and a.due_on < ctx.as_of]
    if not due:
        return _NO_ACTION_DUE
    on_time = sum(1 for a in due if a.done_on is not None and a.done_on <= a.due_on)
    share = on_time / len(due)
    needed = ctx.config.action_closure
    if share + 1e-9 < needed:
        late = [
            f"{a.description!r} (due {a.due_on.isoformat()}, "
            + (f"done {a.done_on.isoformat()})" if a.done_on else "still open)")
            for a in due
            if a.done_on is None or a.done_on > a.due_on
        ]
        return Outcome.fail(
            f"JMT actions in staying.jmt_meetings closed late or not at all: {listed(late[:3])}"
            f"{f' and {len(late) - 3} more' if len(late) > 3 else ''}; {on_time} of "  # noqa: PLR2004
            f"{len(due)} due were closed on time ({share:.0%}, need {needed:.0%})"
        )
    return Outcome.passed(f"{on_time} of {len(due)} JMT actions closed on time")


def _trust_drops_acted(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    measurements = rel.staying.trust_measurements
    if not measurements:
        return Outcome.unknown("no trust measurement in staying.trust_measurements")
    drop = ctx.config.trust_drop
    series: dict[str, list[Any]] = {}
    for m in measurements:
        series.setdefault(m.indicator_id, []).append(m)
    bad = []
    for indicator, items in sorted(series.items()):
        items.sort(key=_measured_on)
        for prev, cur in pairwise(items):
            fell = prev.score > 0 and (prev.score - cur.score) / prev.score >= drop - 1e-9
            if fell and cur.action is None:
                bad.append(
                    f"{indicator} fell from {prev.score} to {cur.score} on {cur.measured_on}"
                )
    if bad:
        return Outcome.fail(
            f"trust fell by {drop:.0%} or more with no action recorded in "
            f"staying.trust_measurements: {'; '.join(bad)}"
        )
    return _EVERY_FALL_ACTED


_jmt_recency = recency("jmt_cadence")
"""Whether a day is within the JMT cadence of the evaluation date (one per date)."""


def _objectives_reported(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    joint = sorted(o.id for o in rel.objectives if o.level is ObjectiveLevel.JOINT)
    if not joint:
        return Outcome.fail("no joint objective in objectives")
    interval = ctx.config.jmt_cadence
    latest: dict[str, date] = {}
    for s in rel.staying.objective_statuses:
        if s.reported_on > latest.get(s.objective_id, date.min):
            latest[s.objective_id] = s.reported_on
    recent = _jmt_recency(ctx)
    late = [o for o in joint if o not in latest or not recent(latest[o])]
    if late:
        return Outcome.fail(
            f"no status in staying.objective_statuses within {interval} for {', '.join(late)}"
        )
    return Outcome.passed(f"{len(joint)} joint objectives reported on")


def _issues_within_limits(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    issues = rel.staying.issues
    if not issues:
        return _NO_ISSUE
    process = rel.working.issue_process
    if process is None or not process.levels:
        return Outcome.unknown(
            "no escalation levels in working.issue_process to time staying.issues against"
        )
    limits = {lv.level: lv.max_days for lv in process.levels}
    top = max(limits)
    bad = []
    for issue in issues:
        resolved = issue.status is IssueStatus.RESOLVED
        if resolved and not issue.outcome:
            bad.append(f"{issue.id} resolved without an outcome")
        if issue.level > top and not resolved:
            bad.append(f"{issue.id} sits beyond the final level {top}")
            continue
        start = issue.level_entered_on or issue.raised_on
        end = issue.resolved_on if resolved and issue.resolved_on is not None else ctx.as_of
        limit = limits.get(issue.level)
        if limit is not None and (end - start).days > limit:
            bad.append(
                f"{issue.id} stayed {(end - start).days} days at level {issue.level} "
                f"(limit {limit})"
            )
    if bad:
        return Outcome.fail("issues in staying.issues outside the agreed limits: " + "; ".join(bad))
    return Outcome.passed(f"{len(issues)} issues handled within the agreed limits")


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 7 rule: a joint requirement unless it says otherwise."""
    return iso(part, stage=Stage.STAYING_TOGETHER, **{"level": JNT, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "cycles",
            clause="8.8.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Review-adapt-improve-operate cycles are recorded in full",
            remedy="Record each cycle with the review it used, the adaptations, the "
            "improvements and notes on operation.",
            condition=all_of(
                count_at_least("staying.raio_cycles", 1),
                for_each(
                    "staying.raio_cycles",
                    all_of(
                        present("review_ref"),
                        any_of(non_empty("adaptations"), non_empty("improvements")),
                        non_empty("operating_notes"),
                    ),
                ),
            ),
        ),
        _rule(
            "current",
            clause="8.8.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="A review-adapt-improve-operate cycle closed within the SER review interval",
            remedy="Close the current cycle and record it.",
            condition=count_at_least(
                "staying.raio_cycles", 1, reviewed_within("period_end", "ser_review")
            ),
        ),
        _rule(
            "held",
            clause="8.8.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="The SERs reviewed the relationship within the interval",
            remedy="Hold an SER review of the relationship and record it.",
            condition=count_at_least(
                "staying.ser_reviews", 1, reviewed_within("held_on", "ser_review")
            ),
        ),
        _rule(
            "attended",
            clause="8.8.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Every party's SER (or a recorded delegate) attended the latest SER review",
            remedy="Make sure every party's SER attends, or records a delegate.",
            condition=check(latest_review_attended, "staying.ser_reviews", "sers", "party_ids"),
        ),
        _rule(
            "recorded",
            clause="8.8.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The latest SER review reviewed performance and recorded decisions and actions",
            remedy="Review performance at the SER review and record its decisions and actions.",
            condition=check(latest_review_recorded, "staying.ser_reviews"),
        ),
        _rule(
            "cadence",
            clause="8.8.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="The joint management team met within its cadence",
            remedy="Hold the joint management team meeting and record it.",
            condition=count_at_least(
                "staying.jmt_meetings", 1, reviewed_within("held_on", "jmt_cadence")
            ),
        ),
        _rule(
            "attended",
            clause="8.8.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Every party attended the latest joint management team meeting",
            remedy="Make sure every party is represented at JMT meetings.",
            condition=check(latest_meeting_covers, "staying.jmt_meetings", "party_ids"),
        ),
        _rule(
            "actions",
            clause="8.8.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="JMT actions are closed by their due dates at the required rate",
            remedy="Close the overdue JMT actions and track them to their due dates.",
            predicate=_jmt_actions_closed,
            reads=("staying.jmt_meetings",),
        ),
        _rule(
            "indicators",
            clause="8.8.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Behaviour and trust indicators are defined with their method",
            remedy="Define at least one trust indicator and how it is measured.",
            condition=all_of(
                count_at_least("staying.trust_indicators", 1),
                for_each("staying.trust_indicators", non_empty("method")),
            ),
        ),
        _rule(
            "measured",
            clause="8.8.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="Trust was measured within the survey interval",
            remedy="Run the trust survey and record the results.",
            condition=count_at_least(
                "staying.trust_measurements", 1, reviewed_within("measured_on", "trust_survey")
            ),
        ),
        _rule(
            "respondents",
            clause="8.8.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="The latest trust measurements had respondents from every party",
            remedy="Include respondents from every party in the trust measurement.",
            condition=check(latest_respondents, "staying.trust_measurements", "party_ids"),
        ),
        _rule(
            "acted",
            clause="8.8.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every marked fall in trust has an action",
            remedy="Record the action taken on each fall in a trust indicator.",
            predicate=_trust_drops_acted,
            reads=("staying.trust_measurements",),
        ),
        _rule(
            "active",
            clause="8.8.5",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Value creation goes on: an idea or improvement target within the period",
            remedy="Raise ideas or set improvement targets in every value period.",
            condition=any_of(
                count_at_least("value.ideas", 1, reviewed_within("raised_on", "value_period")),
                count_at_least("value.targets", 1, reviewed_within("set_on", "value_period")),
            ),
        ),
        _rule(
            "status",
            clause="8.8.6",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="Every joint objective has a current status report",
            remedy="Report the status of each joint objective at the JMT cadence.",
            predicate=_objectives_reported,
            reads=("objectives", "staying.objective_statuses"),
        ),
        _rule(
            "acted",
            clause="8.8.6",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every joint objective off track has an action",
            remedy="Record the action that brings each off-track objective back on track.",
            condition=for_each(
                "staying.objective_statuses",
                implies(equals("status", "off_track"), present("action")),
            ),
        ),
        _rule(
            "analysed",
            clause="8.8.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Results are analysed jointly, with findings and actions",
            remedy="Analyse the period's results and record the findings and actions.",
            condition=all_of(
                count_at_least("staying.analyses", 1),
                for_each("staying.analyses", all_of(non_empty("findings"), non_empty("actions"))),
            ),
        ),
        _rule(
            "current",
            clause="8.8.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={P},
            title="An analysis of results covers a period that ended within the SER review "
            "interval",
            remedy="Analyse the latest period's results.",
            condition=count_at_least(
                "staying.analyses", 1, reviewed_within("period_end", "ser_review")
            ),
        ),
        _rule(
            "reported",
            clause="8.8.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="The latest SER review considered the latest analysis of results",
            remedy="Reference the latest analysis in the SER review.",
            condition=check(latest_review_uses_analysis, "staying.ser_reviews", "staying.analyses"),
        ),
        _rule(
            "within-limits",
            clause="8.8.8",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Issues are resolved or escalated within the agreed time limits",
            remedy="Resolve or escalate the issues named, and record the outcomes.",
            predicate=_issues_within_limits,
            reads=("staying.issues", "working.issue_process"),
        ),
        _rule(
            "maintained",
            clause="8.8.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The joint exit strategy stays the agreed joint strategy, with its triggers "
            "monitored",
            remedy="Keep the joint exit strategy agreed and say how its triggers are monitored.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"),
                one_of("exit_strategy.status", ["agreed", "activated", "closed"]),
                non_empty("exit_strategy.monitoring"),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.8.9",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="The joint exit strategy is reviewed at its own frequency and at least yearly",
            remedy="Review the joint exit strategy with the partners and record the date.",
            condition=recent(
                "exit_strategy.last_reviewed_on",
                ref("exit_strategy.review_frequency"),
                "review.exit_strategy",
            ),
        ),
        _rule(
            "reagreed",
            clause="8.8.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party re-agreed the joint exit strategy after significant changes",
            remedy="Have every party sign the exit strategy again after each significant change.",
            condition=all_of(
                agreed_by_all_parties("exit_strategy"),
                check(reagreed_after_changes, "change_records", "exit_strategy", "party_ids"),
            ),
        ),
        _rule(
            "maintained",
            clause="8.8.10",
            mode=ARR,
            basis=(TOC,),
            flags={D},
            title="The joint RMP is in use and was updated after every significant change",
            remedy="Update the joint RMP after each significant change.",
            condition=all_of(
                one_of("joint_rmp.status", ["implemented", "closed"]),
                check(updated_after_changes, "joint_rmp.updated_on", "change_records"),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.8.10",
            mode=EXE,
            basis=(TOC,),
            flags={P},
            title="The joint RMP is reviewed within the interval",
            remedy="Review the joint RMP with the partners and record the date.",
            condition=recent("joint_rmp.last_reviewed_on", "review.joint_rmp"),
        ),
        _rule(
            "agreed",
            clause="8.8.10",
            mode=ARR,
            basis=(TOC,),
            flags={J},
            title="Every party signed the current version of the joint RMP",
            remedy="Have every party sign the current version of the joint RMP.",
            condition=agreed_by_all_parties("joint_rmp"),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
