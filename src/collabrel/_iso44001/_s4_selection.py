"""Stage 4, partner selection (clause 8.5).

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
from collabrel._iso44001._annex_b import ANNEX_B_INTERNAL_ONLY
from collabrel._iso44001._builder import (
    ARR,
    EXE,
    INF,
    JNT,
    MIN_CANDIDATES,
    REL,
    SEC,
    TOC,
    A,
    Checked,
    D,
    J,
    R,
    active_ser,
    authority,
    gates,
    iso,
    listed,
    member,
    signed_by_every_party,
)
from collabrel.rules import (
    RuleSpec,
    agreed_by_all_parties,
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
    unmet,
)

__all__ = ["RULES"]


def before_engagements(approved_on: Any, engagements: Any) -> Checked:
    """The strategy was approved before the first engagement with a candidate."""
    if approved_on is None:
        return unmet("no approval date is recorded")
    earlier = sorted(
        (e.held_on, e.candidate_id) for e in engagements or () if e.held_on < approved_on
    )
    if not earlier:
        return True
    day, candidate = earlier[0]
    return unmet(
        f"approved {approved_on.isoformat()}, after the engagement with {candidate} on "
        f"{day.isoformat()}"
    )


def candidates_evaluated(candidates: Any, evaluations: Any) -> Checked:
    """Every nominated candidate has an evaluation."""
    if candidates is None or evaluations is None:
        return None
    if not candidates:
        return unmet("no candidate is nominated")
    done = {e.candidate_id for e in evaluations}
    missing = [c.id for c in candidates if c.id not in done]
    return not missing or unmet(f"no evaluation of {listed(missing)}")


def collaborative_scored(evaluations: Any, criteria: Any) -> Checked:
    """Every evaluation scores a collaborative-capability criterion, with evidence."""
    if evaluations is None or criteria is None:
        return None
    names = {c.name for c in criteria.criteria if c.kind == "collaborative"}
    if not names:
        return unmet(f"the criteria {criteria.id} have no criterion of kind collaborative")
    if not evaluations:
        return unmet("no evaluation is recorded")
    missing = [
        e.candidate_id for e in evaluations
        if not any(s.criterion in names and s.evidence for s in e.scores)
    ]  # fmt: skip
    return not missing or unmet(
        f"the evaluation of {listed(missing)} has no evidenced score on {listed(sorted(names))}"
    )


def shortlisted_engaged(candidates: Any, engagements: Any) -> Checked:
    """Every shortlisted candidate had at least one engagement."""
    if candidates is None or engagements is None:
        return None
    met = {e.candidate_id for e in engagements}
    shortlisted = [c.id for c in candidates if c.shortlisted]
    if not shortlisted:
        return unmet("no candidate is shortlisted")
    missing = [c for c in shortlisted if c not in met]
    return not missing or unmet(f"no engagement with {listed(missing)}")


def selected_assessed(assessments: Any, decision: Any) -> Checked:
    """Each selected partner has a compatible assessment with draft joint objectives."""
    if assessments is None:
        return None
    ok = {
        a.candidate_id for a in assessments
        if a.compatibility.value != "incompatible" and a.draft_joint_objectives
    }  # fmt: skip
    if decision is None:
        return bool(ok) or unmet("no compatible assessment with draft joint objectives")
    if not decision.selected:
        return unmet("the selection decision selects nobody")
    missing = [c for c in decision.selected if c not in ok]
    return not missing or unmet(
        f"no compatible assessment with draft joint objectives for {listed(missing)}"
    )


def selected_evaluated(selected: Any, evaluations: Any) -> Checked:
    """Every selected partner is one of the evaluated candidates."""
    if selected is None or evaluations is None:
        return None
    if not selected:
        return unmet("nobody is selected")
    evaluated = {e.candidate_id for e in evaluations}
    missing = [c for c in selected if c not in evaluated]
    return not missing or unmet(f"{listed(missing)} selected without an evaluation")


def contains(collection: Any, value: Any) -> Checked:
    """The references name the artefact."""
    if collection is None:
        return None
    if value is None:
        return unmet("the artefact to reference is not recorded")
    return value in collection or unmet(f"{value!r} is not referenced ({listed(collection)})")


def references_selected(references: Any, selected: Any) -> Checked:
    """A reference names the joint-objective assessment of every selected partner."""
    if references is None or selected is None:
        return None
    missing = [c for c in selected if not any(c in r for r in references)]
    return not missing or unmet(f"no reference to the assessment of {listed(missing)}")


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 4 rule: a relationship requirement unless it says otherwise."""
    return iso(part, stage=Stage.PARTNER_SELECTION, **{"level": REL, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.5.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R, A},
            title="Stage 4 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=gates(4),
        ),
        _rule(
            "nominated",
            clause="8.5.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Potential partners are nominated with reasons (or a single source is justified)",
            remedy="Record each candidate's rationale and nominator; justify a single candidate.",
            condition=all_of(
                count_at_least("selection.candidates", 1),
                for_each(
                    "selection.candidates",
                    all_of(non_empty("rationale"), present("nominated_by")),
                ),
                any_of(
                    count_at_least("selection.candidates", MIN_CANDIDATES),
                    non_empty("selection.single_source_justification"),
                ),
            ),
        ),
        _rule(
            "coverage",
            clause="8.5.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every nominated candidate was evaluated",
            remedy="Evaluate the candidates not yet evaluated.",
            condition=check(candidates_evaluated, "selection.candidates", "selection.evaluations"),
        ),
        _rule(
            "method",
            clause="8.5.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Evaluations use the current criteria and name the evaluators",
            remedy="Re-evaluate against the current criteria version and record the evaluators "
            "and date.",
            condition=for_each(
                "selection.evaluations",
                all_of(
                    equals(
                        "criteria_version",
                        ref("relationship.assessment.selection_criteria.version"),
                    ),
                    non_empty("evaluators"),
                    present("evaluated_on"),
                ),
            ),
        ),
        _rule(
            "collaborative",
            clause="8.5.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Each candidate's collaborative capability was scored with evidence",
            remedy="Score the collaborative-capability criterion for each candidate and record "
            "the evidence.",
            condition=check(
                collaborative_scored, "selection.evaluations", "assessment.selection_criteria"
            ),
        ),
        _rule(
            "strategy",
            clause="8.5.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="An engagement and negotiation strategy states collaborative principles, "
            "limits and the team",
            remedy="Write the negotiation strategy: principles, negotiables, red lines and the "
            "team.",
            condition=all_of(
                present("selection.negotiation_strategy"),
                non_empty("selection.negotiation_strategy.principles"),
                non_empty("selection.negotiation_strategy.red_lines"),
                non_empty("selection.negotiation_strategy.team"),
            ),
        ),
        _rule(
            "approved-first",
            clause="8.5.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={A},
            title="The SER approved the negotiation strategy before the first engagement",
            remedy="Have the SER approve the strategy before engaging candidates.",
            condition=all_of(
                check(active_ser, "selection.negotiation_strategy.approved_by", "sers"),
                check(
                    before_engagements,
                    "selection.negotiation_strategy.approved_on",
                    "selection.engagements",
                ),
            ),
        ),
        _rule(
            "engaged",
            clause="8.5.5",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Every shortlisted candidate was engaged, with participants and outcomes "
            "recorded",
            remedy="Hold and record an engagement with each shortlisted candidate.",
            condition=all_of(
                check(shortlisted_engaged, "selection.candidates", "selection.engagements"),
                for_each(
                    "selection.engagements",
                    all_of(non_empty("participants"), non_empty("outcomes")),
                ),
            ),
        ),
        _rule(
            "assessed",
            clause="8.5.6",
            level=JNT,
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Joint objectives were drafted with each selected partner and found compatible",
            remedy="Assess the compatibility of objectives with each selected partner and draft "
            "joint objectives.",
            condition=check(
                selected_assessed, "selection.joint_objective_assessments", "selection.decision"
            ),
        ),
        _rule(
            "joint",
            clause="8.5.6",
            level=JNT,
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="The joint objectives were drafted with a party to the relationship",
            remedy="Draft the joint objectives with the partner that became a party.",
            condition=count_at_least(
                "selection.joint_objective_assessments",
                1,
                check(member, "candidate_id", "relationship.party_ids"),
            ),
        ),
        _rule(
            "drafted",
            clause="8.5.7",
            level=JNT,
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="A joint exit strategy, compatible with the internal one, was drafted before "
            "the selection decision",
            remedy="Draft the exit strategy with the partner before selecting, and check it "
            "against the internal exit considerations.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"),
                equals("exit_strategy.compatible_with_internal", True),
                present("exit_strategy.created_on"),
                implies(
                    present("selection.decision.decided_on"),
                    before("exit_strategy.created_on", "selection.decision.decided_on"),
                ),
            ),
        ),
        _rule(
            "agreed",
            clause="8.5.7",
            level=JNT,
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint exit strategy",
            remedy="Have every party sign the current version of the joint exit strategy.",
            condition=agreed_by_all_parties("exit_strategy"),
        ),
        _rule(
            "decided",
            clause="8.5.8",
            mode=EXE,
            basis=(TOC,),
            flags={R},
            title="The preferred partners were chosen from the evaluated candidates, with "
            "reasons for every rejection",
            remedy="Record the selection among evaluated candidates and a reason for each "
            "rejection.",
            condition=all_of(
                present("selection.decision"),
                check(selected_evaluated, "selection.decision.selected", "selection.evaluations"),
                for_each("selection.decision.rejected", non_empty("reason")),
                present("selection.decision.decided_on"),
            ),
        ),
        _rule(
            "references",
            clause="8.5.8",
            mode=EXE,
            basis=(TOC,),
            flags={R},
            title="The selection decision relied on the joint objective and exit assessments",
            remedy="Reference the exit strategy and each selected partner's joint-objective "
            "assessment in the decision.",
            condition=all_of(
                present("selection.decision"),
                check(contains, "selection.decision.references", "exit_strategy.id"),
                check(
                    references_selected,
                    "selection.decision.references",
                    "selection.decision.selected",
                ),
            ),
        ),
        _rule(
            "authority",
            clause="8.5.8",
            mode=EXE,
            basis=(TOC,),
            flags={A},
            title="The selection decision was taken by someone with authority",
            remedy="Have the SER or top management take the selection decision.",
            condition=check(
                authority,
                "selection.decision.decided_by",
                "sers",
                "organization.sers",
                "organization.top_management",
            ),
        ),
        _rule(
            "initiated",
            clause="8.5.9",
            level=JNT,
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="A joint RMP was started with the partners, free of internal-only content",
            remedy="Initiate the joint RMP and remove internal-only sections (such as "
            f"{', '.join(ANNEX_B_INTERNAL_ONLY)}).",
            condition=all_of(
                present("joint_rmp"),
                one_of("joint_rmp.status", ["initiated", "implemented", "closed"]),
                count_at_least("parties", MIN_CANDIDATES),
                for_each(
                    "joint_rmp.sections",
                    all_of(
                        equals("internal_only", False),
                        not_(one_of("key", list(ANNEX_B_INTERNAL_ONLY))),
                    ),
                ),
            ),
        ),
        _rule(
            "signed",
            clause="8.5.9",
            level=JNT,
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the joint RMP when it was started",
            remedy="Have every party sign the joint RMP.",
            condition=check(signed_by_every_party, "joint_rmp.agreed_by", "party_ids"),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
