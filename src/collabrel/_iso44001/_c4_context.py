"""Clause 4, context of the organization: issues, stakeholders, scope, CBRMS, value.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from typing import Any

from collabrel import Stage
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
    approver_ok,
    drivers_known,
    iso,
    listed,
)
from collabrel.rules import (
    Outcome,
    RuleContext,
    RuleSpec,
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

_LIFECYCLE_COVERS = (
    *(f"stage_{n}" for n in range(1, 9)),
    "monitoring", "audit", "management_review", "corrective_action",
)  # fmt: skip


def covers_lifecycle(processes: Any) -> Checked:
    """The process map covers stages 1-8, monitoring, audit, review and corrective action."""
    if processes is None:
        return None
    covered = {c for p in processes for c in p.covers}
    missing = [c for c in _LIFECYCLE_COVERS if c not in covered]
    return not missing or unmet(f"no process covers {listed(missing)}")


def _relationship_id(rel: Any) -> tuple[str]:
    """Tally: the ids of the relationships."""
    return (rel.id,)


def _scope_known(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    scope = org.scope
    if scope is None or scope.application_level is None:
        return Outcome.unknown("no scope with an application level is recorded")
    if scope.application_level.value == "organization_wide":
        return Outcome.passed("every relationship is in scope")
    if not scope.relationships_in_scope:
        return Outcome.fail("the scope lists no relationship")
    missing = [r for r in scope.relationships_in_scope if r not in ctx.tally]
    if missing:
        return Outcome.fail(f"the scope lists unknown relationships: {', '.join(missing)}")
    return Outcome.passed(f"{len(scope.relationships_in_scope)} relationships in scope")


_STAGES_1_TO_8 = frozenset(s for s in Stage if s.number is not None)


def _in_lifecycle(rel: Any) -> tuple[str, ...]:
    """Tally: the id of a relationship at one of stages 1 to 8."""
    return (rel.id,) if rel.stage in _STAGES_1_TO_8 else ()


def _scope_complete(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    scope = org.scope
    if scope is None or scope.application_level is None:
        return Outcome.unknown("no scope with an application level is recorded")
    if scope.application_level.value == "organization_wide":
        return Outcome.passed("the scope is organization-wide")
    covered = set(scope.relationships_in_scope)
    in_scope = sum(1 for rid in covered if rid in ctx.tally)
    if in_scope < len(ctx.tally):  # only then is the whole list read, to name them
        left_out = sorted(rid for rid in ctx.tally if rid not in covered)
        return Outcome.fail(
            "relationships in the lifecycle (stages 1-8) but outside "
            f"scope.relationships_in_scope (their rules are not applied): {', '.join(left_out)}"
        )
    return Outcome.passed("every relationship in the lifecycle is in scope")


def _rules() -> list[RuleSpec]:
    return [
        iso(
            "issues",
            clause="4.1",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={P},
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
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
            title="The context analysis is kept current",
            remedy="Review the context analysis and record the date of the review.",
            condition=reviewed_within("context.updated_on", "review.context"),
        ),
        iso(
            "register",
            clause="4.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
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
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
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
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
            title="The stakeholder register is kept current",
            remedy="Review the stakeholder register and record the date.",
            condition=reviewed_within("stakeholders.updated_on", "review.context"),
        ),
        iso(
            "documented",
            clause="4.3",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={D, P},
            title="The CBRMS scope is documented with its application level",
            remedy="Write the scope as a controlled document and state its application level.",
            condition=all_of(
                present("scope"), present("scope.document_id"), present("scope.application_level")
            ),
        ),
        iso(
            "relationships",
            clause="4.3",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={D},
            title="The relationships in scope are named and exist in the portfolio",
            remedy="List the relationships the scope covers, using their ids.",
            predicate=_scope_known,
            reads=("scope.application_level", "scope.relationships_in_scope", "relationships.id"),
            tally=_relationship_id,
        ),
        iso(
            "complete",
            clause="4.3",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={D},
            title="Every relationship in the lifecycle is within the scope",
            remedy="Add the relationships at stages 1-8 to the scope's relationships_in_scope (or "
            "apply the CBRMS organization-wide), or take them out of the lifecycle.",
            predicate=_scope_complete,
            reads=(
                "scope.application_level",
                "scope.relationships_in_scope",
                "relationships.id",
                "relationships.stage",
            ),
            tally=_in_lifecycle,
        ),
        iso(
            "exclusions",
            clause="4.3",
            level=ORG,
            basis=(TOC, HLS),
            flags={D, A},
            title="Every exclusion from the scope is justified and approved",
            remedy="Give each exclusion a justification and record who approved it.",
            condition=for_each(
                "scope.exclusions", all_of(non_empty("justification"), present("approved_by"))
            ),
        ),
        iso(
            "processes",
            clause="4.4",
            level=ORG,
            basis=(TOC, HLS, INF),
            flags={D, P},
            title="The process map covers the eight stages and the evaluation and improvement "
            "processes",
            remedy="Add processes covering stage_1 to stage_8, monitoring, audit, "
            "management_review and corrective_action to the process map.",
            condition=all_of(
                non_empty("cbrms.process_map"), check(covers_lifecycle, "cbrms.process_map")
            ),
        ),
        iso(
            "owners",
            clause="4.4",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Every CBRMS process has an owner",
            remedy="Name an owner for each process of the process map.",
            condition=all_of(
                non_empty("cbrms.process_map"), for_each("cbrms.process_map", present("owner"))
            ),
        ),
        iso(
            "value-statement",
            clause="4.5",
            level=ORG,
            basis=(TOC, INF, SEC),
            flags={D, P},
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
            level=ORG,
            basis=(TOC, INF),
            flags={A},
            title="The value statement is approved by top management or the SER",
            remedy="Have top management or the senior executive responsible approve the value "
            "statement.",
            condition=check(approver_ok, "value_statement.approved_by", "top_management", "sers"),
        ),
        iso(
            "business-case-linked",
            clause="4.5",
            level=REL,
            basis=(TOC, INF),
            stage=Stage.KNOWLEDGE,
            title="The business case links to the value drivers of the value statement",
            remedy="Name the value drivers of the value statement that the business case delivers.",
            condition=all_of(
                present("knowledge.business_case"),
                non_empty("knowledge.business_case.value_driver_ids"),
                check(
                    drivers_known,
                    "knowledge.business_case.value_driver_ids",
                    "organization.value_statement",
                ),
            ),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
