"""The worker plugin: the rule set and the units registry, ready in every Dask worker.

The rule set is pickled once, in the calling process, with cloudpickle (a custom rule's
function defined in a notebook travels by value); unpickled again there to check that it
comes back with the same version; and sent to every worker inside a ``WorkerPlugin``, which
unpickles it once per worker. Tasks find it by the plugin's name, so a worker compiles the
rule set once however many partitions it evaluates.
"""

from __future__ import annotations

import hashlib
import pickle
import weakref
from typing import Any

import cloudpickle
from distributed import WorkerPlugin, get_worker

from collabrel.errors import RuleDefinitionError
from collabrel.rules import RuleSet

__all__ = ["ensure_plugin", "pickle_ruleset", "plugin_name", "worker_ruleset"]

_PREFIX = "collabrel-ruleset-"


def _unpicklable_rules(ruleset: RuleSet) -> list[str]:
    """The ids of the rules that cloudpickle cannot pickle."""
    bad = []
    for spec in ruleset:
        try:
            cloudpickle.dumps(spec)
        except Exception:  # noqa: BLE001 - any failure means the rule cannot travel
            bad.append(spec.id)
    return bad


_PICKLED: weakref.WeakKeyDictionary[RuleSet, bytes] = weakref.WeakKeyDictionary()
"""Rule sets pickled and checked already (a rule set is immutable: once is enough)."""

_ORIGINALS: weakref.WeakValueDictionary[str, RuleSet] = weakref.WeakValueDictionary()
"""Plugin name -> the caller's rule set. A worker that runs in the caller's own process (a
``LocalCluster(processes=False)``) uses it as it is, compiled once for both."""


def pickle_ruleset(ruleset: RuleSet) -> bytes:
    """Pickle *ruleset* for the workers, and check that it unpickles to the same version.

    Raises:
        RuleDefinitionError: when a rule cannot be pickled, or comes back different.
    """
    payload = _PICKLED.get(ruleset)
    if payload is None:
        payload = _PICKLED[ruleset] = _pickle_checked(ruleset)
    return payload


def _pickle_checked(ruleset: RuleSet) -> bytes:
    try:
        payload: bytes = cloudpickle.dumps(ruleset)
    except Exception as exc:
        bad = _unpicklable_rules(ruleset)
        which = f"the rules {', '.join(bad)} cannot" if bad else "the rule set cannot"
        raise RuleDefinitionError(
            f"{which} be sent to Dask workers ({type(exc).__name__}: {exc}); a custom rule's "
            "function must be picklable: define it at module level or in the notebook, "
            "not inside another function that holds open files, locks or connections"
        ) from exc
    again = pickle.loads(payload)  # noqa: S301 - bytes we made just above
    if not isinstance(again, RuleSet) or again.version != ruleset.version:
        got = again.version if isinstance(again, RuleSet) else type(again).__name__
        raise RuleDefinitionError(
            f"the rule set does not survive pickling: version {ruleset.version} came back "
            f"as {got}; check the custom rules' functions and their reads"
        )
    return payload


def plugin_name(payload: bytes) -> str:
    """The plugin's name: one per distinct pickled rule set."""
    return _PREFIX + hashlib.sha256(payload).hexdigest()[:20]


class _RulesetPlugin(WorkerPlugin):
    """Holds one rule set in every worker (and builds the units registry there)."""

    idempotent = True  # the same rule set registered again is not set up again

    def __init__(self, payload: bytes, version: str) -> None:
        self.name = plugin_name(payload)
        self.version = version
        self._payload = payload
        self.ruleset: RuleSet | None = None

    def setup(self, worker: Any) -> None:  # noqa: ARG002 - the plugin interface's argument
        """Build the units registry, unpickle the rule set and check its version."""
        from collabrel import units

        units.registry()
        ruleset = _ORIGINALS.get(self.name)
        if ruleset is None:
            ruleset = pickle.loads(self._payload)  # noqa: S301 - made by pickle_ruleset
        if not isinstance(ruleset, RuleSet) or ruleset.version != self.version:
            got = ruleset.version if isinstance(ruleset, RuleSet) else type(ruleset).__name__
            raise RuleDefinitionError(
                f"the rule set {self.version} unpickled in a worker as {got}: the worker "
                "runs another version of collabrel or of the rules' modules"
            )
        self.ruleset = ruleset
        self._payload = b""  # the rule set itself is kept; its bytes are not needed again


def ensure_plugin(client: Any, ruleset: RuleSet) -> str:
    """Register the rule set's plugin with *client*'s workers (once); return its name.

    Raises:
        RuleDefinitionError: when the rule set cannot be pickled, or a worker cannot set it
            up (the plugin is then removed again, so that a fixed rule set can be sent).
    """
    payload = pickle_ruleset(ruleset)
    plugin = _RulesetPlugin(payload, ruleset.version)
    _ORIGINALS[plugin.name] = ruleset
    try:
        client.register_plugin(plugin)
    except Exception as exc:
        try:
            client.unregister_worker_plugin(plugin.name)
        except Exception as again:  # noqa: BLE001 - the setup failure is the error to report
            exc.add_note(f"(removing the failed plugin also failed: {again})")
        if isinstance(exc, RuleDefinitionError):
            raise
        raise RuleDefinitionError(
            f"a Dask worker could not set up the rule set {ruleset.version}: "
            f"{type(exc).__name__}: {exc}; check that every worker has collabrel and the "
            "modules of the custom rules installed"
        ) from exc
    return plugin.name


def worker_ruleset(name: str) -> RuleSet:
    """The rule set of plugin *name* in the current worker.

    Raises:
        RuleDefinitionError: when the worker has no such plugin (it was removed).
    """
    plugin = get_worker().plugins.get(name)
    ruleset = getattr(plugin, "ruleset", None)
    if not isinstance(ruleset, RuleSet):
        raise RuleDefinitionError(
            f"this Dask worker has no rule set {name!r}: it was unregistered while the "
            "assessment ran; run the assessment again"
        )
    return ruleset
