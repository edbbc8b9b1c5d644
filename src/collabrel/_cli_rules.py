"""Own rules for the command: rule files that carry exclusions, exclusion files, rule packs.

A rule file may hold, beside its ``rules``, an ``exclusions`` list: each entry names a rule
(``rule``) and says why it does not apply (``justification``); the command leaves those rules
out, and every report lists them with their justification. An exclusions file is the same
list on its own (or under an ``exclusions`` key). Rule packs are installed distributions
with an entry point in the group ``collabrel.rules``; they are loaded only when named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from collabrel._io import read_document
from collabrel.errors import LoadError, Problem, RuleFileError, UsageError
from collabrel.rules import RuleSet, RuleSpec, rules_from_data

__all__ = [
    "PACK_GROUP",
    "exclusions_from_data",
    "exclusions_from_file",
    "installed_packs",
    "load_pack",
    "load_rule_file",
]

PACK_GROUP = "collabrel.rules"
"""The entry-point group of rule packs."""

_ENTRY_KEYS = ("rule", "justification")


def exclusions_from_data(data: Any, where: str = "$.exclusions") -> list[tuple[str, str]]:
    """Read a list of ``{rule, justification}`` entries; every problem comes with its path.

    Raises:
        LoadError: listing every entry that is not a rule id with a justification.
    """
    problems: list[Problem] = []
    out: list[tuple[str, str]] = []
    if not isinstance(data, list):
        raise LoadError(
            [
                Problem(
                    path=where, message="exclusions must be a list of {rule, justification} entries"
                )
            ]
        )
    for i, entry in enumerate(data):
        path = f"{where}[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(path=path, message="expected {rule: ID, justification: WHY}"))
            continue
        problems += [
            Problem(
                path=f"{path}.{k}", message=f"unknown key {k!r}", hint="use rule and justification"
            )
            for k in entry
            if k not in _ENTRY_KEYS
        ]
        rule, why = entry.get("rule"), entry.get("justification")
        for key, value in (("rule", rule), ("justification", why)):
            if not isinstance(value, str) or not value.strip():
                hint = (
                    "name a rule id such as iso44001:8.5.4"
                    if key == "rule"
                    else "say why the requirement does not apply; reports show it"
                )
                problems.append(
                    Problem(path=f"{path}.{key}", message="missing or empty", hint=hint)
                )
        if isinstance(rule, str) and isinstance(why, str) and rule.strip() and why.strip():
            out.append((rule.strip(), why.strip()))
    if problems:
        raise LoadError(problems)
    return out


def _with_source(exc: LoadError, source: str, cls: type[LoadError] = LoadError) -> LoadError:
    return cls(exc.problems, source=source)


def exclusions_from_file(path: Path) -> list[tuple[str, str]]:
    """Read an exclusions file: a list of entries, or a mapping with an ``exclusions`` list.

    Raises:
        LoadError: for a file that cannot be read or an entry that is not right.
    """
    data, name = read_document(path)
    where = "$"
    if isinstance(data, Mapping):
        unknown = [k for k in data if k != "exclusions"]
        if unknown or "exclusions" not in data:
            raise LoadError(
                [
                    Problem(
                        path="$",
                        message="an exclusions file is a list of "
                        "{rule, justification} entries, or has an 'exclusions' "
                        "list",
                    )
                ],
                source=name,
            )
        data, where = data["exclusions"], "$.exclusions"
    try:
        return exclusions_from_data(data, where)
    except LoadError as exc:
        raise _with_source(exc, name) from None


def load_rule_file(path: Path) -> tuple[RuleSet, list[tuple[str, str]]]:
    """Load a rule file: its rules, and the exclusions it carries (if any).

    Raises:
        RuleFileError: listing every problem of the rules and of the exclusions, with paths.
    """
    try:
        data, name = read_document(path)
    except RuleFileError:
        raise
    except LoadError as exc:
        raise _with_source(exc, exc.source, RuleFileError) from None
    exclusions: list[tuple[str, str]] = []
    problems: list[Problem] = []
    if isinstance(data, Mapping) and "exclusions" in data:
        data = dict(data)
        try:
            exclusions = exclusions_from_data(data.pop("exclusions"))
        except LoadError as exc:
            problems += exc.problems
    try:
        ruleset = rules_from_data(data, source=name)
    except RuleFileError as exc:
        raise RuleFileError([*exc.problems, *problems], source=name) from None
    if problems:
        raise RuleFileError(problems, source=name)
    return ruleset, exclusions


def installed_packs() -> list[tuple[str, str, str]]:
    """The installed rule packs: ``(name, entry point value, distribution)``, by name."""
    from importlib.metadata import entry_points

    found = []
    for ep in entry_points(group=PACK_GROUP):
        dist = ep.dist.name if ep.dist is not None else "?"
        found.append((ep.name, ep.value, dist))
    return sorted(found)


def _specs(obj: Any) -> Iterable[RuleSpec]:
    if isinstance(obj, ModuleType):
        return RuleSet.from_module(obj).rules
    if isinstance(obj, RuleSet):
        return obj.rules
    if isinstance(obj, RuleSpec):
        return (obj,)
    return tuple(obj)


def load_pack(name: str) -> RuleSet:
    """Load the rule pack *name*.

    The entry point names a module, a rule set, a spec, an iterable of specs, or a callable
    returning one of those.

    Raises:
        UsageError: when no installed pack has that name, listing those that are.
    """
    from importlib.metadata import entry_points

    matches = [ep for ep in entry_points(group=PACK_GROUP) if ep.name == name]
    if not matches:
        known = ", ".join(n for n, _, _ in installed_packs()) or "none"
        raise UsageError(
            f"no rule pack {name!r} is installed (installed packs: {known}); a "
            f"pack is an entry point in the group {PACK_GROUP!r}"
        )
    obj = matches[0].load()
    if callable(obj) and not isinstance(obj, RuleSet | RuleSpec | ModuleType):
        obj = obj()
    try:
        return RuleSet(tuple(_specs(obj)))
    except TypeError as exc:
        raise UsageError(
            f"rule pack {name!r} gave {type(obj).__name__}, not rules: {exc}"
        ) from None
