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

See :func:`assess` for an example, and the how-to "Assess many relationships on a Dask
cluster" for a walk-through.
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
from collabrel.distributed._sources import JsonLinesSource, PartitionSource, StoreSource

__all__ = [
    "JsonLinesSource",
    "PartitionSource",
    "PartitionedAssessment",
    "StoreSource",
    "assess",
    "assess_many",
]

publish(__name__, globals())
