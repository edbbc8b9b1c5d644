"""The bundled example portfolio: an engineering firm and its relationships."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from collabrel._io import load
from collabrel._model import Portfolio

__all__ = ["example_path", "example_portfolio"]


def example_path() -> Path:
    """Return the path of the bundled example portfolio (YAML)."""
    return Path(str(resources.files("collabrel") / "_data" / "example_portfolio.yaml"))


@cache
def _load() -> Portfolio:
    return load(example_path())


def example_portfolio() -> Portfolio:
    """Return the bundled example portfolio: Northbridge Engineering Ltd and its relationships.

    It is used by ``collabrel demo``, the documentation and the tests. Loading it needs the
    ``yaml`` extra (PyYAML).
    """
    return _load()
