"""Artefacts used at more than one layer: roles, SERs, governance, objectives, risks, RMPs, exit."""

from __future__ import annotations

from datetime import date

import attrs

from collabrel._dates import Cadence, CalendarInterval
from collabrel._model._checks import checked, scale
from collabrel._model._common import (
    Action,
    DocumentChange,
    ExitScope,
    ExitStatus,
    GovernanceKind,
    ItemStatus,
    ObjectiveLevel,
    Participant,
    PlanStatus,
    RiskItemType,
    RiskScope,
    Signoff,
    cadence_field,
    enum_field,
    interval_field,
    many,
    ref,
)

__all__ = [
    "RMP",
    "SER",
    "CorporateRMP",
    "ExitStrategy",
    "ExitTrigger",
    "GovernanceBody",
    "GovernanceDeviation",
    "GovernanceStructure",
    "JointRMP",
    "Objective",
    "RMPSection",
    "RiskItem",
    "RiskRegister",
    "RoleAssignment",
    "StageUpdate",
]


@attrs.frozen(kw_only=True, field_transformer=checked)
class RoleAssignment:
    """A role given to a person, with its responsibilities and authorities (5.3, 8.4.5)."""

    role: str
    """The role, such as ``relationship_lead``, ``jmt_member``, ``negotiator``,
    ``cbrms_conformity`` or ``performance_reporting`` (5.3.1)."""
    person: str = ref("person", required=True)
    """The person id of the role holder."""
    relationship_id: str | None = None
    """The relationship the role is for; ``None`` for a corporate role."""
    responsibilities: tuple[str, ...] = many()
    """What the holder is responsible for (5.3)."""
    authorities: tuple[str, ...] = many()
    """What the holder may decide (5.3)."""
    assigned_by: str | None = None
    """Who assigned the role (person id); 5.3.1 and 8.4.5 check who that is."""
    assigned_on: date | None = None
    """When it was assigned."""
    communicated_on: date | None = None
    """When the assignment was communicated (5.3)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SER:
    """A senior executive responsible: corporate (5.3.3) or for one relationship (8.2.2)."""

    person: str = ref("person", required=True)
    """The person id of the SER."""
    party: str | None = ref("party")
    """The party the SER belongs to (for joint oversight every party names one, 8.8.2)."""
    mandate_ref: str | None = None
    """The document id of the written mandate (5.3.3, 8.2.2)."""
    accountabilities: tuple[str, ...] = many()
    """The accountabilities in the mandate, such as ``implementation`` or ``rmp_owner``."""
    authority_limits: str | None = None
    """Limits of the SER's authority."""
    appointed_by: str | None = None
    """Who appointed the SER (person id; top management for 5.3.3)."""
    appointed_on: date | None = None
    """When the SER was appointed (8.2.2: before other stage-1 approvals)."""
    active: bool = True
    """Whether the appointment is current."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class GovernanceBody:
    """A body of a governance structure (board, steering group, joint management team)."""

    name: str
    """Its name, such as ``Joint management team``."""
    members: tuple[str, ...] = many()
    """Member person ids."""
    member_parties: tuple[str, ...] = many(ref="party")
    """The parties the members represent (joint bodies need every party, 8.6.2)."""
    roles: tuple[str, ...] = many()
    """The roles defined in the body."""
    decision_rights: tuple[str, ...] = many()
    """What the body decides (5.3.2, 8.6.2)."""
    cadence: Cadence | None = cadence_field()
    """How often it meets."""
    jmt: bool = False
    """Whether this body is the joint management team of the relationship (8.6.2, 8.8.3)."""
    party_members: tuple[Participant, ...] = many()
    """The members with the party each represents (8.6.2: a joint management team has a
    member of every party)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class GovernanceDeviation:
    """A deviation of an operational structure from the corporate one (8.2.3)."""

    description: str
    """What differs."""
    justification: str | None = None
    """Why; 8.2.3 requires one."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class GovernanceStructure:
    """A governance structure: corporate (5.3.2), operational (8.2.3) or joint (8.6.2)."""

    id: str
    """Identifier."""
    kind: GovernanceKind = enum_field(GovernanceKind, GovernanceKind.CORPORATE)
    """The layer it governs."""
    document_id: str | None = None
    """The controlled document that holds it (7.5)."""
    derived_from: str | None = None
    """For an operational structure, the id of the corporate one it applies (8.2.3)."""
    bodies: tuple[GovernanceBody, ...] = many()
    """Its bodies, with decision rights and cadence."""
    sponsors: tuple[str, ...] = many()
    """Executive sponsors (person ids); joint structures need one per party (8.6.2)."""
    escalation_path: tuple[str, ...] = many()
    """Escalation levels, lowest first (5.3.2)."""
    deviations: tuple[GovernanceDeviation, ...] = many()
    """Deviations from the corporate structure (8.2.3)."""
    behaviour_charter_ref: str | None = None
    """The agreed principles and behaviours (8.6.2)."""
    validated_by: str | None = None
    """Who validated it for this application (8.2.3: the relationship SER)."""
    approved_by: str | None = None
    """Who approved it (5.3.2: top management)."""
    approved_on: date | None = None
    """When it was approved."""
    version: int = 1
    """Current version; joint sign-offs must be of this version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement of a joint structure (8.6.2)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Objective:
    """An objective at corporate (6.2), relationship (8.2.4) or joint (8.5.6, 8.6.2) level."""

    id: str
    """Identifier."""
    text: str
    """The objective."""
    level: ObjectiveLevel = enum_field(ObjectiveLevel, ObjectiveLevel.CORPORATE)
    """The level it is set at."""
    parent_id: str | None = None
    """The objective it derives from (8.2.4: a corporate objective)."""
    policy_ref: str | None = None
    """The policy it follows from (6.2)."""
    measure: str | None = None
    """How achievement is measured."""
    baseline: str | None = None
    """Where it starts from."""
    target: str | None = None
    """What counts as achieved."""
    due_on: date | None = None
    """When it is to be achieved."""
    owner: str | None = None
    """Who is responsible."""
    resources: str | None = None
    """What resources it needs (6.2)."""
    evaluation_method: str | None = None
    """How results will be evaluated (6.2)."""
    last_reviewed_on: date | None = None
    """When it was last reviewed (6.2)."""
    version: int = 1
    """Current version; joint sign-offs must be of this version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement of a joint objective (8.6.2)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class RiskItem:
    """A risk or opportunity with its owner, rating and response (6.1, 8.2.8, 8.6.4)."""

    id: str
    """Identifier."""
    description: str
    """What could happen."""
    type: RiskItemType = enum_field(RiskItemType, RiskItemType.RISK)
    """Risk or opportunity."""
    source: str | None = None
    """Where it comes from: ``4.1`` (context), ``4.2`` (stakeholders), ``partner``,
    ``supply_chain``, ``extended_enterprise``, ``internal``..."""
    source_ref: str | None = ref("context")
    """The context issue or stakeholder the item comes from (6.1): for a ``4.1`` item the
    issue as written in the organization's context (internal or external issues, collaboration
    drivers); for a ``4.2`` item the stakeholder as named in the stakeholder register."""
    owner: str | None = None
    """Who manages it."""
    owner_party: str | None = ref("party")
    """The party best placed to manage it (8.6.4)."""
    likelihood: int | None = scale(1, 5, "the 1-5 likelihood scale of 6.1", default=None)
    """Likelihood on a 1-5 scale."""
    impact: int | None = scale(1, 5, "the 1-5 impact scale of 6.1", default=None)
    """Impact on a 1-5 scale."""
    response: str | None = None
    """The treatment or response."""
    due_on: date | None = None
    """When the response is due."""
    status: ItemStatus = enum_field(ItemStatus, ItemStatus.OPEN)
    """Open or closed."""
    last_reviewed_on: date | None = None
    """When the item was last reviewed."""
    effectiveness_checked_on: date | None = None
    """When the effectiveness of the response was checked (6.1, closed items)."""

    @property
    def rating(self) -> int | None:
        """Likelihood x impact (1-25), or ``None`` when either is missing."""
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact


@attrs.frozen(kw_only=True, field_transformer=checked)
class RiskRegister:
    """A risk register of one scope: corporate (6.1), relationship (8.2.8) or joint (8.6.4)."""

    id: str
    """Identifier."""
    scope: RiskScope = enum_field(RiskScope, RiskScope.CORPORATE)
    """Whose risks it holds."""
    items: tuple[RiskItem, ...] = many()
    """Its risks and opportunities."""
    created_on: date | None = None
    """When it was created (8.2.8: before the stage-1 gate)."""
    last_reviewed_on: date | None = None
    """When it was last reviewed as a whole."""
    review_frequency: CalendarInterval | None = interval_field()
    """The agreed review frequency, when it differs from the configured default (8.6.4)."""
    none_identified_note: str | None = None
    """A reasoned note when a category (such as supply-chain risk, 8.3.5) has no items."""
    version: int = 1
    """Current version; joint sign-offs must be of this version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement of a joint register (8.6.4)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class RMPSection:
    """One section of a relationship management plan, keyed by Annex B element (B1-B22)."""

    key: str
    """The Annex B element, ``B1`` to ``B22`` (catalog §3)."""
    content: str = ""
    """The section text or a reference to where the content lives."""
    internal_only: bool = False
    """Confidential to one party; must never be copied into a joint RMP (catalog §3)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class StageUpdate:
    """The RMP update written at a stage gate (8.2.9, 8.3.8, 8.4.7, ..., 8.9.6)."""

    stage: int = scale(1, 8, "a lifecycle stage")
    """The stage (1-8) whose outputs were added."""
    updated_on: date
    """When."""
    summary: str = ""
    """What was added."""
    version: int | None = None
    """The plan version the update produced."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class _PlanBase:
    id: str
    """Identifier."""
    document_id: str | None = None
    """The controlled document that holds the plan (7.5)."""
    version: int = 1
    """Current version."""
    status: PlanStatus = enum_field(PlanStatus, PlanStatus.DRAFT)
    """Draft, approved, initiated, implemented or closed."""
    sections: tuple[RMPSection, ...] = many()
    """Its sections by Annex B element."""
    approved_by: str | None = None
    """Who approved the current version."""
    approved_on: date | None = None
    """When it was approved."""
    updated_on: date | None = None
    """When it last changed."""
    last_reviewed_on: date | None = None
    """When it was last reviewed."""
    next_review_on: date | None = None
    """When the next review is planned."""

    def section(self, key: str) -> RMPSection | None:
        """Return the section for Annex B element *key*, or ``None``."""
        for section in self.sections:
            if section.key == key:
                return section
        return None

    @property
    def filled_sections(self) -> frozenset[str]:
        """The keys of the sections with content."""
        return frozenset(s.key for s in self.sections if s.content.strip())


@attrs.frozen(kw_only=True, field_transformer=checked)
class CorporateRMP(_PlanBase):
    """The corporate relationship management plan (7.5.5): the parent of every RMP."""

    no_change_notes: tuple[str, ...] = many()
    """Ids of exit evaluations reviewed without needing a change (7.5.5)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class RMP(_PlanBase):
    """The internal relationship management plan of one relationship (8.2.9 onward)."""

    parent_id: str | None = None
    """The id of the corporate RMP it derives from (8.2.9)."""
    stage_updates: tuple[StageUpdate, ...] = many()
    """The update written at each stage gate."""
    references: tuple[str, ...] = many()
    """Ids of the artefacts it incorporates (8.3.8)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class JointRMP(_PlanBase):
    """The joint relationship management plan agreed with the partners (8.5.9, 8.6.11)."""

    stage_updates: tuple[StageUpdate, ...] = many()
    """The update written at each stage gate."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement of the current version (8.6.11, 8.8.10); sign-offs of earlier
    versions stay here with their version number."""
    versions: tuple[DocumentChange, ...] = many()
    """The version history of a joint document (7.5.3): one entry per version after the
    first, with the date it took effect and what changed; who signed which version is in
    ``agreed_by``."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ExitTrigger:
    """An agreed event or threshold that starts a review or activation of the exit (Annex E3)."""

    kind: str
    """The trigger type: ``objectives_met``, ``term_end``, ``market_change``,
    ``under_performance``, ``trust_failure``, ``change_of_control``, ``insolvency``,
    ``strategic_change``..."""
    description: str = ""
    """What it means here."""
    indicator: str | None = None
    """What is watched to detect it (Annex E4)."""
    threshold: str | None = None
    """The level at which it fires."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ExitStrategy:
    """The exit strategy (Annex E): internal at stage 2, joint from stage 4, activated at 8.

    Its elements follow catalog §6.1 (E1-E12).
    """

    id: str
    """Identifier."""
    document_id: str | None = None
    """The controlled document that holds it (7.5)."""
    scope: ExitScope = enum_field(ExitScope, ExitScope.INTERNAL)
    """Internal to the organization, or joint with the partners."""
    status: ExitStatus = enum_field(ExitStatus, ExitStatus.DRAFT)
    """Draft, agreed, activated or closed."""
    version: int = 1
    """Current version; joint sign-offs must be of this version."""
    created_on: date | None = None
    """When it was first drafted (8.5.7: before the selection decision)."""
    purpose: str | None = None
    """E1: principle and purpose, separate from contract termination."""
    boundaries: str | None = None
    """E2: relationship boundaries and business risks."""
    triggers: tuple[ExitTrigger, ...] = many()
    """E3: the agreed triggers."""
    monitoring: str | None = None
    """E4: how triggers are monitored."""
    decision_roles: str | None = None
    """E5: who may invoke exit and who governs it."""
    notice: str | None = None
    """E5: notice periods and escalation."""
    transition_plan: str | None = None
    """E6: transition arrangements."""
    continuity_plan: str | None = None
    """E6: business-continuity arrangements."""
    asset_ip_people_data_handling: str | None = None
    """E7: what happens to assets, IP, people and data."""
    settlement: str | None = None
    """E8: commercial and financial settlement."""
    comms_plan: str | None = None
    """E9: communications at exit."""
    exit_actions: tuple[Action, ...] = many()
    """E10: the action list for an orderly exit."""
    resources: str | None = None
    """E10: the resources it needs."""
    review_frequency: CalendarInterval | None = interval_field()
    """E12: how often it is reviewed (8.6.9, 8.8.9)."""
    last_reviewed_on: date | None = None
    """E12: when it was last reviewed (8.8.9)."""
    compatible_with_internal: bool | None = None
    """Whether the joint draft fits the internal exit considerations (8.5.7)."""
    agreed_by: tuple[Signoff, ...] = many()
    """E12: per-party agreement of the current version (8.6.9); sign-offs of earlier versions
    stay here with their version number."""
    versions: tuple[DocumentChange, ...] = many()
    """E12: the version history (7.5.3, 8.8.9): one entry per version after the first, with
    the date it took effect and what changed; 8.9.1 reads the version in force at exit."""

    @property
    def annex_e_elements(self) -> dict[str, bool]:
        """Which Annex E elements are filled in, by element code (E1-E10, E12)."""
        return {
            "E1": bool(self.purpose),
            "E2": bool(self.boundaries),
            "E3": bool(self.triggers),
            "E4": bool(self.monitoring),
            "E5": bool(self.decision_roles) and bool(self.notice),
            "E6": bool(self.transition_plan) and bool(self.continuity_plan),
            "E7": bool(self.asset_ip_people_data_handling),
            "E8": bool(self.settlement),
            "E9": bool(self.comms_plan),
            "E10": bool(self.exit_actions),
            "E12": self.review_frequency is not None,
        }
