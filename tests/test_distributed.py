"""Partitioned assessment on a real Dask LocalCluster (2 worker processes) equals one Session.

No Hypothesis here: the Dask client's event loop thread uses the ``random`` module, which
Hypothesis takes for a strategy using it. The property "partitions equal one session" over
generated portfolios is tested without Dask in ``test_partition.py``.

One cluster serves the whole module (started once, about 3 s; each new rule set is compiled
once per worker, about 4 s). The module takes 30-50 s on two busy cores.
"""

from __future__ import annotations

import importlib.util
import pickle
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
pytest.importorskip("sqlalchemy")

import attrs  # noqa: E402
import cloudpickle  # noqa: E402

import collabrel  # noqa: E402
from collabrel.distributed import (  # noqa: E402
    JsonLinesSource,
    PartitionedAssessment,
    PartitionSource,
    StoreSource,
    assess,
    assess_many,
)
from collabrel.errors import (  # noqa: E402
    ConfigError,
    LoadError,
    NotADateError,
    RuleDefinitionError,
    StoreError,
    UnknownSubjectError,
)
from collabrel.rules import RuleSet, Session, Verdict, default_ruleset, rule  # noqa: E402
from collabrel.store import Put, Store  # noqa: E402
from collabrel.testing import make_organization, make_portfolio, make_relationship  # noqa: E402

# the sources and rules defined here travel to the workers by value (the workers cannot
# import this test module), as they would from a notebook
cloudpickle.register_pickle_by_value(sys.modules[__name__])

AS_OF = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[1]


def _generate_module():
    spec = importlib.util.spec_from_file_location(
        "bench_generate", ROOT / "benchmarks" / "generate.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generate_module()


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


def _save(path, portfolio, name=None):
    with Store(path) as store:
        # the generated benchmark portfolios share partner contacts between clones
        store.save(portfolio, name=name, actor="test", reason="load", check=False)


def _rows(frame):
    """The frame's rows as plain tuples (missing stages as None), sorted."""
    plain = frame.astype(object).where(frame.notna(), None)
    return sorted(tuple(row) for row in plain.itertuples(index=False))


def _same_as_one_session(result: PartitionedAssessment, portfolio, ruleset=None):
    ruleset = ruleset or default_ruleset()
    session = Session(portfolio, ruleset, as_of=AS_OF)
    assert _rows(result.to_pandas()) == sorted(session.table().rows())
    assert result.organization_findings == session.findings(subject_id=portfolio.organization.id)
    assert result.counts() == session.counts()
    assert result.ruleset_version == ruleset.version
    assert result.organization_id == portfolio.organization.id
    assert result.relationships == len(portfolio.relationships)
    assert result.as_of == AS_OF


# ------------------------------------------------------------------ the same verdicts


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated portfolio of 120 rich relationships (benchmarks/generate.py), in a store."""
    portfolio = generate.portfolio(120)
    path = tmp_path_factory.mktemp("store") / "generated.db"
    _save(path, portfolio)
    return path, portfolio


def test_a_generated_portfolio_on_two_workers_equals_one_session(client, generated):
    path, portfolio = generated
    result = assess(StoreSource(target=path, name="northbridge"), as_of=AS_OF, client=client)
    assert result.partitions == 4  # twice the cluster's two threads
    _same_as_one_session(result, portfolio)
    # the portfolio-wide rules really were reduced from the partitions' tallies
    assert any(f.rule_id == "iso44001:4.3/relationships" for f in result.organization_findings)
    # both workers evaluated partitions
    assert result.counts()[Verdict.FAIL] > 0


@pytest.mark.parametrize("partitions", [1, 3, 11])
def test_any_number_of_partitions_gives_the_same_verdicts(client, tmp_path, partitions):
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    source = StoreSource(target=path, name="northbridge")
    result = assess(source, as_of=AS_OF, client=client, partitions=partitions)
    assert result.partitions == partitions  # 11 partitions of 7 relationships: some empty
    _same_as_one_session(result, collabrel.example_portfolio())


def test_a_source_says_how_many_partitions(client, tmp_path):
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    source = StoreSource(target=path, name="northbridge", partitions=2)
    assert assess(source, as_of=AS_OF, client=client).partitions == 2
    assert assess(source, as_of=AS_OF, client=client, partitions=5).partitions == 5


def _clients():
    """A consultancy's clients: four organizations of different shapes and sizes."""
    acme = make_organization(id="acme", name="Acme Rail Services Ltd")
    small = attrs.evolve(
        make_portfolio(organization=acme),
        relationships=tuple(
            make_relationship(org_id="acme", id=f"rel-{i}", name=f"Supplier {i}", stage=1 + i % 8)
            for i in range(12)
        ),
    )
    empty = make_portfolio(organization=make_organization(id="newco"), relationships=())
    return [collabrel.example_portfolio(), generate.portfolio(40, seed=7), small, empty]


def test_several_organizations_at_once_each_equal_one_session(client, tmp_path):
    path = tmp_path / "clients.db"
    clients = _clients()
    for i, portfolio in enumerate(clients):
        _save(path, portfolio, name=f"client-{i}")
    sources = [StoreSource(target=path, name=f"client-{i}") for i in range(len(clients))]
    results = assess_many(sources, as_of=AS_OF, client=client, partitions=3)
    assert [r.organization_id for r in results] == ["northbridge", "northbridge", "acme", "newco"]
    for result, portfolio, source in zip(results, clients, sources, strict=True):
        assert result.source == source.label
        _same_as_one_session(result, portfolio)


def test_json_lines_shards_one_partition_per_shard(client, generated, tmp_path):
    _, portfolio = generated
    collabrel.dump_shards(portfolio, tmp_path / "shards", shard_size=25)
    result = assess(JsonLinesSource(path=tmp_path / "shards"), as_of=AS_OF, client=client)
    assert result.partitions == 5  # 120 relationships in shards of 25
    _same_as_one_session(result, portfolio)


def test_a_json_lines_file_and_a_store_assessed_together(client, tmp_path):
    example = collabrel.example_portfolio()
    small = _clients()[2]
    collabrel.dump(example, tmp_path / "northbridge.jsonl")
    _save(tmp_path / "clients.db", small, name="acme")
    sources = [
        JsonLinesSource(path=tmp_path / "northbridge.jsonl"),
        JsonLinesSource(path=tmp_path / "northbridge.jsonl", partitions=3),
        StoreSource(target=tmp_path / "clients.db", name="acme"),
    ]
    first, split, acme = assess_many(sources, as_of=AS_OF, client=client)
    assert (first.partitions, split.partitions, acme.partitions) == (1, 3, 4)
    for result, portfolio in ((first, example), (split, example), (acme, small)):
        _same_as_one_session(result, portfolio)


def test_a_bad_shard_is_reported_with_its_file_line_and_partition(client, tmp_path):
    folder = tmp_path / "shards"
    shards = collabrel.dump_shards(collabrel.example_portfolio(), folder, shard_size=3)
    lines = shards[1].read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"stage":', '"stge":')
    shards[1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match="stge") as info:
        assess(JsonLinesSource(path=folder), as_of=AS_OF, client=client)
    # paths count relationships within the shard: its second record, on line 3
    assert {p.line for p in info.value.problems} == {3}
    assert "$.relationships[1].stge" in {p.path for p in info.value.problems}
    assert "relationships-00001.jsonl" in str(info.value)
    assert f"while reading partition 1 of 3 of {folder}" in info.value.__notes__


def test_json_lines_sources_are_pinned_to_their_shards(tmp_path):
    folder = tmp_path / "shards"
    collabrel.dump_shards(collabrel.example_portfolio(), folder, shard_size=3)
    pinned = JsonLinesSource(path=folder).pinned()
    assert pinned.shards == (
        "relationships-00000.jsonl", "relationships-00001.jsonl", "relationships-00002.jsonl"
    )  # fmt: skip
    (folder / "relationships-00003.jsonl").write_text("not read\n", encoding="utf-8")
    ids = [r.id for k in range(2) for r in pinned.relationships(k, 2)]
    assert sorted(ids) == sorted(r.id for r in collabrel.example_portfolio().relationships)
    with pytest.raises(LoadError, match="no such file or folder"):
        JsonLinesSource(path=tmp_path / "missing").pinned()
    (tmp_path / "empty").mkdir()
    with pytest.raises(LoadError, match=r"holds no .jsonl shards"):
        JsonLinesSource(path=tmp_path / "empty").pinned()
    with pytest.raises(ConfigError, match="partitions must be a whole number"):
        JsonLinesSource(path=folder, partitions=-2)
    with pytest.raises(ConfigError, match=r"limits must be a collabrel.Limits"):
        JsonLinesSource(path=folder, limits={"max_bytes": 10})
    assert "shards=3" in repr(pinned)


def test_no_sources_no_results(client):
    assert assess_many([], as_of=AS_OF, client=client) == []


# ------------------------------------------------------------------ rule sets in workers


@rule(id="acme:named", title="The relationship has a name", clause="8.1", level="REL",
      remedy="Name it.", reads=("name",))  # fmt: skip
def _named(rel, ctx):
    return "rail" in rel.id


def _plugins(dask_worker):
    return {
        name: (plugin.ruleset.version, id(plugin.ruleset))
        for name, plugin in dask_worker.plugins.items()
        if name.startswith("collabrel-ruleset-")
    }


def test_a_custom_rule_set_is_set_up_once_in_every_worker(client, tmp_path):
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    # a small custom set: a new rule set is compiled once in every worker (seconds for the
    # whole built-in set), and this test needs only that it happens once
    ruleset = (
        default_ruleset()
        .select(where=lambda spec: spec.clause.startswith(("4.3", "8.3")))
        .with_rules(_named)
    )
    source = StoreSource(target=path, name="northbridge")
    result = assess(source, ruleset, as_of=AS_OF, client=client, partitions=2)
    _same_as_one_session(result, collabrel.example_portfolio(), ruleset)
    assert "+local." in result.ruleset_version
    frame = result.to_pandas()
    assert {"pass", "fail"} <= set(frame.loc[frame["rule"] == "acme:named", "verdict"])

    before = client.run(_plugins)
    assert len(before) == 2
    for plugins in before.values():
        assert ruleset.version in {version for version, _ in plugins.values()}
    assess(source, ruleset, as_of=AS_OF, client=client, partitions=2)
    assert client.run(_plugins) == before  # the same rule set objects: not set up again


def _units_ready(dask_worker):
    from collabrel import units

    return units.registry() is units.registry()


def test_workers_have_the_units_registry(client, generated):
    path, _ = generated
    assess(StoreSource(target=path, name="northbridge"), as_of=AS_OF, client=client)
    assert set(client.run(_units_ready).values()) == {True}


def test_a_rule_that_cannot_be_pickled_is_refused_before_any_work(client, tmp_path):
    lock = threading.Lock()

    @rule(id="acme:locked", title="Locked", clause="8.1", level="REL", remedy="r",
          reads=("name",))  # fmt: skip
    def locked(rel, ctx):
        with lock:
            return True

    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    with pytest.raises(RuleDefinitionError, match=r"acme:locked cannot be sent to Dask workers"):
        assess(StoreSource(target=path, name="northbridge"), RuleSet([locked]), as_of=AS_OF,
               client=client)  # fmt: skip


def test_an_organization_rule_reading_every_relationship_without_a_tally_is_refused(
    client, tmp_path
):
    @rule(id="acme:count", title="Some relationships", clause="6.2", level="ORG", remedy="r",
          reads=("relationships.id",))  # fmt: skip
    def some(org, ctx):
        return len(ctx.relationships) > 0

    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    with pytest.raises(RuleDefinitionError, match="acme:count") as info:
        assess(StoreSource(target=path, name="northbridge"), RuleSet([some]), as_of=AS_OF,
               client=client)  # fmt: skip
    assert "of 'northbridge' in" in "\n".join(getattr(info.value, "__notes__", []))


# ------------------------------------------------------------------ sources


@attrs.frozen
class _Overlapping:
    """Every partition gives every relationship: a broken source."""

    inner: StoreSource
    partitions: int | None = 2

    @property
    def label(self):
        return "overlapping " + self.inner.label

    def pinned(self):
        return attrs.evolve(self, inner=self.inner.pinned())

    def organization(self):
        return self.inner.organization()

    def relationships(self, k, n):
        return self.inner.relationships(0, 1)


@attrs.frozen
class _Failing:
    """Partition 1 cannot be read."""

    inner: StoreSource
    partitions: int | None = 3

    @property
    def label(self):
        return "failing source"

    def pinned(self):
        return attrs.evolve(self, inner=self.inner.pinned())

    def organization(self):
        return self.inner.organization()

    def relationships(self, k, n):
        if k == 1:
            raise StoreError("the shard server is down")
        return self.inner.relationships(k, n)


@attrs.frozen
class _Portfolios:
    """Gives a portfolio where relationships are expected."""

    inner: StoreSource
    partitions: int | None = 1
    label: str = "wrong values"

    def pinned(self):
        return self

    def organization(self):
        return self.inner.organization()

    def relationships(self, k, n):
        return [collabrel.example_portfolio()]


@pytest.fixture
def example_store(tmp_path):
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    return StoreSource(target=path, name="northbridge")


def test_overlapping_partitions_are_refused(client, example_store):
    assert isinstance(_Overlapping(example_store), PartitionSource)
    with pytest.raises(
        ConfigError, match=r"overlap: relationship 'rel-\S+' is in partitions 0 and 1"
    ):
        assess(_Overlapping(example_store), as_of=AS_OF, client=client)


def test_an_error_in_a_worker_names_the_source_and_the_partition(client, example_store):
    with pytest.raises(StoreError, match="the shard server is down") as info:
        assess(_Failing(example_store), as_of=AS_OF, client=client)
    assert "while reading partition 1 of 3 of failing source" in info.value.__notes__


def test_a_source_asking_for_no_partitions_is_refused(client, example_store):
    with pytest.raises(ConfigError, match="the partitions of failing source must be a whole"):
        assess(_Failing(example_store, partitions=0), as_of=AS_OF, client=client)


def test_a_source_giving_other_objects_is_refused(client, example_store):
    with pytest.raises(
        ConfigError, match="gave Portfolio at position 0, not a collabrel Relationship"
    ):
        assess(_Portfolios(example_store), as_of=AS_OF, client=client)


SOURCE_MODULE = """
import attrs

@attrs.frozen
class ElsewhereSource:
    inner: object
    partitions: int | None = 1
    label: str = "a source from a module the workers lack"

    def pinned(self):
        return self

    def organization(self):
        return self.inner.organization()

    def relationships(self, k, n):
        return self.inner.relationships(k, n)
"""


def test_a_source_the_workers_cannot_import_fails_its_tasks_not_the_workers(
    client, example_store, tmp_path, monkeypatch
):
    (tmp_path / "elsewhere_source.py").write_text(SOURCE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # here, not in the running workers
    from elsewhere_source import ElsewhereSource

    with pytest.raises(ConfigError, match=r"cannot be unpickled in a Dask worker.*elsewhere"):
        assess(ElsewhereSource(example_store), as_of=AS_OF, client=client)
    sys.modules.pop("elsewhere_source")
    # the workers are still there and work
    assert len(client.scheduler_info()["workers"]) == 2
    assert assess(example_store, as_of=AS_OF, client=client).relationships == 7


def test_a_store_source_is_pinned_to_the_latest_change(tmp_path):
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    source = StoreSource(target=path, name="northbridge")
    pinned = source.pinned()
    assert pinned.seq == 1
    with Store(path) as store:
        rel = store.snapshot("northbridge").portfolio.relationship("rel-plant-hire")
        store.commit("northbridge", [Put(collabrel.evolve(rel, name="Renamed"), expected=1)],
                     actor="bob")  # fmt: skip
        store.commit("northbridge", [Put(collabrel.evolve(
            store.snapshot("northbridge").portfolio.organization, name="Renamed Ltd"),
            expected=1)], actor="bob")  # fmt: skip
    names = {r.id: r.name for r in pinned.relationships(0, 1)}
    assert names["rel-plant-hire"] == rel.name
    assert pinned.organization().name == collabrel.example_portfolio().organization.name
    assert source.pinned().seq == 3
    assert source.pinned().organization().name == "Renamed Ltd"
    later = {r.id: r.name for r in source.pinned().relationships(0, 1)}
    assert later["rel-plant-hire"] == "Renamed"
    # partitions are disjoint and complete
    parts = [pinned.relationships(k, 3) for k in range(3)]
    ids = [r.id for part in parts for r in part]
    assert sorted(ids) == sorted(r.id for r in collabrel.example_portfolio().relationships)


def test_a_store_source_at_an_instant_is_already_pinned(tmp_path):
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    at = datetime.now(UTC)
    source = StoreSource(target=path, name="northbridge", at=at)
    assert source.pinned() is source
    assert len(source.relationships(0, 1)) == 7


def test_store_source_arguments_are_checked(tmp_path):
    with pytest.raises(StoreError, match=r"no store at .*missing\.db"):
        StoreSource(target=tmp_path / "missing.db", name="x").pinned()
    assert not (tmp_path / "missing.db").exists()  # nothing created by mistake
    path = tmp_path / "example.db"
    _save(path, collabrel.example_portfolio())
    with pytest.raises(UnknownSubjectError, match="no portfolio 'nope'"):
        StoreSource(target=path, name="nope").pinned()
    with pytest.raises(ConfigError, match="not both"):
        StoreSource(target=path, name="x", at=datetime.now(UTC), seq=1)
    with pytest.raises(ConfigError, match="in-memory"):
        StoreSource(target=":memory:", name="x")
    with pytest.raises(ConfigError, match="partitions must be a whole number"):
        StoreSource(target=path, name="x", partitions=0)
    with pytest.raises(ConfigError, match="portfolio's name"):
        StoreSource(target=path, name="")


def test_a_store_source_keeps_passwords_out_of_labels():
    source = StoreSource(target="postgresql://portal:s3cret@db.internal/portal", name="acme")
    assert "s3cret" not in repr(source)
    assert "s3cret" not in source.label
    assert "postgresql://portal:***@db.internal/portal" in source.label
    # the workers still get the password, inside the pickled source
    assert pickle.loads(pickle.dumps(source)).target == source.target  # noqa: S301


def test_a_relative_store_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert StoreSource(target="here.db", name="x").target == str(tmp_path / "here.db")


# ------------------------------------------------------------------ arguments and results


def test_arguments_are_checked_before_any_work(client, example_store):
    with pytest.raises(ConfigError, match="portfolios themselves are not sent"):
        assess(collabrel.example_portfolio(), as_of=AS_OF, client=client)
    with pytest.raises(ConfigError, match=r"sources\[1\] is a str"):
        assess_many([example_store, "example.db"], as_of=AS_OF, client=client)
    with pytest.raises(ConfigError, match=r"source is a list.*assess_many"):
        assess([example_store], as_of=AS_OF, client=client)
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ConfigError, match="partitions must be a whole number"):
            assess(example_store, as_of=AS_OF, client=client, partitions=bad)
    with pytest.raises(NotADateError):
        assess(example_store, as_of=datetime(2026, 11, 23, tzinfo=UTC), client=client)
    with pytest.raises(ConfigError, match=r"client must be a distributed\.Client"):
        assess(example_store, as_of=AS_OF, client="tcp://127.0.0.1:8786")
    with pytest.raises(ConfigError, match="ruleset must be a RuleSet"):
        assess(example_store, [_named], as_of=AS_OF, client=client)
    with pytest.raises(ConfigError, match="config must be a collabrel Config"):
        assess(example_store, as_of=AS_OF, client=client, config={"review.joint_rmp": 3})


def test_a_source_that_cannot_be_pickled_is_refused(client, example_store):
    @attrs.frozen
    class Holding:
        inner: StoreSource
        lock: object = attrs.field(factory=threading.Lock)
        partitions: int | None = 1
        label: str = "holding a lock"

        def pinned(self):
            return self

        def organization(self):
            return self.inner.organization()

        def relationships(self, k, n):
            return self.inner.relationships(k, n)

    with pytest.raises(ConfigError, match=r"holding a lock.*cannot be sent to Dask workers"):
        assess(Holding(example_store), as_of=AS_OF, client=client)


def test_without_a_client_the_current_one_is_used(client, example_store):
    with pytest.raises(ConfigError, match="no Dask client: start one first"):
        assess(example_store, as_of=AS_OF)
    with client.as_current():
        assert assess(example_store, as_of=AS_OF).relationships == 7


def test_the_result_reads_as_columns(client, generated):
    path, portfolio = generated
    result = assess(StoreSource(target=path, name="northbridge"), as_of=AS_OF, client=client,
                    messages=False)  # fmt: skip
    frame = result.to_pandas()
    assert list(frame.columns) == ["subject", "rule", "clause", "stage", "level", "verdict",
                                   "gap", "message"]  # fmt: skip
    assert len(result) == len(frame) == sum(result.counts().values())
    assert set(frame["message"]) == {""}  # messages=False
    assert set(frame["gap"].dropna()) == {"open_gate_item", "nonconformity"}
    session = Session(portfolio, default_ruleset(), as_of=AS_OF)
    expected = sorted(row[:7] for row in session.table(messages=False).rows())
    assert [row[:7] for row in _rows(frame)] == expected
    # the organization's rows come first, as in Session.table()
    n_org = len(result.organization_findings)
    assert set(frame["subject"][:n_org]) == {"northbridge"}
    assert frame["level"][:n_org].eq("ORG").all()
    # verdicts by clause and stage, the plot the how-to draws
    by_stage = frame.groupby(["stage", "verdict"], observed=True).size()
    assert by_stage.sum() == len(frame) - frame["stage"].isna().sum()
    # the frame handed out is a copy: changing it leaves the result alone
    frame.loc[0, "verdict"] = "fail"
    frame["message"] = "changed"
    again = result.to_pandas()
    assert set(again["message"]) == {""}
    assert Counter(again["verdict"]) == Counter(
        {v.value: n for v, n in result.counts().items() if n}
    )
    assert "relationships=120" in repr(result)
    assert "<table" in result._repr_html_()


def test_the_docstring_examples_run(tmp_path, monkeypatch):
    import doctest
    import tempfile

    import collabrel.distributed
    from collabrel.distributed import _assess, _sources

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' folders go here
    for module in (collabrel.distributed, _assess, _sources):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
    assert doctest.testmod(_assess).attempted > 0
