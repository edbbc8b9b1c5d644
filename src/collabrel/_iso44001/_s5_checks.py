"""The functions the stage 5 rules (clause 8.6, working together) call.

Each returns ``True``, ``None`` (a fact it needs is missing) or :func:`unmet` with what is
wrong, so a finding names the missing party, member, objective or topic.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from collabrel import ObjectiveLevel
from collabrel._iso44001._annex_b import AGREEMENT_SECTIONS
from collabrel._iso44001._builder import Checked, listed, unsigned
from collabrel._iso44001._indexes import grouped_by
from collabrel.rules import unmet

__all__ = [
    "covers",
    "jmt_records_in_plan",
    "joint_management_team",
    "joint_objectives_agreed",
    "no_cannot_shared",
    "objectives_covered",
    "sponsors_cover",
]


def sponsors_cover(sponsors: Any, sers: Any, party_ids: Any) -> Checked:
    """Every party's active SER is a sponsor of the joint governance."""
    if sponsors is None or sers is None or party_ids is None:
        return None
    by_party = {s.party for s in sers if s.active and s.person in sponsors}
    missing = [p for p in party_ids if p not in by_party]
    if not missing:
        return True
    wanted = [
        f"{p} ({listed(s.person for s in sers if s.party == p and s.active) or 'no active SER'})"
        for p in missing
    ]
    return unmet(f"sponsors {listed(sponsors)} include no active SER of {listed(wanted)}")


def joint_management_team(bodies: Any, party_ids: Any) -> Checked:
    """One governance body is the joint management team, with a member of every party and roles."""
    if bodies is None or party_ids is None:
        return None
    teams = [b for b in bodies if b.jmt]
    if not teams:
        names = listed(repr(b.name) for b in bodies)
        return unmet(f"no body is marked as the joint management team (jmt) among {names}")
    if len(teams) > 1:
        return unmet(f"{listed(repr(b.name) for b in teams)} are all marked as the JMT; mark one")
    team = teams[0]
    represented = {m.party for m in team.party_members if m.person}
    missing = [p for p in party_ids if p not in represented]
    problems = []
    if missing:
        problems.append(
            f"the joint management team {team.name!r} has no member from {listed(missing)}"
        )
    if not team.roles:
        problems.append(f"the joint management team {team.name!r} defines no roles")
    return not problems or unmet("; ".join(problems))


def joint_objectives_agreed(objectives: Any, party_ids: Any) -> Checked:
    """There are joint objectives and every party signed the current version of each."""
    if objectives is None or party_ids is None:
        return None
    joint = [o for o in objectives if o.level is ObjectiveLevel.JOINT]
    if not joint:
        return unmet("no joint objective is set")
    gaps = [f"{o.id} (not signed by {listed(unsigned(o, party_ids))})"
            for o in joint if unsigned(o, party_ids)]  # fmt: skip
    return not gaps or unmet(f"joint objectives not agreed: {listed(gaps)}")


def no_cannot_shared(shared_items: Any, knowledge_map: Any) -> Checked:
    """No shared asset is one the knowledge map says cannot be shared."""
    if not shared_items:
        return True
    if knowledge_map is None:
        return None
    blocked = {
        i.asset
        for i in knowledge_map.items
        if i.share_class is not None and i.share_class.value == "cannot"
    }
    shared = [i for i in shared_items if i in blocked]
    return not shared or unmet(
        f"{listed(repr(i) for i in shared)} shared though the knowledge map "
        f"{knowledge_map.id} says it cannot be"
    )


def objectives_covered(kpis: Any, objectives: Any) -> Checked:
    """Every joint objective is measured by at least one KPI."""
    if objectives is None or kpis is None:
        return None
    covered = {o for k in kpis for o in k.objective_ids}
    missing = [o.id for o in objectives if o.level is ObjectiveLevel.JOINT and o.id not in covered]
    return not missing or unmet(f"no KPI measures {listed(missing)}")


_records_by_id = grouped_by("id")
"""The organization's competence records by id (every relationship's plan names some)."""


def jmt_records_in_plan(plan: Any, team: Any, records: Any) -> Checked:
    """The development plan builds on the competence record of every JMT member of ours."""
    if plan is None:
        return unmet("no joint development plan is recorded")
    if team is None or records is None:
        return None
    members = sorted({t.person for t in team if t.role == "jmt_member"})
    if not members:
        return bool(plan.competence_record_ids) or unmet("the plan names no competence record")
    by_id = _records_by_id(records)
    in_plan = {r.person for i in plan.competence_record_ids for r in by_id.get(i, ())}
    missing = [m for m in members if m not in in_plan]
    return not missing or unmet(
        f"the plan does not build on the competence record of JMT member {listed(missing)}"
    )


@cache
def covers(topic: str) -> Callable[[Any, Any], Checked]:
    """The check that the agreement covers *topic* (directly or through the joint RMP)."""
    key = AGREEMENT_SECTIONS[topic]

    def covered(agreement: Any, joint_rmp: Any) -> Checked:
        if agreement is None:
            return unmet("no agreement is recorded")
        if topic in agreement.covers:
            return True
        sections = joint_rmp.sections if joint_rmp else ()
        if agreement.jrmp_annexed and any(s.key == key and s.content.strip() for s in sections):
            return True
        annexed = (
            f"nor does the annexed joint RMP fill section {key}"
            if agreement.jrmp_annexed
            else "and no joint RMP is annexed"
        )
        return unmet(
            f"the agreement does not cover {topic} ({listed(agreement.covers)}), {annexed}"
        )

    covered.__name__ = covered.__qualname__ = f"covers_{topic}"
    covered.__doc__ = (
        f"The agreement covers {topic}, directly or through the annexed joint RMP (section {key})."
    )
    return covered
