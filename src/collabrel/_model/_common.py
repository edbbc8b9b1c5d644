"""Enumerations and small records shared by the whole domain model."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import attrs

from collabrel._choice import Choice
from collabrel._dates import Cadence, CalendarInterval
from collabrel._model._checks import (
    DIMENSION,
    RANGE,
    REF,
    checked,
    enum_converter,
    stage_converter,
    to_tuple,
)
from collabrel.errors import ConfigError, UnitError
from collabrel.units import Quantity, ensure_quantity

# --------------------------------------------------------------------------- field helpers


def many(
    *, ref: str | None = None, bounds: tuple[float | None, float | None, str] | None = None
) -> Any:
    """A tuple field that accepts a list (any iterable but a text) and defaults to empty.

    Args:
        ref: the kind of id its elements refer to (``party``, ``person``, ``relationship``).
        bounds: ``(low, high, why)`` bounds of its numbers, as for :func:`scale`.
    """
    metadata: dict[str, Any] = {}
    if ref:
        metadata[REF] = ref
    if bounds is not None:
        metadata[RANGE] = bounds
    return attrs.field(
        factory=tuple,
        converter=attrs.Converter(to_tuple, takes_self=True, takes_field=True),
        metadata=metadata,
    )


def ref(kind: str, default: Any = None, *, required: bool = False) -> Any:
    """A field holding the id of another object (``party``, ``person``, ``relationship``).

    Args:
        kind: what the id refers to.
        default: the value when none is given (an optional reference).
        required: the reference must be given (no default).
    """
    if required:
        return attrs.field(metadata={REF: kind})
    return attrs.field(default=default, metadata={REF: kind})


def ref_kind(field: attrs.Attribute[Any]) -> str | None:
    """Return the kind of reference a field holds, if any."""
    kind = field.metadata.get(REF)
    return kind if isinstance(kind, str) else None


def _named(error: type[Exception], inst: Any, field: attrs.Attribute[Any], exc: Exception) -> Any:
    """Return *exc* as *error* whose message starts with ``Owner.field``."""
    where = f"{type(inst).__name__}.{field.name}"
    text = str(exc)
    return error(text if text.startswith(where) else f"{where}: {text}")


def _quantity_converter(dimension: str | None, *, optional: bool) -> Any:
    def convert(value: Any, inst: Any, field: attrs.Attribute[Any]) -> Quantity | None:
        if value is None and optional:
            return None
        try:
            return ensure_quantity(
                value, dimension=dimension, what=f"{type(inst).__name__}.{field.name}"
            )
        except UnitError as exc:
            raise _named(UnitError, inst, field, exc) from None

    return attrs.Converter(convert, takes_self=True, takes_field=True)


def quantity_field(dimension: str | None = None, *, optional: bool = True) -> Any:
    """A pint quantity from collabrel's registry (text such as '5 EUR' accepted).

    Args:
        dimension: what it measures: ``"money"`` (one currency), ``"effort"`` (person-days or
            FTE), or ``None`` for any quantity.
        optional: whether ``None`` (the default) is allowed.
    """
    converter = _quantity_converter(dimension, optional=optional)
    metadata = {DIMENSION: dimension}
    if optional:
        return attrs.field(default=None, converter=converter, metadata=metadata)
    return attrs.field(converter=converter, metadata=metadata)


def _optional_interval(
    value: Any, inst: Any, field: attrs.Attribute[Any]
) -> CalendarInterval | None:
    try:
        return None if value is None else CalendarInterval.parse(value)
    except ConfigError as exc:
        raise _named(ConfigError, inst, field, exc) from None


def interval_field() -> Any:
    """An optional calendar interval (text such as '6 months' accepted)."""
    converter = attrs.Converter(_optional_interval, takes_self=True, takes_field=True)
    return attrs.field(default=None, converter=converter)


def _optional_cadence(value: Any, inst: Any, field: attrs.Attribute[Any]) -> Cadence | None:
    if value is None or isinstance(value, Cadence):
        return value
    try:
        return Cadence(value)
    except ConfigError as exc:
        raise _named(ConfigError, inst, field, exc) from None


def cadence_field() -> Any:
    """An optional cadence (a word such as 'monthly' or an RRULE accepted)."""
    converter = attrs.Converter(_optional_cadence, takes_self=True, takes_field=True)
    return attrs.field(default=None, converter=converter)


def enum_field(cls: type[enum.Enum], default: Any, *, optional: bool = False) -> Any:
    """An enum field that also accepts the member's value as text (``None`` when optional)."""
    convert = enum_converter(cls, optional=optional)
    return attrs.field(
        default=default, converter=attrs.Converter(convert, takes_self=True, takes_field=True)
    )


def stage_field(**kwargs: Any) -> Any:
    """A lifecycle stage field that accepts a member, a number 0-11 or a name."""
    converter = attrs.Converter(stage_converter, takes_self=True, takes_field=True)
    return attrs.field(converter=converter, **kwargs)


# --------------------------------------------------------------------------------- enums


_Choice = Choice
"""The base of the model's enumerations (collabrel's one text-valued enum base)."""


class Direction(_Choice):
    """Which way the relationship faces (catalog §6.2, after ISO 44001 Figure 1)."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    INTERNAL = "internal"
    EXTERNAL_PEER = "external_peer"


class RelationshipForm(_Choice):
    """The type of business relationship (Annex F; the first ten come from the scope text)."""

    ONE_TO_ONE = "one_to_one"
    ALLIANCE = "alliance"
    PARTNERSHIP = "partnership"
    BUSINESS_CUSTOMER = "business_customer"
    JOINT_VENTURE = "joint_venture"
    MULTI_PARTNER_ALLIANCE = "multi_partner_alliance"
    CONSORTIUM = "consortium"
    NETWORK = "network"
    EXTENDED_ENTERPRISE = "extended_enterprise"
    END_TO_END_SUPPLY_CHAIN = "end_to_end_supply_chain"
    OUTSOURCING = "outsourcing"
    PUBLIC_PRIVATE_PARTNERSHIP = "public_private_partnership"
    MERGER_ACQUISITION_INTEGRATION = "merger_acquisition_integration"
    INTERNAL_COLLABORATION = "internal_collaboration"


class Intensity(_Choice):
    """How collaborative a relationship is meant to be (segmentation, 6.3)."""

    TRANSACTIONAL = "transactional"
    COOPERATIVE = "cooperative"
    COLLABORATIVE = "collaborative"
    STRATEGIC = "strategic"

    @property
    def is_collaborative(self) -> bool:
        """Whether relationships of this intensity go through the clause 8 lifecycle."""
        return self in {Intensity.COLLABORATIVE, Intensity.STRATEGIC}


class Scale(_Choice):
    """How much detail the evidence needs (catalog §0.5 point 7)."""

    LIGHT = "light"
    STANDARD = "standard"
    FULL = "full"


class Onboarding(_Choice):
    """How the relationship entered the CBRMS (catalog §0.5 point 6)."""

    NEW = "new"
    RETROFIT = "retrofit"


class ApplicationLevel(_Choice):
    """The application level of the CBRMS scope (4.3)."""

    SINGLE_APPLICATION = "single_application"
    INDIVIDUAL_RELATIONSHIP = "individual_relationship"
    MULTIPLE_RELATIONSHIPS = "multiple_relationships"
    ORGANIZATION_WIDE = "organization_wide"


class GovernanceKind(_Choice):
    """The layer a governance structure governs (5.3.2, 8.2.3, 8.6.2)."""

    CORPORATE = "corporate"
    OPERATIONAL = "operational"
    JOINT = "joint"


class ObjectiveLevel(_Choice):
    """The level an objective is set at (6.2, 8.2.4, 8.5.6)."""

    CORPORATE = "corporate"
    RELATIONSHIP = "relationship"
    JOINT = "joint"


class RiskScope(_Choice):
    """Whose risks a register holds (6.1, 8.2.8, 8.6.4)."""

    CORPORATE = "corporate"
    RELATIONSHIP = "relationship"
    JOINT = "joint"


class RiskItemType(_Choice):
    """A risk (threat) or an opportunity (6.1)."""

    RISK = "risk"
    OPPORTUNITY = "opportunity"


class ItemStatus(_Choice):
    """Open or closed, for register items and actions."""

    OPEN = "open"
    CLOSED = "closed"


class PlanStatus(_Choice):
    """The state of a relationship management plan (7.5.5, 8.2.9, 8.4.7, 8.5.9, 8.6.11)."""

    DRAFT = "draft"
    APPROVED = "approved"
    INITIATED = "initiated"
    IMPLEMENTED = "implemented"
    CLOSED = "closed"


class ExitScope(_Choice):
    """Whether an exit strategy is the organization's own or agreed with partners."""

    INTERNAL = "internal"
    JOINT = "joint"


class ExitStatus(_Choice):
    """The state of an exit strategy (Annex E)."""

    DRAFT = "draft"
    AGREED = "agreed"
    ACTIVATED = "activated"
    CLOSED = "closed"


class Origin(_Choice):
    """Where a document comes from (7.5.3)."""

    INTERNAL = "internal"
    EXTERNAL = "external"
    JOINT = "joint"


class ShareClass(_Choice):
    """Whether a knowledge asset can be shared (8.3.4, after BS 11000-2 Table 9)."""

    CAN = "can"
    CONDITIONAL = "conditional"
    CANNOT = "cannot"


class Compatibility(_Choice):
    """How compatible a candidate's objectives are with ours (8.5.6)."""

    COMPATIBLE = "compatible"
    PARTIALLY_COMPATIBLE = "partially_compatible"
    INCOMPATIBLE = "incompatible"


class DecisionOutcome(_Choice):
    """The outcome of evaluating a business case (8.3.7)."""

    PROCEED = "proceed"
    REVISE = "revise"
    STOP = "stop"


class OpportunityDecision(_Choice):
    """What was decided about an opportunity for collaboration (6.3.2)."""

    PURSUE = "pursue"
    DEFER = "defer"
    REJECT = "reject"


class KPIKind(_Choice):
    """What a KPI measures (8.6.6)."""

    DELIVERY = "delivery"
    RELATIONSHIP = "relationship"
    VALUE = "value"


class TargetDirection(_Choice):
    """Whether a KPI's target is a floor or a ceiling."""

    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class ProgressStatus(_Choice):
    """Progress of an objective or target (8.8.6)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    ACHIEVED = "achieved"


class IssueStatus(_Choice):
    """The state of a logged issue (8.8.8)."""

    OPEN = "open"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class NonconformityStatus(_Choice):
    """The lifecycle of a nonconformity (10.1): raised, planned, implemented, verified, closed."""

    RAISED = "raised"
    ACTION_PLANNED = "action_planned"
    IMPLEMENTED = "implemented"
    VERIFIED = "verified"
    CLOSED = "closed"


class TargetStatus(_Choice):
    """The state of an improvement target (8.7.3)."""

    ACTIVE = "active"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


# ------------------------------------------------------------------------- small records


@attrs.frozen(kw_only=True, field_transformer=checked)
class Signoff:
    """One party's agreement to a joint artefact (the J flag: every party must sign off)."""

    party: str = ref("party", required=True)
    """The id of the party that agreed."""
    signed_on: date
    """When it agreed."""
    by: str | None = None
    """Who signed for the party (a person id or name)."""
    version: int = 1
    """The version of the artefact agreed (1 or more); only a sign-off of the current version
    counts."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Participant:
    """Someone taking part in a joint activity, and the party they represent."""

    party: str = ref("party", required=True)
    """The id of the party represented."""
    person: str | None = None
    """The person (id or name), when recorded."""
    delegate_for: str | None = None
    """When acting as a recorded delegate, whom they stand in for (8.8.2)."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Action:
    """An action with an owner and a due date; used by every plan and meeting record."""

    description: str
    """What is to be done."""
    owner: str | None = None
    """Who owns it (person id or name)."""
    owner_party: str | None = ref("party")
    """The party that owns it, for joint actions."""
    due_on: date | None = None
    """When it is due."""
    done_on: date | None = None
    """When it was completed; ``None`` while open."""
    effective: bool | None = None
    """After completion: whether a check found it effective (7.2, 10.1)."""

    @property
    def is_open(self) -> bool:
        """Whether the action is not done yet."""
        return self.done_on is None


@attrs.frozen(kw_only=True, field_transformer=checked)
class DocumentChange:
    """One entry of a document's change log (7.5.3)."""

    version: int
    """The version this change produced."""
    changed_on: date
    """When."""
    by: str | None = None
    """Who made the change."""
    summary: str = ""
    """What changed."""


@attrs.frozen(kw_only=True, field_transformer=checked)
class Measurement:
    """A measured value of a KPI on a date (8.6.6, 8.8.6)."""

    measured_on: date
    """When the value was measured."""
    value: Quantity = quantity_field(optional=False)
    """The value, as a quantity of collabrel's registry."""
    source: str | None = None
    """Where the data came from."""


__all__ = [
    "Action",
    "ApplicationLevel",
    "Compatibility",
    "DecisionOutcome",
    "Direction",
    "DocumentChange",
    "ExitScope",
    "ExitStatus",
    "GovernanceKind",
    "Intensity",
    "IssueStatus",
    "ItemStatus",
    "KPIKind",
    "Measurement",
    "NonconformityStatus",
    "ObjectiveLevel",
    "Onboarding",
    "OpportunityDecision",
    "Origin",
    "Participant",
    "PlanStatus",
    "ProgressStatus",
    "RelationshipForm",
    "RiskItemType",
    "RiskScope",
    "Scale",
    "ShareClass",
    "Signoff",
    "TargetDirection",
    "TargetStatus",
]
