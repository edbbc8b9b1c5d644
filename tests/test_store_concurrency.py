"""Several writer processes on overlapping subjects: every conflict detected, nothing lost.

Four forked writers share three hot relationships; writer *w* changes relationships
``w % 3`` and ``(w + 1) % 3``, so any two writers overlap. In each round every writer reads
the portfolio, waits at a barrier, and commits with the versions it read: exactly one of
them can win, the others must get :class:`ConflictError` (a silent overwrite would lose the
winner's change). A loser reads again and retries until it lands, so every change is
eventually acknowledged, and each must then be in the history, built on the version that
its predecessor wrote.

Takes a few seconds per backend.
"""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from collabrel.errors import ConflictError
from collabrel.store import Put, Store
from collabrel.testing import make_portfolio, make_relationship

WRITERS = 4
ROUNDS = 8
HOT = ("rel-a", "rel-b", "rel-c")
NAME = "shared"


def _subjects(w: int) -> tuple[str, str]:
    return HOT[w % 3], HOT[(w + 1) % 3]


def _writer(url: str, w: int, barrier, fd: int) -> None:
    code = 0
    try:
        store = Store(url)
        for r in range(ROUNDS):
            token = f"w{w}-r{r}"
            versions = store.snapshot(NAME).versions
            barrier.wait(timeout=60)
            while True:
                held = {rid: versions[rid] for rid in _subjects(w)}
                items = [
                    Put(make_relationship(id=rid, name=token), expected=v)
                    for rid, v in held.items()
                ]
                try:
                    commit = store.commit(NAME, items, actor=f"writer-{w}", reason=token)
                except ConflictError as exc:
                    report = {
                        "conflict": token,
                        "subject": exc.subject,
                        "expected": exc.expected,
                        "actual": exc.actual,
                    }
                    os.write(fd, (json.dumps(report) + "\n").encode())
                    versions = store.snapshot(NAME).versions
                    continue
                report = {
                    "ok": token,
                    "seq": commit.seq,
                    "held": held,
                    "versions": commit.versions,
                }
                os.write(fd, (json.dumps(report) + "\n").encode())
                break
            barrier.wait(timeout=60)
        store.close()
    except BaseException:
        code = 4
    os._exit(code)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "shared.db")
    return request.getfixturevalue("postgres_cluster").new_database()


def test_writers_on_overlapping_subjects_detect_every_conflict_and_lose_nothing(url):
    with Store(url) as store:
        rels = tuple(make_relationship(id=rid) for rid in HOT)
        store.save(make_portfolio(relationships=rels), name=NAME, actor="setup")
    barrier = multiprocessing.get_context("fork").Barrier(WRITERS)
    read_fd, write_fd = os.pipe()
    pids = []
    for w in range(WRITERS):
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _writer(url, w, barrier, write_fd)
        pids.append(pid)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 65536):
        data += chunk
    os.close(read_fd)
    codes = [os.waitpid(pid, 0)[1] for pid in pids]
    assert codes == [0] * WRITERS, f"a writer failed: {codes}"
    reports = [json.loads(line) for line in data.decode().splitlines()]
    oks = [r for r in reports if "ok" in r]
    conflicts = [r for r in reports if "conflict" in r]

    # every change was eventually acknowledged, and in each round all but one writer
    # hit a conflict on its first attempt (all pairs of writers overlap)
    assert sorted(r["ok"] for r in oks) == sorted(
        f"w{w}-r{r}" for w in range(WRITERS) for r in range(ROUNDS)
    )
    assert len(conflicts) >= (WRITERS - 1) * ROUNDS
    for c in conflicts:
        assert c["subject"] in HOT
        assert c["actual"] > c["expected"]  # the store had moved on: a stale write

    with Store(url) as store:
        store.verify()
        history = store.history(NAME)[1 + len(HOT) :]
        assert len({h.seq for h in history}) == len(oks)  # one change per acknowledged write
        for ok in oks:
            entries = [h for h in history if h.seq == ok["seq"]]
            assert {h.reason for h in entries} == {ok["ok"]}
            for h in entries:
                # built on exactly the version the writer held: no update was lost
                assert h.version == ok["held"][h.subject] + 1 == ok["versions"][h.subject]
        for rid in HOT:
            held = sorted(ok["held"][rid] for ok in oks if rid in ok["held"])
            assert held == list(range(1, len(held) + 1))  # each version built on once
            final = store.snapshot(NAME)
            assert final.versions[rid] == len(held) + 1
