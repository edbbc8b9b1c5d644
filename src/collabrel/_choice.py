"""The one base class of collabrel's text-valued enumerations."""

from __future__ import annotations

import enum

__all__ = ["Choice"]


class Choice(enum.StrEnum):
    """An enumeration whose values are the words documents use (``"working_together"``, ``"ORG"``).

    Members compare equal to their value, print as their value, and have a display ``label``:
    the value with spaces for underscores, capitalized unless it is an acronym (``"ORG"``).
    """

    @property
    def label(self) -> str:
        """A display name."""
        text = str(self.value).replace("_", " ")
        return text if text.isupper() else text.capitalize()

    def __str__(self) -> str:
        return str(self.value)
