"""A rules session attached to the store: it follows the history and writes through it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from collabrel._config import Config
from collabrel._model import Organization, Relationship
from collabrel.errors import ConfigError
from collabrel.rules import RuleSet, Session, VerdictChange
from collabrel.store._codec import ORGANIZATION
from collabrel.store._types import Commit, Delete, Put, Revision

if TYPE_CHECKING:
    from collabrel.store._store import Store

__all__ = ["AttachedSession"]


class AttachedSession:
    """A :class:`~collabrel.rules.Session` that stays current with a portfolio in a store.

    It starts from the portfolio's latest state. :meth:`refresh` applies the revisions
    written since, in sequence order, through the session's incremental updates, so a
    long-lived portal session never rebuilds. Its own updates are committed first, with the
    versions the session holds as the expected ones: a subject someone else changed in
    the meantime raises :class:`~collabrel.errors.ConflictError` and the session is left
    as it was; refresh it and apply the change again.

    Example:
        >>> import collabrel, tempfile, pathlib
        >>> from datetime import date
        >>> from collabrel.store import Store
        >>> store = Store(pathlib.Path(tempfile.mkdtemp()) / "history.db")
        >>> _ = store.save(collabrel.example_portfolio(), actor="alice")
        >>> live = store.session("northbridge", as_of=date(2026, 11, 23), actor="alice")
        >>> rel = live.session.relationship("rel-plant-hire")
        >>> changes = live.update_relationship(collabrel.evolve(rel, name="Plant hire"),
        ...                                    reason="renamed")
        >>> store.history("northbridge", "rel-plant-hire")[-1].changed_paths
        ('$.name',)
        >>> store.close()
    """

    def __init__(
        self,
        store: Store,
        name: str,
        ruleset: RuleSet | None = None,
        *,
        as_of: date,
        config: Config | None = None,
        actor: str | None = None,
    ) -> None:
        snap = store.snapshot(name)
        self._store = store
        self._name = name
        self._actor = actor
        self._session = Session(snap.portfolio, ruleset, as_of=as_of, config=config)
        self._seq = snap.seq
        self._versions: dict[tuple[str, str], int] = {
            ("relationship", rid): v for rid, v in snap.versions.items()
        }
        self._versions[(ORGANIZATION, snap.portfolio.organization.id)] = snap.organization_version

    @property
    def session(self) -> Session:
        """The rules session (query verdicts, findings and assessments on it)."""
        return self._session

    @property
    def store(self) -> Store:
        """The store it is attached to."""
        return self._store

    @property
    def name(self) -> str:
        """The portfolio's name in the store."""
        return self._name

    @property
    def seq(self) -> int:
        """The last change applied to the session."""
        return self._seq

    def version(self, subject: str, *, kind: str = "relationship") -> int:
        """The version of a subject the session holds (0: none)."""
        return self._versions.get((kind, subject), 0)

    # ----------------------------------------------------------------- following

    def refresh(self) -> tuple[VerdictChange, ...]:
        """Apply every revision written since the last one applied; return the changes."""
        return self._apply(self._store.revisions(self._name, after=self._seq))

    def _apply(self, revs: Sequence[Revision]) -> tuple[VerdictChange, ...]:
        out: list[VerdictChange] = []
        s = self._session
        for rev in revs:
            if rev.seq <= self._seq:
                continue
            value = rev.value
            if isinstance(value, Organization):
                out += s.update_organization(value)
            elif isinstance(value, Relationship):
                if self.version(rev.subject):
                    out += s.update_relationship(value)
                else:
                    out += s.add_relationship(value)
            else:
                out += s.remove_relationship(rev.subject)
            self._versions[(rev.kind, rev.subject)] = rev.version if value is not None else 0
        if revs:
            self._seq = max(self._seq, revs[-1].seq)
        return tuple(out)

    # ------------------------------------------------------------------- writing

    def commit(
        self,
        items: Sequence[Put | Delete],
        *,
        actor: str | None = None,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
    ) -> tuple[Commit, tuple[VerdictChange, ...]]:
        """Commit *items* through the store, then bring the session up to date.

        The commit is stamped with the session's rule set version. Returns the commit and
        the verdicts that changed in the session (by this write and any earlier ones it
        had not applied yet).

        Raises:
            ConflictError: when a subject changed in the store since the session read it;
                the session is unchanged.
        """
        who = actor or self._actor
        if who is None:
            raise ConfigError(
                "say who makes the change: pass actor=... here or to Store.session(...)"
            )
        commit = self._store.commit(
            self._name,
            items,
            actor=who,
            reason=reason,
            idempotency_key=idempotency_key,
            effective_on=effective_on,
            ruleset_version=self._session.ruleset.version,
        )
        if commit.seq is None or commit.seq <= self._seq:
            return commit, ()
        if commit.seq == self._seq + 1 and not commit.replayed:
            # nobody wrote in between: apply our own values without reading them back
            by_subject = {(i.kind, i.subject): i for i in items}
            revs = []
            for ref in commit.revisions:
                item = by_subject[(ref.kind, ref.subject)]
                revs.append(
                    Revision(
                        portfolio=self._name,
                        seq=commit.seq,
                        kind=ref.kind,
                        subject=ref.subject,
                        version=ref.version,
                        op=ref.op,
                        value=item.value if isinstance(item, Put) else None,
                        changed_paths=(),
                    )
                )
            return commit, self._apply(revs)
        return commit, self.refresh()

    def _expected(self, kind: str, subject: str) -> int:
        return self.version(subject, kind=kind)

    def update_relationship(
        self,
        relationship: Relationship,
        *,
        actor: str | None = None,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
    ) -> tuple[VerdictChange, ...]:
        """Commit a new value of an existing relationship; return the verdicts that changed."""
        item = Put(relationship, expected=self._expected("relationship", relationship.id))
        return self.commit(
            [item],
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            effective_on=effective_on,
        )[1]

    def add_relationship(
        self,
        relationship: Relationship,
        *,
        actor: str | None = None,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
    ) -> tuple[VerdictChange, ...]:
        """Commit a new relationship; return the verdicts that changed."""
        return self.commit(
            [Put(relationship, expected=0)],
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            effective_on=effective_on,
        )[1]

    def remove_relationship(
        self,
        relationship_id: str,
        *,
        actor: str | None = None,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
    ) -> tuple[VerdictChange, ...]:
        """Commit the deletion of a relationship; return the verdicts that changed."""
        item = Delete(relationship_id, expected=self._expected("relationship", relationship_id))
        return self.commit(
            [item],
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            effective_on=effective_on,
        )[1]

    def update_organization(
        self,
        organization: Organization,
        *,
        actor: str | None = None,
        reason: str = "",
        idempotency_key: str | None = None,
        effective_on: date | None = None,
    ) -> tuple[VerdictChange, ...]:
        """Commit a new value of the organization; return the verdicts that changed."""
        item = Put(organization, expected=self._expected(ORGANIZATION, organization.id))
        return self.commit(
            [item],
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            effective_on=effective_on,
        )[1]
