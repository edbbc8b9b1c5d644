"""The store, against a real SQLite file and a real PostgreSQL server (same tests, no mocks).

Every test runs twice: on a SQLite file in a temporary directory and on a fresh database of
the throwaway PostgreSQL cluster that ``tests/store_servers.py`` starts on loopback.
"""

from __future__ import annotations

import io
import json
import pickle
import re
import sqlite3
import warnings
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from sqlalchemy import create_engine, inspect, text

import collabrel
from collabrel import Stage, evolve
from collabrel.errors import (
    CollabrelError,
    ConfigError,
    ConflictError,
    HistoryIntegrityError,
    IdempotencyKeyError,
    LoadError,
    RulesetMismatchError,
    RulesetMismatchWarning,
    SchemaVersionError,
    StoreError,
    UnknownSubjectError,
)
from collabrel.rules import Session, default_ruleset
from collabrel.store import SCHEMA_VERSION, Commit, Delete, Put, RevisionRef, Store
from collabrel.store._schema import ensure_schema, schema_table
from collabrel.testing import make_organization, make_portfolio, make_relationship

AS_OF = date(2026, 11, 23)
NAME = "northbridge"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


@pytest.fixture
def example():
    return collabrel.example_portfolio()


@pytest.fixture
def saved(store, example):
    store.save(example, actor="alice", reason="initial load")
    return store


# ------------------------------------------------------------------ writing and reading


def test_a_saved_portfolio_reads_back_equal_with_version_one_everywhere(store, example):
    commit = store.save(example, actor="alice", reason="initial load")
    assert commit.seq == 1
    assert commit.revisions[0] == RevisionRef(
        kind="organization", subject="northbridge", version=1, op="put"
    )
    assert [r.subject for r in commit.revisions[1:]] == [r.id for r in example.relationships]
    snap = store.snapshot(NAME)
    assert snap.portfolio == example
    assert snap.seq == 1
    assert snap.organization_version == 1
    assert dict(snap.versions) == {r.id: 1 for r in example.relationships}
    assert store.portfolios() == (NAME,)
    assert store.head(NAME) == 1
    assert store.schema_version == SCHEMA_VERSION


def test_a_commit_writes_the_next_version_and_records_who_when_why_and_where(saved):
    before = datetime.now(UTC)
    rel = saved.portfolio(NAME).relationship("rel-plant-hire")
    changed = evolve(rel, name="Plant hire", stage=Stage.WORKING_TOGETHER)
    commit = saved.commit(
        NAME,
        [Put(changed, expected=1)],
        actor="bob",
        reason="renamed after the review",
        effective_on=date(2026, 11, 1),
        ruleset_version="2026.11.0",
    )
    assert commit.seq == 2
    assert commit.versions == {"rel-plant-hire": 2}
    assert before <= commit.recorded_at <= datetime.now(UTC)
    assert saved.portfolio(NAME).relationship("rel-plant-hire") == changed
    last = saved.history(NAME, "rel-plant-hire")[-1]
    assert (last.seq, last.version, last.op, last.actor, last.reason) == (
        2, 2, "put", "bob", "renamed after the review",
    )  # fmt: skip
    assert last.effective_on == date(2026, 11, 1)
    assert last.ruleset_version == "2026.11.0"
    assert last.collabrel_version == collabrel.__version__
    assert last.recorded_at == commit.recorded_at
    assert "$.name" in last.changed_paths
    assert "$.stage" in last.changed_paths
    assert all(p.startswith("$.") for p in last.changed_paths)


def test_a_stale_version_raises_conflict_and_nothing_of_the_write_is_applied(saved):
    snap = saved.snapshot(NAME)
    a, b = snap.portfolio.relationships[:2]
    saved.commit(NAME, [Put(evolve(b, name="first"), expected=1)], actor="bob")
    with pytest.raises(ConflictError) as info:
        saved.commit(
            NAME,
            [Put(evolve(a, name="lost?"), expected=1), Put(evolve(b, name="second"), expected=1)],
            actor="carol",
        )
    err = info.value
    assert (err.subject, err.expected, err.actual, err.kind) == (b.id, 1, 2, "relationship")
    assert "version 1" in str(err)
    assert "version 2" in str(err)
    after = saved.snapshot(NAME)
    assert after.portfolio.relationship(a.id) == a  # the first item was not applied
    assert after.versions[a.id] == 1
    assert after.portfolio.relationship(b.id).name == "first"
    assert after.seq == 2
    clone = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert (clone.subject, clone.expected, clone.actual) == (b.id, 1, 2)


def test_creating_an_existing_subject_or_deleting_a_stale_one_conflicts(saved, example):
    rel = example.relationships[0]
    with pytest.raises(ConflictError) as info:
        saved.commit(NAME, [Put(rel, expected=0)], actor="bob")
    assert (info.value.expected, info.value.actual) == (0, 1)
    saved.commit(NAME, [Put(evolve(rel, name="x"), expected=1)], actor="bob")
    with pytest.raises(ConflictError) as info:
        saved.commit(NAME, [Delete(rel.id, expected=1)], actor="bob")
    assert (info.value.expected, info.value.actual) == (1, 2)
    with pytest.raises(ConflictError) as info:
        saved.commit(NAME, [Delete("rel-unknown", expected=1)], actor="bob")
    assert (info.value.subject, info.value.actual) == ("rel-unknown", 0)
    with pytest.raises(ConflictError) as info:
        saved.commit(NAME, [Put(evolve(example.organization, name="N"), expected=3)], actor="b")
    assert info.value.kind == "organization"


def test_writing_an_unchanged_value_records_nothing(saved, example):
    commit = saved.commit(NAME, [Put(example.relationships[0], expected=1)], actor="bob")
    assert commit == Commit(portfolio=NAME, seq=None, recorded_at=None, revisions=())
    assert saved.head(NAME) == 1
    assert saved.save(example, based_on=saved.snapshot(NAME), actor="bob").seq is None


def test_a_deleted_relationship_keeps_its_history_and_can_come_back_at_the_end(saved, example):
    rel = example.relationships[1]
    gone = saved.commit(NAME, [Delete(rel.id, expected=1)], actor="bob", reason="ended")
    assert gone.revisions == (
        RevisionRef(kind="relationship", subject=rel.id, version=2, op="delete"),
    )
    snap = saved.snapshot(NAME)
    assert rel.id not in snap.versions
    assert [r.id for r in snap.portfolio.relationships] == [
        r.id for r in example.relationships if r.id != rel.id
    ]
    back = saved.commit(NAME, [Put(rel, expected=0)], actor="bob", reason="resumed")
    assert back.versions == {rel.id: 3}
    snap = saved.snapshot(NAME)
    assert snap.portfolio.relationships[-1] == rel  # re-created: it goes to the end
    assert snap.versions[rel.id] == 3
    history = saved.history(NAME, rel.id)
    assert [(h.version, h.op, h.changed_paths) for h in history] == [
        (1, "put", ("$",)), (2, "delete", ("$",)), (3, "put", ("$",)),
    ]  # fmt: skip
    assert saved.verify() == len(example.relationships) + 1 + 2


def test_save_based_on_a_snapshot_writes_only_the_differences(saved, example):
    snap = saved.snapshot(NAME)
    rels = list(example.relationships)
    rels[0] = evolve(rels[0], name="changed")
    removed = rels.pop(3)
    added = evolve(example.relationships[2], id="rel-new")
    new = attrs.evolve(example, relationships=(*rels, added))
    commit = saved.save(new, based_on=snap, actor="bob", reason="edit", check=False)
    assert {(r.subject, r.version, r.op) for r in commit.revisions} == {
        (rels[0].id, 2, "put"), (removed.id, 2, "delete"), ("rel-new", 1, "put"),
    }  # fmt: skip
    assert saved.portfolio(NAME) == new
    with pytest.raises(ConflictError):
        saved.save(new, based_on=snap, actor="bob", check=False)  # the snapshot is stale now


def test_save_checks_the_references_first_and_reports_every_problem(store):
    org = make_organization()
    bad = make_relationship(parties=())  # the organization's party is missing
    portfolio = make_portfolio(organization=org, relationships=(bad,))
    with pytest.raises(LoadError) as info:
        store.save(portfolio, actor="alice")
    assert info.value.problems[0].path == "$.relationships[0].parties"
    assert store.portfolios() == ()


# --------------------------------------------------------------------- idempotency keys


def test_a_retry_with_the_same_key_is_applied_once_and_returns_the_same_commit(saved, example):
    rel = evolve(example.relationships[0], name="retry me")
    first = saved.commit(NAME, [Put(rel, expected=1)], actor="bob", idempotency_key="req-1")
    again = saved.commit(NAME, [Put(rel, expected=1)], actor="bob", idempotency_key="req-1")
    assert again == first
    assert again.replayed
    assert not first.replayed
    assert saved.head(NAME) == 2
    assert [h.version for h in saved.history(NAME, rel.id)] == [1, 2]
    assert saved.history(NAME, rel.id)[-1].idempotency_key == "req-1"


def test_a_key_reused_for_another_request_is_refused(saved, example):
    rel = example.relationships[0]
    saved.commit(NAME, [Put(evolve(rel, name="a"), expected=1)], actor="bob", idempotency_key="k")
    with pytest.raises(IdempotencyKeyError, match="different request"):
        saved.commit(
            NAME, [Put(evolve(rel, name="b"), expected=2)], actor="bob", idempotency_key="k"
        )
    assert saved.head(NAME) == 2


# ----------------------------------------------------------------------- time travel


def test_the_portfolio_as_recorded_at_any_past_instant(saved, example):
    rel = example.relationships[0]
    t1 = saved.snapshot(NAME).recorded_at
    c2 = saved.commit(NAME, [Put(evolve(rel, name="v2"), expected=1)], actor="bob")
    c3 = saved.commit(NAME, [Delete(rel.id, expected=2)], actor="bob")
    assert saved.portfolio(NAME, at=t1) == example
    assert saved.portfolio(NAME, at=c2.recorded_at).relationship(rel.id).name == "v2"
    between = c2.recorded_at + (c3.recorded_at - c2.recorded_at) / 2
    assert saved.snapshot(NAME, at=between).seq == 2
    assert rel.id not in saved.snapshot(NAME, at=c3.recorded_at).versions
    assert saved.snapshot(NAME, seq=1).portfolio == example
    in_paris = c2.recorded_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert saved.snapshot(NAME, at=in_paris).seq == 2
    with pytest.raises(StoreError, match="no changes recorded at"):
        saved.snapshot(NAME, at=t1 - timedelta(days=1))
    with pytest.raises(ConfigError, match="no timezone"):
        saved.snapshot(NAME, at=datetime(2026, 3, 1, 12, 0))  # noqa: DTZ001 - the point
    with pytest.raises(ConfigError, match="from 1 to 3"):
        saved.snapshot(NAME, seq=4)


def test_an_assessment_rebuilt_later_equals_the_one_made_then(saved):
    live = saved.session(NAME, as_of=AS_OF, actor="bob")
    rel = live.session.relationship("rel-plant-hire")
    live.update_relationship(evolve(rel, stage=Stage.KNOWLEDGE), reason="moved back")
    then = live.session.assessment()
    t = saved.snapshot(NAME).recorded_at
    live.remove_relationship("rel-fm-helpdesk", reason="ended")
    assert live.session.assessment() != then
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert saved.assess(NAME, at=t, as_of=AS_OF) == then


def test_a_rebuild_with_another_rule_set_version_warns_or_refuses_saying_which(saved):
    live = saved.session(NAME, as_of=AS_OF, actor="bob")
    rel = live.session.relationship("rel-plant-hire")
    live.update_relationship(evolve(rel, name="x"))
    other = default_ruleset().without("iso44001:4.1/issues", justification="not ours")
    recorded, current = re.escape(default_ruleset().version), re.escape(other.version)
    assert current.startswith(recorded + r"\+local")  # a rule set changed by its user says so
    with pytest.warns(RulesetMismatchWarning, match=f"{recorded}.*{current}"):
        saved.assess(NAME, other, as_of=AS_OF)
    with pytest.raises(RulesetMismatchError) as info:
        saved.assess(NAME, other, as_of=AS_OF, on_mismatch="refuse")
    assert info.value.recorded == default_ruleset().version
    assert info.value.current == other.version
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        saved.assess(NAME, other, as_of=AS_OF, on_mismatch="ignore")
    with pytest.raises(ConfigError, match="on_mismatch"):
        saved.assess(NAME, as_of=AS_OF, on_mismatch="maybe")  # type: ignore[arg-type]


# --------------------------------------------------------------------- partial reads


def test_shards_partition_the_relationships_and_ids_select_some(saved, example):
    ids = {r.id for r in example.relationships}
    for n in (1, 2, 3):
        parts = [saved.relationships(NAME, shard=(k, n)) for k in range(n)]
        found = [r.id for part in parts for r in part]
        assert sorted(found) == sorted(ids)  # disjoint and complete
    some = saved.relationships(NAME, ids=["rel-aldermoor", "rel-rail-jv", "rel-none"])
    assert [r.id for r in some] == ["rel-rail-jv", "rel-aldermoor"]  # store order
    assert some[0] == example.relationship("rel-rail-jv")
    for bad in [(2, 2), (-1, 2), (0, 0), (True, 2)]:
        with pytest.raises(ConfigError, match="shard"):
            saved.relationships(NAME, shard=bad)


def test_many_ids_are_read_in_chunks(store):
    org = make_organization()
    rels = tuple(make_relationship(id=f"rel-{i:04d}") for i in range(450))
    store.save(make_portfolio(organization=org, relationships=rels), name="big", actor="a",
               check=False)  # fmt: skip
    wanted = [f"rel-{i:04d}" for i in range(0, 450, 1)]
    assert [r.id for r in store.relationships("big", ids=wanted)] == wanted
    assert len(store.relationships("big", shard=(0, 1))) == 450


# ----------------------------------------------------------------- attached sessions


def test_an_attached_session_follows_other_writers_in_sequence_order(saved):
    portal = saved.session(NAME, as_of=AS_OF, actor="portal")
    other = saved.session(NAME, as_of=AS_OF, actor="batch")
    rel = other.session.relationship("rel-plant-hire")
    other.update_relationship(evolve(rel, stage=Stage.KNOWLEDGE))
    other.remove_relationship("rel-aldermoor")
    org = other.session.organization
    other.update_organization(evolve(org, name="Northbridge Engineering"))
    other.add_relationship(evolve(rel, id="rel-new", name="new one"))
    changes = portal.refresh()
    assert changes  # the verdicts moved
    assert portal.seq == other.seq == 5
    assert portal.session.portfolio == other.session.portfolio
    assert portal.session.assessment() == other.session.assessment()
    fresh = Session(saved.portfolio(NAME), default_ruleset(), as_of=AS_OF)
    assert portal.session.verdicts() == fresh.verdicts()
    assert portal.refresh() == ()


def test_an_attached_session_with_a_stale_version_gets_a_conflict_and_stays_as_it_was(saved):
    portal = saved.session(NAME, as_of=AS_OF, actor="portal")
    other = saved.session(NAME, as_of=AS_OF, actor="batch")
    rel = portal.session.relationship("rel-plant-hire")
    other.update_relationship(evolve(rel, name="theirs"))
    before = portal.session.verdicts()
    with pytest.raises(ConflictError) as info:
        portal.update_relationship(evolve(rel, name="ours"))
    assert (info.value.expected, info.value.actual) == (1, 2)
    assert portal.session.relationship("rel-plant-hire") == rel
    assert portal.session.verdicts() == before
    portal.refresh()
    mine = evolve(portal.session.relationship("rel-plant-hire"), name="ours")
    portal.update_relationship(mine)
    assert saved.portfolio(NAME).relationship("rel-plant-hire") == mine
    assert [h.actor for h in saved.history(NAME, "rel-plant-hire")] == ["alice", "batch", "portal"]


def test_an_attached_session_applies_earlier_changes_before_its_own(saved):
    portal = saved.session(NAME, as_of=AS_OF, actor="portal")
    other = saved.session(NAME, as_of=AS_OF, actor="batch")
    a = other.session.relationship("rel-rail-jv")
    other.update_relationship(evolve(a, name="theirs"))
    b = portal.session.relationship("rel-plant-hire")
    commit, _ = portal.commit([Put(evolve(b, name="ours"), expected=1)], reason="both")
    assert commit.seq == 3
    assert portal.seq == 3
    assert portal.session.relationship("rel-rail-jv").name == "theirs"
    assert portal.session.portfolio == saved.portfolio(NAME)
    assert saved.history(NAME)[-1].ruleset_version == portal.session.ruleset.version


def test_an_attached_session_needs_an_actor(saved):
    live = saved.session(NAME, as_of=AS_OF)
    rel = live.session.relationship("rel-plant-hire")
    with pytest.raises(ConfigError, match="who makes the change"):
        live.update_relationship(evolve(rel, name="x"))
    live.update_relationship(evolve(rel, name="x"), actor="dana")
    assert live.version("rel-plant-hire") == 2


# --------------------------------------------------------------------------- history


def test_the_portfolio_history_says_who_changed_what_when_and_why(saved, example):
    org = example.organization
    saved.commit(NAME, [Put(evolve(org, name="N Ltd"), expected=1)], actor="bob", reason="rebrand")
    history = saved.history(NAME)
    assert len(history) == 1 + len(example.relationships) + 1
    assert [h.seq for h in history] == sorted(h.seq for h in history)
    last = history[-1]
    assert (last.kind, last.subject, last.version, last.actor, last.reason) == (
        "organization", "northbridge", 2, "bob", "rebrand",
    )  # fmt: skip
    assert last.changed_paths == ("$.name",)
    assert saved.history(NAME, kind="organization") == (history[0], last)
    with pytest.raises(ConfigError, match="kind"):
        saved.history(NAME, kind="party")
    with pytest.raises(UnknownSubjectError, match=r"no portfolio 'nope'.*northbridge"):
        saved.history("nope")


def test_revisions_since_a_change_come_in_sequence_order(saved, example):
    a, b = example.relationships[:2]
    items = [Put(evolve(b, name="b2"), expected=1), Put(evolve(a, name="a2"), expected=1)]
    saved.commit(NAME, items, actor="x")
    saved.commit(NAME, [Delete(a.id, expected=2)], actor="x")
    revs = saved.revisions(NAME, after=1)
    assert [(r.seq, r.subject, r.version, r.op) for r in revs] == [
        (2, b.id, 2, "put"), (2, a.id, 2, "put"), (3, a.id, 3, "delete"),
    ]  # fmt: skip
    assert revs[0].value == evolve(b, name="b2")
    assert revs[2].value is None
    assert revs[0].changed_paths == ("$.name",)
    assert saved.revisions(NAME, after=1, upto=2) == revs[:2]


# ------------------------------------------------------------------ export and import


def _history_text(store, name=None):
    buf = io.StringIO()
    store.export_history(buf, name=name)
    return buf.getvalue()


KEYED = {
    "actor": "bob",
    "reason": "why",
    "idempotency_key": "k1",
    "effective_on": date(2026, 1, 5),
    "ruleset_version": "r1",
}


def _edited(saved, example):
    rel = example.relationships[0]
    saved.commit(NAME, [Put(evolve(rel, name="v2"), expected=1)], **KEYED)
    saved.commit(NAME, [Delete(rel.id, expected=2)], actor="bob")
    saved.commit(NAME, [Put(rel, expected=0)], actor="carol")
    return saved


def test_export_then_import_round_trips_exactly(saved, example, tmp_path, store_url):
    _edited(saved, example)
    path = tmp_path / "history.jsonl"
    lines = saved.export_history(path)
    text_ = path.read_text(encoding="utf-8")
    assert lines == len(text_.splitlines())
    first = json.loads(text_.splitlines()[0])
    assert first["format"] == "collabrel-history"
    target = Store(tmp_path / "copy.db")
    assert target.import_history(path) == (NAME,)
    assert _history_text(target) == text_
    assert target.verify() == saved.verify()
    assert target.snapshot(NAME).portfolio == saved.snapshot(NAME).portfolio
    assert target.history(NAME) == saved.history(NAME)
    # the copy carries on: the idempotency key and the versions came along
    rel = example.relationships[0]
    assert target.commit(NAME, [Put(evolve(rel, name="v2"), expected=1)], **KEYED).replayed
    target.close()


def test_importing_into_a_store_that_has_the_portfolio_is_refused(saved, tmp_path):
    data = _history_text(saved)
    with pytest.raises(StoreError, match="already has 1 changes"):
        saved.import_history(io.StringIO(data))
    assert saved.head(NAME) == 1


@pytest.mark.parametrize(
    "case",
    [
        (lambda obj: obj.update(actor="mallory"), HistoryIntegrityError, "hash does not match"),
        (lambda obj: obj.update(reason="other"), HistoryIntegrityError, "hash does not match"),
        (lambda obj: obj.update(seq=7), LoadError, "expected change 3"),
        (lambda obj: obj.pop("actor"), LoadError, r"\$\.actor: required field is missing"),
        (lambda obj: obj.update(recorded_at="2001-01-01T00:00:00"), LoadError, "timezone"),
    ],
    ids=["actor", "reason", "seq", "missing", "naive-time"],
)
def test_an_edited_change_line_is_refused_and_nothing_is_imported(saved, example, tmp_path, case):
    edit, error, match = case
    _edited(saved, example)
    lines = _history_text(saved).splitlines()
    at = next(i for i, line in enumerate(lines) if json.loads(line).get("seq") == 3
              and json.loads(line)["type"] == "change")  # fmt: skip
    obj = json.loads(lines[at])
    edit(obj)
    lines[at] = json.dumps(obj)
    target = Store(tmp_path / "copy.db")
    with pytest.raises(error, match=match) as info:
        target.import_history(io.StringIO("\n".join(lines) + "\n"))
    if error is LoadError:
        assert f"line {at + 1}" in str(info.value)
    assert target.portfolios() == ()
    target.close()


def test_an_edited_document_breaks_the_chain(saved, example, tmp_path):
    _edited(saved, example)
    lines = _history_text(saved).splitlines()
    at = next(i for i, line in enumerate(lines) if json.loads(line).get("version") == 2
              and json.loads(line)["type"] == "revision")  # fmt: skip
    obj = json.loads(lines[at])
    obj["document"]["name"] = "forged"
    lines[at] = json.dumps(obj)
    target = Store(tmp_path / "copy.db")
    with pytest.raises(HistoryIntegrityError, match=r"line \d+: northbridge: relationship"):
        target.import_history(io.StringIO("\n".join(lines) + "\n"))
    dropped = [line for i, line in enumerate(_history_text(saved).splitlines()) if i != at]
    with pytest.raises((HistoryIntegrityError, LoadError)):
        target.import_history(io.StringIO("\n".join(dropped) + "\n"))
    assert target.portfolios() == ()
    target.close()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty"),
        ("not json\n", "invalid JSON"),
        ("[1, 2]\n", "JSON object"),
        ('{"type": "header", "format": "other"}\n', "not a collabrel history"),
        ('{"type": "header", "format": "collabrel-history", "format_version": 9}\n', "9"),
        ('{"type": "change"}\n', "header"),
    ],
)
def test_a_malformed_history_file_is_refused_with_its_line(tmp_path, content, match):
    store = Store(tmp_path / "s.db")
    with pytest.raises(LoadError, match=match):
        store.import_history(io.StringIO(content))
    store.close()


def test_a_truncated_history_file_is_refused(saved, tmp_path):
    lines = _history_text(saved).splitlines()
    target = Store(tmp_path / "copy.db")
    with pytest.raises(LoadError, match="lacks 1 revisions"):
        target.import_history(io.StringIO("\n".join(lines[:-1]) + "\n"))
    assert target.portfolios() == ()
    target.close()


# -------------------------------------------------------------------------- integrity


def test_verify_finds_an_edited_document_a_lost_row_and_a_broken_link(saved, example):
    _edited(saved, example)
    assert saved.verify() > 0
    engine = create_engine(saved.url)  # behind the store's back
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE collabrel_revisions SET document = replace(document, 'Northbridge', "
                "'Forged') WHERE version = 1 AND kind = 'organization'"
            )
        )
        conn.execute(text("UPDATE collabrel_changes SET actor = 'mallory' WHERE seq = 2"))
        conn.execute(text("DELETE FROM collabrel_revisions WHERE seq = 3"))
    engine.dispose()
    with pytest.raises(HistoryIntegrityError) as info:
        saved.verify()
    problems = "\n".join(info.value.problems)
    assert "organization 'northbridge' version 1: the hash does not match" in problems
    assert "version 2: the hash does not match its content (change 2)" in problems
    assert "change 3 declares 1 revisions, 0 are stored" in problems
    assert "version 4: expected version 3 (a version is missing)" in problems
    assert "version 4: its link to the previous version is broken" in problems


# ---------------------------------------------------------------------------- schema


def test_the_tables_are_prefixed_and_live_beside_a_host_application(store_url):
    engine = create_engine(_url_for(store_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)"))
        conn.execute(text("INSERT INTO orders VALUES (1, 'bolts')"))
    store = Store(store_url)
    store.save(make_portfolio(), name="p", actor="a")
    store.close()
    with engine.begin() as conn:
        names = set(inspect(conn).get_table_names())
        assert conn.execute(text("SELECT item FROM orders")).scalar() == "bolts"
    engine.dispose()
    assert names == {
        "orders", "collabrel_schema", "collabrel_portfolios", "collabrel_changes",
        "collabrel_revisions",
    }  # fmt: skip


def _url_for(store_url):
    if store_url.startswith("postgresql://"):
        return store_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{store_url}"


def test_reopening_keeps_everything_and_a_newer_schema_is_refused(store_url):
    with Store(store_url) as first:
        first.save(make_portfolio(), name="p", actor="a")
    again = Store(store_url)
    assert again.head("p") == 1
    again.close()
    engine = create_engine(_url_for(store_url))
    with engine.begin() as conn:
        conn.execute(schema_table.update().values(version=SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="upgrade collabrel"):
        Store(store_url)


def test_the_migration_steps_run_in_order_inside_the_transaction(store_url):
    Store(store_url).close()
    engine = create_engine(_url_for(store_url))
    ran = []

    def step(conn):
        ran.append(conn.execute(select_version()).scalar())
        conn.execute(text("CREATE TABLE collabrel_extra (id INTEGER PRIMARY KEY)"))

    with engine.begin() as conn:
        assert ensure_schema(
            conn, target=SCHEMA_VERSION + 1, migrations={SCHEMA_VERSION: step}
        ) == (SCHEMA_VERSION + 1)
    with engine.begin() as conn:
        assert conn.execute(select_version()).scalar() == SCHEMA_VERSION + 1
        assert "collabrel_extra" in inspect(conn).get_table_names()
    assert ran == [SCHEMA_VERSION]
    with engine.begin() as conn, pytest.raises(SchemaVersionError, match="no migration"):
        ensure_schema(conn, target=SCHEMA_VERSION + 3, migrations={})
    engine.dispose()


def select_version():
    from sqlalchemy import select

    return select(schema_table.c.version)


# ------------------------------------------------------------------------ bad input


def test_bad_writes_are_refused_before_the_transaction_with_what_to_do(saved, example):
    rel = example.relationships[0]
    cases = [
        ([rel], r"give Put\(\.\.\.\) or Delete\(\.\.\.\)"),
        ([Put(rel, expected=-1)], "expected must be a version number"),
        ([Put(rel, expected=True)], "expected must be a version number"),
        ([Put(rel, expected=1), Put(rel, expected=1)], "appears twice"),
        ([Delete(rel.id, expected=0)], "needs the version you hold"),
        ([], "nothing to write"),
        ([Put(example, expected=0)], "an Organization or a Relationship"),  # type: ignore[arg-type]
    ]
    for items, match in cases:
        with pytest.raises(ConfigError, match=match):
            saved.commit(NAME, items, actor="bob")
    for kwargs, match in [
        ({"actor": ""}, "actor"),
        ({"actor": "x" * 201}, "longer than 200"),
        ({"actor": "b", "idempotency_key": ""}, "idempotency key"),
        ({"actor": "b", "effective_on": datetime(2026, 1, 1, tzinfo=UTC)}, "a date"),
        ({"actor": "b", "reason": 3}, "reason"),
    ]:
        with pytest.raises(ConfigError, match=match):
            saved.commit(NAME, [Put(evolve(rel, name="n"), expected=1)], **kwargs)
    assert saved.head(NAME) == 1


def test_a_relationship_needs_its_organization_and_the_organization_cannot_change_id(store):
    with pytest.raises(StoreError, match="has no organization yet"):
        store.commit("p", [Put(make_relationship(), expected=0)], actor="a")
    store.save(make_portfolio(), name="p", actor="a")
    with pytest.raises(StoreError, match="belongs to organization 'org'"):
        store.commit("p", [Put(make_organization(id="other"), expected=0)], actor="a")


def test_a_value_that_does_not_survive_json_is_refused_with_its_path(saved, example):
    rel = example.relationships[0]
    odd = evolve(rel, name="x\ud800")  # a lone surrogate cannot be stored as UTF-8 text
    with pytest.raises(LoadError, match="cannot be written"):
        saved.commit(NAME, [Put(odd, expected=1)], actor="bob")
    assert saved.head(NAME) == 1


def test_unknown_portfolio_and_bad_urls_say_what_to_do(tmp_path, store):
    with pytest.raises(UnknownSubjectError, match="no portfolio 'nope'"):
        store.snapshot("nope")
    with pytest.raises(ConfigError, match="does not exist"):
        Store(tmp_path / "missing" / "s.db")
    with pytest.raises(ConfigError, match="in-memory"):
        Store("sqlite://")
    with pytest.raises(ConfigError, match="unsupported database"):
        Store("mysql://u@localhost/db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"garbage\.db failed"):
        Store(garbage)


def test_an_unreachable_server_is_a_store_error_without_the_password():
    with pytest.raises(StoreError) as info:
        Store("postgresql://someone:secret@127.0.0.1:1/nothing?connect_timeout=2")
    assert "secret" not in str(info.value)
    assert "127.0.0.1:1" in str(info.value)
    assert isinstance(info.value, CollabrelError)


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.save(make_portfolio(), name="p", actor="a")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with Store(f"sqlite:///{path}") as again:
        assert again.head("p") == 1


def test_the_docstring_examples_run(tmp_path, monkeypatch):
    import doctest
    import tempfile

    import collabrel.store
    from collabrel.store import _attached, _store, _types

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' folders go here
    for module in (collabrel.store, _attached, _store, _types):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0
