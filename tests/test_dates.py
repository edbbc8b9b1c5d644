"""Calendar intervals, cadences and as-of arithmetic."""

from __future__ import annotations

import calendar
import operator
import pickle
from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from collabrel import (
    Cadence,
    CalendarInterval,
    days,
    due_date,
    is_overdue,
    months,
    weeks,
    years,
)
from collabrel._dates import age, as_timedelta, overdue_days
from collabrel.errors import CollabrelError, ConfigError
from collabrel.testing import cadences, dates, intervals

# --------------------------------------------------------------------------- constructors


def test_constructors():
    assert months(6) == CalendarInterval(months=6, days=0)
    assert years(2) == CalendarInterval(months=24)
    assert weeks(3) == CalendarInterval(days=21)
    assert days(10) == CalendarInterval(days=10)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_interval_components_must_be_whole_non_negative_numbers(bad):
    with pytest.raises(ConfigError, match="whole number >= 0"):
        CalendarInterval(months=bad)
    with pytest.raises(ConfigError, match="whole number >= 0"):
        CalendarInterval(days=bad)


def test_negative_helpers_are_refused():
    with pytest.raises(ConfigError):
        months(-1)


def test_intervals_are_frozen_values_that_pickle():
    interval = months(3)
    with pytest.raises(AttributeError):
        interval.months = 4  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(interval))  # noqa: S301 - our own bytes == interval
    assert hash(months(3)) == hash(CalendarInterval(months=3))


# -------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 months", months(6)),
        ("1 month 3 days", CalendarInterval(months=1, days=3)),
        ("2 years", years(2)),
        ("10 days", days(10)),
        ("3 weeks", days(21)),
        ("1 year, 2 months", months(14)),
        ("6m", months(6)),
        ("6 MONTHS", months(6)),
        ("  1 day  ", days(1)),
        ("0 days", CalendarInterval()),
    ],
)
def test_parse(text, expected):
    assert CalendarInterval.parse(text) == expected


def test_parse_returns_an_interval_unchanged():
    interval = months(2)
    assert CalendarInterval.parse(interval) is interval


@pytest.mark.parametrize(
    "bad", ["", "   ", "six months", "6 fortnights", "6", "months 6", "-1 month", "6 months and"]
)
def test_parse_refuses_bad_text_with_config_error(bad):
    with pytest.raises(ConfigError, match="expected a calendar interval") as info:
        CalendarInterval.parse(bad)
    # ConfigError is a ValueError, so callers that catch ValueError also catch it
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, CollabrelError)
    assert "months(n)" in str(info.value)


@pytest.mark.parametrize("bad", [5, None, 1.5, timedelta(days=3)])
def test_parse_refuses_non_text(bad):
    with pytest.raises(ConfigError):
        CalendarInterval.parse(bad)


def test_parse_refuses_a_pint_month_and_says_why():
    from collabrel import units

    with pytest.raises(ConfigError, match=r"30\.44 days"):
        CalendarInterval.parse(units.quantity(6, "month"))


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (months(1), "1 month"),
        (months(6), "6 months"),
        (months(12), "1 year"),
        (months(13), "13 months"),
        (CalendarInterval(months=24, days=1), "2 years 1 day"),
        (days(2), "2 days"),
        (CalendarInterval(), "0 days"),
    ],
)
def test_str(interval, text):
    assert str(interval) == text


@given(intervals())
def test_parse_of_str_round_trips(interval):
    assert CalendarInterval.parse(str(interval)) == interval


@given(st.integers(0, 500), st.integers(0, 500))
def test_parse_of_str_round_trips_for_any_components(m, d):
    interval = CalendarInterval(months=m, days=d)
    assert CalendarInterval.parse(str(interval)) == interval


# ------------------------------------------------------------------------------ arithmetic


@pytest.mark.parametrize(
    ("start", "interval", "expected"),
    [
        (date(2024, 1, 31), months(1), date(2024, 2, 29)),  # leap year: clamp to the 29th
        (date(2023, 1, 31), months(1), date(2023, 2, 28)),
        (date(2024, 1, 31), months(3), date(2024, 4, 30)),
        (date(2024, 2, 29), years(1), date(2025, 2, 28)),
        (date(2024, 1, 31), CalendarInterval(months=1, days=1), date(2024, 3, 1)),
        (date(2024, 12, 15), months(1), date(2025, 1, 15)),
        (date(2024, 1, 1), days(30), date(2024, 1, 31)),
    ],
)
def test_adding_an_interval_clamps_to_the_end_of_the_month(start, interval, expected):
    assert start + interval == expected


def test_subtracting_an_interval():
    assert date(2024, 3, 31) - months(1) == date(2024, 2, 29)
    assert date(2024, 3, 1) - days(1) == date(2024, 2, 29)


def test_adding_to_something_that_is_not_a_date_is_refused():
    with pytest.raises(TypeError):
        5 + months(1)  # type: ignore[operator]


def test_as_timedelta_depends_on_the_start():
    assert as_timedelta(months(1), date(2024, 2, 1)) == timedelta(days=29)
    assert as_timedelta(months(1), date(2024, 3, 1)) == timedelta(days=31)


@given(dates(), dates(), intervals())
def test_adding_an_interval_is_monotone(a, b, interval):
    earlier, later = min(a, b), max(a, b)
    assert earlier + interval <= later + interval


@given(dates(), intervals())
def test_adding_an_interval_never_goes_back(d, interval):
    assert d + interval >= d
    assert d - interval <= d


@given(dates(), st.integers(0, 30), st.integers(0, 30), st.integers(0, 60))
def test_a_longer_interval_falls_no_earlier(d, m, extra_months, extra_days):
    short = CalendarInterval(months=m)
    long = CalendarInterval(months=m + extra_months, days=extra_days)
    assert d + short <= d + long


@given(dates(), st.integers(0, 48))
def test_months_land_on_the_same_day_or_the_end_of_the_month(d, n):
    result = d + months(n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == d.day or (result.day < d.day and (result + days(1)).day == 1)


def _outcome(compute, *args):
    """The result of ``compute(*args)``, or the type and text of what it raised."""
    try:
        return compute(*args)
    except (ValueError, OverflowError) as exc:
        return (type(exc), str(exc))


def _date_of(moment, step, shift=operator.add):
    return shift(moment, step).date()


class _Day(date):
    """A date subclass, such as a library's own calendar day."""


def _late_in_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


# Days late in a month (where clamping happens) and the two ends of the calendar, besides
# any date at all; small and huge month and day counts (off the calendar on purpose).
_STARTS = st.one_of(
    st.dates(),
    st.builds(_late_in_month, st.integers(1, 9999), st.integers(1, 12), st.integers(28, 31)),
    st.dates(date(1, 1, 1), date(1, 12, 31)),
    st.dates(date(9999, 1, 1)),
)
_MONTHS = st.one_of(st.integers(0, 130), st.integers(0, 12 * 10_000), st.integers(0, 10**25))
_DAYS = st.one_of(st.integers(0, 400), st.integers(0, 3_700_000), st.integers(0, 10**10))


@settings(max_examples=500)
@given(_STARTS, _MONTHS, _DAYS)
def test_interval_arithmetic_is_relativedeltas(start, n_months, n_days):
    """Adding and subtracting an interval computes what python-dateutil's relativedelta does,
    over the whole calendar: the month clamped to its end, then the days, and the same error
    (type and message) when the result falls off the calendar."""
    interval = CalendarInterval(months=n_months, days=n_days)
    step = relativedelta(months=n_months, days=n_days)
    for shift in (operator.add, operator.sub):
        ours = _outcome(shift, start, interval)
        assert ours == _outcome(shift, start, step)
        if isinstance(ours, date):
            assert type(ours) is date
        moment = datetime.combine(start, time(23, 59))
        assert _outcome(shift, moment, interval) == _outcome(_date_of, moment, step, shift)
        day = _Day(start.year, start.month, start.day)  # a date subclass keeps its type
        ours = _outcome(shift, day, interval)
        theirs = _outcome(shift, day, step)
        assert ours == theirs
        assert type(ours) is type(theirs)


@pytest.mark.parametrize(
    ("start", "interval", "error"),
    [
        (date(9999, 12, 31), days(1), OverflowError),
        (date(9999, 12, 1), months(1), ValueError),
        (date(1, 1, 31), CalendarInterval(), None),
    ],
)
def test_off_the_calendar_raises_like_date_arithmetic(start, interval, error):
    if error is None:
        assert start + interval == start
        assert start - interval == start
    else:
        with pytest.raises(error):
            start + interval
        with pytest.raises(error):
            date(1, 1, 1) - interval


# ---------------------------------------------------------------------- due dates, overdue


def test_due_date_with_an_interval():
    assert due_date(date(2024, 1, 31), months(3)) == date(2024, 4, 30)


def test_is_overdue_at_the_boundary():
    last, every = date(2024, 1, 1), months(1)
    assert not is_overdue(last, every, date(2024, 1, 31))
    assert not is_overdue(last, every, date(2024, 2, 1))  # due today is not overdue
    assert is_overdue(last, every, date(2024, 2, 2))


def test_overdue_days_at_the_boundary():
    last, every = date(2024, 1, 1), months(1)
    assert overdue_days(last, every, date(2024, 1, 11)) == 0
    assert overdue_days(last, every, date(2024, 2, 1)) == 0
    assert overdue_days(last, every, date(2024, 2, 2)) == 1
    assert overdue_days(last, every, date(2024, 2, 11)) == 10


@given(dates(), intervals(), dates())
def test_overdue_days_agrees_with_is_overdue(last, every, as_of):
    overdue = overdue_days(last, every, as_of)
    assert overdue >= 0
    assert (overdue > 0) == is_overdue(last, every, as_of)
    if overdue:
        assert as_of - timedelta(days=overdue) == due_date(last, every)


def test_age():
    assert age(date(2024, 1, 1), date(2024, 1, 11)) == 10
    assert age(date(2024, 1, 11), date(2024, 1, 1)) == -10


# -------------------------------------------------------------------------------- cadences


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("daily", days(1)),
        ("weekly", days(7)),
        ("fortnightly", days(14)),
        ("monthly", months(1)),
        ("quarterly", months(3)),
        ("half-yearly", months(6)),
        ("Annually", months(12)),
        ("yearly", months(12)),
        ("every 3 months", months(3)),
        ("every 2 weeks", days(14)),
        ("every 1 month 2 days", CalendarInterval(months=1, days=2)),
        ("FREQ=MONTHLY;INTERVAL=3", months(3)),
        ("RRULE:FREQ=WEEKLY;INTERVAL=2", days(14)),
        ("FREQ=YEARLY", months(12)),
        ("freq=daily;interval=5", days(5)),
    ],
)
def test_cadence_interval(text, interval):
    cadence = Cadence(text)
    assert cadence.interval == interval
    assert str(cadence) == text


@pytest.mark.parametrize(
    "bad",
    [
        "sometimes",
        "",
        "every",
        "FREQ=HOURLY",
        "FREQ=MONTHLY;INTERVAL=0",
        "FREQ=MONTHLY;INTERVAL=x",
        "FREQ=MONTHLY;INTERVAL=-1",
    ],
)
def test_bad_cadences_are_refused_with_the_known_words(bad):
    for _ in range(2):  # refused every time: parsed cadences are remembered, refusals are not
        with pytest.raises(ConfigError, match="unknown cadence") as info:
            Cadence(bad)
        assert "quarterly" in str(info.value)
        assert "FREQ=MONTHLY;INTERVAL=3" in str(info.value)


def test_every_with_a_bad_interval_is_refused():
    with pytest.raises(ConfigError):
        Cadence("every blue moon")


def test_a_cadence_must_be_text():
    with pytest.raises(ConfigError, match="must be a text"):
        Cadence(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["every 0 months", "every 0 days"])
def test_a_zero_cadence_is_refused(bad):
    with pytest.raises(ConfigError):
        Cadence(bad)


def test_cadence_next_after_clamps_like_an_interval():
    assert Cadence("monthly").next_after(date(2024, 1, 31)) == date(2024, 2, 29)
    assert Cadence("quarterly").next_after(date(2024, 1, 31)) == date(2024, 4, 30)


def test_cadence_with_a_by_rule_follows_the_rule():
    cadence = Cadence("FREQ=MONTHLY;BYMONTHDAY=15")
    assert cadence.next_after(date(2024, 1, 10)) == date(2024, 1, 15)
    assert cadence.next_after(date(2024, 1, 20)) == date(2024, 2, 15)
    assert Cadence("FREQ=WEEKLY;BYDAY=MO").next_after(date(2024, 1, 31)) == date(2024, 2, 5)


def test_due_date_and_overdue_with_a_cadence():
    last = date(2024, 1, 1)
    assert due_date(last, Cadence("quarterly")) == date(2024, 4, 1)
    assert not is_overdue(last, Cadence("quarterly"), date(2024, 4, 1))
    assert is_overdue(last, Cadence("quarterly"), date(2024, 4, 2))
    assert overdue_days(last, Cadence("quarterly"), date(2024, 4, 11)) == 10


@given(cadences(), dates())
def test_a_cadence_always_moves_forward(cadence, last):
    assert cadence.next_after(last) > last
    assert due_date(last, cadence) == cadence.next_after(last)


# ------------------------------------------------------------- require_date (issue 13, 7)


@given(st.dates())
def test_require_date_returns_a_date_unchanged(day):
    from collabrel._dates import require_date

    assert require_date(day) is day


@given(st.datetimes())
def test_require_date_refuses_a_datetime_though_it_is_a_date(moment):
    from collabrel._dates import require_date
    from collabrel.errors import NotADateError

    with pytest.raises(NotADateError, match=r"value\.date\(\)") as info:
        require_date(moment, "on")
    assert isinstance(info.value, TypeError)
    assert (info.value.name, info.value.got) == ("on", "datetime")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-11-23", "date.fromisoformat"),
        (None, "nothing reads the clock"),
        (20261123, "date(YYYY, MM, DD)"),
        (1.5, "date(YYYY, MM, DD)"),
        ("x" * 10_000, "got str"),
    ],
)
def test_require_date_refuses_anything_else_saying_what_to_pass(value, words):
    from collabrel._dates import require_date
    from collabrel.errors import NotADateError

    with pytest.raises(NotADateError, match=r"as_of must be a datetime\.date") as info:
        require_date(value)
    assert words in str(info.value)
    assert len(str(info.value)) < 300  # a huge value is shortened, never printed whole


def test_require_date_survives_a_hostile_repr():
    from collabrel._dates import require_date
    from collabrel.errors import NotADateError

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError

    with pytest.raises(NotADateError, match="Hostile object"):
        require_date(Hostile())


def test_a_date_subclass_other_than_datetime_is_a_calendar_day():
    from collabrel._dates import require_date

    class Day(date):
        pass

    assert require_date(Day(2026, 1, 1)) == date(2026, 1, 1)


def test_not_a_date_error_pickles():
    from collabrel._dates import require_date
    from collabrel.errors import NotADateError

    with pytest.raises(NotADateError) as info:
        require_date("tomorrow")
    clone = pickle.loads(pickle.dumps(info.value))  # noqa: S301 - our own bytes
    assert str(clone) == str(info.value)
    assert clone.name == "as_of"
