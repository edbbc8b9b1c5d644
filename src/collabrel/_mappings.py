"""The mapping tables of catalog §7: which ISO 44001 clauses each view reads.

ISO 44003's twelve principles, the ERMP's ten sections, the RAIO cycle and Gartner's
co-management processes and audit components are views over the same rules: a rule belongs to
a view when its clause (or a parent clause) is mapped there. The built-in catalogue tags its
rules from these tables (:func:`view_tags`); the views select rules by tag. Nothing else holds
a copy of a mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

__all__ = [
    "ERMP_SECTIONS",
    "GARTNER_AUDIT",
    "GARTNER_PROCESSES",
    "ISO44003_PRINCIPLES",
    "RAIO_STEPS",
    "clause_key",
    "view_tags",
]


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


@lru_cache(maxsize=4096)
def clause_key(clause: str) -> tuple[int, ...]:
    """A sort key that orders clause numbers numerically (``8.10`` after ``8.9``).

    A part that is not a number (an annex letter, a custom slug, a superscript such as ``²``)
    sorts as 0 in its place. Keys are remembered (a rule set has a few hundred clauses;
    reports sort every row by one).

    Example:
        >>> sorted(["8.10", "8.9", "B.2", "4.1²"], key=clause_key)
        ['B.2', '4.1²', '8.9', '8.10']
    """
    return tuple(int(p) if p.isdecimal() else 0 for p in clause.split("."))
