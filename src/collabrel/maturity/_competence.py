"""Annex C: competencies and collaborative behaviours, and people's gaps against profiles.

The default catalog (C01-C18, B01-B16) is our reconstruction (catalog §4), not Annex C's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import attrs

from collabrel._model import CompetenceProfile, CompetenceRecord, Organization

_MIN = date.min

__all__ = [
    "BEHAVIOURS",
    "COMPETENCIES",
    "LINKED_RULES",
    "PROFICIENCY",
    "CompetenceGap",
    "competence_gaps",
]

COMPETENCIES: Mapping[str, str] = {
    "C01": "Understanding collaborative working, the CBRMS and its lifecycle",
    "C02": "Strategic alignment and business acumen",
    "C03": "Business case development and value analysis",
    "C04": "Risk and opportunity management, including joint and supply-chain risk",
    "C05": "Commercial and contracting skill for collaborative arrangements",
    "C06": "Interest-based negotiation",
    "C07": "Governing joint structures",
    "C08": "Knowledge and information management, IP and confidentiality",
    "C09": "Performance measurement and analysis",
    "C10": "Partner evaluation and due diligence",
    "C11": "Issue and conflict resolution",
    "C12": "Stakeholder management and communication",
    "C13": "Facilitating innovation and continual improvement",
    "C14": "Exit, transition and continuity planning",
    "C15": "Change management and organizational adaptation",
    "C16": "Cultural awareness",
    "C17": "Leading teams that span organizations",
    "C18": "Coaching and mentoring in collaborative practice",
}
"""The default competencies (attributes and abilities), by code."""

BEHAVIOURS: Mapping[str, str] = {
    "B01": "Builds and keeps trust",
    "B02": "Openness and transparency",
    "B03": "Integrity and ethics",
    "B04": "Respect for partners and their constraints",
    "B05": "Committed to mutual benefit",
    "B06": "Accountability",
    "B07": "Adaptability and flexibility",
    "B08": "Listens and communicates constructively",
    "B09": "Works as one team",
    "B10": "Handles conflict without adversarial tactics",
    "B11": "Creative and willing to innovate",
    "B12": "Empathy and cultural sensitivity",
    "B13": "Long-term orientation",
    "B14": "Willing to share risk and reward",
    "B15": "Responsive",
    "B16": "Enthusiastic and positive",
}
"""The default collaborative behaviours (attitude), by code."""

PROFICIENCY: Mapping[int, str] = {1: "Aware", 2: "Practitioner", 3: "Proficient", 4: "Expert"}
"""The proficiency scale of competence levels."""

LINKED_RULES = ("iso44001:7.2/records", "iso44001:7.5.4/key-people")
"""The rules a competence gap bears on (7.2, 7.5.4); 8.3.3 rules of a relationship too."""


@attrs.frozen(kw_only=True)
class CompetenceGap:
    """A person below the level their role's profile requires, on one competence or behaviour."""

    person: str
    """Who."""
    role: str
    """The role assessed against."""
    item: str
    """The competence or behaviour code."""
    kind: str
    """``competence`` or ``behaviour``."""
    required: int
    """The level the profile requires."""
    actual: int | None
    """The level assessed (``None`` when not assessed)."""
    rules: tuple[str, ...] = LINKED_RULES
    """The rules the gap bears on."""

    @property
    def name(self) -> str:
        """The item's name from the default catalog (or its code)."""
        return {**COMPETENCIES, **BEHAVIOURS}.get(self.item, self.item)


def _profile_for(profiles: tuple[CompetenceProfile, ...], role: str) -> CompetenceProfile | None:
    return next((p for p in profiles if p.role == role), None)


def competence_gaps(organization: Organization) -> tuple[CompetenceGap, ...]:
    """Compare each person's latest competence record with their role's profile.

    Returns one gap per competence or behaviour below the required level (or not assessed).
    """
    latest: dict[tuple[str, str], CompetenceRecord] = {}
    for rec in organization.competence_records:
        key = (rec.person, rec.role or "")
        if key not in latest or (rec.assessed_on or _MIN) > (latest[key].assessed_on or _MIN):
            latest[key] = rec
    out: list[CompetenceGap] = []
    for (person, role), rec in sorted(latest.items()):
        profile = _profile_for(organization.competence_profiles, role)
        if profile is None:
            continue
        for kind, required, actual in (
            ("competence", profile.competencies, rec.competencies),
            ("behaviour", profile.behaviours, rec.behaviours),
        ):
            have = {s.name: s.level for s in actual}
            out.extend(
                CompetenceGap(person=person, role=role, item=need.name, kind=kind,
                              required=need.level, actual=have.get(need.name))
                for need in required
                if have.get(need.name, 0) < need.level
            )  # fmt: skip
    return tuple(out)
