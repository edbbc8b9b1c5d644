"""Clause 8.2 to 8.9: the eight lifecycle stages of a relationship, one rule or more per subclause.

Titles and remedies are our own words; catalog §1.5-1.12 gives the predicates, §1.15 the gates,
§3 the RMP sections and §6.1 the exit strategy elements. Each rule carries the subset of its
catalog row's flags that it checks (the rules of a subclause together carry the whole row) and
the row's basis tags. Documented arrangements are ``arrangement`` rules; records that show a
stage ran are ``executed`` rules.

Where a rule applies (the defaults of ``RuleSpec``):

* a stage-N rule applies in stages N to 8, so the stage 5-7 arrangements keep being checked
  once agreed, and the exit arrangements (8.6.9, 8.8.9) count at stage 7 without stage 8
  having run;
* the stage 8 rules apply from exit activation on (the executed ones also after closure), so
  conformance never asks for an exit to have been carried out;
* while a relationship is in stage N, the stage-N rules say what is missing to leave it: they
  are the gate of the lifecycle (``collabrel.lifecycle``). The "General" rule of each stage
  (8.2.1, 8.3.1, ...) checks that the stage was entered through an approved gate, and once the
  relationship is past it, that it was left through one.

Joint (J) requirements are signed off by every party for the current version of the artefact
(``agreed_by_all_parties``); where the artefacts form a collection (joint objectives, KPIs) a
registered function applies the same test to each. Exclusions in the scope (4.3),
such as 8.5.4 for a tendered public-sector partner, are applied by the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from itertools import pairwise
from typing import Any

from collabrel._model import IssueStatus, ObjectiveLevel
from collabrel._stages import Stage
from collabrel.rules._conditions import (
    Condition,
    agreed_by_all_parties,
    all_of,
    any_of,
    at_least,
    before,
    check,
    count_at_least,
    equals,
    for_each,
    implies,
    non_empty,
    not_,
    one_of,
    present,
    ref,
    reviewed_within,
)
from collabrel.rules._iso44001._base import iso
from collabrel.rules._spec import Outcome, RuleContext, RuleSpec

__all__ = [
    "AGREEMENT_SECTIONS",
    "ANNEX_B_INTERNAL_ONLY",
    "ANNEX_B_JOINT",
    "ANNEX_B_STAGE1",
    "RULES",
]

_ARR, _EXE = "arrangement", "executed"
_LAST_STAGE = 8
_REL_SER_ACCOUNTABILITIES = (
    "lead_implementation", "governance_owner", "rmp_owner", "resource_approval",
    "performance_oversight",
)  # fmt: skip
_CAPABILITY_AREAS = ("process", "policy", "systems", "culture", "resources")
_KEY_INDIVIDUALS = ("ser", "relationship_lead")
_MIN_CANDIDATES = 2
_MIN_LEVELS = 2
_WEIGHT_TOLERANCE = 1e-6

ANNEX_B_STAGE1 = ("B1", "B3", "B4", "B5", "B8", "B10", "B11", "B22")
"""The Annex B elements of a relationship RMP that stage 1 fills (catalog §3, column S)."""

ANNEX_B_JOINT = (
    "B1", "B2", "B3", "B4", "B5", "B6", "B10", "B11", "B12", "B15", "B16", "B17", "B18", "B19",
    "B20", "B21", "B22",
)  # fmt: skip
"""The Annex B elements a joint RMP is expected to hold in full (catalog §3, column J)."""

ANNEX_B_INTERNAL_ONLY = ("B13", "B14")
"""Annex B elements that must never be copied into a joint RMP (catalog §3, column J)."""

AGREEMENT_SECTIONS = {
    "governance": "B5", "objectives": "B3", "risk_allocation": "B10", "ip": "B12",
    "value_sharing": "B4", "issue_resolution": "B18", "exit": "B21",
}  # fmt: skip
"""The joint RMP section that covers each agreement topic when the plan is annexed (8.6.10)."""


# ------------------------------------------------------------------------ pure functions


def _active_ser(person: Any, sers: Any) -> bool | None:
    """The person is an active senior executive responsible of the relationship."""
    if sers is None:
        return None
    return person is not None and any(s.person == person and s.active for s in sers)


def _authority(person: Any, sers: Any, org_sers: Any, top_management: Any) -> bool:
    """The person holds authority: an active SER (relationship or corporate) or top management."""
    if person is None:
        return False
    active = {s.person for s in (*(sers or ()), *(org_sers or ())) if s.active}
    return person in active or person in (top_management or ())


def _rel_ser_accountabilities(accountabilities: Any) -> bool:
    """The mandate names every duty of a relationship SER (8.2.2)."""
    return all(a in (accountabilities or ()) for a in _REL_SER_ACCOUNTABILITIES)


def _corporate_parent(parent_id: Any, objectives: Any) -> bool | None:
    """The objective derives from a corporate objective of the organization."""
    if objectives is None:
        return None
    return any(o.id == parent_id and o.level is ObjectiveLevel.CORPORATE for o in objectives)


def _collaborative_candidate(entries: Any, rel_id: Any) -> bool | None:
    """The portfolio segmentation marks the relationship as a collaborative candidate."""
    if entries is None:
        return None
    return any(e.relationship_id == rel_id and e.collaborative_candidate for e in entries)


def _profiles_exist(profile_ids: Any, profiles: Any) -> bool | None:
    """Every competence profile named exists in the organization's profiles."""
    if profile_ids is None or profiles is None:
        return None
    known = {p.id for p in profiles}
    return bool(profile_ids) and all(p in known for p in profile_ids)


def _before_first_gate(created_on: Any, history: Any) -> bool | None:
    """The register was opened before the relationship left stage 1."""
    if history is None:
        return None
    if created_on is None:
        return False
    gates = [r.entered_on for r in history if 2 <= int(r.stage) <= _LAST_STAGE]  # noqa: PLR2004
    return not gates or created_on <= min(gates)


def _section(key: str) -> Callable[[Any], bool | None]:
    def filled(sections: Any) -> bool | None:
        if sections is None:
            return None
        return any(s.key == key and s.content.strip() for s in sections)

    filled.__doc__ = f"The plan has content in its Annex B section {key}."
    return filled


def _sections(path: str, keys: Iterable[str]) -> Condition:
    """Every section *keys* of the plan at *path* has content (one node per key)."""
    return all_of(*(check(f"section_{k}", path) for k in keys))


def _stage_update(stage: int) -> Callable[[Any, Any], bool | None]:
    def updated(updates: Any, history: Any) -> bool | None:
        if updates is None:
            return None
        if any(u.stage == stage for u in updates):
            return True
        return any(r.retrofit and stage < int(r.stage) <= _LAST_STAGE for r in history or ())

    updated.__doc__ = (
        f"The plan records its stage {stage} update (or the relationship was onboarded by "
        "retrofit after that stage)."
    )
    return updated


def _updated_after(updated_on: Any, *dates: Any) -> bool:
    """The plan was updated on or after every date of the stage's artefacts."""
    if updated_on is None:
        return False
    return all(d is None or d <= updated_on for d in dates)


def _references_all(references: Any, *ids: Any) -> bool | None:
    """The plan references every artefact of the stage by its id."""
    if references is None:
        return None
    return all(i is None or i in references for i in ids)


def _areas_covered(areas: Any) -> bool:
    """The assessment covers process, policy, systems, culture and resources."""
    return all(a in (areas or ()) for a in _CAPABILITY_AREAS)


def _weights_sum_to_one(criteria: Any) -> bool | None:
    """The weights of the criteria add up to 1."""
    if not criteria:
        return None
    total: float = sum(c.weight for c in criteria)
    return abs(total - 1.0) <= _WEIGHT_TOLERANCE


def _before_evaluations(approved_on: Any, evaluations: Any) -> bool:
    """The criteria were approved before the first partner evaluation."""
    if approved_on is None:
        return False
    return all(e.evaluated_on is None or approved_on <= e.evaluated_on for e in evaluations or ())


def _before_engagements(approved_on: Any, engagements: Any) -> bool:
    """The strategy was approved before the first engagement with a candidate."""
    if approved_on is None:
        return False
    return all(approved_on <= e.held_on for e in engagements or ())


def _candidates_evaluated(candidates: Any, evaluations: Any) -> bool | None:
    """Every nominated candidate has an evaluation."""
    if candidates is None or evaluations is None:
        return None
    done = {e.candidate_id for e in evaluations}
    return bool(candidates) and all(c.id in done for c in candidates)


def _collaborative_scored(evaluations: Any, criteria: Any) -> bool | None:
    """Every evaluation scores a collaborative-capability criterion, with evidence."""
    if evaluations is None or criteria is None:
        return None
    names = {c.name for c in criteria.criteria if c.kind == "collaborative"}
    if not names or not evaluations:
        return False
    return all(any(s.criterion in names and s.evidence for s in e.scores) for e in evaluations)


def _shortlisted_engaged(candidates: Any, engagements: Any) -> bool | None:
    """Every shortlisted candidate had at least one engagement."""
    if candidates is None or engagements is None:
        return None
    met = {e.candidate_id for e in engagements}
    shortlisted = [c.id for c in candidates if c.shortlisted]
    return bool(shortlisted) and all(c in met for c in shortlisted)


def _selected_assessed(assessments: Any, decision: Any) -> bool | None:
    """Each selected partner has a compatible assessment with draft joint objectives."""
    if assessments is None:
        return None
    ok = {
        a.candidate_id for a in assessments
        if a.compatibility.value != "incompatible" and a.draft_joint_objectives
    }  # fmt: skip
    if decision is None:
        return bool(ok)
    return bool(decision.selected) and all(c in ok for c in decision.selected)


def _selected_evaluated(selected: Any, evaluations: Any) -> bool | None:
    """Every selected partner is one of the evaluated candidates."""
    if selected is None or evaluations is None:
        return None
    evaluated = {e.candidate_id for e in evaluations}
    return bool(selected) and all(c in evaluated for c in selected)


def _contains(collection: Any, value: Any) -> bool | None:
    """The references name the artefact."""
    if collection is None:
        return None
    return value is not None and value in collection


def _references_selected(references: Any, selected: Any) -> bool | None:
    """A reference names the joint-objective assessment of every selected partner."""
    if references is None or selected is None:
        return None
    return all(any(c in r for r in references) for c in selected)


def _signed_by_every_party(agreed_by: Any, party_ids: Any) -> bool | None:
    """Every party has signed the plan (at initiation or later)."""
    if agreed_by is None or party_ids is None:
        return None
    return set(party_ids) <= {s.party for s in agreed_by}


def _signed_from_update(stage: int) -> Callable[[Any, Any, Any], bool | None]:
    def signed(agreed_by: Any, updates: Any, party_ids: Any) -> bool | None:
        if updates is None or agreed_by is None or party_ids is None:
            return None
        versions = [u.version for u in updates if u.stage == stage and u.version is not None]
        if not versions:
            return False
        first = min(versions)
        return all(any(s.party == p and s.version >= first for s in agreed_by) for p in party_ids)

    signed.__doc__ = (
        f"Every party signed the joint RMP version that carries the stage {stage} outputs, or "
        "a later one."
    )
    return signed


def _sponsors_cover(sponsors: Any, sers: Any, party_ids: Any) -> bool | None:
    """Every party's active SER is a sponsor of the joint governance."""
    if sponsors is None or sers is None or party_ids is None:
        return None
    by_party = {s.party for s in sers if s.active and s.person in sponsors}
    return set(party_ids) <= by_party


def _covers_parties(parties: Any, party_ids: Any) -> bool | None:
    """The parties listed include every party of the relationship."""
    if parties is None or party_ids is None:
        return None
    return set(party_ids) <= set(parties)


def _agreed(item: Any, parties: set[str]) -> bool:
    version = getattr(item, "version", None)
    signed = {s.party for s in item.agreed_by if version is None or s.version == version}
    return parties <= signed


def _joint_objectives_agreed(objectives: Any, party_ids: Any) -> bool | None:
    """There are joint objectives and every party signed the current version of each."""
    if objectives is None or party_ids is None:
        return None
    joint = [o for o in objectives if o.level is ObjectiveLevel.JOINT]
    return bool(joint) and all(_agreed(o, set(party_ids)) for o in joint)


def _items_agreed(items: Any, party_ids: Any) -> bool | None:
    """Every party signed the current version of each item."""
    if items is None or party_ids is None:
        return None
    return all(_agreed(i, set(party_ids)) for i in items)


def _no_cannot_shared(shared_items: Any, knowledge_map: Any) -> bool | None:
    """No shared asset is one the knowledge map says cannot be shared."""
    if not shared_items:
        return True
    if knowledge_map is None:
        return None
    blocked = {
        i.asset
        for i in knowledge_map.items
        if i.share_class is not None and i.share_class.value == "cannot"
    }
    return not (set(shared_items) & blocked)


def _participants_cover(participants: Any, party_ids: Any) -> bool | None:
    """People from every party took part."""
    if participants is None or party_ids is None:
        return None
    return set(party_ids) <= {p.party for p in participants}


def _objectives_covered(kpis: Any, objectives: Any) -> bool | None:
    """Every joint objective is measured by at least one KPI."""
    if objectives is None or kpis is None:
        return None
    covered = {o for k in kpis for o in k.objective_ids}
    return all(o.id in covered for o in objectives if o.level is ObjectiveLevel.JOINT)


def _jmt_records_in_plan(plan: Any, team: Any, records: Any) -> bool | None:
    """The development plan builds on the competence record of every JMT member of ours."""
    if plan is None:
        return False
    if team is None or records is None:
        return None
    members = {t.person for t in team if t.role == "jmt_member"}
    if not members:
        return bool(plan.competence_record_ids)
    in_plan = {r.person for r in records if r.id in plan.competence_record_ids}
    return members <= in_plan


def _covers(topic: str) -> Callable[[Any, Any], bool | None]:
    key = AGREEMENT_SECTIONS[topic]

    def covers(agreement: Any, joint_rmp: Any) -> bool | None:
        if agreement is None:
            return False
        if topic in agreement.covers:
            return True
        return bool(agreement.jrmp_annexed) and any(
            s.key == key and s.content.strip() for s in (joint_rmp.sections if joint_rmp else ())
        )

    covers.__doc__ = (
        f"The agreement covers {topic}, directly or through the annexed joint RMP (section {key})."
    )
    return covers


def _ideas_from_every_party(ideas: Any, party_ids: Any) -> bool | None:
    """Every party has raised ideas in the joint idea log."""
    if ideas is None or party_ids is None:
        return None
    return set(party_ids) <= {i.raised_by_party for i in ideas}


def _updated_after_targets(updated_on: Any, targets: Any) -> bool:
    """The joint RMP was updated on or after the latest improvement target was set."""
    if updated_on is None:
        return False
    return all(t.set_on is None or t.set_on <= updated_on for t in targets or ())


def _latest(items: Any, key: str) -> Any:
    dated = [i for i in items or () if getattr(i, key) is not None]
    return max(dated, key=lambda i: getattr(i, key), default=None)


def _latest_review_attended(reviews: Any, sers: Any, party_ids: Any) -> bool | None:
    """Every party's active SER (or a recorded delegate) attended the latest SER review."""
    if reviews is None or sers is None or party_ids is None:
        return None
    review = _latest(reviews, "held_on")
    if review is None:
        return False
    for party in party_ids:
        people = {s.person for s in sers if s.party == party and s.active}
        if not any(
            a.party == party and (a.person in people or a.delegate_for in people)
            for a in review.attendees
        ):
            return False
    return True


def _latest_review_recorded(reviews: Any) -> bool | None:
    """The latest SER review reviewed performance and recorded decisions and actions."""
    review = _latest(reviews, "held_on")
    if review is None:
        return False
    return review.performance_reviewed and bool(review.decisions) and bool(review.actions)


def _latest_meeting_covers(meetings: Any, party_ids: Any) -> bool | None:
    """People from every party attended the latest JMT meeting."""
    if meetings is None or party_ids is None:
        return None
    meeting = _latest(meetings, "held_on")
    if meeting is None:
        return False
    return set(party_ids) <= {a.party for a in meeting.attendees}


def _latest_respondents(measurements: Any, party_ids: Any) -> bool | None:
    """The latest measurement of each trust indicator had respondents from every party."""
    if measurements is None or party_ids is None:
        return None
    latest: dict[str, Any] = {}
    for m in measurements:
        if m.indicator_id not in latest or m.measured_on > latest[m.indicator_id].measured_on:
            latest[m.indicator_id] = m
    if not latest:
        return False
    return all(set(party_ids) <= {r.party for r in m.respondents} for m in latest.values())


def _latest_review_uses_analysis(reviews: Any, analyses: Any) -> bool | None:
    """The latest SER review considered the latest analysis of results available to it."""
    if reviews is None or analyses is None:
        return None
    review = _latest(reviews, "held_on")
    if review is None:
        return False
    earlier = [a for a in analyses if a.period_end <= review.held_on]
    if not earlier:
        return review.analysis_ref is not None
    latest = max(earlier, key=lambda a: a.period_end).id
    return bool(review.analysis_ref == latest)


def _reagreed_after_changes(changes: Any, exit_strategy: Any, party_ids: Any) -> bool | None:
    """Every party signed the current exit strategy after the latest significant change."""
    if changes is None or party_ids is None:
        return None
    significant = [c.changed_on for c in changes if c.significant]
    if not significant:
        return True
    if exit_strategy is None:
        return False
    last = max(significant)
    current = [s for s in exit_strategy.agreed_by if s.version == exit_strategy.version]
    return all(any(s.party == p and s.signed_on >= last for s in current) for p in party_ids)


def _updated_after_changes(updated_on: Any, changes: Any) -> bool:
    """The joint RMP was updated on or after every significant change to the relationship."""
    if updated_on is None:
        return False
    return all(c.changed_on <= updated_on for c in changes or () if c.significant)


def _trigger_agreed(activation: Any, exit_strategy: Any) -> bool | None:
    """The trigger that fired is an agreed one (or justified) and the version in force is named."""
    if activation is None:
        return False
    if exit_strategy is None:
        return None
    agreed = activation.trigger in {t.kind for t in exit_strategy.triggers}
    return (agreed or bool(activation.justification)) and (
        activation.strategy_version == exit_strategy.version
    )


def _no_change_note(corporate_rmp: Any, rel_id: Any) -> bool | None:
    """The corporate RMP records that the exit of this relationship needed no change."""
    if corporate_rmp is None:
        return None
    return any(rel_id in note for note in corporate_rmp.no_change_notes)


_FN: dict[str, Callable[..., Any]] = {
    "active_ser": _active_ser,
    "authority": _authority,
    "rel_ser_accountabilities": _rel_ser_accountabilities,
    "corporate_parent": _corporate_parent,
    "collaborative_candidate": _collaborative_candidate,
    "profiles_exist": _profiles_exist,
    "before_first_gate": _before_first_gate,
    **{f"section_B{n}": _section(f"B{n}") for n in range(1, 23)},
    **{f"stage{n}_update": _stage_update(n) for n in range(1, 9)},
    "updated_after": _updated_after,
    "references_all": _references_all,
    "areas_covered": _areas_covered,
    "weights_sum_to_one": _weights_sum_to_one,
    "before_evaluations": _before_evaluations,
    "before_engagements": _before_engagements,
    "candidates_evaluated": _candidates_evaluated,
    "collaborative_scored": _collaborative_scored,
    "shortlisted_engaged": _shortlisted_engaged,
    "selected_assessed": _selected_assessed,
    "selected_evaluated": _selected_evaluated,
    "contains": _contains,
    "references_selected": _references_selected,
    "signed_by_every_party": _signed_by_every_party,
    "signed_from_stage5": _signed_from_update(5),
    "signed_from_stage6": _signed_from_update(6),
    "sponsors_cover": _sponsors_cover,
    "covers_parties": _covers_parties,
    "joint_objectives_agreed": _joint_objectives_agreed,
    "items_agreed": _items_agreed,
    "no_cannot_shared": _no_cannot_shared,
    "participants_cover": _participants_cover,
    "objectives_covered": _objectives_covered,
    "jmt_records_in_plan": _jmt_records_in_plan,
    **{f"covers_{t}": _covers(t) for t in AGREEMENT_SECTIONS},
    "ideas_from_every_party": _ideas_from_every_party,
    "updated_after_targets": _updated_after_targets,
    "latest_review_attended": _latest_review_attended,
    "latest_review_recorded": _latest_review_recorded,
    "latest_meeting_covers": _latest_meeting_covers,
    "latest_respondents": _latest_respondents,
    "latest_review_uses_analysis": _latest_review_uses_analysis,
    "reagreed_after_changes": _reagreed_after_changes,
    "updated_after_changes": _updated_after_changes,
    "trigger_agreed": _trigger_agreed,
    "no_change_note": _no_change_note,
}
"""Pure functions the stage rules call through ``check`` nodes."""


# ----------------------------------------------------------------------- Python predicates


def _key_individuals_assessed(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    interval = ctx.config.interval("review.competence")
    people = sorted({t.person for t in rel.team if t.role in _KEY_INDIVIDUALS})
    if not people:
        return Outcome.fail("team names no SER or relationship lead")
    latest: dict[str, date] = {}
    for rec in ctx.organization.competence_records:
        day = rec.assessed_on
        if rec.person in people and day is not None and day > latest.get(rec.person, date.min):
            latest[rec.person] = day
    missing = [p for p in people if p not in latest]
    stale = [p for p in people if p in latest and ctx.as_of > latest[p] + interval]
    if missing or stale:
        parts = []
        if missing:
            parts.append(f"no record in organization.competence_records for {', '.join(missing)}")
        if stale:
            parts.append(
                f"organization.competence_records older than {interval} for {', '.join(stale)}"
            )
        return Outcome.fail("; ".join(parts))
    return Outcome.passed(f"{len(people)} key individuals assessed")


def _shortfalls(record: Any, profile: Any) -> list[str]:
    have = {s.name: s.level for s in (*record.competencies, *record.behaviours)}
    return [
        s.name for s in (*profile.competencies, *profile.behaviours)
        if have.get(s.name, 0) < s.level
    ]  # fmt: skip


def _lead_competent(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    leads = sorted({t.person for t in rel.team if t.role == "relationship_lead"})
    if not leads:
        return Outcome.fail("team names no relationship lead")
    org = ctx.organization
    profile = next((p for p in org.competence_profiles if p.role == "relationship_lead"), None)
    if profile is None:
        return Outcome.unknown("organization.competence_profiles has no relationship_lead profile")
    bad = []
    for person in leads:
        records = [r for r in org.competence_records if r.person == person]
        if not records:
            bad.append(f"{person} has no record in organization.competence_records")
            continue
        record = max(records, key=lambda r: r.assessed_on or date.min)
        short = _shortfalls(record, profile)
        if short and not any(a.done_on is None for a in record.development_actions):
            bad.append(
                f"{person} is below the profile on {', '.join(short)} with no open development "
                f"action in organization.competence_records ({record.id})"
            )
    if bad:
        return Outcome.fail("; ".join(bad))
    return Outcome.passed("the relationship lead meets the profile or is being developed")


def _jmt_actions_closed(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    meetings = rel.staying.jmt_meetings
    if not meetings:
        return Outcome.unknown("no JMT meeting in staying.jmt_meetings")
    due = [a for m in meetings for a in m.actions if a.due_on is not None and a.due_on < ctx.as_of]
    if not due:
        return Outcome.passed("no JMT action due yet")
    on_time = sum(1 for a in due if a.done_on is not None and a.done_on <= a.due_on)
    share = on_time / len(due)
    needed = ctx.config.get("action_closure")
    if share + 1e-9 < needed:
        return Outcome.fail(
            f"{on_time} of {len(due)} JMT actions due in staying.jmt_meetings were closed by "
            f"their due date ({share:.0%}, need {needed:.0%})"
        )
    return Outcome.passed(f"{on_time} of {len(due)} JMT actions closed on time")


def _trust_drops_acted(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    measurements = rel.staying.trust_measurements
    if not measurements:
        return Outcome.unknown("no trust measurement in staying.trust_measurements")
    drop = ctx.config.get("trust_drop")
    series: dict[str, list[Any]] = {}
    for m in measurements:
        series.setdefault(m.indicator_id, []).append(m)
    bad = []
    for indicator, items in sorted(series.items()):
        items.sort(key=lambda m: m.measured_on)
        for prev, cur in pairwise(items):
            fell = prev.score > 0 and (prev.score - cur.score) / prev.score >= drop - 1e-9
            if fell and cur.action is None:
                bad.append(
                    f"{indicator} fell from {prev.score} to {cur.score} on {cur.measured_on}"
                )
    if bad:
        return Outcome.fail(
            f"trust fell by {drop:.0%} or more with no action recorded in "
            f"staying.trust_measurements: {'; '.join(bad)}"
        )
    return Outcome.passed("every fall in trust was acted on")


def _objectives_reported(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    joint = sorted(o.id for o in rel.objectives if o.level is ObjectiveLevel.JOINT)
    if not joint:
        return Outcome.fail("no joint objective in objectives")
    interval = ctx.config.interval("jmt_cadence")
    latest: dict[str, date] = {}
    for s in rel.staying.objective_statuses:
        if s.reported_on > latest.get(s.objective_id, date.min):
            latest[s.objective_id] = s.reported_on
    late = [o for o in joint if o not in latest or ctx.as_of > latest[o] + interval]
    if late:
        return Outcome.fail(
            f"no status in staying.objective_statuses within {interval} for {', '.join(late)}"
        )
    return Outcome.passed(f"{len(joint)} joint objectives reported on")


def _issues_within_limits(rel: Any, ctx: RuleContext) -> Outcome | bool | None:
    issues = rel.staying.issues
    if not issues:
        return Outcome.passed("no issue logged")
    process = rel.working.issue_process
    if process is None or not process.levels:
        return Outcome.unknown(
            "no escalation levels in working.issue_process to time staying.issues against"
        )
    limits = {lv.level: lv.max_days for lv in process.levels}
    top = max(limits)
    bad = []
    for issue in issues:
        resolved = issue.status is IssueStatus.RESOLVED
        if resolved and not issue.outcome:
            bad.append(f"{issue.id} resolved without an outcome")
        if issue.level > top and not resolved:
            bad.append(f"{issue.id} sits beyond the final level {top}")
            continue
        start = issue.level_entered_on or issue.raised_on
        end = issue.resolved_on if resolved and issue.resolved_on is not None else ctx.as_of
        limit = limits.get(issue.level)
        if limit is not None and (end - start).days > limit:
            bad.append(
                f"{issue.id} stayed {(end - start).days} days at level {issue.level} "
                f"(limit {limit})"
            )
    if bad:
        return Outcome.fail("issues in staying.issues outside the agreed limits: " + "; ".join(bad))
    return Outcome.passed(f"{len(issues)} issues handled within the agreed limits")


# ------------------------------------------------------------------------------ builders


def _rule(
    part: str,
    *,
    clause: str,
    mode: str,
    title: str,
    remedy: str,
    **kwargs: Any,
) -> RuleSpec:
    """A stage rule: ``iso()`` with the stage from the clause and the stage functions."""
    level = kwargs.pop("level", "JNT" if int(clause.split(".")[1]) >= 6 else "REL")  # noqa: PLR2004
    stage = int(clause.split(".")[1]) - 1
    return iso(
        part,
        clause=clause,
        level=level,
        stage=stage,
        mode=mode,
        title=title,
        remedy=remedy,
        functions=_FN,
        **kwargs,
    )


def _entered(stage: int) -> Condition:
    """The entry into *stage* is recorded, approved by an active SER of the relationship.

    A retrofit entry at that stage or a later one stands in for the gates it skipped (catalog
    §0.5 point 6).
    """
    slug = Stage(stage).slug
    approved = check("active_ser", "approved_by", "relationship.sers")
    return any_of(
        count_at_least("stage_history", 1, all_of(equals("stage", slug), approved)),
        count_at_least(
            "stage_history",
            1,
            all_of(equals("retrofit", True), at_least("stage", slug), approved),
        ),
    )


def _gates(stage: int) -> Condition:
    """The relationship entered *stage* through an approved gate, and left it through one.

    The way out is only asked for once the relationship is past the stage, so the rule holds
    (and can take part in the lifecycle gate) while the relationship is in the stage.
    """
    after = Stage(stage + 1).slug
    return all_of(_entered(stage), implies(at_least("stage", after), _entered(stage + 1)))


def _recent(path: str, *intervals: Any) -> Condition:
    """The date at *path* is recorded and recent (a missing date fails, not unknown)."""
    return all_of(present(path), reviewed_within(path, *intervals))


def _within_agreed(path: str, frequency: str, default: str) -> Condition:
    """Recent by the agreed *frequency* when recorded, by the configured *default* otherwise."""
    return all_of(
        present(path),
        any_of(
            all_of(present(frequency), reviewed_within(path, ref(frequency))),
            all_of(not_(present(frequency)), reviewed_within(path, default)),
        ),
    )


# ----------------------------------------------------------------------- stage 1 (8.2)


def _stage1() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.2.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="RA",
            title="Stage 1 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=_gates(1),
        ),
        _rule(
            "mandate",
            clause="8.2.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The organization's SER for the relationship has a written mandate with the "
            "relationship duties",
            remedy="Record the SER's mandate document and the duties lead_implementation, "
            "governance_owner, rmp_owner, resource_approval and performance_oversight.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("party", ref("organization.id")),
                    equals("active", True),
                    present("mandate_ref"),
                    check("rel_ser_accountabilities", "accountabilities"),
                ),
            ),
        ),
        _rule(
            "appointed-first",
            clause="8.2.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="A",
            title="The SER was appointed before the other stage 1 outputs were approved",
            remedy="Appoint the SER first, then approve the governance, value analysis, "
            "competence needs and risk register; correct the recorded dates if they are wrong.",
            condition=count_at_least(
                "sers",
                1,
                all_of(
                    equals("party", ref("organization.id")),
                    equals("active", True),
                    before("appointed_on", "relationship.awareness.governance.approved_on"),
                    before("appointed_on", "relationship.awareness.value_analysis.reviewed_on"),
                    before("appointed_on", "relationship.awareness.competence_needs.assessed_on"),
                    before("appointed_on", "relationship.risk_register.created_on"),
                ),
            ),
        ),
        _rule(
            "structure",
            clause="8.2.3",
            mode=_ARR,
            basis="TOC INF",
            flags="D",
            title="An operational governance structure applies the corporate one, with every "
            "deviation justified",
            remedy="Document the relationship's governance as derived from the corporate "
            "structure and justify each deviation.",
            condition=all_of(
                present("awareness.governance"),
                equals("awareness.governance.kind", "operational"),
                present("awareness.governance.document_id"),
                equals("awareness.governance.derived_from", ref("organization.governance.id")),
                non_empty("awareness.governance.bodies"),
                for_each("awareness.governance.deviations", non_empty("justification")),
            ),
        ),
        _rule(
            "validated",
            clause="8.2.3",
            mode=_ARR,
            basis="TOC INF",
            flags="A",
            title="The relationship SER validated the operational governance structure",
            remedy="Have the relationship SER validate the governance structure and record it.",
            condition=check("active_ser", "awareness.governance.validated_by", "sers"),
        ),
        _rule(
            "objectives",
            clause="8.2.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The relationship has objectives derived from corporate objectives",
            remedy="Set a relationship objective and name the corporate objective it serves.",
            condition=count_at_least(
                "objectives",
                1,
                all_of(
                    equals("level", "relationship"),
                    check("corporate_parent", "parent_id", "organization.objectives"),
                ),
            ),
        ),
        _rule(
            "value",
            clause="8.2.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The expected value is estimated, measurable and linked to the value statement",
            remedy="Record an expected benefit with an estimate, a measure and the value driver "
            "it realizes.",
            condition=count_at_least(
                "awareness.expected_benefits",
                1,
                all_of(
                    present("estimate"),
                    non_empty("measure"),
                    check("drivers_known", "value_driver_id", "organization.value_statement"),
                ),
            ),
        ),
        _rule(
            "method",
            clause="8.2.5",
            mode=_ARR,
            basis="TOC SEC INF",
            flags="D",
            title="The value analysis uses the organization's current documented method",
            remedy="Document the value analysis method and redo the analysis with its current "
            "version.",
            condition=all_of(
                present("organization.value_analysis_method.document_id"),
                present("awareness.value_analysis"),
                equals(
                    "awareness.value_analysis.method_version",
                    ref("organization.value_analysis_method.version"),
                ),
            ),
        ),
        _rule(
            "analysis",
            clause="8.2.5",
            mode=_EXE,
            basis="TOC SEC INF",
            flags="R",
            title="Collaborating was compared with alternatives and the SER reviewed the result",
            remedy="Compare at least two alternatives (benefits, costs, risks), record the "
            "result and have the SER review it.",
            condition=all_of(
                present("awareness.value_analysis"),
                count_at_least("awareness.value_analysis.alternatives", _MIN_CANDIDATES),
                non_empty("awareness.value_analysis.benefits"),
                non_empty("awareness.value_analysis.costs"),
                non_empty("awareness.value_analysis.risks"),
                non_empty("awareness.value_analysis.result"),
                check("active_ser", "awareness.value_analysis.reviewed_by", "sers"),
                present("awareness.value_analysis.reviewed_on"),
            ),
        ),
        _rule(
            "prioritised",
            clause="8.2.6",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The relationship is prioritised on the current segmentation criteria",
            remedy="Record its segment, priority and rationale against the current criteria "
            "version.",
            condition=all_of(
                present("awareness.prioritisation"),
                present("awareness.prioritisation.segment"),
                present("awareness.prioritisation.priority"),
                non_empty("awareness.prioritisation.rationale"),
                equals(
                    "awareness.prioritisation.criteria_version",
                    ref("organization.segmentation.criteria_version"),
                ),
            ),
        ),
        _rule(
            "collaborative",
            clause="8.2.6",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The segmentation confirms the relationship should be collaborative",
            remedy="Mark the relationship as a collaborative candidate in the segmentation, or "
            "take it out of the lifecycle.",
            condition=all_of(
                present("organization.segmentation"),
                check("collaborative_candidate", "organization.segmentation.entries", "id"),
            ),
        ),
        _rule(
            "assessed",
            clause="8.2.7",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="The competences the relationship needs were assessed against the profiles",
            remedy="Assess the competence needs against named competence profiles and record "
            "the date.",
            condition=all_of(
                present("awareness.competence_needs"),
                check(
                    "profiles_exist",
                    "awareness.competence_needs.profile_ids",
                    "organization.competence_profiles",
                ),
                present("awareness.competence_needs.assessed_on"),
            ),
        ),
        _rule(
            "development",
            clause="8.2.7",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Every competence gap found has an owned, dated development action",
            remedy="Give each gap an owner and a due date.",
            condition=all_of(
                present("awareness.competence_needs"),
                for_each(
                    "awareness.competence_needs.gaps", all_of(present("owner"), present("due_on"))
                ),
            ),
        ),
        _rule(
            "register",
            clause="8.2.8",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The initial risks are registered with owner, rating and response",
            remedy="Open the relationship risk register and give every item an owner, a rating "
            "and a response.",
            condition=all_of(
                present("risk_register"),
                equals("risk_register.scope", "relationship"),
                count_at_least("risk_register.items", 1),
                for_each(
                    "risk_register.items",
                    all_of(present("owner"), present("rating"), non_empty("response")),
                ),
            ),
        ),
        _rule(
            "early",
            clause="8.2.8",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The relationship risk register was opened before the stage 1 gate",
            remedy="Open the risk register during stage 1; record its creation date.",
            condition=check("before_first_gate", "risk_register.created_on", "stage_history"),
        ),
        _rule(
            "plan",
            clause="8.2.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The relationship RMP derives from the corporate RMP and holds the stage 1 "
            "outputs",
            remedy="Write the RMP from the corporate RMP with sections "
            f"{', '.join(ANNEX_B_STAGE1)}.",
            condition=all_of(
                present("rmp"),
                equals("rmp.parent_id", ref("organization.corporate_rmp.id")),
                _sections("rmp.sections", ANNEX_B_STAGE1),
            ),
        ),
        _rule(
            "recorded",
            clause="8.2.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The RMP records its stage 1 update",
            remedy="Add the stage 1 update to the RMP's update log.",
            condition=all_of(
                present("rmp"), check("stage1_update", "rmp.stage_updates", "stage_history")
            ),
        ),
        _rule(
            "approved",
            clause="8.2.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="A",
            title="The relationship SER approved the RMP",
            remedy="Have the relationship SER approve the current version of the RMP.",
            condition=all_of(
                check("active_ser", "rmp.approved_by", "sers"), present("rmp.approved_on")
            ),
        ),
        _rule(
            "current",
            clause="8.2.9",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="The RMP is reviewed within the interval",
            remedy="Review the relationship RMP and record the date.",
            condition=_recent("rmp.last_reviewed_on", "review.rmp"),
        ),
    ]


# ----------------------------------------------------------------------- stage 2 (8.3)


def _stage2() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.3.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="RA",
            title="Stage 2 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=_gates(2),
        ),
        _rule(
            "business-case",
            clause="8.3.2",
            mode=_ARR,
            basis="TOC SEC INF",
            flags="D",
            title="The business case covers objectives, drivers, model, value, environment, "
            "costs, risks, resources, measures and effects on other relationships",
            remedy="Complete the missing parts of the business case.",
            condition=all_of(
                present("knowledge.business_case"),
                non_empty("knowledge.business_case.objectives"),
                non_empty("knowledge.business_case.drivers"),
                non_empty("knowledge.business_case.operating_model"),
                present("knowledge.business_case.value_analysis_ref"),
                non_empty("knowledge.business_case.environment_analysis_ref"),
                present("knowledge.business_case.costs"),
                present("knowledge.business_case.risks_ref"),
                non_empty("knowledge.business_case.resources"),
                non_empty("knowledge.business_case.success_measures"),
                non_empty("knowledge.business_case.impact_on_existing"),
            ),
        ),
        _rule(
            "linked",
            clause="8.3.2",
            mode=_ARR,
            basis="TOC SEC INF",
            flags="D",
            title="The business case builds on the relationship's value analysis and risk register",
            remedy="Reference the value analysis and the risk register by their ids.",
            condition=all_of(
                equals(
                    "knowledge.business_case.value_analysis_ref",
                    ref("awareness.value_analysis.id"),
                ),
                equals("knowledge.business_case.risks_ref", ref("risk_register.id")),
            ),
        ),
        _rule(
            "exit-considered",
            clause="8.3.2",
            mode=_ARR,
            basis="TOC SEC INF",
            flags="D",
            title="The business case states how the organization would exit, and an exit "
            "strategy is started",
            remedy="Write the internal exit considerations and start a draft exit strategy.",
            condition=all_of(
                non_empty("knowledge.business_case.internal_exit_considerations"),
                present("exit_strategy"),
            ),
        ),
        _rule(
            "approved",
            clause="8.3.2",
            mode=_ARR,
            basis="TOC SEC INF",
            flags="D",
            title="The business case is approved",
            remedy="Approve the business case and record the date.",
            condition=present("knowledge.business_case.approved_on"),
        ),
        _rule(
            "key-roles",
            clause="8.3.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The key individuals (SER and relationship lead) are named",
            remedy="Assign the ser and relationship_lead roles in the relationship team.",
            condition=all_of(
                count_at_least("team", 1, equals("role", "ser")),
                count_at_least("team", 1, equals("role", "relationship_lead")),
            ),
        ),
        _rule(
            "assessed",
            clause="8.3.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The key individuals have a current assessment of competence and behaviour",
            remedy="Assess the SER and relationship lead against their profiles and record it.",
            predicate=_key_individuals_assessed,
            reads=("team", "organization.competence_records"),
        ),
        _rule(
            "map",
            clause="8.3.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="A knowledge map says what can, could and cannot be shared, and how it is "
            "protected",
            remedy="Map the knowledge assets with their share class, and the conditions and "
            "protection of those not freely shared.",
            condition=all_of(
                present("knowledge.knowledge_map"),
                count_at_least("knowledge.knowledge_map.items", 1),
                for_each(
                    "knowledge.knowledge_map.items",
                    all_of(
                        present("share_class"),
                        implies(
                            one_of("share_class", ["cannot", "conditional"]),
                            non_empty("protection"),
                        ),
                        implies(equals("share_class", "conditional"), non_empty("conditions")),
                    ),
                ),
            ),
        ),
        _rule(
            "approved",
            clause="8.3.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The relationship SER approved the knowledge map",
            remedy="Have the relationship SER approve the knowledge map.",
            condition=all_of(
                check("active_ser", "knowledge.knowledge_map.approved_by", "sers"),
                present("knowledge.knowledge_map.approved_on"),
            ),
        ),
        _rule(
            "risks",
            clause="8.3.5",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Supply-chain and extended-enterprise risks are registered, or their absence "
            "is reasoned",
            remedy="Register the supply-chain risks, or record why there are none.",
            condition=any_of(
                count_at_least(
                    "risk_register.items",
                    1,
                    one_of("source", ["supply_chain", "extended_enterprise"]),
                ),
                non_empty("risk_register.none_identified_note"),
            ),
        ),
        _rule(
            "dependencies",
            clause="8.3.5",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Critical supply-chain dependencies are mapped (except for light-scale "
            "relationships)",
            remedy="List the critical dependencies beyond the partner, or record why there are "
            "none.",
            condition=implies(
                not_(equals("scale", "light")),
                all_of(
                    present("knowledge.supply_chain"),
                    any_of(
                        non_empty("knowledge.supply_chain.critical_dependencies"),
                        non_empty("knowledge.supply_chain.none_identified_rationale"),
                    ),
                ),
            ),
        ),
        _rule(
            "process",
            clause="8.3.6",
            mode=_ARR,
            basis="TOC INF",
            flags="D",
            title="A risk process sets the method, review frequency and escalation threshold",
            remedy="Document the relationship's risk method, review frequency and escalation "
            "threshold.",
            condition=all_of(
                present("knowledge.risk_process"),
                non_empty("knowledge.risk_process.method"),
                present("knowledge.risk_process.review_frequency"),
                present("knowledge.risk_process.escalation_threshold"),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.3.6",
            mode=_EXE,
            basis="TOC INF",
            flags="P",
            title="The relationship risk register is reviewed at the agreed frequency",
            remedy="Review the relationship risk register and record the date.",
            condition=_within_agreed(
                "risk_register.last_reviewed_on",
                "knowledge.risk_process.review_frequency",
                "review.risk_relationship",
            ),
        ),
        _rule(
            "treated",
            clause="8.3.6",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Every open relationship risk has an owner and a treatment",
            remedy="Give each open item an owner and a response.",
            condition=all_of(
                present("risk_register"),
                for_each(
                    "risk_register.items",
                    implies(
                        equals("status", "open"), all_of(present("owner"), non_empty("response"))
                    ),
                ),
            ),
        ),
        _rule(
            "decided",
            clause="8.3.7",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="The business case was evaluated and the decision recorded with its reasons",
            remedy="Evaluate the business case and record the decision (proceed, revise or "
            "stop), its date and rationale.",
            condition=all_of(
                present("knowledge.decision"),
                equals("knowledge.decision.subject", "business_case"),
                present("knowledge.decision.decided_on"),
                non_empty("knowledge.decision.rationale"),
            ),
        ),
        _rule(
            "authority",
            clause="8.3.7",
            mode=_EXE,
            basis="TOC INF",
            flags="A",
            title="The business case decision was taken by someone with authority",
            remedy="Have the SER or top management take the decision.",
            condition=check(
                "authority",
                "knowledge.decision.decided_by",
                "sers",
                "organization.sers",
                "organization.top_management",
            ),
        ),
        _rule(
            "stop-closed",
            clause="8.3.7",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="A decision to stop closes the relationship as not pursued",
            remedy="Close the relationship as not pursued, or record a new decision.",
            condition=implies(
                all_of(present("knowledge.decision"), equals("knowledge.decision.outcome", "stop")),
                equals("stage", "closed_not_pursued"),
            ),
        ),
        _rule(
            "references",
            clause="8.3.8",
            mode=_ARR,
            basis="TOC",
            flags="D",
            title="The RMP references the business case and the knowledge map",
            remedy="Add the business case and knowledge map ids to the RMP's references.",
            condition=all_of(
                present("rmp"),
                check(
                    "references_all",
                    "rmp.references",
                    "knowledge.business_case.id",
                    "knowledge.knowledge_map.id",
                ),
            ),
        ),
        _rule(
            "updated",
            clause="8.3.8",
            mode=_ARR,
            basis="TOC",
            flags="P",
            title="The RMP was updated with the stage 2 outputs",
            remedy="Update the RMP after the stage 2 outputs and log the stage 2 update.",
            condition=all_of(
                present("rmp"),
                check(
                    "updated_after",
                    "rmp.updated_on",
                    "knowledge.business_case.approved_on",
                    "knowledge.knowledge_map.approved_on",
                    "knowledge.supply_chain.assessed_on",
                    "knowledge.decision.decided_on",
                ),
                check("stage2_update", "rmp.stage_updates", "stage_history"),
            ),
        ),
    ]


# ----------------------------------------------------------------------- stage 3 (8.4)


def _stage3() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.4.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="RA",
            title="Stage 3 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=_gates(3),
        ),
        _rule(
            "areas",
            clause="8.4.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The capability assessment covers process, policy, systems, culture and "
            "resources",
            remedy="Assess the missing areas and record the date.",
            condition=all_of(
                present("assessment.capability"),
                check("areas_covered", "assessment.capability.areas"),
                present("assessment.capability.assessed_on"),
            ),
        ),
        _rule(
            "changes",
            clause="8.4.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every change the capability assessment requires has an owner and a date",
            remedy="Give each required change an owner and a due date.",
            condition=all_of(
                present("assessment.capability"),
                for_each(
                    "assessment.capability.changes", all_of(present("owner"), present("due_on"))
                ),
            ),
        ),
        _rule(
            "swot",
            clause="8.4.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Strengths and weaknesses for collaborating were analysed, with an owner for "
            "each weakness",
            remedy="Record the SWOT and an owned action (or risk acceptance) for each weakness.",
            condition=all_of(
                present("assessment.swot"),
                non_empty("assessment.swot.strengths"),
                present("assessment.swot.assessed_on"),
                for_each("assessment.swot.weaknesses", present("owner")),
            ),
        ),
        _rule(
            "profile",
            clause="8.4.4",
            mode=_EXE,
            basis="TOC SEC INF",
            flags="R",
            title="The organization's collaborative profile has maturity scores and owned "
            "actions on blockers",
            remedy="Assess the collaborative profile (maturity scores, method) and give each "
            "blocker an owner and a date.",
            condition=all_of(
                present("organization.collaborative_profile"),
                present("organization.collaborative_profile.method"),
                count_at_least("organization.collaborative_profile.maturity_scores", 1),
                for_each(
                    "organization.collaborative_profile.blockers",
                    all_of(present("owner"), present("due_on")),
                ),
            ),
        ),
        _rule(
            "current",
            clause="8.4.4",
            mode=_EXE,
            basis="TOC SEC INF",
            flags="P",
            title="The collaborative profile is reassessed within the interval",
            remedy="Reassess the organization's collaborative profile.",
            condition=_recent(
                "organization.collaborative_profile.assessed_on", "review.collaborative_profile"
            ),
        ),
        _rule(
            "appointed",
            clause="8.4.5",
            mode=_ARR,
            basis="TOC SEC INF",
            flags="D",
            title="The relationship SER appointed a relationship lead with stated authority",
            remedy="Assign the relationship_lead role, by the SER, with its authorities.",
            condition=count_at_least(
                "team",
                1,
                all_of(
                    equals("role", "relationship_lead"),
                    check("active_ser", "assigned_by", "relationship.sers"),
                    non_empty("authorities"),
                ),
            ),
        ),
        _rule(
            "competent",
            clause="8.4.5",
            mode=_EXE,
            basis="TOC SEC INF",
            flags="R",
            title="The relationship lead meets the competence profile or is being developed",
            remedy="Assess the relationship lead and plan development for every shortfall.",
            predicate=_lead_competent,
            reads=(
                "team",
                "organization.competence_records",
                "organization.competence_profiles",
            ),
        ),
        _rule(
            "criteria",
            clause="8.4.6",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="Weighted partner selection criteria include collaborative capability and "
            "cultural fit",
            remedy="Add a collaborative and a cultural (or behavioural) criterion and make the "
            "weights add up to 1.",
            condition=all_of(
                present("assessment.selection_criteria"),
                count_at_least(
                    "assessment.selection_criteria.criteria", 1, equals("kind", "collaborative")
                ),
                count_at_least(
                    "assessment.selection_criteria.criteria",
                    1,
                    one_of("kind", ["cultural", "behavioural"]),
                ),
                check("weights_sum_to_one", "assessment.selection_criteria.criteria"),
            ),
        ),
        _rule(
            "approved-first",
            clause="8.4.6",
            mode=_ARR,
            basis="TOC SEC",
            flags="A",
            title="The SER approved the selection criteria before any candidate was evaluated",
            remedy="Have the SER approve the criteria before evaluating candidates.",
            condition=all_of(
                check("active_ser", "assessment.selection_criteria.approved_by", "sers"),
                check(
                    "before_evaluations",
                    "assessment.selection_criteria.approved_on",
                    "selection.evaluations",
                ),
            ),
        ),
        _rule(
            "implemented",
            clause="8.4.7",
            mode=_ARR,
            basis="TOC INF",
            flags="D",
            title="The RMP is in operational use",
            remedy="Implement the RMP (status implemented).",
            condition=one_of("rmp.status", ["implemented", "closed"]),
        ),
        _rule(
            "updated",
            clause="8.4.7",
            mode=_ARR,
            basis="TOC INF",
            flags="P",
            title="The RMP was updated with the stage 3 outputs",
            remedy="Update the RMP after the stage 3 outputs and log the stage 3 update.",
            condition=all_of(
                present("rmp"),
                check(
                    "updated_after",
                    "rmp.updated_on",
                    "assessment.capability.assessed_on",
                    "assessment.swot.assessed_on",
                    "assessment.selection_criteria.approved_on",
                ),
                check("stage3_update", "rmp.stage_updates", "stage_history"),
            ),
        ),
    ]


# ----------------------------------------------------------------------- stage 4 (8.5)


def _stage4() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.5.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="RA",
            title="Stage 4 was entered and left through gates approved by the relationship SER",
            remedy="Record each stage change with the relationship SER as approver.",
            condition=_gates(4),
        ),
        _rule(
            "nominated",
            clause="8.5.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Potential partners are nominated with reasons (or a single source is justified)",
            remedy="Record each candidate's rationale and nominator; justify a single candidate.",
            condition=all_of(
                count_at_least("selection.candidates", 1),
                for_each(
                    "selection.candidates",
                    all_of(non_empty("rationale"), present("nominated_by")),
                ),
                any_of(
                    count_at_least("selection.candidates", _MIN_CANDIDATES),
                    non_empty("selection.single_source_justification"),
                ),
            ),
        ),
        _rule(
            "coverage",
            clause="8.5.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every nominated candidate was evaluated",
            remedy="Evaluate the candidates not yet evaluated.",
            condition=check(
                "candidates_evaluated", "selection.candidates", "selection.evaluations"
            ),
        ),
        _rule(
            "method",
            clause="8.5.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Evaluations use the current criteria and name the evaluators",
            remedy="Re-evaluate against the current criteria version and record the evaluators "
            "and date.",
            condition=for_each(
                "selection.evaluations",
                all_of(
                    equals(
                        "criteria_version",
                        ref("relationship.assessment.selection_criteria.version"),
                    ),
                    non_empty("evaluators"),
                    present("evaluated_on"),
                ),
            ),
        ),
        _rule(
            "collaborative",
            clause="8.5.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Each candidate's collaborative capability was scored with evidence",
            remedy="Score the collaborative-capability criterion for each candidate and record "
            "the evidence.",
            condition=check(
                "collaborative_scored", "selection.evaluations", "assessment.selection_criteria"
            ),
        ),
        _rule(
            "strategy",
            clause="8.5.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="An engagement and negotiation strategy states collaborative principles, "
            "limits and the team",
            remedy="Write the negotiation strategy: principles, negotiables, red lines and the "
            "team.",
            condition=all_of(
                present("selection.negotiation_strategy"),
                non_empty("selection.negotiation_strategy.principles"),
                non_empty("selection.negotiation_strategy.red_lines"),
                non_empty("selection.negotiation_strategy.team"),
            ),
        ),
        _rule(
            "approved-first",
            clause="8.5.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="A",
            title="The SER approved the negotiation strategy before the first engagement",
            remedy="Have the SER approve the strategy before engaging candidates.",
            condition=all_of(
                check("active_ser", "selection.negotiation_strategy.approved_by", "sers"),
                check(
                    "before_engagements",
                    "selection.negotiation_strategy.approved_on",
                    "selection.engagements",
                ),
            ),
        ),
        _rule(
            "engaged",
            clause="8.5.5",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Every shortlisted candidate was engaged, with participants and outcomes "
            "recorded",
            remedy="Hold and record an engagement with each shortlisted candidate.",
            condition=all_of(
                check("shortlisted_engaged", "selection.candidates", "selection.engagements"),
                for_each(
                    "selection.engagements",
                    all_of(non_empty("participants"), non_empty("outcomes")),
                ),
            ),
        ),
        _rule(
            "assessed",
            clause="8.5.6",
            level="JNT",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Joint objectives were drafted with each selected partner and found compatible",
            remedy="Assess the compatibility of objectives with each selected partner and draft "
            "joint objectives.",
            condition=check(
                "selected_assessed", "selection.joint_objective_assessments", "selection.decision"
            ),
        ),
        _rule(
            "joint",
            clause="8.5.6",
            level="JNT",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="The joint objectives were drafted with a party to the relationship",
            remedy="Draft the joint objectives with the partner that became a party.",
            condition=count_at_least(
                "selection.joint_objective_assessments",
                1,
                check("member", "candidate_id", "relationship.party_ids"),
            ),
        ),
        _rule(
            "drafted",
            clause="8.5.7",
            level="JNT",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="A joint exit strategy, compatible with the internal one, was drafted before "
            "the selection decision",
            remedy="Draft the exit strategy with the partner before selecting, and check it "
            "against the internal exit considerations.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"),
                equals("exit_strategy.compatible_with_internal", True),
                present("exit_strategy.created_on"),
                implies(
                    present("selection.decision.decided_on"),
                    before("exit_strategy.created_on", "selection.decision.decided_on"),
                ),
            ),
        ),
        _rule(
            "agreed",
            clause="8.5.7",
            level="JNT",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint exit strategy",
            remedy="Have every party sign the current version of the joint exit strategy.",
            condition=agreed_by_all_parties("exit_strategy"),
        ),
        _rule(
            "decided",
            clause="8.5.8",
            mode=_EXE,
            basis="TOC",
            flags="R",
            title="The preferred partners were chosen from the evaluated candidates, with "
            "reasons for every rejection",
            remedy="Record the selection among evaluated candidates and a reason for each "
            "rejection.",
            condition=all_of(
                present("selection.decision"),
                check("selected_evaluated", "selection.decision.selected", "selection.evaluations"),
                for_each("selection.decision.rejected", non_empty("reason")),
                present("selection.decision.decided_on"),
            ),
        ),
        _rule(
            "references",
            clause="8.5.8",
            mode=_EXE,
            basis="TOC",
            flags="R",
            title="The selection decision relied on the joint objective and exit assessments",
            remedy="Reference the exit strategy and each selected partner's joint-objective "
            "assessment in the decision.",
            condition=all_of(
                present("selection.decision"),
                check("contains", "selection.decision.references", "exit_strategy.id"),
                check(
                    "references_selected",
                    "selection.decision.references",
                    "selection.decision.selected",
                ),
            ),
        ),
        _rule(
            "authority",
            clause="8.5.8",
            mode=_EXE,
            basis="TOC",
            flags="A",
            title="The selection decision was taken by someone with authority",
            remedy="Have the SER or top management take the selection decision.",
            condition=check(
                "authority",
                "selection.decision.decided_by",
                "sers",
                "organization.sers",
                "organization.top_management",
            ),
        ),
        _rule(
            "initiated",
            clause="8.5.9",
            level="JNT",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="A joint RMP was started with the partners, free of internal-only content",
            remedy="Initiate the joint RMP and remove internal-only sections (such as "
            f"{', '.join(ANNEX_B_INTERNAL_ONLY)}).",
            condition=all_of(
                present("joint_rmp"),
                one_of("joint_rmp.status", ["initiated", "implemented", "closed"]),
                count_at_least("parties", _MIN_CANDIDATES),
                for_each(
                    "joint_rmp.sections",
                    all_of(
                        equals("internal_only", False),
                        not_(one_of("key", list(ANNEX_B_INTERNAL_ONLY))),
                    ),
                ),
            ),
        ),
        _rule(
            "signed",
            clause="8.5.9",
            level="JNT",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint RMP when it was started",
            remedy="Have every party sign the joint RMP.",
            condition=check("signed_by_every_party", "joint_rmp.agreed_by", "party_ids"),
        ),
    ]


# ----------------------------------------------------------------------- stage 5 (8.6)


def _stage5() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.6.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="RA",
            title="Stage 5 was entered and left through gates approved by an SER",
            remedy="Record each stage change with an SER of the relationship as approver.",
            condition=_gates(5),
        ),
        _rule(
            "joint",
            clause="8.6.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint RMP version that holds the stage 5 outputs",
            remedy="Log the stage 5 update in the joint RMP and have every party sign it.",
            condition=check(
                "signed_from_stage5", "joint_rmp.agreed_by", "joint_rmp.stage_updates", "party_ids"
            ),
        ),
        _rule(
            "structure",
            clause="8.6.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The joint governance structure has every party's SER as sponsor and a "
            "behaviour charter",
            remedy="Document the joint governance with a sponsor (SER) per party and the agreed "
            "behaviour charter.",
            condition=all_of(
                present("working.governance"),
                equals("working.governance.kind", "joint"),
                check("sponsors_cover", "working.governance.sponsors", "sers", "party_ids"),
                present("working.governance.behaviour_charter_ref"),
            ),
        ),
        _rule(
            "jmt",
            clause="8.6.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="A joint management team has members from every party and defined roles",
            remedy="Define the joint management team with members of every party and their roles.",
            condition=count_at_least(
                "working.governance.bodies",
                1,
                all_of(
                    check("covers_parties", "member_parties", "relationship.party_ids"),
                    non_empty("roles"),
                ),
            ),
        ),
        _rule(
            "rights",
            clause="8.6.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="Every joint governance body has decision rights and a meeting cadence",
            remedy="Give each joint body its decision rights and cadence.",
            condition=all_of(
                non_empty("working.governance.bodies"),
                for_each(
                    "working.governance.bodies",
                    all_of(non_empty("decision_rights"), present("cadence")),
                ),
            ),
        ),
        _rule(
            "objectives",
            clause="8.6.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Joint objectives are set and every party signed each of them",
            remedy="Agree the joint objectives with every party and record the sign-offs.",
            condition=check("joint_objectives_agreed", "objectives", "party_ids"),
        ),
        _rule(
            "agreed",
            clause="8.6.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint governance structure",
            remedy="Have every party sign the current version of the joint governance.",
            condition=agreed_by_all_parties("working.governance"),
        ),
        _rule(
            "approved",
            clause="8.6.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="A",
            title="An SER of the relationship approved the joint governance structure",
            remedy="Have the SER approve the joint governance.",
            condition=check("active_ser", "working.governance.approved_by", "sers"),
        ),
        _rule(
            "process",
            clause="8.6.3",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The joint knowledge process covers IP, confidentiality and knowledge at exit",
            remedy="Agree the IP rules, confidentiality terms and exit handling of shared "
            "knowledge.",
            condition=all_of(
                present("working.knowledge_process"),
                non_empty("working.knowledge_process.ip_rules"),
                non_empty("working.knowledge_process.confidentiality_terms"),
                non_empty("working.knowledge_process.exit_handling"),
            ),
        ),
        _rule(
            "shared-items",
            clause="8.6.3",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="Nothing the knowledge map says cannot be shared is shared",
            remedy="Remove the blocked assets from the shared items, or reclassify them in the "
            "knowledge map.",
            condition=check(
                "no_cannot_shared",
                "working.knowledge_process.shared_items",
                "knowledge.knowledge_map",
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.3",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint knowledge process",
            remedy="Have every party sign the current version of the joint knowledge process.",
            condition=agreed_by_all_parties("working.knowledge_process"),
        ),
        _rule(
            "register",
            clause="8.6.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="A joint risk register names the party and the person owning each risk",
            remedy="Keep a joint register and give every item an owning party and an owner.",
            condition=all_of(
                present("working.risk_register"),
                equals("working.risk_register.scope", "joint"),
                count_at_least("working.risk_register.items", 1),
                for_each(
                    "working.risk_register.items",
                    all_of(present("owner_party"), present("owner")),
                ),
            ),
        ),
        _rule(
            "treated",
            clause="8.6.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every joint risk is rated and has a response",
            remedy="Rate each joint risk and record its response.",
            condition=all_of(
                present("working.risk_register"),
                for_each(
                    "working.risk_register.items", all_of(present("rating"), non_empty("response"))
                ),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.6.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="The joint risk register is reviewed at the agreed frequency",
            remedy="Review the joint risk register with the partners and record the date.",
            condition=_within_agreed(
                "working.risk_register.last_reviewed_on",
                "working.risk_register.review_frequency",
                "review.risk_joint",
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.4",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint risk register",
            remedy="Have every party sign the current version of the joint risk register.",
            condition=agreed_by_all_parties("working.risk_register"),
        ),
        _rule(
            "review",
            clause="8.6.5",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The parties reviewed their processes and systems and agreed owned changes",
            remedy="Review the processes jointly and give each agreed change an owner.",
            condition=all_of(
                present("working.process_review"),
                non_empty("working.process_review.processes_reviewed"),
                present("working.process_review.reviewed_on"),
                for_each("working.process_review.agreed_changes", present("owner")),
            ),
        ),
        _rule(
            "joint",
            clause="8.6.5",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party took part in the process review",
            remedy="Run the process review with people from every party.",
            condition=check(
                "participants_cover", "working.process_review.participants", "party_ids"
            ),
        ),
        _rule(
            "kpis",
            clause="8.6.6",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="Delivery and relationship measures have a target, frequency and data owner",
            remedy="Agree at least one delivery and one relationship KPI, each with a target, a "
            "frequency and a data owner.",
            condition=all_of(
                count_at_least("working.kpis", 1, equals("kind", "delivery")),
                count_at_least("working.kpis", 1, equals("kind", "relationship")),
                for_each(
                    "working.kpis",
                    all_of(present("target"), present("frequency"), present("data_owner")),
                ),
            ),
        ),
        _rule(
            "coverage",
            clause="8.6.6",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="Every joint objective is measured by a KPI",
            remedy="Link a KPI to each joint objective.",
            condition=check("objectives_covered", "working.kpis", "objectives"),
        ),
        _rule(
            "agreed",
            clause="8.6.6",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed each KPI",
            remedy="Have every party sign the current version of each KPI.",
            condition=all_of(
                non_empty("working.kpis"), check("items_agreed", "working.kpis", "party_ids")
            ),
        ),
        _rule(
            "records",
            clause="8.6.7",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The joint development plan builds on the JMT members' competence records",
            remedy="Reference the competence records of the JMT members in the joint "
            "development plan.",
            condition=check(
                "jmt_records_in_plan",
                "working.development_plan",
                "team",
                "organization.competence_records",
            ),
        ),
        _rule(
            "actions",
            clause="8.6.7",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every joint development action has an owner and a due date",
            remedy="Give each development action an owner and a due date.",
            condition=all_of(
                present("working.development_plan"),
                non_empty("working.development_plan.actions"),
                for_each(
                    "working.development_plan.actions",
                    all_of(present("owner"), present("due_on")),
                ),
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.7",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint development plan",
            remedy="Have every party sign the current version of the joint development plan.",
            condition=agreed_by_all_parties("working.development_plan"),
        ),
        _rule(
            "process",
            clause="8.6.8",
            mode=_ARR,
            basis="TOC INF",
            flags="D",
            title="Issue resolution has at least two timed levels with named roles and a last "
            "resort",
            remedy="Define the escalation levels (roles, maximum days) and the final mechanism.",
            condition=all_of(
                present("working.issue_process"),
                count_at_least("working.issue_process.levels", _MIN_LEVELS),
                for_each(
                    "working.issue_process.levels",
                    all_of(non_empty("roles"), present("max_days")),
                ),
                non_empty("working.issue_process.final_mechanism"),
            ),
        ),
        _rule(
            "agreed",
            clause="8.6.8",
            mode=_ARR,
            basis="TOC INF",
            flags="J",
            title="Every party signed the issue resolution process",
            remedy="Have every party sign the current version of the issue resolution process.",
            condition=agreed_by_all_parties("working.issue_process"),
        ),
        _rule(
            "strategy",
            clause="8.6.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The agreed joint exit strategy covers every Annex E element",
            remedy="Complete the joint exit strategy (purpose, boundaries, triggers and their "
            "monitoring, decision rights and notice, transition and continuity, assets, IP, "
            "people and data, settlement, communications, exit actions) and agree it.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"),
                one_of("exit_strategy.status", ["agreed", "activated", "closed"]),
                non_empty("exit_strategy.purpose"),
                non_empty("exit_strategy.boundaries"),
                non_empty("exit_strategy.triggers"),
                non_empty("exit_strategy.monitoring"),
                non_empty("exit_strategy.decision_roles"),
                non_empty("exit_strategy.notice"),
                non_empty("exit_strategy.transition_plan"),
                non_empty("exit_strategy.continuity_plan"),
                non_empty("exit_strategy.asset_ip_people_data_handling"),
                non_empty("exit_strategy.settlement"),
                non_empty("exit_strategy.comms_plan"),
                non_empty("exit_strategy.exit_actions"),
            ),
        ),
        _rule(
            "review-frequency",
            clause="8.6.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="P",
            title="The joint exit strategy says how often it is reviewed",
            remedy="Set the review frequency of the joint exit strategy.",
            condition=present("exit_strategy.review_frequency"),
        ),
        _rule(
            "agreed",
            clause="8.6.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the joint exit strategy in force",
            remedy="Have every party sign the current version of the joint exit strategy.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"), agreed_by_all_parties("exit_strategy")
            ),
        ),
        _rule(
            "covers",
            clause="8.6.10",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The agreement covers governance, objectives, risk, IP, value sharing, issue "
            "resolution and exit",
            remedy="Add the missing topics to the agreement, or annex a joint RMP that covers "
            "them.",
            condition=all_of(
                present("working.agreement"),
                present("working.agreement.document_id"),
                *(
                    check(f"covers_{t}", "working.agreement", "joint_rmp")
                    for t in AGREEMENT_SECTIONS
                ),
            ),
        ),
        _rule(
            "signed",
            clause="8.6.10",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the agreement",
            remedy="Have every party sign the current version of the agreement.",
            condition=agreed_by_all_parties("working.agreement"),
        ),
        _rule(
            "implemented",
            clause="8.6.11",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The joint RMP is implemented and holds every joint section",
            remedy=f"Complete the joint RMP sections {', '.join(ANNEX_B_JOINT)} and implement it.",
            condition=all_of(
                one_of("joint_rmp.status", ["implemented", "closed"]),
                _sections("joint_rmp.sections", ANNEX_B_JOINT),
            ),
        ),
        _rule(
            "next-review",
            clause="8.6.11",
            mode=_ARR,
            basis="TOC SEC",
            flags="P",
            title="The next review of the joint RMP is planned",
            remedy="Set the date of the next joint RMP review.",
            condition=present("joint_rmp.next_review_on"),
        ),
        _rule(
            "agreed",
            clause="8.6.11",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the current joint RMP",
            remedy="Have every party sign the current version of the joint RMP.",
            condition=agreed_by_all_parties("joint_rmp"),
        ),
    ]


# ----------------------------------------------------------------------- stage 6 (8.7)


def _stage6() -> list[RuleSpec]:
    return [
        _rule(
            "gate",
            clause="8.7.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The value creation set-up was entered and left through gates approved by an SER",
            remedy="Record each stage change with an SER of the relationship as approver.",
            condition=_gates(6),
        ),
        _rule(
            "joint",
            clause="8.7.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party contributes ideas to the joint value creation",
            remedy="Encourage every party to raise ideas and record them in the idea log.",
            condition=check("ideas_from_every_party", "value.ideas", "party_ids"),
        ),
        _rule(
            "process",
            clause="8.7.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="A value creation process says how ideas are evaluated and value is shared",
            remedy="Document the idea evaluation criteria and the value sharing rules.",
            condition=all_of(
                present("value.process"),
                non_empty("value.process.evaluation_criteria"),
                non_empty("value.process.value_sharing_rules"),
            ),
        ),
        _rule(
            "agreed",
            clause="8.7.2",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party signed the value creation process",
            remedy="Have every party sign the current version of the value creation process.",
            condition=agreed_by_all_parties("value.process"),
        ),
        _rule(
            "active",
            clause="8.7.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The idea log is active within the period",
            remedy="Raise and log at least one idea in each value period.",
            condition=count_at_least(
                "value.ideas", 1, reviewed_within("raised_on", "value_period")
            ),
        ),
        _rule(
            "targets",
            clause="8.7.3",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="An active improvement target has a baseline, target, date and owning party",
            remedy="Set a measurable, dated and owned joint improvement target.",
            condition=count_at_least(
                "value.targets",
                1,
                all_of(
                    equals("status", "active"),
                    non_empty("baseline"),
                    non_empty("target"),
                    present("due_on"),
                    present("owner_party"),
                ),
            ),
        ),
        _rule(
            "joint",
            clause="8.7.3",
            mode=_EXE,
            basis="TOC INF",
            flags="J",
            title="Every active improvement target is owned by a party to the relationship",
            remedy="Give each active target an owning party from the relationship.",
            condition=for_each(
                "value.targets",
                implies(
                    equals("status", "active"),
                    check("member", "owner_party", "relationship.party_ids"),
                ),
            ),
        ),
        _rule(
            "log",
            clause="8.7.4",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Lessons learned are logged with their source",
            remedy="Record the lessons learned and where they came from.",
            condition=all_of(
                count_at_least("value.lessons", 1),
                for_each("value.lessons", non_empty("source")),
            ),
        ),
        _rule(
            "applied",
            clause="8.7.4",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="A lesson was applied within the period",
            remedy="Apply a lesson learned and record when.",
            condition=count_at_least(
                "value.lessons", 1, reviewed_within("applied_on", "value_period")
            ),
        ),
        _rule(
            "updated",
            clause="8.7.5",
            mode=_ARR,
            basis="TOC",
            flags="D",
            title="The joint RMP records the value creation process, targets and learning",
            remedy="Log the stage 6 update of the joint RMP and fill its value creation (B4) "
            "and improvement (B20) sections.",
            condition=all_of(
                present("joint_rmp"),
                check("stage6_update", "joint_rmp.stage_updates", "stage_history"),
                _sections("joint_rmp.sections", ("B4", "B20")),
            ),
        ),
        _rule(
            "current",
            clause="8.7.5",
            mode=_ARR,
            basis="TOC",
            flags="P",
            title="The joint RMP was updated after the latest improvement target was set",
            remedy="Update the joint RMP with the new improvement targets.",
            condition=check("updated_after_targets", "joint_rmp.updated_on", "value.targets"),
        ),
        _rule(
            "agreed",
            clause="8.7.5",
            mode=_ARR,
            basis="TOC",
            flags="J",
            title="Every party signed the joint RMP version that holds the stage 6 outputs",
            remedy="Have every party sign the joint RMP version with the stage 6 update.",
            condition=check(
                "signed_from_stage6", "joint_rmp.agreed_by", "joint_rmp.stage_updates", "party_ids"
            ),
        ),
    ]


# ----------------------------------------------------------------------- stage 7 (8.8)


def _stage7() -> list[RuleSpec]:
    return [
        _rule(
            "cycles",
            clause="8.8.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Review-adapt-improve-operate cycles are recorded in full",
            remedy="Record each cycle with the review it used, the adaptations, the "
            "improvements and notes on operation.",
            condition=all_of(
                count_at_least("staying.raio_cycles", 1),
                for_each(
                    "staying.raio_cycles",
                    all_of(
                        present("review_ref"),
                        any_of(non_empty("adaptations"), non_empty("improvements")),
                        non_empty("operating_notes"),
                    ),
                ),
            ),
        ),
        _rule(
            "current",
            clause="8.8.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="A review-adapt-improve-operate cycle closed within the SER review interval",
            remedy="Close the current cycle and record it.",
            condition=count_at_least(
                "staying.raio_cycles", 1, reviewed_within("period_end", "ser_review")
            ),
        ),
        _rule(
            "held",
            clause="8.8.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="The SERs reviewed the relationship within the interval",
            remedy="Hold an SER review of the relationship and record it.",
            condition=count_at_least(
                "staying.ser_reviews", 1, reviewed_within("held_on", "ser_review")
            ),
        ),
        _rule(
            "attended",
            clause="8.8.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party's SER (or a recorded delegate) attended the latest SER review",
            remedy="Make sure every party's SER attends, or records a delegate.",
            condition=check("latest_review_attended", "staying.ser_reviews", "sers", "party_ids"),
        ),
        _rule(
            "recorded",
            clause="8.8.2",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The latest SER review reviewed performance and recorded decisions and actions",
            remedy="Review performance at the SER review and record its decisions and actions.",
            condition=check("latest_review_recorded", "staying.ser_reviews"),
        ),
        _rule(
            "cadence",
            clause="8.8.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="The joint management team met within its cadence",
            remedy="Hold the joint management team meeting and record it.",
            condition=count_at_least(
                "staying.jmt_meetings", 1, reviewed_within("held_on", "jmt_cadence")
            ),
        ),
        _rule(
            "attended",
            clause="8.8.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="Every party attended the latest joint management team meeting",
            remedy="Make sure every party is represented at JMT meetings.",
            condition=check("latest_meeting_covers", "staying.jmt_meetings", "party_ids"),
        ),
        _rule(
            "actions",
            clause="8.8.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="JMT actions are closed by their due dates at the required rate",
            remedy="Close the overdue JMT actions and track them to their due dates.",
            predicate=_jmt_actions_closed,
            reads=("staying.jmt_meetings",),
        ),
        _rule(
            "indicators",
            clause="8.8.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Behaviour and trust indicators are defined with their method",
            remedy="Define at least one trust indicator and how it is measured.",
            condition=all_of(
                count_at_least("staying.trust_indicators", 1),
                for_each("staying.trust_indicators", non_empty("method")),
            ),
        ),
        _rule(
            "measured",
            clause="8.8.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="Trust was measured within the survey interval",
            remedy="Run the trust survey and record the results.",
            condition=count_at_least(
                "staying.trust_measurements", 1, reviewed_within("measured_on", "trust_survey")
            ),
        ),
        _rule(
            "respondents",
            clause="8.8.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="The latest trust measurements had respondents from every party",
            remedy="Include respondents from every party in the trust measurement.",
            condition=check("latest_respondents", "staying.trust_measurements", "party_ids"),
        ),
        _rule(
            "acted",
            clause="8.8.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every marked fall in trust has an action",
            remedy="Record the action taken on each fall in a trust indicator.",
            predicate=_trust_drops_acted,
            reads=("staying.trust_measurements",),
        ),
        _rule(
            "active",
            clause="8.8.5",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Value creation goes on: an idea or improvement target within the period",
            remedy="Raise ideas or set improvement targets in every value period.",
            condition=any_of(
                count_at_least("value.ideas", 1, reviewed_within("raised_on", "value_period")),
                count_at_least("value.targets", 1, reviewed_within("set_on", "value_period")),
            ),
        ),
        _rule(
            "status",
            clause="8.8.6",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="Every joint objective has a current status report",
            remedy="Report the status of each joint objective at the JMT cadence.",
            predicate=_objectives_reported,
            reads=("objectives", "staying.objective_statuses"),
        ),
        _rule(
            "acted",
            clause="8.8.6",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every joint objective off track has an action",
            remedy="Record the action that brings each off-track objective back on track.",
            condition=for_each(
                "staying.objective_statuses",
                implies(equals("status", "off_track"), present("action")),
            ),
        ),
        _rule(
            "analysed",
            clause="8.8.7",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="Results are analysed jointly, with findings and actions",
            remedy="Analyse the period's results and record the findings and actions.",
            condition=all_of(
                count_at_least("staying.analyses", 1),
                for_each("staying.analyses", all_of(non_empty("findings"), non_empty("actions"))),
            ),
        ),
        _rule(
            "current",
            clause="8.8.7",
            mode=_EXE,
            basis="TOC INF",
            flags="P",
            title="An analysis of results covers a period that ended within the SER review "
            "interval",
            remedy="Analyse the latest period's results.",
            condition=count_at_least(
                "staying.analyses", 1, reviewed_within("period_end", "ser_review")
            ),
        ),
        _rule(
            "reported",
            clause="8.8.7",
            mode=_EXE,
            basis="TOC INF",
            flags="R",
            title="The latest SER review considered the latest analysis of results",
            remedy="Reference the latest analysis in the SER review.",
            condition=check(
                "latest_review_uses_analysis", "staying.ser_reviews", "staying.analyses"
            ),
        ),
        _rule(
            "within-limits",
            clause="8.8.8",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Issues are resolved or escalated within the agreed time limits",
            remedy="Resolve or escalate the issues named, and record the outcomes.",
            predicate=_issues_within_limits,
            reads=("staying.issues", "working.issue_process"),
        ),
        _rule(
            "maintained",
            clause="8.8.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="The joint exit strategy stays the agreed joint strategy, with its triggers "
            "monitored",
            remedy="Keep the joint exit strategy agreed and say how its triggers are monitored.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"),
                one_of("exit_strategy.status", ["agreed", "activated", "closed"]),
                non_empty("exit_strategy.monitoring"),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.8.9",
            mode=_EXE,
            basis="TOC SEC",
            flags="P",
            title="The joint exit strategy is reviewed at its own frequency and at least yearly",
            remedy="Review the joint exit strategy with the partners and record the date.",
            condition=_recent(
                "exit_strategy.last_reviewed_on",
                ref("exit_strategy.review_frequency"),
                "review.exit_strategy",
            ),
        ),
        _rule(
            "reagreed",
            clause="8.8.9",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="Every party re-agreed the joint exit strategy after significant changes",
            remedy="Have every party sign the exit strategy again after each significant change.",
            condition=all_of(
                agreed_by_all_parties("exit_strategy"),
                check("reagreed_after_changes", "change_records", "exit_strategy", "party_ids"),
            ),
        ),
        _rule(
            "maintained",
            clause="8.8.10",
            mode=_ARR,
            basis="TOC",
            flags="D",
            title="The joint RMP is in use and was updated after every significant change",
            remedy="Update the joint RMP after each significant change.",
            condition=all_of(
                one_of("joint_rmp.status", ["implemented", "closed"]),
                check("updated_after_changes", "joint_rmp.updated_on", "change_records"),
            ),
        ),
        _rule(
            "reviewed",
            clause="8.8.10",
            mode=_EXE,
            basis="TOC",
            flags="P",
            title="The joint RMP is reviewed within the interval",
            remedy="Review the joint RMP with the partners and record the date.",
            condition=_recent("joint_rmp.last_reviewed_on", "review.joint_rmp"),
        ),
        _rule(
            "agreed",
            clause="8.8.10",
            mode=_ARR,
            basis="TOC",
            flags="J",
            title="Every party signed the current version of the joint RMP",
            remedy="Have every party sign the current version of the joint RMP.",
            condition=agreed_by_all_parties("joint_rmp"),
        ),
    ]


# ----------------------------------------------------------------------- stage 8 (8.9)


def _stage8() -> list[RuleSpec]:
    return [
        _rule(
            "activation",
            clause="8.9.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The exit was activated on an agreed trigger under the strategy version in force",
            remedy="Record the activation with the trigger that fired (or a justification) and "
            "the strategy version.",
            condition=check("trigger_agreed", "disengagement.activation", "exit_strategy"),
        ),
        _rule(
            "joint",
            clause="8.9.1",
            mode=_EXE,
            basis="TOC SEC",
            flags="J",
            title="The strategy activated is the joint one every party signed",
            remedy="Activate the joint exit strategy that every party signed.",
            condition=all_of(
                equals("exit_strategy.scope", "joint"), agreed_by_all_parties("exit_strategy")
            ),
        ),
        _rule(
            "plan",
            clause="8.9.2",
            mode=_ARR,
            basis="TOC INF",
            flags="D",
            title="A disengagement plan gives every action an owning party and a date",
            remedy="Write the disengagement plan with an owning party and a date per action.",
            condition=all_of(
                present("disengagement.plan"),
                non_empty("disengagement.plan.actions"),
                for_each(
                    "disengagement.plan.actions",
                    all_of(present("owner_party"), present("due_on")),
                ),
            ),
        ),
        _rule(
            "agreed",
            clause="8.9.2",
            mode=_ARR,
            basis="TOC INF",
            flags="J",
            title="Every party signed the disengagement plan soon after activation",
            remedy="Have every party sign the disengagement plan within the allowed days of "
            "activation.",
            condition=all_of(
                agreed_by_all_parties("disengagement.plan"),
                for_each(
                    "disengagement.plan.agreed_by",
                    before(
                        "signed_on",
                        "relationship.disengagement.activation.activated_on",
                        slack="disengage_plan_days",
                    ),
                ),
            ),
        ),
        _rule(
            "plan",
            clause="8.9.3",
            mode=_ARR,
            basis="TOC SEC",
            flags="D",
            title="A continuity plan lists the services and other items to keep running",
            remedy="List the services, customers, data, assets and people to transfer or keep "
            "running.",
            condition=all_of(
                present("disengagement.continuity"),
                count_at_least("disengagement.continuity.items", 1, equals("kind", "service")),
            ),
        ),
        _rule(
            "joint",
            clause="8.9.3",
            mode=_ARR,
            basis="TOC SEC",
            flags="J",
            title="The continuity arrangements are those of the exit strategy every party signed",
            remedy="Agree the continuity arrangements in the joint exit strategy.",
            condition=all_of(
                non_empty("exit_strategy.continuity_plan"), agreed_by_all_parties("exit_strategy")
            ),
        ),
        _rule(
            "completed",
            clause="8.9.3",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every continuity item was completed before closure",
            remedy="Record the completion of each continuity item.",
            condition=all_of(
                present("disengagement.continuity"),
                for_each(
                    "disengagement.continuity.items",
                    all_of(
                        present("completed_on"),
                        implies(
                            present("relationship.disengagement.closed_on"),
                            before("completed_on", "relationship.disengagement.closed_on"),
                        ),
                    ),
                ),
            ),
        ),
        _rule(
            "evaluated",
            clause="8.9.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="The relationship was evaluated: objectives, value, exit and lessons",
            remedy="Evaluate the relationship and record the results and at least one lesson.",
            condition=all_of(
                present("disengagement.evaluation"),
                non_empty("disengagement.evaluation.objectives_result"),
                non_empty("disengagement.evaluation.value_realised"),
                non_empty("disengagement.evaluation.exit_adequacy"),
                non_empty("disengagement.evaluation.lessons"),
            ),
        ),
        _rule(
            "participants",
            clause="8.9.4",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Every party took part in the evaluation, or a refusal is recorded",
            remedy="Evaluate with every party, or record a party's refusal.",
            condition=all_of(
                present("disengagement.evaluation"),
                any_of(
                    check(
                        "participants_cover", "disengagement.evaluation.participants", "party_ids"
                    ),
                    non_empty("disengagement.evaluation.refusal_note"),
                ),
            ),
        ),
        _rule(
            "recorded",
            clause="8.9.5",
            mode=_EXE,
            basis="TOC SEC",
            flags="R",
            title="Future opportunities (or none) are recorded with a follow-up owner",
            remedy="Record whether the parties could work together again and who follows up.",
            condition=all_of(
                present("disengagement.future"),
                any_of(
                    all_of(
                        non_empty("disengagement.future.description"),
                        present("disengagement.future.follow_up_owner"),
                    ),
                    equals("disengagement.future.none_foreseen", True),
                ),
            ),
        ),
        _rule(
            "closed",
            clause="8.9.6",
            level="REL",
            mode=_EXE,
            basis="TOC INF",
            flags="D",
            title="The relationship RMP and joint RMP were closed",
            remedy="Close the RMP and the joint RMP.",
            condition=all_of(
                equals("rmp.status", "closed"),
                implies(present("joint_rmp"), equals("joint_rmp.status", "closed")),
            ),
        ),
        _rule(
            "corporate",
            clause="8.9.6",
            level="REL",
            mode=_EXE,
            basis="TOC INF",
            flags="P",
            title="The corporate RMP took in the relationship evaluation",
            remedy="Update the corporate RMP after the relationship evaluation, or record a "
            "no-change note naming the relationship.",
            condition=implies(
                present("disengagement.evaluation"),
                any_of(
                    before(
                        "disengagement.evaluation.evaluated_on",
                        "organization.corporate_rmp.updated_on",
                    ),
                    check("no_change_note", "organization.corporate_rmp", "id"),
                ),
            ),
        ),
    ]


def _all() -> Iterable[RuleSpec]:
    for build in (_stage1, _stage2, _stage3, _stage4, _stage5, _stage6, _stage7, _stage8):
        yield from build()


RULES: tuple[RuleSpec, ...] = tuple(_all())
"""The built-in rules of the eight lifecycle stages (8.2 to 8.9)."""
