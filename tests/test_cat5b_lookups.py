"""Look-ups of one relationship in the organization's plans (7.4, 9.1.1, 6.3.1).

The checks find a relationship's items through indexes built once per plan (reused by
every relationship of an evaluation); each must answer as a scan of the plan would.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from collabrel import (
    AwarenessRecord,
    CommunicationItem,
    CommunicationPlan,
    MonitoringItem,
    MonitoringPlan,
    SegmentEntry,
)
from collabrel._iso44001._builder import listed
from collabrel._iso44001._c6_planning import segment_entry
from collabrel._iso44001._c7_checks import AWARENESS_TOPICS, fully_aware, partner_item
from collabrel._iso44001._c81_operation import monitored
from collabrel.rules import unmet

_rel_ids = st.sampled_from(["r1", "r2", "r3"])
_comm_items = st.lists(
    st.builds(
        CommunicationItem,
        topic=st.just("news"),
        relationship_id=st.none() | _rel_ids,
        partner_facing=st.booleans(),
    ),
    max_size=6,
).map(tuple)
_monitoring_items = st.lists(
    st.builds(MonitoringItem, subject=st.just("kpi"), relationship_id=st.none() | _rel_ids),
    max_size=6,
).map(tuple)
_entries = st.lists(
    st.builds(
        SegmentEntry,
        relationship_id=_rel_ids,
        segment=st.sampled_from([None, "", "strategic"]),
        priority=st.none() | st.integers(1, 3),
        rationale=st.sampled_from([None, "why"]),
        criteria_version=st.none() | st.integers(1, 2),
    ),
    max_size=6,
).map(tuple)


@given(st.lists(_comm_items, min_size=1, max_size=3), _rel_ids)
def test_partner_item_is_a_scan_of_the_plan(plans, rel_id):
    for items in plans * 2:  # the second time from the index of each plan
        plan = CommunicationPlan(items=items)
        found = any(i.relationship_id == rel_id and i.partner_facing for i in items)
        expected = found or unmet(f"the communication plan has no partner-facing item for {rel_id}")
        assert partner_item(rel_id, plan) == expected
    assert partner_item(rel_id, None) is None


@given(st.lists(_monitoring_items, min_size=1, max_size=3), _rel_ids)
def test_monitored_is_a_scan_of_the_plan(plans, rel_id):
    for items in plans * 2:
        plan = MonitoringPlan(items=items)
        found = any(i.relationship_id == rel_id for i in items)
        expected = found or unmet(f"the monitoring plan has no item for {rel_id}")
        assert monitored(rel_id, plan) == expected
    assert monitored(rel_id, None) is None


def _scanned_entry(rel_id, entries, criteria_version):
    for e in entries:
        if e.relationship_id == rel_id:
            gaps = [f for f in ("segment", "priority", "rationale") if not getattr(e, f)]
            if e.criteria_version != criteria_version:
                gaps.append(f"criteria version {e.criteria_version} (current: {criteria_version})")
            return not gaps or unmet(f"the entry for {rel_id} lacks {listed(gaps)}")
    return unmet(f"the segmentation has no entry for {rel_id}")


@given(st.lists(_entries, min_size=1, max_size=3), _rel_ids, st.integers(1, 2))
def test_segment_entry_reads_the_first_entry_of_the_relationship(segmentations, rel_id, version):
    for entries in segmentations * 2:
        expected = _scanned_entry(rel_id, entries, version)
        assert segment_entry(rel_id, entries, version) == expected
    assert segment_entry(rel_id, None, version) is None


_awareness_records = st.lists(
    st.builds(
        AwarenessRecord,
        person=st.sampled_from(["p1", "p2", "p3"]),
        topics=st.lists(st.sampled_from([*AWARENESS_TOPICS, "other"]), max_size=5).map(tuple),
    ),
    max_size=8,
).map(tuple)


@given(st.lists(_awareness_records, min_size=1, max_size=3))
def test_people_aware_of_every_topic_across_their_records(collections):
    for records in collections * 2:
        expected = {
            p
            for p in ("p1", "p2", "p3")
            if set(AWARENESS_TOPICS) <= {t for r in records if r.person == p for t in r.topics}
        }
        assert fully_aware(records) == expected
