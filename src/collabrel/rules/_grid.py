"""The verdicts of a session's relationships, one byte per (relationship, rule).

The codes live in one ``bytearray``, a row of ``width`` bytes per relationship, so that:

* a relationship's row is one slice (evaluation and updates work row by row);
* a rule's column is one strided slice (``codes[i::width]``), read and written in C: a
  change of the organization that settles a rule for every relationship at once costs a
  ``bytes.translate`` of the stage column, not a loop over 100,000 rows.

Each relationship has a position; removing one moves the last relationship into its place,
so the rows stay dense. Beside the codes the grid keeps, by position, the relationship id,
the relationship value and its stage code (the stage number, or :data:`OUT_OF_SCOPE`), which
is what a column-wide refresh needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["OUT_OF_SCOPE", "Grid", "stage_table"]

OUT_OF_SCOPE = 255
"""The stage code of a relationship outside the CBRMS scope: no relationship rule applies."""


class Grid:
    """The verdict codes of every relationship, row-major, with each position's facts."""

    __slots__ = ("codes", "ids", "pos", "rels", "stages", "width")

    def __init__(self, width: int) -> None:
        self.width = width
        """The number of relationship rules (bytes per row)."""
        self.codes = bytearray()
        """The verdict codes: the row of position k is ``codes[k * width:(k + 1) * width]``."""
        self.pos: dict[str, int] = {}
        """Relationship id -> position."""
        self.ids: list[str] = []
        """Position -> relationship id."""
        self.rels: list[Any] = []
        """Position -> the relationship value the row was evaluated on."""
        self.stages = bytearray()
        """Position -> stage code (the stage's number, :data:`OUT_OF_SCOPE` outside scope)."""

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, rid: object) -> bool:
        return rid in self.pos

    def append(self, rid: str, rel: Any, row: bytes | bytearray, stage: int) -> None:
        """Add relationship *rid* at the end with its *row* of codes."""
        self.pos[rid] = len(self.ids)
        self.ids.append(rid)
        self.rels.append(rel)
        self.stages.append(stage)
        self.codes += row

    def remove(self, rid: str) -> bytearray:
        """Remove *rid*; return its row. The last relationship takes its position."""
        k = self.pos.pop(rid)
        w = self.width
        row = self.codes[k * w : (k + 1) * w]
        last = len(self.ids) - 1
        if k != last:
            moved = self.ids[last]
            self.pos[moved] = k
            self.ids[k] = moved
            self.rels[k] = self.rels[last]
            self.stages[k] = self.stages[last]
            self.codes[k * w : (k + 1) * w] = self.codes[last * w :]
        self.ids.pop()
        self.rels.pop()
        self.stages.pop()
        del self.codes[last * w :]
        return row

    def row(self, rid: str) -> bytearray:
        """A copy of the row of *rid* (``KeyError`` when there is none)."""
        start = self.pos[rid] * self.width
        return self.codes[start : start + self.width]

    def put_row(self, rid: str, row: bytes | bytearray) -> None:
        """Replace the row of *rid*."""
        start = self.pos[rid] * self.width
        self.codes[start : start + self.width] = row

    def rows(self, order: Iterable[str]) -> Iterator[tuple[str, bytearray]]:
        """(id, a copy of its row) for each id of *order*."""
        codes, pos, w = self.codes, self.pos, self.width
        for rid in order:
            start = pos[rid] * w
            yield rid, codes[start : start + w]

    def column(self, i: int) -> bytearray:
        """A copy of rule *i*'s codes, by position."""
        return self.codes[i :: self.width]

    def put_column(self, i: int, column: bytes | bytearray) -> None:
        """Replace rule *i*'s codes (one per position)."""
        self.codes[i :: self.width] = column

    def count(self, code: int) -> int:
        """How many (relationship, rule) pairs have *code*."""
        return self.codes.count(code)


def stage_table(stages: frozenset[int], inside: int, outside: int) -> bytes:
    """A ``bytes.translate`` table mapping each stage code to *inside* or *outside*."""
    return bytes(inside if code in stages else outside for code in range(256))
