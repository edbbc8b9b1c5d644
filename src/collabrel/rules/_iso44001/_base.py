"""Shared helpers of the built-in rule set: the rule constructor, view tags, pure functions.

Views (ISO 44003 principles, ERMP sections, RAIO steps, Gartner processes) select rules by tag.
The tags are derived here from the clause of each rule, using the mapping tables of catalog §7,
so that a rule never carries a hand-written copy of a mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from collabrel.rules._conditions import Condition
from collabrel.rules._spec import Basis, RuleSpec, builtin_rules

__all__ = [
    "ANNEX_B_CORPORATE",
    "ERMP_SECTIONS",
    "FUNCTIONS",
    "GARTNER_AUDIT",
    "GARTNER_PROCESSES",
    "ISO44003_PRINCIPLES",
    "RAIO_STEPS",
    "iso",
    "view_tags",
]

# ---------------------------------------------------------------- catalog §7 mapping tables

ISO44003_PRINCIPLES: Mapping[int, tuple[str, tuple[str, ...]]] = {
    1: ("Relationship management",
        ("4.3", "4.4", "6.3.1", "7.5.5", "8.2.9", "8.5.9", "8.6.11", "8.8.3", "8.8.10")),
    2: ("Visions and values", ("5.1", "5.2", "8.4.4", "8.5.6", "8.6.2", "8.8.2")),
    3: ("Business objectives", ("6.2", "8.2.4", "8.3.2", "8.3.7", "8.5.6", "8.6.2", "8.8.6")),
    4: ("Collaborative leadership",
        ("5.1", "5.3.3", "7.1", "8.2.2", "8.4.5", "8.6.2", "8.8.2", "8.8.3")),
    5: ("Governance and processes",
        ("5.3.2", "7.4", "8.2.3", "8.4.2", "8.6.2", "8.6.5", "8.6.8", "8.6.10")),
    6: ("Collaborative competence and behaviour",
        ("7.2", "7.3", "7.5.4", "8.2.7", "8.3.3", "8.6.7")),
    7: ("Trust and commitment to mutual benefit", ("8.5.4", "8.6.2", "8.6.10", "8.8.4")),
    8: ("Value creation", ("4.5", "8.2.5", "8.7", "8.8.5")),
    9: ("Information and knowledge sharing", ("7.4", "8.3.4", "8.6.3")),
    10: ("Risk management", ("6.1", "8.2.8", "8.3.5", "8.3.6", "8.4.3", "8.6.4")),
    11: ("Relationship measurement and optimization", ("8.6.6", "8.8.4", "8.8.7", "9.1.1")),
    12: ("Exit strategy", ("8.3.2", "8.5.7", "8.6.9", "8.8.9", "8.9", "9.1.2")),
}  # fmt: skip
"""ISO 44003's twelve principles: number -> (name, ISO 44001 clauses), catalog §7.1."""

ERMP_SECTIONS: Mapping[int, tuple[str, tuple[str, ...]]] = {
    1: ("Organisational arrangements", ("5.3", "5.3.2", "8.2.3", "8.4.5", "8.6.2")),
    2: ("Business case and value proposition", ("4.5", "8.2.4", "8.2.5", "8.3.2", "8.5.6")),
    3: ("Resources and capabilities", ("7.1", "8.4.2", "8.4.4", "8.5.3")),
    4: ("Risk assessment", ("6.1", "8.2.8", "8.3.5", "8.3.6", "8.6.4")),
    5: ("Commercial agreement", ("8.6.10",)),
    6: ("Management activities", ("8.1", "8.6.5", "8.8.3")),
    7: ("Continuous improvement and innovation", ("8.7", "8.8.5", "10.2")),
    8: ("Knowledge management", ("8.3.4", "8.6.3")),
    9: ("Communications", ("7.4", "8.6.2")),
    10: ("Exit arrangements", ("8.5.7", "8.6.9", "8.8.9", "8.9")),
}  # fmt: skip
"""The ERMP's ten sections: number -> (name, ISO 44001 clauses), catalog §7.2."""

RAIO_STEPS: Mapping[str, tuple[str, ...]] = {
    "review": ("8.8.2", "8.8.4", "8.8.6", "8.8.7", "9.1.1", "9.3"),
    "adapt": ("8.6.5", "8.8.3", "8.8.9", "8.8.10"),
    "improve": ("8.6.7", "8.7.3", "8.8.5", "10.1", "10.2"),
    "operate": ("8.1", "8.8.3", "8.8.6"),
}
"""The RAIO cycle: step -> ISO 44001 clauses, catalog §7.3."""

GARTNER_PROCESSES: Mapping[str, tuple[str, ...]] = {
    "strategy": ("5.1", "5.2", "6.2", "8.3.2", "8.6.2"),
    "membership": ("6.3", "8.2.6", "8.3.5", "8.4.6", "8.5.2", "8.5.3", "8.5.4", "8.5.5", "8.5.6",
                   "8.5.7", "8.5.8"),
    "integration": ("5.3", "8.6.2", "8.6.5", "8.6.6", "8.8.3"),
    "equity": ("8.3.4", "8.6.3", "8.6.10", "8.7.2", "8.9.3"),
    "audit": ("8.6.6", "8.8.4", "8.8.6", "8.8.7", "9.1.1", "9.2"),
    "feedback": ("7.4", "8.7.4", "8.8.7", "9.3", "10.2"),
}  # fmt: skip
"""Gartner's six co-management processes -> ISO 44001 clauses, catalog §7.4."""

GARTNER_AUDIT: Mapping[str, tuple[str, ...]] = {
    "price-service": ("8.6.6", "8.8.6"),
    "contract-relationships": ("8.6.10", "8.8.3", "8.8.4", "8.8.8"),
    "stakeholder-satisfaction": ("4.2", "8.8.4", "9.1.1", "9.3"),
    "vision-alignment": ("5.2", "8.5.6", "8.6.2", "8.8.2"),
}
"""Gartner's four audit components -> ISO 44001 clauses, catalog §7.4."""

ANNEX_B_CORPORATE = (
    "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B10", "B11", "B12", "B16", "B17", "B20",
    "B21",
)  # fmt: skip
"""The Annex B elements a corporate RMP is expected to hold (catalog §3, column C)."""


def _matches(clause: str, mapped: Iterable[str]) -> bool:
    return any(clause == m or clause.startswith(m + ".") for m in mapped)


def view_tags(clause: str) -> frozenset[str]:
    """Return the view tags of a rule evidencing *clause* (catalog §7 tables)."""
    tags = {"annex-a"}
    tags |= {f"iso44003:p{n}" for n, (_, cl) in ISO44003_PRINCIPLES.items() if _matches(clause, cl)}
    tags |= {f"ermp:s{n}" for n, (_, cl) in ERMP_SECTIONS.items() if _matches(clause, cl)}
    tags |= {f"raio:{step}" for step, cl in RAIO_STEPS.items() if _matches(clause, cl)}
    tags |= {f"gartner:{p}" for p, cl in GARTNER_PROCESSES.items() if _matches(clause, cl)}
    tags |= {f"gartner-audit:{p}" for p, cl in GARTNER_AUDIT.items() if _matches(clause, cl)}
    return frozenset(tags)


# ------------------------------------------------------------------- registered functions


def _member(value: Any, collection: Any) -> bool | None:
    """The value is one of the collection's items."""
    if value is None or collection is None:
        return None
    return value in collection


def _any_member(values: Any, collection: Any) -> bool | None:
    """At least one of the values is one of the collection's items."""
    if values is None or collection is None:
        return None
    return any(v in collection for v in values)


def _approver_ok(approved_by: Any, top_management: Any, sers: Any) -> bool | None:
    """Approved by a member of top management or by an active senior executive responsible."""
    if approved_by is None:
        return False
    people = set(top_management or ()) | {s.person for s in sers or () if s.active}
    return approved_by in people


def _drivers_known(ids: Any, statement: Any) -> bool | None:
    """The value driver id(s) named are drivers of the organization's value statement."""
    if statement is None:
        return None
    wanted = (ids,) if isinstance(ids, str) or ids is None else tuple(ids)
    known = {d.id for d in statement.drivers}
    return all(i is not None and i in known for i in wanted)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "drivers_known": _drivers_known,
    "member": _member,
    "any_member": _any_member,
    "approver_ok": _approver_ok,
}
"""Pure functions the built-in condition trees call through ``check`` nodes."""


# ----------------------------------------------------------------------------- constructor


def iso(
    part: str,
    *,
    title: str,
    clause: str,
    level: str,
    remedy: str,
    basis: str,
    flags: str = "",
    condition: Condition | None = None,
    predicate: Callable[..., Any] | None = None,
    reads: Iterable[str] = (),
    functions: Mapping[str, Callable[..., Any]] | None = None,
    tags: Iterable[str] = (),
    **extra: Any,
) -> RuleSpec:
    """Build a built-in rule ``iso44001:<clause>/<part>`` with its view tags.

    *basis* and *flags* are written as in the catalog: ``"TOC HLS"``, ``"DPA"``.
    """
    rule_id = f"iso44001:{clause}/{part}" if part else f"iso44001:{clause}"
    with builtin_rules():
        return RuleSpec(
            id=rule_id,
            title=title,
            clause=clause,
            level=level,
            remedy=remedy,
            basis=tuple(Basis(b) for b in basis.split()),
            flags=frozenset(flags),
            condition=condition,
            predicate=predicate,
            reads=tuple(reads),
            functions={**FUNCTIONS, **(functions or {})},
            tags=view_tags(clause) | frozenset(tags),
            **extra,
        )
