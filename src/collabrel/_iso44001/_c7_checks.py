"""The functions and indexes the clause 7 (support) rules call.

Check functions return ``True``, ``None`` (a fact they need is missing) or :func:`unmet` with
what is wrong. The indexes are built once per immutable tuple of the organization (its people,
competence and awareness records, communication plan) and read by several rules, and again
by the rules that run on every change to a team.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from collabrel import CalendarInterval
from collabrel._iso44001._builder import Checked
from collabrel._iso44001._indexes import ByIdentity, grouped_by
from collabrel.rules import RuleContext, unmet

__all__ = [
    "ALL_AWARENESS_TOPICS",
    "AWARENESS_TOPICS",
    "Recency",
    "earliest_recent",
    "fully_aware",
    "latest_assessment",
    "partner_item",
    "person_ids",
    "recency",
]

AWARENESS_TOPICS = ("policy", "objectives", "contribution", "behaviours", "consequences")
"""What a person is made aware of (7.3), in the order messages list them."""
ALL_AWARENESS_TOPICS = frozenset(AWARENESS_TOPICS)


_plan_items_of = grouped_by("relationship_id")
"""The communication plan's items by relationship (one look-up per relationship)."""


def partner_item(rel_id: Any, plan: Any) -> Checked:
    """The communication plan has a partner-facing item for the relationship."""
    if plan is None:
        return None
    if any(i.partner_facing for i in _plan_items_of(plan.items).get(rel_id, ())):
        return True
    return unmet(f"the communication plan has no partner-facing item for {rel_id}")


_ONE_DAY = timedelta(days=1)


def earliest_recent(interval: CalendarInterval, as_of: date) -> date | None:
    """The earliest day *d* with ``as_of <= d + interval``; ``None`` near an end of the calendar.

    Adding a calendar interval never puts a later day before an earlier one (a day clamped to
    the end of a month at most meets the days after it), so the days that reach *as_of* are
    exactly the days from this one on. Near either end of the calendar (where adding the
    interval to *as_of*, or stepping back from it, is out of range) there is none to give.
    """
    try:
        as_of + interval  # out of range: every day is checked as written
        since = as_of - interval
        while since + interval < as_of:  # a day clamped to the end of a month falls short
            since += _ONE_DAY
        while (since - _ONE_DAY) + interval >= as_of:  # several days can reach the same one
            since -= _ONE_DAY
    except (OverflowError, ValueError):
        return None
    return since


class Recency:
    """Whether days are recent on *as_of* (``as_of <= day + interval``), asked for many days.

    The same answer as adding *interval* to each day, found by one comparison with the
    earliest recent day (:func:`earliest_recent`). A day after *as_of*, or any day when
    there is no earliest day to compare with, is checked as written, so a day out of the
    calendar's range raises as it would.
    """

    __slots__ = ("_as_of", "_interval", "_since")

    def __init__(self, interval: CalendarInterval, as_of: date) -> None:
        self._interval = interval
        self._as_of = as_of
        self._since = earliest_recent(interval, as_of)

    def __call__(self, day: date) -> bool:
        """Whether *day* plus the interval reaches the evaluation date."""
        if self._since is not None and day <= self._as_of:
            return day >= self._since
        return self._as_of <= day + self._interval


@lru_cache(maxsize=64)
def _recency_on(interval: CalendarInterval, as_of: date) -> Recency:
    return Recency(interval, as_of)


def recency(key: str) -> Callable[[RuleContext], Recency]:
    """The :class:`Recency` of the config interval *key* on a rule context's date.

    Worked out once per interval and date (both values: a new date or config gets its own
    answer, and nothing of a session is kept once it has ended).
    """

    def of(ctx: RuleContext) -> Recency:
        return _recency_on(ctx.config.interval(key), ctx.as_of)

    return of


person_ids = ByIdentity(lambda people: frozenset(p.id for p in people))
"""The ids of the organization's people (read by 7.2, 7.3 and 7.5.4 in one evaluation)."""


def latest_by_person(records: Any) -> dict[str, date]:
    """The date of each person's latest competence assessment."""
    latest: dict[str, date] = {}
    for rec in records:
        if rec.assessed_on is not None and rec.assessed_on > latest.get(rec.person, date.min):
            latest[rec.person] = rec.assessed_on
    return latest


latest_assessment = ByIdentity(latest_by_person)
"""The latest assessment of each person (read by 7.2 and 7.5.4 in one evaluation)."""


def aware_of_all(records: Any) -> frozenset[str]:
    """The people whose awareness records, taken together, cover every topic."""
    topics: dict[str, set[str]] = {}
    for rec in records:
        topics.setdefault(rec.person, set()).update(rec.topics)
    return frozenset(p for p, known in topics.items() if known >= ALL_AWARENESS_TOPICS)


fully_aware = ByIdentity(aware_of_all)
"""The people aware of every topic (7.3 runs again on every change to a team)."""
