"""Documents, changed paths and hash chains: the pure part of the store (no database).

A subject is stored as its canonical JSON document: the plain data of
:func:`collabrel._io.unstructure`, with sorted keys, no insignificant whitespace and UTF-8
text, so that the same value always gives the same bytes and the same hash.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

import attrs

from collabrel._io import structure, unstructure
from collabrel._model import Organization, Relationship
from collabrel.errors import LoadError, Problem

__all__ = [
    "DELETE",
    "KINDS",
    "ORGANIZATION",
    "PUT",
    "RELATIONSHIP",
    "Kind",
    "Op",
    "canonical",
    "change_fields",
    "changed_paths",
    "document_of",
    "fingerprint",
    "iso",
    "parse_iso",
    "revision_hash",
    "shard_of",
    "value_of",
]

Kind = Literal["organization", "relationship"]
Op = Literal["put", "delete"]
ORGANIZATION: Final = "organization"
RELATIONSHIP: Final = "relationship"
KINDS: Final = (ORGANIZATION, RELATIONSHIP)
PUT: Final = "put"
DELETE: Final = "delete"

_CLASSES: dict[str, type[Organization | Relationship]] = {
    ORGANIZATION: Organization,
    RELATIONSHIP: Relationship,
}


def canonical(data: Any) -> str:
    """Return *data* as canonical JSON text (sorted keys, compact, UTF-8, no NaN)."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _kind_of(value: Organization | Relationship) -> Kind:
    return "organization" if isinstance(value, Organization) else "relationship"


def document_of(
    value: Organization | Relationship, *, where: str, check: bool = True
) -> tuple[Kind, Any, str]:
    """Return ``(kind, plain data, canonical text)`` of a subject, validated.

    With *check*, the document is loaded back and must give an equal value, so that what is
    stored can always be read again.

    Raises:
        LoadError: when the value cannot be written as JSON or does not survive the trip.
    """
    kind = _kind_of(value)
    try:
        data = unstructure(value)
        text = canonical(data)
        text.encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise LoadError(
            [Problem(path="$", message=f"the {kind} cannot be written as JSON: {exc}")],
            source=where,
        ) from None
    if check:
        back = structure(json.loads(text), _CLASSES[kind], source=where)
        if back != value:
            differs = [
                name
                for name in attrs.fields(type(value))
                if getattr(back, name.name) != getattr(value, name.name)
            ]
            fields = ", ".join(f"$.{a.name}" for a in differs) or "$"
            raise LoadError(
                [
                    Problem(
                        path=fields,
                        message=f"the {kind} changes when written and read again",
                        hint="use values collabrel can load (dates, collabrel quantities, "
                        "plain text)",
                    )
                ],
                source=where,
            )
    return kind, data, text


def value_of(kind: str, text: str, *, where: str) -> Organization | Relationship:
    """Load a stored document of *kind* back into its value.

    Raises:
        LoadError: when the document is not a valid subject (with the paths).
    """
    cls = _CLASSES.get(kind)
    if cls is None:
        raise LoadError([Problem(path="$.kind", message=f"unknown kind {kind!r}")], source=where)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LoadError(
            [Problem(path="$", message=f"the stored document is not JSON: {exc}")], source=where
        ) from None
    return structure(data, cls, source=where)


def changed_paths(old: Any, new: Any, prefix: str = "$") -> list[str]:
    """Return the paths where the plain documents *old* and *new* differ, outermost first.

    A mapping is compared key by key, a list of the same length item by item; any other
    difference is reported at its own path.
    """
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(f"{prefix}.{key}")
            else:
                out += changed_paths(old[key], new[key], f"{prefix}.{key}")
        return out
    if (
        isinstance(old, Sequence)
        and isinstance(new, Sequence)
        and not isinstance(old, str)
        and not isinstance(new, str)
        and len(old) == len(new)
    ):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += changed_paths(a, b, f"{prefix}[{i}]")
        return out
    return [prefix]


def shard_of(subject: str) -> int:
    """A stable, non-negative hash of a subject id, for partitioned reads (``shard % n``)."""
    return zlib.crc32(subject.encode("utf-8"))


def iso(value: datetime) -> str:
    """An aware datetime as fixed-width UTC ISO text (microseconds)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    """The inverse of :func:`iso`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def change_fields(
    *,
    seq: int,
    recorded_at: datetime,
    effective_on: date | None,
    actor: str,
    reason: str,
    idempotency_key: str | None,
    fingerprint: str | None,
    ruleset_version: str | None,
    collabrel_version: str,
    revisions: int,
) -> dict[str, Any]:
    """The plain data of a change, as hashed and exported."""
    return {
        "seq": seq,
        "recorded_at": iso(recorded_at),
        "effective_on": effective_on.isoformat() if effective_on is not None else None,
        "actor": actor,
        "reason": reason,
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
        "ruleset_version": ruleset_version,
        "collabrel_version": collabrel_version,
        "revisions": revisions,
    }


def revision_hash(
    *,
    prev_hash: str | None,
    portfolio: str,
    kind: str,
    subject: str,
    version: int,
    op: str,
    document: str | None,
    changed: Sequence[str],
    ordinal: int,
    created_seq: int,
    created_ordinal: int,
    change: Mapping[str, Any],
) -> str:
    """The hash of one revision, chained to the subject's previous revision.

    It covers the revision, the document text and the whole change it belongs to (who,
    when, why), so that editing any of them breaks the chain from there on.
    """
    payload = canonical(
        {
            "prev": prev_hash or "",
            "portfolio": portfolio,
            "kind": kind,
            "subject": subject,
            "version": version,
            "op": op,
            "document": document,
            "changed_paths": list(changed),
            "ordinal": ordinal,
            "created_seq": created_seq,
            "created_ordinal": created_ordinal,
            "change": dict(change),
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(request: Any) -> str:
    """A digest of a write request, to tell a retry from a different request."""
    return hashlib.sha256(canonical(request).encode("utf-8")).hexdigest()
