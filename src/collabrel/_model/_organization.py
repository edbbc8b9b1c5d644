"""The organization and its CBRMS: the corporate layer of clauses 4-7, 9 and 10."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs

from collabrel._dates import Cadence, CalendarInterval
from collabrel._facts import Facts, FactSchema
from collabrel._model._artefacts import (
    SER,
    CorporateRMP,
    GovernanceStructure,
    Objective,
    RiskRegister,
    RoleAssignment,
)
from collabrel._model._checks import checked, fail, scale
from collabrel._model._common import (
    Action,
    ApplicationLevel,
    DocumentChange,
    NonconformityStatus,
    OpportunityDecision,
    Origin,
    Signoff,
    cadence_field,
    enum_field,
    interval_field,
    many,
    quantity_field,
    ref,
)
from collabrel.errors import LoadError
from collabrel.units import Quantity

_NC_NEXT: dict[NonconformityStatus, tuple[NonconformityStatus, ...]] = {
    NonconformityStatus.RAISED: (NonconformityStatus.ACTION_PLANNED,),
    NonconformityStatus.ACTION_PLANNED: (NonconformityStatus.IMPLEMENTED,),
    NonconformityStatus.IMPLEMENTED: (NonconformityStatus.VERIFIED,),
    NonconformityStatus.VERIFIED: (NonconformityStatus.CLOSED,),
    NonconformityStatus.CLOSED: (),
}

__all__ = [
    "CBRMS",
    "AuditProgramme",
    "AuditReport",
    "AwarenessRecord",
    "CollaborativeProfile",
    "Communication",
    "CommunicationItem",
    "CommunicationPlan",
    "CompetenceProfile",
    "CompetenceRecord",
    "ContextAnalysis",
    "Document",
    "Exclusion",
    "Improvement",
    "LevelScore",
    "LifecycleProcedure",
    "ManagementReview",
    "MonitoringItem",
    "MonitoringPlan",
    "MonitoringResult",
    "Nonconformity",
    "Opportunity",
    "OrgUnit",
    "Organization",
    "OrganizationChange",
    "OutsourcedProcess",
    "PerformanceReport",
    "Person",
    "Policy",
    "Process",
    "ResourcePlan",
    "Scope",
    "SegmentEntry",
    "Segmentation",
    "StageProcedure",
    "StakeholderEntry",
    "StakeholderRegister",
    "ValueAnalysisMethod",
    "ValueDriver",
    "ValueStatement",
]


@attrs.frozen(kw_only=True, field_transformer=checked)
class Person:
    """A person of the organization or of a partner."""

    id: str
    """Identifier, unique across the portfolio."""
    name: str
    """Full name."""
    title: str | None = None
    """Job title."""
    unit: str | None = None
    """The organizational unit id."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class OrgUnit:
    """A unit of the organization (4.3 scope may cover some units only)."""

    id: str
    """Identifier."""
    name: str
    """Name."""
    parent: str | None = None
    """The parent unit id."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Process:
    """A process of the CBRMS process map (4.4)."""

    id: str
    """Identifier."""
    name: str
    """Name."""
    owner: str | None = ref("person")
    """The process owner (person id); 4.4 requires one and 5.3 a role assignment for them."""
    covers: tuple[str, ...] = many()
    """What the process covers: ``stage_1`` ... ``stage_8``, ``monitoring`` (9.1), ``audit``
    (9.2), ``management_review`` (9.3), ``corrective_action`` (10.1)..."""
    inputs: tuple[str, ...] = many()
    """Its inputs."""
    outputs: tuple[str, ...] = many()
    """Its outputs."""
    interactions: tuple[str, ...] = many()
    """Ids of the processes it interacts with."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class StageProcedure:
    """What the lifecycle procedure defines for one stage (8.1)."""

    stage: int = scale(1, 8, "a lifecycle stage")
    """The stage, 1-8."""
    entry_criteria: tuple[str, ...] = many()
    """What must hold to enter."""
    activities: tuple[str, ...] = many()
    """What is done."""
    outputs: tuple[str, ...] = many()
    """What it produces."""
    exit_criteria: tuple[str, ...] = many()
    """What must hold to leave (the gate)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class LifecycleProcedure:
    """The documented eight-stage lifecycle procedure (4.4, 8.1)."""

    document_id: str | None = None
    """The controlled document that holds it."""
    stages: tuple[StageProcedure, ...] = many()
    """One entry per stage."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CBRMS:
    """The collaborative business relationship management system itself (4.4)."""

    document_id: str | None = None
    """The controlled document describing it."""
    process_map: tuple[Process, ...] = many()
    """Its processes and their interactions."""
    lifecycle_procedure: LifecycleProcedure | None = None
    """The lifecycle procedure applied to each relationship (8.1)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class OrganizationChange:
    """A change to the CBRMS or the way it runs, planned or not (8.1: change control)."""

    id: str
    """Identifier."""
    changed_on: date
    """When it took effect."""
    description: str
    """What changed."""
    planned: bool = True
    """Whether it was planned; an unintended change is reviewed after the fact (8.1)."""
    impact_reviewed_on: date | None = None
    """When its impact was reviewed (8.1: before a planned change takes effect)."""
    reviewed_by: str | None = ref("person")
    """Who reviewed it (person id)."""
    actions: tuple[Action, ...] = many()
    """Actions to mitigate adverse effects, where needed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class OutsourcedProcess:
    """A CBRMS process run by an external provider, and how it is controlled (8.1)."""

    process: str
    """The process, such as ``internal audit`` or ``partner due diligence``."""
    provider: str | None = None
    """Who runs it."""
    controls: tuple[str, ...] = many()
    """How the organization controls it (contract terms, reviews, reports received)."""
    owner: str | None = ref("person")
    """The person id accountable for the process inside the organization."""
    last_reviewed_on: date | None = None
    """When the provider's performance was last reviewed."""


@functools.lru_cache(maxsize=1024)
def _parsed_requirement(requirement: str) -> tuple[str, str, str | None, str, str]:
    """Split an exclusion's requirement once (``Exclusion.covers`` runs per rule and subject).

    Returns the stripped text, its rule-id prefix (``req/``), its namespace prefix (``ns:``,
    or ``None``), the bare clause and its subclause prefix (``clause.``).
    """
    req = requirement.strip()
    namespace, colon, bare = req.partition(":")
    if not colon:
        return req, req + "/", None, req, req + "."
    return req, req + "/", namespace + ":", bare, bare + "."


@attrs.frozen(kw_only=True, field_transformer=checked)
class Exclusion:
    """A requirement excluded from the CBRMS, with the reason (4.3)."""

    requirement: str
    """The rule id or clause excluded: ``iso44001:8.3.5/strategy`` (one rule),
    ``iso44001:8.5.4`` (every rule of the clause and its subclauses) or ``8.5.4``."""
    justification: str
    """Why it does not apply; reported in every assessment."""
    relationships: tuple[str, ...] = many(ref="relationship")
    """The relationships it is limited to; empty means every relationship (4.3)."""

    def covers(self, rule_id: str, clause: str) -> bool:
        """Return whether the exclusion names the rule *rule_id* of *clause*.

        The requirement matches the rule itself (``iso44001:8.3.5/strategy``), a rule id it
        is a ``/``-prefix of, or, as a clause with or without its namespace, the rule's clause
        and every subclause (``8.5.4`` covers ``8.5.4.1``); a namespaced clause matches only
        rules of that namespace.
        """
        req, rule_prefix, namespace, bare, subclause = _parsed_requirement(self.requirement)
        if rule_id == req or rule_id.startswith(rule_prefix):
            return True
        if namespace is not None and not rule_id.startswith(namespace):
            return False
        return clause == bare or clause.startswith(subclause)

    approved_by: str | None = None
    """Who approved the exclusion."""
    approved_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Scope:
    """The scope of the CBRMS (4.3): its application level, units and relationships."""

    document_id: str | None = None
    """The controlled document that holds the scope (4.3: documented information)."""
    application_level: ApplicationLevel | None = enum_field(ApplicationLevel, None, optional=True)
    """Single application, individual relationship, multiple relationships or org-wide."""
    units: tuple[str, ...] = many()
    """The organizational units covered."""
    relationships_in_scope: tuple[str, ...] = many(ref="relationship")
    """Ids of the relationships covered (all of them when organization-wide)."""
    exclusions: tuple[Exclusion, ...] = many()
    """Requirements excluded, each with a justification."""
    last_reviewed_on: date | None = None
    """When the scope was last reviewed."""

    def covers(self, relationship_id: str) -> bool:
        """Return whether the relationship is in scope."""
        return (
            self.application_level is ApplicationLevel.ORGANIZATION_WIDE
            or relationship_id in self.relationships_in_scope
        )


@attrs.frozen(kw_only=True, field_transformer=checked)
class ContextAnalysis:
    """The analysis of internal and external issues (4.1)."""

    internal_issues: tuple[str, ...] = many()
    """Internal issues relevant to the CBRMS."""
    external_issues: tuple[str, ...] = many()
    """External issues relevant to the CBRMS."""
    method: str | None = None
    """How it was done: ``SWOT``, ``PESTLE`` or another method."""
    collaboration_drivers: tuple[str, ...] = many()
    """What makes collaboration attractive or risky (4.1)."""
    updated_on: date | None = None
    """When it was last brought up to date."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class StakeholderEntry:
    """One stakeholder and its needs (4.2)."""

    stakeholder: str
    """Who."""
    category: str
    """``customer``, ``partner``, ``supplier``, ``internal``, ``owner``, ``regulator``..."""
    needs: tuple[str, ...] = many()
    """Their needs and expectations."""
    is_requirement: bool = False
    """Whether a need is taken on as a requirement of the CBRMS."""
    trace_to: tuple[str, ...] = many()
    """Ids of the scope, policy or objectives a requirement traces to (4.2)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class StakeholderRegister:
    """The stakeholder register (4.2)."""

    entries: tuple[StakeholderEntry, ...] = many()
    """The stakeholders."""
    updated_on: date | None = None
    """When it was last brought up to date."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ValueDriver:
    """A way collaboration is expected to create value (4.5)."""

    id: str
    """Identifier."""
    kind: str
    """``cost``, ``time``, ``risk``, ``innovation``, ``capability``, ``market_access``..."""
    description: str = ""
    """What it means here."""
    measure: str | None = None
    """How the value is recognized and measured (4.5)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ValueStatement:
    """How collaborative working creates value beyond a transactional approach (4.5)."""

    document_id: str | None = None
    """The controlled document that holds it."""
    drivers: tuple[ValueDriver, ...] = many()
    """The value drivers."""
    objective_links: tuple[str, ...] = many()
    """Ids of the objectives it supports."""
    approved_by: str | None = None
    """Who approved it (4.5: top management or the SER)."""
    approved_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Policy:
    """The collaborative business relationship policy (5.2)."""

    document_id: str | None = None
    """The controlled document that holds it."""
    values: tuple[str, ...] = many()
    """The organization's values for collaboration."""
    behaviour_code_ref: str | None = None
    """The behaviour code it sets out."""
    commits_to_requirements: bool = False
    """Whether it commits to meeting applicable requirements."""
    commits_to_improvement: bool = False
    """Whether it commits to continual improvement."""
    communicated_to: tuple[str, ...] = many()
    """Audiences it was communicated to."""
    externally_available: bool = False
    """Whether stakeholders can obtain it."""
    approved_by: str | None = None
    """Who approved it (top management, 5.1)."""
    approved_on: date | None = None
    """When it was approved."""
    last_reviewed_on: date | None = None
    """When it was last reviewed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SegmentEntry:
    """The segmentation of one relationship (6.3.1, 8.2.6)."""

    relationship_id: str = ref("relationship", required=True)
    """The relationship."""
    counterparty: str | None = None
    """Who it is with."""
    segment: str | None = None
    """The segment, such as ``strategic`` or ``transactional``."""
    priority: int | None = scale(1, None, "1 is the highest priority", default=None)
    """Its priority (1 is highest)."""
    rationale: str | None = None
    """Why it is in this segment."""
    criteria_version: int | None = None
    """The version of the segmentation criteria used."""
    collaborative_candidate: bool = False
    """Whether a collaborative approach is pursued."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Segmentation:
    """The criteria-based segmentation of the relationship portfolio (6.3.1)."""

    criteria_document_id: str | None = None
    """The controlled document holding the criteria."""
    criteria_version: int = 1
    """The current version of the criteria."""
    criteria: tuple[str, ...] = many()
    """The criteria (value, risk, complexity, strategic importance...)."""
    entries: tuple[SegmentEntry, ...] = many()
    """One entry per relationship."""
    last_reviewed_on: date | None = None
    """When it was last reviewed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Opportunity:
    """An opportunity for collaboration and what was decided about it (6.3.2)."""

    id: str
    """Identifier."""
    description: str
    """What it is."""
    potential_partners: tuple[str, ...] = many()
    """Who could take part."""
    expected_value: str | None = None
    """The benefit expected."""
    key_risks: tuple[str, ...] = many()
    """The main risks."""
    decision: OpportunityDecision | None = enum_field(OpportunityDecision, None, optional=True)
    """Pursue, defer or reject."""
    decided_by: str | None = None
    """Who decided."""
    decided_on: date | None = None
    """When."""
    relationship_id: str | None = ref("relationship")
    """The relationship that pursues it (6.3.2: decision=pursue needs one)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ResourcePlan:
    """The resources for the CBRMS or one relationship (7.1)."""

    id: str
    """Identifier."""
    roles: tuple[str, ...] = many()
    """The roles staffed."""
    effort: Quantity | None = quantity_field("effort")
    """Effort, in person-days or FTE."""
    budget: Quantity | None = quantity_field("money")
    """Budget, in a currency."""
    tools: tuple[str, ...] = many()
    """Information systems and tools."""
    period_start: date | None = None
    """Start of the period planned."""
    period_end: date | None = attrs.field(default=None)
    """End of the period planned (not before its start)."""
    approved_by: str | None = None
    """Who approved it."""
    approved_on: date | None = None
    """When."""

    @period_end.validator
    def _period_in_order(self, _: attrs.Attribute[Any], end: date | None) -> None:
        start = self.period_start  # both are checked dates or None by now
        if end is not None and start is not None and end < start:
            fail(self, "period_end", f"must not be before period_start ({start})", end,
                 "Swap the two dates")  # fmt: skip


@attrs.frozen(kw_only=True, field_transformer=checked)
class LevelScore:
    """A named competence, behaviour or theme with a level."""

    name: str
    """The competence code (``C01``), behaviour (``B01``) or theme."""
    level: int = scale(1, 5, "competence levels are 1-4, maturity levels 1-5")
    """The level: 1-4 for competence (catalog §4), 1-5 for maturity (catalog §5.2)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CompetenceProfile:
    """The competences and behaviours a role needs (7.2, Annex C)."""

    id: str
    """Identifier."""
    role: str
    """The role, such as ``ser`` or ``relationship_lead``."""
    competencies: tuple[LevelScore, ...] = many()
    """Required competence levels."""
    behaviours: tuple[LevelScore, ...] = many()
    """Required behaviour levels."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CompetenceRecord:
    """A person's assessed collaborative competence and behaviour (7.2, 7.5.4, 8.3.3)."""

    id: str
    """Identifier."""
    person: str = ref("person", required=True)
    """The person assessed."""
    role: str | None = None
    """The role assessed against."""
    relationship_ids: tuple[str, ...] = many(ref="relationship")
    """The relationships the person works in."""
    competencies: tuple[LevelScore, ...] = many()
    """Assessed competence levels."""
    behaviours: tuple[LevelScore, ...] = many()
    """Assessed behaviour levels."""
    assessed_by: str | None = None
    """Who assessed."""
    assessed_on: date | None = None
    """When (7.5.4: kept current)."""
    gaps: tuple[str, ...] = many()
    """Competences or behaviours below the profile."""
    development_actions: tuple[Action, ...] = many()
    """Actions closing the gaps (7.2); the description names the gap it closes."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class AwarenessRecord:
    """Evidence that a person is aware of the policy, objectives and behaviours (7.3)."""

    person: str = ref("person", required=True)
    """The person."""
    topics: tuple[str, ...] = many()
    """Topics covered: ``policy``, ``objectives``, ``contribution``, ``behaviours``,
    ``consequences``."""
    recorded_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CommunicationItem:
    """A planned communication (7.4)."""

    topic: str
    """What."""
    audience: str | None = None
    """To whom."""
    frequency: Cadence | None = cadence_field()
    """How often."""
    channel: str | None = None
    """How."""
    owner: str | None = None
    """Who is responsible."""
    relationship_id: str | None = ref("relationship")
    """The relationship it serves, if any."""
    partner_facing: bool = False
    """Whether it goes to partners (7.4: needed from stage 5)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CommunicationPlan:
    """The communication plan (7.4)."""

    document_id: str | None = None
    """The controlled document that holds it."""
    items: tuple[CommunicationItem, ...] = many()
    """The planned communications."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Communication:
    """A communication that took place (7.4, 5.1, 5.2)."""

    sent_on: date
    """When."""
    topic: str
    """What, such as ``policy`` or ``collaboration``."""
    audience: str | None = None
    """To whom."""
    by: str | None = None
    """Who communicated (person id); 5.1 looks for top management."""
    relationship_id: str | None = ref("relationship")
    """The relationship concerned, if any."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Document:
    """An entry of the register of documented information (7.5)."""

    id: str
    """Identifier, referenced by the artefacts' ``document_id``."""
    title: str
    """Title (7.5.2: identification)."""
    doc_type: str
    """What it is: ``scope``, ``policy``, ``corporate_rmp``, ``rmp``, ``joint_rmp``,
    ``exit_strategy``, ``agreement``..."""
    origin: Origin = enum_field(Origin, Origin.INTERNAL)
    """Internal, external or joint (7.5.3)."""
    version: int = 1
    """Current version."""
    author: str | None = None
    """Who wrote it (7.5.2)."""
    approved_by: str | None = None
    """Who approved the current version (7.5.2)."""
    approved_on: date | None = None
    """When."""
    classification: str | None = None
    """Confidentiality class (7.5.3)."""
    retention_period: CalendarInterval | None = interval_field()
    """How long it is kept (7.5.3)."""
    disposition: str | None = None
    """What happens at the end of retention."""
    access_list: tuple[str, ...] = many()
    """Who may access it (7.5.3)."""
    change_log: tuple[DocumentChange, ...] = many()
    """Its changes (7.5.3: needed from version 2)."""
    review_due_on: date | None = None
    """When it is next due for review."""
    relationship_id: str | None = ref("relationship")
    """The relationship it belongs to, if any."""
    owner: str | None = None
    """Who owns it (7.5.3: joint documents need an agreed owner)."""
    change_authority: str | None = None
    """Who may change it (7.5.3: joint documents)."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement of a joint document's control regime (7.5.3)."""
    backfilled: bool | None = None
    """For a relationship onboarded by retrofit: whether the document was filled in after the
    fact (``True``) or is a record made at the time (``False``); catalog §0.5 point 6."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ValueAnalysisMethod:
    """The organization's method of analysing the value of collaborating (8.2.5)."""

    document_id: str | None = None
    """The controlled document that holds it."""
    version: int = 1
    """Current version."""
    criteria: tuple[str, ...] = many()
    """The criteria used."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CollaborativeProfile:
    """How ready and mature the organization is as a partner (8.4.4)."""

    assessed_on: date | None = None
    """When it was assessed."""
    method: str | None = None
    """The method, such as the Annex D maturity matrix."""
    maturity_scores: tuple[LevelScore, ...] = many()
    """A level per theme."""
    blockers: tuple[Action, ...] = many()
    """Blockers found, each as the action that removes it (8.4.4)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class MonitoringItem:
    """Something the CBRMS monitors (9.1.1)."""

    subject: str
    """What is monitored: an objective id, a KPI id or a process."""
    method: str | None = None
    """How."""
    frequency: Cadence | None = cadence_field()
    """How often."""
    relationship_id: str | None = ref("relationship")
    """The relationship, when the item is a relationship KPI."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class MonitoringPlan:
    """What is monitored and measured, how and when (9.1.1)."""

    items: tuple[MonitoringItem, ...] = many()
    """The items monitored."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class MonitoringResult:
    """A monitoring result (9.1.1)."""

    subject: str
    """The item monitored."""
    measured_on: date
    """When."""
    summary: str = ""
    """The result."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class AuditReport:
    """The report of one internal audit (9.2)."""

    id: str
    """Identifier."""
    audited_on: date
    """When the audit took place."""
    clauses: tuple[str, ...] = many()
    """Clauses covered, such as ``4`` or ``8.6``."""
    relationships_sampled: tuple[str, ...] = many(ref="relationship")
    """Relationships sampled."""
    stages_sampled: tuple[int, ...] = many(bounds=(1, 8, "lifecycle stages"))
    """The stages of the relationships sampled, at the time of the audit."""
    auditor: str | None = None
    """Who audited."""
    auditee_owner: str | None = None
    """The owner of the process audited; must not be the auditor."""
    reported_to: tuple[str, ...] = many()
    """Who received the report."""
    findings: tuple[str, ...] = many()
    """What was found."""
    nonconformity_ids: tuple[str, ...] = many()
    """Nonconformities raised from it (10.1)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class AuditProgramme:
    """The internal audit programme (9.2)."""

    document_id: str | None = None
    """The controlled document that holds it."""
    cycle_start: date | None = None
    """Start of the current audit cycle."""
    planned_clauses: tuple[str, ...] = many()
    """Clauses planned in the cycle."""
    method: str | None = None
    """Audit methods and criteria."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ManagementReview:
    """A management review by top management (9.3)."""

    id: str
    """Identifier."""
    held_on: date
    """When."""
    attendees: tuple[str, ...] = many()
    """Person ids attending (top management and the SER)."""
    inputs: tuple[str, ...] = many()
    """Inputs considered: ``prev_actions``, ``context_changes``, ``nc_ca``, ``monitoring``,
    ``audit``, ``improvement_opps``, ``relationship_performance``, ``exit_evaluations``,
    ``stakeholder_feedback``."""
    decisions: tuple[str, ...] = many()
    """Decisions taken."""
    improvement_decisions: tuple[str, ...] = many()
    """Decisions on improvement (10.2)."""
    actions: tuple[Action, ...] = many()
    """Actions agreed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class PerformanceReport:
    """A report on CBRMS performance to top management (5.3.1)."""

    reported_on: date
    """When."""
    by: str | None = None
    """Who reported."""
    to: tuple[str, ...] = many()
    """Recipients."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Nonconformity:
    """A nonconformity and its corrective action (10.1).

    Its lifecycle: raised, action planned, implemented, verified, closed.
    """

    id: str
    """Identifier."""
    raised_on: date
    """When it was raised."""
    description: str
    """What requirement was not met, and how."""
    clause: str | None = None
    """The clause concerned."""
    rule_id: str | None = None
    """The rule whose failing finding raised it, when raised from findings."""
    relationship_id: str | None = ref("relationship")
    """The relationship, when it sits in one."""
    joint: bool = False
    """Whether it sits in joint arrangements (the corrective action needs partner agreement)."""
    status: NonconformityStatus = enum_field(NonconformityStatus, NonconformityStatus.RAISED)
    """Where it is in its lifecycle."""
    correction: str | None = None
    """The immediate correction."""
    root_cause: str | None = None
    """The cause found."""
    similar_check: str | None = None
    """Whether similar cases exist or could occur."""
    actions: tuple[Action, ...] = many()
    """The corrective actions."""
    verified_on: date | None = None
    """When effectiveness was verified."""
    effective: bool | None = None
    """Whether the actions were effective."""
    closed_on: date | None = None
    """When it was closed."""
    agreed_by: tuple[Signoff, ...] = many()
    """Partner agreement of the corrective action, when joint."""

    def _move(self, to: NonconformityStatus, **changes: Any) -> Nonconformity:
        allowed = _NC_NEXT[self.status]
        if to not in allowed:
            from collabrel.errors import StatusChangeError

            names = tuple(s.value for s in allowed)
            raise StatusChangeError(
                f"nonconformity {self.id!r} is {self.status.value}; it can move to "
                f"{', '.join(names) or 'nothing (it is closed)'}, not to {to.value}",
                subject_id=self.id,
                current=self.status.value,
                requested=to.value,
                allowed=names,
            )
        return attrs.evolve(self, status=to, **changes)

    def plan(
        self,
        actions: Iterable[Action],
        *,
        correction: str | None = None,
        root_cause: str | None = None,
        similar_check: str | None = None,
    ) -> Nonconformity:
        """Return it with corrective actions planned (raised -> action_planned).

        Raises:
            StatusChangeError: when it is not raised (or reopened) or no action is given.
        """
        planned = tuple(actions)
        if not planned:
            from collabrel.errors import StatusChangeError

            raise StatusChangeError(
                f"plan at least one corrective action for nonconformity {self.id!r}",
                subject_id=self.id, current=self.status.value, requested="action_planned",
                allowed=("action_planned",),
            )  # fmt: skip
        return self._move(
            NonconformityStatus.ACTION_PLANNED,
            actions=(*self.actions, *planned),
            correction=correction or self.correction,
            root_cause=root_cause or self.root_cause,
            similar_check=similar_check or self.similar_check,
        )

    def implement(self, on: date) -> Nonconformity:
        """Return it with every open action done on *on* (action_planned -> implemented)."""
        done = tuple(a if a.done_on else attrs.evolve(a, done_on=on) for a in self.actions)
        return self._move(NonconformityStatus.IMPLEMENTED, actions=done)

    def verify(self, on: date, *, effective: bool) -> Nonconformity:
        """Return it verified on *on*: effective -> verified; not effective -> reopened.

        A corrective action that did not work goes back to action_planned, to be planned anew.
        """
        target = NonconformityStatus.VERIFIED if effective else NonconformityStatus.ACTION_PLANNED
        if self.status is not NonconformityStatus.IMPLEMENTED:
            return self._move(NonconformityStatus.VERIFIED)  # raises with the allowed moves
        return attrs.evolve(self, status=target, verified_on=on, effective=effective)

    def close(self, on: date) -> Nonconformity:
        """Return it closed on *on* (verified -> closed)."""
        return self._move(NonconformityStatus.CLOSED, closed_on=on)


@attrs.frozen(kw_only=True, field_transformer=checked)
class Improvement:
    """An entry of the improvement log (10.2)."""

    id: str
    """Identifier."""
    description: str
    """What was improved."""
    source: str | None = None
    """Where it came from (audit, review, lesson, idea)."""
    implemented_on: date | None = None
    """When it was implemented."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Organization:
    """An organization and its CBRMS: the corporate layer (clauses 4-7, 9, 10 and 8.1).

    Its ``id`` is the organization's party id in every relationship.
    """

    id: str
    """The organization's party id."""
    name: str
    """Its name."""
    units: tuple[OrgUnit, ...] = many()
    """Its units."""
    people: tuple[Person, ...] = many()
    """Its people."""
    top_management: tuple[str, ...] = many(ref="person")
    """Person ids of top management (5.1)."""
    cbrms: CBRMS = attrs.field(factory=CBRMS)
    """The management system and its processes (4.4, 8.1)."""
    changes: tuple[OrganizationChange, ...] = many()
    """Changes to the CBRMS and how they were controlled (8.1)."""
    outsourced_processes: tuple[OutsourcedProcess, ...] = many()
    """CBRMS processes run by external providers, with their controls (8.1)."""
    scope: Scope | None = None
    """The scope (4.3)."""
    context: ContextAnalysis | None = None
    """Internal and external issues (4.1)."""
    stakeholders: StakeholderRegister | None = None
    """Stakeholders and their requirements (4.2)."""
    value_statement: ValueStatement | None = None
    """How collaboration creates value (4.5)."""
    policy: Policy | None = None
    """The collaborative business relationship policy (5.2)."""
    roles: tuple[RoleAssignment, ...] = many()
    """Corporate role assignments (5.3, 5.3.1)."""
    sers: tuple[SER, ...] = many()
    """Corporate senior executives responsible (5.3.3)."""
    governance: GovernanceStructure | None = None
    """The corporate governance structure (5.3.2)."""
    objectives: tuple[Objective, ...] = many()
    """Corporate objectives (6.2)."""
    risk_register: RiskRegister | None = None
    """The corporate risk register (6.1)."""
    segmentation: Segmentation | None = None
    """Criteria and segmentation of the relationship portfolio (6.3.1)."""
    opportunities: tuple[Opportunity, ...] = many()
    """Opportunities for collaboration (6.3.2)."""
    resource_plan: ResourcePlan | None = None
    """Corporate resources (7.1)."""
    competence_profiles: tuple[CompetenceProfile, ...] = many()
    """Role profiles (7.2, Annex C)."""
    competence_records: tuple[CompetenceRecord, ...] = many()
    """Records of collaborative competence (7.2, 7.5.4)."""
    awareness_records: tuple[AwarenessRecord, ...] = many()
    """Awareness evidence (7.3)."""
    communication_plan: CommunicationPlan | None = None
    """Planned communications (7.4)."""
    communications: tuple[Communication, ...] = many()
    """Communications made (5.1, 5.2, 7.4)."""
    documents: tuple[Document, ...] = many()
    """The register of documented information (7.5)."""
    corporate_rmp: CorporateRMP | None = None
    """The corporate RMP (7.5.5)."""
    value_analysis_method: ValueAnalysisMethod | None = None
    """The value analysis method (8.2.5)."""
    collaborative_profile: CollaborativeProfile | None = None
    """The collaborative profile (8.4.4)."""
    monitoring_plan: MonitoringPlan | None = None
    """What is monitored (9.1.1)."""
    monitoring_results: tuple[MonitoringResult, ...] = many()
    """Monitoring results (9.1.1)."""
    audit_programme: AuditProgramme | None = None
    """The audit programme (9.2)."""
    audit_reports: tuple[AuditReport, ...] = many()
    """Internal audit reports (9.2)."""
    management_reviews: tuple[ManagementReview, ...] = many()
    """Management reviews (9.3)."""
    performance_reports: tuple[PerformanceReport, ...] = many()
    """Reports on CBRMS performance to top management (5.3.1)."""
    nonconformities: tuple[Nonconformity, ...] = many()
    """Nonconformities and corrective actions (10.1)."""
    improvements: tuple[Improvement, ...] = many()
    """The improvement log (10.2)."""
    fact_schema: FactSchema = attrs.field(factory=FactSchema)
    """The organization-specific facts it records, on itself and on every relationship."""
    facts: Facts = attrs.field(factory=Facts)
    """Its organization-specific facts (declared in ``fact_schema.organization``)."""

    def __attrs_post_init__(self) -> None:
        fields = self.fact_schema.organization
        if self.facts.fields is not fields and (fields or self.facts):
            try:
                typed = Facts.typed(fields, self.facts)
            except LoadError as exc:
                raise LoadError(
                    [attrs.evolve(p, path=f"$.facts{p.path[1:]}") for p in exc.problems],
                    source="<organization>",
                ) from None
            object.__setattr__(self, "facts", typed)

    def person(self, person_id: str) -> Person | None:
        """Return the person with *person_id*, or ``None``."""
        for p in self.people:
            if p.id == person_id:
                return p
        return None

    def document(self, document_id: str) -> Document | None:
        """Return the document with *document_id* from the register, or ``None``."""
        for d in self.documents:
            if d.id == document_id:
                return d
        return None

    @property
    def latest_management_review(self) -> ManagementReview | None:
        """The most recent management review, or ``None``."""
        return max(self.management_reviews, key=lambda r: r.held_on, default=None)


CONTEXT_HINT = (
    "write an issue exactly as in organization.context (internal_issues, external_issues, "
    "collaboration_drivers) or a stakeholder as named in organization.stakeholders.entries"
)
"""How to fix a ``source_ref`` that names nothing known (the loader's hint)."""


def context_sources(org: Organization) -> frozenset[str]:
    """What a risk's ``source_ref`` may name (6.1): every context issue and stakeholder.

    The issues are the texts of the context analysis (internal, external, collaboration
    drivers, 4.1); the stakeholders are the names in the stakeholder register (4.2).
    """
    found: set[str] = set()
    if org.context is not None:
        c = org.context
        found.update(c.internal_issues, c.external_issues, c.collaboration_drivers)
    if org.stakeholders is not None:
        found.update(e.stakeholder for e in org.stakeholders.entries)
    return frozenset(found)
