"""Stage 5, working together (clause 8.6).

Titles and remedies are our own words; catalog §1.5-1.12 gives the predicates, §1.15 the gates,
§3 the RMP sections and §6.1 the exit strategy elements. Each rule carries the subset of its
catalog row's flags that it checks and the row's basis tags. A stage-N rule applies in stages N
to 8 (the stage 8 rules from exit activation on); while a relationship is in stage N, the
stage-N rules are its lifecycle gate. Joint (J) requirements are signed off by every party for
the current version of the artefact.
"""

from __future__ import annotations

from typing import Any

from collabrel import Stage
from collabrel._iso44001._annex_b import AGREEMENT_SECTIONS, ANNEX_B_JOINT
from collabrel._iso44001._builder import (
    ARR,
    EXE,
    INF,
    JNT,
    SEC,
    TOC,
    A,
    D,
    J,
    P,
    R,
    active_ser,
    gates,
    iso,
    items_agreed,
    participants_cover,
    sections,
    signed_from_update,
    within_agreed,
)
from collabrel._iso44001._s5_checks import (
    covers,
    jmt_records_in_plan,
    joint_management_team,
    joint_objectives_agreed,
    no_cannot_shared,
    objectives_covered,
    sponsors_cover,
)
from collabrel.rules import (
    RuleSpec,
    agreed_by_all_parties,
    all_of,
    check,
    count_at_least,
    equals,
    for_each,
    non_empty,
    one_of,
    present,
)

__all__ = ["RULES"]

_MIN_LEVELS = 2


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 5 rule: a joint requirement unless it says otherwise."""
    return iso(part, stage=Stage.WORKING_TOGETHER, **{"level": JNT, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.6.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R, A},
            title="Stage 5 was entered and left through gates approved by an SER",
            remedy="Record each stage change with an SER of the relationship as approver.",
            condition=gates(5),
        ),
        _rule(
            "joint",
            clause="8.6.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint RMP version that holds the stage 5 outputs",
            remedy="Log the stage 5 update in the joint RMP and have every party sign it.",
            condition=check(
                signed_from_update(5), "joint_rmp.agreed_by", "joint_rmp.stage_updates", "party_ids"
            ),
        ),
        _rule(
            "structure",
            clause="8.6.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The joint governance structure has every party's SER as sponsor and a "
            "behaviour charter",
            remedy="Document the joint governance with a sponsor (SER) per party and the agreed "
            "behaviour charter.",
            condition=all_of(
                present("working.governance"),
                equals("working.governance.kind", "joint"),
                check(sponsors_cover, "working.governance.sponsors", "sers", "party_ids"),
                present("working.governance.behaviour_charter_ref"),
            ),
        ),
        _rule(
            "jmt",
            clause="8.6.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The joint governance names its joint management team, with a member of every "
            "party and defined roles",
            remedy="Mark the joint management team among the joint governance bodies (jmt), list "
            "its members with the party each represents (party_members), and define its roles.",
            condition=check(joint_management_team, "working.governance.bodies", "party_ids"),
        ),
        _rule(
            "rights",
            clause="8.6.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="Every joint governance body has decision rights and a meeting cadence",
            remedy="Give each joint body its decision rights and cadence.",
            condition=all_of(
                non_empty("working.governance.bodies"),
                for_each(
                    "working.governance.bodies",
                    all_of(non_empty("decision_rights"), present("cadence")),
                ),
            ),
        ),
        _rule(
            "objectives",
            clause="8.6.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Joint objectives are set and every party signed each of them",
            remedy="Agree the joint objectives with every party and record the sign-offs.",
            condition=check(joint_objectives_agreed, "objectives", "party_ids"),
        ),
        _rule(
            "agreed",
            clause="8.6.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint governance structure",
            remedy="Have every party sign the current version of the joint governance.",
            condition=agreed_by_all_parties("working.governance"),
        ),
        _rule(
            "approved",
            clause="8.6.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={A},
            title="An SER of the relationship approved the joint governance structure",
            remedy="Have the SER approve the joint governance.",
            condition=check(active_ser, "working.governance.approved_by", "sers"),
        ),
        _rule(
            "process",
            clause="8.6.3",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The joint knowledge process covers IP, confidentiality and knowledge at exit",
            remedy="Agree the IP rules, confidentiality terms and exit handling of shared "
            "knowledge.",
            condition=all_of(
                present("working.knowledge_process"),
                non_empty("working.knowledge_process.ip_rules"),
                non_empty("working.knowledge_process.confidentiality_terms"),
                non_empty("working.knowledge_process.exit_handling"),
            ),
        ),
        _rule(
            "shared-items",
            clause="8.6.3",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="Nothing the knowledge map says cannot be shared is shared",
            remedy="Remove the blocked assets from the shared items, or reclassify them in the "
            "knowledge map.",
            condition=check(
                no_cannot_shared,
                "working.knowledge_process.shared_items",
                "knowledge.knowledge_map",
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.3",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint knowledge process",
            remedy="Have every party sign the current version of the joint knowledge process.",
            condition=agreed_by_all_parties("working.knowledge_process"),
        ),
        _rule(
            "register",
            clause="8.6.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="A joint risk register names the party and the person owning each risk",
            remedy="Keep a joint register and give every item an owning party and an owner.",
            condition=all_of(
                present("working.risk_register"),
                equals("working.risk_register.scope", "joint"),
                count_at_least("working.risk_register.items", 1),
                for_each(
                    "working.risk_register.items",
                    all_of(present("owner_party"), present("owner")),
                ),
            ),
        ),
        _rule(
            "treated",
            clause="8.6.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every joint risk is rated and has a response",
            remedy="Rate each joint risk and record its response.",
            condition=all_of(
                present("working.risk_register"),
                for_each(
                    "working.risk_register.items", all_of(present("rating"), non_empty("response"))
                ),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.6.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="The joint risk register is reviewed at the agreed frequency",
            remedy="Review the joint risk register with the partners and record the date.",
            condition=within_agreed(
                "working.risk_register.last_reviewed_on",
                "working.risk_register.review_frequency",
                "review.risk_joint",
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint risk register",
            remedy="Have every party sign the current version of the joint risk register.",
            condition=agreed_by_all_parties("working.risk_register"),
        ),
        _rule(
            "review",
            clause="8.6.5",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The parties reviewed their processes and systems and agreed owned changes",
            remedy="Review the processes jointly and give each agreed change an owner.",
            condition=all_of(
                present("working.process_review"),
                non_empty("working.process_review.processes_reviewed"),
                present("working.process_review.reviewed_on"),
                for_each("working.process_review.agreed_changes", present("owner")),
            ),
        ),
        _rule(
            "joint",
            clause="8.6.5",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Every party took part in the process review",
            remedy="Run the process review with people from every party.",
            condition=check(participants_cover, "working.process_review.participants", "party_ids"),
        ),
        _rule(
            "kpis",
            clause="8.6.6",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="Delivery and relationship measures have a target, frequency and data owner",
            remedy="Agree at least one delivery and one relationship KPI, each with a target, a "
            "frequency and a data owner.",
            condition=all_of(
                count_at_least("working.kpis", 1, equals("kind", "delivery")),
                count_at_least("working.kpis", 1, equals("kind", "relationship")),
                for_each(
                    "working.kpis",
                    all_of(present("target"), present("frequency"), present("data_owner")),
                ),
            ),
        ),
        _rule(
            "coverage",
            clause="8.6.6",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="Every joint objective is measured by a KPI",
            remedy="Link a KPI to each joint objective.",
            condition=check(objectives_covered, "working.kpis", "objectives"),
        ),
        _rule(
            "agreed",
            clause="8.6.6",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed each KPI",
            remedy="Have every party sign the current version of each KPI.",
            condition=all_of(
                non_empty("working.kpis"), check(items_agreed, "working.kpis", "party_ids")
            ),
        ),
        _rule(
            "records",
            clause="8.6.7",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The joint development plan builds on the JMT members' competence records",
            remedy="Reference the competence records of the JMT members in the joint "
            "development plan.",
            condition=check(
                jmt_records_in_plan,
                "working.development_plan",
                "team",
                "organization.competence_records",
            ),
        ),
        _rule(
            "actions",
            clause="8.6.7",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every joint development action has an owner and a due date",
            remedy="Give each development action an owner and a due date.",
            condition=all_of(
                present("working.development_plan"),
                non_empty("working.development_plan.actions"),
                for_each(
                    "working.development_plan.actions",
                    all_of(present("owner"), present("due_on")),
                ),
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.7",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint development plan",
            remedy="Have every party sign the current version of the joint development plan.",
            condition=agreed_by_all_parties("working.development_plan"),
        ),
        _rule(
            "process",
            clause="8.6.8",
            mode=ARR,
            basis=(TOC, INF),
            flags={D},
            title="Issue resolution has at least two timed levels with named roles and a last "
            "resort",
            remedy="Define the escalation levels (roles, maximum days) and the final mechanism.",
            condition=all_of(
                present("working.issue_process"),
                count_at_least("working.issue_process.levels", _MIN_LEVELS),
                for_each(
                    "working.issue_process.levels",
                    all_of(non_empty("roles"), present("max_days")),
                ),
                non_empty("working.issue_process.final_mechanism"),
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.8",
            mode=ARR,
            basis=(TOC, INF),
            flags={J},
            title="Every party signed the issue resolution process",
            remedy="Have every party sign the current version of the issue resolution process.",
            condition=agreed_by_all_parties("working.issue_process"),
        ),
        _rule(
            "strategy",
            clause="8.6.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The agreed joint exit strategy covers every Annex E element",
            remedy="Complete the joint exit strategy (purpose, boundaries, triggers and their "
            "monitoring, decision rights and notice, transition and continuity, assets, IP, "
            "people and data, settlement, communications, exit actions) and agree it.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"),
                one_of("exit_strategy.status", ["agreed", "activated", "closed"]),
                non_empty("exit_strategy.purpose"),
                non_empty("exit_strategy.boundaries"),
                non_empty("exit_strategy.triggers"),
                non_empty("exit_strategy.monitoring"),
                non_empty("exit_strategy.decision_roles"),
                non_empty("exit_strategy.notice"),
                non_empty("exit_strategy.transition_plan"),
                non_empty("exit_strategy.continuity_plan"),
                non_empty("exit_strategy.asset_ip_people_data_handling"),
                non_empty("exit_strategy.settlement"),
                non_empty("exit_strategy.comms_plan"),
                non_empty("exit_strategy.exit_actions"),
            ),
        ),
        _rule(
            "review-frequency",
            clause="8.6.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={P},
            title="The joint exit strategy says how often it is reviewed",
            remedy="Set the review frequency of the joint exit strategy.",
            condition=present("exit_strategy.review_frequency"),
        ),
        _rule(
            "agreed",
            clause="8.6.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint exit strategy in force",
            remedy="Have every party sign the current version of the joint exit strategy.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"), agreed_by_all_parties("exit_strategy")
            ),
        ),
        _rule(
            "covers",
            clause="8.6.10",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The agreement covers governance, objectives, risk, IP, value sharing, issue "
            "resolution and exit",
            remedy="Add the missing topics to the agreement, or annex a joint RMP that covers "
            "them.",
            condition=all_of(
                present("working.agreement"),
                present("working.agreement.document_id"),
                *(check(covers(t), "working.agreement", "joint_rmp") for t in AGREEMENT_SECTIONS),
            ),
        ),
        _rule(
            "signed",
            clause="8.6.10",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the agreement",
            remedy="Have every party sign the current version of the agreement.",
            condition=agreed_by_all_parties("working.agreement"),
        ),
        _rule(
            "implemented",
            clause="8.6.11",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The joint RMP is implemented and holds every joint section",
            remedy=f"Complete the joint RMP sections {', '.join(ANNEX_B_JOINT)} and implement it.",
            condition=all_of(
                one_of("joint_rmp.status", ["implemented", "closed"]),
                sections("joint_rmp.sections", ANNEX_B_JOINT),
            ),
        ),
        _rule(
            "next-review",
            clause="8.6.11",
            mode=ARR,
            basis=(TOC, SEC),
            flags={P},
            title="The next review of the joint RMP is planned",
            remedy="Set the date of the next joint RMP review.",
            condition=present("joint_rmp.next_review_on"),
        ),
        _rule(
            "agreed",
            clause="8.6.11",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the current joint RMP",
            remedy="Have every party sign the current version of the joint RMP.",
            condition=agreed_by_all_parties("joint_rmp"),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
