"""Crash safety: a writer killed with SIGKILL at random points loses nothing it acknowledged.

A forked writer process commits changes of three relationships each and acknowledges each
commit on a pipe once ``commit`` has returned; the test kills it after a random delay (while
it opens the store, reads, validates, inside a transaction or between two), again and again.
Afterwards every acknowledged commit is in the store with exactly the values written, no
change is half-written (each has all its revisions and nothing else), the hash chains and
row counts verify, and on SQLite ``PRAGMA integrity_check`` says ``ok``.

100 kills on each backend (200 in all); the module takes about 40 seconds on two cores.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import time

import pytest

from collabrel.errors import ConflictError
from collabrel.store import Put, Store
from collabrel.testing import make_portfolio, make_relationship

KILLS = 100
"""Kills per backend."""
IDS = tuple(f"rel-{k}" for k in range(6))
NAME = "crash"


def _portfolio():
    return make_portfolio(relationships=tuple(make_relationship(id=rid) for rid in IDS))


def _writer(url: str, prefix: str, fd: int) -> None:
    """Commit changes forever, acknowledging each on *fd*; runs in the forked child."""
    code = 0
    try:
        store = Store(url)
        versions = dict(store.snapshot(NAME).versions)
        os.write(fd, b"ready\n")
        i = 0
        while True:
            token = f"{prefix}-{i}"
            chosen = [IDS[(i + k) % len(IDS)] for k in range(3)]
            items = [
                Put(make_relationship(id=rid, name=token), expected=versions[rid]) for rid in chosen
            ]
            commit = store.commit(NAME, items, actor="writer", reason=token, idempotency_key=token)
            versions.update(commit.versions)
            os.write(fd, f"{token} {commit.seq}\n".encode())
            i += 1
    except ConflictError:  # pragma: no cover - one writer at a time: a conflict is a bug
        code = 3
    except BaseException:
        code = 4
    os._exit(code)


def _read_lines(fd: int, data: bytes, lines: int, timeout: float = 60) -> bytes:
    """Read from *fd* until *data* holds *lines* whole lines (or the writer is gone)."""
    deadline = time.monotonic() + timeout
    while data.count(b"\n") < lines and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data


def _round(url: str, prefix: str, rng: random.Random) -> tuple[list[tuple[str, int]], int]:
    """Fork a writer and kill it at a random point; return its acknowledgements.

    One round in ten kills the writer while it starts (opening the store, reading the
    portfolio). The others wait until it is ready, or until its first commit is
    acknowledged, then let it go on for a random while: the kill lands anywhere in the
    commit path, whatever the machine's load.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _writer(url, prefix, write_fd)
    os.close(write_fd)
    data = b""
    mode = rng.random()
    if mode < 0.1:
        time.sleep(rng.uniform(0.0, 0.05))
    else:
        data = _read_lines(read_fd, data, 1 if mode < 0.55 else 2)  # "ready", a first ack
        time.sleep(rng.uniform(0.0, 0.1))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    acks = []
    for line in data.decode().split("\n")[:-1]:  # a cut last line was not acknowledged
        if line != "ready":
            token, seq = line.split()
            acks.append((token, int(seq)))
    return acks, status


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "crash.db")
    return request.getfixturevalue("postgres_cluster").new_database()


def test_sigkill_at_random_points_loses_no_acknowledged_commit(url):
    with Store(url) as store:
        store.save(_portfolio(), name=NAME, actor="setup")
    rng = random.Random(44001)
    acked: dict[str, int] = {}
    killed = 0
    for n in range(KILLS):
        acks, status = _round(url, f"r{n}", rng)
        assert os.WIFSIGNALED(status), f"the writer stopped by itself (status {status})"
        assert os.WTERMSIG(status) == signal.SIGKILL
        killed += 1
        acked.update(acks)
    assert killed == KILLS
    assert len(acked) >= KILLS // 3  # the writer got well into its work

    with Store(url) as store:
        revisions = store.verify()  # hash chains, sequence numbers, row counts
        head = store.head(NAME)
        assert revisions == 1 + len(IDS) + 3 * (head - 1)  # whole changes only
        history = store.history(NAME)
        by_reason: dict[str, list] = {}
        for entry in history[1 + len(IDS) :]:
            by_reason.setdefault(entry.reason, []).append(entry)
        for token, seq in acked.items():
            entries = by_reason.get(token)
            assert entries is not None, f"acknowledged commit {token} (change {seq}) was lost"
            assert {e.seq for e in entries} == {seq}
            assert len(entries) == 3
        for token, entries in by_reason.items():
            assert len(entries) == 3, f"change {token} is half-written"
            values = store.revisions(NAME, after=entries[0].seq - 1, upto=entries[0].seq)
            assert {r.value.name for r in values} == {token}
        snap = store.snapshot(NAME)
        assert set(snap.versions) == set(IDS)
        assert len(by_reason) == head - 1
        if store.backend == "sqlite":
            conn = sqlite3.connect(url)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            finally:
                conn.close()
