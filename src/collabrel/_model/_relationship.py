"""A business relationship and the evidence of each lifecycle stage (clause 8).

The stage artefacts are grouped by stage (``awareness`` ... ``disengagement``); artefacts that
run through the whole lifecycle (the RMPs, the exit strategy, the risk register, objectives,
SERs and the team) sit on the relationship itself. Unchanged groups keep their identity when a
relationship is evolved, which is what makes the engine's change detection cheap.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from collabrel._dates import Cadence, CalendarInterval
from collabrel._facts import Facts
from collabrel._model._artefacts import (
    RMP,
    SER,
    ExitStrategy,
    GovernanceStructure,
    JointRMP,
    Objective,
    RiskRegister,
    RoleAssignment,
)
from collabrel._model._checks import checked, fail, scale
from collabrel._model._common import (
    Action,
    Compatibility,
    DecisionOutcome,
    Direction,
    DocumentChange,
    Intensity,
    IssueStatus,
    KPIKind,
    Measurement,
    Onboarding,
    Participant,
    ProgressStatus,
    RelationshipForm,
    Scale,
    ShareClass,
    Signoff,
    TargetDirection,
    TargetStatus,
    cadence_field,
    enum_field,
    interval_field,
    many,
    quantity_field,
    ref,
    stage_field,
)
from collabrel._model._organization import Person, ResourcePlan
from collabrel._stages import Stage
from collabrel.units import Quantity, ensure_quantity

__all__ = [
    "KPI",
    "SWOT",
    "Agreement",
    "Awareness",
    "BusinessCase",
    "CapabilityAssessment",
    "ChangeRecord",
    "CompetenceNeedsAssessment",
    "ContinuityItem",
    "ContinuityPlan",
    "CriterionScore",
    "Decision",
    "Disengagement",
    "DisengagementPlan",
    "Engagement",
    "EscalationLevel",
    "ExitActivation",
    "ExitEvaluation",
    "ExpectedBenefit",
    "FutureOpportunity",
    "GateApproval",
    "Idea",
    "ImprovementTarget",
    "InternalAssessment",
    "Issue",
    "IssueResolutionProcess",
    "JMTMeeting",
    "JointDevelopmentPlan",
    "JointKMProcess",
    "JointObjectiveAssessment",
    "Knowledge",
    "KnowledgeItem",
    "KnowledgeMap",
    "LessonLearned",
    "NegotiationStrategy",
    "ObjectiveStatus",
    "PartnerCandidate",
    "PartnerEvaluation",
    "PartnerSelection",
    "Party",
    "PerformanceAnalysis",
    "Prioritisation",
    "ProcessReview",
    "RAIOCycle",
    "Rejection",
    "Relationship",
    "RelationshipEvaluation",
    "RiskProcess",
    "SERReview",
    "SelectionCriteria",
    "SelectionCriterion",
    "SelectionDecision",
    "StageRecord",
    "StayingTogether",
    "SupplyChainAssessment",
    "TrustIndicator",
    "TrustMeasurement",
    "ValueAnalysis",
    "ValueCreation",
    "ValueCreationProcess",
    "WorkingTogether",
]


@attrs.frozen(kw_only=True, field_transformer=checked)
class Party:
    """A party to a relationship: the organization itself or a partner."""

    id: str
    """The party id; the organization's own party has the organization's id."""
    name: str
    """Its name."""
    contacts: tuple[Person, ...] = many()
    """Its people known to the relationship."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class GateApproval:
    """One party's approval of a stage gate, given by its senior executive responsible.

    The gates out of the joint stages 5-8 are approved by every party's SER (catalog §1.15).
    """

    party: str = ref("party", required=True)
    """The party whose SER approved."""
    by: str = ref("person", required=True)
    """The person who approved: that party's active SER."""
    approved_on: date | None = None
    """When, if not the day the stage was entered."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class StageRecord:
    """One entry of a relationship's stage history: a stage entered, when, and on whose word."""

    stage: Stage = stage_field()
    """The stage entered."""
    entered_on: date
    """When it was entered."""
    approved_by: str | None = ref("person")
    """The person id of who approved the gate (the SER, or every party's SER from stage 5)."""
    approvals: tuple[GateApproval, ...] = many()
    """Every party's approval of a joint gate (leaving stages 5-8), one per party."""
    retrofit: bool = False
    """Whether the entry was a retrofit onboarding with back-filled evidence (§0.5 point 6)."""
    note: str | None = None
    """Why, for a step back, a withdrawal or an exit activation."""


# ----------------------------------------------------------------------- stage 1 (8.2)


@attrs.frozen(kw_only=True, field_transformer=checked)
class ExpectedBenefit:
    """A benefit expected from collaborating (8.2.4)."""

    description: str
    """What."""
    estimate: Quantity | None = quantity_field()
    """How much, as a quantity (money, percent, person-days...)."""
    measure: str | None = None
    """How it will be measured."""
    value_driver_id: str | None = None
    """The value-statement driver it realizes (4.5)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ValueAnalysis:
    """The analysis of the value of collaborating against alternatives (8.2.5)."""

    id: str
    """Identifier."""
    method_version: int | None = None
    """The version of the organization's value analysis method used."""
    alternatives: tuple[str, ...] = many()
    """The alternatives compared (8.2.5: at least two, such as a transactional approach)."""
    benefits: str | None = None
    """Benefits found."""
    costs: str | None = None
    """Costs found."""
    risks: str | None = None
    """Risks found."""
    result: str | None = None
    """The conclusion."""
    reviewed_by: str | None = None
    """Who reviewed it (8.2.5: the SER)."""
    reviewed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Prioritisation:
    """Where this relationship sits in the segmentation (8.2.6)."""

    segment: str | None = None
    """Its segment."""
    priority: int | None = scale(1, None, "1 is the highest priority", default=None)
    """Its priority (1 is highest)."""
    rationale: str | None = None
    """Why."""
    criteria_version: int | None = None
    """The version of the segmentation criteria used (must be current)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CompetenceNeedsAssessment:
    """The competences this application needs and the gaps found (8.2.7)."""

    id: str
    """Identifier."""
    profile_ids: tuple[str, ...] = many()
    """The competence profiles used."""
    gaps: tuple[Action, ...] = many()
    """Gaps found, each as the development action that closes it."""
    assessed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Awareness:
    """Stage 1, operational awareness (8.2): the evidence specific to stage 1."""

    governance: GovernanceStructure | None = None
    """The operational governance structure (8.2.3)."""
    expected_benefits: tuple[ExpectedBenefit, ...] = many()
    """Expected value of collaborating (8.2.4)."""
    value_analysis: ValueAnalysis | None = None
    """Value analysis (8.2.5)."""
    prioritisation: Prioritisation | None = None
    """Prioritisation against the segmentation criteria (8.2.6)."""
    competence_needs: CompetenceNeedsAssessment | None = None
    """Competence needs (8.2.7)."""


# ----------------------------------------------------------------------- stage 2 (8.3)


@attrs.frozen(kw_only=True, field_transformer=checked)
class BusinessCase:
    """The strategy and business case of the collaboration (8.3.2)."""

    id: str
    """Identifier."""
    objectives: tuple[str, ...] = many()
    """Its objectives (ids or text)."""
    drivers: tuple[str, ...] = many()
    """The drivers behind them."""
    operating_model: str | None = None
    """The proposed operating and collaboration model."""
    value_analysis_ref: str | None = None
    """The value analysis it builds on."""
    environment_analysis_ref: str | None = None
    """The external environment analysis (such as PESTLE)."""
    costs: Quantity | None = quantity_field("money")
    """Expected costs, as an amount of money."""
    risks_ref: str | None = None
    """The risk register it refers to."""
    resources: str | None = None
    """The resources needed."""
    success_measures: tuple[str, ...] = many()
    """How success will be measured."""
    impact_on_existing: str | None = None
    """Effects on existing relationships."""
    internal_exit_considerations: str | None = None
    """First internal thoughts on how the organization would exit (8.3.2, Annex E)."""
    value_driver_ids: tuple[str, ...] = many()
    """The value-statement drivers it serves (4.5)."""
    approved_on: date | None = None
    """When it was approved."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class KnowledgeItem:
    """A knowledge asset and whether it can be shared (8.3.4)."""

    asset: str
    """The asset."""
    owner_party: str | None = ref("party")
    """Whose it is."""
    share_class: ShareClass | None = enum_field(ShareClass, None, optional=True)
    """Can, conditional or cannot share."""
    conditions: str | None = None
    """The conditions of a conditional share."""
    protection: str | None = None
    """How it is protected."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class KnowledgeMap:
    """What knowledge can, could and cannot be shared (8.3.4)."""

    id: str
    """Identifier."""
    items: tuple[KnowledgeItem, ...] = many()
    """The assets."""
    approved_by: str | None = None
    """Who approved it (the SER)."""
    approved_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SupplyChainAssessment:
    """Risks beyond the immediate partner (8.3.5)."""

    critical_dependencies: tuple[str, ...] = many()
    """Critical dependencies in the supply chain and extended enterprise."""
    none_identified_rationale: str | None = None
    """Why none were found, when none were."""
    assessed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class RiskProcess:
    """The risk management process of the collaboration (8.3.6)."""

    method: str | None = None
    """The method."""
    review_frequency: CalendarInterval | None = interval_field()
    """How often the register is reviewed."""
    escalation_threshold: int | None = scale(
        1, 25, "a risk rating, likelihood x impact on the 1-5 scales", default=None
    )
    """The rating (1-25) from which a risk is escalated."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Decision:
    """A recorded decision (8.3.7 business case evaluation, and others)."""

    subject: str
    """What was decided on, such as ``business_case``."""
    outcome: DecisionOutcome = enum_field(DecisionOutcome, DecisionOutcome.PROCEED)
    """Proceed, revise or stop."""
    decided_by: str | None = None
    """Who decided (must hold authority)."""
    decided_on: date | None = None
    """When."""
    rationale: str | None = None
    """Why."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Knowledge:
    """Stage 2, knowledge (8.3): the evidence specific to stage 2."""

    business_case: BusinessCase | None = None
    """Strategy and business case (8.3.2)."""
    knowledge_map: KnowledgeMap | None = None
    """Knowledge management (8.3.4)."""
    supply_chain: SupplyChainAssessment | None = None
    """Supply chain and extended enterprise (8.3.5)."""
    risk_process: RiskProcess | None = None
    """The risk process (8.3.6)."""
    decision: Decision | None = None
    """The evaluation of the business case (8.3.7)."""


# ----------------------------------------------------------------------- stage 3 (8.4)


@attrs.frozen(kw_only=True, field_transformer=checked)
class CapabilityAssessment:
    """Internal capability and environment for collaboration (8.4.2)."""

    id: str
    """Identifier."""
    areas: tuple[str, ...] = many()
    """Areas covered: ``process``, ``policy``, ``systems``, ``culture``, ``resources``."""
    findings: tuple[str, ...] = many()
    """What was found."""
    changes: tuple[Action, ...] = many()
    """Required changes, each with an owner."""
    bridging_procedures: tuple[str, ...] = many()
    """Bridging procedures added."""
    assessed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SWOT:
    """Strengths, weaknesses, opportunities and threats for collaborating (8.4.3)."""

    strengths: tuple[str, ...] = many()
    """Strengths."""
    weaknesses: tuple[Action, ...] = many()
    """Weaknesses, each as the action that deals with it (or a risk acceptance)."""
    opportunities: tuple[str, ...] = many()
    """Opportunities."""
    threats: tuple[str, ...] = many()
    """Threats."""
    assessed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SelectionCriterion:
    """A weighted partner selection criterion (8.4.6)."""

    name: str
    """Name."""
    kind: str
    """``technical``, ``commercial``, ``collaborative``, ``cultural``, ``financial``,
    ``risk``..."""
    weight: float = scale(0, 1, "a share; the weights of a set add up to 1", default=0.0)
    """Weight, a share from 0 to 1; the weights of a set add up to 1."""
    threshold: float | None = None
    """The minimum acceptable score."""
    evidence_required: str | None = None
    """What evidence a candidate must give."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SelectionCriteria:
    """The partner selection criteria (8.4.6)."""

    id: str
    """Identifier."""
    version: int = 1
    """Current version."""
    criteria: tuple[SelectionCriterion, ...] = many()
    """The criteria."""
    approved_by: str | None = None
    """Who approved them (the SER)."""
    approved_on: date | None = None
    """When (before the first evaluation)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class InternalAssessment:
    """Stage 3, internal assessment (8.4): the evidence specific to stage 3."""

    capability: CapabilityAssessment | None = None
    """Capability and environment (8.4.2)."""
    swot: SWOT | None = None
    """Strengths and weaknesses (8.4.3)."""
    selection_criteria: SelectionCriteria | None = None
    """Partner selection criteria (8.4.6)."""


# ----------------------------------------------------------------------- stage 4 (8.5)


@attrs.frozen(kw_only=True, field_transformer=checked)
class PartnerCandidate:
    """A nominated potential partner (8.5.2)."""

    id: str
    """Identifier (the party id when selected)."""
    name: str
    """Name."""
    rationale: str | None = None
    """Why it was nominated."""
    nominated_by: str | None = None
    """Who nominated it."""
    shortlisted: bool = False
    """Whether it was shortlisted for engagement."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class CriterionScore:
    """A score against one selection criterion, with its evidence (8.5.3)."""

    criterion: str
    """The criterion name."""
    score: float
    """The score."""
    evidence: str | None = None
    """The evidence behind it."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class PartnerEvaluation:
    """The evaluation of one candidate against the criteria (8.5.3)."""

    candidate_id: str
    """The candidate."""
    criteria_version: int | None = None
    """The criteria version used (must be current)."""
    scores: tuple[CriterionScore, ...] = many()
    """Scores per criterion."""
    evaluators: tuple[str, ...] = many()
    """Who evaluated."""
    evaluated_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class NegotiationStrategy:
    """The internal engagement and negotiation strategy (8.5.4)."""

    negotiables: tuple[str, ...] = many()
    """What is negotiable."""
    red_lines: tuple[str, ...] = many()
    """What is not."""
    principles: tuple[str, ...] = many()
    """Collaborative negotiation principles."""
    team: tuple[str, ...] = many()
    """The negotiating team."""
    approved_by: str | None = None
    """Who approved it (the SER)."""
    approved_on: date | None = None
    """When (before the first engagement)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Engagement:
    """An initial engagement with a shortlisted candidate (8.5.5)."""

    candidate_id: str
    """The candidate."""
    held_on: date
    """When."""
    participants: tuple[str, ...] = many()
    """Who took part."""
    outcomes: tuple[str, ...] = many()
    """What came out of it."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class JointObjectiveAssessment:
    """The compatibility of objectives with a preferred candidate (8.5.6)."""

    candidate_id: str
    """The candidate."""
    compatibility: Compatibility = enum_field(Compatibility, Compatibility.COMPATIBLE)
    """How compatible the objectives are."""
    draft_joint_objectives: tuple[str, ...] = many()
    """Draft joint objectives."""
    assessed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Rejection:
    """A candidate not selected and why (8.5.8)."""

    candidate_id: str
    """The candidate."""
    reason: str | None = None
    """Why it was not selected."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class SelectionDecision:
    """The selection of preferred partners (8.5.8)."""

    selected: tuple[str, ...] = many()
    """Candidate ids selected."""
    rejected: tuple[Rejection, ...] = many()
    """Candidates rejected, with reasons."""
    decided_by: str | None = None
    """Who decided (must hold authority)."""
    decided_on: date | None = None
    """When."""
    references: tuple[str, ...] = many()
    """Artefacts it relied on (the 8.5.6 and 8.5.7 assessments)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class PartnerSelection:
    """Stage 4, partner selection (8.5): the evidence specific to stage 4."""

    candidates: tuple[PartnerCandidate, ...] = many()
    """Nominated candidates (8.5.2)."""
    single_source_justification: str | None = None
    """Why only one candidate was nominated, if so (8.5.2)."""
    evaluations: tuple[PartnerEvaluation, ...] = many()
    """Evaluations (8.5.3)."""
    negotiation_strategy: NegotiationStrategy | None = None
    """Engagement and negotiation strategy (8.5.4)."""
    engagements: tuple[Engagement, ...] = many()
    """Initial engagements (8.5.5)."""
    joint_objective_assessments: tuple[JointObjectiveAssessment, ...] = many()
    """Assessments of joint objectives (8.5.6)."""
    decision: SelectionDecision | None = None
    """The selection decision (8.5.8)."""


# ----------------------------------------------------------------------- stage 5 (8.6)


@attrs.frozen(kw_only=True, field_transformer=checked)
class JointKMProcess:
    """The joint knowledge management process (8.6.3)."""

    ip_rules: str | None = None
    """Rules on intellectual property."""
    confidentiality_terms: str | None = None
    """Confidentiality terms."""
    exit_handling: str | None = None
    """What happens to knowledge at exit."""
    shared_items: tuple[str, ...] = many()
    """Assets shared (none may be ``cannot`` in its owner's knowledge map)."""
    systems: tuple[str, ...] = many()
    """Systems used to share."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ProcessReview:
    """The joint review of operational processes and systems (8.6.5)."""

    processes_reviewed: tuple[str, ...] = many()
    """Processes reviewed."""
    misalignments: tuple[str, ...] = many()
    """Misalignments or duplications found."""
    agreed_changes: tuple[Action, ...] = many()
    """Changes agreed, each with an owner."""
    participants: tuple[Participant, ...] = many()
    """Who took part, by party."""
    reviewed_on: date | None = None
    """When."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class KPI:
    """A delivery, relationship or value measure with a target (8.6.6)."""

    id: str
    """Identifier."""
    name: str
    """Name."""
    kind: KPIKind = enum_field(KPIKind, KPIKind.DELIVERY)
    """What it measures."""
    objective_ids: tuple[str, ...] = many()
    """The joint objectives it covers."""
    target: Quantity | None = quantity_field()
    """The target, as a quantity; every measurement has its dimension."""
    direction: TargetDirection = enum_field(TargetDirection, TargetDirection.AT_LEAST)
    """Whether the target is a floor or a ceiling."""
    frequency: Cadence | None = cadence_field()
    """How often it is measured."""
    data_owner: str | None = ref("party")
    """The party that supplies the data."""
    measurements: tuple[Measurement, ...] = many()
    """Measured values, in units of the target's dimension."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement."""

    @measurements.validator
    def _measured_like_the_target(
        self, _: attrs.Attribute[Any], measurements: tuple[Measurement, ...]
    ) -> None:
        target = self.target
        if target is None:
            return
        for i, m in enumerate(measurements):
            if m.value.dimensionality != target.dimensionality:
                fail(self, f"measurements[{i}]", f"must be measured like the target {target}",
                     m.value, "Give each measurement a unit of the target's dimension")  # fmt: skip

    @property
    def latest(self) -> Measurement | None:
        """The most recent measurement, or ``None``."""
        return max(self.measurements, key=lambda m: m.measured_on, default=None)

    def is_met(self, value: Quantity) -> bool:
        """Return whether *value* meets the target (refusing incompatible units)."""
        if self.target is None:
            return False
        q = ensure_quantity(value, dimension=str(self.target.dimensionality), what=self.id)
        t = self.target.to(q.units)
        return bool(q >= t) if self.direction is TargetDirection.AT_LEAST else bool(q <= t)


@attrs.frozen(kw_only=True, field_transformer=checked)
class JointDevelopmentPlan:
    """The joint plan to raise collaborative competence (8.6.7)."""

    competence_record_ids: tuple[str, ...] = many()
    """The competence records of the joint team it builds on."""
    actions: tuple[Action, ...] = many()
    """Development actions, each with an owner and due date."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class EscalationLevel:
    """One level of the joint issue resolution process (8.6.8)."""

    level: int = scale(1, None, "1 is the lowest level")
    """1 is the lowest."""
    roles: tuple[str, ...] = many()
    """Who resolves at this level."""
    max_days: int | None = scale(0, None, "a number of days", default=None)
    """How long (in days) an issue may stay at this level."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class IssueResolutionProcess:
    """The joint issue resolution process (8.6.8)."""

    levels: tuple[EscalationLevel, ...] = many()
    """Escalation levels, lowest first (their numbers increase)."""
    final_mechanism: str | None = None
    """The last resort (mediation, adjudication...)."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement."""

    @levels.validator
    def _lowest_first(self, _: attrs.Attribute[Any], levels: tuple[EscalationLevel, ...]) -> None:
        for i in range(1, len(levels)):
            if levels[i].level <= levels[i - 1].level:
                fail(self, f"levels[{i}]", f"must have a higher number than the level before it "
                     f"({levels[i - 1].level}): levels are listed lowest first", levels[i].level,
                     "Number the levels 1, 2, 3... in order")  # fmt: skip


AGREEMENT_TOPICS = (
    "governance",
    "objectives",
    "risk_allocation",
    "ip",
    "value_sharing",
    "issue_resolution",
    "exit",
)


@attrs.frozen(kw_only=True, field_transformer=checked)
class Agreement:
    """The agreement or contract supporting the collaboration (8.6.10)."""

    title: str
    """Title."""
    document_id: str | None = None
    """The controlled document."""
    covers: tuple[str, ...] = many()
    """Topics covered: ``governance``, ``objectives``, ``risk_allocation``, ``ip``,
    ``value_sharing``, ``issue_resolution``, ``exit``."""
    jrmp_annexed: bool = False
    """Whether the joint RMP is annexed (then its topics count as covered)."""
    effective_on: date | None = None
    """When it took effect."""
    last_reviewed_on: date | None = None
    """When it was last reviewed."""
    open_change_requests: int = scale(0, None, "a count", default=0)
    """Change requests not yet agreed (Gartner's contract audit)."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Signatures, one per party; signatures of earlier versions stay with their version."""
    versions: tuple[DocumentChange, ...] = many()
    """The version history of a joint document (7.5.3): one entry per version after the
    first, with the date it took effect and what changed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class WorkingTogether:
    """Stage 5, working together (8.6): the evidence specific to stage 5."""

    governance: GovernanceStructure | None = None
    """The joint governance structure (8.6.2)."""
    knowledge_process: JointKMProcess | None = None
    """Joint knowledge management (8.6.3)."""
    risk_register: RiskRegister | None = None
    """The joint risk register (8.6.4)."""
    process_review: ProcessReview | None = None
    """Operational process and systems review (8.6.5)."""
    kpis: tuple[KPI, ...] = many()
    """Delivery and relationship measures (8.6.6)."""
    development_plan: JointDevelopmentPlan | None = None
    """Joint competence development (8.6.7)."""
    issue_process: IssueResolutionProcess | None = None
    """Joint issue resolution process (8.6.8)."""
    agreement: Agreement | None = None
    """The agreement or contract (8.6.10)."""


# ----------------------------------------------------------------------- stage 6 (8.7)


@attrs.frozen(kw_only=True, field_transformer=checked)
class ValueCreationProcess:
    """The joint value creation process (8.7.2)."""

    evaluation_criteria: tuple[str, ...] = many()
    """How ideas are evaluated."""
    value_sharing_rules: str | None = None
    """How value, investment and risk are shared."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Idea:
    """An idea for improvement or innovation (8.7.2, 8.8.5)."""

    id: str
    """Identifier."""
    raised_on: date
    """When."""
    description: str
    """What."""
    raised_by_party: str | None = ref("party")
    """Which party raised it."""
    status: str = "new"
    """``new``, ``evaluated``, ``implemented``, ``rejected``."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ImprovementTarget:
    """A joint improvement target (8.7.3)."""

    id: str
    """Identifier."""
    description: str
    """What."""
    baseline: str | None = None
    """Starting point."""
    target: str | None = None
    """Target."""
    due_on: date | None = None
    """When."""
    owner_party: str | None = ref("party")
    """The party that owns it."""
    status: TargetStatus = enum_field(TargetStatus, TargetStatus.ACTIVE)
    """Active, achieved or dropped."""
    set_on: date | None = None
    """When it was set."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class LessonLearned:
    """A lesson learned (8.7.4, 8.9.4)."""

    recorded_on: date
    """When."""
    description: str
    """The lesson."""
    source: str | None = None
    """Where it came from."""
    applied_on: date | None = None
    """When it was applied."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ValueCreation:
    """Stage 6, value creation (8.7): the evidence specific to stage 6."""

    process: ValueCreationProcess | None = None
    """The value creation process (8.7.2)."""
    ideas: tuple[Idea, ...] = many()
    """The idea log (8.7.2, 8.8.5)."""
    targets: tuple[ImprovementTarget, ...] = many()
    """Improvement targets (8.7.3)."""
    lessons: tuple[LessonLearned, ...] = many()
    """Lessons learned (8.7.4)."""


# ----------------------------------------------------------------------- stage 7 (8.8)


@attrs.frozen(kw_only=True, field_transformer=checked)
class SERReview:
    """A periodic review of the relationship by the SERs (8.8.2)."""

    held_on: date
    """When."""
    attendees: tuple[Participant, ...] = many()
    """Who attended, by party (or a recorded delegate)."""
    performance_reviewed: bool = False
    """Whether performance was reviewed."""
    decisions: tuple[str, ...] = many()
    """Decisions taken."""
    actions: tuple[Action, ...] = many()
    """Actions agreed."""
    analysis_ref: str | None = None
    """The performance analysis it considered (8.8.7)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class JMTMeeting:
    """A meeting of the joint management team (8.8.3)."""

    held_on: date
    """When."""
    attendees: tuple[Participant, ...] = many()
    """Who attended, by party."""
    actions: tuple[Action, ...] = many()
    """Actions agreed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class TrustIndicator:
    """An indicator of behaviour and trust (8.8.4)."""

    id: str
    """Identifier."""
    name: str
    """What it measures."""
    method: str | None = None
    """How (survey, observation, event count)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class TrustMeasurement:
    """A measurement of a trust indicator (8.8.4)."""

    indicator_id: str
    """The indicator."""
    measured_on: date
    """When."""
    score: float
    """The score, on the indicator's scale (higher is better)."""
    respondents: tuple[Participant, ...] = many()
    """Who responded, by party."""
    action: Action | None = None
    """The action taken when the trend declines."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ObjectiveStatus:
    """The status of a joint objective in a period (8.8.6)."""

    objective_id: str
    """The objective."""
    reported_on: date
    """When."""
    status: ProgressStatus = enum_field(ProgressStatus, ProgressStatus.ON_TRACK)
    """On track, at risk, off track or achieved."""
    action: Action | None = None
    """The action taken when off track."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class PerformanceAnalysis:
    """The joint analysis of results for a period (8.8.7)."""

    id: str
    """Identifier."""
    period_end: date
    """The end of the period analysed."""
    findings: tuple[str, ...] = many()
    """What was found."""
    actions: tuple[Action, ...] = many()
    """Actions proposed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Issue:
    """An issue raised through the joint issue resolution process (8.8.8)."""

    id: str
    """Identifier."""
    raised_on: date
    """When."""
    description: str
    """What."""
    level: int = scale(1, None, "escalation levels count from 1", default=1)
    """The escalation level it sits at."""
    level_entered_on: date | None = None
    """When it reached that level."""
    status: IssueStatus = enum_field(IssueStatus, IssueStatus.OPEN)
    """Open, escalated or resolved."""
    resolved_on: date | None = None
    """When it was resolved."""
    outcome: str | None = None
    """How."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class RAIOCycle:
    """One Review-Adapt-Improve-Operate cycle of a relationship (catalog §7.3)."""

    period_end: date
    """The end of the period."""
    review_ref: str | None = None
    """The review (an SER review or performance analysis)."""
    adaptations: tuple[str, ...] = many()
    """Ways of working changed."""
    improvements: tuple[str, ...] = many()
    """Improvements agreed."""
    operating_notes: str | None = None
    """How the joint work ran."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ChangeRecord:
    """A change affecting a relationship (8.1, 8.8.9)."""

    id: str
    """Identifier."""
    changed_on: date
    """When."""
    description: str
    """What changed."""
    significant: bool = False
    """Whether the exit strategy must be re-agreed afterwards (8.8.9)."""
    impact_reviewed: bool = False
    """Whether its impact was reviewed (8.1)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class StayingTogether:
    """Stage 7, staying together (8.8): the recurring records of the steady state."""

    ser_reviews: tuple[SERReview, ...] = many()
    """SER oversight (8.8.2)."""
    jmt_meetings: tuple[JMTMeeting, ...] = many()
    """Joint management team meetings (8.8.3)."""
    trust_indicators: tuple[TrustIndicator, ...] = many()
    """Trust and behaviour indicators (8.8.4)."""
    trust_measurements: tuple[TrustMeasurement, ...] = many()
    """Their measurements (8.8.4)."""
    objective_statuses: tuple[ObjectiveStatus, ...] = many()
    """Status of the joint objectives (8.8.6)."""
    analyses: tuple[PerformanceAnalysis, ...] = many()
    """Analyses of results (8.8.7)."""
    issues: tuple[Issue, ...] = many()
    """The issue log (8.8.8)."""
    raio_cycles: tuple[RAIOCycle, ...] = many()
    """Review-Adapt-Improve-Operate cycles (catalog §7.3)."""


# ----------------------------------------------------------------------- stage 8 (8.9)


@attrs.frozen(kw_only=True, field_transformer=checked)
class ExitActivation:
    """The activation of the exit strategy (8.9.1)."""

    activated_on: date
    """When."""
    trigger: str
    """The trigger kind that fired (one of the strategy's triggers)."""
    justification: str | None = None
    """Why, when the trigger is not one of the agreed ones."""
    strategy_version: int | None = None
    """The exit strategy version in force."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class DisengagementPlan:
    """The jointly agreed disengagement plan (8.9.2)."""

    actions: tuple[Action, ...] = many()
    """Actions, each with an owner party and a date."""
    created_on: date | None = None
    """When."""
    version: int = 1
    """Current version."""
    agreed_by: tuple[Signoff, ...] = many()
    """Per-party agreement."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ContinuityItem:
    """A service, customer, asset, data or people item to keep running at exit (8.9.3)."""

    item: str
    """What."""
    kind: str = "service"
    """``service``, ``customer``, ``data``, ``asset``, ``people``, ``ip``."""
    completed_on: date | None = None
    """When its transition step was completed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ContinuityPlan:
    """Business continuity during and after exit (8.9.3)."""

    items: tuple[ContinuityItem, ...] = many()
    """The items and their transition status."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class RelationshipEvaluation:
    """The evaluation of the relationship as a whole at exit (8.9.4)."""

    evaluated_on: date
    """When."""
    objectives_result: str | None = None
    """How far the objectives were achieved."""
    value_realised: str | None = None
    """The value realized."""
    exit_adequacy: str | None = None
    """Whether the exit plan was adequate."""
    lessons: tuple[str, ...] = many()
    """Lessons."""
    participants: tuple[Participant, ...] = many()
    """Who took part, by party."""
    refusal_note: str | None = None
    """A recorded refusal of a party to take part."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class FutureOpportunity:
    """Whether and where the parties could collaborate again (8.9.5)."""

    recorded_on: date
    """When."""
    description: str | None = None
    """The opportunity, or ``None`` with ``none_foreseen``."""
    none_foreseen: bool = False
    """An explicit "none"."""
    follow_up_owner: str | None = None
    """Who follows up."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class ExitEvaluation:
    """The evaluation of an exit, fed back to the CBRMS (9.1.2)."""

    evaluated_on: date
    """When."""
    findings: tuple[str, ...] = many()
    """How well the exit strategy worked."""
    fed_to_management_review: bool = False
    """Whether it was an input to management review."""
    actions: tuple[Action, ...] = many()
    """Actions tracked from it."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Disengagement:
    """Stage 8, exit strategy activation (8.9) and the exit evaluation (9.1.2)."""

    activation: ExitActivation | None = None
    """The activation (8.9.1)."""
    plan: DisengagementPlan | None = None
    """The disengagement plan (8.9.2)."""
    continuity: ContinuityPlan | None = None
    """Business continuity (8.9.3)."""
    evaluation: RelationshipEvaluation | None = None
    """The relationship evaluation (8.9.4)."""
    future: FutureOpportunity | None = None
    """Future opportunities (8.9.5)."""
    closed_on: date | None = None
    """When the relationship was closed."""
    exit_evaluation: ExitEvaluation | None = None
    """The exit evaluation (9.1.2)."""


# ----------------------------------------------------------------------- the relationship


@attrs.frozen(kw_only=True, field_transformer=checked)
class Relationship:
    """A business relationship managed under the CBRMS, with the evidence of its lifecycle.

    ``parties`` lists every party, the organization itself included; a joint requirement
    conforms only when every one of them signed off. Change a relationship with
    :func:`attrs.evolve` (or ``collabrel.evolve``): unchanged parts keep their identity.
    """

    id: str
    """Identifier, unique in the portfolio."""
    name: str
    """Name."""
    parties: tuple[Party, ...] = many()
    """Every party, the organization included."""
    direction: Direction = enum_field(Direction, Direction.EXTERNAL_PEER)
    """Which way it faces (Annex F)."""
    form: RelationshipForm = enum_field(RelationshipForm, RelationshipForm.ONE_TO_ONE)
    """The type of relationship (Annex F)."""
    intensity: Intensity = enum_field(Intensity, Intensity.COLLABORATIVE)
    """How collaborative it is meant to be (6.3)."""
    scale: Scale = enum_field(Scale, Scale.STANDARD)
    """How much detail the evidence needs."""
    onboarding: Onboarding = enum_field(Onboarding, Onboarding.NEW)
    """New, or an existing relationship retrofitted (catalog §0.5 point 6)."""
    stage: Stage = stage_field(default=Stage.CANDIDATE)
    """Where it is in the lifecycle."""
    stage_history: tuple[StageRecord, ...] = many()
    """Every stage entered, oldest first (no entry is dated before the one above it)."""
    sers: tuple[SER, ...] = many()
    """The SERs of the relationship, one per party (8.2.2, 8.6.2, 8.8.2)."""
    team: tuple[RoleAssignment, ...] = many()
    """Relationship roles: lead, JMT members, negotiators (8.3.3, 8.4.5)."""
    objectives: tuple[Objective, ...] = many()
    """Relationship (8.2.4) and joint (8.6.2) objectives."""
    risk_register: RiskRegister | None = None
    """The internal relationship risk register (8.2.8, 8.3.5, 8.3.6)."""
    rmp: RMP | None = None
    """The internal relationship management plan (8.2.9 onward)."""
    joint_rmp: JointRMP | None = None
    """The joint relationship management plan (8.5.9 onward)."""
    exit_strategy: ExitStrategy | None = None
    """The exit strategy, internal then joint (8.3.2, 8.5.7, 8.6.9, 8.8.9)."""
    internal_exit_strategy: ExitStrategy | None = None
    """The organization's own exit strategy (scope internal, 8.3.2, Annex E), kept apart from
    the joint one once that is drafted with the partners (8.5.7)."""
    resource_plan: ResourcePlan | None = None
    """The resources of the relationship (7.1)."""
    change_records: tuple[ChangeRecord, ...] = many()
    """Changes affecting the relationship (8.1, 8.8.9)."""
    awareness: Awareness = attrs.field(factory=Awareness)
    """Stage 1 evidence (8.2)."""
    knowledge: Knowledge = attrs.field(factory=Knowledge)
    """Stage 2 evidence (8.3)."""
    assessment: InternalAssessment = attrs.field(factory=InternalAssessment)
    """Stage 3 evidence (8.4)."""
    selection: PartnerSelection = attrs.field(factory=PartnerSelection)
    """Stage 4 evidence (8.5)."""
    working: WorkingTogether = attrs.field(factory=WorkingTogether)
    """Stage 5 evidence (8.6)."""
    value: ValueCreation = attrs.field(factory=ValueCreation)
    """Stage 6 evidence (8.7)."""
    staying: StayingTogether = attrs.field(factory=StayingTogether)
    """Stage 7 evidence (8.8)."""
    disengagement: Disengagement = attrs.field(factory=Disengagement)
    """Stage 8 evidence (8.9) and the exit evaluation (9.1.2)."""
    facts: Facts = attrs.field(factory=Facts)
    """Its organization-specific facts (declared in the organization's ``fact_schema``)."""

    @stage_history.validator
    def _oldest_first(self, _: attrs.Attribute[Any], history: tuple[StageRecord, ...]) -> None:
        for i in range(1, len(history)):
            if history[i].entered_on < history[i - 1].entered_on:
                fail(self, f"stage_history[{i}]", "must not be dated before the entry above it "
                     f"({history[i - 1].entered_on}): the history is oldest first",
                     history[i].entered_on, "Order the entries by date")  # fmt: skip

    def _repr_html_(self) -> str:
        from collabrel._html import table

        rows = [(h.stage, h.entered_on, h.approved_by, "yes" if h.retrofit else "", h.note)
                for h in self.stage_history]  # fmt: skip
        caption = (
            f"{self.name} ({self.id}): {self.form.label}, {self.intensity.label}, "
            f"{self.stage}; parties: {', '.join(p.name for p in self.parties)}"
        )
        return table(caption, ("stage", "entered on", "approved by", "retrofit", "note"), rows)

    @property
    def party_ids(self) -> tuple[str, ...]:
        """The ids of every party."""
        return tuple([p.id for p in self.parties])

    def ser_of(self, party_id: str) -> SER | None:
        """Return the active SER of *party_id*, or ``None``."""
        for ser in self.sers:
            if ser.party == party_id and ser.active:
                return ser
        return None

    @property
    def entered_current_stage_on(self) -> date | None:
        """When the current stage was entered, from the history."""
        for record in reversed(self.stage_history):
            if record.stage == self.stage:
                return record.entered_on
        return None
