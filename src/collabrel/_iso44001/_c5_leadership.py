"""Clause 5, leadership: commitment, policy, roles, the senior executive responsible.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from typing import Any

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
    P,
    R,
    iso,
    listed,
    member,
    phrased,
)
from collabrel.rules import (
    RuleSpec,
    all_of,
    check,
    count_at_least,
    equals,
    for_each,
    non_empty,
    present,
    reviewed_within,
    unmet,
)

__all__ = ["RULES"]


@phrased("{0} include one of {1}")
def any_member(values: Any, collection: Any) -> Checked:
    """At least one of the values is one of the collection's items."""
    if values is None or collection is None:
        return None
    return any(v in collection for v in values) or unmet(
        f"none of {listed(values)} is one of {listed(collection)}"
    )


def jmt_roles_communicated(team: Any, bodies: Any, own_party: Any) -> Checked:
    """Each of the organization's JMT members holds a communicated ``jmt_member`` role."""
    if team is None or own_party is None:
        return None
    members: dict[str, None] = {}  # the organization's JMT members, in order, once each
    for b in bodies or ():
        if b.jmt:
            for m in b.party_members:
                if m.party == own_party and m.person:
                    members[m.person] = None
    if not members:
        return True
    held: dict[str, bool] = {}  # person -> whether one of their jmt_member roles was told
    for a in team:
        if a.role == "jmt_member":
            held[a.person] = held.get(a.person, False) or a.communicated_on is not None
    gaps = []
    for person in members:
        if person not in held:
            gaps.append(f"JMT member {person} has no jmt_member role in the team")
        elif not held[person]:
            gaps.append(f"the jmt_member role of JMT member {person} was never communicated")
    return not gaps or unmet("; ".join(gaps))


_CORPORATE_SER_ACCOUNTABILITIES = (
    "implementation", "adherence_process_culture_policy", "performance_evaluation",
    "continual_improvement",
)  # fmt: skip


def owners_assigned(processes: Any, roles: Any) -> Checked:
    """Every process owner holds a role assignment."""
    if processes is None:
        return None
    assigned = {r.person for r in roles or ()}
    missing = [f"{p.owner} (owner of {p.id})" for p in processes
               if p.owner is not None and p.owner not in assigned]  # fmt: skip
    return not missing or unmet(f"no role assignment for {listed(missing)}")


@phrased("the mandate names every corporate SER accountability")
def has_accountabilities(accountabilities: Any) -> Checked:
    """The mandate names every corporate accountability of the SER (5.3.3)."""
    missing = [a for a in _CORPORATE_SER_ACCOUNTABILITIES if a not in (accountabilities or ())]
    return not missing or unmet(f"the mandate lacks {listed(missing)}")


def includes_ser(governance: Any, sers: Any) -> Checked:
    """The governance structure includes an active senior executive responsible."""
    if governance is None or sers is None:
        return None
    active = [s.person for s in sers if s.active]
    if not active:
        return unmet("no active corporate SER is recorded")
    people = set(governance.sponsors) | {m for b in governance.bodies for m in b.members}
    people |= {m.person for b in governance.bodies for m in b.party_members}
    if people & set(active):
        return True
    bodies = listed(repr(b.name) for b in governance.bodies)
    return unmet(f"no active SER ({listed(active)}) is a sponsor or a member of {bodies}")


def _rules() -> list[RuleSpec]:
    return [
        iso(
            "policy-approved",
            clause="5.1",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={A},
            title="Top management approves the collaborative policy",
            remedy="Have a member of top management approve the policy.",
            condition=check(member, "policy.approved_by", "top_management"),
        ),
        iso(
            "ser-appointed",
            clause="5.1",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={A},
            title="Top management has appointed an active corporate SER",
            remedy="Record the appointment of the senior executive responsible by top management.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("active", True),
                    check(member, "appointed_by", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "review-led",
            clause="5.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="Top management attended a management review within the interval",
            remedy="Hold a management review attended by top management.",
            condition=count_at_least(
                "management_reviews",
                1,
                all_of(
                    reviewed_within("held_on", "mr_interval"),
                    check(any_member, "attendees", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "resources",
            clause="5.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Top management approved the resources for the CBRMS",
            remedy="Have top management approve the corporate resource plan.",
            condition=check(member, "resource_plan.approved_by", "top_management"),
        ),
        iso(
            "communicates",
            clause="5.1",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={R, P},
            title="Top management communicated on collaboration within the period",
            remedy="Record a communication on collaborative working from top management.",
            condition=count_at_least(
                "communications",
                1,
                all_of(
                    reviewed_within("sent_on", "communication_period"),
                    check(member, "by", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "commitments",
            clause="5.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
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
            level=ORG,
            basis=(TOC, SEC),
            flags={D},
            title="The policy states values and refers to a behaviour code",
            remedy="Add the organization's values and a reference to its behaviour code.",
            condition=all_of(non_empty("policy.values"), present("policy.behaviour_code_ref")),
        ),
        iso(
            "approved",
            clause="5.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={A},
            title="The policy is approved by top management",
            remedy="Have a member of top management approve the policy and record the date.",
            condition=all_of(
                check(member, "policy.approved_by", "top_management"),
                present("policy.approved_on"),
            ),
        ),
        iso(
            "current",
            clause="5.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
            title="The policy is reviewed within the interval",
            remedy="Review the policy and record the date of the review.",
            condition=reviewed_within("policy.last_reviewed_on", "review.policy"),
        ),
        iso(
            "communicated",
            clause="5.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="The policy is communicated inside the organization",
            remedy="Communicate the policy and record to whom.",
            condition=non_empty("policy.communicated_to"),
        ),
        iso(
            "roles",
            clause="5.3",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Process owners hold communicated role assignments",
            remedy="Assign a role to every process owner and record when it was communicated.",
            condition=all_of(
                non_empty("roles"),
                for_each("roles", present("communicated_on")),
                check(owners_assigned, "cbrms.process_map", "roles"),
            ),
        ),
        iso(
            "relationship-roles",
            clause="5.3",
            level=REL,
            basis=(TOC, HLS),
            flags={D},
            title="The relationship's role assignments are communicated",
            remedy="Record when each role of the relationship team (lead, JMT members, "
            "negotiators) was communicated to its holder, and give each of the "
            "organization's members of the joint management team a jmt_member role.",
            condition=all_of(
                for_each("team", present("communicated_on")),
                check(
                    jmt_roles_communicated,
                    "team",
                    "working.governance.bodies",
                    "organization.id",
                ),
            ),
        ),
        iso(
            "assigned",
            clause="5.3.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Top management assigned responsibility for conformity and for reporting",
            remedy="Assign the roles cbrms_conformity and performance_reporting, by top "
            "management.",
            condition=all_of(
                count_at_least(
                    "roles",
                    1,
                    all_of(
                        equals("role", "cbrms_conformity"),
                        check(member, "assigned_by", "organization.top_management"),
                    ),
                ),
                count_at_least(
                    "roles",
                    1,
                    all_of(
                        equals("role", "performance_reporting"),
                        check(member, "assigned_by", "organization.top_management"),
                    ),
                ),
            ),
        ),
        iso(
            "reporting",
            clause="5.3.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R, P},
            title="CBRMS performance was reported to top management within the interval",
            remedy="Report CBRMS performance to top management and record the report.",
            condition=count_at_least(
                "performance_reports",
                1,
                all_of(
                    reviewed_within("reported_on", "mr_interval"),
                    check(any_member, "to", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "structure",
            clause="5.3.2",
            level=ORG,
            basis=(TOC, SEC, INF),
            flags={D, P},
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
            "ser-included",
            clause="5.3.2",
            level=ORG,
            basis=(TOC, SEC),
            flags={D},
            title="The corporate governance structure includes the senior executive responsible",
            remedy="Name the SER as a sponsor of the corporate governance or as a member of one "
            "of its bodies.",
            condition=check(includes_ser, "governance", "sers"),
        ),
        iso(
            "bodies",
            clause="5.3.2",
            level=ORG,
            basis=(TOC, INF),
            flags={D},
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
            level=ORG,
            basis=(TOC, INF),
            flags={A},
            title="Top management approved the corporate governance structure",
            remedy="Have top management approve the governance structure.",
            condition=check(member, "governance.approved_by", "top_management"),
        ),
        iso(
            "mandate",
            clause="5.3.3",
            level=ORG,
            basis=(TOC, SEC),
            flags={D, A},
            title="An active SER has a documented mandate given by top management",
            remedy="Record the SER's mandate document and appointment by top management.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("active", True),
                    present("mandate_ref"),
                    check(member, "appointed_by", "organization.top_management"),
                ),
            ),
        ),
        iso(
            "accountabilities",
            clause="5.3.3",
            level=ORG,
            basis=(TOC, SEC),
            flags={D},
            title="The SER is accountable for implementation, adherence, evaluation and "
            "improvement",
            remedy="Add implementation, adherence_process_culture_policy, performance_evaluation "
            "and continual_improvement to the SER's accountabilities.",
            condition=count_at_least(
                "sers",
                1,
                all_of(equals("active", True), check(has_accountabilities, "accountabilities")),
            ),
        ),
        iso(
            "relationship-ser",
            clause="5.3.3",
            level=REL,
            basis=(TOC, SEC),
            flags={A},
            title="The relationship has an active senior executive responsible",
            remedy="Appoint an SER for the relationship (it may be the corporate SER).",
            condition=count_at_least("sers", 1, equals("active", True)),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
