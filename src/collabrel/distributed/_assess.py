"""Partitioned assessment on a Dask cluster: the tasks and the two entry points.

For each source, one task reads the organization; one task per partition reads its
relationships and evaluates them with the full rule set (``evaluate_partition``); one task
adds up the partitions' tallies and evaluates the organization rules
(``evaluate_organization``). Only the verdict tables, the tallies and the organization
findings come back to the calling process.
"""

from __future__ import annotations

import pickle
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs
import cloudpickle
from distributed import Client, default_client

from collabrel._config import Config
from collabrel._dates import require_date
from collabrel._model import Organization, Relationship
from collabrel.distributed._plugin import ensure_plugin, worker_ruleset
from collabrel.distributed._result import (
    PartitionedAssessment,
    combine_frames,
    findings_frame,
    pandas,
    table_frame,
)
from collabrel.distributed._sources import PartitionSource
from collabrel.errors import ConfigError, RuleDefinitionError
from collabrel.rules import (
    Finding,
    RuleSet,
    default_ruleset,
    evaluate_organization,
    evaluate_partition,
    merge_tallies,
)

__all__ = ["assess", "assess_many"]


@attrs.frozen(kw_only=True)
class _Part:
    """What a partition task sends back: its rows, its tallies, its size."""

    frame: Any
    tallies: Mapping[str, Counter[Any]]
    relationships: int
    ruleset_version: str


# ------------------------------------------------------------------- tasks (in workers)


@attrs.frozen(kw_only=True)
class _Job:
    """What every task of one source needs, besides the organization.

    The source travels pickled by cloudpickle, and is unpickled inside the task: a source
    whose class the workers cannot import then fails its task with a clear error, instead
    of failing the worker's connection (as Dask's own unpickling of task arguments would).
    """

    pickled_source: bytes
    label: str
    n: int
    plugin: str
    as_of: date
    config: Config | None
    messages: bool

    def source(self) -> PartitionSource:
        try:
            source = pickle.loads(self.pickled_source)  # noqa: S301 - pickled by _ship
        except Exception as exc:
            raise ConfigError(
                f"the source {self.label} cannot be unpickled in a Dask worker "
                f"({type(exc).__name__}: {exc}): install the module that defines its class "
                "on the workers, or send it by value with cloudpickle.register_pickle_by_value"
            ) from exc
        if not isinstance(source, PartitionSource):  # pragma: no cover - checked before
            raise ConfigError(f"the source {self.label} unpickled as {type(source).__name__}")
        return source


def _read_organization(job: _Job) -> Organization:
    source = job.source()
    try:
        organization = source.organization()
    except Exception as exc:
        exc.add_note(f"while reading the organization of {job.label}")
        raise
    if not isinstance(organization, Organization):
        raise ConfigError(
            f"{job.label}: organization() gave {type(organization).__name__}, "
            "not a collabrel Organization"
        )
    return organization


def _identify(organization: Organization) -> tuple[str, str]:
    return organization.id, organization.name


def _read_partition(job: _Job, k: int) -> tuple[Relationship, ...]:
    source, n = job.source(), job.n
    try:
        relationships = tuple(source.relationships(k, n))
    except Exception as exc:
        exc.add_note(f"while reading partition {k} of {n} of {job.label}")
        raise
    for i, rel in enumerate(relationships):
        if not isinstance(rel, Relationship):
            raise ConfigError(
                f"{job.label}: partition {k} of {n} gave {type(rel).__name__} at position "
                f"{i}, not a collabrel Relationship"
            )
    return relationships


def _evaluate_partition(job: _Job, k: int, organization: Organization) -> _Part:
    ruleset = worker_ruleset(job.plugin)
    relationships = _read_partition(job, k)
    try:
        partial = evaluate_partition(
            organization, relationships, ruleset, as_of=job.as_of, config=job.config,
            messages=job.messages,
        )  # fmt: skip
    except Exception as exc:
        exc.add_note(f"while evaluating partition {k} of {job.n} of {job.label}")
        raise
    return _Part(
        frame=table_frame(partial.table, ruleset),
        tallies=dict(partial.tallies),
        relationships=partial.relationships,
        ruleset_version=partial.table.ruleset_version,
    )


def _tallies_of(part: _Part) -> Mapping[str, Counter[Any]]:
    return part.tallies


def _evaluate_organization(
    job: _Job, organization: Organization, tallies: list[Mapping[str, Counter[Any]]]
) -> tuple[Finding, ...]:
    ruleset = worker_ruleset(job.plugin)
    return evaluate_organization(
        organization, ruleset, tallies=merge_tallies(tallies), as_of=job.as_of,
        config=job.config,
    )  # fmt: skip


# ------------------------------------------------------------------ the calling process


def _client(client: object) -> Any:
    """The Dask client to use (typed Any: distributed's methods are not annotated)."""
    if client is None:
        try:
            return default_client()  # type: ignore[no-untyped-call]  # not annotated upstream
        except ValueError:
            raise ConfigError(
                "no Dask client: start one first (from distributed import Client, "
                "LocalCluster; client = Client(LocalCluster(n_workers=2))) or pass client="
            ) from None
    if not isinstance(client, Client):
        raise ConfigError(f"client must be a distributed.Client, got {type(client).__name__}")
    return client


def _check_sources(sources: Sequence[object], name: str) -> list[PartitionSource]:
    checked: list[PartitionSource] = []
    for i, source in enumerate(sources):
        where = f"{name}[{i}]" if name == "sources" else name
        if not isinstance(source, PartitionSource):
            raise ConfigError(
                f"{where} is a {type(source).__name__}, not a partition source: give a "
                "StoreSource, a JsonLinesSource or an object with label, partitions, pinned(), "
                "organization() and relationships(k, n); portfolios themselves are not sent "
                "to the workers, they read their own partitions (several sources: assess_many)"
            )
        checked.append(source)
    return checked


def _ship(source: PartitionSource) -> bytes:
    """*source* pickled for the workers (by value where its module is not importable)."""
    try:
        payload: bytes = cloudpickle.dumps(source)
    except Exception as exc:
        raise ConfigError(
            f"the source {source.label} cannot be sent to Dask workers: {type(exc).__name__}: {exc}"
        ) from exc
    return payload


def _check_partitions(partitions: object, what: str = "partitions") -> int | None:
    if partitions is None:
        return None
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ConfigError(
            f"{what} must be a whole number of at least 1 (or None), got {partitions!r}"
        )
    return partitions


@attrs.frozen
class _Planned:
    """The futures of one source's tasks."""

    source: PartitionSource
    n: int
    futures: list[Any]
    """Every future of the source's tasks (to cancel them all on an error)."""
    identity: Any
    parts: list[Any]
    findings: Any


def assess_many(
    sources: Iterable[PartitionSource],
    ruleset: RuleSet | None = None,
    *,
    as_of: date,
    config: Config | None = None,
    client: object = None,
    partitions: int | None = None,
    messages: bool = True,
) -> list[PartitionedAssessment]:
    """Assess several portfolios (a consultancy's clients) on a Dask cluster, at once.

    Every partition of every source is submitted together, so the workers stay busy; the
    result has one :class:`PartitionedAssessment` per source, in the order of *sources*.

    Args:
        sources: where each portfolio is read from (see :class:`PartitionSource`).
        ruleset: the rule set (default: the built-in one); every partition is evaluated with
            all of it, so every verdict carries its version.
        as_of: the evaluation date.
        config: review intervals and thresholds.
        client: a ``distributed.Client`` (default: the current one, as ``dask`` finds it).
        partitions: into how many partitions to split each portfolio (default: what the
            source says, else twice the cluster's threads).
        messages: explain the rows that need action (this can take longer than the
            evaluation itself; False leaves the messages empty).

    Raises:
        ConfigError: for a bad argument, a source that cannot be sent to the workers, no
            Dask client, or partitions that overlap.
        RuleDefinitionError: when the rule set cannot be sent to the workers, or has an
            organization rule that reads every relationship without a tally.
        NotADateError: when *as_of* is not a date.

    Any error raised while a worker reads a source (a :class:`~collabrel.errors.StoreError`,
    a :class:`~collabrel.errors.LoadError`, ...) is raised here, with a note naming the
    source and the partition; the other tasks are cancelled.
    """
    return _assess(
        _check_sources(list(sources), "sources"), ruleset, as_of=as_of, config=config,
        client=client, partitions=partitions, messages=messages,
    )  # fmt: skip


def _assess(
    checked: list[PartitionSource],
    ruleset: RuleSet | None,
    *,
    as_of: date,
    config: Config | None,
    client: object,
    partitions: int | None,
    messages: bool,
) -> list[PartitionedAssessment]:
    as_of = require_date(as_of)
    n_wanted = _check_partitions(partitions)
    if config is not None and not isinstance(config, Config):
        raise ConfigError(f"config must be a collabrel Config, got {type(config).__name__}")
    if ruleset is None:
        ruleset = default_ruleset()
    elif not isinstance(ruleset, RuleSet):
        raise ConfigError(f"ruleset must be a RuleSet, got {type(ruleset).__name__}")
    if not checked:
        return []
    pandas()  # the result is a pandas frame: fail before any task runs when it is missing
    dask = _client(client)
    plugin = ensure_plugin(dask, ruleset)
    pinned = [source.pinned() for source in checked]
    shipped = [_ship(source) for source in pinned]
    threads = sum(dask.nthreads().values())
    token = uuid.uuid4().hex[:12]
    planned: list[_Planned] = []
    try:
        for i, (source, payload) in enumerate(zip(pinned, shipped, strict=True)):
            own = _check_partitions(source.partitions, f"the partitions of {source.label}")
            n = n_wanted or own or max(1, 2 * threads)
            job = _Job(
                pickled_source=payload, label=source.label, n=n, plugin=plugin, as_of=as_of,
                config=config, messages=messages,
            )  # fmt: skip
            key = f"{token}-{i}"
            org = dask.submit(_read_organization, job, key=f"collabrel-organization-{key}")
            parts = [
                dask.submit(_evaluate_partition, job, k, org, key=f"collabrel-partition-{key}-{k}")
                for k in range(n)
            ]
            tallies = [
                dask.submit(_tallies_of, part, key=f"collabrel-tallies-{key}-{k}")
                for k, part in enumerate(parts)
            ]
            findings = dask.submit(
                _evaluate_organization, job, org, tallies, key=f"collabrel-org-rules-{key}"
            )
            identity = dask.submit(_identify, org, key=f"collabrel-identity-{key}")
            every = [org, *parts, *tallies, findings, identity]
            planned.append(_Planned(source, n, every, identity, parts, findings))
        results = [_collect(dask, plan, ruleset, as_of, messages) for plan in planned]
    except BaseException:
        dask.cancel([future for plan in planned for future in plan.futures])
        raise
    return results


def _collect(
    dask: Any, plan: _Planned, ruleset: RuleSet, as_of: date, messages: bool
) -> PartitionedAssessment:
    identity, findings, *parts = dask.gather([plan.identity, plan.findings, *plan.parts])
    for k, part in enumerate(parts):
        if part.ruleset_version != ruleset.version:  # pragma: no cover - the plugin checks
            raise RuleDefinitionError(
                f"partition {k} of {plan.source.label} was evaluated with rule set "
                f"{part.ruleset_version}, not {ruleset.version}"
            )
    frame = combine_frames(
        findings_frame(findings, ruleset, messages=messages),
        [part.frame for part in parts],
        where=plan.source.label,
    )
    return PartitionedAssessment(
        source=plan.source.label,
        organization_id=identity[0],
        organization_name=identity[1],
        as_of=as_of,
        ruleset_version=ruleset.version,
        relationships=sum(part.relationships for part in parts),
        partitions=plan.n,
        organization_findings=tuple(findings),
        frame=frame,
    )


def assess(
    source: PartitionSource,
    ruleset: RuleSet | None = None,
    *,
    as_of: date,
    config: Config | None = None,
    client: object = None,
    partitions: int | None = None,
    messages: bool = True,
) -> PartitionedAssessment:
    """Assess one portfolio on a Dask cluster, each worker reading its own partitions.

    The verdicts are exactly those of one :class:`~collabrel.rules.Session` on the whole
    portfolio: relationship rules run per partition, and the organization rules that read
    every relationship are evaluated from the partitions' tallies. See :func:`assess_many`
    for the arguments and errors.

    Example:
        >>> from datetime import date
        >>> import collabrel, tempfile, pathlib
        >>> from distributed import Client, LocalCluster
        >>> from collabrel.store import Store
        >>> from collabrel.distributed import StoreSource, assess
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "history.db"
        >>> with Store(path) as store:
        ...     _ = store.save(collabrel.example_portfolio(), actor="alice", reason="load")
        >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        ...     with Client(cluster) as client:
        ...         result = assess(StoreSource(target=path, name="northbridge"),
        ...                         as_of=date(2026, 11, 23), client=client, partitions=3)
        >>> result.relationships, result.partitions
        (7, 3)
        >>> frame = result.to_pandas()
        >>> bool((frame["verdict"] == "fail").any())
        True
    """
    return _assess(
        _check_sources([source], "source"), ruleset, as_of=as_of, config=config,
        client=client, partitions=partitions, messages=messages,
    )[0]  # fmt: skip
