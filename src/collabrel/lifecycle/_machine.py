"""The one place that imports ``transitions``: it runs the transition table behind our API.

The machine is built once, from :data:`TRANSITIONS`, and never per relationship. Domain objects
are frozen and slotted, so the machine drives a private, plain cursor object; its errors are
translated into :class:`TransitionNotAllowedError`.
"""

from __future__ import annotations

from functools import cache

from transitions import Machine, MachineError

from collabrel._stages import Stage
from collabrel.errors import TransitionNotAllowedError
from collabrel.lifecycle._table import TRANSITIONS, Transition, transitions_from

__all__ = ["resolve"]


class _Cursor:
    """A plain object the machine can bind its methods to (never exposed)."""

    state: str


@cache
def _machine() -> Machine:
    machine = Machine(
        model=None,
        states=[s.slug for s in Stage],
        initial=Stage.CANDIDATE.slug,
        auto_transitions=False,
    )
    for t in TRANSITIONS:
        machine.add_transition(t.name, t.source.slug, t.dest.slug)
    return machine


def resolve(relationship_id: str, stage: Stage, name: str) -> Transition:
    """Return the transition *name* from *stage*, as the machine runs it.

    Raises:
        TransitionNotAllowedError: naming the transitions allowed from *stage*.
    """
    machine = _machine()
    cursor = _Cursor()
    machine.add_model(cursor, initial=stage.slug)
    try:
        # a name that is no trigger at all goes through the machine's own refusal
        trigger = name if isinstance(name, str) and name.isidentifier() else "-"
        getattr(cursor, "trigger")(trigger)  # noqa: B009 - bound by the machine at run time
        dest = Stage.parse(cursor.state)
    except (MachineError, AttributeError):
        allowed = tuple(t.name for t in transitions_from(stage))
        shown = ", ".join(allowed) or "none: it is closed"
        raise TransitionNotAllowedError(
            f"relationship {relationship_id!r} is at {stage}; {name!r:.60} is not allowed from "
            f"there. Allowed: {shown}",
            relationship_id=relationship_id,
            current=stage.slug,
            requested=str(name)[:60],
            allowed=allowed,
        ) from None
    finally:
        machine.remove_model(cursor)
    for t in transitions_from(stage):
        if t.name == name and t.dest is dest:
            return t
    msg = f"the machine and the transition table disagree on {name!r} from {stage}"
    raise AssertionError(msg)  # pragma: no cover - both are built from TRANSITIONS
