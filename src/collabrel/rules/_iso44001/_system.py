"""Clauses 4 to 7 and 8.1: context, leadership, planning, support, operational control.

Titles and remedies are our own words; catalog §1.1-1.5 gives the predicates. Requirements
that the catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collabrel._dates import CalendarInterval
from collabrel._stages import Stage
from collabrel.rules._conditions import (
    all_of,
    any_of,
    at_least,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    one_of,
    present,
    reviewed_within,
)
from collabrel.rules._iso44001._base import ANNEX_B_CORPORATE, iso
from collabrel.rules._spec import Outcome, RuleContext, RuleSpec

__all__ = ["RULES"]

_LIFECYCLE_COVERS = (
    *(f"stage_{n}" for n in range(1, 9)),
    "monitoring", "audit", "management_review", "corrective_action",
)  # fmt: skip
_CORPORATE_SER_ACCOUNTABILITIES = (
    "implementation", "adherence_process_culture_policy", "performance_evaluation",
    "continual_improvement",
)  # fmt: skip
_AWARENESS_TOPICS = ("policy", "objectives", "contribution", "behaviours", "consequences")
_KEY_ROLES = frozenset({"ser", "relationship_lead", "jmt_member", "negotiator"})
_ALL_STAGES = tuple(Stage(n) for n in range(9))


def _covers_lifecycle(processes: Any) -> bool | None:
    """The process map covers stages 1-8, monitoring, audit, review and corrective action."""
    if processes is None:
        return None
    covered = {c for p in processes for c in p.covers}
    return all(c in covered for c in _LIFECYCLE_COVERS)


def _owners_assigned(processes: Any, roles: Any) -> bool | None:
    """Every process owner holds a role assignment."""
    if processes is None:
        return None
    assigned = {r.person for r in roles or ()}
    return all(p.owner in assigned for p in processes if p.owner is not None)


def _has_accountabilities(accountabilities: Any) -> bool:
    """The mandate names every corporate accountability of the SER (5.3.3)."""
    return all(a in (accountabilities or ()) for a in _CORPORATE_SER_ACCOUNTABILITIES)


def _lifecycle_stages(stages: Any) -> bool | None:
    """The lifecycle procedure defines each of stages 1 to 8."""
    if stages is None:
        return None
    return {s.stage for s in stages} >= set(range(1, 9))


def _sections_present(sections: Any) -> bool | None:
    """Every Annex B element expected in a corporate RMP has content."""
    if sections is None:
        return None
    filled = {s.key for s in sections if s.content.strip()}
    return all(k in filled for k in ANNEX_B_CORPORATE)


def _documents_exist(*args: Any) -> bool:
    """Every document a core artefact references is in the document register."""
    *refs, documents = args
    known = {d.id for d in documents or ()}
    return all(r in known for r in refs if r is not None)


def _segment_entry(rel_id: Any, entries: Any, criteria_version: Any) -> bool | None:
    """The relationship is segmented (segment, priority, rationale) on current criteria."""
    if entries is None:
        return None
    for e in entries:
        if e.relationship_id == rel_id:
            return (
                e.segment is not None
                and e.priority is not None
                and bool(e.rationale)
                and e.criteria_version == criteria_version
            )
    return False


def _partner_item(rel_id: Any, plan: Any) -> bool | None:
    """The communication plan has a partner-facing item for the relationship."""
    if plan is None:
        return None
    return any(i.relationship_id == rel_id and i.partner_facing for i in plan.items)


def _monitored(rel_id: Any, plan: Any) -> bool | None:
    """The monitoring plan has an item for the relationship."""
    if plan is None:
        return None
    return any(i.relationship_id == rel_id for i in plan.items)


def _history_approved(history: Any) -> bool:
    """Every gate passed outside retrofit onboarding names its approver."""
    return all(r.approved_by is not None for r in history or () if not r.retrofit)


def _scope_known(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    scope = org.scope
    if scope is None or scope.application_level is None:
        return Outcome.unknown("no scope with an application level is recorded")
    if scope.application_level.value == "organization_wide":
        return Outcome.passed("every relationship is in scope")
    if not scope.relationships_in_scope:
        return Outcome.fail("the scope lists no relationship")
    known = {r.id for r in ctx.relationships}
    missing = [r for r in scope.relationships_in_scope if r not in known]
    if missing:
        return Outcome.fail(f"the scope lists unknown relationships: {', '.join(missing)}")
    return Outcome.passed(f"{len(scope.relationships_in_scope)} relationships in scope")


def _risks_treated(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    register = org.risk_register
    if register is None:
        return Outcome.unknown("no corporate risk register")
    threshold = ctx.config.get("risk_threshold")
    bad = [
        i.id for i in register.items
        if i.rating is not None and i.rating >= threshold and (i.owner is None or not i.response)
    ]  # fmt: skip
    if bad:
        return Outcome.fail(
            f"items rated {threshold} or more lack an owner or a response: {', '.join(bad)}"
        )
    return True


def _is_recent(day: date | None, interval: CalendarInterval, as_of: date) -> bool:
    return day is not None and as_of <= day + interval


def _competence_records_current(org: Any, ctx: RuleContext, key_roles_only: bool) -> Outcome:
    interval = ctx.config.interval("review.competence")
    holders = {r.person for r in org.roles if not key_roles_only or r.role in _KEY_ROLES} | {
        s.person for s in org.sers if s.active
    }
    if key_roles_only:
        holders |= {
            t.person for rel in ctx.relationships for t in rel.team if t.role in _KEY_ROLES
        } | {s.person for rel in ctx.relationships for s in rel.sers if s.active}
    holders &= {p.id for p in org.people}
    latest: dict[str, date] = {}
    for rec in org.competence_records:
        if rec.assessed_on is not None and rec.assessed_on > latest.get(rec.person, date.min):
            latest[rec.person] = rec.assessed_on
    missing = sorted(p for p in holders if p not in latest)
    stale = sorted(
        p for p in holders if p in latest and not _is_recent(latest[p], interval, ctx.as_of)
    )
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


def _records_for_role_holders(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    return _competence_records_current(org, ctx, key_roles_only=False)


def _records_for_key_people(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    return _competence_records_current(org, ctx, key_roles_only=True)


def _awareness(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    team = {t.person for rel in ctx.relationships for t in rel.team} & {p.id for p in org.people}
    if not team:
        return Outcome.unknown("no relationship-team members recorded")
    topics: dict[str, set[str]] = {}
    for rec in org.awareness_records:
        topics.setdefault(rec.person, set()).update(rec.topics)
    aware = {p for p in team if topics.get(p, set()) >= set(_AWARENESS_TOPICS)}
    share = len(aware) / len(team)
    needed = ctx.config.get("awareness_coverage")
    if share + 1e-9 < needed:
        missing = sorted(team - aware)
        return Outcome.fail(
            f"{len(aware)} of {len(team)} team members have awareness records covering "
            f"{', '.join(_AWARENESS_TOPICS)} (need {needed:.0%}); missing: {', '.join(missing)}"
        )
    return Outcome.passed(f"{len(aware)} of {len(team)} team members aware")


def _rmp_after_exit(org: Any, ctx: RuleContext) -> Outcome | bool:
    plan = org.corporate_rmp
    evaluations = [
        (rel.id, rel.disengagement.exit_evaluation.evaluated_on)
        for rel in ctx.relationships if rel.disengagement.exit_evaluation is not None
    ]  # fmt: skip
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


def _clause4() -> list[RuleSpec]:
    return [
        iso(
            "issues",
            clause="4.1",
            level="ORG",
            basis="TOC HLS SEC",
            flags="P",
            title="The internal and external issues that matter to collaboration are analysed",
            remedy="Record a context analysis with at least one internal and one external issue "
            "and the drivers that make collaboration attractive or risky.",
            condition=all_of(
                present("context"),
                non_empty("context.internal_issues"),
                non_empty("context.external_issues"),
                non_empty("context.collaboration_drivers"),
            ),
        ),
        iso(
            "current",
            clause="4.1",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="The context analysis is kept current",
            remedy="Review the context analysis and record the date of the review.",
            condition=reviewed_within("context.updated_on", "review.context"),
        ),
        iso(
            "register",
            clause="4.2",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="Customers, partners or suppliers, and internal stakeholders are identified",
            remedy="Add the missing stakeholder groups to the stakeholder register.",
            condition=all_of(
                present("stakeholders"),
                count_at_least("stakeholders.entries", 1, equals("category", "customer")),
                count_at_least(
                    "stakeholders.entries", 1, one_of("category", ["partner", "supplier"])
                ),
                count_at_least("stakeholders.entries", 1, equals("category", "internal")),
            ),
        ),
        iso(
            "traced",
            clause="4.2",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="Stakeholder needs taken on as requirements are traced into the CBRMS",
            remedy="For each need marked as a requirement, name the scope, policy or objective "
            "that addresses it.",
            condition=all_of(
                present("stakeholders"),
                for_each(
                    "stakeholders.entries",
                    implies(equals("is_requirement", True), non_empty("trace_to")),
                ),
            ),
        ),
        iso(
            "current",
            clause="4.2",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="The stakeholder register is kept current",
            remedy="Review the stakeholder register and record the date.",
            condition=reviewed_within("stakeholders.updated_on", "review.context"),
        ),
        iso(
            "documented",
            clause="4.3",
            level="ORG",
            basis="TOC HLS SEC",
            flags="DP",
            title="The CBRMS scope is documented with its application level",
            remedy="Write the scope as a controlled document and state its application level.",
            condition=all_of(
                present("scope"), present("scope.document_id"), present("scope.application_level")
            ),
        ),
        iso(
            "relationships",
            clause="4.3",
            level="ORG",
            basis="TOC HLS SEC",
            flags="D",
            title="The relationships in scope are named and exist in the portfolio",
            remedy="List the relationships the scope covers, using their ids.",
            predicate=_scope_known,
            reads=("scope.application_level", "scope.relationships_in_scope", "relationships.id"),
        ),
        iso(
            "exclusions",
            clause="4.3",
            level="ORG",
            basis="TOC HLS",
            flags="DA",
            title="Every exclusion from the scope is justified and approved",
            remedy="Give each exclusion a justification and record who approved it.",
            condition=for_each(
                "scope.exclusions", all_of(non_empty("justification"), present("approved_by"))
            ),
        ),
        iso(
            "processes",
            clause="4.4",
            level="ORG",
            basis="TOC HLS INF",
            flags="DP",
            title="The process map covers the eight stages and the evaluation and improvement "
            "processes",
            remedy="Add processes covering stage_1 to stage_8, monitoring, audit, "
            "management_review and corrective_action to the process map.",
            condition=all_of(
                non_empty("cbrms.process_map"), check("covers_lifecycle", "cbrms.process_map")
            ),
            functions={"covers_lifecycle": _covers_lifecycle},
        ),
        iso(
            "owners",
            clause="4.4",
            level="ORG",
            basis="TOC HLS",
            flags="D",
            title="Every CBRMS process has an owner",
            remedy="Name an owner for each process of the process map.",
            condition=all_of(
                non_empty("cbrms.process_map"), for_each("cbrms.process_map", present("owner"))
            ),
        ),
        iso(
            "value-statement",
            clause="4.5",
            level="ORG",
            basis="TOC INF SEC",
            flags="DP",
            title="A value statement says how collaboration creates value, with measures",
            remedy="Write a value statement whose value drivers have measures.",
            condition=all_of(
                present("value_statement"),
                count_at_least("value_statement.drivers", 1, present("measure")),
            ),
        ),
        iso(
            "approved",
            clause="4.5",
            level="ORG",
            basis="TOC INF",
            flags="A",
            title="The value statement is approved by top management or the SER",
            remedy="Have top management or the senior executive responsible approve the value "
            "statement.",
            condition=check("approver_ok", "value_statement.approved_by", "top_management", "sers"),
        ),
        iso(
            "business-case-linked",
            clause="4.5",
            level="REL",
            basis="TOC INF",
            stage=2,
            title="The business case links to the value drivers of the value statement",
            remedy="Name the value drivers of the value statement that the business case delivers.",
            condition=all_of(
                present("knowledge.business_case"),
                non_empty("knowledge.business_case.value_driver_ids"),
                check(
                    "drivers_known",
                    "knowledge.business_case.value_driver_ids",
                    "organization.value_statement",
                ),
            ),
        ),
    ]


def _clause5() -> list[RuleSpec]:
    return [
        iso(
            "policy-approved",
            clause="5.1",
            level="ORG",
            basis="TOC HLS SEC",
            flags="A",
            title="Top management approves the collaborative policy",
            remedy="Have a member of top management approve the policy.",
            condition=check("member", "policy.approved_by", "top_management"),
        ),
        iso(
            "ser-appointed",
            clause="5.1",
            level="ORG",
            basis="TOC HLS SEC",
            flags="A",
            title="Top management has appointed an active corporate SER",
            remedy="Record the appointment of the senior executive responsible by top management.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("active", True),
                    check("member", "appointed_by", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "review-led",
            clause="5.1",
            level="ORG",
            basis="TOC HLS",
            flags="RP",
            title="Top management attended a management review within the interval",
            remedy="Hold a management review attended by top management.",
            condition=count_at_least(
                "management_reviews",
                1,
                all_of(
                    reviewed_within("held_on", "mr_interval"),
                    check("any_member", "attendees", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "resources",
            clause="5.1",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="Top management approved the resources for the CBRMS",
            remedy="Have top management approve the corporate resource plan.",
            condition=check("member", "resource_plan.approved_by", "top_management"),
        ),
        iso(
            "communicates",
            clause="5.1",
            level="ORG",
            basis="TOC HLS SEC",
            flags="RP",
            title="Top management communicated on collaboration within the period",
            remedy="Record a communication on collaborative working from top management.",
            condition=count_at_least(
                "communications",
                1,
                all_of(
                    reviewed_within("sent_on", "communication_period"),
                    check("member", "by", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "commitments",
            clause="5.2",
            level="ORG",
            basis="TOC HLS",
            flags="D",
            title="The policy is documented and commits to requirements and to improvement",
            remedy="Control the policy as a document and add both commitments.",
            condition=all_of(
                present("policy"),
                present("policy.document_id"),
                equals("policy.commits_to_requirements", True),
                equals("policy.commits_to_improvement", True),
            ),
        ),
        iso(
            "values",
            clause="5.2",
            level="ORG",
            basis="TOC SEC",
            flags="D",
            title="The policy states values and refers to a behaviour code",
            remedy="Add the organization's values and a reference to its behaviour code.",
            condition=all_of(non_empty("policy.values"), present("policy.behaviour_code_ref")),
        ),
        iso(
            "approved",
            clause="5.2",
            level="ORG",
            basis="TOC HLS",
            flags="A",
            title="The policy is approved by top management",
            remedy="Have a member of top management approve the policy and record the date.",
            condition=all_of(
                check("member", "policy.approved_by", "top_management"),
                present("policy.approved_on"),
            ),
        ),
        iso(
            "current",
            clause="5.2",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="The policy is reviewed within the interval",
            remedy="Review the policy and record the date of the review.",
            condition=reviewed_within("policy.last_reviewed_on", "review.policy"),
        ),
        iso(
            "communicated",
            clause="5.2",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="The policy is communicated inside the organization",
            remedy="Communicate the policy and record to whom.",
            condition=non_empty("policy.communicated_to"),
        ),
        iso(
            "roles",
            clause="5.3",
            level="ORG",
            basis="TOC HLS",
            flags="D",
            title="Process owners hold communicated role assignments",
            remedy="Assign a role to every process owner and record when it was communicated.",
            condition=all_of(
                non_empty("roles"),
                for_each("roles", present("communicated_on")),
                check("owners_assigned", "cbrms.process_map", "roles"),
            ),
            functions={"owners_assigned": _owners_assigned},
        ),
        iso(
            "assigned",
            clause="5.3.1",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="Top management assigned responsibility for conformity and for reporting",
            remedy="Assign the roles cbrms_conformity and performance_reporting, by top "
            "management.",
            condition=all_of(
                count_at_least(
                    "roles",
                    1,
                    all_of(
                        equals("role", "cbrms_conformity"),
                        check("member", "assigned_by", "organization.top_management"),
                    ),
                ),
                count_at_least(
                    "roles",
                    1,
                    all_of(
                        equals("role", "performance_reporting"),
                        check("member", "assigned_by", "organization.top_management"),
                    ),
                ),
            ),
        ),
        iso(
            "reporting",
            clause="5.3.1",
            level="ORG",
            basis="TOC HLS",
            flags="RP",
            title="CBRMS performance was reported to top management within the interval",
            remedy="Report CBRMS performance to top management and record the report.",
            condition=count_at_least(
                "performance_reports",
                1,
                all_of(
                    reviewed_within("reported_on", "mr_interval"),
                    check("any_member", "to", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "structure",
            clause="5.3.2",
            level="ORG",
            basis="TOC SEC INF",
            flags="DP",
            title="A corporate governance structure is documented with bodies and escalation",
            remedy="Document the corporate governance: its bodies, sponsors and escalation path.",
            condition=all_of(
                present("governance"),
                equals("governance.kind", "corporate"),
                present("governance.document_id"),
                non_empty("governance.bodies"),
                non_empty("governance.escalation_path"),
            ),
        ),
        iso(
            "bodies",
            clause="5.3.2",
            level="ORG",
            basis="TOC INF",
            flags="D",
            title="Every governance body has decision rights and a meeting cadence",
            remedy="Give each governance body its decision rights and cadence.",
            condition=all_of(
                non_empty("governance.bodies"),
                for_each(
                    "governance.bodies", all_of(non_empty("decision_rights"), present("cadence"))
                ),
            ),
        ),
        iso(
            "approved",
            clause="5.3.2",
            level="ORG",
            basis="TOC INF",
            flags="A",
            title="Top management approved the corporate governance structure",
            remedy="Have top management approve the governance structure.",
            condition=check("member", "governance.approved_by", "top_management"),
        ),
        iso(
            "mandate",
            clause="5.3.3",
            level="ORG",
            basis="TOC SEC",
            flags="DA",
            title="An active SER has a documented mandate given by top management",
            remedy="Record the SER's mandate document and appointment by top management.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("active", True),
                    present("mandate_ref"),
                    check("member", "appointed_by", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "accountabilities",
            clause="5.3.3",
            level="ORG",
            basis="TOC SEC",
            flags="D",
            title="The SER is accountable for implementation, adherence, evaluation and "
            "improvement",
            remedy="Add implementation, adherence_process_culture_policy, performance_evaluation "
            "and continual_improvement to the SER's accountabilities.",
            condition=count_at_least(
                "sers",
                1,
                all_of(equals("active", True), check("has_accountabilities", "accountabilities")),
            ),
            functions={"has_accountabilities": _has_accountabilities},
        ),
        iso(
            "relationship-ser",
            clause="5.3.3",
            level="REL",
            basis="TOC SEC",
            flags="A",
            title="The relationship has an active senior executive responsible",
            remedy="Appoint an SER for the relationship (it may be the corporate SER).",
            condition=count_at_least("sers", 1, equals("active", True)),
        ),
    ]


def _clause6() -> list[RuleSpec]:
    return [
        iso(
            "register",
            clause="6.1",
            level="ORG",
            basis="TOC HLS SEC",
            flags="R",
            title="A corporate register of risks and opportunities exists",
            remedy="Keep a corporate risk register, or record why no risk was identified.",
            condition=all_of(
                present("risk_register"),
                equals("risk_register.scope", "corporate"),
                any_of(
                    non_empty("risk_register.items"), present("risk_register.none_identified_note")
                ),
            ),
        ),
        iso(
            "sources",
            clause="6.1",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="Every corporate risk names its source in the context or stakeholder needs",
            remedy="Record for each item where it came from (4.1 context or 4.2 stakeholders).",
            condition=all_of(
                present("risk_register"), for_each("risk_register.items", present("source"))
            ),
        ),
        iso(
            "treated",
            clause="6.1",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="Significant corporate risks have an owner and a response",
            remedy="Give every item rated at or above the threshold an owner and a response.",
            predicate=_risks_treated,
            reads=("risk_register",),
        ),
        iso(
            "effectiveness",
            clause="6.1",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="Closed risk actions were checked for effectiveness",
            remedy="Record when the effectiveness of each closed item's action was checked.",
            condition=all_of(
                present("risk_register"),
                for_each(
                    "risk_register.items",
                    implies(equals("status", "closed"), present("effectiveness_checked_on")),
                ),
            ),
        ),
        iso(
            "current",
            clause="6.1",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="The corporate risk register is reviewed within the interval",
            remedy="Review the corporate risk register and record the date.",
            condition=reviewed_within("risk_register.last_reviewed_on", "review.risk_corporate"),
        ),
        iso(
            "objectives",
            clause="6.2",
            level="ORG",
            basis="TOC HLS",
            flags="D",
            title="Corporate objectives for collaboration are set",
            remedy="Set at least one corporate collaborative objective.",
            condition=count_at_least("objectives", 1, equals("level", "corporate")),
        ),
        iso(
            "planned",
            clause="6.2",
            level="ORG",
            basis="TOC HLS",
            flags="D",
            title="Each corporate objective has a measure, owner, due date, resources and "
            "evaluation",
            remedy="Complete the plan of every corporate objective and link it to the policy.",
            condition=for_each(
                "objectives",
                implies(
                    equals("level", "corporate"),
                    all_of(
                        present("measure"),
                        present("owner"),
                        present("due_on"),
                        present("evaluation_method"),
                        present("resources"),
                        present("policy_ref"),
                    ),
                ),
            ),
        ),
        iso(
            "current",
            clause="6.2",
            level="ORG",
            basis="TOC HLS",
            flags="P",
            title="Corporate objectives are reviewed within the interval",
            remedy="Review each corporate objective and record the date.",
            condition=all_of(
                count_at_least("objectives", 1, equals("level", "corporate")),
                for_each(
                    "objectives",
                    implies(
                        equals("level", "corporate"),
                        reviewed_within("last_reviewed_on", "review.objectives_corporate"),
                    ),
                ),
            ),
        ),
        iso(
            "criteria",
            clause="6.3.1",
            level="ORG",
            basis="TOC SEC",
            flags="D",
            title="Documented criteria segment the relationship portfolio",
            remedy="Document the segmentation criteria (value, risk, complexity, importance).",
            condition=all_of(
                present("segmentation"),
                present("segmentation.criteria_document_id"),
                non_empty("segmentation.criteria"),
            ),
        ),
        iso(
            "current",
            clause="6.3.1",
            level="ORG",
            basis="TOC SEC",
            flags="P",
            title="The segmentation is reviewed within the interval",
            remedy="Review the segmentation of the portfolio and record the date.",
            condition=reviewed_within("segmentation.last_reviewed_on", "review.context"),
        ),
        iso(
            "segmented",
            clause="6.3.1",
            level="REL",
            basis="TOC SEC",
            flags="R",
            applies_in=_ALL_STAGES,
            title="The relationship is segmented and prioritised on the current criteria",
            remedy="Add a segmentation entry for the relationship with segment, priority, "
            "rationale and the current criteria version.",
            # the entries and the criteria version only: a review date does not re-run it
            condition=all_of(
                present("organization.segmentation"),
                check(
                    "segment_entry",
                    "id",
                    "organization.segmentation.entries",
                    "organization.segmentation.criteria_version",
                ),
            ),
            functions={"segment_entry": _segment_entry},
        ),
        iso(
            "decided",
            clause="6.3.2",
            level="ORG",
            basis="TOC SEC INF",
            flags="R",
            title="Every collaboration opportunity has expected value, risks and a decision",
            remedy="Record each opportunity's expected value, key risks and who decided what.",
            condition=for_each(
                "opportunities",
                all_of(
                    present("expected_value"),
                    non_empty("key_risks"),
                    present("decision"),
                    present("decided_by"),
                ),
            ),
        ),
        iso(
            "pursued",
            clause="6.3.2",
            level="ORG",
            basis="TOC INF",
            flags="R",
            title="Opportunities decided for pursuit are linked to a relationship",
            remedy="Link each pursued opportunity to the relationship that takes it forward.",
            condition=for_each(
                "opportunities", implies(equals("decision", "pursue"), present("relationship_id"))
            ),
        ),
    ]


def _clause7() -> list[RuleSpec]:
    return [
        iso(
            "corporate",
            clause="7.1",
            level="ORG",
            basis="TOC HLS SEC",
            flags="R",
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
            level="REL",
            stage=3,
            basis="TOC HLS",
            flags="R",
            title="The relationship has its own resource plan",
            remedy="Write a resource plan for the relationship.",
            condition=all_of(present("resource_plan"), non_empty("resource_plan.roles")),
        ),
        iso(
            "profiles",
            clause="7.2",
            level="ORG",
            basis="TOC HLS SEC",
            flags="R",
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
            level="ORG",
            basis="TOC HLS",
            flags="RP",
            title="Every role holder has a current competence record",
            remedy="Assess each role holder against the profile and record it.",
            predicate=_records_for_role_holders,
            reads=("roles", "sers", "people", "competence_records"),
        ),
        iso(
            "development",
            clause="7.2",
            level="ORG",
            basis="TOC HLS",
            flags="R",
            title="Every competence gap has a development action",
            remedy="Plan a development action for each recorded gap.",
            condition=for_each(
                "competence_records", implies(non_empty("gaps"), non_empty("development_actions"))
            ),
        ),
        iso(
            "effectiveness",
            clause="7.2",
            level="ORG",
            basis="TOC HLS",
            flags="R",
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
            level="ORG",
            basis="TOC HLS INF",
            flags="R",
            title="Relationship-team members are aware of policy, objectives, their "
            "contribution, behaviours and consequences",
            remedy="Brief the team members listed and record the topics covered.",
            predicate=_awareness,
            reads=("awareness_records", "people", "relationships.team"),
        ),
        iso(
            "plan",
            clause="7.4",
            level="ORG",
            basis="TOC HLS SEC",
            flags="D",
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
            level="REL",
            stage=5,
            basis="TOC SEC",
            flags="R",
            title="The communication plan covers communication with the partner",
            remedy="Add a partner-facing item for this relationship to the communication plan.",
            condition=check("partner_item", "id", "organization.communication_plan"),
            functions={"partner_item": _partner_item},
        ),
        iso(
            "register",
            clause="7.5.1",
            level="ORG",
            basis="TOC HLS",
            flags="D",
            title="The documents behind scope, policy, governance and corporate RMP are registered",
            remedy="Register every referenced document in the document register.",
            condition=all_of(
                non_empty("documents"),
                check(
                    "documents_exist",
                    "scope.document_id",
                    "policy.document_id",
                    "governance.document_id",
                    "corporate_rmp.document_id",
                    "documents",
                ),
            ),
            functions={"documents_exist": _documents_exist},
        ),
        iso(
            "approved",
            clause="7.5.2",
            level="ORG",
            basis="TOC HLS",
            flags="D",
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
            "controlled",
            clause="7.5.3",
            level="ORG",
            basis="TOC HLS",
            flags="D",
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
            level="ORG",
            basis="TOC INF",
            flags="DJ",
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
            "key-people",
            clause="7.5.4",
            level="ORG",
            basis="TOC SEC INF",
            flags="RP",
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
        ),
        iso(
            "plan",
            clause="7.5.5",
            level="ORG",
            basis="TOC SEC",
            flags="D",
            title="The corporate RMP holds every Annex B element expected of it",
            remedy="Write the missing corporate RMP sections (B1-B8, B10-B12, B16, B17, B20, B21).",
            condition=all_of(
                present("corporate_rmp"), check("sections_present", "corporate_rmp.sections")
            ),
            functions={"sections_present": _sections_present},
        ),
        iso(
            "approved",
            clause="7.5.5",
            level="ORG",
            basis="TOC SEC",
            flags="A",
            title="The corporate RMP is approved by top management or the SER",
            remedy="Have top management or the SER approve the corporate RMP.",
            condition=check("approver_ok", "corporate_rmp.approved_by", "top_management", "sers"),
        ),
        iso(
            "current",
            clause="7.5.5",
            level="ORG",
            basis="TOC SEC",
            flags="P",
            title="The corporate RMP is reviewed within the interval",
            remedy="Review the corporate RMP and record the date.",
            condition=reviewed_within("corporate_rmp.last_reviewed_on", "review.corporate_rmp"),
        ),
        iso(
            "after-exit",
            clause="7.5.5",
            level="ORG",
            basis="TOC SEC INF",
            flags="P",
            title="The corporate RMP reflects every exit evaluation",
            remedy="Update the corporate RMP after the exit evaluation, or record a no-change "
            "note naming the relationship.",
            predicate=_rmp_after_exit,
            reads=(
                "corporate_rmp",
                "relationships.id",
                "relationships.disengagement.exit_evaluation",
            ),
        ),
    ]


def _clause81() -> list[RuleSpec]:
    return [
        iso(
            "procedure",
            clause="8.1",
            level="ORG",
            basis="TOC HLS INF",
            flags="D",
            title="A lifecycle procedure defines criteria, activities and outputs for stages 1-8",
            remedy="Document entry criteria, activities, outputs and exit criteria for each stage.",
            condition=all_of(
                present("cbrms.lifecycle_procedure"),
                check("lifecycle_stages", "cbrms.lifecycle_procedure.stages"),
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
            functions={"lifecycle_stages": _lifecycle_stages},
        ),
        iso(
            "history",
            clause="8.1",
            level="REL",
            basis="TOC HLS INF",
            flags="R",
            title="The relationship's stage history records every gate with its approver",
            remedy="Record each stage entered with its date and approver.",
            condition=all_of(
                non_empty("stage_history"), check("history_approved", "stage_history")
            ),
            functions={"history_approved": _history_approved},
        ),
        iso(
            "changes",
            clause="8.1",
            level="REL",
            basis="TOC HLS",
            flags="R",
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
            level="REL",
            stage=5,
            basis="TOC HLS INF",
            flags="DP",
            title="The monitoring plan covers the relationship",
            remedy="Add the relationship's KPIs to the monitoring plan.",
            condition=check("monitored", "id", "organization.monitoring_plan"),
            functions={"monitored": _monitored},
        ),
    ]


RULES: tuple[RuleSpec, ...] = (
    *_clause4(), *_clause5(), *_clause6(), *_clause7(), *_clause81(),
)  # fmt: skip
"""The built-in rules of clauses 4 to 7 and 8.1."""
