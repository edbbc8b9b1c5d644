"""Stage 2, knowledge (clause 8.3).

Titles and remedies are our own words; catalog §1.5-1.12 gives the predicates, §1.15 the gates,
§3 the RMP sections and §6.1 the exit strategy elements. Each rule carries the subset of its
catalog row's flags that it checks and the row's basis tags. A stage-N rule applies in stages N
to 8 (the stage 8 rules from exit activation on); while a relationship is in stage N, the
stage-N rules are its lifecycle gate. Joint (J) requirements are signed off by every party for
the current version of the artefact.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collabrel import Stage
from collabrel._iso44001._builder import (
    ARR,
    EXE,
    INF,
    REL,
    SEC,
    TOC,
    A,
    Checked,
    D,
    P,
    R,
    active_ser,
    authority,
    gates,
    iso,
    listed,
    stage_update,
    updated_after,
    within_agreed,
)
from collabrel._iso44001._c7_checks import recency
from collabrel._iso44001._indexes import ByIdentity
from collabrel.rules import (
    Outcome,
    RuleContext,
    RuleSpec,
    all_of,
    any_of,
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
    unmet,
)

__all__ = ["RULES"]

_KEY_INDIVIDUALS = ("ser", "relationship_lead")


def references_all(references: Any, *ids: Any) -> Checked:
    """The plan references every artefact of the stage by its id."""
    if references is None:
        return None
    missing = [i for i in ids if i is not None and i not in references]
    return not missing or unmet(f"the plan does not reference {listed(missing)}")


def _last_assessed(records: Any) -> dict[str, date]:
    """When each person's competence was last assessed (people with a dated record only)."""
    latest: dict[str, date] = {}
    for rec in records:
        day = rec.assessed_on
        if day is not None and day > latest.get(rec.person, date.min):
            latest[rec.person] = day
    return latest


_last_assessed_of = ByIdentity(_last_assessed)
"""The organization's competence records, last assessment by person (read for every team)."""

_competence_recency = recency("review.competence")
"""Whether an assessment is within the competence review interval (one per date)."""


def _key_individuals_assessed(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    interval = ctx.config.review.competence
    people = sorted({t.person for t in rel.team if t.role in _KEY_INDIVIDUALS})
    if not people:
        return Outcome.fail("team names no SER or relationship lead")
    latest = _last_assessed_of(ctx.organization.competence_records)
    recent = _competence_recency(ctx)
    missing = [p for p in people if p not in latest]
    stale = [p for p in people if p in latest and not recent(latest[p])]
    if missing or stale:
        parts = []
        if missing:
            parts.append(f"no record in organization.competence_records for {', '.join(missing)}")
        if stale:
            parts.append(
                f"organization.competence_records older than {interval} for {', '.join(stale)}"
            )
        return Outcome.fail("; ".join(parts))
    return Outcome.passed(f"{len(people)} key individuals assessed")


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 2 rule: a relationship requirement unless it says otherwise."""
    return iso(part, stage=Stage.KNOWLEDGE, **{"level": REL, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.3.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R, A},
            title="Stage 2 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=gates(2),
        ),
        _rule(
            "business-case",
            clause="8.3.2",
            mode=ARR,
            basis=(TOC, SEC, INF),
            flags={D},
            title="The business case covers objectives, drivers, model, value, environment, "
            "costs, risks, resources, measures and effects on other relationships",
            remedy="Complete the missing parts of the business case.",
            condition=all_of(
                present("knowledge.business_case"),
                non_empty("knowledge.business_case.objectives"),
                non_empty("knowledge.business_case.drivers"),
                non_empty("knowledge.business_case.operating_model"),
                present("knowledge.business_case.value_analysis_ref"),
                non_empty("knowledge.business_case.environment_analysis_ref"),
                present("knowledge.business_case.costs"),
                present("knowledge.business_case.risks_ref"),
                non_empty("knowledge.business_case.resources"),
                non_empty("knowledge.business_case.success_measures"),
                non_empty("knowledge.business_case.impact_on_existing"),
            ),
        ),
        _rule(
            "linked",
            clause="8.3.2",
            mode=ARR,
            basis=(TOC, SEC, INF),
            flags={D},
            title="The business case builds on the relationship's value analysis and risk register",
            remedy="Reference the value analysis and the risk register by their ids.",
            condition=all_of(
                equals(
                    "knowledge.business_case.value_analysis_ref",
                    ref("awareness.value_analysis.id"),
                ),
                equals("knowledge.business_case.risks_ref", ref("risk_register.id")),
            ),
        ),
        _rule(
            "exit-considered",
            clause="8.3.2",
            mode=ARR,
            basis=(TOC, SEC, INF),
            flags={D},
            title="The business case states how the organization would exit, and an exit "
            "strategy is started",
            remedy="Write the internal exit considerations and start the organization's own "
            "exit strategy (internal_exit_strategy; a joint strategy drafted later with the "
            "partners continues it).",
            condition=all_of(
                non_empty("knowledge.business_case.internal_exit_considerations"),
                any_of(present("internal_exit_strategy"), present("exit_strategy")),
            ),
        ),
        _rule(
            "approved",
            clause="8.3.2",
            mode=ARR,
            basis=(TOC, SEC, INF),
            flags={D},
            title="The business case is approved",
            remedy="Approve the business case and record the date.",
            condition=present("knowledge.business_case.approved_on"),
        ),
        _rule(
            "key-roles",
            clause="8.3.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The key individuals (SER and relationship lead) are named",
            remedy="Assign the ser and relationship_lead roles in the relationship team.",
            condition=all_of(
                count_at_least("team", 1, equals("role", "ser")),
                count_at_least("team", 1, equals("role", "relationship_lead")),
            ),
        ),
        _rule(
            "assessed",
            clause="8.3.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The key individuals have a current assessment of competence and behaviour",
            remedy="Assess the SER and relationship lead against their profiles and record it.",
            predicate=_key_individuals_assessed,
            reads=("team", "organization.competence_records"),
        ),
        _rule(
            "map",
            clause="8.3.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="A knowledge map says what can, could and cannot be shared, and how it is "
            "protected",
            remedy="Map the knowledge assets with their share class, and the conditions and "
            "protection of those not freely shared.",
            condition=all_of(
                present("knowledge.knowledge_map"),
                count_at_least("knowledge.knowledge_map.items", 1),
                for_each(
                    "knowledge.knowledge_map.items",
                    all_of(
                        present("share_class"),
                        implies(
                            one_of("share_class", ["cannot", "conditional"]),
                            non_empty("protection"),
                        ),
                        implies(equals("share_class", "conditional"), non_empty("conditions")),
                    ),
                ),
            ),
        ),
        _rule(
            "approved",
            clause="8.3.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The relationship SER approved the knowledge map",
            remedy="Have the relationship SER approve the knowledge map.",
            condition=all_of(
                check(active_ser, "knowledge.knowledge_map.approved_by", "sers"),
                present("knowledge.knowledge_map.approved_on"),
            ),
        ),
        _rule(
            "risks",
            clause="8.3.5",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Supply-chain and extended-enterprise risks are registered, or their absence "
            "is reasoned",
            remedy="Register the supply-chain risks, or record why there are none.",
            condition=any_of(
                count_at_least(
                    "risk_register.items",
                    1,
                    one_of("source", ["supply_chain", "extended_enterprise"]),
                ),
                non_empty("risk_register.none_identified_note"),
            ),
        ),
        _rule(
            "dependencies",
            clause="8.3.5",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Critical supply-chain dependencies are mapped (except for light-scale "
            "relationships)",
            remedy="List the critical dependencies beyond the partner, or record why there are "
            "none.",
            condition=implies(
                not_(equals("scale", "light")),
                all_of(
                    present("knowledge.supply_chain"),
                    any_of(
                        non_empty("knowledge.supply_chain.critical_dependencies"),
                        non_empty("knowledge.supply_chain.none_identified_rationale"),
                    ),
                ),
            ),
        ),
        _rule(
            "process",
            clause="8.3.6",
            mode=ARR,
            basis=(TOC, INF),
            flags={D},
            title="A risk process sets the method, review frequency and escalation threshold",
            remedy="Document the relationship's risk method, review frequency and escalation "
            "threshold.",
            condition=all_of(
                present("knowledge.risk_process"),
                non_empty("knowledge.risk_process.method"),
                present("knowledge.risk_process.review_frequency"),
                present("knowledge.risk_process.escalation_threshold"),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.3.6",
            mode=EXE,
            basis=(TOC, INF),
            flags={P},
            title="The relationship risk register is reviewed at the agreed frequency",
            remedy="Review the relationship risk register and record the date.",
            condition=within_agreed(
                "risk_register.last_reviewed_on",
                "knowledge.risk_process.review_frequency",
                "review.risk_relationship",
            ),
        ),
        _rule(
            "treated",
            clause="8.3.6",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Every open relationship risk has an owner and a treatment",
            remedy="Give each open item an owner and a response.",
            condition=all_of(
                present("risk_register"),
                for_each(
                    "risk_register.items",
                    implies(
                        equals("status", "open"), all_of(present("owner"), non_empty("response"))
                    ),
                ),
            ),
        ),
        _rule(
            "decided",
            clause="8.3.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="The business case was evaluated and the decision recorded with its reasons",
            remedy="Evaluate the business case and record the decision (proceed, revise or "
            "stop), its date and rationale.",
            condition=all_of(
                present("knowledge.decision"),
                equals("knowledge.decision.subject", "business_case"),
                present("knowledge.decision.decided_on"),
                non_empty("knowledge.decision.rationale"),
            ),
        ),
        _rule(
            "authority",
            clause="8.3.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={A},
            title="The business case decision was taken by someone with authority",
            remedy="Have the SER or top management take the decision.",
            condition=check(
                authority,
                "knowledge.decision.decided_by",
                "sers",
                "organization.sers",
                "organization.top_management",
            ),
        ),
        _rule(
            "stop-closed",
            clause="8.3.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="A decision to stop closes the relationship as not pursued",
            remedy="Close the relationship as not pursued, or record a new decision.",
            condition=implies(
                all_of(present("knowledge.decision"), equals("knowledge.decision.outcome", "stop")),
                equals("stage", "closed_not_pursued"),
            ),
        ),
        _rule(
            "references",
            clause="8.3.8",
            mode=ARR,
            basis=(TOC,),
            flags={D},
            title="The RMP references the business case and the knowledge map",
            remedy="Add the business case and knowledge map ids to the RMP's references.",
            condition=all_of(
                present("rmp"),
                check(
                    references_all,
                    "rmp.references",
                    "knowledge.business_case.id",
                    "knowledge.knowledge_map.id",
                ),
            ),
        ),
        _rule(
            "updated",
            clause="8.3.8",
            mode=ARR,
            basis=(TOC,),
            flags={P},
            title="The RMP was updated with the stage 2 outputs",
            remedy="Update the RMP after the stage 2 outputs and log the stage 2 update.",
            condition=all_of(
                present("rmp"),
                check(
                    updated_after,
                    "rmp.updated_on",
                    "knowledge.business_case.approved_on",
                    "knowledge.knowledge_map.approved_on",
                    "knowledge.supply_chain.assessed_on",
                    "knowledge.decision.decided_on",
                ),
                check(stage_update(2), "rmp.stage_updates", "stage_history"),
            ),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
