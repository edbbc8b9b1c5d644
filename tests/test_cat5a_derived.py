"""The catalogue's cached derived values equal the straightforward computation.

The relationship rules ask for the same derived values many times per relationship (the active
SERs, a plan's filled sections, the stages its updates are logged for...); the catalogue caches
them by the identity of the immutable tuple they come from. Each helper here is compared with
the scan it replaces, on collections seen in any order and seen again.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from collabrel._iso44001 import _builder, _s2_knowledge, _s3_internal, _s5_checks, _s7_checks
from collabrel._iso44001._indexes import ByIdentity

_PEOPLE = st.sampled_from(["p1", "p2", "p3", "p4"])
_PARTIES = st.sampled_from(["org", "acme", "beta"])

_SERS = st.lists(
    st.builds(SimpleNamespace, person=_PEOPLE, party=_PARTIES, active=st.booleans()), max_size=6
).map(tuple)
_SECTIONS = st.lists(
    st.builds(
        SimpleNamespace,
        key=st.sampled_from(["B1", "B2", "B3"]),
        content=st.sampled_from(["", "  ", "text", " more "]),
    ),
    max_size=6,
).map(tuple)
_UPDATES = st.lists(st.builds(SimpleNamespace, stage=st.integers(1, 8)), max_size=6).map(tuple)


def test_the_last_collection_is_answered_without_a_rebuild_and_others_stay_right():
    built = []
    index = ByIdentity(lambda items: built.append(items) or sum(items), size=2)
    a, b = (1, 2), (3, 4)
    assert [index(a), index(a), index(b), index(a), index(b)] == [3, 3, 7, 3, 7]
    assert built == [a, b]
    c = (5,)
    assert index(c) == 5  # past the size: the cache is emptied, the results stay right
    assert index(a) == 3
    assert index(b) == 7


@given(st.lists(_SERS, min_size=1, max_size=5), _PEOPLE)
def test_active_sers_agree_with_a_scan(collections, person):
    for sers in collections * 2:
        active = _builder._active_parties(sers)
        assert active == {s.person: s.party for s in sers if s.active}
        assert (person in active) == any(s.person == person and s.active for s in sers)
    assert _builder._active_parties(None) == {}


@given(st.lists(_SECTIONS, min_size=1, max_size=5), st.sampled_from(["B1", "B2", "B3", "B9"]))
def test_filled_sections_agree_with_a_scan(collections, key):
    check = _builder.section(key)
    for sections in collections * 2:
        found = next((s for s in sections if s.key == key), None)
        result = check(sections)
        if found is None:
            assert str(result) == f"no section {key}"
        elif found.content.strip():
            assert result is True
        else:
            assert str(result) == f"section {key} is empty"
    assert check(None) is None


@given(st.lists(_UPDATES, min_size=1, max_size=5), st.integers(1, 8))
def test_stage_updates_agree_with_a_scan(collections, stage):
    check = _builder.stage_update(stage)
    for updates in collections * 2:
        result = check(updates, ())
        if any(u.stage == stage for u in updates):
            assert result is True
        else:
            logged = ", ".join(str(s) for s in sorted({u.stage for u in updates})) or "none"
            assert str(result) == f"no stage {stage} update (updates logged for stages {logged})"


@given(
    st.lists(
        st.lists(st.builds(SimpleNamespace, id=st.sampled_from("abcd")), max_size=4).map(tuple),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from("abcde"),
)
def test_driver_ids_agree_with_a_scan(collections, wanted):
    for drivers in collections * 2:
        result = _builder.drivers_known(wanted, SimpleNamespace(drivers=drivers))
        assert (result is True) == (wanted in [d.id for d in drivers])


_DAYS = st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 1, 10)))


@given(
    st.lists(
        st.lists(st.builds(SimpleNamespace, held_on=_DAYS, n=st.integers(0, 9)), max_size=5).map(
            tuple
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_latest_review_agrees_with_a_scan(collections):
    for items in collections * 2:
        dated = [i for i in items if i.held_on is not None]
        expected = max(dated, key=lambda i: i.held_on) if dated else None
        assert _s7_checks._latest(items) is expected
    assert _s7_checks._latest(None) is None


_RECORDS = st.lists(
    st.builds(SimpleNamespace, person=_PEOPLE, assessed_on=_DAYS, id=st.integers(0, 99)),
    max_size=6,
).map(tuple)


@given(st.lists(_RECORDS, min_size=1, max_size=4))
def test_competence_records_by_person_agree_with_a_scan(collections):
    for records in collections * 2:
        last = _s2_knowledge._last_assessed_of(records)
        latest = _s3_internal._latest_record_of(records)
        for person in ("p1", "p2", "p3", "p4"):
            own = [r for r in records if r.person == person]
            days = [r.assessed_on for r in own if r.assessed_on is not None]
            assert last.get(person) == (max(days) if days else None)
            expected = max(own, key=lambda r: r.assessed_on or date.min) if own else None
            assert latest.get(person) is expected


def _records_in_plan_by_scan(plan, team, records):
    """jmt_records_in_plan as first written: a scan of every record per plan."""
    members = sorted({t.person for t in team if t.role == "jmt_member"})
    if not members:
        return bool(plan.competence_record_ids)
    in_plan = {r.person for r in records if r.id in plan.competence_record_ids}
    return all(m in in_plan for m in members)


@given(
    _RECORDS,
    st.lists(st.integers(0, 99), max_size=4).map(tuple),
    st.lists(
        st.builds(SimpleNamespace, person=_PEOPLE, role=st.sampled_from(["jmt_member", "lead"])),
        max_size=4,
    ).map(tuple),
)
def test_records_in_plan_agree_with_a_scan(records, ids, team):
    plan = SimpleNamespace(competence_record_ids=ids)
    for _ in range(2):
        result = _s5_checks.jmt_records_in_plan(plan, team, records)
        assert (result is True) == _records_in_plan_by_scan(plan, team, records)


def _entered_as_first_written(stage, history, sers, party_ids):
    """entered_stage(stage) as it read before the approved stages were remembered."""
    wanted = _builder.Stage(stage)
    joint_gate = stage >= _builder.JOINT_GATES_FROM
    if history is None:
        return None
    active = None
    for r in history:
        if r.stage is wanted or (r.retrofit and stage <= int(r.stage) <= _builder.LAST_STAGE):
            if active is None:
                active = _builder._active_parties(sers)
            if _builder._approved(r, active, party_ids, joint=joint_gate and not r.retrofit):
                return True
    if active is None:
        return f"no entry into {wanted} is recorded"
    direct = [r for r in history if r.stage is wanted]
    retro = [r for r in history if r.retrofit and stage <= int(r.stage) <= _builder.LAST_STAGE]
    problems = []
    for r in (*direct, *retro):
        joint = not r.retrofit and joint_gate
        why = _builder._approval_problem(r, sers, party_ids, joint=joint)
        what = "retrofit entry" if r.retrofit else "entry"
        problems.append(f"the {what} into {r.stage} on {r.entered_on.isoformat()} {why}")
    return "; ".join(problems)


_APPROVALS = st.lists(st.builds(SimpleNamespace, party=_PARTIES, by=_PEOPLE), max_size=3)
_HISTORY = st.lists(
    st.builds(
        SimpleNamespace,
        stage=st.sampled_from(list(_builder.Stage)),
        entered_on=st.dates(date(2020, 1, 1), date(2026, 12, 31)),
        approved_by=st.none() | _PEOPLE,
        approvals=_APPROVALS.map(tuple),
        retrofit=st.booleans(),
    ),
    max_size=6,
).map(tuple)


@given(
    st.lists(_HISTORY, min_size=1, max_size=3),
    _SERS,
    st.lists(_PARTIES, max_size=3, unique=True).map(tuple),
)
def test_the_gates_agree_with_the_entry_by_entry_reading(histories, sers, party_ids):
    for history in (*histories, *histories, None):  # each history seen again, and none
        for stage in _builder.Stage:
            got = _builder.entered_stage(int(stage))(history, sers, party_ids)
            want = _entered_as_first_written(int(stage), history, sers, party_ids)
            if want is True or want is None:
                assert got is want
            else:
                assert not got
                assert str(got) == want
