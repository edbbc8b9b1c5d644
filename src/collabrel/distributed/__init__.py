"""Partitioned evaluation on Dask: large portfolios and many organizations, on a cluster.

A relationship rule reads one relationship and the organization, so the relationships of a
portfolio can be evaluated in partitions, in parallel; the organization rules that read
every relationship add up the partitions' tallies. :func:`assess` gives exactly the verdicts
of one :class:`~collabrel.rules.Session` on the whole portfolio, without the portfolio ever
passing through the calling process: each Dask worker reads its own partitions from a
*partition source* (a :class:`StoreSource`, a :class:`JsonLinesSource`, or your own
:class:`PartitionSource`). :func:`assess_many` does the same for several organizations at
once. The rule set and the units registry are set up once in every worker, by a Dask worker
plugin.

Needs the ``dask`` extra: ``pip install 'collabrel[dask]'`` (dask.distributed and pandas).

Example:
    >>> from datetime import date
    >>> import collabrel, tempfile, pathlib
    >>> from distributed import Client, LocalCluster
    >>> from collabrel.store import Store
    >>> from collabrel.distributed import StoreSource, assess
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "history.db"
    >>> with Store(path) as store:
    ...     _ = store.save(collabrel.example_portfolio(), actor="alice", reason="load")
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
    ...     with Client(cluster) as client:
    ...         result = assess(StoreSource(target=path, name="northbridge"),
    ...                         as_of=date(2026, 11, 23), client=client)
    >>> result.organization_id, result.relationships
    ('northbridge', 7)
"""

from __future__ import annotations

try:
    import distributed as _distributed  # noqa: F401 - fail early with the install hint
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    _msg = "collabrel.distributed needs the dask extra: pip install 'collabrel[dask]'"
    raise ImportError(_msg) from _exc

from collabrel._public import publish
from collabrel.distributed._assess import assess, assess_many
from collabrel.distributed._result import PartitionedAssessment
from collabrel.distributed._sources import PartitionSource, StoreSource

__all__ = [
    "PartitionSource",
    "PartitionedAssessment",
    "StoreSource",
    "assess",
    "assess_many",
]

publish(__name__, globals())
