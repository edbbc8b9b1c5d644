"""JSON Lines records: the header, reading one line at a time, and problems of a record.

A JSON Lines portfolio (``.jsonl``) is one JSON value per line::

    {"collabrel": "portfolio", "version": 1}
    {"id": "northbridge", "name": "Northbridge Engineering Ltd", ...}
    {"id": "rel-1", "name": "Signalling JV", ...}
    {"id": "rel-2", ...}

The first line is the header, the second the organization, every further line one
relationship. A shard (``{"collabrel": "relationships", "version": 1}``) holds relationships
only; a folder of shards holds ``organization.json`` and the shards (``*.jsonl``, read in the
order of their names). Blank lines are skipped; line numbers count every line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import attrs

from collabrel._io._limits import Limits, limits_error
from collabrel._io._parse import decode_json
from collabrel.errors import LoadError, Problem

__all__ = [
    "HEADER_KEY",
    "JSONL_VERSION",
    "PORTFOLIO",
    "RELATIONSHIPS",
    "Record",
    "Sink",
    "file_records",
    "header",
    "not_listed",
    "relocate",
    "text_records",
]

HEADER_KEY = "collabrel"
JSONL_VERSION = 1
"""The version of the JSON Lines portfolio format this collabrel reads and writes."""
PORTFOLIO = "portfolio"
RELATIONSHIPS = "relationships"


class Record(NamedTuple):
    """One non-blank line of a JSON Lines file."""

    line: int
    text: str


def file_records(path: Path, limits: Limits) -> Iterator[Record]:
    """Yield the non-blank lines of *path*, refusing a line longer than the byte limit."""
    name = str(path)
    if not path.is_file():
        raise limits_error(f"no such file: {path}", name, hint="check the path")
    # records are tens of kilobytes: a buffer of many records saves most of readline's work
    with path.open("rb", buffering=_BUFFER) as stream:
        yield from _stream_records(stream, name, limits)


_BUFFER = 1 << 20


def _stream_records(stream: BinaryIO, name: str, limits: Limits) -> Iterator[Record]:
    number = 0
    while True:
        raw = stream.readline(limits.max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limits.max_bytes and not raw.endswith(b"\n"):
            raise LoadError(
                [
                    Problem(
                        path="$",
                        message=f"the record is longer than {limits.max_bytes} bytes",
                        hint="raise Limits.max_bytes if the file is trusted",
                        line=number,
                    )
                ],
                source=name,
            )
        if raw.isspace():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(
                [Problem(path="$", message=f"the line is not UTF-8 text ({exc})", line=number)],
                source=name,
            ) from None
        yield Record(number, text)


def text_records(text: str, limits: Limits) -> Iterator[Record]:
    """Yield the non-blank lines of JSON Lines *text* (split at line feeds only)."""
    for number, line in enumerate(text.split("\n"), 1):
        if not line or line.isspace():
            continue
        if len(line) > limits.max_bytes or len(line.encode("utf-8", "surrogatepass")) > (
            limits.max_bytes
        ):
            raise LoadError(
                [
                    Problem(
                        path="$",
                        message=f"the record is longer than {limits.max_bytes} bytes",
                        hint="raise Limits.max_bytes if the text is trusted",
                        line=number,
                    )
                ],
                source="<text>",
            )
        yield Record(number, line)


_INDEX = re.compile(r"^\$\.relationships\[(\d+)\]")


def relocate(
    problems: list[Problem], prefix: str, *, line: int | None, file: str | None = None
) -> list[Problem]:
    """Return *problems* of one record with paths under *prefix*, its line and file."""
    return [
        attrs.evolve(
            p, path=prefix + p.path[1:], line=line if p.line is None else p.line, file=file
        )
        for p in problems
    ]


def parse_record(record: Record, source: str, limits: Limits, prefix: str) -> Any:
    """Parse one record, or raise :class:`LoadError` with its line and path."""
    try:
        return decode_json(record.text, source, limits)
    except LoadError as exc:
        raise LoadError(
            relocate(list(exc.problems), prefix, line=record.line), source=source
        ) from None


def header(record: Record | None, source: str, limits: Limits) -> str:
    """Return the kind a JSON Lines header names (``portfolio`` or ``relationships``)."""
    expected = f'{{"{HEADER_KEY}": "{PORTFOLIO}", "version": {JSONL_VERSION}}}'
    if record is None:
        raise limits_error(
            "the JSON Lines text is empty", source, hint=f"its first line is {expected}"
        )
    data = parse_record(record, source, limits, "$")
    problem: str | None = None
    if not isinstance(data, dict) or HEADER_KEY not in data:
        problem = "the first line is not a collabrel header"
    elif data.get(HEADER_KEY) not in {PORTFOLIO, RELATIONSHIPS}:
        problem = f"unknown kind of JSON Lines file {data[HEADER_KEY]!r}"
    elif set(data) != {HEADER_KEY, "version"}:
        extra = ", ".join(sorted(set(data) - {HEADER_KEY, "version"})) or "'version'"
        problem = f"the header has unexpected or missing keys: {extra}"
    elif data["version"] != JSONL_VERSION:
        problem = (
            f"the file is version {data['version']!r} of the JSON Lines format; this "
            f"collabrel reads version {JSONL_VERSION}"
        )
    if problem is not None:
        raise LoadError(
            [
                Problem(
                    path="$",
                    message=problem,
                    hint=f"start a portfolio with {expected}, a shard with "
                    f'{{"{HEADER_KEY}": "{RELATIONSHIPS}", "version": {JSONL_VERSION}}}',
                    line=record.line,
                )
            ],
            source=source,
        )
    return str(data[HEADER_KEY])


def index_of(path: str) -> int | None:
    """The relationship index a ``$.relationships[i]...`` path names, if any."""
    found = _INDEX.match(path)
    return int(found.group(1)) if found else None


def not_listed(count: int) -> Problem:
    """The closing problem of a capped list: how many more there are, and what to do."""
    return Problem(
        path="$",
        message=f"{count:,} more problems are not listed",
        hint="fix the ones above first, or raise Limits.max_problems",
    )


class Sink:
    """Collects problems up to the limit and counts the rest."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.kept: list[Problem] = []
        self.more = 0
        self.records = 0

    def add(self, problems: list[Problem]) -> None:
        if not problems:
            return
        self.records += 1
        room = self.limits.max_problems - len(self.kept)
        self.kept.extend(problems[: max(room, 0)])
        self.more += max(len(problems) - max(room, 0), 0)

    @property
    def full(self) -> bool:
        return len(self.kept) >= self.limits.max_problems

    def raise_if_any(self, source: str) -> None:
        if not self.kept and not self.more:
            return
        problems = list(self.kept)
        if self.more:
            problems.append(not_listed(self.more))
        raise LoadError(problems, source=source)
