"""The functions the stage 7 rules (clause 8.8, staying together) call.

Each returns ``True``, ``None`` (a fact it needs is missing) or :func:`unmet` with what is
wrong: the absent party, the review or meeting concerned, the change not yet reflected.
"""

from __future__ import annotations

from typing import Any

from collabrel._iso44001._builder import Checked, listed
from collabrel._iso44001._indexes import ByIdentity
from collabrel.rules import unmet

__all__ = [
    "latest_meeting_covers",
    "latest_respondents",
    "latest_review_attended",
    "latest_review_recorded",
    "latest_review_uses_analysis",
    "reagreed_after_changes",
    "updated_after_changes",
]


def _latest_held(items: Any) -> Any:
    """The item held last (the first of those held that day), ``None`` if none is dated."""
    dated = [i for i in items if i.held_on is not None]
    return max(dated, key=lambda i: i.held_on, default=None)


_latest_held_of = ByIdentity(_latest_held)
"""The latest of the reviews or meetings (several rules read the latest of the same ones)."""


def _latest(items: Any) -> Any:
    """The latest review or meeting of *items* (``None`` if none is dated or *items* is)."""
    return _latest_held_of(items or ())


def latest_review_attended(reviews: Any, sers: Any, party_ids: Any) -> Checked:
    """Every party's active SER (or a recorded delegate) attended the latest SER review."""
    if reviews is None or sers is None or party_ids is None:
        return None
    review = _latest(reviews)
    if review is None:
        return unmet("no SER review is recorded")
    active: dict[Any, set[str]] = {}  # party -> its active SERs
    for s in sers:
        if s.active:
            active.setdefault(s.party, set()).add(s.person)
    absent = []
    for party in party_ids:
        people = active.get(party, set())
        if not any(
            a.party == party and (a.person in people or a.delegate_for in people)
            for a in review.attendees
        ):
            absent.append(f"{party} ({listed(sorted(people)) if people else 'no active SER'})")
    return not absent or unmet(
        f"the review of {review.held_on.isoformat()} was attended by no SER or recorded "
        f"delegate of {listed(absent)}"
    )


def latest_review_recorded(reviews: Any) -> Checked:
    """The latest SER review reviewed performance and recorded decisions and actions."""
    review = _latest(reviews)
    if review is None:
        return unmet("no SER review is recorded")
    gaps = []
    if not review.performance_reviewed:
        gaps.append("did not review performance")
    if not review.decisions:
        gaps.append("recorded no decision")
    if not review.actions:
        gaps.append("recorded no action")
    return not gaps or unmet(f"the review of {review.held_on.isoformat()} {' and '.join(gaps)}")


def latest_meeting_covers(meetings: Any, party_ids: Any) -> Checked:
    """People from every party attended the latest JMT meeting."""
    if meetings is None or party_ids is None:
        return None
    meeting = _latest(meetings)
    if meeting is None:
        return unmet("no JMT meeting is recorded")
    present = {a.party for a in meeting.attendees}
    missing = [p for p in party_ids if p not in present]
    return not missing or unmet(
        f"nobody from {listed(missing)} attended the meeting of {meeting.held_on.isoformat()}"
    )


def latest_respondents(measurements: Any, party_ids: Any) -> Checked:
    """The latest measurement of each trust indicator had respondents from every party."""
    if measurements is None or party_ids is None:
        return None
    latest: dict[str, Any] = {}
    for m in measurements:
        if m.indicator_id not in latest or m.measured_on > latest[m.indicator_id].measured_on:
            latest[m.indicator_id] = m
    if not latest:
        return unmet("no trust measurement is recorded")
    gaps = []
    for indicator, m in latest.items():
        answered = {r.party for r in m.respondents}
        missing = [p for p in party_ids if p not in answered]
        if missing:
            gaps.append(f"{indicator} on {m.measured_on.isoformat()} (none from {listed(missing)})")
    return not gaps or unmet(f"no respondent from every party: {listed(gaps)}")


def latest_review_uses_analysis(reviews: Any, analyses: Any) -> Checked:
    """The latest SER review considered the latest analysis of results available to it."""
    if reviews is None or analyses is None:
        return None
    review = _latest(reviews)
    if review is None:
        return unmet("no SER review is recorded")
    earlier = [a for a in analyses if a.period_end <= review.held_on]
    if not earlier:
        return review.analysis_ref is not None or unmet(
            f"the review of {review.held_on.isoformat()} cites no analysis"
        )
    latest = max(earlier, key=lambda a: a.period_end).id
    if review.analysis_ref == latest:
        return True
    cited = repr(review.analysis_ref) if review.analysis_ref else "no analysis"
    return unmet(
        f"the review of {review.held_on.isoformat()} cites {cited}, not the latest analysis "
        f"{latest!r}"
    )


def reagreed_after_changes(changes: Any, exit_strategy: Any, party_ids: Any) -> Checked:
    """Every party signed the current exit strategy after the latest significant change."""
    if changes is None or party_ids is None:
        return None
    significant = [(c.changed_on, c.id) for c in changes if c.significant]
    if not significant:
        return True
    if exit_strategy is None:
        return unmet("no exit strategy is recorded")
    last, change = max(significant)
    current = [s for s in exit_strategy.agreed_by if s.version == exit_strategy.version]
    missing = [
        p for p in party_ids if not any(s.party == p and s.signed_on >= last for s in current)
    ]
    return not missing or unmet(
        f"version {exit_strategy.version} was not signed by {listed(missing)} after the "
        f"significant change {change} of {last.isoformat()}"
    )


def updated_after_changes(updated_on: Any, changes: Any) -> Checked:
    """The joint RMP was updated on or after every significant change to the relationship."""
    if updated_on is None:
        return unmet("the joint RMP records no update date")
    later = [f"{c.id} ({c.changed_on.isoformat()})" for c in changes or ()
             if c.significant and c.changed_on > updated_on]  # fmt: skip
    return not later or unmet(
        f"updated {updated_on.isoformat()}, before the significant change {listed(later)}"
    )
