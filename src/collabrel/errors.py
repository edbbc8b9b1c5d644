"""Every exception collabrel raises, in one tree.

Non-conformance is never an exception: evaluating rules returns findings. These errors are
for misuse, bad input and configuration mistakes, and each message says what happened, with
which values, and what to do next::

    CollabrelError                                   catch-all for everything collabrel raises
    ├── LoadError(CollabrelError, ValueError)        a document (portfolio, rule file) is invalid;
    │   │                                            .problems lists every problem with its path
    │   └── RuleFileError                            a rule file is refused whole
    ├── DumpError(CollabrelError, ValueError)        an object holds a value no format can write
    ├── RuleDefinitionError(CollabrelError, TypeError)   a rule or rule set is badly defined
    │   ├── DuplicateRuleError                       two rules share an id
    │   └── UnknownFieldError                        a rule reads a fact path that does not exist
    ├── UnknownRuleError(CollabrelError, LookupError)    no rule with that id
    ├── UnknownSubjectError(CollabrelError, LookupError) no relationship with that id
    ├── UnknownItemError(CollabrelError, LookupError)    no item with that key in a view
    ├── ConfigError(CollabrelError, ValueError)      a bad interval, threshold or option
    │   └── UsageError                               command-line options that cannot work together
    ├── UnitError(CollabrelError, TypeError)         a quantity with the wrong unit or registry
    ├── MissingExtraError(CollabrelError, ImportError)   an optional extra is not installed
    ├── ValidationError(CollabrelError, ValueError)  a domain object refused a field value
    │   └── FieldTypeError(ValidationError, TypeError)   ... a value of the wrong type
    ├── NotADateError(CollabrelError, TypeError)     an as_of or on that is not a date
    ├── LifecycleError(CollabrelError)
    │   ├── TransitionNotAllowedError(LifecycleError, ValueError)
    │   ├── UnknownStageError(LifecycleError, ValueError)   no stage of that name or number
    │   ├── StatusChangeError(LifecycleError, ValueError)   a record cannot take that status
    │   └── GateBlockedError(LifecycleError)         carries the failing findings
    └── StoreError(CollabrelError)                   the store cannot do what was asked
        ├── ConflictError(StoreError)                a write holds a stale version of a subject
        ├── IdempotencyKeyError(StoreError, ValueError)  a key reused for another request
        ├── HistoryIntegrityError(StoreError)        a hash chain or a row count does not verify
        ├── SchemaVersionError(StoreError)           the database's schema is not one we know
        └── RulesetMismatchError(StoreError)         a rebuild would use another rule set version
    CollabrelWarning(UserWarning)
    └── RulesetMismatchWarning(CollabrelWarning)     the same mismatch, when asked to warn

Every error pickles (the constructor arguments are kept) so it can cross process boundaries.
Structured errors declare their context fields as class annotations; the base class takes
them as keyword arguments, checks that every one is given, and sets them as attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from collabrel.rules import Finding

__all__ = [
    "CollabrelError",
    "CollabrelWarning",
    "ConfigError",
    "ConflictError",
    "DumpError",
    "DuplicateRuleError",
    "FieldTypeError",
    "GateBlockedError",
    "HistoryIntegrityError",
    "IdempotencyKeyError",
    "LifecycleError",
    "LoadError",
    "MissingExtraError",
    "NotADateError",
    "Problem",
    "RuleDefinitionError",
    "RuleFileError",
    "RulesetMismatchError",
    "RulesetMismatchWarning",
    "SchemaVersionError",
    "StatusChangeError",
    "StoreError",
    "TransitionNotAllowedError",
    "UnitError",
    "UnknownFieldError",
    "UnknownItemError",
    "UnknownRuleError",
    "UnknownStageError",
    "UnknownSubjectError",
    "UsageError",
    "ValidationError",
    "explain",
]


def _rebuild(cls: type[CollabrelError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return cls(*args, **kwargs)


_FIELDS: dict[type, tuple[frozenset[str], frozenset[str]]] = {}


def _context_fields(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """The context fields an error class declares: (every field, the required ones)."""
    known = _FIELDS.get(cls)
    if known is not None:
        return known
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass is CollabrelError or not issubclass(klass, CollabrelError):
            continue
        names |= {n for n in vars(klass).get("__annotations__", {}) if not n.startswith("_")}
    required = {n for n in names if not hasattr(cls, n)}
    _FIELDS[cls] = (frozenset(names), frozenset(required))
    return _FIELDS[cls]


class CollabrelError(Exception):
    """Base class of every exception collabrel raises.

    A subclass with structured context declares its fields as class annotations (a class
    attribute gives a default); they are passed as keyword arguments after the message and
    become attributes. Any error may carry further context the same way.
    """

    def __init__(self, message: str, /, **context: Any) -> None:
        super().__init__(message)
        missing = sorted(_context_fields(type(self))[1] - context.keys())
        if missing:
            msg = f"{type(self).__name__} needs the context {', '.join(missing)} (keywords)"
            raise TypeError(msg)
        for name, value in context.items():
            setattr(self, name, value)
        self._context = context

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self._context))


class CollabrelWarning(UserWarning):
    """Base class of the warnings collabrel emits."""


@attrs.frozen(kw_only=True)
class Problem:
    """One problem found in a document, with where it is and how to fix it."""

    path: str
    """Where the problem is, as a JSONPath-like string such as ``$.relationships[2].stage``."""
    message: str
    """What is wrong, with the offending value."""
    hint: str = ""
    """How to fix it (may be empty when the message says it already)."""
    line: int | None = None
    """The line of the source where the record with the problem starts, when known (JSON Lines
    files give the line of the record)."""
    file: str | None = None
    """The file the problem is in, when a load reads several files (a folder of shards)."""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.line is not None:
            text = f"line {self.line}: {text}"
        if self.file is not None:
            text = f"{self.file}, {text}" if self.line is not None else f"{self.file}: {text}"
        return f"{text} ({self.hint})" if self.hint else text


class LoadError(CollabrelError, ValueError):
    """A document could not be loaded; nothing of it was applied.

    Attributes:
        problems: every problem found, each with its path and a hint.
        source: a name for the document (file name or ``"<text>"``).
    """

    def __init__(self, problems: Sequence[Problem], *, source: str = "<document>") -> None:
        self.problems = tuple(problems)
        self.source = source
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{source} has {count} {noun}; nothing was loaded:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
        self._context = {}
        self._args = (self.problems,)
        self._kw = {"source": source}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self._args, self._kw))


class RuleFileError(LoadError):
    """A rule file was refused whole; ``problems`` says where and why."""


class DumpError(CollabrelError, ValueError):
    """An object cannot be written: it holds a value that no document could load back.

    Examples are a text with a lone surrogate, a number that is not finite, or an integer too
    long to write as digits. The message names the value and, where known, its path.
    """


class RuleDefinitionError(CollabrelError, TypeError):
    """A rule or a rule set is badly defined; raised when it is defined, not when it runs."""


class DuplicateRuleError(RuleDefinitionError):
    """Two rules in one rule set share an id."""


class UnknownFieldError(RuleDefinitionError):
    """A rule reads a fact path that the domain schema does not have."""


class UnknownRuleError(CollabrelError, LookupError):
    """No rule with the given id exists in the rule set."""


class UnknownSubjectError(CollabrelError, LookupError):
    """No relationship with the given id exists in the portfolio or session."""


class UnknownItemError(CollabrelError, LookupError):
    """No item with the given key in a view (an ISO 44003 principle, an ERMP section, ...)."""


class ConfigError(CollabrelError, ValueError):
    """A configuration value (interval, threshold, option) is invalid."""


class UsageError(ConfigError):
    """Command-line options (or arguments) that cannot work together."""


class MissingExtraError(CollabrelError, ImportError):
    """An optional dependency (an extra of collabrel, such as ``collabrel[xlsx]``) is missing."""


class UnitError(CollabrelError, TypeError):
    """A quantity has the wrong dimension, an unknown unit, or comes from a foreign registry."""


class ValidationError(CollabrelError, ValueError):
    """A domain object refused a value for one of its fields.

    Raised wherever the object is built: its constructor, :func:`attrs.evolve`, and loading
    (where the document path is added). The message names the class, the field, the value and
    what to write instead. A lifecycle call refuses its arguments the same way (``owner`` is
    then the call, such as ``"Lifecycle.advance"``, and ``field`` the argument).

    Attributes:
        owner: the class, such as ``"RiskItem"``.
        field: the field, with an index for an element of a tuple field, such as
            ``"likelihood"`` or ``"stage_history[2]"``.
        hint: how to fix it (also part of the message).
    """

    def __init__(self, message: str, /, *, owner: str, field: str, hint: str = "") -> None:
        super().__init__(message, owner=owner, field=field, hint=hint)
        self.owner = owner
        self.field = field
        self.hint = hint


class FieldTypeError(ValidationError, TypeError):
    """A domain object was given a value of the wrong type (text for a date, ``None``...)."""


class NotADateError(CollabrelError, TypeError):
    """A date argument (``as_of``, ``on``) is not a :class:`datetime.date`.

    A :class:`~datetime.datetime`, a text or ``None`` is refused rather than guessed at: a
    datetime compares unequal to every date, and a text or ``None`` would turn every dated
    rule into an ERROR.

    Attributes:
        name: the argument, such as ``"as_of"``.
        got: the type that was given, such as ``"datetime"``.
    """

    def __init__(self, message: str, /, *, name: str, got: str) -> None:
        super().__init__(message, name=name, got=got)
        self.name = name
        self.got = got


class LifecycleError(CollabrelError):
    """Base class of the lifecycle errors."""


class UnknownStageError(LifecycleError, ValueError):
    """No lifecycle stage has the given name or number.

    Attributes:
        given: what was asked for, as text.
        suggestion: the closest stage name, or ``""`` when none is close.
    """

    def __init__(self, message: str, /, *, given: str, suggestion: str = "") -> None:
        super().__init__(message, given=given, suggestion=suggestion)
        self.given = given
        self.suggestion = suggestion


class TransitionNotAllowedError(LifecycleError, ValueError):
    """The requested stage change is not a transition of the lifecycle from the current stage.

    Attributes:
        relationship_id: the relationship concerned.
        current: the stage it is in.
        requested: what was asked for.
        allowed: the transitions that are allowed from the current stage.
    """

    relationship_id: str
    current: str
    requested: str
    allowed: tuple[str, ...]


class StatusChangeError(LifecycleError, ValueError):
    """A record (such as a nonconformity) cannot move to the requested status from its own.

    Attributes:
        subject_id: the record concerned.
        current: its status.
        requested: the status asked for.
        allowed: the statuses it may move to.
    """

    subject_id: str
    current: str
    requested: str
    allowed: tuple[str, ...]


class GateBlockedError(LifecycleError):
    """A stage gate is not met.

    Attributes:
        relationship_id: the relationship concerned.
        findings: the findings of the gate's rules that block it (FAIL, UNKNOWN, ERROR).
        reasons: one line per reason, including those outside the rules (such as an exit
            trigger the agreed exit strategy does not name).
    """

    relationship_id: str
    findings: tuple[Finding, ...]
    reasons: tuple[str, ...] = ()


class StoreError(CollabrelError):
    """The store cannot do what was asked; nothing was written.

    Database errors (a server that cannot be reached, a file that is not a database) arrive
    as this class, with the URL (without its password) and the database's own message.
    """


class ConflictError(StoreError):
    """A write holds a stale version of a subject; nothing of the write was applied.

    Read the subject again (or refresh the attached session), reapply the change to the
    current value and write again with the version read.

    Attributes:
        subject: the relationship or organization id.
        expected: the version the writer said it holds (0: it expected no subject).
        actual: the version in the store (0: there is none).
        kind: ``"relationship"`` or ``"organization"``.
    """

    def __init__(
        self, subject: str, expected: int, actual: int, *, kind: str = "relationship"
    ) -> None:
        def state(version: int) -> str:
            return "no such subject" if version == 0 else f"version {version}"

        super().__init__(
            f"conflict on {kind} {subject!r}: the write expected {state(expected)} but the "
            f"store has {state(actual)}; read it again, reapply the change and retry",
        )
        self.subject = subject
        self.expected = expected
        self.actual = actual
        self.kind = kind
        self._args = (subject, expected, actual)
        self._kw = {"kind": kind}
        self._context = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self._args, self._kw))


class IdempotencyKeyError(StoreError, ValueError):
    """An idempotency key was used before for a different request; nothing was written.

    A retry must send the same request with the same key; a new request needs a new key.
    """


class HistoryIntegrityError(StoreError):
    """The stored or imported history does not verify (hash chain, sequence or row count).

    Attributes:
        problems: one line per problem found, each naming the subject, version or change.
    """

    def __init__(self, message: str, /, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message, problems=problems)
        self.problems = problems


class SchemaVersionError(StoreError):
    """The database holds a collabrel schema this version of collabrel does not know."""


class RulesetMismatchError(StoreError):
    """A rebuilt assessment would use another rule set version than the one recorded.

    Attributes:
        recorded: the rule set version recorded with the history.
        current: the version of the rule set given for the rebuild.
    """

    def __init__(self, message: str, /, *, recorded: str, current: str) -> None:
        super().__init__(message, recorded=recorded, current=current)
        self.recorded = recorded
        self.current = current


class RulesetMismatchWarning(CollabrelWarning):
    """A rebuilt assessment uses another rule set version than the one recorded."""


def explain(exc: BaseException) -> list[str]:
    """Return one human-readable line per problem carried by *exc*.

    A :class:`LoadError` gives one line per problem; any other exception gives its message.
    """
    if isinstance(exc, LoadError):
        return [str(p) for p in exc.problems]
    return [str(exc)]
