"""Date conditions: a date is recent enough, a date is not later than another."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

import attrs

from collabrel._dates import CalendarInterval
from collabrel.errors import RuleDefinitionError
from collabrel.rules._conditions._base import (
    Binder,
    Bound,
    Condition,
    DataReader,
    Env,
    Ref,
    Trace,
    Tri,
    as_tuple,
    due,
    getter,
    reads_of,
    show,
)
from collabrel.rules._schema import Path

__all__ = ["Before", "ReviewedWithin", "interval_data"]

IntervalGetter = Callable[[Any, Env], CalendarInterval | None]


def _constant(value: CalendarInterval) -> IntervalGetter:
    return lambda _o, _e: value


def _config_interval(key: str) -> IntervalGetter:
    return lambda _o, e: e.intervals[key]


def interval_sources(
    binder: Binder, sources: tuple[Any, ...]
) -> tuple[list[IntervalGetter], frozenset[Path], frozenset[str]]:
    """Return getters for interval *sources* (config keys, intervals, refs), reads, config keys.

    Raises:
        RuleDefinitionError: for anything else, or no source at all.
        ConfigError: for an unknown config key.
    """
    getters: list[IntervalGetter] = []
    reads: set[Path] = set()
    keys: set[str] = set()
    for src in sources:
        if isinstance(src, Ref):
            info = binder.path(src.path)
            getters.append(getter(info))
            reads |= set(info.reads)
        elif isinstance(src, CalendarInterval):
            getters.append(_constant(src))
        elif isinstance(src, str):
            from collabrel._config import Config

            Config().interval(src)  # raises ConfigError for an unknown key
            keys.add(src)
            getters.append(_config_interval(src))
        else:
            raise RuleDefinitionError(
                f"an interval must be a config key such as 'review.context', an interval such "
                f"as months(6), or ref('path'); got {src!r}"
            )
    if not getters:
        raise RuleDefinitionError("reviewed_within needs at least one interval")
    return getters, frozenset(reads), frozenset(keys)


def interval_data(source: Any) -> Any:
    """Return an interval source as rule-file data."""
    return {"ref": source.path} if isinstance(source, Ref) else str(source)


def _window(o: Any, e: Env, getters: list[IntervalGetter]) -> str:
    """The earliest date that counts as recent: the evaluation date minus the interval."""
    shortest: tuple[date, CalendarInterval] | None = None
    for g in getters:
        iv = g(o, e)
        if iv is None:
            continue
        try:
            start = e.as_of - iv
        except (OverflowError, ValueError):  # an interval beyond the calendar: anything counts
            start = date.min
        if shortest is None or start > shortest[0]:
            shortest = (start, iv)
    if shortest is None:
        return "an interval to compare with (none recorded)"
    start, iv = shortest
    return f"on or after {start.isoformat()} ({iv} before {e.as_of.isoformat()})"


@attrs.frozen
class ReviewedWithin(Condition):
    """The date at ``path`` is recent: on or after the as-of date minus the interval.

    With several intervals (config keys, intervals or refs), the shortest one recorded applies.
    """

    keyword: ClassVar[str] = "reviewed_within"
    path: str
    intervals: tuple[Any, ...] = attrs.field(converter=as_tuple)

    def bind(self, binder: Binder) -> Bound:
        info = binder.path(self.path)
        get = getter(info)
        getters, reads, keys = interval_sources(binder, self.intervals)

        def due_date(o: Any, e: Env) -> date | None:
            last = get(o, e)
            if last is None:
                return None
            best: date | None = None
            for g in getters:
                iv = g(o, e)
                if iv is not None:
                    d = due(last, iv.months, iv.days)
                    if best is None or d < best:
                        best = d
            return best

        def fn(o: Any, e: Env) -> Tri:
            d = due_date(o, e)
            return None if d is None else e.as_of <= d

        def trace(o: Any, e: Env) -> Trace:
            last, d = get(o, e), due_date(o, e)
            outcome = fn(o, e)
            if d is None:
                hint = f"record {self.path}"
            elif outcome:
                hint = f"next due {d.isoformat()}"
            else:
                hint = f"overdue by {(e.as_of - d).days} days since {d.isoformat()}; review it"
            return Trace(
                node=f"{self.path} is recent",
                outcome=outcome,
                path=self.path,
                actual=show(last) if last is not None else "not recorded",
                expected=_window(o, e, getters) if last is not None else "a date",
                hint=hint,
            )

        return Bound(
            condition=self,
            fn=fn,
            reads=reads_of(info) | reads,
            trace=trace,
            uses_as_of=True,
            config_keys=keys,
        )

    def to_data(self) -> dict[str, Any]:
        sources = [interval_data(s) for s in self.intervals]
        return {self.keyword: {"path": self.path, "interval": sources}}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(body, where, cls.keyword, required=("path", "interval"))
        raw = fields["interval"]
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise reader.refuse(f"{where}.interval", "give at least one interval")
        return cls(
            reader.path(fields["path"], f"{where}.path"),
            tuple(reader.interval(v, f"{where}.interval") for v in items),
        )


@attrs.frozen
class Before(Condition):
    """The date at ``path`` is on or before the date at ``other`` (plus an optional slack)."""

    keyword: ClassVar[str] = "before"
    path: str
    other: str
    slack: Any = None

    def bind(self, binder: Binder) -> Bound:
        a, b = binder.path(self.path), binder.path(self.other)
        ga, gb = getter(a), getter(b)
        slack_getters, reads, keys = (
            interval_sources(binder, (self.slack,))
            if self.slack is not None
            else ([], frozenset(), frozenset())
        )
        sg = slack_getters[0] if slack_getters else None

        def limit(o: Any, e: Env) -> date | None:
            d: date | None = gb(o, e)
            if d is None or sg is None:
                return d
            iv = sg(o, e)
            return d if iv is None else due(d, iv.months, iv.days)

        def fn(o: Any, e: Env) -> Tri:
            x, y = ga(o, e), limit(o, e)
            if x is None or y is None:
                return None
            return bool(x <= y)

        def trace(o: Any, e: Env) -> Trace:
            x, y = ga(o, e), limit(o, e)
            slack = ""
            if self.slack is not None and sg is not None:
                iv = sg(o, e)
                slack = f" + {iv}" if iv is not None else ""
            other = gb(o, e)
            return Trace(
                node=f"{self.path} is on or before {self.other}{slack}",
                outcome=fn(o, e),
                path=self.path,
                actual=show(x) if x is not None else "not recorded",
                expected=(
                    f"on or before {show(y)} ({self.other} {show(other)}{slack})"
                    if y is not None
                    else f"a date to compare with {self.other} (not recorded)"
                ),
                hint=f"{self.path} must not be later than {self.other}{slack}",
            )

        return Bound(
            condition=self, fn=fn, reads=reads_of(a, b) | reads, trace=trace, config_keys=keys
        )

    def to_data(self) -> dict[str, Any]:
        body: dict[str, Any] = {"path": self.path, "other": self.other}
        if self.slack is not None:
            body["slack"] = interval_data(self.slack)
        return {self.keyword: body}

    @classmethod
    def from_data(cls, body: Any, reader: DataReader, where: str, depth: int) -> Condition:
        fields = reader.fields(
            body, where, cls.keyword, required=("path", "other"), optional=("slack",)
        )
        slack = reader.interval(fields["slack"], f"{where}.slack") if "slack" in fields else None
        return cls(
            reader.path(fields["path"], f"{where}.path"),
            reader.path(fields["other"], f"{where}.other"),
            slack,
        )
