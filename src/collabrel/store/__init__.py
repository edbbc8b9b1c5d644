"""The store: portfolios and their full history in SQLite (default) or PostgreSQL.

Applications that embed collabrel save a portfolio in a :class:`Store` and change it with
writes that say who, when and why (ISO 44001 7.5.3 asks that changes to documented
information be controlled). Every write is one transaction; a writer holding a stale version
gets :class:`~collabrel.errors.ConflictError`, never a silent overwrite; nothing is updated
in place, so the portfolio as recorded at any past instant can be read and assessed again.

Needs the ``store`` extra: ``pip install 'collabrel[store]'`` (SQLAlchemy and psycopg).

Example:
    >>> import collabrel, tempfile, pathlib
    >>> from collabrel.store import Put, Store
    >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "history.db")
    >>> first = store.save(collabrel.example_portfolio(), actor="alice", reason="initial load")
    >>> snap = store.snapshot("northbridge")
    >>> rel = snap.portfolio.relationship("rel-plant-hire")
    >>> commit = store.commit("northbridge",
    ...                       [Put(collabrel.evolve(rel, name="Plant hire"),
    ...                            expected=snap.versions[rel.id])],
    ...                       actor="bob", reason="shorter name")
    >>> commit.versions
    {'rel-plant-hire': 2}
    >>> store.close()
"""

from __future__ import annotations

try:
    import sqlalchemy as _sqlalchemy  # noqa: F401 - fail early with the install hint
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    _msg = "collabrel.store needs the store extra: pip install 'collabrel[store]'"
    raise ImportError(_msg) from _exc

from collabrel.store._attached import AttachedSession
from collabrel.store._history import FORMAT, FORMAT_VERSION
from collabrel.store._schema import SCHEMA_VERSION
from collabrel.store._store import OnMismatch, Store
from collabrel.store._types import (
    Commit,
    Delete,
    HistoryEntry,
    Put,
    Revision,
    RevisionRef,
    Snapshot,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SCHEMA_VERSION",
    "AttachedSession",
    "Commit",
    "Delete",
    "HistoryEntry",
    "OnMismatch",
    "Put",
    "Revision",
    "RevisionRef",
    "Snapshot",
    "Store",
]
