"""Clause 7, support: resources, competence, awareness, communication, documents.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collabrel import Stage
from collabrel._iso44001._annex_b import ANNEX_B_CORPORATE
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
    approver_ok,
    iso,
    listed,
)
from collabrel._iso44001._c7_checks import (
    AWARENESS_TOPICS,
    fully_aware,
    latest_assessment,
    partner_item,
    person_ids,
    recency,
)
from collabrel._iso44001._documents import history_complete, register_agrees
from collabrel.rules import (
    Outcome,
    RuleContext,
    RuleSpec,
    all_of,
    any_of,
    at_least,
    check,
    equals,
    for_each,
    implies,
    non_empty,
    present,
    reviewed_within,
    unmet,
)

__all__ = ["RULES"]


_KEY_ROLES = frozenset({"ser", "relationship_lead", "jmt_member", "negotiator"})


def sections_present(sections: Any) -> Checked:
    """Every Annex B element expected in a corporate RMP has content."""
    if sections is None:
        return None
    filled = {s.key for s in sections if s.content.strip()}
    missing = [k for k in ANNEX_B_CORPORATE if k not in filled]
    return not missing or unmet(f"no content in section {listed(missing)}")


def documents_exist(*args: Any) -> Checked:
    """Every document a core artefact references is in the document register."""
    *refs, documents = args
    known = {d.id for d in documents or ()}
    missing = [r for r in refs if r is not None and r not in known]
    return not missing or unmet(f"{listed(missing)} not in the document register")


_competence_recency = recency("review.competence")
"""Whether an assessment is within the competence review interval (one per date)."""


def _competence_records_current(org: Any, ctx: RuleContext, key_roles_only: bool) -> Outcome:
    interval = ctx.config.interval("review.competence")
    holders = {r.person for r in org.roles if not key_roles_only or r.role in _KEY_ROLES} | {
        s.person for s in org.sers if s.active
    }
    if key_roles_only:
        holders.update(ctx.tally)  # the relationships' key people (see _key_people)
    holders &= person_ids(org.people)
    latest = latest_assessment(org.competence_records)
    recent = _competence_recency(ctx)
    missing = sorted(p for p in holders if p not in latest)
    stale = sorted(p for p in holders if p in latest and not recent(latest[p]))
    if missing or stale:
        parts = []
        if missing:
            parts.append(f"no competence record for {', '.join(missing)}")
        if stale:
            parts.append(f"record older than {interval} for {', '.join(stale)}")
        return Outcome.fail("; ".join(parts))
    if not holders:
        return Outcome.unknown("no role holders recorded")
    return Outcome.passed(f"{len(holders)} role holders assessed")


def _key_people(rel: Any) -> set[str]:
    """Tally: the relationship's team members in key roles and its active SERs."""
    people = set()
    for t in rel.team:
        if t.role in _KEY_ROLES:
            people.add(t.person)
    for s in rel.sers:
        if s.active:
            people.add(s.person)
    return people


def _team(rel: Any) -> set[str]:
    """Tally: the relationship's team members."""
    return {t.person for t in rel.team}


def _exit_evaluation(rel: Any) -> tuple[tuple[str, Any], ...]:
    """Tally: the relationship's exit evaluation date, if it has one."""
    evaluation = rel.disengagement.exit_evaluation
    return () if evaluation is None else ((rel.id, evaluation.evaluated_on),)


def _records_for_role_holders(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    return _competence_records_current(org, ctx, key_roles_only=False)


def _records_for_key_people(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    return _competence_records_current(org, ctx, key_roles_only=True)


def _awareness(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    team = set(ctx.tally) & person_ids(org.people)
    if not team:
        return Outcome.unknown("no relationship-team members recorded")
    aware = team & fully_aware(org.awareness_records)
    share = len(aware) / len(team)
    needed = ctx.config.get("awareness_coverage")
    if share + 1e-9 < needed:
        missing = sorted(team - aware)
        return Outcome.fail(
            f"{len(aware)} of {len(team)} team members have awareness records covering "
            f"{', '.join(AWARENESS_TOPICS)} (need {needed:.0%}); missing: {', '.join(missing)}"
        )
    return Outcome.passed(f"{len(aware)} of {len(team)} team members aware")


def _log_follows_plan(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    # the plan as it stands: an item of a relationship that ended is taken out of the plan
    plan = org.communication_plan
    if plan is None:
        return Outcome.unknown("no communication plan is recorded")
    last: dict[tuple[str, str | None], date] = {}  # (topic, relationship or None) -> sent
    for c in org.communications:
        topic = c.topic.strip().lower()
        for key in ((topic, c.relationship_id), (topic, None)):
            if c.sent_on > last.get(key, date.min):
                last[key] = c.sent_on
    late = []
    for item in plan.items:
        if item.frequency is None:
            continue
        sent = last.get((item.topic.strip().lower(), item.relationship_id))
        if sent is not None:
            due = item.frequency.next_after(sent)
            if due >= ctx.as_of:
                continue  # made in time: nothing to word
        what = f"{item.topic!r}" + (f" for {item.relationship_id}" if item.relationship_id else "")
        if sent is None:
            late.append(f"{what} ({item.frequency}) was never sent")
        else:
            late.append(
                f"{what} ({item.frequency}) last sent {sent.isoformat()}, due {due.isoformat()} "
                f"(overdue by {(ctx.as_of - due).days} days)"
            )
    if late:
        return Outcome.fail("communications behind the plan: " + "; ".join(late))
    return Outcome.passed("every planned communication was made at its frequency")


_ORG_DOCUMENTED = ("policy", "value_statement", "governance", "corporate_rmp",
                   "value_analysis_method")  # fmt: skip
_REL_DOCUMENTED = ("rmp", "joint_rmp", "awareness.governance", "working.governance",
                   "working.agreement", "exit_strategy", "internal_exit_strategy")  # fmt: skip
_VERSIONED = ("joint_rmp", "working.agreement", "exit_strategy", "internal_exit_strategy")


def _rmp_after_exit(org: Any, ctx: RuleContext) -> Outcome | bool:
    plan = org.corporate_rmp
    evaluations = sorted(ctx.tally)  # (relationship id, evaluated on) pairs
    if not evaluations:
        return Outcome.passed("no exit evaluation to reflect yet")
    if plan is None:
        return Outcome.unknown("no corporate RMP")
    stale = [
        rid for rid, day in evaluations
        if (plan.updated_on is None or plan.updated_on < day)
        and not any(rid in note for note in plan.no_change_notes)
    ]  # fmt: skip
    if stale:
        return Outcome.fail(
            "the corporate RMP was not updated (nor a no-change note recorded) after the exit "
            f"evaluation of {', '.join(stale)}"
        )
    return True


def _rules() -> list[RuleSpec]:
    return [
        iso(
            "corporate",
            clause="7.1",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={R},
            title="The corporate resource plan states roles and effort or budget, and is approved",
            remedy="Complete the corporate resource plan (roles, effort or budget) and approve it.",
            condition=all_of(
                present("resource_plan"),
                non_empty("resource_plan.roles"),
                any_of(present("resource_plan.effort"), present("resource_plan.budget")),
                present("resource_plan.approved_by"),
            ),
        ),
        iso(
            "relationship",
            clause="7.1",
            level=REL,
            stage=Stage.INTERNAL_ASSESSMENT,
            basis=(TOC, HLS),
            flags={R},
            title="The relationship has its own resource plan",
            remedy="Write a resource plan for the relationship.",
            condition=all_of(present("resource_plan"), non_empty("resource_plan.roles")),
        ),
        iso(
            "profiles",
            clause="7.2",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={R},
            title="Competence profiles cover both competencies and behaviours",
            remedy="Define competence profiles listing competencies and collaborative "
            "behaviours (Annex C).",
            condition=all_of(
                non_empty("competence_profiles"),
                for_each(
                    "competence_profiles",
                    all_of(non_empty("competencies"), non_empty("behaviours")),
                ),
            ),
        ),
        iso(
            "records",
            clause="7.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="Every role holder has a current competence record",
            remedy="Assess each role holder against the profile and record it.",
            predicate=_records_for_role_holders,
            reads=("roles", "sers", "people", "competence_records"),
        ),
        iso(
            "development",
            clause="7.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Every competence gap has a development action",
            remedy="Plan a development action for each recorded gap.",
            condition=for_each(
                "competence_records", implies(non_empty("gaps"), non_empty("development_actions"))
            ),
        ),
        iso(
            "effectiveness",
            clause="7.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Completed development actions were evaluated for effectiveness",
            remedy="Record whether each completed development action was effective.",
            condition=for_each(
                "competence_records",
                for_each("development_actions", implies(present("done_on"), present("effective"))),
            ),
        ),
        iso(
            "coverage",
            clause="7.3",
            level=ORG,
            basis=(TOC, HLS, INF),
            flags={R},
            title="Relationship-team members are aware of policy, objectives, their "
            "contribution, behaviours and consequences",
            remedy="Brief the team members listed and record the topics covered.",
            predicate=_awareness,
            reads=("awareness_records", "people", "relationships.team"),
            tally=_team,
        ),
        iso(
            "plan",
            clause="7.4",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={D},
            title="A communication plan says what, to whom, how often, how and by whom",
            remedy="Complete the communication plan: audience, frequency, channel and owner "
            "for each item.",
            condition=all_of(
                present("communication_plan"),
                non_empty("communication_plan.items"),
                for_each(
                    "communication_plan.items",
                    all_of(
                        present("audience"),
                        present("frequency"),
                        present("channel"),
                        present("owner"),
                    ),
                ),
            ),
        ),
        iso(
            "partner-facing",
            clause="7.4",
            level=REL,
            stage=Stage.WORKING_TOGETHER,
            basis=(TOC, SEC),
            flags={R},
            title="The communication plan covers communication with the partner",
            remedy="Add a partner-facing item for this relationship to the communication plan.",
            condition=check(partner_item, "id", "organization.communication_plan"),
        ),
        iso(
            "log",
            clause="7.4",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={R},
            title="Planned communications are made at the frequency the plan sets",
            remedy="Make the overdue communications and log each one with the plan item's topic "
            "(and relationship) and the date it was sent.",
            predicate=_log_follows_plan,
            reads=("communication_plan", "communications"),
        ),
        iso(
            "register",
            clause="7.5.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="The documents behind scope, policy, governance and corporate RMP are registered",
            remedy="Register every referenced document in the document register.",
            condition=all_of(
                non_empty("documents"),
                check(
                    documents_exist,
                    "scope.document_id",
                    "policy.document_id",
                    "governance.document_id",
                    "corporate_rmp.document_id",
                    "documents",
                ),
            ),
        ),
        iso(
            "approved",
            clause="7.5.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Every document names its author and its approval",
            remedy="Record the author, approver and approval date of each document.",
            condition=all_of(
                non_empty("documents"),
                for_each(
                    "documents",
                    all_of(present("author"), present("approved_by"), present("approved_on")),
                ),
            ),
        ),
        iso(
            "register-agrees",
            clause="7.5.2",
            level=ORG,
            basis=(TOC, HLS, INF),
            flags={D},
            title="The organization's documents and their register entries record the same "
            "version, approval and sign-offs",
            remedy="Correct whichever of the artefact and its register entry is wrong so both "
            "record the same version, approver, approval date, sign-offs and history.",
            condition=check(
                register_agrees("register_agrees_org", _ORG_DOCUMENTED),
                *_ORG_DOCUMENTED,
                "documents",
            ),
        ),
        iso(
            "relationship-register-agrees",
            clause="7.5.2",
            level=REL,
            basis=(TOC, HLS, INF),
            flags={D},
            title="The relationship's documents and their register entries record the same "
            "version, approval and sign-offs",
            remedy="Correct whichever of the artefact and its register entry is wrong so both "
            "record the same version, approver, approval date, sign-offs and history.",
            condition=check(
                register_agrees("register_agrees_rel", _REL_DOCUMENTED),
                *_REL_DOCUMENTED,
                "organization.documents",
            ),
        ),
        iso(
            "controlled",
            clause="7.5.3",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Documents have classification, retention, access and a change log",
            remedy="Set classification, retention period and access list, and log changes "
            "after version 1.",
            condition=for_each(
                "documents",
                all_of(
                    present("classification"),
                    present("retention_period"),
                    non_empty("access_list"),
                    implies(at_least("version", 2), non_empty("change_log")),
                ),
            ),
        ),
        iso(
            "joint",
            clause="7.5.3",
            level=ORG,
            basis=(TOC, INF),
            flags={D, J},
            title="Joint documents have an agreed owner, change authority and sign-off",
            remedy="For each joint document, agree its owner and change authority and record "
            "the parties' sign-off.",
            condition=for_each(
                "documents",
                implies(
                    equals("origin", "joint"),
                    all_of(present("owner"), present("change_authority"), non_empty("agreed_by")),
                ),
            ),
        ),
        iso(
            "history",
            clause="7.5.3",
            level=REL,
            basis=(TOC, HLS, INF),
            flags={D},
            title="Joint documents and exit strategies keep their version history and who signed "
            "which version",
            remedy="Record each version after the first with the date it took effect (versions), "
            "and keep each party's sign-off with the version it signed.",
            condition=check(history_complete(_VERSIONED), *_VERSIONED),
        ),
        iso(
            "key-people",
            clause="7.5.4",
            level=ORG,
            basis=(TOC, SEC, INF),
            flags={R, P},
            title="Key people in relationships have a current record of collaborative competence",
            remedy="Assess the SERs, relationship leads, JMT members and negotiators and "
            "record it.",
            predicate=_records_for_key_people,
            reads=(
                "roles",
                "sers",
                "people",
                "competence_records",
                "relationships.team",
                "relationships.sers",
            ),
            tally=_key_people,
        ),
        iso(
            "plan",
            clause="7.5.5",
            level=ORG,
            basis=(TOC, SEC),
            flags={D},
            title="The corporate RMP holds every Annex B element expected of it",
            remedy="Write the missing corporate RMP sections (B1-B8, B10-B12, B16, B17, B20, B21).",
            condition=all_of(
                present("corporate_rmp"), check(sections_present, "corporate_rmp.sections")
            ),
        ),
        iso(
            "approved",
            clause="7.5.5",
            level=ORG,
            basis=(TOC, SEC),
            flags={A},
            title="The corporate RMP is approved by top management or the SER",
            remedy="Have top management or the SER approve the corporate RMP.",
            condition=check(approver_ok, "corporate_rmp.approved_by", "top_management", "sers"),
        ),
        iso(
            "current",
            clause="7.5.5",
            level=ORG,
            basis=(TOC, SEC),
            flags={P},
            title="The corporate RMP is reviewed within the interval",
            remedy="Review the corporate RMP and record the date.",
            condition=reviewed_within("corporate_rmp.last_reviewed_on", "review.corporate_rmp"),
        ),
        iso(
            "after-exit",
            clause="7.5.5",
            level=ORG,
            basis=(TOC, SEC, INF),
            flags={P},
            title="The corporate RMP reflects every exit evaluation",
            remedy="Update the corporate RMP after the exit evaluation, or record a no-change "
            "note naming the relationship.",
            predicate=_rmp_after_exit,
            reads=(
                "corporate_rmp",
                "relationships.id",
                "relationships.disengagement.exit_evaluation",
            ),
            tally=_exit_evaluation,
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
