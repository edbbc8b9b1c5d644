"""Verifying, exporting and importing the whole history (JSON Lines)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from collabrel.errors import HistoryIntegrityError, LoadError, Problem, StoreError
from collabrel.store import _codec
from collabrel.store._codec import DELETE, KINDS, PUT
from collabrel.store._schema import SCHEMA_VERSION, changes, portfolios, revisions

if TYPE_CHECKING:
    from collabrel.store._store import Store

__all__ = ["FORMAT", "FORMAT_VERSION", "export_history", "import_history", "verify"]

FORMAT = "collabrel-history"
"""The ``format`` of an exported history's first line."""
FORMAT_VERSION = 1
"""The version of the export format."""
_BATCH = 500
_MAX_PROBLEMS = 50


def _change_of(row: Any) -> dict[str, Any]:
    return _codec.change_fields(
        seq=int(row.seq),
        recorded_at=row.recorded_at,
        effective_on=row.effective_on,
        actor=row.actor,
        reason=row.reason,
        idempotency_key=row.idempotency_key,
        fingerprint=row.fingerprint,
        ruleset_version=row.ruleset_version,
        collabrel_version=row.collabrel_version,
        revisions=int(row.revisions),
    )


def _names(conn: Connection, name: str | None) -> list[str]:
    if name is not None:
        return [name]
    return [
        str(r[0])
        for r in conn.execute(
            select(portfolios.c.portfolio)
            .where(portfolios.c.head_seq > 0)
            .order_by(portfolios.c.portfolio)
        )
    ]


# -------------------------------------------------------------------------- verify


def verify(store: Store, name: str | None = None) -> int:
    """Check the hash chains, sequence numbers and row counts; return the revisions checked."""
    problems: list[str] = []
    checked = 0
    with store._read() as conn:  # noqa: SLF001 - the store's own helper module
        names = _names(conn, name)
        if name is not None:
            store._head(conn, name)  # noqa: SLF001 - raises for an unknown portfolio
        for p in names:
            checked += _verify_one(conn, p, problems)
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        lines = "\n".join(f"  - {line}" for line in shown)
        tail = f"\n  ... and {more} more" if more else ""
        raise HistoryIntegrityError(
            f"the history in {store.url} does not verify ({len(problems)} problems):\n"
            f"{lines}{tail}",
            problems=tuple(problems),
        )
    return checked


def _verify_one(conn: Connection, name: str, problems: list[str]) -> int:
    head = int(
        conn.execute(
            select(portfolios.c.head_seq).where(portfolios.c.portfolio == name)
        ).scalar_one()
    )
    change_rows = conn.execute(
        select(changes).where(changes.c.portfolio == name).order_by(changes.c.seq)
    ).all()
    seqs = [int(r.seq) for r in change_rows]
    if seqs != list(range(1, head + 1)):
        problems.append(f"{name}: the changes are numbered {_span(seqs)}, the head says 1..{head}")
    fields = {int(r.seq): _change_of(r) for r in change_rows}
    last: datetime | None = None
    for r in change_rows:
        if last is not None and r.recorded_at <= last:
            problems.append(f"{name}: change {r.seq} is not recorded after change {r.seq - 1}")
        last = r.recorded_at
    counts: dict[int, int] = dict(
        conn.execute(
            select(revisions.c.seq, func.count())
            .where(revisions.c.portfolio == name)
            .group_by(revisions.c.seq)
        ).all()
    )
    for seq, f in fields.items():
        found = int(counts.pop(seq, 0))
        if found != f["revisions"]:
            problems.append(
                f"{name}: change {seq} declares {f['revisions']} revisions, {found} are stored"
            )
    problems.extend(f"{name}: revisions of change {seq}, which is not stored" for seq in counts)
    rc = revisions.c
    rows = conn.execution_options(yield_per=_BATCH).execute(
        select(
            rc.kind,
            rc.subject,
            rc.version,
            rc.seq,
            rc.ordinal,
            rc.op,
            rc.document,
            rc.changed_paths,
            rc.created_seq,
            rc.created_ordinal,
            rc.shard,
            rc.prev_hash,
            rc.hash,
        )
        .where(rc.portfolio == name)
        .order_by(rc.kind, rc.subject, rc.version)
    )
    checked = 0
    prev: tuple[str, str, int, str] | None = None
    for row in rows:
        checked += 1
        where = f"{name}: {row.kind} {row.subject!r} version {row.version}"
        same = prev is not None and prev[:2] == (row.kind, row.subject)
        want_version = prev[2] + 1 if same and prev else 1
        want_prev = prev[3] if same and prev else None
        if row.version != want_version:
            problems.append(f"{where}: expected version {want_version} (a version is missing)")
        if row.prev_hash != want_prev:
            problems.append(f"{where}: its link to the previous version is broken")
        change = fields.get(int(row.seq))
        if change is None:
            prev = (row.kind, row.subject, int(row.version), row.hash)
            continue
        digest = _codec.revision_hash(
            prev_hash=row.prev_hash,
            portfolio=name,
            kind=row.kind,
            subject=row.subject,
            version=int(row.version),
            op=row.op,
            document=row.document,
            changed=json.loads(row.changed_paths),
            ordinal=int(row.ordinal),
            created_seq=int(row.created_seq),
            created_ordinal=int(row.created_ordinal),
            change=change,
        )
        if digest != row.hash:
            problems.append(f"{where}: the hash does not match its content (change {row.seq})")
        if int(row.shard) != _codec.shard_of(row.subject):
            problems.append(f"{where}: the shard number is wrong")
        prev = (row.kind, row.subject, int(row.version), row.hash)
    return checked


def _span(seqs: list[int]) -> str:
    if not seqs:
        return "(none)"
    return f"{seqs[0]}..{seqs[-1]} ({len(seqs)} changes)"


# -------------------------------------------------------------------------- export


def _open(target: str | Path | IO[str], mode: str, stack: ExitStack) -> IO[str]:
    if isinstance(target, str | Path):
        return stack.enter_context(Path(target).open(mode, encoding="utf-8", newline="\n"))
    return target


def export_history(store: Store, target: str | Path | IO[str], *, name: str | None) -> int:
    """Write the history as JSON Lines: a header, then per portfolio its changes and revisions."""
    lines = 0
    with ExitStack() as stack:
        out = _open(target, "w", stack)

        def emit(obj: dict[str, Any]) -> None:
            nonlocal lines
            out.write(_codec.canonical(obj) + "\n")
            lines += 1

        with store._read() as conn:  # noqa: SLF001 - the store's own helper module
            if name is not None:
                store._head(conn, name)  # noqa: SLF001 - raises for an unknown portfolio
            emit(
                {
                    "type": "header",
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "schema_version": SCHEMA_VERSION,
                }
            )
            for p in _names(conn, name):
                _export_one(conn, p, emit)
    return lines


def _export_one(conn: Connection, name: str, emit: Any) -> None:
    meta = conn.execute(select(portfolios).where(portfolios.c.portfolio == name)).one()
    emit(
        {
            "type": "portfolio",
            "portfolio": name,
            "created_at": _codec.iso(meta.created_at),
            "changes": int(meta.head_seq),
        }
    )
    change_rows = conn.execute(
        select(changes).where(changes.c.portfolio == name).order_by(changes.c.seq)
    ).all()
    r = revisions.c
    result = conn.execution_options(yield_per=_BATCH).execute(
        select(
            r.kind,
            r.subject,
            r.version,
            r.seq,
            r.ordinal,
            r.op,
            r.document,
            r.changed_paths,
            r.created_seq,
            r.created_ordinal,
            r.prev_hash,
            r.hash,
        )
        .where(r.portfolio == name)
        .order_by(r.seq, r.ordinal)
    )
    with result:
        _emit_changes(name, change_rows, iter(result), emit)


def _emit_changes(name: str, change_rows: Any, rows: Iterator[Any], emit: Any) -> None:
    for c in change_rows:
        emit({"type": "change", "portfolio": name, **_change_of(c)})
        for _ in range(int(c.revisions)):
            row = next(rows)
            emit(
                {
                    "type": "revision",
                    "portfolio": name,
                    "kind": row.kind,
                    "subject": row.subject,
                    "version": int(row.version),
                    "seq": int(row.seq),
                    "ordinal": int(row.ordinal),
                    "op": row.op,
                    "document": json.loads(row.document) if row.document is not None else None,
                    "changed_paths": json.loads(row.changed_paths),
                    "created_seq": int(row.created_seq),
                    "created_ordinal": int(row.created_ordinal),
                    "prev_hash": row.prev_hash,
                    "hash": row.hash,
                }
            )


# -------------------------------------------------------------------------- import


class _Bad(Exception):  # noqa: N818 - private: a malformed line, turned into a LoadError
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _get(
    obj: dict[str, Any], key: str, kind: type | tuple[type, ...], *, null: bool = False
) -> Any:
    if key not in obj:
        raise _Bad(f"$.{key}", "required field is missing")
    value = obj[key]
    if value is None and null:
        return None
    if isinstance(value, bool) and kind is not bool:
        raise _Bad(f"$.{key}", f"expected {_type_name(kind)}, got {value!r}")
    if not isinstance(value, kind):
        raise _Bad(f"$.{key}", f"expected {_type_name(kind)}, got {value!r}")
    return value


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "a whole number", str: "text", list: "a list", dict: "an object"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _instant(obj: dict[str, Any], key: str) -> datetime:
    text = _get(obj, key, str)
    try:
        value = _codec.parse_iso(text)
    except ValueError:
        raise _Bad(f"$.{key}", f"not an ISO instant: {text!r}") from None
    if datetime.fromisoformat(text).tzinfo is None:
        raise _Bad(f"$.{key}", f"the instant {text!r} has no timezone")
    return value


class _Importer:
    """State of one import: what the next line must be, and the rows to write."""

    def __init__(self, store: Store, conn: Connection) -> None:
        self.store = store
        self.conn = conn
        self.portfolio: str | None = None
        self.declared = 0
        self.next_seq = 1
        self.last_time: datetime | None = None
        self.change: dict[str, Any] | None = None
        self.remaining = 0
        self.ordinal = 0
        self.chains: dict[tuple[str, str], tuple[int, str, str]] = {}
        self.change_rows: list[dict[str, Any]] = []
        self.revision_rows: list[dict[str, Any]] = []
        self.imported: list[str] = []

    def flush(self) -> None:
        if self.change_rows:
            self.conn.execute(changes.insert(), self.change_rows)
            self.change_rows = []
        if self.revision_rows:
            self.conn.execute(revisions.insert(), self.revision_rows)
            self.revision_rows = []

    def finish_portfolio(self) -> None:
        if self.portfolio is None:
            return
        if self.remaining:
            raise _Bad("$", f"change {self.next_seq - 1} lacks {self.remaining} revisions")
        if self.next_seq - 1 != self.declared:
            raise _Bad(
                "$",
                f"portfolio {self.portfolio!r} declares {self.declared} changes, the file "
                f"has {self.next_seq - 1}",
            )
        self.flush()
        self.conn.execute(
            portfolios.update()
            .where(portfolios.c.portfolio == self.portfolio)
            .values(head_seq=self.declared, head_recorded_at=self.last_time)
        )
        self.imported.append(self.portfolio)

    def on_portfolio(self, obj: dict[str, Any]) -> None:
        self.finish_portfolio()
        name = _get(obj, "portfolio", str)
        if name in self.imported:
            raise _Bad("$.portfolio", f"portfolio {name!r} appears twice in the file")
        created = _instant(obj, "created_at")
        self.declared = _get(obj, "changes", int)
        head = self.conn.execute(
            select(portfolios.c.head_seq).where(portfolios.c.portfolio == name)
        ).scalar()
        if head:
            raise StoreError(
                f"portfolio {name!r} already has {head} changes in {self.store.url}; import "
                "a history into a store that does not have it"
            )
        if head is None:
            self.conn.execute(
                portfolios.insert().values(portfolio=name, head_seq=0, created_at=created)
            )
        self.portfolio, self.next_seq, self.last_time = name, 1, None
        self.chains = {}

    def on_change(self, obj: dict[str, Any]) -> None:
        if self.portfolio is None or _get(obj, "portfolio", str) != self.portfolio:
            raise _Bad("$.portfolio", "a change outside its portfolio section")
        if self.remaining:
            raise _Bad("$", f"change {self.next_seq - 1} lacks {self.remaining} revisions")
        seq = _get(obj, "seq", int)
        if seq != self.next_seq:
            raise _Bad("$.seq", f"expected change {self.next_seq}, got {seq}")
        recorded_at = _instant(obj, "recorded_at")
        if self.last_time is not None and recorded_at <= self.last_time:
            raise _Bad("$.recorded_at", "not later than the previous change")
        effective = _get(obj, "effective_on", str, null=True)
        try:
            effective_on = date.fromisoformat(effective) if effective is not None else None
        except ValueError:
            raise _Bad("$.effective_on", f"not a date: {effective!r}") from None
        count = _get(obj, "revisions", int)
        if count < 1:
            raise _Bad("$.revisions", "a change has at least one revision")
        row = {
            "portfolio": self.portfolio,
            "seq": seq,
            "recorded_at": recorded_at,
            "effective_on": effective_on,
            "actor": _get(obj, "actor", str),
            "reason": _get(obj, "reason", str),
            "idempotency_key": _get(obj, "idempotency_key", str, null=True),
            "fingerprint": _get(obj, "fingerprint", str, null=True),
            "ruleset_version": _get(obj, "ruleset_version", str, null=True),
            "collabrel_version": _get(obj, "collabrel_version", str),
            "revisions": count,
        }
        self.change = _codec.change_fields(**{k: v for k, v in row.items() if k != "portfolio"})
        self.change_rows.append(row)
        self.next_seq, self.last_time, self.remaining, self.ordinal = seq + 1, recorded_at, count, 0

    def on_revision(self, obj: dict[str, Any], line: int) -> None:
        if self.change is None or not self.remaining:
            raise _Bad("$", "a revision that no change announced")
        if _get(obj, "portfolio", str) != self.portfolio:
            raise _Bad("$.portfolio", "a revision outside its portfolio section")
        seq = _get(obj, "seq", int)
        if seq != self.change["seq"]:
            raise _Bad("$.seq", f"expected change {self.change['seq']}, got {seq}")
        kind, subject = _get(obj, "kind", str), _get(obj, "subject", str)
        if kind not in KINDS:
            raise _Bad("$.kind", f"unknown kind {kind!r}")
        version, op = _get(obj, "version", int), _get(obj, "op", str)
        if op not in {PUT, DELETE}:
            raise _Bad("$.op", f"unknown op {op!r}")
        ordinal = _get(obj, "ordinal", int)
        if ordinal != self.ordinal:
            raise _Bad("$.ordinal", f"expected ordinal {self.ordinal}, got {ordinal}")
        data = obj.get("document")
        if (op == PUT) != (data is not None):
            raise _Bad("$.document", "a put has a document, a delete has none")
        text = _codec.canonical(data) if data is not None else None
        if text is not None:
            _codec.value_of(kind, text, where=f"line {line}: {kind} {subject!r} v{version}")
        paths = _get(obj, "changed_paths", list)
        prev_hash = _get(obj, "prev_hash", str, null=True)
        digest = _get(obj, "hash", str)
        last = self.chains.get((kind, subject))
        where = f"line {line}: {self.portfolio}: {kind} {subject!r} version {version}"
        if version != (last[0] + 1 if last else 1):
            raise HistoryIntegrityError(
                f"{where}: expected version {last[0] + 1 if last else 1}", problems=(where,)
            )
        if prev_hash != (last[1] if last else None):
            raise HistoryIntegrityError(
                f"{where}: its link to the previous version is broken", problems=(where,)
            )
        created_seq, created_ordinal = (
            _get(obj, "created_seq", int),
            _get(obj, "created_ordinal", int),
        )
        assert self.portfolio is not None  # noqa: S101 - set by on_portfolio, checked above
        recomputed = _codec.revision_hash(
            prev_hash=prev_hash,
            portfolio=self.portfolio,
            kind=kind,
            subject=subject,
            version=version,
            op=op,
            document=text,
            changed=paths,
            ordinal=ordinal,
            created_seq=created_seq,
            created_ordinal=created_ordinal,
            change=self.change,
        )
        if recomputed != digest:
            raise HistoryIntegrityError(
                f"{where}: the hash does not match the content (edited or damaged)",
                problems=(where,),
            )
        self.chains[(kind, subject)] = (version, digest, op)
        self.revision_rows.append(
            {
                "portfolio": self.portfolio,
                "kind": kind,
                "subject": subject,
                "version": version,
                "seq": seq,
                "ordinal": ordinal,
                "op": op,
                "document": text,
                "changed_paths": _codec.canonical(paths),
                "created_seq": created_seq,
                "created_ordinal": created_ordinal,
                "shard": _codec.shard_of(subject),
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        self.remaining -= 1
        self.ordinal += 1
        if len(self.revision_rows) >= _BATCH:
            self.flush()


def import_history(store: Store, source: str | Path | IO[str]) -> tuple[str, ...]:
    """Read an exported history into the store, checked line by line, in one transaction."""
    label = str(source) if isinstance(source, str | Path) else getattr(source, "name", "<stream>")
    with ExitStack() as stack:
        stream = _open(source, "r", stack)
        with store._write() as conn:  # noqa: SLF001 - the store's own helper module
            state = _Importer(store, conn)
            number = 0
            try:
                for number, raw in enumerate(stream, start=1):
                    if not raw.strip():
                        continue
                    _line(state, raw, number)
                if number == 0:
                    raise _Bad("$", "the file is empty; expected a collabrel history")  # noqa: TRY301 - reported like every other malformed line
                state.finish_portfolio()
            except _Bad as exc:
                where = f"line {number}" if number else "line 1"
                raise LoadError(
                    [Problem(path=f"{where} {exc.path}", message=exc.message)], source=label
                ) from None
            except UnicodeDecodeError as exc:
                raise LoadError(
                    [Problem(path=f"line {number + 1}", message=f"not UTF-8 text ({exc})")],
                    source=label,
                ) from None
    return tuple(state.imported)


def _line(state: _Importer, raw: str, number: int) -> None:
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise _Bad("$", f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise _Bad("$", "expected a JSON object on every line")
    kind = obj.get("type")
    if number == 1 or kind == "header":
        if number != 1 or kind != "header":
            raise _Bad("$.type", "the first line must be the header, and only the first")
        if obj.get("format") != FORMAT:
            raise _Bad("$.format", f"not a collabrel history (format {obj.get('format')!r})")
        if obj.get("format_version") != FORMAT_VERSION:
            raise _Bad(
                "$.format_version",
                f"format version {obj.get('format_version')!r} is not {FORMAT_VERSION}; "
                "import it with the collabrel that exported it",
            )
        return
    if kind == "portfolio":
        state.on_portfolio(obj)
    elif kind == "change":
        state.on_change(obj)
    elif kind == "revision":
        state.on_revision(obj, number)
    else:
        raise _Bad("$.type", f"unknown line type {kind!r}; expected portfolio, change or revision")
