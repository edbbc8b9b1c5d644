"""The relationship lifecycle of ISO 44001 clause 8: stages, transitions, gates and diagrams.

The transition table is data (:data:`TRANSITIONS`); a :class:`Lifecycle` walks a relationship
through it and refuses a stage change whose gate (the rules of the stage being left) does not
pass, with the findings that block it.

Example:
    >>> from datetime import date
    >>> import collabrel
    >>> from collabrel.lifecycle import Lifecycle, Stage
    >>> portfolio = collabrel.example_portfolio()
    >>> rel = portfolio.relationship("rel-aldermoor")
    >>> rel.stage is Stage.KNOWLEDGE
    True
    >>> Lifecycle.allowed(rel)
    ('advance', 'revise', 'withdraw')
"""

from __future__ import annotations

from collabrel._public import publish
from collabrel._stages import Phase, Stage
from collabrel.lifecycle._diagram import Diagram, diagram
from collabrel.lifecycle._gates import GateCheck, Lifecycle
from collabrel.lifecycle._table import TRANSITIONS, Move, Transition, transitions_from

__all__ = [
    "TRANSITIONS",
    "Diagram",
    "GateCheck",
    "Lifecycle",
    "Move",
    "Phase",
    "Stage",
    "Transition",
    "diagram",
    "transitions_from",
]

publish(__name__, globals())
