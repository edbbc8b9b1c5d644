"""Self-assessments bundled with the example portfolio (both parties of ``rel-rail-jv``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from collabrel._io import read_document
from collabrel.maturity._profiles import SelfAssessment, self_assessments_from_data

__all__ = ["example_self_assessments"]


@cache
def example_self_assessments() -> tuple[SelfAssessment, ...]:
    """Return six self-assessments of the example's rail joint venture, three per party."""
    path = Path(str(resources.files("collabrel") / "_data" / "example_self_assessments.json"))
    data, name = read_document(path)
    return self_assessments_from_data(data, source=name)
