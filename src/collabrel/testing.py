"""Hypothesis strategies and small builders for testing your own rules against collabrel objects.

The strategies build *valid* domain objects: every reference resolves (each relationship lists
the organization's own party, sign-offs and owners name parties of their relationship, person
and relationship ids exist), so a loaded and a generated portfolio look alike to a rule. The
optional evidence is filled at random, so both complete and incomplete evidence occur; pass
``complete=True`` or ``complete=False`` to ask for one of them.

The builders (``make_organization``, ``make_relationship``, ``make_portfolio``) return the
smallest valid objects, for example-based tests that change one field with
:func:`attrs.evolve`.

This module needs `Hypothesis <https://hypothesis.readthedocs.io>`_; ``import collabrel``
does not import it.

Generated organizations, relationships and portfolios are large objects: drawing one takes
tens to hundreds of milliseconds, so suppress Hypothesis' ``too_slow`` and
``data_too_large`` health checks in tests that use them (or in your settings profile).

Example:
    >>> from hypothesis import HealthCheck, given, settings
    >>> from collabrel.testing import portfolios
    >>> @settings(
    ...     max_examples=10,
    ...     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    ... )
    ... @given(portfolios(max_relationships=2))
    ... def test_references_resolve(portfolio):
    ...     assert portfolio.problems() == []
    >>> test_references_resolve()
"""

from __future__ import annotations

import enum
import functools
import string
import typing
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any, Literal, TypeAlias, TypeVar

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from collabrel import units
from collabrel._dates import Cadence, CalendarInterval, days, months, weeks, years
from collabrel._facts import FactSchema
from collabrel._model import (
    KPI,
    IssueResolutionProcess,
    Measurement,
    Onboarding,
    Organization,
    Party,
    Person,
    Portfolio,
    Relationship,
    ResourcePlan,
    StageRecord,
)
from collabrel._model._checks import DIMENSION, RANGE
from collabrel._model._common import ref_kind
from collabrel._stages import Stage
from collabrel._typing import field_hints, optional_type

__all__ = [
    "DEFAULT_ORG_ID",
    "cadences",
    "dates",
    "intervals",
    "make_organization",
    "make_portfolio",
    "make_relationship",
    "organizations",
    "portfolios",
    "quantities",
    "relationships",
    "texts",
]

T = TypeVar("T")
Strategy: TypeAlias = st.SearchStrategy[Any]
Dimension: TypeAlias = Literal["money", "percent", "person_days", "fte"]

DEFAULT_ORG_ID = "org"
"""The organization's party id used by the builders and by :func:`relationships`."""

MIN_DATE = date(2015, 1, 1)
"""The earliest date the strategies generate by default."""
MAX_DATE = date(2030, 12, 31)
"""The latest date the strategies generate by default."""

_ALPHABET = string.ascii_letters + string.digits + " " + "éüßøçñ€\u2019\u2013\u03b1β日本"
# characters document formats treat specially (escapes, line breaks, indicators, controls)
_TRICKY = (
    "\t\n\r\x00\x07\x1b\x7f\x85\xa0\u2028\u2029\ufeff\u200b\u202e"
    "\"'\\#:-&*!|>%@`{}[],?~=<"
    "\U0001f600e\u0301"
)
# whole texts a YAML 1.1 reader would take for a boolean, null, number, date or merge key
_AMBIGUOUS = ("yes", "No", "off", "null", "~", "", "0x1F", "0o17", "012", "1e3", "1_000",
              "1:30", ".inf", ".NaN", "2024-01-01", "<<", "=", "-", " lead", "trail ")  # fmt: skip
_ORG_IDS = ("org", "acme", "northbridge")
_PARTNER_IDS = ("partner-a", "partner-b", "partner-c")
_REL_IDS = ("rel-1", "rel-2", "rel-3")
_MAX_RELATIONSHIPS = 8
# fields the composite strategies set themselves, so the generic builder leaves them alone
_RELATIONSHIP_SKIP = frozenset({"id", "name", "parties", "stage", "stage_history", "onboarding"})
_ORGANIZATION_SKIP = frozenset({"id", "name", "people"})
_CURRENCIES = ("EUR", "USD", "GBP", "JPY", "CHF")
_CADENCE_WORDS = ("weekly", "monthly", "quarterly", "half-yearly", "annually")

# str fields that hold "a person id or a name": drawn from the people of the portfolio so that
# rules comparing them with role holders and SERs can both pass and fail
_PERSONISH = frozenset(
    {
        "appointed_by",
        "approved_by",
        "assessed_by",
        "assigned_by",
        "attendees",
        "auditee_owner",
        "auditor",
        "author",
        "by",
        "decided_by",
        "delegate_for",
        "evaluators",
        "follow_up_owner",
        "members",
        "nominated_by",
        "owner",
        "participants",
        "person",
        "reported_to",
        "reviewed_by",
        "sponsors",
        "team",
        "to",
        "validated_by",
    }
)
# id-like str fields and the prefix of the ids they point to (matching ``<class>.id`` pools)
_ID_PREFIX = {
    "analysis_ref": "performanceanalysis",
    "behaviour_charter_ref": "document",
    "candidate_id": "partnercandidate",
    "competence_record_ids": "competencerecord",
    "criteria_document_id": "document",
    "derived_from": "governancestructure",
    "document_id": "document",
    "indicator_id": "trustindicator",
    "mandate_ref": "document",
    "nonconformity_ids": "nonconformity",
    "objective_id": "objective",
    "objective_ids": "objective",
    "parent_id": "objective",
    "profile_ids": "competenceprofile",
    "selected": "partnercandidate",
    "value_driver_id": "valuedriver",
    "value_driver_ids": "valuedriver",
}
_SMALL_INTS = {
    "impact": (1, 5),
    "level": (1, 4),
    "likelihood": (1, 5),
    "priority": (1, 5),
    "stage": (1, 8),
    "stages_sampled": (1, 8),
    "version": (1, 3),
}


# ------------------------------------------------------------------------------ scalars


def texts(*, min_size: int = 0, max_size: int = 16) -> st.SearchStrategy[str]:
    """Return short texts that any document format must carry unchanged.

    Most characters are letters, digits, spaces and common non-ASCII characters; the rest
    are drawn from every character UTF-8 can encode (lone surrogates excepted, since no
    document can hold them) and from characters that formats treat specially: control
    characters, DEL, NEL (U+0085), line and paragraph separators, a byte order mark,
    bidirectional overrides, quotes, backslashes and YAML indicators. Whole texts that a
    YAML reader would take for another type (``yes``, ``null``, ``1e3``, a date) occur too.

    Args:
        min_size: the fewest characters.
        max_size: the most characters.
    """
    characters = st.one_of(
        st.sampled_from(_ALPHABET),
        st.sampled_from(_TRICKY),
        st.characters(codec="utf-8"),
    )
    # a list of characters keeps the weights of the three sources (``st.text`` merges them)
    drawn = st.lists(characters, min_size=min_size, max_size=max_size).map("".join)
    words = [w for w in _AMBIGUOUS if min_size <= len(w) <= max_size]
    return st.one_of(drawn, st.sampled_from(words)) if words else drawn


def dates(min_value: date = MIN_DATE, max_value: date = MAX_DATE) -> st.SearchStrategy[date]:
    """Return dates between *min_value* and *max_value* (both included).

    Args:
        min_value: the earliest date; 2015-01-01 by default.
        max_value: the latest date; 2030-12-31 by default.
    """
    return st.dates(min_value=min_value, max_value=max_value)


def _magnitudes() -> st.SearchStrategy[float | int]:
    cents = st.integers(min_value=0, max_value=10**8).map(lambda c: c / 100)
    return st.integers(min_value=0, max_value=10**6) | cents


def quantities(dimension: Dimension | None = None) -> st.SearchStrategy[units.Quantity]:
    """Return finite, non-negative quantities of collabrel's unit registry.

    Args:
        dimension: ``"money"`` (one of a few currencies), ``"percent"``, ``"person_days"``
            or ``"fte"``; ``None`` mixes all four.

    Raises:
        InvalidArgument: for another dimension.
    """
    builders: dict[str, st.SearchStrategy[units.Quantity]] = {
        "money": st.builds(units.money, _magnitudes(), st.sampled_from(_CURRENCIES)),
        "percent": st.builds(units.percent, st.integers(0, 100) | st.floats(0, 100, width=32)),
        "person_days": st.builds(units.person_days, _magnitudes()),
        "fte": st.builds(units.fte, st.integers(0, 40).map(lambda n: n / 4)),
    }
    if dimension is None:
        return st.one_of(*builders.values())
    if dimension not in builders:
        msg = f"quantities(dimension={dimension!r}): use one of {', '.join(builders)} or None"
        raise InvalidArgument(msg)
    return builders[dimension]


def intervals() -> st.SearchStrategy[CalendarInterval]:
    """Return calendar intervals of whole months and days, up to a few years."""
    return st.one_of(
        st.integers(1, 24).map(months),
        st.integers(1, 3).map(years),
        st.integers(1, 8).map(weeks),
        st.integers(1, 120).map(days),
        st.builds(CalendarInterval, months=st.integers(0, 30), days=st.integers(0, 40)),
    )


def cadences() -> st.SearchStrategy[Cadence]:
    """Return cadences: plain words, ``"every N months"`` and simple RRULEs."""
    return st.one_of(
        st.sampled_from(_CADENCE_WORDS),
        st.integers(1, 6).map(lambda n: f"every {n} months"),
        st.integers(1, 4).map(lambda n: f"every {n} weeks"),
        st.builds(
            "FREQ={};INTERVAL={}".format,
            st.sampled_from(("WEEKLY", "MONTHLY", "YEARLY")),
            st.integers(1, 3),
        ),
        st.just("FREQ=MONTHLY;BYMONTHDAY=15"),
    ).map(Cadence)


# ------------------------------------------------------------- generic domain strategies


@attrs.frozen
class _Pools:
    """What references may point to, and how much optional evidence to fill."""

    parties: tuple[str, ...]
    people: tuple[str, ...]
    relationships: tuple[str, ...]
    complete: bool | None


def _ids(prefix: str) -> st.SearchStrategy[str]:
    return st.integers(1, 3).map(lambda n: f"{prefix}-{n}")


def _tuples(inner: Strategy, depth: int, *, unique: bool = False) -> Strategy:
    # deeper collections stay smaller, which keeps every example cheap to build and to shrink
    size = 2 if depth <= 2 else 1  # noqa: PLR2004 - depth of the object tree
    return st.lists(inner, max_size=size, unique=unique).map(tuple)


def _ref(kind: str, pools: _Pools) -> tuple[str, ...]:
    # a "context" reference (a risk's source_ref) names a generated text: none is drawn
    pool = {"party": pools.parties, "person": pools.people, "relationship": pools.relationships}
    return pool.get(kind, ())


def _text(name: str, pools: _Pools) -> Strategy:
    """Return the strategy of a str field, drawing ids and person names from *pools*."""
    if name in _PERSONISH and pools.people:
        return st.sampled_from(pools.people)
    if name == "relationship_id" and pools.relationships:
        return st.sampled_from(pools.relationships)
    if name in _ID_PREFIX:
        return _ids(_ID_PREFIX[name])
    if name.endswith(("_id", "_ids")):  # the model refuses empty or blank ids
        return _ids(name.removesuffix("s").removesuffix("_id"))
    return texts()


def _bounded(field: attrs.Attribute[Any], tp: Any) -> Strategy | None:
    """Return a strategy of numbers within the field's documented bounds, if it has any."""
    if field.name in _SMALL_INTS:  # small on purpose, so that related values coincide
        return None
    bounds = field.metadata.get(RANGE)
    if bounds is None and tp is int and field.name.endswith("version"):
        bounds = (1, 3, "")
    if bounds is None or tp not in (int, float):
        return None
    low, high, _ = bounds
    if tp is int:
        return st.integers(int(low or 0), int(high if high is not None else (low or 0) + 9))
    top = float(high if high is not None else (low or 0) + 10)
    return st.floats(float(low or 0), top, allow_nan=False, allow_infinity=False)


def _measured(field: attrs.Attribute[Any]) -> Strategy:
    """Return the quantities a quantity field accepts (its ``DIMENSION`` metadata)."""
    dimension = field.metadata.get(DIMENSION)
    if dimension == "effort":
        return quantities("person_days") | quantities("fte")
    return quantities(dimension)


def _consistent(cls: type, kwargs: dict[str, Any]) -> Any:
    """Build *cls* from independently drawn *kwargs*, first applying its cross-field rules.

    A resource plan's period is in order, a KPI's measurements have the target's unit, and
    escalation levels are numbered lowest first: the model refuses anything else.
    """
    if cls is ResourcePlan and kwargs.get("period_start") and kwargs.get("period_end"):
        kwargs["period_start"], kwargs["period_end"] = sorted(
            (kwargs["period_start"], kwargs["period_end"])
        )
    elif cls is KPI and kwargs.get("target") is not None:
        unit = str(kwargs["target"].units)
        kwargs["measurements"] = tuple(
            Measurement(measured_on=m.measured_on, source=m.source,
                        value=units.quantity(m.value.magnitude, unit))
            for m in kwargs.get("measurements", ())
        )  # fmt: skip
    elif cls is IssueResolutionProcess:
        unique = {lv.level: lv for lv in kwargs.get("levels", ())}
        kwargs["levels"] = tuple(unique[k] for k in sorted(unique))
    return cls(**kwargs)


_CROSS_FIELD = (ResourcePlan, KPI, IssueResolutionProcess)


# value types whose strategy does not depend on the field; ``Any`` is collabrel.units.Quantity
# at run time (pint is imported lazily)
_VALUE_STRATEGIES: dict[Any, Callable[[], Strategy]] = {
    bool: st.booleans,
    date: dates,
    CalendarInterval: intervals,
    Cadence: cadences,
    Any: quantities,
}


def _scalar(name: str, tp: Any, pools: _Pools) -> Strategy | None:
    """Return the strategy of a non-attrs, non-tuple type, or ``None`` for an unknown type."""
    if tp is str:
        return _text(name, pools)
    if tp is int:
        low, high = _SMALL_INTS.get(name, (0, 10))
        return st.integers(low, high)
    if tp is float:
        top = 1.0 if name == "weight" else 10.0
        return st.floats(0.0, top, allow_nan=False, allow_infinity=False)
    for known, strategy in _VALUE_STRATEGIES.items():
        if tp is known:
            return strategy()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    return None


def _field(cls: type, field: attrs.Attribute[Any], pools: _Pools, depth: int) -> Strategy | None:
    """Return the strategy of one field, or ``None`` when no valid value can be built."""
    hint, optional = optional_type(field_hints(cls)[field.name])
    kind = ref_kind(field)
    is_tuple = typing.get_origin(hint) is tuple
    if kind is not None:
        pool = _ref(kind, pools)
        if is_tuple:
            return _tuples(st.sampled_from(pool), depth, unique=True) if pool else st.just(())
        if not pool:
            return st.none() if optional else None
        inner: Strategy | None = st.sampled_from(pool)
    elif field.name == "id" and hint is str:
        inner = _ids(cls.__name__.lower())
    elif (bounded := _bounded(field, typing.get_args(hint)[0] if is_tuple else hint)) is not None:
        inner = _tuples(bounded, depth) if is_tuple else bounded
        if is_tuple:
            return inner
    elif hint is Any:
        inner = _measured(field)
    elif is_tuple:
        item = typing.get_args(hint)[0]
        item_strategy = _value(field.name, item, pools, depth + 1)
        return st.just(()) if item_strategy is None else _tuples(item_strategy, depth)
    else:
        inner = _value(field.name, hint, pools, depth + 1)
    if inner is None:
        return st.none() if optional else None
    if not optional:
        return inner
    if _is_record(hint) and pools.complete:
        return inner
    return st.none() | inner


def _is_record(tp: Any) -> bool:
    """Whether *tp* is a domain record to generate.

    CalendarInterval and Cadence are attrs classes, yet values; the organization-specific
    fact schema is the caller's to declare.
    """
    return (
        isinstance(tp, type) and attrs.has(tp) and tp not in (CalendarInterval, Cadence, FactSchema)
    )


def _value(name: str, tp: Any, pools: _Pools, depth: int) -> Strategy | None:
    if _is_record(tp):
        return _objects(tp, pools, depth)
    return _scalar(name, tp, pools)


@functools.lru_cache(maxsize=2048)
def _objects(
    cls: type, pools: _Pools, depth: int = 0, skip: frozenset[str] = frozenset()
) -> Strategy | None:
    """Return a strategy for *cls* whose references stay inside *pools* (``None``: impossible).

    The fields in *skip* keep their defaults; the caller sets them.
    """
    kwargs: dict[str, Strategy] = {}
    for field in attrs.fields(cls):
        if not field.init:
            continue
        if field.name in skip:
            if field.default is attrs.NOTHING:  # a placeholder the caller replaces
                kwargs[field.name] = st.just("placeholder")
            continue
        strategy = _field(cls, field, pools, depth)
        if strategy is None:
            if field.default is attrs.NOTHING:
                return None
            continue
        kwargs[field.name] = strategy
    if cls in _CROSS_FIELD:
        return st.fixed_dictionaries(kwargs).map(functools.partial(_consistent, cls))
    return st.builds(cls, **kwargs)


def _evidence_slots(cls: type) -> list[tuple[str, ...]]:
    """Paths (one or two fields deep) of the optional artefacts of *cls*."""
    slots: list[tuple[str, ...]] = []
    for field in attrs.fields(cls):
        hint, optional = optional_type(field_hints(cls)[field.name])
        if not _is_record(hint):
            continue
        if optional:
            slots.append((field.name,))
        elif field.default is not attrs.NOTHING:  # a stage group such as Relationship.awareness
            slots += [(field.name, *sub) for sub in _evidence_slots(hint) if len(sub) == 1]
    return slots


def _without(obj: T, slot: tuple[str, ...]) -> T:
    """Return *obj* with the artefact at *slot* removed."""
    head, *rest = slot
    if not rest:
        return attrs.evolve(obj, **{head: None})  # type: ignore[misc]
    return attrs.evolve(obj, **{head: _without(getattr(obj, head), tuple(rest))})  # type: ignore[misc]


def _finish(draw: st.DrawFn, obj: T, complete: bool | None) -> T:
    """Make sure at least one artefact is missing when ``complete=False`` asks for it."""
    if complete is not False:
        return obj
    slot = draw(st.sampled_from(_evidence_slots(type(obj))))
    return _without(obj, slot)


def _check_complete(complete: object, where: str) -> None:
    if complete is not None and not isinstance(complete, bool):
        msg = f"{where}(complete={complete!r}): use True, False or None"
        raise InvalidArgument(msg)


# --------------------------------------------------------------------------- relationships


@attrs.frozen
class _Skeleton:
    """The identity of a relationship, drawn before its evidence."""

    id: str
    parties: tuple[Party, ...]

    @property
    def contacts(self) -> tuple[str, ...]:
        return tuple(c.id for p in self.parties for c in p.contacts)


@st.composite
def _skeletons(draw: st.DrawFn, rel_id: str, org_id: str, org_name: str) -> _Skeleton:
    partner_ids = draw(st.lists(st.sampled_from(_PARTNER_IDS), min_size=1, max_size=2, unique=True))
    parties = [Party(id=org_id, name=org_name)]
    for pid in partner_ids:
        n_contacts = draw(st.integers(1, 2))
        contacts = tuple(
            Person(id=f"{rel_id}.{pid}.{n}", name=draw(texts(min_size=1)))
            for n in range(1, n_contacts + 1)
        )
        parties.append(Party(id=pid, name=draw(texts(min_size=1)), contacts=contacts))
    # the organization's own party is not always listed first in real documents
    order = draw(st.permutations(parties))
    return _Skeleton(id=rel_id, parties=tuple(order))


def _path_to(stage: Stage, onboarding_retrofit: bool, first: int) -> list[tuple[Stage, bool]]:
    """The stages entered on the way to *stage*, with the retrofit flag of each entry."""
    if stage is Stage.CANDIDATE:
        return []
    last = {
        Stage.CLOSED_EXITED: Stage.EXIT_STRATEGY_ACTIVATION,
        Stage.CLOSED_NO_PARTNER: Stage.PARTNER_SELECTION,
        Stage.CLOSED_NOT_PURSUED: Stage.OPERATIONAL_AWARENESS,
    }.get(stage, stage)
    start = min(first, int(last)) if onboarding_retrofit else 1
    path = [(Stage(n), onboarding_retrofit and n == start) for n in range(start, int(last) + 1)]
    if stage.is_closed:
        path.append((stage, False))
    return path


@st.composite
def _histories(
    draw: st.DrawFn, stage: Stage, retrofit: bool, people: tuple[str, ...]
) -> tuple[StageRecord, ...]:
    first = draw(st.sampled_from((4, 5, 7)))
    on = draw(dates(MIN_DATE, date(2022, 12, 31)))
    records = []
    for entered, is_retrofit in _path_to(stage, retrofit, first):
        approved_by = draw(st.none() | st.sampled_from(people)) if people else None
        note = draw(st.none() | texts()) if entered.is_closed else None
        records.append(
            StageRecord(
                stage=entered,
                entered_on=on,
                approved_by=approved_by,
                retrofit=is_retrofit,
                note=note,
            )
        )
        on += timedelta(days=draw(st.integers(0, 200)))
    return tuple(records)


@st.composite
def _relationship(
    draw: st.DrawFn,
    skeleton: _Skeleton,
    *,
    people: tuple[str, ...],
    relationship_ids: tuple[str, ...],
    stages: tuple[Stage, ...],
    complete: bool | None,
) -> Relationship:
    pools = _Pools(
        parties=tuple(p.id for p in skeleton.parties),
        people=people,
        relationships=relationship_ids,
        complete=complete,
    )
    base = _objects(Relationship, pools, 1, _RELATIONSHIP_SKIP)
    if base is None:  # pragma: no cover - every pool here has a party and a person
        msg = "cannot build a relationship from these pools"
        raise InvalidArgument(msg)
    stage = draw(st.sampled_from(stages))
    retrofit = draw(st.booleans())
    rel: Relationship = draw(base)
    rel = attrs.evolve(
        rel,
        id=skeleton.id,
        name=draw(texts(min_size=1)),
        parties=skeleton.parties,
        stage=stage,
        onboarding=Onboarding.RETROFIT if retrofit else Onboarding.NEW,
        stage_history=draw(_histories(stage, retrofit, people)),
    )
    return _finish(draw, rel, complete)


def _parse_stages(stages: Iterable[Stage | int | str] | None) -> tuple[Stage, ...]:
    if stages is None:
        return tuple(Stage)
    try:
        parsed = tuple(dict.fromkeys(Stage.parse(s) for s in stages))
    except ValueError as exc:
        msg = f"relationships(stages=...): {exc}"
        raise InvalidArgument(msg) from None
    if not parsed:
        msg = "relationships(stages=...) needs at least one stage, or None for any stage"
        raise InvalidArgument(msg)
    return parsed


def relationships(
    *,
    org_id: str = DEFAULT_ORG_ID,
    stages: Iterable[Stage | int | str] | None = None,
    complete: bool | None = None,
) -> st.SearchStrategy[Relationship]:
    """Return valid relationships of the organization *org_id*, with random evidence.

    Every relationship lists the party *org_id* and one or two partners with their contacts.
    Sign-offs, owners and SERs name parties of the relationship, and person references name
    partner contacts, so the relationship is valid in any portfolio whose organization has
    the id *org_id* (contact ids start with the relationship id, so they never clash with
    the organization's people). The stage history leads up to the current stage.

    Args:
        org_id: the organization's party id.
        stages: the stages to draw from (members, numbers or names); ``None`` for any stage,
            candidate and closed included.
        complete: ``True`` fills every optional artefact, ``False`` leaves at least one of
            them out, ``None`` decides at random. Complete evidence is not the same as
            conformance: dates and sign-offs are still random.

    Raises:
        InvalidArgument: for an unknown stage or an empty *stages*.
    """
    parsed = _parse_stages(stages)
    _check_complete(complete, "relationships")

    @st.composite
    def build(draw: st.DrawFn) -> Relationship:
        rel_id = draw(st.sampled_from(_REL_IDS))
        skeleton = draw(_skeletons(rel_id, org_id, draw(texts(min_size=1))))
        return draw(
            _relationship(
                skeleton,
                people=skeleton.contacts,
                relationship_ids=(rel_id,),
                stages=parsed,
                complete=complete,
            )
        )

    return build()


# ------------------------------------------------------------------- organizations, portfolios


@st.composite
def _organization(
    draw: st.DrawFn,
    org_id: str,
    name: str,
    people: tuple[Person, ...],
    pools: _Pools,
) -> Organization:
    base = _objects(Organization, pools, 1, _ORGANIZATION_SKIP)
    if base is None:  # pragma: no cover - the organization has no required references
        msg = "cannot build an organization from these pools"
        raise InvalidArgument(msg)
    org: Organization = draw(base)
    org = attrs.evolve(org, id=org_id, name=name, people=people)
    return _finish(draw, org, pools.complete)


@st.composite
def _people(draw: st.DrawFn) -> tuple[Person, ...]:
    count = draw(st.integers(1, 3))
    return tuple(Person(id=f"p-{n}", name=draw(texts(min_size=1))) for n in range(1, count + 1))


def organizations(*, complete: bool | None = None) -> st.SearchStrategy[Organization]:
    """Return valid organizations with one to three people and random corporate evidence.

    The organization refers to no relationship, so it fits a portfolio of any relationships.

    Args:
        complete: ``True`` fills every optional artefact, ``False`` leaves at least one of
            them out, ``None`` decides at random.
    """
    _check_complete(complete, "organizations")

    @st.composite
    def build(draw: st.DrawFn) -> Organization:
        org_id = draw(st.sampled_from(_ORG_IDS))
        people = draw(_people())
        pools = _Pools(
            parties=(org_id,),
            people=tuple(p.id for p in people),
            relationships=(),
            complete=complete,
        )
        return draw(_organization(org_id, draw(texts(min_size=1)), people, pools))

    return build()


def portfolios(
    *,
    min_relationships: int = 0,
    max_relationships: int = 4,
    complete: bool | None = None,
) -> st.SearchStrategy[Portfolio]:
    """Return valid portfolios: an organization and its relationships, references resolved.

    Every relationship lists the organization's own party; sign-offs, owner parties and
    participants name parties of their relationship; person references name the
    organization's people or a party's contacts; relationship references name relationships
    of the portfolio. ``portfolio.problems()`` is always empty.

    Args:
        min_relationships: the fewest relationships.
        max_relationships: the most relationships (at most 8; keep it small, each one is a
            large object).
        complete: ``True`` fills every optional artefact, ``False`` leaves at least one
            artefact out of the organization and out of each relationship, ``None`` decides
            at random.

    Raises:
        InvalidArgument: when the bounds are negative, reversed or above 8.
    """
    if not 0 <= min_relationships <= max_relationships <= _MAX_RELATIONSHIPS:
        msg = (
            f"portfolios(min_relationships={min_relationships}, max_relationships="
            f"{max_relationships}): need 0 <= min_relationships <= max_relationships <= "
            f"{_MAX_RELATIONSHIPS}"
        )
        raise InvalidArgument(msg)
    _check_complete(complete, "portfolios")

    @st.composite
    def build(draw: st.DrawFn) -> Portfolio:
        org_id = draw(st.sampled_from(_ORG_IDS))
        org_name = draw(texts(min_size=1))
        count = draw(st.integers(min_relationships, max_relationships))
        rel_ids = tuple(f"rel-{n}" for n in range(1, count + 1))
        skeletons = [draw(_skeletons(rel_id, org_id, org_name)) for rel_id in rel_ids]
        people = draw(_people())
        known = tuple(p.id for p in people) + tuple(c for s in skeletons for c in s.contacts)
        rels = tuple(
            draw(
                _relationship(
                    s,
                    people=known,
                    relationship_ids=rel_ids,
                    stages=tuple(Stage),
                    complete=complete,
                )
            )
            for s in skeletons
        )
        partners = tuple(sorted({p.id for s in skeletons for p in s.parties} - {org_id}))
        pools = _Pools(
            parties=(org_id, *partners), people=known, relationships=rel_ids, complete=complete
        )
        org = draw(_organization(org_id, org_name, people, pools))
        return Portfolio(organization=org, relationships=rels)

    return build()


# -------------------------------------------------------------------------------- builders


def make_organization(**overrides: Any) -> Organization:
    """Return a small valid organization, with *overrides* applied to its fields.

    By default it has the id :data:`DEFAULT_ORG_ID`, one person ``p-1`` who is top
    management, and no other evidence.

    Example:
        >>> make_organization(name="Acme Ltd").name
        'Acme Ltd'
    """
    fields: dict[str, Any] = {
        "id": DEFAULT_ORG_ID,
        "name": "Example Organization",
        "people": (Person(id="p-1", name="Alex Example", title="Chief executive"),),
        "top_management": ("p-1",),
    }
    fields.update(overrides)
    return Organization(**fields)


def make_relationship(*, org_id: str = DEFAULT_ORG_ID, **overrides: Any) -> Relationship:
    """Return a small valid relationship of *org_id*, with *overrides* applied to its fields.

    By default it is the candidate ``rel-1`` between *org_id* and ``partner-a``, whose one
    contact is ``<id>.partner-a.1``, with no evidence.

    Args:
        org_id: the organization's party id, listed among the parties.
        **overrides: field values that replace the defaults.

    Example:
        >>> make_relationship(stage=5).stage
        <Stage.WORKING_TOGETHER: 5>
    """
    rel_id = overrides.get("id", "rel-1")
    fields: dict[str, Any] = {
        "id": rel_id,
        "name": "Example relationship",
        "parties": (
            Party(id=org_id, name="Example Organization"),
            Party(
                id="partner-a",
                name="Partner A",
                contacts=(Person(id=f"{rel_id}.partner-a.1", name="Sam Partner"),),
            ),
        ),
    }
    fields.update(overrides)
    return Relationship(**fields)


def make_portfolio(**overrides: Any) -> Portfolio:
    """Return a small valid portfolio: :func:`make_organization` and one relationship.

    The default relationship lists the organization's id among its parties, also when
    *overrides* replace the organization.

    Example:
        >>> make_portfolio().problems()
        []
    """
    organization = overrides.pop("organization", None) or make_organization()
    fields: dict[str, Any] = {
        "organization": organization,
        "relationships": (make_relationship(org_id=organization.id),),
    }
    fields.update(overrides)
    return Portfolio(**fields)
