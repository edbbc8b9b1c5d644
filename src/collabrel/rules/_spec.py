"""Rule specifications: immutable, validated when they are defined."""

from __future__ import annotations

import contextlib
import contextvars
import enum
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import attrs

from collabrel._choice import Choice
from collabrel._config import Config
from collabrel._model import Organization, Relationship
from collabrel._stages import Stage
from collabrel.errors import RuleDefinitionError
from collabrel.rules._conditions import (
    COLLECTION_SIZE,
    MAX_RULE_COST,
    Binder,
    Bound,
    Condition,
    cost,
    costliest,
)
from collabrel.rules._schema import Path, resolve

__all__ = [
    "Basis",
    "Flag",
    "Level",
    "Mode",
    "Outcome",
    "RuleContext",
    "RuleSpec",
    "Severity",
    "builtin_rules",
]

RESERVED_NAMESPACE = "iso44001"
_ID = re.compile(r"[a-z][a-z0-9_-]*:[a-z0-9][a-z0-9._/-]*")
_BUILTIN: contextvars.ContextVar[bool] = contextvars.ContextVar("collabrel_builtin", default=False)


@contextlib.contextmanager
def builtin_rules() -> Iterator[None]:
    """Allow the reserved ``iso44001:`` namespace while the built-in catalog is defined."""
    token = _BUILTIN.set(True)
    try:
        yield
    finally:
        _BUILTIN.reset(token)


class Level(Choice):
    """Who a requirement concerns (catalog §0.2)."""

    ORG = "ORG"
    """The organization-wide CBRMS."""
    REL = "REL"
    """One relationship, run internally."""
    JNT = "JNT"
    """A relationship, jointly with the partners."""


class Mode(Choice):
    """Whether a rule checks that an arrangement exists or that it was carried out (§0.5)."""

    ARRANGEMENT = "arrangement"
    """The procedure or agreement exists and is agreed."""
    EXECUTED = "executed"
    """Records show it ran."""


class Flag(Choice):
    """Catalog flags of a requirement (§0.2)."""

    D = "D"
    """Documented information to maintain."""
    R = "R"
    """Documented information to retain as a record."""
    P = "P"
    """Kept current by periodic review."""
    J = "J"
    """Agreed by every party."""
    A = "A"
    """Needs a decision or approval by a named authority."""


class Basis(Choice):
    """How well a rule is founded (catalog §0.1)."""

    TOC = "TOC"
    """Clause id and title checked against the official contents."""
    HLS = "HLS"
    """Follows the Annex SL high level structure."""
    SEC = "SEC"
    """Backed by a secondary source."""
    INF = "INF"
    """Inferred; check first against a licensed copy."""
    ORG = "ORG"
    """An organization's own policy (custom rules)."""


class Severity(Choice):
    """How serious a failure of the rule is."""

    MAJOR = "major"
    MINOR = "minor"
    ADVISORY = "advisory"


@attrs.frozen(kw_only=True)
class Outcome:
    """What a Python rule returns: pass, fail, unknown or not applicable, with a message."""

    result: bool | None
    """True for pass, False for fail, None for unknown."""
    message: str = ""
    """Why, in a sentence."""
    applicable: bool = True
    """False when the rule does not apply to this subject."""

    @classmethod
    def passed(cls, message: str = "") -> Outcome:
        """The requirement is met."""
        if not message and cls is Outcome:
            return _PASSED  # immutable: one serves every rule
        return cls(result=True, message=message)

    @classmethod
    def fail(cls, message: str) -> Outcome:
        """The requirement is not met; say why."""
        return cls(result=False, message=message)

    @classmethod
    def unknown(cls, message: str) -> Outcome:
        """The evidence needed to decide is missing; say which."""
        return cls(result=None, message=message)

    @classmethod
    def not_applicable(cls, message: str = "") -> Outcome:
        """The rule does not apply to this subject."""
        if not message and cls is Outcome:
            return _NOT_APPLICABLE
        return cls(result=None, message=message, applicable=False)


_PASSED = Outcome(result=True)
_NOT_APPLICABLE = Outcome(result=None, applicable=False)


@attrs.frozen(kw_only=True)
class RuleContext:
    """What a Python rule receives besides its subject."""

    as_of: date
    """The evaluation date; rules never read the clock."""
    config: Config
    """Intervals and thresholds."""
    organization: Organization
    """The organization (a relationship rule may read it, as declared in ``reads``)."""
    relationships: Sequence[Relationship] = ()
    """Every relationship, for rules that declare ``relationships.*`` reads (a read-only
    sequence: in a session it is a live view, so building a context costs nothing)."""
    tally: Mapping[Any, int] = attrs.field(factory=dict)
    """For a rule that keeps a tally: how many times each key its ``tally`` function gives
    occurs over every relationship (kept current incrementally by the session)."""


PythonRule = Callable[[Any, RuleContext], "Outcome | bool | None"]


def _stages(value: Any) -> Stage | None:
    return None if value is None else Stage.parse(value)


def _flags(value: Iterable[Any] | str) -> frozenset[Flag]:
    if isinstance(value, str):  # "DRP" or "D, R, P"
        value = [c for c in value.upper() if c.isalpha()]
    try:
        return frozenset(v if isinstance(v, Flag) else Flag(str(v).upper()) for v in value)
    except ValueError as exc:
        raise RuleDefinitionError(f"{exc}; flags are D, R, P, J and A") from None


def _basis(value: Any) -> tuple[Basis, ...]:
    if isinstance(value, Basis | str):
        value = (value,)
    try:
        basis = tuple(v if isinstance(v, Basis) else Basis(str(v).upper()) for v in value)
    except ValueError as exc:
        raise RuleDefinitionError(f"{exc}; basis tags are TOC, HLS, SEC, INF and ORG") from None
    if len(set(basis)) != len(basis):
        raise RuleDefinitionError(f"a basis tag appears twice in {[b.value for b in basis]}")
    return basis


_E = TypeVar("_E", bound=enum.Enum)


def _member(cls: type[_E], value: Any) -> _E:
    if isinstance(value, cls):
        return value
    try:
        return cls(value if cls is not Level else str(value).upper())
    except ValueError:
        choices = ", ".join(str(m.value) for m in cls)
        raise RuleDefinitionError(
            f"{value!r} is not a valid {cls.__name__}; use one of: {choices}"
        ) from None


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _tags(value: Iterable[str]) -> frozenset[str]:
    items = (value,) if isinstance(value, str) else tuple(value)
    for tag in items:
        if not isinstance(tag, str) or not tag.strip() or not tag.isprintable():
            raise RuleDefinitionError(
                f"a tag is a non-empty line of text such as 'iso44003:p12'; got {tag!r}"
            )
    return frozenset(items)


def _question(value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise RuleDefinitionError(f"a question is a non-empty text; got {value!r}")
    return value


def _level(value: Any) -> Level:
    return _member(Level, value)


def _mode(value: Any) -> Mode:
    return _member(Mode, value)


def _severity(value: Any) -> Severity:
    return _member(Severity, value)


def _applies_in(value: Iterable[Any] | int | str | None) -> frozenset[Stage] | None:
    if value is None:
        return None
    if isinstance(value, int | str | Stage):
        value = (value,)
    try:
        return frozenset(Stage.parse(s) for s in value)
    except ValueError as exc:
        raise RuleDefinitionError(str(exc)) from None


def default_applies_in(stage: Stage | None, mode: Mode, level: Level) -> frozenset[Stage]:
    """Return where a rule of *stage* and *mode* is evaluated by default.

    A stage's requirements are maintained artefacts, so they stay applicable in the later
    stages; the executed stage-8 records apply from exit activation until closure.
    """
    if level is Level.ORG:
        return frozenset()
    if stage is None or stage.number is None:
        return frozenset(Stage(n) for n in range(1, 9))
    if stage is Stage.EXIT_STRATEGY_ACTIVATION and mode is Mode.EXECUTED:
        return frozenset({Stage.EXIT_STRATEGY_ACTIVATION, Stage.CLOSED_EXITED})
    return frozenset(Stage(n) for n in range(stage.number, 9))


@attrs.frozen(kw_only=True, eq=False)
class RuleSpec:
    """An immutable rule: its metadata and its predicate, checked when it is created.

    Give the predicate as a condition tree (``condition``, preferred: it knows what it reads
    and explains itself) or as a trusted Python function (``predicate``) with the paths it
    reads declared in ``reads``.

    Raises:
        RuleDefinitionError: for a bad id, a reserved namespace, a missing title or remedy, or
            a predicate that is missing, doubled or unknown to the schema (paths are checked,
            with a did-you-mean).
    """

    id: str
    """Stable id, ``<namespace>:<clause-or-slug>[/<part>]`` in lower case."""
    title: str
    """What is required, in our own words."""
    clause: str
    """The ISO 44001 clause it evidences, such as ``8.6.4``."""
    level: Level = attrs.field(converter=_level)
    """ORG, REL or JNT."""
    remedy: str
    """What to do when it fails."""
    stage: Stage | None = attrs.field(default=None, converter=_stages)
    """The lifecycle stage it belongs to (its gate), if any."""
    mode: Mode = attrs.field(default=Mode.ARRANGEMENT, converter=_mode)
    """Arrangement (exists, agreed) or executed (records show it ran)."""
    flags: frozenset[Flag] = attrs.field(factory=frozenset, converter=_flags)
    """Catalog flags D, R, P, J, A."""
    basis: tuple[Basis, ...] = attrs.field(default=(Basis.ORG,), converter=_basis)
    """Catalog basis tags; custom rules default to ORG (the organization's policy)."""
    severity: Severity = attrs.field(default=Severity.MAJOR, converter=_severity)
    """How serious a failure is."""
    tags: frozenset[str] = attrs.field(factory=frozenset, converter=_tags)
    """Free tags such as ``iso44003:p12``, ``gartner:audit``, ``ermp:exit``, ``raio:review``."""
    condition: Condition | None = None
    """The predicate as a condition tree."""
    predicate: PythonRule | None = None
    """The predicate as trusted Python code (then ``reads`` is required)."""
    reads: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    """For a Python predicate, the fact paths it reads."""
    applies_when: Condition | None = None
    """A condition that must hold for the rule to apply (otherwise NOT_APPLICABLE)."""
    applies_in: frozenset[Stage] | None = attrs.field(default=None, converter=_applies_in)
    """Stages in which a relationship rule is evaluated; default from ``stage`` and ``mode``."""
    question: str | None = attrs.field(default=None, converter=_question)
    """The Annex A checklist question, in our own words (generated from the title if absent)."""
    replaces: str | None = None
    """The id of the rule this one replaced in its rule set, if any."""
    tally: Callable[[Relationship], Iterable[Hashable]] | None = attrs.field(
        default=None, repr=False
    )
    """For an organization Python rule that reads every relationship: the keys each
    relationship contributes to ``ctx.tally`` (such as its stage). The session keeps the
    tally current as relationships change, so the rule reads a summary instead of scanning
    every relationship, and a change to one relationship costs the same at any size. The rule
    is decided from its tally and the organization: a relationship change runs it again only
    when the relationship's keys in the tally changed (as when it is evaluated in parts, see
    :func:`~collabrel.rules.evaluate_organization`)."""
    _bound: Bound | None = attrs.field(init=False, default=None, repr=False)
    _when: Bound | None = attrs.field(init=False, default=None, repr=False)
    _read_paths: frozenset[Path] = attrs.field(init=False, factory=frozenset, repr=False)
    _stages_in: frozenset[Stage] = attrs.field(init=False, factory=frozenset, repr=False)

    def __attrs_post_init__(self) -> None:
        who = f"Rule {self.id!r}"
        self._check_metadata(who)
        if (self.condition is None) == (self.predicate is None):
            raise RuleDefinitionError(
                f"{who} needs exactly one predicate: a condition tree (condition=...) or a "
                "Python function (predicate=...)"
            )
        if self.applies_when is not None and not isinstance(self.applies_when, Condition):
            raise RuleDefinitionError(f"{who}: applies_when must be a condition tree")
        if isinstance(self.condition, Condition | None):
            self._check_cost(who)
        root = "org" if self.level is Level.ORG else "rel"
        binder = Binder(
            scope=Organization if root == "org" else Relationship,
            scope_path=(root,),
            default_root=root,
            rule_id=self.id,
        )
        reads: set[Path] = set()
        if self.condition is not None:
            if not isinstance(self.condition, Condition):
                raise RuleDefinitionError(f"{who}: condition must be a condition tree")
            if self.reads:
                raise RuleDefinitionError(
                    f"{who}: a condition tree knows what it reads; remove reads=..."
                )
            bound = self.condition.bind(binder)
            object.__setattr__(self, "_bound", bound)
            reads |= bound.reads
        else:
            if not callable(self.predicate):
                raise RuleDefinitionError(f"{who}: predicate must be callable")
            if not self.reads:
                raise RuleDefinitionError(
                    f"{who}: a Python predicate must declare the fact paths it reads, such as "
                    "reads=('working.risk_register',), so the engine knows when to re-run it"
                )
            for text in self.reads:
                if root == "org" and text.split(".")[0] == "relationships":
                    rest = text.split(".", 1)[1] if "." in text else ""
                    info = resolve(
                        rest or "id",
                        scope=Relationship,
                        scope_path=("rel",),
                        default_root="rel",
                        rule_id=self.id,
                    )
                    reads.add(("relationships", *info.path[1:]) if rest else ("relationships",))
                    continue
                info = binder.path(text)
                reads |= set(info.reads)
        if self.applies_when is not None:
            when = self.applies_when.bind(binder)
            object.__setattr__(self, "_when", when)
            reads |= when.reads
        if root == "rel":
            reads.add(("rel", "stage"))
        object.__setattr__(self, "_read_paths", frozenset(reads))
        stages = self.applies_in
        if stages is None:
            stages = default_applies_in(self.stage, self.mode, self.level)
        elif self.level is Level.ORG:
            raise RuleDefinitionError(f"{who}: an organization rule has no applies_in stages")
        object.__setattr__(self, "_stages_in", stages)
        self._check_tally(who, reads)

    def _check_metadata(self, who: str) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise RuleDefinitionError(
                f"Rule id {self.id!r} is not valid; write '<namespace>:<clause-or-slug>' in "
                "lower case, such as 'acme:legal-signoff' or 'acme:8.6.10/legal'"
            )
        namespace = self.id.split(":", 1)[0]
        if namespace == RESERVED_NAMESPACE and not _BUILTIN.get():
            raise RuleDefinitionError(
                f"{who} uses the reserved namespace '{RESERVED_NAMESPACE}:'; give your rule "
                f"your own namespace (such as 'acme:{self.id.split(':', 1)[1]}') and use "
                "RuleSet.replace() to put it in place of a built-in rule"
            )
        for name in ("title", "remedy", "clause"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise RuleDefinitionError(f"{who} needs a non-empty {name}")
        if self.level is Level.ORG and self.stage is not None:
            raise RuleDefinitionError(
                f"{who} is an organization rule with a stage ({self.stage}); stages belong to "
                "relationship rules (REL or JNT): remove the stage or change the level"
            )

    def _check_cost(self, who: str) -> None:
        total = cost(self.condition) + cost(self.applies_when)
        if total > MAX_RULE_COST:
            worst = max((c for c in (self.condition, self.applies_when) if c is not None), key=cost)
            raise RuleDefinitionError(
                f"{who} would visit about {total:,} condition nodes per subject (collections "
                f"counted at {COLLECTION_SIZE} items), over the budget of {MAX_RULE_COST:,}, "
                f"because of {costliest(worst)}; nest fewer collections or split the rule"
            )

    def _check_tally(self, who: str, reads: set[Path]) -> None:
        if self.tally is None:
            return
        if self.level is not Level.ORG or self.predicate is None:
            raise RuleDefinitionError(f"{who}: a tally is for organization Python rules")
        if not callable(self.tally):
            raise RuleDefinitionError(f"{who}: tally must be a function of a relationship")
        if not any(p[0] == "relationships" for p in reads):
            raise RuleDefinitionError(
                f"{who}: a tally summarizes relationships; declare what it reads, such as "
                "reads=('relationships.stage',)"
            )

    # ------------------------------------------------------------------------ accessors

    @property
    def subject(self) -> type:
        """The class the rule is evaluated on: Organization or Relationship."""
        return Organization if self.level is Level.ORG else Relationship

    @property
    def bound(self) -> Bound | None:
        """The bound condition tree (``None`` for a Python rule)."""
        return self._bound

    @property
    def when(self) -> Bound | None:
        """The bound applicability condition, if any."""
        return self._when

    @property
    def read_paths(self) -> frozenset[Path]:
        """Every canonical fact path the rule reads (including applicability)."""
        return self._read_paths

    @property
    def stages_in(self) -> frozenset[Stage]:
        """The stages in which a relationship rule is evaluated."""
        return self._stages_in

    @property
    def uses_as_of(self) -> bool:
        """Whether the verdict can change with the evaluation date alone."""
        if self.predicate is not None:
            return True
        return bool(
            (self._bound and self._bound.uses_as_of) or (self._when and self._when.uses_as_of)
        )

    @property
    def config_keys(self) -> frozenset[str]:
        """Config keys the condition tree reads (all, for a Python rule)."""
        keys: frozenset[str] = frozenset()
        for b in (self._bound, self._when):
            if b is not None:
                keys |= b.config_keys
        return keys

    @property
    def is_python(self) -> bool:
        """Whether the predicate is trusted Python code."""
        return self.predicate is not None

    @property
    def namespace(self) -> str:
        """The part of the id before the colon."""
        return self.id.split(":", 1)[0]

    def key(self) -> tuple[Any, ...]:
        """A value that is equal for two specs that behave the same."""
        return (
            self.id, self.title, self.clause, self.level, self.remedy, self.stage, self.mode,
            self.flags, self.basis, self.severity, self.tags, self.condition, self.predicate,
            self.reads, self.applies_when, self._stages_in, self.question, self.replaces,
            self.tally,
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleSpec) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        stage = f" stage={self.stage.number}" if self.stage and self.stage.number else ""
        return f"<RuleSpec {self.id} {self.level.value}{stage} {self.mode.name}>"

    def with_id(self, new_id: str) -> RuleSpec:
        """Return a copy with another id (checked like any id)."""
        return _evolve(self, id=new_id)


def _evolve(spec: RuleSpec, **changes: Any) -> RuleSpec:
    fields = {f.name: getattr(spec, f.name) for f in attrs.fields(RuleSpec) if f.init}
    fields.update(changes)
    return RuleSpec(**fields)


def evolve_spec(spec: RuleSpec, **changes: Any) -> RuleSpec:
    """Return a copy of *spec* with *changes*, validated again."""
    if spec.namespace == RESERVED_NAMESPACE:
        with builtin_rules():
            return _evolve(spec, **changes)
    return _evolve(spec, **changes)
