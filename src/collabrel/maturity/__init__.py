"""Maturity: the Annex D relationship maturity matrix, evidenced and perceived.

*Evidenced* maturity is derived from the rule verdicts mapped to each theme (every level lists
the rules behind it); *perceived* maturity aggregates self-assessments by party or role; gaps
compare any two profiles (perceived vs evidenced, party vs party, then vs now, target vs now).

Example:
    >>> from datetime import date
    >>> import collabrel
    >>> from collabrel.rules import evaluate
    >>> from collabrel import maturity
    >>> a = evaluate(collabrel.example_portfolio(), as_of=date(2026, 11, 23))
    >>> profile = maturity.evidenced(a, "rel-rail-jv", organization_id="northbridge")
    >>> profile.level("p1") is not None
    True
"""

from __future__ import annotations

from collabrel._public import publish
from collabrel.maturity._competence import (
    BEHAVIOURS,
    COMPETENCIES,
    LINKED_RULES,
    PROFICIENCY,
    CompetenceGap,
    competence_gaps,
)
from collabrel.maturity._example import example_self_assessments
from collabrel.maturity._matrix import (
    MaturityLevel,
    MaturityMatrix,
    Theme,
    default_matrix,
    load_matrix,
    matrix_from_data,
)
from collabrel.maturity._plot import radar
from collabrel.maturity._profiles import (
    Gap,
    GapReport,
    Profile,
    Respondent,
    SelfAssessment,
    ThemeLevel,
    evidenced,
    gaps,
    perceived,
    self_assessments_from_data,
    target,
)

__all__ = [
    "BEHAVIOURS",
    "COMPETENCIES",
    "LINKED_RULES",
    "PROFICIENCY",
    "CompetenceGap",
    "Gap",
    "GapReport",
    "MaturityLevel",
    "MaturityMatrix",
    "Profile",
    "Respondent",
    "SelfAssessment",
    "Theme",
    "ThemeLevel",
    "competence_gaps",
    "default_matrix",
    "evidenced",
    "example_self_assessments",
    "gaps",
    "load_matrix",
    "matrix_from_data",
    "perceived",
    "radar",
    "self_assessments_from_data",
    "target",
]

publish(__name__, globals())
