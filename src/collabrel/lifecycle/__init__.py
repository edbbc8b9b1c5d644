"""The relationship lifecycle of ISO 44001 clause 8: stages, phases and (later) the gates.

Example:
    >>> from collabrel.lifecycle import Stage
    >>> Stage.parse("value creation").label
    'Value creation'
"""

from __future__ import annotations

from collabrel.lifecycle._stages import Phase, Stage

__all__ = ["Phase", "Stage"]
