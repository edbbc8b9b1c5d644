"""The lifecycle positions of a relationship: candidate, the eight stages of clause 8, closed."""

from __future__ import annotations

import difflib
import enum

__all__ = ["Phase", "Stage"]


class Phase(enum.Enum):
    """The three phases BS 11000 grouped the eight stages into."""

    STRATEGY = "strategy"
    """Stages 1-3: internal to the organization."""
    ENGAGEMENT = "engagement"
    """Stages 4-6: selecting the partner and setting up the joint work."""
    MANAGEMENT = "management"
    """Stages 7-8: running the relationship and exiting it."""

    @property
    def label(self) -> str:
        """A display name."""
        return self.value.capitalize()


_LABELS = {
    0: "Candidate",
    1: "Operational awareness",
    2: "Knowledge",
    3: "Internal assessment",
    4: "Partner selection",
    5: "Working together",
    6: "Value creation",
    7: "Staying together",
    8: "Exit strategy activation",
    9: "Closed (exited)",
    10: "Closed (not pursued)",
    11: "Closed (no partner)",
}


class Stage(enum.IntEnum):
    """Where a relationship is in the clause 8 lifecycle.

    The eight stages have the numbers 1-8. ``CANDIDATE`` is a relationship not yet in stage 1
    (an opportunity under consideration); the three ``CLOSED_*`` members are the endings.
    Comparisons between stage numbers (``stage >= Stage.WORKING_TOGETHER``) are meaningful
    for the eight stages; use :attr:`is_closed` before comparing a closed relationship.
    """

    CANDIDATE = 0
    OPERATIONAL_AWARENESS = 1
    KNOWLEDGE = 2
    INTERNAL_ASSESSMENT = 3
    PARTNER_SELECTION = 4
    WORKING_TOGETHER = 5
    VALUE_CREATION = 6
    STAYING_TOGETHER = 7
    EXIT_STRATEGY_ACTIVATION = 8
    CLOSED_EXITED = 9
    CLOSED_NOT_PURSUED = 10
    CLOSED_NO_PARTNER = 11

    @property
    def label(self) -> str:
        """A display name, such as ``"Working together"``."""
        return _LABELS[self.value]

    @property
    def number(self) -> int | None:
        """The clause 8 stage number 1-8, or ``None`` for candidate and closed."""
        return int(self) if 1 <= self <= 8 else None  # noqa: PLR2004 - stage numbers

    @property
    def is_closed(self) -> bool:
        """Whether this is one of the three endings."""
        return self >= Stage.CLOSED_EXITED

    @property
    def phase(self) -> Phase | None:
        """The BS 11000 phase of a stage 1-8, ``None`` otherwise."""
        n = self.number
        if n is None:
            return None
        if n <= 3:  # noqa: PLR2004 - stage numbers
            return Phase.STRATEGY
        if n <= 6:  # noqa: PLR2004 - stage numbers
            return Phase.ENGAGEMENT
        return Phase.MANAGEMENT

    @property
    def slug(self) -> str:
        """The lower-case name used in documents, such as ``"working_together"``."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: object) -> Stage:
        """Return the stage for a member, a number 0-11, or a name such as ``"knowledge"``.

        Raises:
            ValueError: with the accepted spellings, for anything else.
        """
        if isinstance(value, Stage):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 11:  # noqa: PLR2004
            return cls(value)
        if isinstance(value, str):
            key = value.strip().upper().replace(" ", "_").replace("-", "_")
            if key.isdigit():
                return cls.parse(int(key))
            if key in cls.__members__:
                return cls[key]
        names = ", ".join(m.slug for m in cls)
        close = closest_slug(value)
        hint = f" (did you mean {close!r}?)" if close is not None else ""
        msg = f"unknown stage {value!r:.60}{hint}; use a number 1-8 or one of: {names}"
        raise ValueError(msg)

    def __str__(self) -> str:
        n = self.number
        return f"stage {n} ({self.label})" if n is not None else self.label


def to_stage(value: object) -> Stage:
    """Return :meth:`Stage.parse` of *value*: a plain function, usable as an attrs converter."""
    return Stage.parse(value)


def closest_slug(value: object) -> str | None:
    """The stage name closest to *value* (a misspelt or cut-short name), or ``None``.

    A text that begins exactly one stage name gets that name (``"Workin"``); otherwise the
    closest whole name (``"knowlege"``), and then the name whose beginning is closest
    (``"workng"``), for texts of five letters or more.
    """
    if not isinstance(value, str):
        return None
    key = value.strip().lower().replace(" ", "_").replace("-", "_")[:60]
    if not key:
        return None
    slugs = [stage.slug for stage in Stage]
    starting = [slug for slug in slugs if slug.startswith(key)]
    if len(starting) == 1:
        return starting[0]
    close = difflib.get_close_matches(key, slugs, n=1)
    if close:
        return close[0]
    if len(key) < _MIN_HEAD:  # a few letters match too many beginnings by chance
        return None
    heads: dict[str, list[str]] = {}
    for slug in slugs:
        heads.setdefault(slug[: len(key)], []).append(slug)
    unique = [head for head, names in heads.items() if len(names) == 1]
    close = difflib.get_close_matches(key, unique, n=1)
    return heads[close[0]][0] if close else None


_MIN_HEAD = 5
