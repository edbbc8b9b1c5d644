"""The lifecycle's transition table, as data (catalog §1.15 and §0.5)."""

from __future__ import annotations

import enum

import attrs

from collabrel._stages import Stage

__all__ = ["TRANSITIONS", "Move", "Transition", "transitions_from"]


class Move(enum.Enum):
    """The kinds of stage change."""

    ADVANCE = "advance"
    """To the next stage, through the gate of the current one (or to closure from stage 8)."""
    REVISE = "revise"
    """Back to the previous stage, to revise its work (stages 2-4)."""
    WITHDRAW = "withdraw"
    """Stop: not pursued (candidate, stages 1-3) or no partner found (stage 4)."""
    ACTIVATE_EXIT = "activate_exit"
    """Exit strategy activation from stages 5-7 on a trigger of the agreed exit strategy."""
    RETROFIT = "retrofit"
    """Onboard an existing relationship at stage 4, 5 or 7, with back-filled evidence."""


@attrs.frozen
class Transition:
    """One allowed stage change."""

    move: Move
    """What kind of change it is."""
    source: Stage
    """The stage it leaves."""
    dest: Stage
    """The stage it enters."""
    gated: bool
    """Whether the rules of the source stage must pass first."""

    @property
    def name(self) -> str:
        """The trigger name, such as ``advance`` or ``retrofit_to_working_together``."""
        if self.move is Move.RETROFIT:
            return f"retrofit_to_{self.dest.slug}"
        return str(self.move.value)


def _build() -> tuple[Transition, ...]:
    s = Stage
    out = [Transition(Move.ADVANCE, s.CANDIDATE, s.OPERATIONAL_AWARENESS, gated=False)]
    out += [Transition(Move.ADVANCE, s(n), s(n + 1), gated=True) for n in range(1, 7)]
    out.append(Transition(Move.ADVANCE, s.EXIT_STRATEGY_ACTIVATION, s.CLOSED_EXITED, gated=True))
    out += [Transition(Move.REVISE, s(n), s(n - 1), gated=False) for n in (2, 3, 4)]
    out += [
        Transition(Move.WITHDRAW, src, s.CLOSED_NOT_PURSUED, gated=False)
        for src in (s.CANDIDATE, s.OPERATIONAL_AWARENESS, s.KNOWLEDGE, s.INTERNAL_ASSESSMENT)
    ]
    out.append(Transition(Move.WITHDRAW, s.PARTNER_SELECTION, s.CLOSED_NO_PARTNER, gated=False))
    out += [
        Transition(Move.ACTIVATE_EXIT, src, s.EXIT_STRATEGY_ACTIVATION, gated=False)
        for src in (s.WORKING_TOGETHER, s.VALUE_CREATION, s.STAYING_TOGETHER)
    ]
    out += [
        Transition(Move.RETROFIT, s.CANDIDATE, dest, gated=False)
        for dest in (s.PARTNER_SELECTION, s.WORKING_TOGETHER, s.STAYING_TOGETHER)
    ]
    return tuple(out)


TRANSITIONS: tuple[Transition, ...] = _build()
"""Every allowed stage change. Closed stages have none: they are terminal."""


def transitions_from(stage: Stage) -> tuple[Transition, ...]:
    """Return the transitions allowed from *stage*."""
    return tuple(t for t in TRANSITIONS if t.source is stage)
