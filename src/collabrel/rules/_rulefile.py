"""Rule files: condition trees as YAML, TOML or JSON data, for users who do not write Python.

A rule file is data, never code. Node names come from a fixed vocabulary, fact paths are
resolved against the domain schema (no dunder or private names can be reached), a ``check``
node may only call functions the caller registered, and every file is bounded in size, depth
and number of nodes. A file with any problem is refused whole, each problem with its path.

The format::

    rules:
      - id: acme:legal-signoff          # your namespace, never iso44001:
        title: Legal signs every partnering agreement
        clause: "8.6.10"
        level: JNT                      # ORG, REL or JNT
        stage: 5                        # optional
        remedy: Ask legal to sign the agreement before it is executed.
        condition:
          all_of:
            - present: working.agreement
            - count_at_least: {path: working.agreement.agreed_by, n: 2}
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from collabrel._config import Config
from collabrel._dates import CalendarInterval
from collabrel._facts import FactSchema
from collabrel._io import Format, read_document
from collabrel._model import Organization, Relationship
from collabrel.errors import CollabrelError, LoadError, Problem, RuleFileError
from collabrel.rules._conditions import (
    NODE_TYPES,
    Binder,
    Condition,
    Present,
    Ref,
    cost,
)
from collabrel.rules._conditions._base import coerce_literal
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._schema import PathInfo
from collabrel.rules._spec import RuleSpec

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_NODES",
    "MAX_FILE_COST",
    "MAX_FILE_NODES",
    "MAX_RULES",
    "condition_from_data",
    "dump_rules",
    "load_rules",
    "rules_from_data",
]

MAX_RULES = 5000
"""The most rules one file may hold."""
MAX_CONDITION_NODES = 500
"""The most nodes one rule's condition (and applicability) may have."""
MAX_CONDITION_DEPTH = 32
"""The deepest a condition may nest."""
MAX_FILE_NODES = 50_000
"""The most condition nodes (mappings and lists) the rules of one file may hold together
(about 25x the built-in rule set), counted before they are parsed."""
MAX_FILE_COST = 1_000_000
"""The most condition nodes all the rules of one file may visit per subject together (about
15x the built-in rule set); see :func:`collabrel.rules._conditions.cost`."""

_RULE_KEYS = (
    "id", "title", "clause", "level", "remedy", "stage", "mode", "flags", "basis", "severity",
    "tags", "condition", "applies_when", "applies_in", "question",
)  # fmt: skip
_REQUIRED = ("id", "title", "clause", "level", "remedy", "condition")
_TOP_KEYS = ("rules", "version", "description")


class _Refused(ValueError):  # noqa: N818 - private signal, caught in this module
    """One problem in a condition, with where it is (relative to the condition)."""

    def __init__(self, where: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.where, self.message, self.hint = where, message, hint


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else "use one of: " + ", ".join(choices)


class _Parser:
    """Reads a condition from rule-file data (the :class:`DataReader` the nodes use).

    With a binder, every path is also resolved against the schema. Structural problems stop
    the parse (``_Refused``); path and function problems are collected in ``problems`` so
    that every one of them is reported at once, at its node.
    """

    def __init__(
        self,
        binder: Binder | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.nodes = 0
        self.binder = binder
        self.functions = functions or {}
        self.problems: list[Problem] = []

    def node(self, data: Any, where: str, depth: int) -> Condition:
        self.nodes += 1
        if self.nodes > MAX_CONDITION_NODES:
            raise _Refused(
                where,
                f"the condition has more than {MAX_CONDITION_NODES} nodes",
                "split the rule into several rules",
            )
        if depth > MAX_CONDITION_DEPTH:
            raise _Refused(
                where,
                f"the condition nests deeper than {MAX_CONDITION_DEPTH} levels",
                "flatten it with all_of / any_of",
            )
        if not isinstance(data, Mapping) or len(data) != 1:
            raise _Refused(
                where,
                "a condition is a mapping with exactly one key, the node name, "
                f"such as {{present: working.agreement}}; got {_short(data)}",
            )
        ((key, body),) = data.items()
        node_type = NODE_TYPES.get(key) if isinstance(key, str) else None
        if node_type is None:
            # reported, and parsing goes on with the siblings; the rule is not built
            self.problems.append(
                _problem(
                    where, f"unknown condition {key!r}", _suggest(str(key), sorted(NODE_TYPES))
                )
            )
            return Present("id")
        return node_type.from_data(body, self, f"{where}.{key}", depth)

    def scoped(self, info: PathInfo | None, data: Any, where: str, depth: int) -> Condition:
        outer = self.binder
        self.binder = outer.element(info) if outer is not None and info is not None else None
        try:
            return self.node(data, where, depth)
        finally:
            self.binder = outer

    def fields(
        self,
        body: Any,
        where: str,
        keyword: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> Mapping[str, Any]:
        if not isinstance(body, Mapping):
            raise _Refused(where, f"{keyword} takes a mapping of its arguments; got {_short(body)}")
        allowed = required + optional
        for k in body:
            if k not in allowed:
                raise _Refused(f"{where}.{k}", f"unknown argument {k!r}", _suggest(str(k), allowed))
        for k in required:
            if k not in body:
                raise _Refused(where, f"missing argument {k!r}")
        return body

    def path(self, value: Any, where: str) -> str:
        return self.collection(value, where)[0]

    def collection(self, value: Any, where: str) -> tuple[str, PathInfo | None]:
        if not isinstance(value, str) or not value.strip():
            raise _Refused(
                where,
                f"a fact path is a dotted name such as 'working.agreement'; got {_short(value)}",
            )
        text = value.strip()
        if self.binder is None:
            return text, None
        try:
            return text, self.binder.path(text)
        except CollabrelError as exc:
            self.problems.append(_problem(where, str(exc)))
            return text, None

    def plain(self, value: Any, where: str) -> Any:
        if isinstance(value, Mapping | list):
            raise _Refused(
                where, f"one_of values are numbers, texts or true/false; got {_short(value)}"
            )
        return value

    def literal(self, value: Any, where: str) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"ref"}:
                return Ref(self.path(value["ref"], f"{where}.ref"))
            raise _Refused(where, "a value is a number, text, true/false, or {ref: <path>}")
        if isinstance(value, list):
            raise _Refused(where, "a value cannot be a list here")
        return value

    def interval(self, value: Any, where: str) -> str | CalendarInterval | Ref:
        if isinstance(value, Mapping) and set(value) == {"ref"}:
            return Ref(self.path(value["ref"], f"{where}.ref"))
        if isinstance(value, str):
            if value.strip() and value.strip()[0].isdigit():
                try:
                    return CalendarInterval.parse(value)
                except ValueError as exc:
                    raise _Refused(where, str(exc)) from None
            key = value.strip()
            try:
                Config().interval(key)
            except CollabrelError as exc:
                self.problems.append(_problem(where, str(exc)))
            return key
        raise _Refused(
            where,
            "an interval is a config key such as 'review.policy', a length "
            f"such as '6 months', or {{ref: <path>}}; got {_short(value)}",
        )

    def typed(self, info: PathInfo | None, value: Any, path: str, where: str) -> Any:
        if info is None or isinstance(value, Ref):
            return value
        try:
            return coerce_literal(info, value, path)
        except CollabrelError as exc:
            self.problems.append(_problem(where, str(exc)))
            return value

    def count(self, value: Any, where: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _Refused(where, f"n must be a whole number >= 0; got {_short(value)}")
        return value

    def function(self, value: Any, where: str) -> Callable[..., Any] | str:
        if not isinstance(value, str):
            raise _Refused(where, "function is the name of a registered function")
        found = self.functions.get(value)
        if found is not None:
            return found
        known = sorted(self.functions)
        self.problems.append(
            _problem(
                where,
                f"unknown function {value!r}",
                f"registered functions: {', '.join(known)}; " + _suggest(value, known)
                if known
                else "registered functions: none; pass functions={...} to load_rules",
            )
        )
        return value

    def refuse(self, where: str, message: str, hint: str = "") -> Exception:
        return _Refused(where, message, hint)


def _problem(path: str, message: str, hint: str = "") -> Problem:
    return Problem(path=path, message=message, hint=hint)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."  # noqa: PLR2004


def condition_from_data(
    data: Any, *, functions: Mapping[str, Callable[..., Any]] | None = None
) -> Condition:
    """Return the condition tree that rule-file *data* describes (the inverse of ``to_data``).

    *functions* are the functions ``check`` nodes may name.

    Raises:
        RuleFileError: with the path of the problem inside *data*.
    """
    parser = _Parser(functions=functions)
    try:
        condition = parser.node(data, "$", 0)
    except _Refused as exc:
        raise RuleFileError(
            [*parser.problems, _problem(exc.where, exc.message, exc.hint)], source="<condition>"
        ) from None
    if parser.problems:
        raise RuleFileError(parser.problems, source="<condition>")
    return condition


def rules_from_data(
    data: Any,
    *,
    source: str = "<data>",
    functions: Mapping[str, Callable[..., Any]] | None = None,
    facts: FactSchema | None = None,
) -> RuleSet:
    """Return the rules described by parsed rule-file *data* as a :class:`RuleSet`.

    With *facts* (an organization's :class:`~collabrel.FactSchema`), the paths and values
    of organization-specific facts (``facts.annual_value``) are checked here, at their
    node; without it they are checked when the rules meet a portfolio.

    Raises:
        RuleFileError: listing every problem with its path; no rule of the file is kept.
    """
    problems: list[Problem] = []
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, Mapping) or "rules" not in data:
        raise RuleFileError(
            [
                _problem(
                    "$",
                    "a rule file is a mapping with a 'rules' list",
                    "start the file with 'rules:'",
                )
            ],
            source=source,
        )
    problems += [
        _problem(f"$.{k}", f"unknown key {k!r}", _suggest(str(k), _TOP_KEYS))
        for k in data
        if k not in _TOP_KEYS
    ]
    items = data["rules"]
    if not isinstance(items, list):
        raise RuleFileError([_problem("$.rules", "'rules' must be a list of rules")], source=source)
    if len(items) > MAX_RULES:
        raise RuleFileError(
            [_problem("$.rules", f"more than {MAX_RULES} rules in one file", "split the file")],
            source=source,
        )
    specs: list[RuleSpec] = []
    seen: dict[str, int] = {}
    nodes = 0
    for i, item in enumerate(items):
        nodes += _raw_size(item)
        if nodes > MAX_FILE_NODES:
            problems.append(
                _problem(
                    f"$.rules[{i}]",
                    f"the rules up to here hold more than {MAX_FILE_NODES:,} condition nodes, "
                    "more than one file may hold",
                    "split the file",
                )
            )
            raise RuleFileError(problems, source=source)
        spec = _rule(item, f"$.rules[{i}]", problems, functions or {}, facts)
        if spec is None:
            continue
        if spec.id in seen:
            problems.append(
                _problem(
                    f"$.rules[{i}].id",
                    f"duplicate id {spec.id!r} (also $.rules[{seen[spec.id]}])",
                    "give every rule its own id",
                )
            )
            continue
        seen[spec.id] = i
        specs.append(spec)
    total = sum(cost(s.condition) + cost(s.applies_when) for s in specs)
    if total > MAX_FILE_COST:
        problems.append(
            _problem(
                "$.rules",
                f"the rules would visit about {total:,} condition nodes per subject together, "
                f"over the budget of {MAX_FILE_COST:,} for one file",
                "split the file, or simplify its largest rules",
            )
        )
    if problems:
        raise RuleFileError(problems, source=source)
    return RuleSet(specs)


def _raw_size(item: Any) -> int:
    """How many mappings and lists a rule's conditions hold, counted before parsing them."""
    if not isinstance(item, Mapping):
        return 0
    count = 0
    stack = [item.get("condition"), item.get("applies_when")]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            count += 1
            stack.extend(node.values())
        elif isinstance(node, list):
            count += 1
            stack.extend(node)
    return count


def _list_problems(fields: Mapping[str, Any], where: str) -> list[Problem]:
    """Problems with the list-valued fields: flags, basis, tags, applies_in."""
    out = []
    for key in ("flags", "basis", "tags", "applies_in"):
        if key not in fields:
            continue
        value = fields[key]
        allowed: tuple[type, ...] = (list, str, int) if key == "applies_in" else (list, str)
        if not isinstance(value, allowed) or isinstance(value, bool):
            out.append(_problem(f"{where}.{key}", f"{key} is a list; got {_short(value)}"))
            continue
        kinds: tuple[type, ...] = (str, int) if key == "applies_in" else (str,)
        for i, entry in enumerate(value if isinstance(value, list) else ()):
            if not isinstance(entry, kinds) or isinstance(entry, bool):
                out.append(
                    _problem(f"{where}.{key}[{i}]", f"{key} holds texts; got {_short(entry)}")
                )
    return out


def _rule(
    item: Any,
    where: str,
    problems: list[Problem],
    functions: Mapping[str, Callable[..., Any]],
    facts: FactSchema | None = None,
) -> RuleSpec | None:
    if not isinstance(item, Mapping):
        problems.append(_problem(where, f"a rule is a mapping of its fields; got {_short(item)}"))
        return None
    bad = False
    for k in item:
        if k not in _RULE_KEYS:
            problems.append(
                _problem(f"{where}.{k}", f"unknown key {k!r}", _suggest(str(k), _RULE_KEYS))
            )
            bad = True
    for k in _REQUIRED:
        if k not in item:
            problems.append(_problem(where, f"missing {k!r}", f"every rule needs {k}"))
            bad = True
    fields: dict[str, Any] = {k: v for k, v in item.items() if k in _RULE_KEYS}
    for key in ("condition", "applies_when"):
        if key in fields:
            try:
                parser = _Parser(_binder(item, facts), functions)
                fields[key] = parser.node(fields[key], f"{where}.{key}", 0)
                if parser.problems:
                    problems.extend(parser.problems)
                    bad = True
            except _Refused as exc:
                problems.append(_problem(exc.where, exc.message, exc.hint))
                bad = True
    typed = _list_problems(fields, where)
    if typed:
        problems.extend(typed)
        bad = True
    if bad:
        return None
    try:
        return RuleSpec(**fields)
    except (CollabrelError, ValueError, TypeError) as exc:
        problems.append(_problem(where, str(exc)))
        return None


def _binder(item: Mapping[str, Any], facts: FactSchema | None = None) -> Binder | None:
    level = str(item.get("level", "")).upper()
    if level not in {"ORG", "REL", "JNT"}:
        return None  # the level itself is reported when the rule is built
    root = "org" if level == "ORG" else "rel"
    return Binder(
        scope=Organization if root == "org" else Relationship,
        scope_path=(root,),
        default_root=root,
        rule_id=str(item.get("id", "")),
        facts=facts,
    )


def load_rules(
    source: str | Path,
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
    functions: Mapping[str, Callable[..., Any]] | None = None,
    facts: FactSchema | None = None,
) -> RuleSet:
    """Load a rule file (a path, or the text itself) into a :class:`RuleSet`.

    Args:
        source: a ``.yaml``/``.yml``/``.json``/``.toml`` path, or the document's text.
        format: force a format instead of guessing from the suffix or the text.
        functions: the pure functions ``check`` nodes may call, by name.
        facts: the organization's declared facts, to check ``facts.*`` paths and values
            at load (``portfolio.organization.fact_schema``).

    Raises:
        RuleFileError: for any problem in the file (each with its path); nothing is kept.

    Example:
        >>> from collabrel.rules import load_rules
        >>> rs = load_rules('''
        ... rules:
        ...   - id: acme:exit-strategy
        ...     title: Every relationship has an exit strategy
        ...     clause: "8.2.7"
        ...     level: REL
        ...     remedy: Write the internal exit strategy.
        ...     condition: {present: exit_strategy}
        ... ''')
        >>> rs.ids
        ('acme:exit-strategy',)
    """
    try:
        data, name = read_document(source, format=format)
    except RuleFileError:
        raise
    except LoadError as exc:
        raise RuleFileError(exc.problems, source=exc.source) from None
    return rules_from_data(data, source=name, functions=functions, facts=facts)


def dump_rules(ruleset: RuleSet) -> dict[str, Any]:
    """Return the condition-tree rules of *ruleset* as rule-file data (Python rules are skipped).

    ``rules_from_data(dump_rules(rs))`` gives back the same rules.
    """
    out: list[dict[str, Any]] = []
    for spec in ruleset.rules:
        if spec.condition is None:
            continue
        entry: dict[str, Any] = {
            "id": spec.id, "title": spec.title, "clause": spec.clause,
            "level": spec.level.value, "remedy": spec.remedy,
        }  # fmt: skip
        if spec.stage is not None:
            entry["stage"] = int(spec.stage)
        entry["mode"] = spec.mode.value
        if spec.flags:
            entry["flags"] = sorted(f.value for f in spec.flags)
        entry["basis"] = [b.value for b in spec.basis]
        entry["severity"] = spec.severity.value
        if spec.tags:
            entry["tags"] = sorted(spec.tags)
        entry["condition"] = spec.condition.to_data()
        if spec.applies_when is not None:
            entry["applies_when"] = spec.applies_when.to_data()
        if spec.applies_in is not None:
            entry["applies_in"] = sorted(int(s) for s in spec.applies_in)
        if spec.question is not None:
            entry["question"] = spec.question
        out.append(entry)
    return {"rules": out}
