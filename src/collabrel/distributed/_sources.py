"""Partition sources: where a worker reads one organization and one partition of its portfolio.

A source is a small picklable value (a store URL and a portfolio name, a folder of shards):
it travels to the workers, and each worker reads its own partition. Nothing of the
portfolio passes through the process that asks for the assessment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from collabrel._io import Limits
from collabrel._model import Organization, Relationship
from collabrel.errors import ConfigError, LoadError, Problem, StoreError

if TYPE_CHECKING:  # the store extra is needed only by a StoreSource that reads
    from collabrel.store import Store

__all__ = ["JsonLinesSource", "PartitionSource", "StoreSource"]


@runtime_checkable
class PartitionSource(Protocol):
    """Where one organization's portfolio is read from, one partition at a time.

    Implement it to read from elsewhere (a service, another database): a source must pickle
    (it is sent to the workers), and every method except :meth:`pinned` runs in a worker.
    The *n* partitions of a source must be disjoint and together hold every relationship.
    """

    @property
    def label(self) -> str:
        """How results and error messages name the source (never a password)."""
        ...

    @property
    def partitions(self) -> int | None:
        """How many partitions to read, or ``None`` to let the assessment choose."""
        ...

    def pinned(self) -> PartitionSource:
        """A source that reads one fixed state, so that every partition sees the same data.

        Runs in the calling process, once, before any partition is read.
        """
        ...

    def organization(self) -> Organization:
        """Read the organization."""
        ...

    def relationships(self, k: int, n: int) -> Iterable[Relationship]:
        """Read partition *k* (``0 <= k < n``) of *n*."""
        ...


def _target(value: str | Path) -> str:
    """A store URL as given, or a SQLite file path made absolute (workers have another cwd)."""
    if isinstance(value, Path) or "://" not in value:
        if str(value) in {"", ":memory:"}:
            raise ConfigError(
                "a StoreSource needs a database file or URL that every worker can open, "
                "not an in-memory database"
            )
        return str(Path(value).resolve())
    return value


def _safe(target: str) -> str:
    """*target* without its password, for reprs and messages."""
    if "://" not in target:
        return target
    from sqlalchemy.engine import make_url

    try:
        return make_url(target).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is reported when it is opened
        return target.split("://", 1)[0] + "://..."


def _check_partitions(value: object, where: str) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigError(f"{where} must be a whole number of at least 1 (or None), got {value!r}")


@attrs.frozen(kw_only=True, repr=False)
class StoreSource:
    """A portfolio in a :mod:`collabrel.store`, read one shard query per partition.

    Each worker opens the store and reads only its partition of the relationships
    (``Store.relationships(name, shard=(k, n))``). Before the partitions are read, the
    source is pinned to the store's latest change (unless *at* or *seq* says otherwise), so
    a write made during the assessment changes no partition.

    Args:
        target: a database URL (``postgresql://user@host/db``) or the path of a SQLite file
            that every worker can open (made absolute here).
        name: the portfolio's name in the store.
        at: read the portfolio as recorded at this instant (timezone-aware).
        seq: read the portfolio as recorded after this change.
        partitions: how many partitions to read (default: chosen by the assessment).

    Example:
        >>> import collabrel, tempfile, pathlib
        >>> from collabrel.store import Store
        >>> from collabrel.distributed import StoreSource
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "history.db"
        >>> with Store(path) as store:
        ...     _ = store.save(collabrel.example_portfolio(), actor="alice", reason="load")
        >>> source = StoreSource(target=path, name="northbridge").pinned()
        >>> source.seq, len(source.relationships(0, 1))
        (1, 7)
    """

    target: str = attrs.field(converter=_target)
    """The database URL, or the absolute path of the SQLite file."""
    name: str
    """The portfolio's name in the store."""
    at: datetime | None = None
    """Read the portfolio as recorded at this instant."""
    seq: int | None = None
    """Read the portfolio as recorded after this change."""
    partitions: int | None = None
    """How many partitions to read (``None``: chosen by the assessment)."""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"StoreSource needs the portfolio's name, got {self.name!r}")
        if self.at is not None and self.seq is not None:
            raise ConfigError("give StoreSource at (an instant) or seq (a change), not both")
        _check_partitions(self.partitions, "StoreSource partitions")

    def __repr__(self) -> str:
        pin = f" seq={self.seq}" if self.seq is not None else ""
        pin += f" at={self.at.isoformat()}" if self.at is not None else ""
        return f"<StoreSource {self.label}{pin}>"

    @property
    def label(self) -> str:
        """The portfolio name and the store (without its password)."""
        return f"{self.name!r} in {_safe(self.target)}"

    def _open(self) -> Store:
        from collabrel.store import Store

        if "://" not in self.target and not Path(self.target).is_file():
            raise StoreError(
                f"no store at {self.target}: give the path of an existing SQLite file (or a "
                "database URL) that every worker can read"
            )
        return Store(self.target)

    def pinned(self) -> StoreSource:
        """The source pinned to the latest change, when neither *at* nor *seq* is given.

        Raises:
            StoreError: when the store cannot be opened.
            UnknownSubjectError: when the store has no portfolio of that name.
        """
        with self._open() as store:
            head = store.head(self.name)
        if self.at is not None or self.seq is not None:
            return self
        return attrs.evolve(self, seq=head)

    def organization(self) -> Organization:
        """Read the organization (one query; the relationships are not read)."""
        with self._open() as store:
            return _store_organization(store, self.name, self.at, self.seq)

    def relationships(self, k: int, n: int) -> tuple[Relationship, ...]:
        """Read partition *k* of *n* (by a stable hash of the relationship id)."""
        with self._open() as store:
            return store.relationships(self.name, shard=(k, n), at=self.at, seq=self.seq)


def _store_organization(
    store: Store, name: str, at: datetime | None, seq: int | None
) -> Organization:
    """The organization of portfolio *name*, read without its relationships.

    ``Store`` has no public read of the organization alone (``snapshot`` reads every
    relationship), so this uses the store's own query with ``kind="organization"``; the
    store's tests cover that query, and ``tests/test_distributed.py`` covers this use of it.
    """
    from collabrel.store._codec import ORGANIZATION

    with store._read() as conn:  # noqa: SLF001 - see the docstring
        upto = store._upto(conn, name, at, seq)  # noqa: SLF001
        rows = store._current(conn, name, upto, kind=ORGANIZATION)  # noqa: SLF001
    if not rows:  # pragma: no cover - every write path puts the organization first
        raise StoreError(f"portfolio {name!r} has no organization at change {upto}")
    value = store._value(name, rows[0])  # noqa: SLF001
    if not isinstance(value, Organization):  # pragma: no cover - rows of kind organization
        raise StoreError(f"portfolio {name!r}: the organization row holds {type(value).__name__}")
    return value


def _absolute(value: str | Path) -> Path:
    if str(value) == "":
        raise ConfigError("a JsonLinesSource needs the path of a .jsonl file or a folder of shards")
    return Path(value).resolve()


def _check_limits(value: object) -> None:
    if value is not None and not isinstance(value, Limits):
        kind = type(value).__name__
        raise ConfigError(f"JsonLinesSource limits must be a collabrel.Limits, got {kind}")


def _not_found(message: str, path: Path, hint: str) -> LoadError:
    return LoadError([Problem(path="$", message=message, hint=hint)], source=str(path))


@attrs.frozen(kw_only=True, repr=False)
class JsonLinesSource:
    """A portfolio in JSON Lines: a folder of shards, or one ``.jsonl`` file.

    A folder written by :func:`collabrel.dump_shards` is read shard by shard: partition *k*
    of *n* reads the shards ``k``, ``k + n``, ``k + 2n``, ... (in name order) with
    :func:`collabrel.load_shard`, so by default there is one partition per shard. The source
    is pinned to the shards present when the assessment starts.

    One ``.jsonl`` file cannot be read in parts without parsing all of it: by default it is
    one partition. With *partitions* > 1, every partition parses the whole file and keeps
    every *n*-th relationship; write shards instead to spread the reading too.

    Args:
        path: the folder of shards or the ``.jsonl`` file, on a file system every worker
            can read (made absolute here).
        partitions: how many partitions to read (default: one per shard, one for a file).
        limits: the loader's guards (see :class:`collabrel.Limits`), counted per record.

    Example:
        >>> import collabrel, tempfile, pathlib
        >>> from collabrel.distributed import JsonLinesSource
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "shards"
        >>> _ = collabrel.dump_shards(collabrel.example_portfolio(), folder, shard_size=3)
        >>> source = JsonLinesSource(path=folder).pinned()
        >>> source.partitions, [len(source.relationships(k, 3)) for k in range(3)]
        (3, [3, 3, 1])
    """

    path: Path = attrs.field(converter=_absolute)
    """The folder of shards or the ``.jsonl`` file (absolute)."""
    partitions: int | None = None
    """How many partitions to read (``None``: one per shard, one for a file)."""
    limits: Limits | None = None
    """The loader's guards, counted per record."""
    shards: tuple[str, ...] | None = None
    """The shard file names, once pinned (``None`` for one file, or before pinning)."""

    def __attrs_post_init__(self) -> None:
        _check_partitions(self.partitions, "JsonLinesSource partitions")
        _check_limits(self.limits)

    def __repr__(self) -> str:
        shards = f" shards={len(self.shards)}" if self.shards is not None else ""
        return f"<JsonLinesSource {self.path}{shards}>"

    @property
    def label(self) -> str:
        """The path of the folder or file."""
        return str(self.path)

    def pinned(self) -> JsonLinesSource:
        """The source with the list of shards fixed (a file is read as it is).

        Raises:
            LoadError: when the path does not exist, or a folder has no shards.
        """
        import collabrel

        if self.path.is_dir():
            shards = collabrel.shard_paths(self.path)
            if not shards:
                raise _not_found(
                    f"the folder {self.path} holds no .jsonl shards",
                    self.path,
                    "write one with collabrel.dump_shards(portfolio, folder)",
                )
            names = tuple(p.name for p in shards)
            return attrs.evolve(self, shards=names, partitions=self.partitions or len(names))
        if not self.path.is_file():
            raise _not_found(
                f"no such file or folder: {self.path}",
                self.path,
                "give a .jsonl portfolio or a folder written by collabrel.dump_shards",
            )
        return attrs.evolve(self, partitions=self.partitions or 1)

    def organization(self) -> Organization:
        """Read the organization (its file in a folder, its record in a file)."""
        import collabrel

        return collabrel.load_organization(self.path, limits=self.limits)

    def relationships(self, k: int, n: int) -> tuple[Relationship, ...]:
        """Read partition *k* of *n*: every *n*-th shard, or every *n*-th record of a file."""
        import collabrel

        if self.path.is_dir():
            names = self.shards if self.shards is not None else self.pinned().shards
            organization = self.organization()
            return tuple(
                rel
                for name in (names or ())[k::n]
                for rel in collabrel.load_shard(
                    self.path / name, organization=organization, limits=self.limits
                )
            )
        return tuple(
            rel
            for i, rel in enumerate(collabrel.iter_relationships(self.path, limits=self.limits))
            if i % n == k
        )
