"""The maturity matrix: themes x stages with descriptors, and the levels 1-5 (catalog §5)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from collabrel._io import read_document
from collabrel.errors import LoadError, Problem

__all__ = [
    "MaturityLevel",
    "MaturityMatrix",
    "Theme",
    "default_matrix",
    "load_matrix",
    "matrix_from_data",
]

STAGES = tuple(range(1, 9))


@attrs.frozen(kw_only=True)
class MaturityLevel:
    """A maturity level (reading B of Annex D)."""

    level: int
    """Its number, from 1."""
    name: str
    """Its name, such as ``Defined``."""
    descriptor: str
    """What it looks like."""
    evidence: str = ""
    """What it means in terms of rule verdicts."""


@attrs.frozen(kw_only=True)
class Theme:
    """A theme of the matrix (by default one of the twelve ISO/TR 44000 principles)."""

    key: str
    """A short key, such as ``p12``."""
    name: str
    """Its name."""
    tag: str | None = None
    """The rule tag whose rules evidence it (``iso44003:p12``); ``None`` for perception only."""
    cells: Mapping[int, str] = attrs.field(factory=dict)
    """What maturity looks like at each stage 1-8, in words."""


@attrs.frozen(kw_only=True)
class MaturityMatrix:
    """Annex D as data: themes x stages 1-8, each cell a descriptor, and the levels.

    Build one with :func:`default_matrix`, :func:`load_matrix` (your own file) or
    :func:`matrix_from_data`; every way validates it.
    """

    name: str
    """The matrix's name."""
    themes: tuple[Theme, ...]
    """Its themes, in order."""
    levels: tuple[MaturityLevel, ...]
    """Its levels, numbered 1..n."""
    description: str = ""
    """Where it comes from."""

    @property
    def theme_keys(self) -> tuple[str, ...]:
        """The theme keys, in order."""
        return tuple(t.key for t in self.themes)

    @property
    def max_level(self) -> int:
        """The highest level."""
        return len(self.levels)

    def theme(self, key: str) -> Theme:
        """Return the theme with *key*.

        Raises:
            LookupError: naming the known keys.
        """
        for t in self.themes:
            if t.key == key:
                return t
        msg = f"no theme {key!r} in {self.name!r}; themes: {', '.join(self.theme_keys)}"
        raise LookupError(msg)

    def level(self, number: int) -> MaturityLevel:
        """Return level *number*."""
        return self.levels[number - 1]

    def cell(self, theme: str, stage: int) -> str:
        """Return the descriptor of *theme* at *stage* (empty when none is given)."""
        return self.theme(theme).cells.get(stage, "")

    def rows(self) -> list[dict[str, object]]:
        """One dictionary per theme with its descriptor at each stage."""
        return [
            {"key": t.key, "theme": t.name, **{f"S{s}": t.cells.get(s, "") for s in STAGES}}
            for t in self.themes
        ]

    def _repr_html_(self) -> str:
        head = "".join(f"<th>S{s}</th>" for s in STAGES)
        body = "".join(
            f"<tr><th>{html.escape(t.name)}</th>"
            + "".join(f"<td>{html.escape(t.cells.get(s, ''))}</td>" for s in STAGES)
            + "</tr>"
            for t in self.themes
        )
        levels = "; ".join(f"{lv.level} {html.escape(lv.name)}" for lv in self.levels)
        return (
            f"<table><caption>{html.escape(self.name)} (levels: {levels})</caption>"
            f"<tr><th>Theme</th>{head}</tr>{body}</table>"
        )


def _unknown_keys(data: Mapping[str, Any], where: str, known: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(path=f"{where}.{k}", message=f"unknown key {k!r}", hint=f"use {', '.join(known)}")
        for k in data
        if k not in known
    ]


def _text(data: Mapping[str, Any], key: str, where: str, problems: list[Problem]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(path=f"{where}.{key}", message=f"{key} must be a non-empty text"))
        return ""
    return value


def matrix_from_data(data: Any, *, source: str = "<data>") -> MaturityMatrix:
    """Return the matrix described by plain *data* (the format of the default matrix file).

    Raises:
        LoadError: listing every problem with its path (an unknown key, a stage outside 1-8,
            levels not numbered 1..n, a duplicate theme); nothing is kept.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise LoadError([Problem(path="$", message="a maturity matrix is a mapping with "
                                 "'name', 'levels' and 'themes'")], source=source)  # fmt: skip
    problems += _unknown_keys(data, "$", ("name", "description", "levels", "themes"))
    levels = _levels(data.get("levels"), problems)
    themes = _themes(data.get("themes"), problems)
    name = _text(data, "name", "$", problems)
    if problems:
        raise LoadError(problems, source=source)
    return MaturityMatrix(
        name=name, themes=themes, levels=levels, description=str(data.get("description", ""))
    )


def _levels(raw: Any, problems: list[Problem]) -> tuple[MaturityLevel, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(path="$.levels", message="levels must be a non-empty list"))
        return ()
    out = []
    for i, item in enumerate(raw):
        where = f"$.levels[{i}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(path=where, message="a level is a mapping"))
            continue
        number = item.get("level")
        if number != i + 1 or isinstance(number, bool):
            problems.append(Problem(path=f"{where}.level",
                                    message=f"level {number!r} out of range: levels are "
                                    f"numbered 1..{len(raw)} in order",
                                    hint=f"write level: {i + 1}"))  # fmt: skip
            continue
        problems += _unknown_keys(item, where, ("level", "name", "descriptor", "evidence"))
        out.append(MaturityLevel(level=i + 1, name=_text(item, "name", where, problems),
                         descriptor=_text(item, "descriptor", where, problems),
                         evidence=str(item.get("evidence", ""))))  # fmt: skip
    return tuple(out)


def _themes(raw: Any, problems: list[Problem]) -> tuple[Theme, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(path="$.themes", message="themes must be a non-empty list"))
        return ()
    out: list[Theme] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"$.themes[{i}]"
        if not isinstance(item, Mapping):
            problems.append(Problem(path=where, message="a theme is a mapping"))
            continue
        key = _text(item, "key", where, problems)
        if key in seen:
            problems.append(Problem(path=f"{where}.key", message=f"duplicate theme {key!r}"))
        seen.add(key)
        problems += _unknown_keys(item, where, ("key", "name", "tag", "cells"))
        cells: dict[int, str] = {}
        raw_cells = item.get("cells", {})
        if not isinstance(raw_cells, Mapping):
            problems.append(Problem(path=f"{where}.cells", message="cells map stages to text"))
            raw_cells = {}
        for stage, text in raw_cells.items():
            number = int(stage) if str(stage).isdigit() else None
            if number not in STAGES:
                problems.append(Problem(path=f"{where}.cells.{stage}",
                                        message=f"stage {stage!r} out of range",
                                        hint="cells are keyed by stage 1 to 8"))  # fmt: skip
                continue
            if not isinstance(text, str):
                problems.append(Problem(path=f"{where}.cells.{stage}", message="a cell is text"))
                continue
            cells[number] = text
        tag = item.get("tag")
        out.append(Theme(key=key, name=_text(item, "name", where, problems),
                         tag=tag if isinstance(tag, str) else None, cells=cells))  # fmt: skip
    return tuple(out)


def load_matrix(source: str | Path) -> MaturityMatrix:
    """Load a custom maturity matrix from a YAML, JSON or TOML file (or its text).

    Raises:
        LoadError: listing every problem with its path.
    """
    data, name = read_document(source)
    return matrix_from_data(data, source=name)


@cache
def default_matrix() -> MaturityMatrix:
    """Return the default matrix: the twelve principles x stages 1-8, levels 1-5."""
    path = Path(str(resources.files("collabrel") / "_data" / "maturity_matrix.json"))
    return load_matrix(path)
