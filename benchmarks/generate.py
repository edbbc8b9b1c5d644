"""Deterministic benchmark portfolios and changes, derived from the bundled example portfolio.

``portfolio(n)`` clones the seven relationships of ``collabrel.example_portfolio()`` into *n*
relationships ``r00000``, ``r00001``, ... (clone *i* comes from example relationship
``i % 7``) and varies a few fields of each clone from a generator seeded by ``(seed, i)``:

* the stage (a clone may be the same relationship seen at an earlier stage, its stage
  history cut there),
* some dates (the stage history shifted back by up to half a year),
* the presence of some artefacts (resource plan, business case, an unreviewed significant
  change record, an inactive senior executive responsible).

Clone *i* is the same for every *n*, so the portfolio of 100 is a prefix of the one of 10,000.
Unchanged sub-objects are shared between clones, as they would be after ``attrs.evolve``.
References to the example's relationship ids (in the clones and in the organization) are
renamed to the clone ids: the first seven clones take the example's place in the
organization's segmentation, plans and registers, so the other clones fail the rules that
look a relationship up there. The organization's scope is set to ``organization_wide``.
The partner parties are shared too, so ``Portfolio.problems()`` reports their contacts'
person ids as repeated across relationships; no rule reads that.

``single_field_changes`` builds the random one-field changes the update benchmark applies,
and ``organization_changes`` the alternating organization values of the organization benchmark.

Run ``python benchmarks/generate.py`` to print what the generator produces.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from functools import cache
from typing import Any

import attrs

import collabrel
from collabrel import Stage
from collabrel._model import (
    ApplicationLevel,
    ChangeRecord,
    Organization,
    Portfolio,
    Relationship,
    StageRecord,
)

__all__ = [
    "AS_OF",
    "CHANGES",
    "ORG_FIELDS",
    "SEED",
    "Change",
    "clone_id",
    "is_date",
    "organization",
    "organization_changes",
    "portfolio",
    "single_field_changes",
]

SEED = 44001
"""The default seed."""
AS_OF = date(2026, 11, 23)
"""The reference assessment date of the example portfolio."""

_LIVE = range(Stage.OPERATIONAL_AWARENESS, Stage.EXIT_STRATEGY_ACTIVATION + 1)


# ----------------------------------------------------------------------- id renaming


def _holders(obj: Any, mapping: Mapping[str, str], out: set[int]) -> bool:
    """Add to *out* the ids of the objects under *obj* that hold a string to rename."""
    if type(obj) is str:
        found = obj in mapping
    elif type(obj) is tuple:
        found = False
        for item in obj:
            found = _holders(item, mapping, out) or found
    elif attrs.has(type(obj)):
        found = False
        for f in attrs.fields(type(obj)):
            found = _holders(getattr(obj, f.name), mapping, out) or found
    else:
        return False
    if found:
        out.add(id(obj))
    return found


def _rename(obj: Any, mapping: Mapping[str, str], holders: set[int]) -> Any:
    """Return *obj* with the strings of *mapping* renamed; untouched parts stay shared."""
    if id(obj) not in holders:
        return obj
    if type(obj) is str:
        return mapping.get(obj, obj)
    if type(obj) is tuple:
        return tuple(_rename(item, mapping, holders) for item in obj)
    changes = {}
    for f in attrs.fields(type(obj)):
        value = getattr(obj, f.name)
        new = _rename(value, mapping, holders)
        if new is not value:
            changes[f.alias or f.name] = new
    return attrs.evolve(obj, **changes)


class _Renamer:
    """Renames the relationship ids of one object, with the scan done once."""

    def __init__(self, obj: Any, mapping: Mapping[str, str]) -> None:
        self.obj = obj
        self.old = set(mapping)
        self.holders: set[int] = set()
        _holders(obj, mapping, self.holders)

    def __call__(self, mapping: Mapping[str, str]) -> Any:
        assert set(mapping) == self.old
        return _rename(self.obj, mapping, self.holders)


# ---------------------------------------------------------------------------- clones


@cache
def _example() -> Portfolio:
    return collabrel.example_portfolio()


@cache
def _templates() -> tuple[tuple[Relationship, _Renamer], ...]:
    return tuple((rel, _Renamer(rel, {rel.id: rel.id})) for rel in _example().relationships)


def clone_id(i: int) -> str:
    """The id of clone *i*."""
    return f"r{i:05d}"


def _earlier_stage(rel: Relationship, rng: random.Random) -> Relationship:
    """The same relationship seen at an earlier live stage of its history."""
    earlier = [h for h in rel.stage_history[:-1] if h.stage in _LIVE]
    if not earlier:
        return rel
    k = rng.randrange(len(earlier))
    cut = rel.stage_history.index(earlier[k]) + 1
    return attrs.evolve(rel, stage=earlier[k].stage, stage_history=rel.stage_history[:cut])


def _shift_history(rel: Relationship, days: int) -> Relationship:
    history = tuple(
        attrs.evolve(h, entered_on=h.entered_on - timedelta(days=days)) for h in rel.stage_history
    )
    return attrs.evolve(rel, stage_history=history)


def _unreviewed_change(rel: Relationship, i: int) -> Relationship:
    record = ChangeRecord(
        id=f"chg-{i}",
        changed_on=date(2026, 10, 1),
        description="Partner changed its delivery lead",
        significant=True,
        impact_reviewed=False,
    )
    return attrs.evolve(rel, change_records=(*rel.change_records, record))


def _clone(i: int, seed: int) -> Relationship:
    template, renamer = _templates()[i % len(_templates())]
    rid = clone_id(i)
    rng = random.Random(f"{seed}:{i}")
    rel: Relationship = attrs.evolve(renamer({template.id: rid}), name=f"{template.name} #{i}")
    if rel.stage in _LIVE and rng.random() < 0.3:
        rel = _earlier_stage(rel, rng)
    if rel.stage_history and rng.random() < 0.3:
        rel = _shift_history(rel, rng.randrange(1, 183))
    if rel.resource_plan is not None and rng.random() < 0.2:
        rel = attrs.evolve(rel, resource_plan=None)
    if rel.knowledge.business_case is not None and rng.random() < 0.15:
        rel = attrs.evolve(rel, knowledge=attrs.evolve(rel.knowledge, business_case=None))
    if rng.random() < 0.1:
        rel = _unreviewed_change(rel, i)
    if rel.sers and rng.random() < 0.1:
        rel = attrs.evolve(rel, sers=(attrs.evolve(rel.sers[0], active=False), *rel.sers[1:]))
    return rel


@cache
def organization() -> Organization:
    """The example organization, its references renamed to the first clones, scope widened."""
    org = _example().organization
    mapping = {t.id: clone_id(k) for k, (t, _) in enumerate(_templates())}
    org = _Renamer(org, mapping)(mapping)
    assert org.scope is not None
    scope = attrs.evolve(org.scope, application_level=ApplicationLevel.ORGANIZATION_WIDE)
    return attrs.evolve(org, scope=scope)


def portfolio(n: int, seed: int = SEED) -> Portfolio:
    """Return the benchmark portfolio of *n* relationships."""
    rels = tuple(_clone(i, seed) for i in range(n))
    return Portfolio(organization=organization(), relationships=rels)


# ----------------------------------------------------------------------------- changes


@attrs.frozen
class Change:
    """One single-field change of a relationship: its kind and how to apply it."""

    kind: str
    apply: Callable[[Relationship], Relationship]


def _toggle_stage(rel: Relationship) -> Relationship:
    if rel.stage in _LIVE:
        step = 1 if rel.stage < Stage.EXIT_STRATEGY_ACTIVATION else -1
        return attrs.evolve(rel, stage=Stage(rel.stage + step))
    return attrs.evolve(rel, stage=Stage.OPERATIONAL_AWARENESS)


def _template(rel: Relationship) -> Relationship:
    """The example relationship *rel* was cloned from (itself, for the example's own)."""
    examples = _example().relationships
    if rel.id[1:].isdigit():
        return examples[int(rel.id[1:]) % len(examples)]
    return next((r for r in examples if r.id == rel.id), examples[0])


def _toggle_resource_plan(rel: Relationship) -> Relationship:
    plan = None if rel.resource_plan is not None else _templates()[0][0].resource_plan
    return attrs.evolve(rel, resource_plan=plan)


def _toggle_business_case(rel: Relationship) -> Relationship:
    case = rel.knowledge.business_case
    new = None if case is not None else _templates()[0][0].knowledge.business_case
    return attrs.evolve(rel, knowledge=attrs.evolve(rel.knowledge, business_case=new))


def _toggle_change_record(rel: Relationship) -> Relationship:
    if rel.change_records:
        return attrs.evolve(rel, change_records=rel.change_records[:-1])
    return _unreviewed_change(rel, 0)


def _toggle_ser(rel: Relationship) -> Relationship:
    sers = rel.sers or _template(rel).sers or _templates()[0][0].sers
    first = attrs.evolve(sers[0], active=not sers[0].active)
    return attrs.evolve(rel, sers=(first, *sers[1:]))


def _move_history_date(rel: Relationship) -> Relationship:
    if not rel.stage_history:
        record = StageRecord(stage=Stage.OPERATIONAL_AWARENESS, entered_on=date(2026, 11, 2))
        return attrs.evolve(rel, stage_history=(record,))
    last = rel.stage_history[-1]
    moved = attrs.evolve(last, entered_on=last.entered_on - timedelta(days=7))
    return attrs.evolve(rel, stage_history=(*rel.stage_history[:-1], moved))


def _toggle_exit_evaluation(rel: Relationship) -> Relationship:
    source = _example().relationships[5].disengagement.exit_evaluation
    d = rel.disengagement
    new = None if d.exit_evaluation is not None else source
    return attrs.evolve(rel, disengagement=attrs.evolve(d, exit_evaluation=new))


CHANGES: tuple[Change, ...] = (
    Change("stage", _toggle_stage),
    Change("resource_plan", _toggle_resource_plan),
    Change("business_case", _toggle_business_case),
    Change("change_record", _toggle_change_record),
    Change("ser_active", _toggle_ser),
    Change("history_date", _move_history_date),
    Change("exit_evaluation", _toggle_exit_evaluation),
)
"""The kinds of single-field change, each one a realistic edit of one relationship."""


def single_field_changes(n: int, count: int, seed: int = SEED) -> Iterator[tuple[int, Change]]:
    """Yield *count* (clone index, change) pairs for a portfolio of *n* relationships.

    The sequence of change kinds and of templates (``index % 7``) does not depend on *n*,
    so the same edits are compared at every size.
    """
    rng = random.Random(f"changes:{seed}")
    k = len(_templates())
    for _ in range(count):
        change = rng.choice(CHANGES)
        template = rng.randrange(k)
        clone = rng.randrange(max(1, n // k))
        yield template + k * clone, change


# ------------------------------------------------------------------ organization values

ORG_FIELDS: tuple[tuple[str, ...], ...] = (
    ("org", "context", "updated_on"),
    ("org", "collaborative_profile", "assessed_on"),
    ("org", "policy"),
    ("org", "segmentation"),
    ("org", "communication_plan"),
    ("org", "monitoring_plan"),
)
"""Organization facts the organization benchmark can change, in order of preference."""

_STALE, _RECENT, _CURRENT = date(2025, 6, 1), date(2026, 3, 16), date(2026, 10, 1)


def _replace(obj: Any, names: tuple[str, ...], value: Any) -> Any:
    """Return *obj* with the value at the attribute path *names* replaced."""
    if len(names) == 1:
        return attrs.evolve(obj, **{names[0]: value})
    child = _replace(getattr(obj, names[0]), names[1:], value)
    return attrs.evolve(obj, **{names[0]: child})


def organization_changes(
    path: tuple[str, ...], *, flip: bool = True
) -> tuple[Organization, Organization]:
    """Return two organizations that differ from each other in the fact at *path* only.

    Alternating between them changes that fact at every step. A date moves between a stale
    and a current date (with ``flip=False``, between two current dates, so no review-date
    check changes its outcome); an object gets another review date or (for the plans) loses
    its last item.
    """
    org = organization()
    names = path[1:]
    match names:
        case (_, _) if is_date(path):
            first = _STALE if flip else _RECENT
            return _replace(org, names, first), _replace(org, names, _CURRENT)
        case ("policy" | "segmentation",):
            return _replace(org, (*names, "last_reviewed_on"), _STALE), org
        case ("communication_plan" | "monitoring_plan",):
            items = _get(org, (*names, "items"))
            return _replace(org, (*names, "items"), items[:-1]), org
    raise ValueError(f"no organization change for {path}")


def is_date(path: tuple[str, ...]) -> bool:
    """Whether the organization fact at *path* is a date (so it can go stale)."""
    return isinstance(_get(organization(), path[1:]), date)


def _get(obj: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        obj = getattr(obj, name, None)
    return obj


def _main() -> None:
    from collabrel.rules import Session, default_ruleset

    for n in (7, 100, 1_000):
        p = portfolio(n)
        stages = Counter(int(r.stage) for r in p.relationships)
        session = Session(p, default_ruleset(), as_of=AS_OF)
        verdicts = Counter(v.value for v in session.verdicts().values())
        print(f"N={n}: stages {dict(sorted(stages.items()))}; verdicts {dict(verdicts)}")
        if n <= 100:
            print(f"  reference problems: {len(p.problems())}")


if __name__ == "__main__":
    _main()
