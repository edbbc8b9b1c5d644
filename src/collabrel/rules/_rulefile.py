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
from collabrel._io import Format, read_document
from collabrel._model import Organization, Relationship
from collabrel.errors import CollabrelError, LoadError, Problem, RuleFileError
from collabrel.rules._conditions import (
    NODE_TYPES,
    AgreedByAllParties,
    AllOf,
    AnyOf,
    AtLeast,
    AtMost,
    Before,
    Binder,
    Check,
    Condition,
    CountAtLeast,
    Equals,
    ForEach,
    Implies,
    NonEmpty,
    Not,
    OneOf,
    Present,
    Ref,
    ReviewedWithin,
)
from collabrel.rules._ruleset import RuleSet
from collabrel.rules._schema import PathInfo
from collabrel.rules._spec import RuleSpec

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_NODES",
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
    """Parses a condition; with a binder, also resolves every path against the schema.

    Structural problems stop the parse (``_Refused``); path and function problems are
    collected in ``problems`` so that every one of them is reported at once, at its node.
    """

    def __init__(
        self,
        binder: Binder | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        self.nodes = 0
        self.binder = binder
        self.functions = functions
        self.problems: list[Problem] = []

    def _resolve(self, text: str, where: str) -> PathInfo | None:
        if self.binder is None:
            return None
        try:
            return self.binder.path(text)
        except CollabrelError as exc:
            self.problems.append(_problem(where, str(exc)))
            return None

    def _scoped(self, info: PathInfo | None, data: Any, where: str, depth: int) -> Condition:
        """Parse *data* in the scope of the elements of the collection *info*."""
        outer = self.binder
        self.binder = outer.element(info) if outer is not None and info is not None else None
        try:
            return self.node(data, where, depth)
        finally:
            self.binder = outer

    def node(self, data: Any, where: str, depth: int) -> Condition:  # noqa: C901, PLR0911, PLR0912, PLR0915
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
        if not isinstance(key, str) or key not in NODE_TYPES:
            # reported, and parsing goes on with the siblings; the rule is not built
            self.problems.append(
                _problem(
                    where, f"unknown condition {key!r}", _suggest(str(key), sorted(NODE_TYPES))
                )
            )
            return Present("id")
        here = f"{where}.{key}"
        if key in {"present", "non_empty", "agreed_by_all_parties"}:
            path = self.path(body, here)
            if key == "present":
                return Present(path)
            return NonEmpty(path) if key == "non_empty" else AgreedByAllParties(path)
        if key in {"all_of", "any_of"}:
            if not isinstance(body, list) or not body:
                raise _Refused(here, f"{key} takes a non-empty list of conditions")
            kids = tuple(self.node(c, f"{here}[{i}]", depth + 1) for i, c in enumerate(body))
            return AllOf(kids) if key == "all_of" else AnyOf(kids)
        if key == "not":
            return Not(self.node(body, here, depth + 1))
        fields = self.body(body, here, key)
        if key in {"equals", "at_least", "at_most"}:
            self.keys(fields, here, required=("path", "value"))
            path = self.path(fields["path"], f"{here}.path")
            value = self.literal(fields["value"], f"{here}.value")
            if key == "equals":
                return Equals(path, value)
            return AtLeast(path, value) if key == "at_least" else AtMost(path, value)
        if key == "one_of":
            self.keys(fields, here, required=("path", "values"))
            values = fields["values"]
            if not isinstance(values, list) or not values:
                raise _Refused(f"{here}.values", "one_of takes a non-empty list of values")
            return OneOf(
                self.path(fields["path"], f"{here}.path"),
                tuple(self.plain(v, f"{here}.values[{i}]") for i, v in enumerate(values)),
            )
        if key == "count_at_least":
            self.keys(fields, here, required=("path", "n"), optional=("where",))
            n = fields["n"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise _Refused(f"{here}.n", f"n must be a whole number >= 0; got {_short(n)}")
            path, info = self.collection(fields["path"], f"{here}.path")
            where_c = (
                self._scoped(info, fields["where"], f"{here}.where", depth + 1)
                if "where" in fields
                else None
            )
            return CountAtLeast(path, n, where_c)
        if key == "for_each":
            self.keys(fields, here, required=("path", "condition"))
            path, info = self.collection(fields["path"], f"{here}.path")
            return ForEach(
                path, self._scoped(info, fields["condition"], f"{here}.condition", depth + 1)
            )
        if key == "reviewed_within":
            self.keys(fields, here, required=("path", "interval"))
            raw = fields["interval"]
            items = raw if isinstance(raw, list) else [raw]
            if not items:
                raise _Refused(f"{here}.interval", "give at least one interval")
            return ReviewedWithin(
                self.path(fields["path"], f"{here}.path"),
                tuple(self.interval(v, f"{here}.interval") for v in items),
            )
        if key == "before":
            self.keys(fields, here, required=("path", "other"), optional=("slack",))
            slack = self.interval(fields["slack"], f"{here}.slack") if "slack" in fields else None
            return Before(
                self.path(fields["path"], f"{here}.path"),
                self.path(fields["other"], f"{here}.other"),
                slack,
            )
        if key == "implies":
            self.keys(fields, here, required=("if", "then"))
            return Implies(
                self.node(fields["if"], f"{here}.if", depth + 1),
                self.node(fields["then"], f"{here}.then", depth + 1),
            )
        # check
        self.keys(fields, here, required=("function", "paths"))
        paths = fields["paths"]
        if not isinstance(paths, list):
            raise _Refused(f"{here}.paths", "paths is a list of fact paths")
        function = fields["function"]
        if not isinstance(function, str):
            raise _Refused(f"{here}.function", "function is the name of a registered function")
        if self.functions is not None and function not in self.functions:
            known = sorted(self.functions)
            self.problems.append(
                _problem(
                    f"{here}.function",
                    f"unknown function {function!r}",
                    f"registered functions: {', '.join(known)}; " + _suggest(function, known)
                    if known
                    else "registered functions: none; pass functions={...} to load_rules",
                )
            )
        return Check(
            function, tuple(self.path(p, f"{here}.paths[{i}]") for i, p in enumerate(paths))
        )

    @staticmethod
    def body(body: Any, where: str, key: str) -> Mapping[str, Any]:
        if not isinstance(body, Mapping):
            raise _Refused(where, f"{key} takes a mapping of its arguments; got {_short(body)}")
        return body

    @staticmethod
    def keys(
        fields: Mapping[str, Any],
        where: str,
        *,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> None:
        allowed = required + optional
        for k in fields:
            if k not in allowed:
                raise _Refused(f"{where}.{k}", f"unknown argument {k!r}", _suggest(str(k), allowed))
        for k in required:
            if k not in fields:
                raise _Refused(where, f"missing argument {k!r}")

    def path(self, value: Any, where: str) -> str:
        return self.collection(value, where)[0]

    def collection(self, value: Any, where: str) -> tuple[str, PathInfo | None]:
        """Check a path; return it with what it resolves to (``None`` if it does not)."""
        if not isinstance(value, str) or not value.strip():
            raise _Refused(
                where,
                f"a fact path is a dotted name such as 'working.agreement'; got {_short(value)}",
            )
        return value.strip(), self._resolve(value.strip(), where)

    @staticmethod
    def plain(value: Any, where: str) -> Any:
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


def _problem(path: str, message: str, hint: str = "") -> Problem:
    return Problem(path=path, message=message, hint=hint)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."  # noqa: PLR2004


def condition_from_data(data: Any) -> Condition:
    """Return the condition tree that rule-file *data* describes (the inverse of ``to_data``).

    Raises:
        RuleFileError: with the path of the problem inside *data*.
    """
    parser = _Parser()
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
) -> RuleSet:
    """Return the rules described by parsed rule-file *data* as a :class:`RuleSet`.

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
    for i, item in enumerate(items):
        spec = _rule(item, f"$.rules[{i}]", problems, functions or {})
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
    if problems:
        raise RuleFileError(problems, source=source)
    return RuleSet(specs)


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
        for i, entry in enumerate(value if isinstance(value, list) else ()):
            if not isinstance(entry, str | int) or isinstance(entry, bool):
                out.append(
                    _problem(f"{where}.{key}[{i}]", f"{key} holds texts; got {_short(entry)}")
                )
    return out


def _rule(
    item: Any, where: str, problems: list[Problem], functions: Mapping[str, Callable[..., Any]]
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
                parser = _Parser(_binder(item), functions)
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
        return RuleSpec(**fields, functions=dict(functions))
    except (CollabrelError, ValueError, TypeError) as exc:
        problems.append(_problem(where, str(exc)))
        return None


def _binder(item: Mapping[str, Any]) -> Binder | None:
    level = str(item.get("level", "")).upper()
    if level not in {"ORG", "REL", "JNT"}:
        return None  # the level itself is reported when the rule is built
    root = "org" if level == "ORG" else "rel"
    return Binder(
        scope=Organization if root == "org" else Relationship,
        scope_path=(root,),
        default_root=root,
        rule_id=str(item.get("id", "")),
    )


def load_rules(
    source: str | Path,
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
    functions: Mapping[str, Callable[..., Any]] | None = None,
) -> RuleSet:
    """Load a rule file (a path, or the text itself) into a :class:`RuleSet`.

    Args:
        source: a ``.yaml``/``.yml``/``.json``/``.toml`` path, or the document's text.
        format: force a format instead of guessing from the suffix or the text.
        functions: the pure functions ``check`` nodes may call, by name.

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
    return rules_from_data(data, source=name, functions=functions)


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
