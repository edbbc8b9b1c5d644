"""The store: an append-only history of portfolios in SQLite or PostgreSQL (SQLAlchemy Core)."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Self

import attrs
from sqlalchemy import (
    and_,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine, make_url

from collabrel._config import Config
from collabrel._model import Organization, Portfolio, Relationship
from collabrel.errors import (
    ConfigError,
    ConflictError,
    IdempotencyKeyError,
    LoadError,
    RulesetMismatchError,
    RulesetMismatchWarning,
    StoreError,
    UnknownSubjectError,
)
from collabrel.store import _codec
from collabrel.store._codec import DELETE, ORGANIZATION, PUT, RELATIONSHIP
from collabrel.store._schema import (
    SCHEMA_VERSION,
    changes,
    ensure_schema,
    portfolios,
    revisions,
    stored_version,
)
from collabrel.store._types import (
    Commit,
    Delete,
    HistoryEntry,
    Put,
    Revision,
    RevisionRef,
    Snapshot,
)

if TYPE_CHECKING:
    from collabrel.rules import Assessment, RuleSet
    from collabrel.store._attached import AttachedSession

__all__ = ["Store"]

MAX_NAME = 200
"""Longest portfolio name, subject id, actor name and idempotency key, in characters."""
_CHUNK = 400
"""Ids per ``IN (...)`` list (SQLite allows a few thousand bound parameters at most)."""
_BATCH = 500
"""Rows per multi-row insert."""
_TICK = timedelta(microseconds=1)

OnMismatch = Literal["warn", "refuse", "ignore"]
"""What a rebuild does when the rule set version differs from the recorded one."""


@functools.cache
def _collabrel_version() -> str:
    from collabrel import __version__

    return str(__version__)


@attrs.frozen
class _Op:
    kind: str
    subject: str
    expected: int
    op: str
    value: Organization | Relationship | None
    data: Any
    text: str | None


@attrs.frozen
class _Latest:
    version: int
    op: str
    document: str | None
    hash: str
    created_seq: int
    created_ordinal: int

    @property
    def live(self) -> int:
        return self.version if self.op == PUT else 0


def _url_of(target: str | Path) -> str:
    if isinstance(target, Path) or "://" not in target:
        path = Path(target)
        if str(target) in {"", ":memory:"}:
            raise ConfigError(
                "the store needs a database file or URL, not an in-memory database: "
                "give a path such as 'portfolio.db'"
            )
        if not path.parent.is_dir():
            raise ConfigError(
                f"cannot create the store {path}: the directory {path.parent} does not exist"
            )
        return f"sqlite:///{path}"
    return target


def _check_name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"the {what} must be non-empty text, got {value!r}")
    if len(value) > MAX_NAME:
        raise ConfigError(f"the {what} is longer than {MAX_NAME} characters: {value[:40]!r}...")
    return value


def _aware(at: datetime, what: str = "at") -> datetime:
    if not isinstance(at, datetime):
        raise ConfigError(f"{what} must be a datetime with a timezone, got {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ConfigError(
            f"{what}={at.isoformat()} has no timezone; the store records UTC instants, so "
            "give one, such as datetime(2026, 3, 1, 18, 0, tzinfo=UTC)"
        )
    return at.astimezone(UTC)


class Store:
    """An append-only store of portfolios and their full history.

    Every write adds one change (who, when, why, with which versions) and one revision per
    subject it touches: the whole document of an organization or relationship, the paths
    that changed and a hash chained to the subject's previous revision. Nothing is updated
    in place, so any past state can be read again.

    Args:
        target: a database URL (``sqlite:///portfolio.db``, ``postgresql://user@host/db``)
            or the path of a SQLite file (created when missing).

    Raises:
        StoreError: when the database cannot be opened.
        SchemaVersionError: when it holds a collabrel schema this version does not know.

    Example:
        >>> import collabrel, tempfile, pathlib
        >>> from collabrel.store import Store
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> with Store(folder / "history.db") as store:
        ...     commit = store.save(collabrel.example_portfolio(), actor="alice",
        ...                         reason="initial load")
        ...     store.snapshot("northbridge").versions["rel-rail-jv"]
        1
    """

    def __init__(self, target: str | Path) -> None:
        url = make_url(_url_of(target))
        backend = url.get_backend_name()
        if backend == "postgresql" and url.drivername in {"postgresql", "postgres"}:
            url = url.set(drivername="postgresql+psycopg")
        elif backend not in {"sqlite", "postgresql"}:
            raise ConfigError(
                f"unsupported database {url.drivername!r}: use a SQLite file or a postgresql:// URL"
            )
        if backend == "sqlite" and url.database in {None, "", ":memory:"}:
            raise ConfigError(
                "the store needs a SQLite file, not an in-memory database: "
                "give a URL such as sqlite:///portfolio.db"
            )
        self._backend = backend
        self._url = url.render_as_string(hide_password=True)
        try:
            self._engine = self._make_engine(url)
        except ImportError as exc:
            raise ConfigError(
                f"the database driver for {self._url} is missing ({exc}); "
                "install it with: pip install 'collabrel[store]'"
            ) from None
        except sa_exc.ArgumentError as exc:
            raise ConfigError(f"bad store URL {self._url}: {exc}") from None
        try:
            self._open()
        except BaseException:
            self._engine.dispose()
            raise

    # ------------------------------------------------------------------ plumbing

    def _make_engine(self, url: Any) -> Engine:
        if self._backend == "sqlite":
            engine = create_engine(url, connect_args={"timeout": 60.0})

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                # we issue BEGIN ourselves: the sqlite3 module's implicit transactions
                # would otherwise start DEFERRED and upgrade to a write lock too late
                dbapi_conn.isolation_level = None
                cursor = dbapi_conn.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()

            @event.listens_for(engine, "begin")
            def _on_begin(conn: Connection) -> None:
                writing = conn.get_execution_options().get("collabrel_write", False)
                conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN DEFERRED")

            return engine
        return create_engine(url, pool_pre_ping=True)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            first = str(detail).strip().splitlines()[0] if str(detail).strip() else repr(detail)
            raise StoreError(f"the store at {self._url} failed: {first}") from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._guard(), self._engine.connect() as raw:
            conn = raw.execution_options(collabrel_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._guard(), self._engine.connect() as raw:
            conn = raw
            if self._backend == "postgresql":
                conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _open(self) -> None:
        with self._read() as conn:
            version = stored_version(conn)
        if version != SCHEMA_VERSION:
            with self._write() as conn:
                ensure_schema(conn)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store's database connections (the store can be opened again)."""
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"<Store {self._url}>"

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self._url

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._backend

    @property
    def schema_version(self) -> int:
        """The schema version of the collabrel tables in the database."""
        with self._read() as conn:
            return stored_version(conn) or 0

    def portfolios(self) -> tuple[str, ...]:
        """The names of the portfolios in the store, sorted."""
        with self._read() as conn:
            rows = conn.execute(
                select(portfolios.c.portfolio)
                .where(portfolios.c.head_seq > 0)
                .order_by(portfolios.c.portfolio)
            )
            return tuple(r[0] for r in rows)

    # -------------------------------------------------------------------- writing

    def _ops(self, name: str, items: Iterable[Put | Delete], *, check: bool) -> list[_Op]:
        ops: list[_Op] = []
        seen: set[tuple[str, str]] = set()
        orgs = 0
        for i, item in enumerate(items):
            where = f"{name}: write item {i}"
            if not isinstance(item, Put | Delete):
                raise ConfigError(
                    f"{where} is a {type(item).__name__}; give Put(...) or Delete(...)"
                )
            expected = item.expected
            if isinstance(expected, bool) or not isinstance(expected, int) or expected < 0:
                raise ConfigError(
                    f"{where}: expected must be a version number >= 0 (0 for a new subject), "
                    f"got {expected!r}"
                )
            if isinstance(item, Put):
                if not isinstance(item.value, Organization | Relationship):
                    raise ConfigError(
                        f"{where}: Put takes an Organization or a Relationship, got "
                        f"{type(item.value).__name__}"
                    )
                _check_name(item.value.id, f"id of {where}")
                kind, data, text = _codec.document_of(
                    item.value, where=f"{name}/{item.kind}/{item.value.id}", check=check
                )
                op = _Op(kind, item.value.id, expected, PUT, item.value, data, text)
                orgs += kind == ORGANIZATION
            else:
                _check_name(item.relationship_id, f"relationship id of {where}")
                if expected < 1:
                    raise ConfigError(
                        f"{where}: deleting {item.relationship_id!r} needs the version you "
                        "hold (>= 1) as expected"
                    )
                op = _Op(RELATIONSHIP, item.relationship_id, expected, DELETE, None, None, None)
            key = (op.kind, op.subject)
            if key in seen:
                raise ConfigError(
                    f"{where}: {op.kind} {op.subject!r} appears twice in one write; "
                    "merge the changes into one value"
                )
            seen.add(key)
            ops.append(op)
        if orgs > 1:
            raise ConfigError(f"{name}: a write can put one organization, not {orgs}")
        if not ops:
            raise ConfigError(f"{name}: nothing to write; give at least one Put or Delete")
        return ops

    def commit(
        self,
        portfolio: str,
        items: Iterable[Put | Delete],
        *,
        actor: str,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
        ruleset_version: str | None = None,
        check: bool = True,
    ) -> Commit:
        """Write new versions of subjects of *portfolio*, all in one transaction.

        Every item is validated before the transaction starts; in it, every subject's
        current version must equal the item's ``expected``, or nothing is written.

        Args:
            portfolio: the portfolio's name in the store.
            items: :class:`Put` and :class:`Delete` values, at most one per subject.
            actor: who makes the change (ISO 44001 7.5.3 asks who changed what, when, why).
            reason: why.
            idempotency_key: a key chosen by the caller for this request: a retry with the
                same key and the same request is applied once and returns the same commit.
            effective_on: when the change takes effect in the world, if it differs from
                the day it is recorded.
            ruleset_version: the rule set version the writer works with (an attached
                session stamps its own), checked when the past is assessed again.
            check: load each document back before writing to make sure it reads again.

        Raises:
            ConflictError: when a subject's version is not the expected one.
            IdempotencyKeyError: when the key was used for a different request.
            LoadError: when a value cannot be stored as a document that reads back equal.
            ConfigError: when an argument is malformed (with what to give instead).
            StoreError: when the database fails.
        """
        name = _check_name(portfolio, "portfolio name")
        actor = _check_name(actor, "actor")
        if not isinstance(reason, str):
            raise ConfigError(f"the reason must be text, got {reason!r}")
        if idempotency_key is not None:
            _check_name(idempotency_key, "idempotency key")
        if effective_on is not None and (
            not isinstance(effective_on, date) or isinstance(effective_on, datetime)
        ):
            raise ConfigError(f"effective_on must be a date, got {effective_on!r}")
        ops = self._ops(name, items, check=check)
        request = {
            "portfolio": name,
            "actor": actor,
            "reason": reason,
            "effective_on": effective_on.isoformat() if effective_on else None,
            "ruleset_version": ruleset_version,
            "ops": [[o.kind, o.subject, o.expected, o.op, o.text] for o in ops],
        }
        digest = _codec.fingerprint(request) if idempotency_key is not None else None
        try:
            with self._write() as conn:
                return self._commit(
                    conn,
                    name,
                    ops,
                    actor=actor,
                    reason=reason,
                    key=idempotency_key,
                    digest=digest,
                    effective_on=effective_on,
                    ruleset_version=ruleset_version,
                )
        except StoreError as exc:
            cause = exc.__cause__
            if isinstance(cause, sa_exc.IntegrityError):
                # the primary key refused a version another writer took first
                self._raise_conflict(name, ops)
            raise

    def _raise_conflict(self, name: str, ops: Sequence[_Op]) -> None:
        with self._read() as conn:
            latest = self._latest(conn, name, [(o.kind, o.subject) for o in ops])
        for o in ops:
            found = latest.get((o.kind, o.subject))
            actual = found.live if found else 0
            if actual != o.expected:
                raise ConflictError(o.subject, o.expected, actual, kind=o.kind)

    def _lock(self, conn: Connection, name: str) -> tuple[int, datetime | None]:
        now = datetime.now(UTC)
        insert = (
            pg_dialect.insert(portfolios)
            if self._backend == "postgresql"
            else sqlite_dialect.insert(portfolios)
        )
        conn.execute(
            insert.values(portfolio=name, head_seq=0, created_at=now).on_conflict_do_nothing(
                index_elements=["portfolio"]
            )
        )
        row = conn.execute(
            select(portfolios.c.head_seq, portfolios.c.head_recorded_at)
            .where(portfolios.c.portfolio == name)
            .with_for_update()
        ).one()
        return int(row[0]), row[1]

    def _commit(
        self,
        conn: Connection,
        name: str,
        ops: Sequence[_Op],
        *,
        actor: str,
        reason: str,
        key: str | None,
        digest: str | None,
        effective_on: date | None,
        ruleset_version: str | None,
    ) -> Commit:
        head, head_time = self._lock(conn, name)
        if key is not None:
            found = conn.execute(
                select(changes.c.seq, changes.c.fingerprint).where(
                    changes.c.portfolio == name, changes.c.idempotency_key == key
                )
            ).first()
            if found is not None:
                if found[1] != digest:
                    raise IdempotencyKeyError(
                        f"idempotency key {key!r} of portfolio {name!r} was used by change "
                        f"{found[0]} for a different request; use a new key for a new request"
                    )
                return attrs.evolve(self._commit_of(conn, name, int(found[0])), replayed=True)
        latest = self._latest(conn, name, [(o.kind, o.subject) for o in ops])
        self._check_organization(conn, name, ops)
        for o in ops:
            found_latest = latest.get((o.kind, o.subject))
            actual = found_latest.live if found_latest else 0
            if actual != o.expected:
                raise ConflictError(o.subject, o.expected, actual, kind=o.kind)
        todo = [
            o
            for o in ops
            if not (
                o.op == PUT
                and (prev := latest.get((o.kind, o.subject))) is not None
                and prev.op == PUT
                and prev.document == o.text
            )
        ]
        if not todo:
            return Commit(portfolio=name, seq=None, recorded_at=None, revisions=())
        seq = head + 1
        now = datetime.now(UTC)
        recorded_at = max(now, head_time + _TICK) if head_time is not None else now
        change = _codec.change_fields(
            seq=seq,
            recorded_at=recorded_at,
            effective_on=effective_on,
            actor=actor,
            reason=reason,
            idempotency_key=key,
            fingerprint=digest,
            ruleset_version=ruleset_version,
            collabrel_version=_collabrel_version(),
            revisions=len(todo),
        )
        rows: list[dict[str, Any]] = []
        refs: list[RevisionRef] = []
        for ordinal, o in enumerate(todo):
            prev = latest.get((o.kind, o.subject))
            version = prev.version + 1 if prev else 1
            if prev is None or prev.op == DELETE:
                created_seq, created_ordinal = seq, ordinal
            else:
                created_seq, created_ordinal = prev.created_seq, prev.created_ordinal
            if o.op == PUT and prev is not None and prev.op == PUT and prev.document:
                paths = _codec.changed_paths(json.loads(prev.document), o.data)
            else:
                paths = ["$"]
            rows.append(
                {
                    "portfolio": name,
                    "kind": o.kind,
                    "subject": o.subject,
                    "version": version,
                    "seq": seq,
                    "ordinal": ordinal,
                    "op": o.op,
                    "document": o.text,
                    "changed_paths": _codec.canonical(paths),
                    "created_seq": created_seq,
                    "created_ordinal": created_ordinal,
                    "shard": _codec.shard_of(o.subject),
                    "prev_hash": prev.hash if prev else None,
                    "hash": _codec.revision_hash(
                        prev_hash=prev.hash if prev else None,
                        portfolio=name,
                        kind=o.kind,
                        subject=o.subject,
                        version=version,
                        op=o.op,
                        document=o.text,
                        changed=paths,
                        ordinal=ordinal,
                        created_seq=created_seq,
                        created_ordinal=created_ordinal,
                        change=change,
                    ),
                }
            )
            refs.append(RevisionRef(kind=o.kind, subject=o.subject, version=version, op=o.op))
        conn.execute(
            changes.insert().values(
                portfolio=name,
                seq=seq,
                recorded_at=recorded_at,
                effective_on=effective_on,
                actor=actor,
                reason=reason,
                idempotency_key=key,
                fingerprint=digest,
                ruleset_version=ruleset_version,
                collabrel_version=change["collabrel_version"],
                revisions=len(todo),
            )
        )
        for start in range(0, len(rows), _BATCH):
            conn.execute(revisions.insert(), rows[start : start + _BATCH])
        conn.execute(
            portfolios.update()
            .where(portfolios.c.portfolio == name)
            .values(head_seq=seq, head_recorded_at=recorded_at)
        )
        return Commit(portfolio=name, seq=seq, recorded_at=recorded_at, revisions=tuple(refs))

    def _check_organization(
        self,
        conn: Connection,
        name: str,
        ops: Sequence[_Op],
    ) -> None:
        org_ops = [o for o in ops if o.kind == ORGANIZATION]
        existing = [
            str(r[0])
            for r in conn.execute(
                select(revisions.c.subject)
                .where(revisions.c.portfolio == name, revisions.c.kind == ORGANIZATION)
                .distinct()
            )
        ]
        if org_ops and existing and org_ops[0].subject not in existing:
            raise StoreError(
                f"portfolio {name!r} belongs to organization {existing[0]!r}; a write cannot "
                f"make it {org_ops[0].subject!r} (store that organization under another name)"
            )
        if not org_ops and not existing and any(o.op == PUT for o in ops):
            raise StoreError(
                f"portfolio {name!r} has no organization yet; put the organization in the "
                "same write as its first relationships (Store.save does)"
            )

    def _latest(
        self, conn: Connection, name: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], _Latest]:
        out: dict[tuple[str, str], _Latest] = {}
        r = revisions.c
        # (portfolio, kind, subject) is the primary key's prefix: the lookups use the index
        chunks = [
            (kind, subjects[start : start + _CHUNK])
            for kind in _codec.KINDS
            if (subjects := sorted({s for k, s in keys if k == kind}))
            for start in range(0, len(subjects), _CHUNK)
        ]
        for kind, chunk in chunks:
            top = (
                select(r.kind, r.subject, func.max(r.version).label("v"))
                .where(r.portfolio == name, r.kind == kind, r.subject.in_(chunk))
                .group_by(r.kind, r.subject)
                .subquery()
            )
            rows = conn.execute(
                select(
                    r.kind,
                    r.subject,
                    r.version,
                    r.op,
                    r.document,
                    r.hash,
                    r.created_seq,
                    r.created_ordinal,
                )
                .join(
                    top,
                    and_(r.kind == top.c.kind, r.subject == top.c.subject, r.version == top.c.v),
                )
                .where(r.portfolio == name)
            )
            for row in rows:
                out[(row.kind, row.subject)] = _Latest(
                    int(row.version),
                    row.op,
                    row.document,
                    row.hash,
                    int(row.created_seq),
                    int(row.created_ordinal),
                )
        return out

    def _commit_of(self, conn: Connection, name: str, seq: int) -> Commit:
        recorded_at = conn.execute(
            select(changes.c.recorded_at).where(changes.c.portfolio == name, changes.c.seq == seq)
        ).scalar_one()
        r = revisions.c
        refs = tuple(
            RevisionRef(kind=row.kind, subject=row.subject, version=int(row.version), op=row.op)
            for row in conn.execute(
                select(r.kind, r.subject, r.version, r.op)
                .where(r.portfolio == name, r.seq == seq)
                .order_by(r.ordinal)
            )
        )
        return Commit(portfolio=name, seq=seq, recorded_at=recorded_at, revisions=refs)

    def save(
        self,
        portfolio: Portfolio,
        *,
        name: str | None = None,
        based_on: Snapshot | None = None,
        actor: str,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
        ruleset_version: str | None = None,
        check: bool = True,
    ) -> Commit:
        """Write a whole portfolio: what differs from *based_on*, in one change.

        Without *based_on* the portfolio must not be in the store yet (every subject is
        new). With the :class:`Snapshot` it was edited from, only the subjects that differ
        are written, relationships missing from *portfolio* are deleted, and a subject
        someone else changed since the snapshot raises :class:`ConflictError`.

        Args:
            portfolio: the portfolio to write.
            name: its name in the store (default: the organization id).
            based_on: the snapshot the portfolio was edited from.
            actor: who.
            reason: why.
            idempotency_key: see :meth:`commit`.
            effective_on: see :meth:`commit`.
            ruleset_version: see :meth:`commit`.
            check: also check the portfolio's references (:meth:`Portfolio.problems`) and
                that every document reads back equal.

        Raises:
            LoadError: when *check* finds problems (each with its path).
            ConflictError: see :meth:`commit`.
        """
        target = name if name is not None else portfolio.organization.id
        if check:
            problems = portfolio.problems()
            if problems:
                raise LoadError(problems, source=f"portfolio {target!r}")
        items: list[Put | Delete] = []
        if based_on is None:
            items.append(Put(portfolio.organization, expected=0))
            items += [Put(rel, expected=0) for rel in portfolio.relationships]
        else:
            if based_on.name != target:
                raise ConfigError(f"the snapshot is of portfolio {based_on.name!r}, not {target!r}")
            old = based_on.portfolio
            if portfolio.organization != old.organization:
                items.append(Put(portfolio.organization, expected=based_on.organization_version))
            before = {r.id: r for r in old.relationships}
            for rel in portfolio.relationships:
                prev = before.pop(rel.id, None)
                if prev is None:
                    items.append(Put(rel, expected=0))
                elif prev is not rel and prev != rel:
                    items.append(Put(rel, expected=based_on.versions[rel.id]))
            items += [Delete(rid, expected=based_on.versions[rid]) for rid in before]
            if not items:
                return Commit(portfolio=target, seq=None, recorded_at=None, revisions=())
        return self.commit(
            target,
            items,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            effective_on=effective_on,
            ruleset_version=ruleset_version,
            check=check,
        )

    # -------------------------------------------------------------------- reading

    def _head(self, conn: Connection, name: str) -> int:
        head = conn.execute(
            select(portfolios.c.head_seq).where(portfolios.c.portfolio == name)
        ).scalar()
        if not head:
            known = ", ".join(self._names(conn)) or "none"
            raise UnknownSubjectError(
                f"no portfolio {name!r} in the store at {self._url}; portfolios: {known}"
            )
        return int(head)

    def _names(self, conn: Connection) -> list[str]:
        return [
            str(r[0])
            for r in conn.execute(
                select(portfolios.c.portfolio)
                .where(portfolios.c.head_seq > 0)
                .order_by(portfolios.c.portfolio)
                .limit(20)
            )
        ]

    def _upto(self, conn: Connection, name: str, at: datetime | None, seq: int | None) -> int:
        head = self._head(conn, name)
        if at is not None and seq is not None:
            raise ConfigError("give at (an instant) or seq (a change number), not both")
        if seq is not None:
            if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= head:
                raise ConfigError(f"seq must be a change number from 1 to {head}, got {seq!r}")
            return seq
        if at is None:
            return head
        when = _aware(at)
        upto = conn.execute(
            select(func.max(changes.c.seq)).where(
                changes.c.portfolio == name, changes.c.recorded_at <= when
            )
        ).scalar()
        if not upto:
            first = conn.execute(
                select(changes.c.recorded_at).where(changes.c.portfolio == name, changes.c.seq == 1)
            ).scalar()
            raise StoreError(
                f"portfolio {name!r} had no changes recorded at {_codec.iso(when)}; its "
                f"first change was recorded at {_codec.iso(first) if first else 'no time'}"
            )
        return int(upto)

    def _current(
        self,
        conn: Connection,
        name: str,
        upto: int,
        *,
        kind: str | None = None,
        ids: Sequence[str] | None = None,
        shard: tuple[int, int] | None = None,
    ) -> list[Any]:
        r = revisions.c
        conds = [r.portfolio == name, r.seq <= upto]
        if kind is not None:
            conds.append(r.kind == kind)
        if shard is not None:
            conds.append(r.shard % shard[1] == shard[0])
        chunks: list[list[str] | None] = [None]
        if ids is not None:
            unique = sorted(set(ids))
            chunks = [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]
        out: list[Any] = []
        for chunk in chunks:
            where = [*conds, r.subject.in_(chunk)] if chunk is not None else conds
            top = (
                select(r.kind, r.subject, func.max(r.version).label("v"))
                .where(*where)
                .group_by(r.kind, r.subject)
                .subquery()
            )
            query = (
                select(r.kind, r.subject, r.version, r.document, r.created_seq, r.created_ordinal)
                .join(
                    top,
                    and_(r.kind == top.c.kind, r.subject == top.c.subject, r.version == top.c.v),
                )
                .where(r.portfolio == name, r.op == PUT)
                .order_by(r.created_seq, r.created_ordinal)
            )
            out += conn.execute(query).all()
        if len(chunks) > 1:
            out.sort(key=lambda row: (row.created_seq, row.created_ordinal))
        return out

    @staticmethod
    def _value(name: str, row: Any) -> Organization | Relationship:
        return _codec.value_of(
            row.kind, row.document, where=f"{name}/{row.kind}/{row.subject} v{row.version}"
        )

    def snapshot(
        self, name: str, *, at: datetime | None = None, seq: int | None = None
    ) -> Snapshot:
        """Read a portfolio as recorded now, at an instant *at*, or after change *seq*.

        *at* is transaction time: what the store knew at that instant. The date an
        assessment is made *as of* is separate (see :meth:`assess`).

        Raises:
            UnknownSubjectError: when there is no such portfolio.
            StoreError: when nothing was recorded yet at *at*.
            ConfigError: when *at* has no timezone or *seq* is out of range.
        """
        with self._read() as conn:
            upto = self._upto(conn, name, at, seq)
            rows = self._current(conn, name, upto)
            meta = conn.execute(
                select(changes.c.recorded_at).where(
                    changes.c.portfolio == name, changes.c.seq == upto
                )
            ).scalar()
            ruleset_version = self._recorded_ruleset(conn, name, upto)
        org: Organization | None = None
        org_version = 0
        rels: list[Relationship] = []
        versions: dict[str, int] = {}
        for row in rows:
            value = self._value(name, row)
            if isinstance(value, Organization):
                org, org_version = value, int(row.version)
            else:
                rels.append(value)
                versions[row.subject] = int(row.version)
        if org is None:  # pragma: no cover - every write path puts the organization first
            raise StoreError(f"portfolio {name!r} has no organization at change {upto}")
        return Snapshot(
            name=name,
            portfolio=Portfolio(organization=org, relationships=tuple(rels)),
            seq=upto,
            recorded_at=meta,
            organization_version=org_version,
            versions=versions,
            ruleset_version=ruleset_version,
        )

    def _recorded_ruleset(self, conn: Connection, name: str, upto: int) -> str | None:
        value = conn.execute(
            select(changes.c.ruleset_version)
            .where(
                changes.c.portfolio == name,
                changes.c.seq <= upto,
                changes.c.ruleset_version.is_not(None),
            )
            .order_by(changes.c.seq.desc())
            .limit(1)
        ).scalar()
        return None if value is None else str(value)

    def portfolio(self, name: str, *, at: datetime | None = None) -> Portfolio:
        """The portfolio as recorded now (or at the instant *at*); see :meth:`snapshot`."""
        return self.snapshot(name, at=at).portfolio

    def relationships(
        self,
        name: str,
        *,
        ids: Iterable[str] | None = None,
        shard: tuple[int, int] | None = None,
        at: datetime | None = None,
        seq: int | None = None,
    ) -> tuple[Relationship, ...]:
        """Read some relationships of a portfolio without reading the others.

        Args:
            name: the portfolio.
            ids: only these relationships (unknown or deleted ids are left out).
            shard: ``(k, n)``: only partition *k* of *n*, by a stable hash of the id; the
                *n* partitions are disjoint and together hold every relationship.
            at: as recorded at this instant (default: now).
            seq: as recorded after this change.

        Raises:
            ConfigError: when *shard* is not ``(k, n)`` with ``0 <= k < n``.
        """
        if shard is not None:
            k, n = shard
            if (
                isinstance(k, bool)
                or isinstance(n, bool)
                or not isinstance(k, int)
                or not isinstance(n, int)
                or not 0 <= k < n
            ):
                raise ConfigError(f"shard must be (k, n) with 0 <= k < n, got {shard!r}")
        wanted = None if ids is None else [str(i) for i in ids]
        with self._read() as conn:
            upto = self._upto(conn, name, at, seq)
            rows = self._current(conn, name, upto, kind=RELATIONSHIP, ids=wanted, shard=shard)
        return tuple(self._value(name, row) for row in rows)  # type: ignore[misc]

    def head(self, name: str) -> int:
        """The sequence number of the portfolio's last change."""
        with self._read() as conn:
            return self._head(conn, name)

    def revisions(
        self, name: str, *, after: int = 0, upto: int | None = None
    ) -> tuple[Revision, ...]:
        """The revisions of changes ``after < seq <= upto``, in the order they were written."""
        r = revisions.c
        with self._read() as conn:
            self._head(conn, name)
            conds = [r.portfolio == name, r.seq > after]
            if upto is not None:
                conds.append(r.seq <= upto)
            rows = conn.execute(
                select(r.kind, r.subject, r.version, r.op, r.document, r.seq, r.changed_paths)
                .where(*conds)
                .order_by(r.seq, r.ordinal)
            ).all()
        return tuple(
            Revision(
                portfolio=name,
                seq=int(row.seq),
                kind=row.kind,
                subject=row.subject,
                version=int(row.version),
                op=row.op,
                value=self._value(name, row) if row.op == PUT else None,
                changed_paths=tuple(json.loads(row.changed_paths)),
            )
            for row in rows
        )

    def history(
        self, name: str, subject: str | None = None, *, kind: str | None = None
    ) -> tuple[HistoryEntry, ...]:
        """Who changed what, when and why: one entry per revision, oldest first.

        Args:
            name: the portfolio.
            subject: only this subject (a relationship or the organization id).
            kind: only ``"organization"`` or ``"relationship"`` revisions.
        """
        if kind is not None and kind not in _codec.KINDS:
            raise ConfigError(f"kind must be 'organization' or 'relationship', got {kind!r}")
        r, c = revisions.c, changes.c
        conds = [r.portfolio == name]
        if subject is not None:
            conds.append(r.subject == subject)
        if kind is not None:
            conds.append(r.kind == kind)
        with self._read() as conn:
            self._head(conn, name)
            rows = conn.execute(
                select(
                    r.seq,
                    c.recorded_at,
                    c.effective_on,
                    c.actor,
                    c.reason,
                    r.kind,
                    r.subject,
                    r.version,
                    r.op,
                    r.changed_paths,
                    c.ruleset_version,
                    c.collabrel_version,
                    c.idempotency_key,
                )
                .join(changes, and_(c.portfolio == r.portfolio, c.seq == r.seq))
                .where(*conds)
                .order_by(r.seq, r.ordinal)
            ).all()
        return tuple(
            HistoryEntry(
                seq=int(row.seq),
                recorded_at=row.recorded_at,
                effective_on=row.effective_on,
                actor=row.actor,
                reason=row.reason,
                kind=row.kind,
                subject=row.subject,
                version=int(row.version),
                op=row.op,
                changed_paths=tuple(json.loads(row.changed_paths)),
                ruleset_version=row.ruleset_version,
                collabrel_version=row.collabrel_version,
                idempotency_key=row.idempotency_key,
            )
            for row in rows
        )

    # ------------------------------------------------------------------ assessing

    def assess(
        self,
        name: str,
        ruleset: RuleSet | None = None,
        *,
        as_of: date,
        at: datetime | None = None,
        config: Config | None = None,
        on_mismatch: OnMismatch = "warn",
    ) -> Assessment:
        """Assess the portfolio as recorded at *at* (default: now), as of the date *as_of*.

        "What did we know on 1 March, assessed as of 1 March" is
        ``assess(name, at=<1 March, 18:00 UTC>, as_of=date(2026, 3, 1))``; it gives the
        assessment made that day when the rule set version is the one recorded then.

        Args:
            name: the portfolio.
            ruleset: the rule set (default: the built-in one).
            as_of: the evaluation date.
            at: the instant of the store's history to read.
            config: review intervals and thresholds.
            on_mismatch: when the rule set's version differs from the one recorded with the
                history: ``"warn"`` (a :class:`RulesetMismatchWarning`), ``"refuse"`` (raise
                :class:`RulesetMismatchError`) or ``"ignore"``.
        """
        from collabrel.rules import Session, default_ruleset

        if on_mismatch not in {"warn", "refuse", "ignore"}:
            raise ConfigError(
                f"on_mismatch must be 'warn', 'refuse' or 'ignore', got {on_mismatch!r}"
            )
        ruleset = ruleset if ruleset is not None else default_ruleset()
        snap = self.snapshot(name, at=at)
        check_ruleset(snap, ruleset.version, on_mismatch)
        return Session(snap.portfolio, ruleset, as_of=as_of, config=config).assessment()

    def session(
        self,
        name: str,
        ruleset: RuleSet | None = None,
        *,
        as_of: date,
        config: Config | None = None,
        actor: str | None = None,
    ) -> AttachedSession:
        """Start a rules session on the portfolio's current state, attached to the store.

        The session applies newer revisions in sequence order on :meth:`AttachedSession.refresh`,
        and its updates are committed through the store (see :class:`AttachedSession`).
        """
        from collabrel.store._attached import AttachedSession

        return AttachedSession(self, name, ruleset, as_of=as_of, config=config, actor=actor)

    # ------------------------------------------------------------------- history

    def verify(self, name: str | None = None) -> int:
        """Check every hash chain and row count; return the number of revisions checked.

        Raises:
            HistoryIntegrityError: listing every problem (subject, version, change).
        """
        from collabrel.store._history import verify

        return verify(self, name)

    def export_history(self, target: str | Path | IO[str], *, name: str | None = None) -> int:
        """Write the whole history (or one portfolio's) as JSON Lines; return the lines written.

        Importing the file into an empty store and exporting again gives the same bytes.
        """
        from collabrel.store._history import export_history

        return export_history(self, target, name=name)

    def import_history(self, source: str | Path | IO[str]) -> tuple[str, ...]:
        """Read a history written by :meth:`export_history`; return the portfolios imported.

        The file is checked as it is read (JSON, fields, sequence numbers, hash chains, row
        counts, documents); all of it is written in one transaction, or none of it.

        Raises:
            LoadError: when a line is malformed (with its line number).
            HistoryIntegrityError: when a hash chain or count does not verify.
            StoreError: when a portfolio of the file already has history in this store.
        """
        from collabrel.store._history import import_history

        return import_history(self, source)


def check_ruleset(snap: Snapshot, current: str, on_mismatch: OnMismatch) -> None:
    """Warn about or refuse a rebuild with another rule set version than the recorded one."""
    recorded = snap.ruleset_version
    if recorded is None or recorded == current or on_mismatch == "ignore":
        return
    message = (
        f"portfolio {snap.name!r} at change {snap.seq} was recorded with rule set "
        f"{recorded}, but the rebuild uses rule set {current}; the verdicts may differ "
        "from those given then (pass the rule set of that version to reproduce them)"
    )
    if on_mismatch == "refuse":
        raise RulesetMismatchError(message, recorded=recorded, current=current)
    warnings.warn(message, RulesetMismatchWarning, stacklevel=3)
