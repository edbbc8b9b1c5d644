"""Rule sets: immutable, composable collections of rules."""

from __future__ import annotations

import difflib
import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

import attrs

from collabrel._stages import Stage
from collabrel.errors import DuplicateRuleError, RuleDefinitionError, UnknownRuleError
from collabrel.rules._conditions import Check, walk
from collabrel.rules._spec import Level, Mode, RuleSpec, evolve_spec

__all__ = ["RULESET_VERSION", "RuleExclusion", "RuleSet"]

RULESET_VERSION = "2026.12.0"
"""The version of the built-in ISO 44001 rule set; it changes whenever a rule's meaning does."""


def _spec_tuple(value: Iterable[RuleSpec]) -> tuple[RuleSpec, ...]:
    return tuple(value)


def _exclusion_tuple(value: Iterable[RuleExclusion]) -> tuple[RuleExclusion, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class RuleExclusion:
    """A rule left out of a rule set, with the reason (reported in every assessment)."""

    rule_id: str
    """The rule excluded."""
    clause: str
    """Its clause."""
    title: str
    """Its title."""
    justification: str
    """Why it does not apply."""


def _spec_digest(spec: RuleSpec) -> str:
    if spec.condition is not None:
        body: Any = spec.condition.to_data()
    else:
        pred = spec.predicate
        body = f"{getattr(pred, '__module__', '')}.{getattr(pred, '__qualname__', repr(pred))}"
    when = spec.applies_when.to_data() if spec.applies_when is not None else None
    return json.dumps(
        [spec.id, spec.title, spec.clause, spec.level.value, spec.remedy, body, when,
         sorted(s.value for s in spec.stages_in), spec.mode.value, sorted(spec.tags)],
        sort_keys=True, default=str,
    )  # fmt: skip


@attrs.frozen(eq=False)
class RuleSet:
    """An immutable set of rules with unique ids, plus the rules excluded from it.

    Derive new sets with :meth:`with_rules`, :meth:`without`, :meth:`replace` and
    :meth:`select`; nothing is ever changed in place.

    Example:
        >>> from collabrel.rules import RuleSet, rule, Outcome
        >>> @rule(id="acme:named", title="The relationship has a name", clause="8.1",
        ...       level="REL", remedy="Name it.", reads=("name",))
        ... def named(rel, ctx):
        ...     return bool(rel.name.strip())
        >>> len(RuleSet([named]))
        1
    """

    _rules: tuple[RuleSpec, ...] = attrs.field(converter=_spec_tuple, alias="rules")
    exclusions: tuple[RuleExclusion, ...] = attrs.field(default=(), converter=_exclusion_tuple)
    """Rules excluded with :meth:`without`, each with its justification."""
    base_version: str = RULESET_VERSION
    """The version of the built-in rule set this set derives from."""
    base_digest: str | None = None
    """The digest of the rule set this one derives from (the built-in set's, for the sets
    derived from :func:`default_ruleset`); a set whose digest differs is versioned as local."""
    _by_id: dict[str, RuleSpec] = attrs.field(init=False, repr=False)
    _cache: dict[str, str] = attrs.field(init=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, RuleSpec] = {}
        for spec in self._rules:
            if not isinstance(spec, RuleSpec):
                raise RuleDefinitionError(
                    f"a RuleSet holds RuleSpec objects (from @rule or RuleSpec(...)); got {spec!r}"
                )
            if spec.id in by_id:
                raise DuplicateRuleError(
                    f"rule id {spec.id!r} appears twice; ids must be unique in a rule set "
                    "(use replace() to swap a rule for another)"
                )
            by_id[spec.id] = spec
        object.__setattr__(self, "_by_id", by_id)

    # ----------------------------------------------------------------------- collection

    @property
    def rules(self) -> tuple[RuleSpec, ...]:
        """The rules, in definition order."""
        return self._rules

    def __iter__(self) -> Iterator[RuleSpec]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RuleSet)
            and self._rules == other._rules
            and self.exclusions == other.exclusions
        )

    def __hash__(self) -> int:
        return hash(tuple(self._by_id))

    def _repr_html_(self) -> str:
        from collabrel._html import table

        rows = [(s.id, s.clause, s.level.value, s.stage.number if s.stage else "", s.mode.value,
                 "".join(sorted(f.value for f in s.flags)), " ".join(b.value for b in s.basis),
                 s.title) for s in self._rules]  # fmt: skip
        rows += [(e.rule_id, e.clause, "", "", "excluded", "", "", e.justification)
                 for e in self.exclusions]  # fmt: skip
        return table(
            f"RuleSet {self.version}: {len(self)} rules",
            ("id", "clause", "level", "stage", "mode", "flags", "basis", "title"),
            rows,
        )

    def __repr__(self) -> str:
        return f"<RuleSet {len(self)} rules, version {self.version}>"

    @property
    def ids(self) -> tuple[str, ...]:
        """The rule ids, in order."""
        return tuple(self._by_id)

    def get(self, rule_id: str) -> RuleSpec:
        """Return the rule with *rule_id*.

        Raises:
            UnknownRuleError: with a did-you-mean when there is no such rule.
        """
        try:
            return self._by_id[rule_id]
        except KeyError:
            raise self._unknown(rule_id) from None

    def _unknown(self, rule_id: str) -> UnknownRuleError:
        close = difflib.get_close_matches(rule_id, list(self._by_id), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        return UnknownRuleError(f"No rule {rule_id!r} in this RuleSet.{hint}")

    @property
    def version(self) -> str:
        """The version stamped into every result.

        It is the built-in version, plus a digest of the local changes when the set differs
        from the built-in one.
        """
        cached = self._cache.get("version")
        if cached is not None:
            return cached
        version = self.base_version
        if self._rules or self.exclusions:
            digest = self.digest()
            if digest != self.base_digest:
                version = f"{self.base_version}+local.{digest[:10]}"
        self._cache["version"] = version
        return version

    def digest(self) -> str:
        """A digest of the rules' content and the exclusions."""
        cached = self._cache.get("digest")
        if cached is not None:
            return cached
        h = hashlib.sha256()
        for spec in self._rules:
            h.update(_spec_digest(spec).encode())
        for ex in self.exclusions:
            h.update(f"without {ex.rule_id}: {ex.justification}".encode())
        self._cache["digest"] = h.hexdigest()
        return self._cache["digest"]

    def functions(self) -> dict[str, Callable[..., Any]]:
        """Every function the rules' ``check`` nodes call, by the name rule files use.

        ``rules_from_data(dump_rules(rs), functions=rs.functions())`` gives back the rules.

        Raises:
            RuleDefinitionError: when two different functions go by the same name.
        """
        found: dict[str, Callable[..., Any]] = {}
        for spec in self._rules:
            for tree in (spec.condition, spec.applies_when):
                for node in walk(tree):
                    if not isinstance(node, Check):
                        continue
                    seen = found.setdefault(node.name, node.function)
                    if seen is not node.function:
                        raise RuleDefinitionError(
                            f"two different check functions are named {node.name!r} (one in "
                            f"{spec.id!r}); give them distinct names so rule files can tell "
                            "them apart"
                        )
        return found

    # ---------------------------------------------------------------------- derivations

    def _derive(
        self, rules: Iterable[RuleSpec], exclusions: Iterable[RuleExclusion] | None = None
    ) -> RuleSet:
        return RuleSet(
            tuple(rules),
            exclusions=self.exclusions if exclusions is None else tuple(exclusions),
            base_version=self.base_version,
            base_digest=self.base_digest,
        )

    def with_rules(self, *rules: RuleSpec | RuleSet) -> RuleSet:
        """Return a set with *rules* added (single specs or whole sets).

        Raises:
            DuplicateRuleError: when an id is already in the set.
        """
        added: list[RuleSpec] = []
        for item in rules:
            added.extend(item.rules if isinstance(item, RuleSet) else [item])
        return self._derive([*self._rules, *added])

    def without(self, ids: str | Iterable[str], *, justification: str) -> RuleSet:
        """Return a set without the rules *ids*, recording why (reported as exclusions).

        Raises:
            UnknownRuleError: for an id not in the set.
            RuleDefinitionError: when the justification is empty.
        """
        if not isinstance(justification, str) or not justification.strip():
            raise RuleDefinitionError(
                "excluding a requirement needs a justification; say why it does not apply"
            )
        wanted = [ids] if isinstance(ids, str) else list(ids)
        for rule_id in wanted:
            if rule_id not in self._by_id:
                raise self._unknown(rule_id)
        drop = set(wanted)
        exclusions = [
            *self.exclusions,
            *(RuleExclusion(rule_id=s.id, clause=s.clause, title=s.title,
                            justification=justification.strip())
              for s in self._rules if s.id in drop),
        ]  # fmt: skip
        return self._derive([s for s in self._rules if s.id not in drop], exclusions)

    def replace(self, rule_id: str, replacement: RuleSpec) -> RuleSet:
        """Return a set where *replacement* takes the place (and position) of *rule_id*.

        Raises:
            UnknownRuleError: when *rule_id* is not in the set.
            DuplicateRuleError: when the replacement's id is already used by another rule.
        """
        if rule_id not in self._by_id:
            raise self._unknown(rule_id)
        new = evolve_spec(replacement, replaces=rule_id)
        return self._derive([new if s.id == rule_id else s for s in self._rules])

    def select(
        self,
        *,
        clause: str | None = None,
        stage: Stage | int | str | None = None,
        level: Level | str | None = None,
        tag: str | None = None,
        mode: Mode | str | None = None,
        where: Callable[[RuleSpec], bool] | None = None,
    ) -> RuleSet:
        """Return the rules matching every criterion given.

        ``clause`` matches the clause and its subclauses (``"8.6"`` selects 8.6.1-8.6.11),
        ``tag`` matches a tag or a tag prefix ending in ``:`` (``"iso44003:"``).
        """
        stage_v = Stage.parse(stage) if stage is not None else None
        level_v = Level(str(level).upper()) if isinstance(level, str) else level
        mode_v = Mode(str(mode).lower()) if isinstance(mode, str) else mode

        def keep(s: RuleSpec) -> bool:
            if clause is not None and not (s.clause == clause or s.clause.startswith(clause + ".")):
                return False
            if stage_v is not None and s.stage != stage_v:
                return False
            if level_v is not None and s.level is not level_v:
                return False
            if mode_v is not None and s.mode is not mode_v:
                return False
            if tag is not None and not (
                tag in s.tags or (tag.endswith(":") and any(t.startswith(tag) for t in s.tags))
            ):
                return False
            return where is None or where(s)

        return self._derive([s for s in self._rules if keep(s)])

    # -------------------------------------------------------------------- construction

    @classmethod
    def from_module(cls, module: ModuleType) -> RuleSet:
        """Collect every :class:`RuleSpec` defined at the top level of *module*."""
        specs = [v for _, v in inspect.getmembers(module) if isinstance(v, RuleSpec)]
        order = {id(v): i for i, v in enumerate(vars(module).values())}
        specs.sort(key=lambda s: order.get(id(s), 0))
        return cls(specs)

    @classmethod
    def from_entry_points(cls, group: str = "collabrel.rules") -> RuleSet:
        """Load rule packs from installed distributions' entry points in *group*.

        Each entry point names a module, a :class:`RuleSet`, an iterable of specs, or a
        callable returning one of those. Nothing is loaded until this is called.
        """
        from importlib.metadata import entry_points

        collected: list[RuleSpec] = []
        for ep in sorted(entry_points(group=group), key=lambda e: e.name):
            obj = ep.load()
            if callable(obj) and not isinstance(obj, RuleSet | RuleSpec | ModuleType):
                obj = obj()
            if isinstance(obj, ModuleType):
                collected.extend(cls.from_module(obj).rules)
            elif isinstance(obj, RuleSet):
                collected.extend(obj.rules)
            elif isinstance(obj, RuleSpec):
                collected.append(obj)
            else:
                collected.extend(obj)
        return cls(collected)
