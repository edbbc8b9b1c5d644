"""Evidenced and perceived maturity, and the gaps between them (catalog §5.2)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

import attrs

from collabrel._dates import date_field, require_date
from collabrel._stages import Stage
from collabrel.errors import LoadError, Problem
from collabrel.maturity._matrix import MaturityMatrix, default_matrix
from collabrel.rules._findings import Finding, Verdict

__all__ = [
    "Gap",
    "GapReport",
    "Profile",
    "Respondent",
    "SelfAssessment",
    "ThemeLevel",
    "evidenced",
    "gaps",
    "perceived",
    "self_assessments_from_data",
    "target",
]

_NOT_MET = frozenset({Verdict.FAIL, Verdict.UNKNOWN, Verdict.ERROR})
_JOINT_FLAGS = ("J", "P")


@attrs.frozen(kw_only=True)
class ThemeLevel:
    """The maturity level of one theme, with what explains it."""

    theme: str
    """The theme key."""
    level: float | None
    """The level (a mean for perceived maturity), or ``None`` when nothing applies."""
    rules: tuple[str, ...] = ()
    """For evidenced maturity, the rules behind the level."""
    findings: tuple[Finding, ...] = ()
    """For evidenced maturity, the findings behind the level."""
    reason: str = ""
    """Why it is at this level, in a sentence."""

    @property
    def remedies(self) -> tuple[Finding, ...]:
        """The findings to act on to raise the level."""
        return tuple(f for f in self.findings if f.verdict in _NOT_MET)


@attrs.frozen(kw_only=True)
class Profile:
    """A maturity level per theme, for one subject, source and date."""

    subject: str
    """The relationship, the organization, or a party or role of a self-assessment."""
    source: str
    """``evidenced`` or ``perceived`` (with who, for the latter)."""
    as_of: date = date_field()
    """The date it describes."""
    levels: tuple[ThemeLevel, ...]
    """One entry per theme of the matrix."""

    def level(self, theme: str) -> float | None:
        """Return the level of *theme* (``None`` when not assessed)."""
        for t in self.levels:
            if t.theme == theme:
                return t.level
        msg = f"no theme {theme!r} in this profile"
        raise LookupError(msg)

    def as_dict(self) -> dict[str, float | None]:
        """The levels by theme key."""
        return {t.theme: t.level for t in self.levels}

    def __repr__(self) -> str:
        levels = ", ".join(f"{t.theme}={_level(t.level)}" for t in self.levels)
        return f"<Profile {self.source} of {self.subject} as of {self.as_of}: {levels}>"

    def _repr_html_(self) -> str:
        from collabrel._html import table

        names = _theme_names()
        rows = (
            (t.theme, names.get(t.theme, t.theme), _level(t.level), t.reason) for t in self.levels
        )
        caption = f"{self.source} maturity of {self.subject} as of {self.as_of}"
        return table(caption, ("theme", "name", "level", "why"), rows)

    def to_frame(self) -> Any:
        """One row per theme: key, name, level, reason, rules and findings to act on.

        The level is a float (``NaN`` when not assessed); the two counts are integers (for
        evidenced maturity).
        """
        from collabrel._frames import frame

        names = _theme_names()
        records = (
            {
                "theme": t.theme,
                "name": names.get(t.theme, t.theme),
                "level": t.level,
                "reason": t.reason,
                "rules": len(t.rules),
                "to_act_on": len(t.remedies),
            }
            for t in self.levels
        )
        return frame(
            records,
            ("theme", "name", "level", "reason", "rules", "to_act_on"),
            feature="Profile.to_frame()",
            floats=("level",),
            integers=("rules", "to_act_on"),
        )


def _level(level: float | None) -> str:
    """A level rounded for people: ``3``, ``2.7``, or ``-`` when not assessed."""
    return "-" if level is None else f"{round(level, 1):g}"


def _theme_names() -> dict[str, str]:
    return {t.key: t.name for t in default_matrix().themes}


class _Assessed(Protocol):
    """What maturity reads from an assessment."""

    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def as_of(self) -> date: ...


def _level_of(findings: Sequence[Finding], flags: Mapping[str, frozenset[str]]) -> tuple[int, str]:
    applicable = [f for f in findings if f.verdict is not Verdict.NOT_APPLICABLE]
    passed = [f for f in applicable if f.verdict is Verdict.PASS]
    if not passed:
        return 1, "no requirement of the theme is evidenced"
    if len(passed) < len(applicable):
        return 2, f"{len(passed)} of {len(applicable)} requirements evidenced"
    joint = [f for f in applicable if flags.get(f.rule_id, frozenset()) & set(_JOINT_FLAGS)]
    if not joint:
        return 3, "every requirement evidenced; none is joint or periodic yet"
    return 4, "every requirement evidenced, including the joint and periodic ones"


def evidenced(
    assessment: _Assessed,
    subject: str,
    *,
    organization_id: str | None = None,
    matrix: MaturityMatrix | None = None,
    stage: Stage | int | None = None,
    previous: Profile | None = None,
    flags: Mapping[str, frozenset[str]] | None = None,
) -> Profile:
    """Derive the maturity of *subject* per theme from the rule verdicts mapped to each theme.

    Levels (catalog §5.2): 1 nothing evidenced; 2 partly evidenced; 3 every applicable
    requirement evidenced; 4 the same, including joint (J) or periodic (P) requirements;
    5 level 4 now and in the *previous* profile (an improvement trend over two cycles).
    Organization findings count for every relationship (the corporate layer underpins it).
    With *stage*, only the rules of that stage count (one cell of the matrix).
    Each level carries the rules and findings that explain it.
    """
    matrix = matrix or default_matrix()
    flags = flags if flags is not None else _builtin_flags()
    wanted = {subject} | ({organization_id} if organization_id else set())
    stage_v = Stage(stage) if stage is not None else None
    mine = [
        f
        for f in assessment.findings
        if f.subject_id in wanted and (stage_v is None or f.stage is stage_v)
    ]
    out = []
    for theme in matrix.themes:
        related = [f for f in mine if theme.tag is not None and theme.tag in f.tags]
        if not [f for f in related if f.verdict is not Verdict.NOT_APPLICABLE]:
            out.append(
                ThemeLevel(
                    theme=theme.key,
                    level=None,
                    rules=tuple(dict.fromkeys(f.rule_id for f in related)),
                    findings=tuple(related),
                    reason="no requirement of the theme applies",
                )
            )
            continue
        level, reason = _level_of(related, flags)
        if level == 4 and previous is not None and previous.level(theme.key) == 4:  # noqa: PLR2004
            level, reason = 5, "joint and periodic requirements evidenced over two cycles"
        out.append(
            ThemeLevel(
                theme=theme.key,
                level=float(level),
                rules=tuple(dict.fromkeys(f.rule_id for f in related)),
                findings=tuple(related),
                reason=reason,
            )
        )
    return Profile(subject=subject, source="evidenced", as_of=assessment.as_of, levels=tuple(out))


def _builtin_flags() -> dict[str, frozenset[str]]:
    from collabrel.rules import default_ruleset

    return {s.id: frozenset(f.value for f in s.flags) for s in default_ruleset()}


# ------------------------------------------------------------------ perceived maturity


@attrs.frozen(kw_only=True)
class Respondent:
    """Someone who answered a self-assessment (``collabrel.Participant`` is another thing)."""

    name: str
    """Who."""
    party: str
    """The party they belong to."""
    role: str
    """Their role, such as ``ser`` or ``jmt_member``."""
    hierarchy_level: str = ""
    """Where they sit: ``executive``, ``management``, ``operational``..."""


@attrs.frozen(kw_only=True)
class SelfAssessment:
    """One participant's perceived maturity level per theme, for one relationship."""

    relationship_id: str
    """The relationship assessed."""
    participant: Respondent
    """Who answered."""
    assessed_on: date
    """When."""
    scores: Mapping[str, int]
    """The level given to each theme (by theme key)."""
    comments: str = ""
    """Anything they added."""


def self_assessments_from_data(
    data: Any, *, matrix: MaturityMatrix | None = None, source: str = "<data>"
) -> tuple[SelfAssessment, ...]:
    """Return self-assessments from plain data (a list, or a mapping with 'assessments').

    Raises:
        LoadError: for an unknown theme or a level outside the matrix's range, with the path.
    """
    matrix = matrix or default_matrix()
    items = data.get("assessments") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise LoadError(
            [Problem(path="$", message="expected a list of self-assessments")], source=source
        )
    problems: list[Problem] = []
    out = []
    for i, item in enumerate(items):
        where = f"$.assessments[{i}]"
        try:
            who = item["participant"]
            participant = Respondent(
                name=str(who["name"]),
                party=str(who["party"]),
                role=str(who["role"]),
                hierarchy_level=str(who.get("hierarchy_level", "")),
            )
            day = item["assessed_on"]
            assessed_on = day if isinstance(day, date) else date.fromisoformat(str(day))
            scores = dict(item["scores"])
            rel = str(item["relationship_id"])
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(
                Problem(
                    path=where,
                    message=f"incomplete self-assessment ({exc})",
                    hint="give relationship_id, participant (name, party, "
                    "role), assessed_on and scores",
                )
            )
            continue
        for key, level in scores.items():
            if key not in matrix.theme_keys:
                problems.append(
                    Problem(
                        path=f"{where}.scores.{key}",
                        message=f"unknown theme {key!r}",
                        hint=f"use one of {', '.join(matrix.theme_keys)}",
                    )
                )
            if (
                not isinstance(level, int)
                or isinstance(level, bool)
                or not (1 <= level <= matrix.max_level)
            ):
                problems.append(
                    Problem(
                        path=f"{where}.scores.{key}",
                        message=f"level {level!r} out of range",
                        hint=f"use a whole number from 1 to {matrix.max_level}",
                    )
                )
        out.append(
            SelfAssessment(
                relationship_id=rel,
                participant=participant,
                assessed_on=assessed_on,
                scores=scores,
                comments=str(item.get("comments", "")),
            )
        )
    if problems:
        raise LoadError(problems, source=source)
    return tuple(out)


def perceived(
    assessments: Iterable[SelfAssessment],
    *,
    by: str = "party",
    matrix: MaturityMatrix | None = None,
) -> dict[str, Profile]:
    """Aggregate self-assessments into one profile per party (``by="party"``) or per role.

    Each theme's level is the mean of the levels given; ``None`` when nobody scored it.
    """
    matrix = matrix or default_matrix()
    if by not in {"party", "role"}:
        msg = f"aggregate by 'party' or 'role', not {by!r}"
        raise ValueError(msg)
    groups: dict[str, list[SelfAssessment]] = {}
    for a in assessments:
        groups.setdefault(getattr(a.participant, by), []).append(a)
    out = {}
    for key, items in groups.items():
        levels = []
        for theme in matrix.theme_keys:
            given = [a.scores[theme] for a in items if theme in a.scores]
            levels.append(
                ThemeLevel(
                    theme=theme,
                    level=statistics.fmean(given) if given else None,
                    reason=f"mean of {len(given)} answers" if given else "not scored",
                )
            )
        out[key] = Profile(
            subject=key,
            source=f"perceived by {by} {key}",
            as_of=max(a.assessed_on for a in items),
            levels=tuple(levels),
        )
    return out


# ---------------------------------------------------------------------------- gaps


@attrs.frozen(kw_only=True)
class Gap:
    """The difference between two profiles on one theme."""

    theme: str
    """The theme key."""
    name: str
    """The theme's name."""
    left: float | None
    """The level in the first profile."""
    right: float | None
    """The level in the second profile."""
    drivers: tuple[Finding, ...] = ()
    """The findings to act on behind the theme (from an evidenced profile, if any)."""

    @property
    def difference(self) -> float | None:
        """``right - left``, or ``None`` when either is missing."""
        if self.left is None or self.right is None:
            return None
        return self.right - self.left


@attrs.frozen(kw_only=True)
class GapReport:
    """Gaps between two profiles (perceived vs evidenced, party vs party, then vs now...)."""

    left: str
    """What the first profile is."""
    right: str
    """What the second profile is."""
    gaps: tuple[Gap, ...]
    """One gap per theme, the largest disagreement first."""

    def largest(self, n: int = 3) -> tuple[Gap, ...]:
        """The *n* themes where the two profiles differ most."""
        return tuple(g for g in self.gaps if g.difference)[:n]

    def _repr_html_(self) -> str:
        from collabrel._html import table

        rows = (
            (
                g.theme,
                g.name,
                _level(g.left),
                _level(g.right),
                "" if g.difference is None else f"{g.difference:+.1f}",
            )
            for g in self.gaps
        )
        return table(
            f"{self.left} vs {self.right}", ("theme", "name", "left", "right", "gap"), rows
        )

    def to_frame(self) -> Any:
        """One row per theme, the largest disagreement first: levels and gap as floats."""
        from collabrel._frames import frame

        records = (
            {
                "theme": g.theme,
                "name": g.name,
                "left": g.left,
                "right": g.right,
                "difference": g.difference,
                "drivers": len(g.drivers),
            }
            for g in self.gaps
        )
        return frame(
            records,
            ("theme", "name", "left", "right", "difference", "drivers"),
            feature="GapReport.to_frame()",
            floats=("left", "right", "difference"),
            integers=("drivers",),
        )


def gaps(left: Profile, right: Profile, *, matrix: MaturityMatrix | None = None) -> GapReport:
    """Compare two profiles theme by theme, the largest absolute difference first.

    Use it for perceived vs evidenced, party vs party, an earlier date vs now, or a target
    (a profile built with :func:`target`) vs the current level.
    """
    matrix = matrix or default_matrix()
    out = []
    for theme in matrix.themes:
        a, b = left.level(theme.key), right.level(theme.key)
        drivers: tuple[Finding, ...] = ()
        for profile in (left, right):
            for t in profile.levels:
                if t.theme == theme.key:
                    drivers += t.remedies
        out.append(
            Gap(
                theme=theme.key,
                name=theme.name,
                left=a,
                right=b,
                drivers=tuple(dict.fromkeys(drivers)),
            )
        )
    out.sort(key=lambda g: -abs(g.difference) if g.difference is not None else 1.0)
    return GapReport(
        left=f"{left.source} ({left.subject})",
        right=f"{right.source} ({right.subject})",
        gaps=tuple(out),
    )


def target(
    levels: Mapping[str, int], *, as_of: date, matrix: MaturityMatrix | None = None
) -> Profile:
    """Return a target profile (the levels aimed at), to compare with :func:`gaps`.

    Raises:
        LookupError: for an unknown theme.
        ValueError: for a level outside the matrix's range.
        NotADateError: when *as_of* is not a date.
    """
    as_of = require_date(as_of, "as_of")
    matrix = matrix or default_matrix()
    for key, level in levels.items():
        matrix.theme(key)
        if not 1 <= level <= matrix.max_level:
            msg = f"target level {level} for {key!r} is out of range 1..{matrix.max_level}"
            raise ValueError(msg)
    return Profile(
        subject="target",
        source="target",
        as_of=as_of,
        levels=tuple(
            ThemeLevel(theme=k, level=float(levels[k]) if k in levels else None)
            for k in matrix.theme_keys
        ),
    )
