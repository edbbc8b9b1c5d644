"""Stage 8, exit strategy activation (clause 8.9).

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
from collabrel._iso44001._builder import (
    ARR,
    EXE,
    INF,
    JNT,
    REL,
    SEC,
    TOC,
    Checked,
    D,
    J,
    P,
    R,
    iso,
    listed,
    participants_cover,
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
    present,
    unmet,
)

__all__ = ["RULES"]


def version_in_force(strategy: Any, on: Any) -> int:
    """The version of the exit strategy in force on a date, from its version history."""
    if not strategy.versions:
        return int(strategy.version)
    return max((v.version for v in strategy.versions if v.changed_on <= on), default=1)


def trigger_agreed(activation: Any, exit_strategy: Any) -> Checked:
    """The trigger that fired is an agreed one (or justified) and the version in force is named."""
    if activation is None:
        return unmet("no exit activation is recorded")
    if exit_strategy is None:
        return None
    kinds = [t.kind for t in exit_strategy.triggers]
    problems = []
    if activation.trigger not in kinds and not activation.justification:
        problems.append(
            f"trigger {activation.trigger!r} is not one the strategy names ({listed(kinds)}) "
            "and no justification is recorded"
        )
    in_force = version_in_force(exit_strategy, activation.activated_on)
    if activation.strategy_version != in_force:
        named = activation.strategy_version
        problems.append(
            f"the activation names version {named if named is not None else 'none'}, but "
            f"version {in_force} was in force on {activation.activated_on.isoformat()}"
        )
    return not problems or unmet("; ".join(problems))


def no_change_note(corporate_rmp: Any, rel_id: Any) -> Checked:
    """The corporate RMP records that the exit of this relationship needed no change."""
    if corporate_rmp is None:
        return None
    if any(rel_id in note for note in corporate_rmp.no_change_notes):
        return True
    return unmet(f"no no-change note names {rel_id}")


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 8 rule: a joint requirement unless it says otherwise."""
    return iso(part, stage=Stage.EXIT_STRATEGY_ACTIVATION, **{"level": JNT, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "activation",
            clause="8.9.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The exit was activated on an agreed trigger under the strategy version in force",
            remedy="Record the activation with the trigger that fired (or a justification) and "
            "the strategy version.",
            condition=check(trigger_agreed, "disengagement.activation", "exit_strategy"),
        ),
        _rule(
            "joint",
            clause="8.9.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="The strategy activated is the joint one every party signed",
            remedy="Activate the joint exit strategy that every party signed.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"), agreed_by_all_parties("exit_strategy")
            ),
        ),
        _rule(
            "plan",
            clause="8.9.2",
            mode=ARR,
            basis=(TOC, INF),
            flags={D},
            title="A disengagement plan gives every action an owning party and a date",
            remedy="Write the disengagement plan with an owning party and a date per action.",
            condition=all_of(
                present("disengagement.plan"),
                non_empty("disengagement.plan.actions"),
                for_each(
                    "disengagement.plan.actions",
                    all_of(present("owner_party"), present("due_on")),
                ),
            ),
        ),
        _rule(
            "agreed",
            clause="8.9.2",
            mode=ARR,
            basis=(TOC, INF),
            flags={J},
            title="Every party signed the disengagement plan soon after activation",
            remedy="Have every party sign the disengagement plan within the allowed days of "
            "activation.",
            condition=all_of(
                agreed_by_all_parties("disengagement.plan"),
                for_each(
                    "disengagement.plan.agreed_by",
                    before(
                        "signed_on",
                        "relationship.disengagement.activation.activated_on",
                        slack="disengage_plan_days",
                    ),
                ),
            ),
        ),
        _rule(
            "plan",
            clause="8.9.3",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="A continuity plan lists the services and other items to keep running",
            remedy="List the services, customers, data, assets and people to transfer or keep "
            "running.",
            condition=all_of(
                present("disengagement.continuity"),
                count_at_least("disengagement.continuity.items", 1, equals("kind", "service")),
            ),
        ),
        _rule(
            "joint",
            clause="8.9.3",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="The continuity arrangements are those of the exit strategy every party signed",
            remedy="Agree the continuity arrangements in the joint exit strategy.",
            condition=all_of(
                non_empty("exit_strategy.continuity_plan"), agreed_by_all_parties("exit_strategy")
            ),
        ),
        _rule(
            "completed",
            clause="8.9.3",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every continuity item was completed before closure",
            remedy="Record the completion of each continuity item.",
            condition=all_of(
                present("disengagement.continuity"),
                for_each(
                    "disengagement.continuity.items",
                    all_of(
                        present("completed_on"),
                        implies(
                            present("relationship.disengagement.closed_on"),
                            before("completed_on", "relationship.disengagement.closed_on"),
                        ),
                    ),
                ),
            ),
        ),
        _rule(
            "evaluated",
            clause="8.9.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The relationship was evaluated: objectives, value, exit and lessons",
            remedy="Evaluate the relationship and record the results and at least one lesson.",
            condition=all_of(
                present("disengagement.evaluation"),
                non_empty("disengagement.evaluation.objectives_result"),
                non_empty("disengagement.evaluation.value_realised"),
                non_empty("disengagement.evaluation.exit_adequacy"),
                non_empty("disengagement.evaluation.lessons"),
            ),
        ),
        _rule(
            "participants",
            clause="8.9.4",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Every party took part in the evaluation, or a refusal is recorded",
            remedy="Evaluate with every party, or record a party's refusal.",
            condition=all_of(
                present("disengagement.evaluation"),
                any_of(
                    check(participants_cover, "disengagement.evaluation.participants", "party_ids"),
                    non_empty("disengagement.evaluation.refusal_note"),
                ),
            ),
        ),
        _rule(
            "recorded",
            clause="8.9.5",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="Future opportunities (or none) are recorded with a follow-up owner",
            remedy="Record whether the parties could work together again and who follows up.",
            condition=all_of(
                present("disengagement.future"),
                any_of(
                    all_of(
                        non_empty("disengagement.future.description"),
                        present("disengagement.future.follow_up_owner"),
                    ),
                    equals("disengagement.future.none_foreseen", True),
                ),
            ),
        ),
        _rule(
            "closed",
            clause="8.9.6",
            level=REL,
            mode=EXE,
            basis=(TOC, INF),
            flags={D},
            title="The relationship RMP and joint RMP were closed",
            remedy="Close the RMP and the joint RMP.",
            condition=all_of(
                equals("rmp.status", "closed"),
                implies(present("joint_rmp"), equals("joint_rmp.status", "closed")),
            ),
        ),
        _rule(
            "corporate",
            clause="8.9.6",
            level=REL,
            mode=EXE,
            basis=(TOC, INF),
            flags={P},
            title="The corporate RMP took in the relationship evaluation",
            remedy="Update the corporate RMP after the relationship evaluation, or record a "
            "no-change note naming the relationship.",
            condition=implies(
                present("disengagement.evaluation"),
                any_of(
                    before(
                        "disengagement.evaluation.evaluated_on",
                        "organization.corporate_rmp.updated_on",
                    ),
                    check(no_change_note, "organization.corporate_rmp", "id"),
                ),
            ),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
