"""Stage 3, internal assessment (clause 8.4).

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
    gates,
    iso,
    listed,
    recent,
    stage_update,
    updated_after,
)
from collabrel._iso44001._indexes import ByIdentity, by_person, first_by
from collabrel.rules import (
    Outcome,
    RuleContext,
    RuleSpec,
    all_of,
    check,
    count_at_least,
    equals,
    for_each,
    non_empty,
    one_of,
    present,
    unmet,
)

__all__ = ["RULES"]

_CAPABILITY_AREAS = ("process", "policy", "systems", "culture", "resources")


_WEIGHT_TOLERANCE = 1e-6


def areas_covered(areas: Any) -> Checked:
    """The assessment covers process, policy, systems, culture and resources."""
    missing = [a for a in _CAPABILITY_AREAS if a not in (areas or ())]
    return not missing or unmet(f"the assessment does not cover {listed(missing)}")


def weights_sum_to_one(criteria: Any) -> Checked:
    """The weights of the criteria add up to 1."""
    if not criteria:
        return None
    total: float = sum(c.weight for c in criteria)
    if abs(total - 1.0) <= _WEIGHT_TOLERANCE:
        return True
    weights = ", ".join(f"{c.name} {c.weight:g}" for c in criteria)
    return unmet(f"the weights add up to {total:g}, not 1 ({weights})")


def before_evaluations(approved_on: Any, evaluations: Any) -> Checked:
    """The criteria were approved before the first partner evaluation."""
    if approved_on is None:
        return unmet("no approval date is recorded")
    earlier = sorted(
        (e.evaluated_on, e.candidate_id) for e in evaluations or ()
        if e.evaluated_on is not None and e.evaluated_on < approved_on
    )  # fmt: skip
    if not earlier:
        return True
    day, candidate = earlier[0]
    return unmet(
        f"approved {approved_on.isoformat()}, after {candidate} was evaluated on {day.isoformat()}"
    )


def _shortfalls(record: Any, profile: Any) -> list[str]:
    have = {s.name: s.level for s in (*record.competencies, *record.behaviours)}
    return [
        s.name for s in (*profile.competencies, *profile.behaviours)
        if have.get(s.name, 0) < s.level
    ]  # fmt: skip


def _latest_records(records: Any) -> dict[str, Any]:
    """Each person's latest competence record (the first of those assessed the same day)."""
    return {
        person: max(own, key=lambda r: r.assessed_on or date.min)
        for person, own in by_person(records).items()
    }


_latest_record_of = ByIdentity(_latest_records)
"""The organization's latest competence record by person (read for every relationship)."""
_profile_by_role = first_by("role")
"""The organization's competence profiles by role (the first of each role)."""


_LEAD_COMPETENT = Outcome.passed("the relationship lead meets the profile or is being developed")
"""The outcome of a competent relationship lead (its message never varies; made once)."""


def _lead_competent(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    leads = sorted({t.person for t in rel.team if t.role == "relationship_lead"})
    if not leads:
        return Outcome.fail("team names no relationship lead")
    org = ctx.organization
    profile = _profile_by_role(org.competence_profiles).get("relationship_lead")
    if profile is None:
        return Outcome.unknown("organization.competence_profiles has no relationship_lead profile")
    latest = _latest_record_of(org.competence_records)
    bad = []
    for person in leads:
        record = latest.get(person)
        if record is None:
            bad.append(f"{person} has no record in organization.competence_records")
            continue
        short = _shortfalls(record, profile)
        if short and not any(a.done_on is None for a in record.development_actions):
            bad.append(
                f"{person} is below the profile on {', '.join(short)} with no open development "
                f"action in organization.competence_records ({record.id})"
            )
    if bad:
        return Outcome.fail("; ".join(bad))
    return _LEAD_COMPETENT


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 3 rule: a relationship requirement unless it says otherwise."""
    return iso(part, stage=Stage.INTERNAL_ASSESSMENT, **{"level": REL, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.4.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R, A},
            title="Stage 3 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=gates(3),
        ),
        _rule(
            "areas",
            clause="8.4.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The capability assessment covers process, policy, systems, culture and "
            "resources",
            remedy="Assess the missing areas and record the date.",
            condition=all_of(
                present("assessment.capability"),
                check(areas_covered, "assessment.capability.areas"),
                present("assessment.capability.assessed_on"),
            ),
        ),
        _rule(
            "changes",
            clause="8.4.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every change the capability assessment requires has an owner and a date",
            remedy="Give each required change an owner and a due date.",
            condition=all_of(
                present("assessment.capability"),
                for_each(
                    "assessment.capability.changes", all_of(present("owner"), present("due_on"))
                ),
            ),
        ),
        _rule(
            "swot",
            clause="8.4.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Strengths and weaknesses for collaborating were analysed, with an owner for "
            "each weakness",
            remedy="Record the SWOT and an owned action (or risk acceptance) for each weakness.",
            condition=all_of(
                present("assessment.swot"),
                non_empty("assessment.swot.strengths"),
                present("assessment.swot.assessed_on"),
                for_each("assessment.swot.weaknesses", present("owner")),
            ),
        ),
        _rule(
            "profile",
            clause="8.4.4",
            mode=EXE,
            basis=(TOC, SEC, INF),
            flags={R},
            title="The organization's collaborative profile has maturity scores and owned "
            "actions on blockers",
            remedy="Assess the collaborative profile (maturity scores, method) and give each "
            "blocker an owner and a date.",
            condition=all_of(
                present("organization.collaborative_profile"),
                present("organization.collaborative_profile.method"),
                count_at_least("organization.collaborative_profile.maturity_scores", 1),
                for_each(
                    "organization.collaborative_profile.blockers",
                    all_of(present("owner"), present("due_on")),
                ),
            ),
        ),
        _rule(
            "current",
            clause="8.4.4",
            mode=EXE,
            basis=(TOC, SEC, INF),
            flags={P},
            title="The collaborative profile is reassessed within the interval",
            remedy="Reassess the organization's collaborative profile.",
            condition=recent(
                "organization.collaborative_profile.assessed_on", "review.collaborative_profile"
            ),
        ),
        _rule(
            "appointed",
            clause="8.4.5",
            mode=ARR,
            basis=(TOC, SEC, INF),
            flags={D},
            title="The relationship SER appointed a relationship lead with stated authority",
            remedy="Assign the relationship_lead role, by the SER, with its authorities.",
            condition=count_at_least(
                "team",
                1,
                all_of(
                    equals("role", "relationship_lead"),
                    check(active_ser, "assigned_by", "relationship.sers"),
                    non_empty("authorities"),
                ),
            ),
        ),
        _rule(
            "competent",
            clause="8.4.5",
            mode=EXE,
            basis=(TOC, SEC, INF),
            flags={R},
            title="The relationship lead meets the competence profile or is being developed",
            remedy="Assess the relationship lead and plan development for every shortfall.",
            predicate=_lead_competent,
            reads=(
                "team",
                "organization.competence_records",
                "organization.competence_profiles",
            ),
        ),
        _rule(
            "criteria",
            clause="8.4.6",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="Weighted partner selection criteria include collaborative capability and "
            "cultural fit",
            remedy="Add a collaborative and a cultural (or behavioural) criterion and make the "
            "weights add up to 1.",
            condition=all_of(
                present("assessment.selection_criteria"),
                count_at_least(
                    "assessment.selection_criteria.criteria", 1, equals("kind", "collaborative")
                ),
                count_at_least(
                    "assessment.selection_criteria.criteria",
                    1,
                    one_of("kind", ["cultural", "behavioural"]),
                ),
                check(weights_sum_to_one, "assessment.selection_criteria.criteria"),
            ),
        ),
        _rule(
            "approved-first",
            clause="8.4.6",
            mode=ARR,
            basis=(TOC, SEC),
            flags={A},
            title="The SER approved the selection criteria before any candidate was evaluated",
            remedy="Have the SER approve the criteria before evaluating candidates.",
            condition=all_of(
                check(active_ser, "assessment.selection_criteria.approved_by", "sers"),
                check(
                    before_evaluations,
                    "assessment.selection_criteria.approved_on",
                    "selection.evaluations",
                ),
            ),
        ),
        _rule(
            "implemented",
            clause="8.4.7",
            mode=ARR,
            basis=(TOC, INF),
            flags={D},
            title="The RMP is in operational use",
            remedy="Implement the RMP (status implemented).",
            condition=one_of("rmp.status", ["implemented", "closed"]),
        ),
        _rule(
            "updated",
            clause="8.4.7",
            mode=ARR,
            basis=(TOC, INF),
            flags={P},
            title="The RMP was updated with the stage 3 outputs",
            remedy="Update the RMP after the stage 3 outputs and log the stage 3 update.",
            condition=all_of(
                present("rmp"),
                check(
                    updated_after,
                    "rmp.updated_on",
                    "assessment.capability.assessed_on",
                    "assessment.swot.assessed_on",
                    "assessment.selection_criteria.approved_on",
                ),
                check(stage_update(3), "rmp.stage_updates", "stage_history"),
            ),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
