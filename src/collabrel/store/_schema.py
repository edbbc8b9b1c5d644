"""The store's tables, its schema version and the library's own migration step.

Every table name starts with ``collabrel_`` so the tables can live in a host application's
database. The schema is append-only: a write inserts one change row and one revision row per
subject it touches, and moves the portfolio's head (its last sequence number, which is also
the lock that orders writers). Nothing is ever updated in place or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from collabrel.errors import SchemaVersionError

__all__ = [
    "SCHEMA_VERSION",
    "Migration",
    "changes",
    "ensure_schema",
    "metadata",
    "portfolios",
    "revisions",
    "schema_table",
]

SCHEMA_VERSION = 1
"""The version of the tables this collabrel writes and reads."""

_NAME = 200
"""Longest portfolio name, subject id, actor and idempotency key."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime; SQLite keeps it as naive UTC text, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # pragma: no cover - the store converts before binding
            msg = f"naive datetime {value!r} given to the store; give a timezone"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - the signature is SQLAlchemy's
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

schema_table = Table(
    "collabrel_schema",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("migrated_at", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="collabrel_schema_one_row"),
)
"""One row: the schema version of the collabrel tables in this database."""

portfolios = Table(
    "collabrel_portfolios",
    metadata,
    Column("portfolio", String(_NAME), primary_key=True),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_recorded_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
"""One row per portfolio: its last sequence number (writers lock this row)."""

changes = Table(
    "collabrel_changes",
    metadata,
    Column("portfolio", String(_NAME), nullable=False),
    Column("seq", BigInteger, nullable=False, autoincrement=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("effective_on", Date, nullable=True),
    Column("actor", String(_NAME), nullable=False),
    Column("reason", Text, nullable=False),
    Column("idempotency_key", String(_NAME), nullable=True),
    Column("fingerprint", String(64), nullable=True),
    Column("ruleset_version", String(100), nullable=True),
    Column("collabrel_version", String(50), nullable=False),
    Column("revisions", Integer, nullable=False),
    PrimaryKeyConstraint("portfolio", "seq", name="collabrel_changes_pk"),
    ForeignKeyConstraint(
        ["portfolio"], ["collabrel_portfolios.portfolio"], name="collabrel_changes_portfolio_fk"
    ),
    UniqueConstraint("portfolio", "idempotency_key", name="collabrel_changes_key_uq"),
    UniqueConstraint("portfolio", "recorded_at", name="collabrel_changes_time_uq"),
    CheckConstraint("seq >= 1", name="collabrel_changes_seq_ck"),
    CheckConstraint("revisions >= 1", name="collabrel_changes_revisions_ck"),
)
"""One row per committed write: who, when, why, with which versions."""

revisions = Table(
    "collabrel_revisions",
    metadata,
    Column("portfolio", String(_NAME), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("subject", String(_NAME), nullable=False),
    Column("version", Integer, nullable=False, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("op", String(10), nullable=False),
    Column("document", Text, nullable=True),
    Column("changed_paths", Text, nullable=False),
    Column("created_seq", BigInteger, nullable=False),
    Column("created_ordinal", Integer, nullable=False),
    Column("shard", BigInteger, nullable=False),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("portfolio", "kind", "subject", "version", name="collabrel_revisions_pk"),
    ForeignKeyConstraint(
        ["portfolio", "seq"],
        ["collabrel_changes.portfolio", "collabrel_changes.seq"],
        name="collabrel_revisions_change_fk",
    ),
    CheckConstraint("version >= 1", name="collabrel_revisions_version_ck"),
    CheckConstraint("op IN ('put', 'delete')", name="collabrel_revisions_op_ck"),
    CheckConstraint("kind IN ('organization', 'relationship')", name="collabrel_revisions_kind_ck"),
    CheckConstraint(
        "(op = 'put') = (document IS NOT NULL)", name="collabrel_revisions_document_ck"
    ),
    Index("collabrel_revisions_seq_ix", "portfolio", "seq"),
)
"""One row per version of a subject: the whole document, the changed paths, the hash chain."""


Migration = Callable[[Connection], None]
"""A step that moves the tables from one schema version to the next, inside a transaction."""

MIGRATIONS: Mapping[int, Migration] = {}
"""The steps of this collabrel: ``MIGRATIONS[n]`` moves a database from version n to n + 1."""


def _now() -> datetime:
    return datetime.now(UTC)


def stored_version(conn: Connection) -> int | None:
    """The schema version recorded in the database, or ``None`` when there are no tables."""
    if not inspect(conn).has_table(schema_table.name):
        return None
    row = conn.execute(select(schema_table.c.version).where(schema_table.c.id == 1)).first()
    return None if row is None else int(row[0])


def ensure_schema(
    conn: Connection,
    *,
    target: int = SCHEMA_VERSION,
    migrations: Mapping[int, Migration] = MIGRATIONS,
    create: Callable[[Connection], None] | None = None,
) -> int:
    """Create or migrate the collabrel tables in the transaction of *conn*; return the version.

    The caller holds the writers' lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
    PostgreSQL), so two processes opening a new database do not both create it. DDL is
    transactional on both backends: a crash leaves the old schema or the new one.

    Raises:
        SchemaVersionError: when the database is newer than *target*, or no migration step
            leads from its version to *target*.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(44001)"))
    version = stored_version(conn)
    if version is None:
        (create or metadata.create_all)(conn)
        conn.execute(schema_table.insert().values(id=1, version=target, migrated_at=_now()))
        return target
    if version > target:
        raise SchemaVersionError(
            f"the database holds collabrel schema version {version}, newer than version "
            f"{target} of this collabrel; upgrade collabrel to read it"
        )
    while version < target:
        step = migrations.get(version)
        if step is None:
            raise SchemaVersionError(
                f"no migration from collabrel schema version {version} to {version + 1}; "
                "export the history with the collabrel that wrote it and import it here"
            )
        step(conn)
        version += 1
        conn.execute(
            schema_table.update()
            .where(schema_table.c.id == 1)
            .values(version=version, migrated_at=_now())
        )
    return version
