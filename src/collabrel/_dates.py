"""Calendar intervals, cadences and as-of arithmetic.

The only module that touches ``dateutil``. A calendar interval is not a duration: "every
3 months" from 31 January falls on 30 April, which pint's 91.31-day month cannot say. Month
arithmetic clamps to the end of the month, the semantics of "review due in N months".
"""

from __future__ import annotations

import re
from calendar import isleap
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import attrs
from dateutil.rrule import rrulestr

from collabrel.errors import ConfigError, NotADateError

__all__ = [
    "Cadence",
    "CalendarInterval",
    "age",
    "date_field",
    "days",
    "due_date",
    "is_overdue",
    "months",
    "overdue_days",
    "require_date",
    "weeks",
    "years",
]


def _validate_date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_date(value, attribute.name)


def date_field(**kwargs: Any) -> Any:
    """An attrs field holding a date, checked by :func:`require_date` (``as_of`` fields)."""
    return attrs.field(validator=_validate_date, **kwargs)


def _short_repr(value: object, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def require_date(value: object, name: str = "as_of") -> date:
    """Return *value* when it is a calendar date; refuse anything else with a clear error.

    Every evaluation and stage change is dated by the caller. A :class:`~datetime.datetime`
    (a subclass of :class:`~datetime.date`) is refused explicitly: it never compares equal
    to a date and would silently shift day counts. Text and ``None`` are refused rather than
    parsed or defaulted. The check is constant time.

    Args:
        value: what the caller passed.
        name: the argument's name, used in the message (``"as_of"``, ``"on"``).

    Raises:
        NotADateError: naming the argument, what was given and what to write instead.

    Example:
        >>> from datetime import date
        >>> require_date(date(2026, 11, 23))
        datetime.date(2026, 11, 23)
    """
    if type(value) is date:
        return value
    if isinstance(value, datetime):
        fix = f"pass {name}=value.date() for the calendar day"
    elif isinstance(value, date):  # another date subclass: still a calendar day
        return value
    elif isinstance(value, str):
        fix = f"pass {name}=date.fromisoformat({value[:40]!r}) or date(YYYY, MM, DD)"
    elif value is None:
        fix = f"pass the day explicitly, such as {name}=date(2026, 11, 23); nothing reads the clock"
    else:
        fix = f"pass {name}=date(YYYY, MM, DD)"
    got = type(value).__name__
    raise NotADateError(
        f"{name} must be a datetime.date; got {got} {_short_repr(value)}: {fix}",
        name=name,
        got=got,
    )


_INTERVAL_PART = re.compile(
    r"\s*(\d+)\s*(days|day|d|weeks|week|w|months|month|m|years|year|y)\b\s*,?", re.IGNORECASE
)


@attrs.frozen(order=False)
class CalendarInterval:
    """A calendar interval of whole months and days, such as ``months(6)`` or ``days(30)``.

    Adding it to a date clamps to the end of the month: ``date(2024, 1, 31) + months(1)`` is
    ``date(2024, 2, 29)``. Build one with :func:`months`, :func:`years`, :func:`weeks` or
    :func:`days`, or parse ``"6 months"`` with :meth:`parse`.

    Example:
        >>> from datetime import date
        >>> date(2024, 1, 31) + months(1)
        datetime.date(2024, 2, 29)
    """

    months: int = 0
    """Whole calendar months (years are 12 months)."""
    days: int = 0
    """Whole days, added after the months."""

    def __attrs_post_init__(self) -> None:
        for name in ("months", "days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(
                    f"CalendarInterval.{name} must be a whole number >= 0; got {value!r}. "
                    "Build intervals with collabrel.months(n), years(n), weeks(n) or days(n)."
                )

    @classmethod
    def parse(cls, value: Any) -> CalendarInterval:
        """Build an interval from an interval, a text such as ``"6 months"``, or refuse it.

        Raises:
            ConfigError: for anything else, notably a pint quantity of months, which is a
                fixed 30.44-day duration and not a calendar interval.
        """
        if isinstance(value, CalendarInterval):
            return value
        if isinstance(value, str) and value.strip():
            total, pos, text = CalendarInterval(), 0, value.strip()
            while pos < len(text):
                match = _INTERVAL_PART.match(text, pos)
                if match is None:
                    break
                n, unit = int(match.group(1)), match.group(2)[0].lower()
                part = {"d": days, "w": weeks, "m": months, "y": years}[unit](n)
                total = CalendarInterval(
                    months=total.months + part.months, days=total.days + part.days
                )
                pos = match.end()
            else:
                return total
        hint = ""
        if type(value).__name__ in {"Quantity", "PlainQuantity"}:
            hint = (
                " A pint quantity is a fixed duration (a pint month is 30.44 days), not a "
                "calendar interval."
            )
        raise ConfigError(
            f"expected a calendar interval such as months(6) or the text '6 months'; "
            f"got {value!r}.{hint} Use collabrel.months(n), years(n), weeks(n) or days(n)."
        )

    def __radd__(self, other: date) -> date:
        if not isinstance(other, date):
            return NotImplemented
        return _shift(other, self.months, self.days)

    def __rsub__(self, other: date) -> date:
        if not isinstance(other, date):
            return NotImplemented
        return _shift(other, -self.months, -self.days)

    def __str__(self) -> str:
        parts = []
        if self.months:
            if self.months % 12 == 0:
                n = self.months // 12
                parts.append(f"{n} year" + ("s" if n != 1 else ""))
            else:
                parts.append(f"{self.months} month" + ("s" if self.months != 1 else ""))
        if self.days or not parts:
            parts.append(f"{self.days} day" + ("s" if self.days != 1 else ""))
        return " ".join(parts)


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _shift(start: date, n_months: int, n_days: int) -> date:
    """Return *start* moved by *n_months* calendar months, then by *n_days* days.

    The semantics of ``start + relativedelta(months=n_months, days=n_days)``, computed
    directly (it runs thousands of times per evaluation): the month moves first and the day
    is clamped to the end of the month it lands in, then the days are added. A year out of
    range raises what :meth:`date.replace` raises (``ValueError``), a day count past the
    calendar what ``date + timedelta`` raises (``OverflowError``), as relativedelta does.
    A :class:`~datetime.datetime` gives the date part of the moved moment.
    """
    result = start
    if n_months:
        year, month0 = divmod(start.year * 12 + start.month - 1 + n_months, 12)
        month = month0 + 1
        day = start.day
        if day > 28:  # noqa: PLR2004 - every month has 28 days; only later days may clamp
            last = 28 + isleap(year) if month == 2 else _MONTH_DAYS[month]  # noqa: PLR2004
            day = min(day, last)
        if type(start) is date:
            result = date(year, month, day)  # raises what replace() raises, faster
        else:
            result = start.replace(year=year, month=month, day=day)
    if n_days:
        result = result + timedelta(days=n_days)
    if type(result) is date:
        return result
    return result.date() if isinstance(result, datetime) else result


def months(n: int) -> CalendarInterval:
    """Return a calendar interval of *n* months."""
    return CalendarInterval(months=n)


def years(n: int) -> CalendarInterval:
    """Return a calendar interval of *n* years (12 calendar months each)."""
    return CalendarInterval(months=12 * n)


def weeks(n: int) -> CalendarInterval:
    """Return a calendar interval of *n* weeks (7 days each)."""
    return CalendarInterval(days=7 * n)


def days(n: int) -> CalendarInterval:
    """Return a calendar interval of *n* days."""
    return CalendarInterval(days=n)


def due_date(last: date, every: CalendarInterval | Cadence) -> date:
    """Return when the next occurrence after *last* falls due."""
    if isinstance(every, Cadence):
        return every.next_after(last)
    return last + every


def age(since: date, as_of: date) -> int:
    """Return the whole days from *since* to *as_of* (negative when *since* is later)."""
    return (as_of - since).days


def overdue_days(last: date, every: CalendarInterval | Cadence, as_of: date) -> int:
    """Return how many days past its due date a periodic activity is (0 when it is not)."""
    return max(0, (as_of - due_date(last, every)).days)


def is_overdue(last: date, every: CalendarInterval | Cadence, as_of: date) -> bool:
    """Return whether an activity last done on *last*, due *every* interval, is overdue."""
    return as_of > due_date(last, every)


_WORDS: dict[str, CalendarInterval] = {
    "daily": CalendarInterval(days=1),
    "weekly": CalendarInterval(days=7),
    "fortnightly": CalendarInterval(days=14),
    "monthly": CalendarInterval(months=1),
    "bimonthly": CalendarInterval(months=2),
    "quarterly": CalendarInterval(months=3),
    "semiannually": CalendarInterval(months=6),
    "biannually": CalendarInterval(months=6),
    "half-yearly": CalendarInterval(months=6),
    "annually": CalendarInterval(months=12),
    "yearly": CalendarInterval(months=12),
}
_RRULE_FREQ = {"DAILY": (0, 1), "WEEKLY": (0, 7), "MONTHLY": (1, 0), "YEARLY": (12, 0)}


@lru_cache(maxsize=1024)
def _cadence_interval(text: str) -> CalendarInterval:
    """The interval of the cadence *text* (see :meth:`Cadence.interval_of`).

    Parsed once per distinct text: rules read cadences on every evaluation.
    """
    key = text.strip().lower()
    if key in _WORDS:
        return _WORDS[key]
    if key.startswith("every "):
        step = CalendarInterval.parse(key.removeprefix("every "))
        if step == CalendarInterval():
            raise ConfigError(f"a cadence must repeat after some time; got {text!r}")
        return step
    upper = text.strip().upper().removeprefix("RRULE:")
    if upper.startswith("FREQ="):
        parts = dict(p.split("=", 1) for p in upper.split(";") if "=" in p)
        freq = _RRULE_FREQ.get(parts.get("FREQ", ""))
        interval = parts.get("INTERVAL", "1")
        if freq is not None and interval.isdigit() and int(interval) > 0:
            try:
                rrulestr(upper, dtstart=datetime(2000, 1, 1, tzinfo=UTC))
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"invalid RRULE {text!r}: {exc}") from exc
            n = int(interval)
            return CalendarInterval(months=freq[0] * n, days=freq[1] * n)
    words = ", ".join(sorted(_WORDS))
    raise ConfigError(
        f"unknown cadence {text!r}; use one of {words}, 'every N months', or an RRULE "
        "such as 'FREQ=MONTHLY;INTERVAL=3'"
    )


@lru_cache(maxsize=1024)
def _by_rule(text: str) -> str | None:
    """The RRULE of the cadence *text* when it has BY parts (followed as written), else None."""
    upper = text.strip().upper().removeprefix("RRULE:")
    return upper if upper.startswith("FREQ=") and ("BY" in upper) else None


def _check_cadence(_: Any, __: Any, text: str) -> None:
    Cadence.interval_of(text)


@attrs.frozen
class Cadence:
    """A recurring cadence, from a plain word (``"quarterly"``) or an RRULE string.

    Examples: ``Cadence("monthly")``, ``Cadence("FREQ=MONTHLY;INTERVAL=3")``,
    ``Cadence("every 2 weeks")``.
    """

    text: str = attrs.field(validator=_check_cadence)
    """The cadence as written: a word, ``"every N months"``, or an RFC 5545 RRULE."""

    @staticmethod
    def interval_of(text: str) -> CalendarInterval:
        """Return the calendar interval between occurrences of the cadence *text*.

        Raises:
            ConfigError: when the text is neither a known word nor a simple RRULE.
        """
        if not isinstance(text, str):
            raise ConfigError(f"a cadence must be a text such as 'quarterly'; got {text!r}")
        return _cadence_interval(text)

    @property
    def interval(self) -> CalendarInterval:
        """The calendar interval between two occurrences."""
        return _cadence_interval(self.text)

    def next_after(self, last: date) -> date:
        """Return the occurrence that follows one on *last*."""
        upper = _by_rule(self.text)
        if upper is not None:
            rule = rrulestr(upper, dtstart=datetime.combine(last, datetime.min.time()))
            nxt = rule.after(datetime.combine(last, datetime.min.time()))
            if nxt is not None:
                return nxt.date()
        return last + _cadence_interval(self.text)

    def __str__(self) -> str:
        return self.text


def as_timedelta(interval: CalendarInterval, start: date) -> timedelta:
    """Return the exact length of *interval* when counted from *start*."""
    return (start + interval) - start
