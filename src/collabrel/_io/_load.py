"""Loading portfolios: whole documents, JSON Lines files, shards and folders of shards."""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, cast

import attrs

from collabrel._io import _parse
from collabrel._io._convert import problems_of, structure_fast
from collabrel._io._limits import DEFAULT_LIMITS, Limits, cap, check_tree, limits_error, shown
from collabrel._io._parse import SUFFIXES, Format, parse_text, read_text, sniff
from collabrel._io._records import (
    PORTFOLIO,
    RELATIONSHIPS,
    Record,
    Sink,
    file_records,
    header,
    index_of,
    not_listed,
    parse_record,
    relocate,
    text_records,
)
from collabrel._io._references import (
    built_problems,
    declared_ids,
    local_problems,
    reference_problems,
)
from collabrel._model import Organization, Portfolio, Relationship
from collabrel.errors import ConfigError, LoadError, Problem

__all__ = [
    "Progress",
    "iter_relationships",
    "load",
    "load_organization",
    "load_shard",
    "loads",
    "loads_data",
    "read_document",
    "shard_paths",
]

Progress = Callable[[int, int | None], None]
"""A callback ``progress(done, total)``: relationships done so far and how many there are
(``None`` when that is not known yet)."""

log = logging.getLogger("collabrel.io")

ORGANIZATION_FILES = ("organization.json", "organization.yaml", "organization.yml",
                      "organization.toml")  # fmt: skip


def _limits(limits: object) -> Limits:
    """The limits to use: the caller's, or the defaults (module constants may be lowered)."""
    if limits is not None:
        if not isinstance(limits, Limits):
            msg = f"limits must be a collabrel.Limits, got {shown(limits)}"
            raise ConfigError(msg)
        return limits
    from collabrel import _io

    current = (_io.MAX_BYTES, _io.MAX_DEPTH, _io.MAX_NODES, _io.MAX_ALIASES)
    if current == (DEFAULT_LIMITS.max_bytes, DEFAULT_LIMITS.max_depth,
                   DEFAULT_LIMITS.max_nodes, DEFAULT_LIMITS.max_aliases):  # fmt: skip
        return DEFAULT_LIMITS
    return attrs.evolve(
        DEFAULT_LIMITS,
        max_bytes=current[0],
        max_depth=current[1],
        max_nodes=current[2],
        max_aliases=current[3],
    )


@contextlib.contextmanager
def _bulk(*, freeze: bool) -> Iterator[None]:
    """Pause the cyclic garbage collector while loading; optionally freeze what was loaded.

    A load allocates millions of objects without cycles; the collector would scan them again
    and again. It is switched back on afterwards only if it was on before.

    Without *freeze*, what the load left in the young generation moves to the oldest one (see
    :func:`_promote`): otherwise the first collection after the load would scan every object
    loaded, only to find them all alive.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not freeze:
            _promote()
        if was_enabled:
            gc.enable()
    if freeze:
        gc.collect()
        gc.freeze()


_PROMOTE_AT = 100_000
"""Young objects above which a load moves them to the oldest generation (700 start a scan)."""


def _promote() -> None:
    """Move the objects of the young generations to the oldest one, without scanning them.

    ``gc.freeze()`` then ``gc.unfreeze()`` moves every tracked object to the permanent
    generation and back into the oldest one; neither scans anything. The objects are still
    collected as usual (by the next full collection, like any long-lived object); this only
    skips the scans of the young generations, which would all find the loaded objects alive.
    Nothing happens when the caller has frozen objects of their own (they must stay frozen)
    or when the load left few young objects.
    """
    if gc.get_freeze_count() == 0 and gc.get_count()[0] > _PROMOTE_AT:
        gc.freeze()
        gc.unfreeze()


def _is_path(source: str | Path) -> bool:
    if isinstance(source, Path):
        return True
    return "\n" not in source and (Path(source).suffix.lower() in SUFFIXES or _is_dir(source))


def _is_dir(source: str) -> bool:
    try:
        return len(source) < 4096 and Path(source).is_dir()  # noqa: PLR2004 - PATH_MAX
    except (OSError, ValueError):
        return False


def _format_of(path: Path, fmt: Format | None) -> Format | None:
    if path.is_dir():
        return None
    return fmt or SUFFIXES.get(path.suffix.lower(), "yaml")


def _check_format(fmt: str | None) -> None:
    if fmt is not None and fmt not in _parse.FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; use 'yaml', 'json', 'toml' or 'jsonl'")


# -------------------------------------------------------------------------- whole documents


def read_document(
    source: str | Path,
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
    limits: Limits | None = None,
) -> tuple[Any, str]:
    """Parse *source* (a path or the text itself) into plain data, with a name for errors.

    A JSON Lines file or a folder of shards is read whole, as the plain data of the portfolio
    it holds (prefer :func:`load` or :func:`iter_relationships`, which read one record at a
    time).
    """
    _check_format(format)
    limits = _limits(limits)
    if _is_path(source):
        path = Path(source)
        name = str(path)
        fmt = _format_of(path, format)
        if fmt is None or fmt == "jsonl":
            return _plain_records(path, limits), name
        return parse_text(read_text(path, limits), fmt, name, limits), name
    text = str(source)
    fmt = format or sniff(text)
    if fmt == "jsonl":
        return _plain_records(text, limits), "<text>"
    return parse_text(text, fmt, "<text>", limits), "<text>"


def _plain_records(source: str | Path, limits: Limits) -> dict[str, Any]:
    out: dict[str, Any] = {"relationships": []}
    index = 0
    for item in _items(source, limits):
        if item.kind == "organization":
            prefix = "$.organization"
        else:
            prefix = f"$.relationships[{index}]"
            index += 1
        data = item.data
        if item.record is not None:
            data = parse_record(item.record, item.file, limits, prefix)
        if item.kind == "organization":
            out["organization"] = data
        else:
            out["relationships"].append(data)
    return out


def _structure_document(
    data: Any, source: str, limits: Limits, progress: Progress | None
) -> Portfolio:
    """Build a portfolio from the plain data of a whole document, one relationship at a time."""
    if not isinstance(data, dict):
        raise limits_error(f"expected a mapping for Portfolio, got {type(data).__name__}", source)
    sink = Sink(limits)
    extra = sorted(set(data) - {"organization", "relationships"})
    sink.add(
        [
            Problem(
                path=f"$.{key}",
                message=f"unknown field {key!r}",
                hint="Portfolio fields: organization, relationships",
            )
            for key in extra
        ]
    )
    org = None
    if "organization" not in data:
        sink.add(
            [Problem(path="$.organization", message="required field is missing", hint="add it")]
        )
    else:
        org = _one(data["organization"], Organization, "$.organization", sink, None)
    raw = data.get("relationships", [])
    rels: list[Relationship] = []
    built = _Built()
    if type(raw) is not list:
        sink.add(
            [
                Problem(
                    path="$.relationships",
                    message=f"expected a list, got {shown(raw)}",
                    hint="a text is never split into items; write a list of relationships",
                )
            ]
        )
        built.not_built(None)  # what it should list is unknown
        raw = []
    total = len(raw)
    for i, item in enumerate(raw):
        rel = _one(item, Relationship, f"$.relationships[{i}]", sink, None)
        if rel is not None:
            rels.append(rel)
            built.positions.append(i)
        else:
            built.not_built(item)
        if progress is not None:
            progress(i + 1, total)
    if sink.kept or sink.more:
        if "organization" in data and org is None:
            built.not_built_organization(data["organization"])
        _raise_with_references(sink, built.problems(org, rels), source)
    assert org is not None  # noqa: S101 - the sink raised otherwise
    portfolio = Portfolio(organization=org, relationships=tuple(rels))
    problems = reference_problems(portfolio)
    if problems:
        raise LoadError(cap(problems, limits), source=source)
    return portfolio


class _Built:
    """What a load with problems built, and the ids the records it could not build declare."""

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.other_relationships: list[str] | None = []
        self.other_people: list[str] | None = []
        self.complete = True

    def not_built(self, data: object) -> None:
        """Note a relationship record (plain data, or _FAILED) that could not be built."""
        self.complete = False
        rel_id, people = declared_ids(data)
        if rel_id is None:
            self.other_relationships = None
        elif self.other_relationships is not None:
            self.other_relationships.append(rel_id)
        if people is None:
            self.other_people = None
        elif self.other_people is not None:
            self.other_people.extend(people)

    def not_built_organization(self, data: object) -> None:
        """Note an organization record that could not be built: its people are unknown."""
        people = data.get("people", []) if type(data) is dict else None
        ids = [p.get("id") if type(p) is dict else None for p in people or ()]
        if type(people) is not list or not all(type(i) is str for i in ids):
            self.other_people = None
        elif self.other_people is not None:
            self.other_people.extend(cast("list[str]", ids))

    def problems(self, org: Organization | None, rels: list[Relationship]) -> list[Problem]:
        """The reference problems of what was built that no unbuilt record can explain."""
        return built_problems(
            org,
            rels,
            positions=self.positions,
            other_relationships=self.other_relationships,
            other_people=self.other_people,
            complete=self.complete,
        )


_NUMBER = re.compile(r"(\d+)")


def _path_key(problem: Problem) -> tuple[Any, ...]:
    """Sort key: paths in document order (``[2]`` before ``[10]``)."""
    parts = _NUMBER.split(problem.path)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _raise_with_references(sink: Sink, references: list[Problem], source: str) -> None:
    """Raise the structure problems in *sink* and the reference ones together, by path."""
    found = sorted([*sink.kept, *references], key=_path_key)
    room = sink.limits.max_problems
    more = sink.more + max(len(found) - room, 0)
    problems = found[:room]
    if more:
        problems.append(not_listed(more))
    raise LoadError(problems, source=source)


def _one(  # noqa: PLR0917 - private; every call site passes the same six values
    data: Any, cls: type[Any], path: str, sink: Sink, line: int | None, file: str | None = None
) -> Any:
    """Structure one record (fast; detailed on failure), adding its problems to *sink*."""
    if type(data) is dict:
        try:
            return structure_fast(data, cls)
        except Exception:  # noqa: BLE001, S110 - the detailed pass says what is wrong
            pass
    if sink.full:
        sink.more += 1
        return None
    try:  # the fast parsers leave depth and size to this check, on failure only
        check_tree(data, "<record>", sink.limits)
        found = problems_of(data, cls, path, sink.limits)
    except LoadError as exc:
        found = relocate(list(exc.problems), path, line=None)
    if not found:  # accepted by the detailed pass after all: build it the slow way
        from collabrel._io._convert import structure

        return structure(data, cls)
    if line is not None or file is not None:
        found = [attrs.evolve(p, line=line, file=file) for p in found]
    sink.add(found)
    return None


def loads_data(
    data: Any,
    *,
    source: str = "<data>",
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Portfolio:
    """Build a portfolio from already parsed plain data (see :func:`load`)."""
    return _structure_document(data, source, _limits(limits), progress)


# ---------------------------------------------------------------------------- JSON Lines


class _Item(NamedTuple):
    """One record of a JSON Lines source: the organization or a relationship."""

    kind: str  # "organization" or "relationship"
    file: str
    record: Record | None  # None: an organization file of a folder, parsed already
    data: Any = None


def _items(source: str | Path, limits: Limits) -> Iterator[_Item]:
    """Yield every record of JSON Lines text, a ``.jsonl`` file, or a folder of shards."""
    if isinstance(source, str) and not _is_path(source):
        yield from _file_items("<text>", text_records(source, limits), limits)
        return
    path = Path(source)
    if not path.is_dir():
        yield from _file_items(str(path), file_records(path, limits), limits)
        return
    org_file = _organization_file(path)
    data = parse_text(
        read_text(org_file, limits), SUFFIXES[org_file.suffix.lower()], str(org_file), limits
    )
    yield _Item("organization", str(org_file), None, data)
    for shard in shard_paths(path):
        yield from _file_items(str(shard), file_records(shard, limits), limits, shard=True)


def _file_items(
    name: str, records: Iterator[Record], limits: Limits, *, shard: bool = False
) -> Iterator[_Item]:
    kind = header(next(records, None), name, limits)
    if shard and kind != RELATIONSHIPS:
        raise LoadError(
            [
                Problem(
                    path="$",
                    message=f"a shard holds relationships only, but its header says {kind!r}",
                    hint=f'start it with {{"collabrel": "{RELATIONSHIPS}", "version": 1}}',
                    line=1,
                )
            ],
            source=name,
        )
    first = kind == PORTFOLIO
    for record in records:
        yield _Item("organization" if first else "relationship", name, record)
        first = False


def shard_paths(directory: str | Path) -> tuple[Path, ...]:
    """Return the shard files of a folder of shards, in the order they are read.

    Args:
        directory: a folder written by :func:`dump_shards` (``organization.json`` and
            ``*.jsonl`` shards).

    Raises:
        LoadError: when *directory* is not a folder.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise limits_error(f"no such folder: {folder}", str(folder), hint="check the path")
    return tuple(sorted(p for p in folder.iterdir() if p.suffix.lower() == ".jsonl"))


def _organization_file(folder: Path) -> Path:
    found = [folder / name for name in ORGANIZATION_FILES if (folder / name).is_file()]
    if len(found) != 1:
        what = "no" if not found else "more than one"
        raise limits_error(
            f"the folder has {what} organization file",
            str(folder),
            hint=f"a folder of shards holds exactly one of {', '.join(ORGANIZATION_FILES)}",
        )
    return found[0]


class _Reader:
    """Reads JSON Lines records into domain objects, one at a time, collecting problems."""

    def __init__(
        self, source: str | Path, limits: Limits, *, organization: Organization | None = None
    ) -> None:
        self.source = source
        self.name = str(source) if _is_path(source) else "<text>"
        self.folder = _is_path(source) and Path(source).is_dir()
        self.limits = limits
        self.sink = Sink(limits)
        self.organization = organization
        self.organization_at: tuple[str | None, int | None] = (None, None)
        self.seen_organization = False
        self.count = 0
        self.built = _Built()

    def file_of(self, item: _Item) -> str | None:
        return Path(item.file).name if self.folder else None

    def _add(self, problems: list[Problem], item: _Item, line: int | None) -> None:
        file = self.file_of(item)
        self.sink.add(
            [
                attrs.evolve(p, line=p.line if p.line is not None else line, file=file)
                for p in problems
            ]
        )

    def parse(self, item: _Item, prefix: str) -> Any:
        if item.record is None:
            return item.data
        try:
            return parse_record(item.record, item.file, self.limits, prefix)
        except LoadError as exc:
            self._add(list(exc.problems), item, item.record.line)
            return _FAILED

    def structure(self, data: Any, cls: type[Any], prefix: str, item: _Item) -> Any:
        line = item.record.line if item.record is not None else None
        return _one(data, cls, prefix, self.sink, line, self.file_of(item))

    def relationships(
        self, progress: Progress | None, *, local: bool
    ) -> Iterator[tuple[Relationship | None, _Item]]:
        index = 0
        for item in _items(self.source, self.limits):
            line = item.record.line if item.record is not None else None
            if item.kind == "organization":
                self.seen_organization = True
                self.organization_at = (self.file_of(item), line)
                data = self.parse(item, "$.organization")
                if data is not _FAILED:
                    self.organization = self.structure(data, Organization, "$.organization", item)
                if self.organization is None:
                    self.built.not_built_organization(data)
                continue
            self.count += 1
            if self.count > self.limits.max_records:
                raise limits_error(
                    f"more than {self.limits.max_records:,} relationships",
                    self.name,
                    hint="raise Limits.max_records if the source is trusted",
                )
            prefix = f"$.relationships[{index}]"
            index += 1
            data = self.parse(item, prefix)
            rel = None
            if data is not _FAILED:
                rel = self.structure(data, Relationship, prefix, item)
            if rel is None:
                self.built.not_built(data)
            else:
                self.built.positions.append(index - 1)
            if rel is not None and local:
                found = local_problems(rel, prefix, self.organization)
                if found:
                    self._add(found, item, line)
                    rel = None
            if progress is not None:
                progress(index, None)
            yield rel, item


_FAILED = object()


def _load_records(source: str | Path, limits: Limits, progress: Progress | None) -> Portfolio:
    reader = _Reader(source, limits)
    rels: list[Relationship] = []
    where: list[tuple[str | None, int | None]] = []  # of every relationship record, built or not
    for rel, item in reader.relationships(progress, local=False):
        where.append((reader.file_of(item), item.record.line if item.record else None))
        if rel is not None:
            rels.append(rel)
    if not reader.seen_organization:
        raise limits_error(
            "the source holds no organization record",
            reader.name,
            hint="in a JSON Lines portfolio the line after the header is the organization",
        )

    def located(problems: list[Problem]) -> list[Problem]:
        out = []
        for p in problems:
            index = index_of(p.path)
            if index is not None:
                file, line = where[index]
            elif p.path.startswith("$.organization"):
                file, line = reader.organization_at
            else:
                file, line = None, None
            out.append(attrs.evolve(p, line=line, file=file))
        return out

    if reader.sink.kept or reader.sink.more:
        references = reader.built.problems(reader.organization, rels)
        _raise_with_references(reader.sink, located(references), reader.name)
    assert reader.organization is not None  # noqa: S101 - raised otherwise
    portfolio = Portfolio(organization=reader.organization, relationships=tuple(rels))
    problems = reference_problems(portfolio)
    if problems:
        raise LoadError(located(cap(problems, limits)), source=reader.name)
    return portfolio


def iter_relationships(
    source: str | Path,
    *,
    organization: Organization | None = None,
    limits: Limits | None = None,
) -> Iterator[Relationship]:
    """Yield the relationships of a JSON Lines portfolio, shard or folder, one at a time.

    Each record is parsed, structured and checked on its own (its fields, its parties and
    the party references inside it) before it is yielded, so memory holds one relationship
    at a time. Person and relationship references span the whole portfolio and are checked
    only by :func:`load`.

    Args:
        source: a ``.jsonl`` portfolio or shard, a folder of shards, or JSON Lines text.
        organization: the organization, to check that each relationship lists its party
            (read from the source itself when it holds one).
        limits: the guards, counted per record.

    Raises:
        LoadError: at the first record with problems, listing them with its line and path
            (the relationships before it were yielded already).
    """
    reader = _Reader(source, _limits(limits), organization=organization)
    for rel, _item in reader.relationships(None, local=True):
        reader.sink.raise_if_any(reader.name)
        if rel is not None:
            yield rel
    reader.sink.raise_if_any(reader.name)


def load_shard(
    path: str | Path,
    *,
    organization: Organization | None = None,
    limits: Limits | None = None,
) -> tuple[Relationship, ...]:
    """Load the relationships of one shard (or JSON Lines portfolio), every problem at once.

    This is the unit of work of a worker that reads one shard of a folder (see
    :func:`shard_paths`). Paths in problems count relationships within the shard; each
    relationship is checked on its own, as by :func:`iter_relationships`.

    Args:
        path: a ``.jsonl`` shard written by :func:`dump_shards`, or a JSON Lines portfolio.
        organization: the organization, to check that each relationship lists its party.
        limits: the guards, counted per record.

    Raises:
        LoadError: listing every problem of the shard with its line and path.
    """
    file = Path(path)
    if file.is_dir():
        raise limits_error(
            f"{file} is a folder; load_shard reads one .jsonl file",
            str(file),
            hint="use shard_paths(folder) to list its shards",
        )
    reader = _Reader(file, _limits(limits), organization=organization)
    rels = [rel for rel, _ in reader.relationships(None, local=True) if rel is not None]
    reader.sink.raise_if_any(reader.name)
    return tuple(rels)


def load_organization(source: str | Path, *, limits: Limits | None = None) -> Organization:
    """Load the organization of a JSON Lines portfolio or a folder of shards.

    Only the header and the organization record (or file) are read.

    Raises:
        LoadError: when it is missing or has problems.
    """
    reader = _Reader(Path(source), _limits(limits))
    for item in _items(reader.source, reader.limits):
        if item.kind != "organization":
            break
        data = reader.parse(item, "$.organization")
        org = (
            None
            if data is _FAILED
            else reader.structure(data, Organization, "$.organization", item)
        )
        reader.sink.raise_if_any(reader.name)
        return cast("Organization", org)  # the sink raised when it is None
    raise limits_error(
        "the source holds no organization record",
        reader.name,
        hint="in a JSON Lines portfolio the line after the header is the organization",
    )


# --------------------------------------------------------------------------------- load


def load(
    source: str | Path,
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
    limits: Limits | None = None,
    progress: Progress | None = None,
    freeze: bool = False,
) -> Portfolio:
    """Load a portfolio from a file, a folder of shards, or document text.

    Args:
        source: a :class:`~pathlib.Path` or file name ending in ``.yaml``, ``.yml``,
            ``.json``, ``.toml`` or ``.jsonl`` (JSON Lines), a folder of shards, or the
            document text itself.
        format: force a format instead of guessing it from the suffix or the text.
        limits: the guards for untrusted input (:data:`DEFAULT_LIMITS` unless given); JSON
            Lines files count them per record.
        progress: called as ``progress(done, total)`` after each relationship (``total`` is
            ``None`` while unknown), so a caller can draw a progress bar.
        freeze: after a successful load, move every object in the process into the garbage
            collector's permanent generation (:func:`gc.freeze`), so later collections skip
            the loaded portfolio. Right for a batch run or a command that loads one large
            portfolio and keeps it; wrong for a long-running service that loads and drops
            portfolios, since frozen objects are never collected.

    Raises:
        LoadError: listing every problem with its path (``$.relationships[2].stage``) and,
            for JSON Lines, its line, when the document is malformed, has wrong types or
            unknown fields, or refers to an unknown party, person or relationship. Nothing
            is loaded then.
    """
    _check_format(format)
    limits = _limits(limits)
    started = time.perf_counter()
    with _bulk(freeze=freeze):
        if _is_path(source):
            path = Path(source)
            fmt = _format_of(path, format)
            if fmt is None or fmt == "jsonl":
                portfolio = _load_records(path, limits, progress)
            else:
                text = read_text(path, limits)
                data = parse_text(text, fmt, str(path), limits)
                del text
                portfolio = _structure_document(data, str(path), limits, progress)
            name = str(path)
        else:
            portfolio = _loads(str(source), format, limits, progress)
            name = "<text>"
    log.info(
        "loaded %d relationships from %s in %.2f s",
        len(portfolio.relationships),
        name,
        time.perf_counter() - started,
    )
    return portfolio


def _loads(text: str, fmt: Format | None, limits: Limits, progress: Progress | None) -> Portfolio:
    fmt = fmt or sniff(text)
    if fmt == "jsonl":
        return _load_records(text, limits, progress)
    data = parse_text(text, fmt, "<text>", limits)
    return _structure_document(data, "<text>", limits, progress)


def loads(
    text: str,
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Portfolio:
    """Load a portfolio from document text (see :func:`load`)."""
    _check_format(format)
    limits = _limits(limits)
    with _bulk(freeze=False):
        return _loads(text, format, limits, progress)
