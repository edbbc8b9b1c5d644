"""Clause 6, planning: risks and opportunities, objectives, relationship segmentation.

Titles and remedies are our own words; catalog §1 gives the predicates. Requirements that the
catalog states over "every relationship" are written as relationship rules, so each
relationship gets its own finding and the engine keeps them incremental.
"""

from __future__ import annotations

from typing import Any

from collabrel import Stage
from collabrel._iso44001._builder import HLS, INF, ORG, REL, SEC, TOC, Checked, D, P, R, iso, listed
from collabrel._iso44001._indexes import first_by
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
    one_of,
    present,
    reviewed_within,
    unmet,
)

__all__ = ["RULES"]

_ALL_STAGES = tuple(Stage(n) for n in range(9))


_entry_of = first_by("relationship_id")
"""The segmentation's first entry for each relationship (one look-up per relationship)."""


def segment_entry(rel_id: Any, entries: Any, criteria_version: Any) -> Checked:
    """The relationship is segmented (segment, priority, rationale) on current criteria."""
    if entries is None:
        return None
    e = _entry_of(entries).get(rel_id)
    if e is None:
        return unmet(f"the segmentation has no entry for {rel_id}")
    gaps = [f for f in ("segment", "priority", "rationale") if not getattr(e, f)]
    if e.criteria_version != criteria_version:
        gaps.append(f"criteria version {e.criteria_version} (current: {criteria_version})")
    return not gaps or unmet(f"the entry for {rel_id} lacks {listed(gaps)}")


def sources_recorded(items: Any, context: Any, stakeholders: Any) -> Checked:
    """Each 4.1 item names an issue of the context, each 4.2 item a registered stakeholder."""
    if items is None:
        return None
    issues: set[str] = set()
    if context is not None:
        issues.update(context.internal_issues, context.external_issues)
        issues.update(context.collaboration_drivers)
    names = {e.stakeholder for e in stakeholders.entries} if stakeholders is not None else set()
    gaps = []
    for i in items:
        if i.source == "4.1":
            known, what = issues, "issue of the context analysis (4.1)"
        elif i.source == "4.2":
            known, what = names, "stakeholder of the stakeholder register (4.2)"
        else:
            continue  # the source label itself is checked beside
        if i.source_ref is None:
            gaps.append(f"{i.id} does not say which {what} it comes from (source_ref)")
        elif i.source_ref not in known:
            gaps.append(f"{i.id} names {i.source_ref!r} as its source, which is no {what}")
    return not gaps or unmet("; ".join(gaps))


def _risks_treated(org: Any, ctx: RuleContext) -> Outcome | bool | None:
    register = org.risk_register
    if register is None:
        return Outcome.unknown("no corporate risk register")
    threshold = ctx.config.get("risk_threshold")
    bad = [
        i.id for i in register.items
        if i.rating is not None and i.rating >= threshold and (i.owner is None or not i.response)
    ]  # fmt: skip
    if bad:
        return Outcome.fail(
            f"items rated {threshold} or more lack an owner or a response: {', '.join(bad)}"
        )
    return True


def _rules() -> list[RuleSpec]:
    return [
        iso(
            "register",
            clause="6.1",
            level=ORG,
            basis=(TOC, HLS, SEC),
            flags={R},
            title="A corporate register of risks and opportunities exists",
            remedy="Keep a corporate risk register, or record why no risk was identified.",
            condition=all_of(
                present("risk_register"),
                equals("risk_register.scope", "corporate"),
                any_of(
                    non_empty("risk_register.items"), present("risk_register.none_identified_note")
                ),
            ),
        ),
        iso(
            "sources",
            clause="6.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Every corporate risk comes from the context or from stakeholder needs",
            remedy="Record for each item the analysis it came from, 4.1 (the context) or 4.2 "
            "(the stakeholders' needs and expectations), and name in source_ref the issue of "
            "the context or the stakeholder it comes from.",
            condition=all_of(
                present("risk_register"),
                for_each(
                    "risk_register.items",
                    all_of(present("source"), one_of("source", ["4.1", "4.2"])),
                ),
                check(sources_recorded, "risk_register.items", "context", "stakeholders"),
            ),
        ),
        iso(
            "treated",
            clause="6.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Significant corporate risks have an owner and a response",
            remedy="Give every item rated at or above the threshold an owner and a response.",
            predicate=_risks_treated,
            reads=("risk_register",),
        ),
        iso(
            "effectiveness",
            clause="6.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={R},
            title="Closed risk actions were checked for effectiveness",
            remedy="Record when the effectiveness of each closed item's action was checked.",
            condition=all_of(
                present("risk_register"),
                for_each(
                    "risk_register.items",
                    implies(equals("status", "closed"), present("effectiveness_checked_on")),
                ),
            ),
        ),
        iso(
            "current",
            clause="6.1",
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
            title="The corporate risk register is reviewed within the interval",
            remedy="Review the corporate risk register and record the date.",
            condition=reviewed_within("risk_register.last_reviewed_on", "review.risk_corporate"),
        ),
        iso(
            "objectives",
            clause="6.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Corporate objectives for collaboration are set",
            remedy="Set at least one corporate collaborative objective.",
            condition=count_at_least("objectives", 1, equals("level", "corporate")),
        ),
        iso(
            "planned",
            clause="6.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={D},
            title="Each corporate objective has a measure, owner, due date, resources and "
            "evaluation",
            remedy="Complete the plan of every corporate objective and link it to the policy.",
            condition=for_each(
                "objectives",
                implies(
                    equals("level", "corporate"),
                    all_of(
                        present("measure"),
                        present("owner"),
                        present("due_on"),
                        present("evaluation_method"),
                        present("resources"),
                        present("policy_ref"),
                    ),
                ),
            ),
        ),
        iso(
            "current",
            clause="6.2",
            level=ORG,
            basis=(TOC, HLS),
            flags={P},
            title="Corporate objectives are reviewed within the interval",
            remedy="Review each corporate objective and record the date.",
            condition=all_of(
                count_at_least("objectives", 1, equals("level", "corporate")),
                for_each(
                    "objectives",
                    implies(
                        equals("level", "corporate"),
                        reviewed_within("last_reviewed_on", "review.objectives_corporate"),
                    ),
                ),
            ),
        ),
        iso(
            "criteria",
            clause="6.3.1",
            level=ORG,
            basis=(TOC, SEC),
            flags={D},
            title="Documented criteria segment the relationship portfolio",
            remedy="Document the segmentation criteria (value, risk, complexity, importance).",
            condition=all_of(
                present("segmentation"),
                present("segmentation.criteria_document_id"),
                non_empty("segmentation.criteria"),
            ),
        ),
        iso(
            "current",
            clause="6.3.1",
            level=ORG,
            basis=(TOC, SEC),
            flags={P},
            title="The segmentation is reviewed within the interval",
            remedy="Review the segmentation of the portfolio and record the date.",
            condition=reviewed_within("segmentation.last_reviewed_on", "review.context"),
        ),
        iso(
            "segmented",
            clause="6.3.1",
            level=REL,
            basis=(TOC, SEC),
            flags={R},
            applies_in=_ALL_STAGES,
            title="The relationship is segmented and prioritised on the current criteria",
            remedy="Add a segmentation entry for the relationship with segment, priority, "
            "rationale and the current criteria version.",
            # the entries and the criteria version only: a review date does not re-run it
            condition=all_of(
                present("organization.segmentation"),
                check(
                    segment_entry,
                    "id",
                    "organization.segmentation.entries",
                    "organization.segmentation.criteria_version",
                ),
            ),
        ),
        iso(
            "decided",
            clause="6.3.2",
            level=ORG,
            basis=(TOC, SEC, INF),
            flags={R},
            title="Every collaboration opportunity has expected value, risks and a decision",
            remedy="Record each opportunity's expected value, key risks and who decided what.",
            condition=for_each(
                "opportunities",
                all_of(
                    present("expected_value"),
                    non_empty("key_risks"),
                    present("decision"),
                    present("decided_by"),
                ),
            ),
        ),
        iso(
            "pursued",
            clause="6.3.2",
            level=ORG,
            basis=(TOC, INF),
            flags={R},
            title="Opportunities decided for pursuit are linked to a relationship",
            remedy="Link each pursued opportunity to the relationship that takes it forward.",
            condition=for_each(
                "opportunities", implies(equals("decision", "pursue"), present("relationship_id"))
            ),
        ),
    ]


RULES: tuple[RuleSpec, ...] = tuple(_rules())
