"""The recency of a config interval, worked out once per interval and date (``recency``).

The rules 7.2, 7.5.4, 8.3.3 and 8.8.6 ask whether dates are within a config interval of the
evaluation date. ``recency(key)`` gives them one :class:`Recency` per interval and date; it
must answer as adding the context's interval to each day does, and a context with another
date or config must get its own answer, never the previous context's.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import collabrel
from collabrel import CalendarInterval, Config
from collabrel._iso44001._c7_checks import recency
from collabrel.rules import RuleContext

_ORGANIZATION = collabrel.example_portfolio().organization
_intervals = st.builds(CalendarInterval, months=st.integers(0, 30), days=st.integers(0, 70))
_around_leap_day = st.dates(date(2023, 12, 1), date(2024, 4, 1))
_days = st.dates(date(1990, 1, 1), date(2060, 12, 31)) | _around_leap_day
_KEYS = ("review.competence", "jmt_cadence")


def _context(as_of: date, key: str, interval: CalendarInterval) -> RuleContext:
    config = Config().with_overrides({key: interval})
    return RuleContext(as_of=as_of, config=config, organization=_ORGANIZATION)


@given(
    st.sampled_from(_KEYS),
    st.lists(st.tuples(_intervals, _days), min_size=1, max_size=6),
    st.lists(_days, max_size=10),
)
def test_recency_is_adding_each_contexts_interval_to_each_day(key, settings, days):
    recent_by = recency(key)
    contexts = [_context(as_of, key, interval) for interval, as_of in settings]
    # contexts asked about in turn, and again: each answer is its own context's
    for ctx in contexts * 2:
        recent = recent_by(ctx)
        interval = ctx.config.interval(key)
        for day in days:
            assert recent(day) == (ctx.as_of <= day + interval), (ctx.as_of, interval, day)


def test_one_context_works_its_recency_out_once():
    recent_by = recency("jmt_cadence")
    ctx = _context(date(2024, 3, 31), "jmt_cadence", CalendarInterval(months=1))
    assert recent_by(ctx) is recent_by(ctx)
    assert not recent_by(ctx)(date(2024, 2, 29))  # 29 February + 1 month is 29 March
    assert recent_by(ctx)(date(2024, 3, 1))


def test_a_later_evaluation_date_is_answered_for_itself():
    recent_by = recency("review.competence")
    interval = CalendarInterval(months=12)
    earlier = _context(date(2024, 6, 1), "review.competence", interval)
    later = _context(date(2025, 6, 2), "review.competence", interval)
    assessed = date(2024, 6, 1)
    assert recent_by(earlier)(assessed)
    assert not recent_by(later)(assessed)
    assert recent_by(earlier)(assessed)
