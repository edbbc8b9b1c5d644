"""Configuration: review intervals and thresholds (catalog §0.4), separate from the rules.

ISO 44001 asks for reviews "at planned intervals" and gives no numbers; these are library
defaults, each with a reason, that an organization overrides without touching a rule.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import attrs

from collabrel._dates import CalendarInterval, days, months
from collabrel.errors import ConfigError

__all__ = ["Config", "ReviewIntervals"]


def _interval(default: CalendarInterval, doc: str) -> Any:
    del doc  # the docstring below the field carries it; kept here for the reader
    return attrs.field(default=default, converter=CalendarInterval.parse)


def _fraction(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"expected a fraction between 0 and 1 such as 0.8; got {value!r}")
    if not 0 <= value <= 1:
        raise ConfigError(f"expected a fraction between 0 and 1 such as 0.8; got {value!r}")
    return float(value)


@attrs.frozen(kw_only=True)
class ReviewIntervals:
    """How often each periodic review is due (catalog §0.4)."""

    context: CalendarInterval = _interval(months(12), "4.1, 4.2, 6.3.1")
    """Context analysis, stakeholder register and segmentation (4.1, 4.2, 6.3.1): annual."""
    policy: CalendarInterval = _interval(months(12), "5.2")
    """Collaborative business relationship policy (5.2): annual management review."""
    objectives_corporate: CalendarInterval = _interval(months(12), "6.2")
    """Corporate objectives (6.2): annual planning."""
    risk_corporate: CalendarInterval = _interval(months(12), "6.1")
    """Corporate risk register (6.1): annual."""
    risk_relationship: CalendarInterval = _interval(months(3), "8.3.6")
    """Relationship risk register (8.3.6): quarterly, Gartner's 3-6 month look-ahead."""
    risk_joint: CalendarInterval = _interval(months(3), "8.6.4")
    """Joint risk register (8.6.4): quarterly joint reviews are common."""
    competence: CalendarInterval = _interval(months(12), "7.2, 7.5.4")
    """Competence records (7.2, 7.5.4): annual appraisal cycle."""
    corporate_rmp: CalendarInterval = _interval(months(12), "7.5.5")
    """Corporate RMP (7.5.5): annual, and after every exit evaluation."""
    rmp: CalendarInterval = _interval(months(12), "8.2.9")
    """Relationship RMP (8.2.9): at each gate and at least annually."""
    joint_rmp: CalendarInterval = _interval(months(6), "8.8.10")
    """Joint RMP (8.8.10): the joint steady-state cadence."""
    exit_strategy: CalendarInterval = _interval(months(12), "8.8.9")
    """Joint exit strategy (8.8.9): annually or on significant change."""
    collaborative_profile: CalendarInterval = _interval(months(12), "8.4.4")
    """Collaborative profile (8.4.4): ICW's maturity assessment is repeated yearly."""


@attrs.frozen(kw_only=True)
class Config:
    """Parameters of the built-in rules: intervals and thresholds, overridable.

    Example:
        >>> from collabrel import Config, months
        >>> cfg = Config().with_overrides({"review.joint_rmp": months(3)})
        >>> str(cfg.interval("review.joint_rmp"))
        '3 months'
    """

    review: ReviewIntervals = attrs.field(factory=ReviewIntervals)
    """Review intervals of the periodic requirements."""
    ser_review: CalendarInterval = _interval(months(6), "8.8.2")
    """SER oversight of a relationship (8.8.2): executive rhythm."""
    jmt_cadence: CalendarInterval = _interval(months(1), "8.8.3")
    """Joint management team meetings (8.8.3): monthly."""
    trust_survey: CalendarInterval = _interval(months(6), "8.8.4")
    """Trust and behaviour measurement (8.8.4): twice-yearly health check."""
    audit_cycle: CalendarInterval = _interval(months(12), "9.2")
    """Internal audit covers clauses 4-10 within this cycle (9.2)."""
    mr_interval: CalendarInterval = _interval(months(12), "9.3")
    """Management review (9.3): annual."""
    exit_eval_due: CalendarInterval = _interval(days(90), "9.1.2")
    """Exit evaluation after closure (9.1.2): while memory is fresh."""
    nc_max_open: CalendarInterval = _interval(days(90), "10.1")
    """Longest a nonconformity may stay open (10.1)."""
    value_period: CalendarInterval = _interval(months(6), "8.7.2, 8.7.4, 8.8.5")
    """Value creation must show activity within this period (8.7.2, 8.7.4, 8.8.5)."""
    disengage_plan_days: CalendarInterval = _interval(days(30), "8.9.2")
    """Disengagement plan agreed within this time of exit activation (8.9.2)."""
    improvement_period: CalendarInterval = _interval(months(12), "10.2")
    """At least one implemented improvement per period (10.2)."""
    communication_period: CalendarInterval = _interval(months(12), "5.1")
    """Top management communicates on collaboration within this period (5.1)."""
    risk_threshold: int = attrs.field(default=6)
    """Risk rating (likelihood x impact, 1-25) from which an item needs an owner and response
    (6.1); 6 is the bottom of 'medium' on a 5 x 5 matrix."""
    awareness_coverage: float = attrs.field(default=1.0, converter=_fraction)
    """Share of relationship-team members with an awareness record (7.3)."""
    action_closure: float = attrs.field(default=0.8, converter=_fraction)
    """Share of JMT actions closed by their due date (8.8.3)."""
    trust_drop: float = attrs.field(default=0.10, converter=_fraction)
    """Fall between two trust measurements that needs a corrective action (8.8.4)."""

    @risk_threshold.validator
    def _check_threshold(self, _: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 25:  # noqa: PLR2004
            raise ConfigError(
                f"risk_threshold must be a rating from 1 to 25 (likelihood x impact); got {value!r}"
            )

    def interval(self, key: str) -> CalendarInterval:
        """Return the interval named by a dotted *key* such as ``"review.context"``.

        Raises:
            ConfigError: when no interval has that key (with the known keys).
        """
        value = self.get(key)
        if not isinstance(value, CalendarInterval):
            raise ConfigError(f"config key {key!r} is not an interval; intervals: {_keys()}")
        return value

    def get(self, key: str) -> Any:
        """Return the value of a dotted *key* such as ``"review.context"`` or ``"trust_drop"``.

        Raises:
            ConfigError: when the key does not exist.
        """
        try:
            path = _PATHS.get(key)
        except TypeError:  # an unhashable key is no key either
            path = None
        if path is None:
            raise ConfigError(_unknown(key))
        node: Any = self
        for part in path:
            node = getattr(node, part)
        return node

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """Return a copy with dotted keys replaced, validated like the defaults.

        Raises:
            ConfigError: on an unknown key or an invalid value; nothing is applied then.
        """
        grouped: dict[str, Any] = {}
        review: dict[str, Any] = {}
        for key, value in overrides.items():
            self.get(key)  # raises on an unknown key
            head, _, rest = key.partition(".")
            if head == "review" and rest:
                review[rest] = value
            else:
                grouped[head] = value
        try:
            if review:
                grouped["review"] = attrs.evolve(self.review, **review)
            return attrs.evolve(self, **grouped)
        except ConfigError as exc:
            raise ConfigError(f"invalid override: {exc}") from exc

    def to_mapping(self) -> dict[str, Any]:
        """Return every key and value, flattened to dotted keys."""
        out: dict[str, Any] = {}
        for key, path in _PATHS.items():
            node: Any = self
            for part in path:
                node = getattr(node, part)
            out[key] = node
        return out


def _key_paths() -> dict[str, tuple[str, ...]]:
    paths: dict[str, tuple[str, ...]] = {}
    for f in attrs.fields(Config):
        if f.name == "review":
            paths.update(
                {f"review.{r.name}": ("review", r.name) for r in attrs.fields(ReviewIntervals)}
            )
        else:
            paths[f.name] = (f.name,)
    return paths


_PATHS = _key_paths()
"""Every dotted key and the attribute names leading to its value, computed once."""


def keys() -> list[str]:
    """Return every dotted config key."""
    return list(_PATHS)


def _unknown(key: str) -> str:
    known = list(_PATHS)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
    return f"unknown config key {key!r}; {hint}"


def _keys() -> str:
    return ", ".join(k for k in keys() if isinstance(Config().get(k), CalendarInterval))
