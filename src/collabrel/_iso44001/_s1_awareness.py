"""Stage 1, operational awareness (clause 8.2).

Titles and remedies are our own words; catalog §1.5-1.12 gives the predicates, §1.15 the gates,
§3 the RMP sections and §6.1 the exit strategy elements. Each rule carries the subset of its
catalog row's flags that it checks and the row's basis tags. A stage-N rule applies in stages N
to 8 (the stage 8 rules from exit activation on); while a relationship is in stage N, the
stage-N rules are its lifecycle gate. Joint (J) requirements are signed off by every party for
the current version of the artefact.
"""

from __future__ import annotations

from typing import Any

from collabrel import ObjectiveLevel, Stage
from collabrel._iso44001._annex_b import ANNEX_B_STAGE1
from collabrel._iso44001._builder import (
    ARR,
    EXE,
    INF,
    LAST_STAGE,
    MIN_CANDIDATES,
    REL,
    SEC,
    TOC,
    A,
    Checked,
    D,
    P,
    R,
    active_ser,
    drivers_known,
    gates,
    iso,
    listed,
    phrased,
    recent,
    sections,
    stage_update,
)
from collabrel.rules import (
    RuleSpec,
    all_of,
    before,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    present,
    ref,
    unmet,
)

__all__ = ["RULES"]

_REL_SER_ACCOUNTABILITIES = (
    "lead_implementation", "governance_owner", "rmp_owner", "resource_approval",
    "performance_oversight",
)  # fmt: skip


_STAGE1_APPROVALS = (
    "relationship.awareness.governance.approved_on",
    "relationship.awareness.value_analysis.reviewed_on",
    "relationship.awareness.competence_needs.assessed_on",
    "relationship.risk_register.created_on",
)
"""The dates of the stage 1 outputs the SER's appointment must not follow (those recorded)."""


@phrased("the mandate names every relationship SER duty")
def rel_ser_accountabilities(accountabilities: Any) -> Checked:
    """The mandate names every duty of a relationship SER (8.2.2)."""
    missing = [a for a in _REL_SER_ACCOUNTABILITIES if a not in (accountabilities or ())]
    return not missing or unmet(f"the mandate lacks {listed(missing)}")


@phrased("{0} is a corporate objective")
def corporate_parent(parent_id: Any, objectives: Any) -> Checked:
    """The objective derives from a corporate objective of the organization."""
    if objectives is None:
        return None
    corporate = [o.id for o in objectives if o.level is ObjectiveLevel.CORPORATE]
    if parent_id in corporate:
        return True
    return unmet(f"parent {parent_id!r} is not a corporate objective ({listed(corporate)})")


def collaborative_candidate(entries: Any, rel_id: Any) -> Checked:
    """The portfolio segmentation marks the relationship as a collaborative candidate."""
    if entries is None:
        return None
    for e in entries:
        if e.relationship_id == rel_id:
            return e.collaborative_candidate or unmet(
                f"the segmentation entry for {rel_id} does not mark it a collaborative candidate"
                f" (segment {e.segment!r})"
            )
    return unmet(f"the segmentation has no entry for {rel_id}")


def profiles_exist(profile_ids: Any, profiles: Any) -> Checked:
    """Every competence profile named exists in the organization's profiles."""
    if profile_ids is None or profiles is None:
        return None
    if not profile_ids:
        return unmet("no competence profile is named")
    known = [p.id for p in profiles]
    unknown = [p for p in profile_ids if p not in known]
    return not unknown or unmet(f"{listed(unknown)} not among the profiles ({listed(known)})")


def before_first_gate(created_on: Any, history: Any) -> Checked:
    """The register was opened before the relationship left stage 1."""
    if history is None:
        return None
    if created_on is None:
        return unmet("the register records no creation date")
    gates = [r.entered_on for r in history if 2 <= int(r.stage) <= LAST_STAGE]  # noqa: PLR2004
    if not gates or created_on <= min(gates):
        return True
    return unmet(
        f"opened {created_on.isoformat()}, after the stage 1 gate of {min(gates).isoformat()}"
    )


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 1 rule: a relationship requirement unless it says otherwise."""
    return iso(part, stage=Stage.OPERATIONAL_AWARENESS, **{"level": REL, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.2.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R, A},
            title="Stage 1 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=gates(1),
        ),
        _rule(
            "mandate",
            clause="8.2.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The organization's SER for the relationship has a written mandate with the "
            "relationship duties",
            remedy="Record the SER's mandate document and the duties lead_implementation, "
            "governance_owner, rmp_owner, resource_approval and performance_oversight.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("party", ref("organization.id")),
                    equals("active", True),
                    present("mandate_ref"),
                    check(rel_ser_accountabilities, "accountabilities"),
                ),
            ),
        ),
        _rule(
            "appointed-first",
            clause="8.2.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={A},
            title="The SER was appointed before the other stage 1 outputs were approved",
            remedy="Appoint the SER first, then approve the governance, value analysis, "
            "competence needs and risk register; correct the recorded dates if they are wrong.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("party", ref("organization.id")),
                    equals("active", True),
                    *(
                        implies(present(output), before("appointed_on", output))
                        for output in _STAGE1_APPROVALS
                    ),
                ),
            ),
        ),
        _rule(
            "structure",
            clause="8.2.3",
            mode=ARR,
            basis=(TOC, INF),
            flags={D},
            title="An operational governance structure applies the corporate one, with every "
            "deviation justified",
            remedy="Document the relationship's governance as derived from the corporate "
            "structure and justify each deviation.",
            condition=all_of(
                present("awareness.governance"),
                equals("awareness.governance.kind", "operational"),
                present("awareness.governance.document_id"),
                equals("awareness.governance.derived_from", ref("organization.governance.id")),
                non_empty("awareness.governance.bodies"),
                for_each("awareness.governance.deviations", non_empty("justification")),
            ),
        ),
        _rule(
            "validated",
            clause="8.2.3",
            mode=ARR,
            basis=(TOC, INF),
            flags={A},
            title="The relationship SER validated the operational governance structure",
            remedy="Have the relationship SER validate the governance structure and record it.",
            condition=check(active_ser, "awareness.governance.validated_by", "sers"),
        ),
        _rule(
            "objectives",
            clause="8.2.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The relationship has objectives derived from corporate objectives",
            remedy="Set a relationship objective and name the corporate objective it serves.",
            condition=count_at_least(
                "objectives",
                1,
                all_of(
                    equals("level", "relationship"),
                    check(corporate_parent, "parent_id", "organization.objectives"),
                ),
            ),
        ),
        _rule(
            "value",
            clause="8.2.4",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The expected value is estimated, measurable and linked to the value statement",
            remedy="Record an expected benefit with an estimate, a measure and the value driver "
            "it realizes.",
            condition=count_at_least(
                "awareness.expected_benefits",
                1,
                all_of(
                    present("estimate"),
                    non_empty("measure"),
                    check(drivers_known, "value_driver_id", "organization.value_statement"),
                ),
            ),
        ),
        _rule(
            "method",
            clause="8.2.5",
            mode=ARR,
            basis=(TOC, SEC, INF),
            flags={D},
            title="The value analysis uses the organization's current documented method",
            remedy="Document the value analysis method and redo the analysis with its current "
            "version.",
            condition=all_of(
                present("organization.value_analysis_method.document_id"),
                present("awareness.value_analysis"),
                equals(
                    "awareness.value_analysis.method_version",
                    ref("organization.value_analysis_method.version"),
                ),
            ),
        ),
        _rule(
            "analysis",
            clause="8.2.5",
            mode=EXE,
            basis=(TOC, SEC, INF),
            flags={R},
            title="Collaborating was compared with alternatives and the SER reviewed the result",
            remedy="Compare at least two alternatives (benefits, costs, risks), record the "
            "result and have the SER review it.",
            condition=all_of(
                present("awareness.value_analysis"),
                count_at_least("awareness.value_analysis.alternatives", MIN_CANDIDATES),
                non_empty("awareness.value_analysis.benefits"),
                non_empty("awareness.value_analysis.costs"),
                non_empty("awareness.value_analysis.risks"),
                non_empty("awareness.value_analysis.result"),
                check(active_ser, "awareness.value_analysis.reviewed_by", "sers"),
                present("awareness.value_analysis.reviewed_on"),
            ),
        ),
        _rule(
            "prioritised",
            clause="8.2.6",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The relationship is prioritised on the current segmentation criteria",
            remedy="Record its segment, priority and rationale against the current criteria "
            "version.",
            condition=all_of(
                present("awareness.prioritisation"),
                present("awareness.prioritisation.segment"),
                present("awareness.prioritisation.priority"),
                non_empty("awareness.prioritisation.rationale"),
                equals(
                    "awareness.prioritisation.criteria_version",
                    ref("organization.segmentation.criteria_version"),
                ),
            ),
        ),
        _rule(
            "collaborative",
            clause="8.2.6",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The segmentation confirms the relationship should be collaborative",
            remedy="Mark the relationship as a collaborative candidate in the segmentation, or "
            "take it out of the lifecycle.",
            condition=all_of(
                present("organization.segmentation"),
                check(collaborative_candidate, "organization.segmentation.entries", "id"),
            ),
        ),
        _rule(
            "assessed",
            clause="8.2.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="The competences the relationship needs were assessed against the profiles",
            remedy="Assess the competence needs against named competence profiles and record "
            "the date.",
            condition=all_of(
                present("awareness.competence_needs"),
                check(
                    profiles_exist,
                    "awareness.competence_needs.profile_ids",
                    "organization.competence_profiles",
                ),
                present("awareness.competence_needs.assessed_on"),
            ),
        ),
        _rule(
            "development",
            clause="8.2.7",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Every competence gap found has an owned, dated development action",
            remedy="Give each gap an owner and a due date.",
            condition=all_of(
                present("awareness.competence_needs"),
                for_each(
                    "awareness.competence_needs.gaps", all_of(present("owner"), present("due_on"))
                ),
            ),
        ),
        _rule(
            "register",
            clause="8.2.8",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The initial risks are registered with owner, rating and response",
            remedy="Open the relationship risk register and give every item an owner, a rating "
            "and a response.",
            condition=all_of(
                present("risk_register"),
                equals("risk_register.scope", "relationship"),
                count_at_least("risk_register.items", 1),
                for_each(
                    "risk_register.items",
                    all_of(present("owner"), present("rating"), non_empty("response")),
                ),
            ),
        ),
        _rule(
            "early",
            clause="8.2.8",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The relationship risk register was opened before the stage 1 gate",
            remedy="Open the risk register during stage 1; record its creation date.",
            condition=check(before_first_gate, "risk_register.created_on", "stage_history"),
        ),
        _rule(
            "plan",
            clause="8.2.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The relationship RMP derives from the corporate RMP and holds the stage 1 "
            "outputs",
            remedy="Write the RMP from the corporate RMP with sections "
            f"{', '.join(ANNEX_B_STAGE1)}.",
            condition=all_of(
                present("rmp"),
                equals("rmp.parent_id", ref("organization.corporate_rmp.id")),
                sections("rmp.sections", ANNEX_B_STAGE1),
            ),
        ),
        _rule(
            "recorded",
            clause="8.2.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="The RMP records its stage 1 update",
            remedy="Add the stage 1 update to the RMP's update log.",
            condition=all_of(
                present("rmp"), check(stage_update(1), "rmp.stage_updates", "stage_history")
            ),
        ),
        _rule(
            "approved",
            clause="8.2.9",
            mode=ARR,
            basis=(TOC, SEC),
            flags={A},
            title="The relationship SER approved the RMP",
            remedy="Have the relationship SER approve the current version of the RMP.",
            condition=all_of(
                check(active_ser, "rmp.approved_by", "sers"), present("rmp.approved_on")
            ),
        ),
        _rule(
            "current",
            clause="8.2.9",
            mode=EXE,
            basis=(TOC, SEC),
            flags={P},
            title="The RMP is reviewed within the interval",
            remedy="Review the relationship RMP and record the date.",
            condition=recent("rmp.last_reviewed_on", "review.rmp"),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
