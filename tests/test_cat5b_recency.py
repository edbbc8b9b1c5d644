"""Recency of many days against one evaluation date (collabrel._iso44001._c7_checks.Recency).

``Recency`` answers ``as_of <= day + interval`` by comparing with the earliest recent day; it
must give the very answer of adding the interval to each day, across month ends, leap days and
the ends of the calendar (where adding raises, it raises the same error).
"""

from __future__ import annotations

from datetime import date

from hypothesis import example, given
from hypothesis import strategies as st

from collabrel import CalendarInterval
from collabrel._iso44001._c7_checks import Recency

_intervals = st.builds(CalendarInterval, months=st.integers(0, 30), days=st.integers(0, 70))
_near_ends = st.sampled_from([date(1, 1, 1), date(1, 2, 28), date(9999, 12, 31), date(9999, 3, 1)])
_days = st.dates() | st.dates(date(2023, 12, 1), date(2024, 4, 1)) | _near_ends


def _added(day: date, interval: CalendarInterval, as_of: date) -> bool | type[Exception]:
    try:
        return as_of <= day + interval
    except (OverflowError, ValueError) as exc:
        return type(exc)


def _asked(recent: Recency, day: date) -> bool | type[Exception]:
    try:
        return recent(day)
    except (OverflowError, ValueError) as exc:
        return type(exc)


@given(_intervals, _days, st.lists(_days, max_size=12))
@example(CalendarInterval(months=1), date(2024, 3, 31), [date(2024, 2, 29), date(2024, 3, 1)])
@example(CalendarInterval(months=1), date(2023, 2, 28), [date(2023, 1, 27), date(2023, 1, 28)])
@example(CalendarInterval(months=12), date(9999, 12, 1), [date(9999, 6, 1), date(9998, 12, 1)])
@example(CalendarInterval(months=2), date(1, 1, 31), [date(1, 1, 1)])
@example(
    CalendarInterval(months=1, days=1), date(2023, 3, 1), [date(2023, 1, 27), date(2023, 1, 28)]
)
def test_recency_is_adding_the_interval_to_each_day(interval, as_of, days):
    recent = Recency(interval, as_of)
    for day in days:
        assert _asked(recent, day) == _added(day, interval, as_of), day


def test_month_ends_that_fall_short_are_not_recent():
    recent = Recency(CalendarInterval(months=1), date(2024, 3, 31))
    assert not recent(date(2024, 2, 29))  # 29 February + 1 month is 29 March
    assert recent(date(2024, 3, 1))


def test_days_clamped_to_a_month_end_are_recent_together():
    # 28-31 January + 1 month are all 28 February, + 1 day 1 March: all four are recent
    recent = Recency(CalendarInterval(months=1, days=1), date(2023, 3, 1))
    assert [recent(date(2023, 1, d)) for d in (27, 28, 29, 30, 31)] == [False, *[True] * 4]
