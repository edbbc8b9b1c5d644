"""The values the store takes and gives: writes, commits, snapshots, revisions, history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import attrs

from collabrel._model import Organization, Portfolio, Relationship

__all__ = ["Commit", "Delete", "HistoryEntry", "Put", "Revision", "RevisionRef", "Snapshot"]


@attrs.frozen(kw_only=True)
class Put:
    """Write a whole organization or relationship, as the next version of its subject.

    Example:
        >>> import collabrel
        >>> rel = collabrel.example_portfolio().relationships[0]
        >>> Put(rel, expected=0)  # a relationship the store does not have yet
        <Put relationship 'rel-rail-jv' expected=0>
    """

    value: Organization | Relationship = attrs.field(kw_only=False)
    """The new value of the subject."""
    expected: int
    """The version the writer holds: 0 for a new subject, else the version it read."""

    @property
    def kind(self) -> str:
        """``"organization"`` or ``"relationship"``."""
        return "organization" if isinstance(self.value, Organization) else "relationship"

    @property
    def subject(self) -> str:
        """The subject id."""
        return self.value.id

    def __repr__(self) -> str:
        return f"<Put {self.kind} {self.subject!r} expected={self.expected}>"


@attrs.frozen(kw_only=True)
class Delete:
    """Delete a relationship (its history stays); *expected* is the version the writer holds."""

    relationship_id: str = attrs.field(kw_only=False)
    """The relationship to delete."""
    expected: int
    """The version the writer holds (at least 1)."""

    @property
    def kind(self) -> str:
        """Always ``"relationship"``: the organization of a portfolio cannot be deleted."""
        return "relationship"

    @property
    def subject(self) -> str:
        """The subject id."""
        return self.relationship_id


@attrs.frozen(kw_only=True)
class RevisionRef:
    """The new version a committed write gave one subject."""

    kind: str
    """``"organization"`` or ``"relationship"``."""
    subject: str
    """The subject id."""
    version: int
    """Its new version."""
    op: str
    """``"put"`` or ``"delete"``."""


@attrs.frozen(kw_only=True)
class Commit:
    """What a write did: its sequence number and the new version of every changed subject.

    A write whose values equal the stored ones changes nothing: ``seq`` is ``None`` and
    ``revisions`` is empty. A retry with the same idempotency key returns an equal commit.
    """

    portfolio: str
    """The portfolio written."""
    seq: int | None
    """The change's sequence number in the portfolio (``None``: nothing changed)."""
    recorded_at: datetime | None
    """When the change was recorded (UTC, transaction time)."""
    revisions: tuple[RevisionRef, ...]
    """The new versions, in the order of the write."""
    replayed: bool = attrs.field(default=False, eq=False)
    """Whether this is the stored result of an earlier write with the same idempotency key."""

    @property
    def versions(self) -> dict[str, int]:
        """The new version of each changed subject, by subject id."""
        return {r.subject: r.version for r in self.revisions}


@attrs.frozen(kw_only=True)
class Revision:
    """One stored version of a subject, with its value."""

    portfolio: str
    """The portfolio."""
    seq: int
    """The change that wrote it."""
    kind: str
    """``"organization"`` or ``"relationship"``."""
    subject: str
    """The subject id."""
    version: int
    """The version (1, 2, ...)."""
    op: str
    """``"put"`` or ``"delete"``."""
    value: Organization | Relationship | None
    """The subject's value (``None`` for a delete)."""
    changed_paths: tuple[str, ...]
    """Where the document differs from the previous version (``$`` for a new subject)."""


@attrs.frozen(kw_only=True)
class HistoryEntry:
    """One line of history: who changed which subject, when, why, and where."""

    seq: int
    """The change's sequence number."""
    recorded_at: datetime
    """When it was recorded (UTC, transaction time)."""
    effective_on: date | None
    """When the change took effect in the world, if the writer said so."""
    actor: str
    """Who made the change."""
    reason: str
    """Why."""
    kind: str
    """``"organization"`` or ``"relationship"``."""
    subject: str
    """The subject id."""
    version: int
    """The subject's version after the change."""
    op: str
    """``"put"`` or ``"delete"``."""
    changed_paths: tuple[str, ...]
    """Where the document changed (``$``: created or deleted)."""
    ruleset_version: str | None
    """The rule set version the writer worked with, if it said."""
    collabrel_version: str
    """The collabrel version that wrote the change."""
    idempotency_key: str | None = None
    """The writer's idempotency key, if any."""


@attrs.frozen(kw_only=True)
class Snapshot:
    """A portfolio as the store recorded it at one point of its history, with versions."""

    name: str
    """The portfolio's name in the store."""
    portfolio: Portfolio
    """The organization and the relationships (in the order they were added)."""
    seq: int
    """The last change included."""
    recorded_at: datetime | None
    """When that change was recorded."""
    organization_version: int
    """The organization's version."""
    versions: Mapping[str, int]
    """Each relationship's version, by id: pass them back as ``expected`` when writing."""
    ruleset_version: str | None
    """The rule set version recorded by the last change that gave one."""
