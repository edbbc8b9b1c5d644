"""Stage 6, value creation (clause 8.7).

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
    SEC,
    TOC,
    Checked,
    D,
    J,
    P,
    R,
    gates,
    iso,
    listed,
    member,
    sections,
    signed_from_update,
    stage_update,
)
from collabrel.rules import (
    RuleSpec,
    agreed_by_all_parties,
    all_of,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    one_of,
    present,
    reviewed_within,
    unmet,
)

__all__ = ["RULES"]


def updated_after_targets(updated_on: Any, targets: Any) -> Checked:
    """The joint RMP was updated on or after the latest improvement target was set."""
    if updated_on is None:
        return unmet("the joint RMP records no update date")
    later = [f"{t.id} (set {t.set_on.isoformat()})" for t in targets or ()
             if t.set_on is not None and t.set_on > updated_on]  # fmt: skip
    return not later or unmet(
        f"updated {updated_on.isoformat()}, before the targets {listed(later)}"
    )


def _rule(part: str, **fields: Any) -> RuleSpec:
    """A stage 6 rule: a joint requirement unless it says otherwise."""
    return iso(part, stage=Stage.VALUE_CREATION, **{"level": JNT, **fields})


def _rules() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.7.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The value creation set-up was entered and left through gates approved by an SER",
            remedy="Record each stage change with an SER of the relationship as approver.",
            condition=gates(6),
        ),
        _rule(
            "joint",
            clause="8.7.1",
            mode=EXE,
            basis=(TOC, SEC),
            flags={J},
            title="Ideas are considered jointly under the value creation process every party "
            "agreed",
            remedy="Agree the value creation process with every party and evaluate the ideas "
            "raised under it (evaluated, implemented or rejected, with the reason).",
            condition=all_of(
                agreed_by_all_parties("value.process"),
                count_at_least(
                    "value.ideas", 1, one_of("status", ["evaluated", "implemented", "rejected"])
                ),
            ),
        ),
        _rule(
            "process",
            clause="8.7.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={D},
            title="A value creation process says how ideas are evaluated and value is shared",
            remedy="Document the idea evaluation criteria and the value sharing rules.",
            condition=all_of(
                present("value.process"),
                non_empty("value.process.evaluation_criteria"),
                non_empty("value.process.value_sharing_rules"),
            ),
        ),
        _rule(
            "agreed",
            clause="8.7.2",
            mode=ARR,
            basis=(TOC, SEC),
            flags={J},
            title="Every party signed the value creation process",
            remedy="Have every party sign the current version of the value creation process.",
            condition=agreed_by_all_parties("value.process"),
        ),
        _rule(
            "active",
            clause="8.7.2",
            mode=EXE,
            basis=(TOC, SEC),
            flags={R},
            title="The idea log is active within the period",
            remedy="Raise and log at least one idea in each value period.",
            condition=count_at_least(
                "value.ideas", 1, reviewed_within("raised_on", "value_period")
            ),
        ),
        _rule(
            "targets",
            clause="8.7.3",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="An active improvement target has a baseline, target, date and owning party",
            remedy="Set a measurable, dated and owned joint improvement target.",
            condition=count_at_least(
                "value.targets",
                1,
                all_of(
                    equals("status", "active"),
                    non_empty("baseline"),
                    non_empty("target"),
                    present("due_on"),
                    present("owner_party"),
                ),
            ),
        ),
        _rule(
            "joint",
            clause="8.7.3",
            mode=EXE,
            basis=(TOC, INF),
            flags={J},
            title="Every active improvement target is owned by a party to the relationship",
            remedy="Give each active target an owning party from the relationship.",
            condition=for_each(
                "value.targets",
                implies(
                    equals("status", "active"),
                    check(member, "owner_party", "relationship.party_ids"),
                ),
            ),
        ),
        _rule(
            "log",
            clause="8.7.4",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="Lessons learned are logged with their source",
            remedy="Record the lessons learned and where they came from.",
            condition=all_of(
                count_at_least("value.lessons", 1),
                for_each("value.lessons", non_empty("source")),
            ),
        ),
        _rule(
            "applied",
            clause="8.7.4",
            mode=EXE,
            basis=(TOC, INF),
            flags={R},
            title="A lesson was applied within the period",
            remedy="Apply a lesson learned and record when.",
            condition=count_at_least(
                "value.lessons", 1, reviewed_within("applied_on", "value_period")
            ),
        ),
        _rule(
            "updated",
            clause="8.7.5",
            mode=ARR,
            basis=(TOC,),
            flags={D},
            title="The joint RMP records the value creation process, targets and learning",
            remedy="Log the stage 6 update of the joint RMP and fill its value creation (B4) "
            "and improvement (B20) sections.",
            condition=all_of(
                present("joint_rmp"),
                check(stage_update(6), "joint_rmp.stage_updates", "stage_history"),
                sections("joint_rmp.sections", ("B4", "B20")),
            ),
        ),
        _rule(
            "current",
            clause="8.7.5",
            mode=ARR,
            basis=(TOC,),
            flags={P},
            title="The joint RMP was updated after the latest improvement target was set",
            remedy="Update the joint RMP with the new improvement targets.",
            condition=check(updated_after_targets, "joint_rmp.updated_on", "value.targets"),
        ),
        _rule(
            "agreed",
            clause="8.7.5",
            mode=ARR,
            basis=(TOC,),
            flags={J},
            title="Every party signed the joint RMP version that holds the stage 6 outputs",
            remedy="Have every party sign the joint RMP version with the stage 6 update.",
            condition=check(
                signed_from_update(6), "joint_rmp.agreed_by", "joint_rmp.stage_updates", "party_ids"
            ),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
