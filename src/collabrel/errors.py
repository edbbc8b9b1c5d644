"""Every exception collabrel raises, in one tree.

Non-conformance is never an exception: evaluating rules returns findings. These errors are
for misuse, bad input and configuration mistakes, and each message says what happened, with
which values, and what to do next::

    CollabrelError                                   catch-all for everything collabrel raises
    ├── LoadError(CollabrelError, ValueError)        a document (portfolio, rule file) is invalid;
    │   │                                            .problems lists every problem with its path
    │   └── RuleFileError                            a rule file is refused whole
    ├── RuleDefinitionError(CollabrelError, TypeError)   a rule or rule set is badly defined
    │   ├── DuplicateRuleError                       two rules share an id
    │   └── UnknownFieldError                        a rule reads a fact path that does not exist
    ├── UnknownRuleError(CollabrelError, LookupError)    no rule with that id
    ├── UnknownSubjectError(CollabrelError, LookupError) no relationship with that id
    ├── ConfigError(CollabrelError, ValueError)      a bad interval, threshold or option
    ├── UnitError(CollabrelError, TypeError)         a quantity with the wrong unit or registry
    ├── ValidationError(CollabrelError, ValueError)  a domain object refused a field value
    │   └── FieldTypeError(ValidationError, TypeError)   ... a value of the wrong type
    ├── NotADateError(CollabrelError, TypeError)     an as_of or on that is not a date
    └── LifecycleError(CollabrelError)
        ├── TransitionNotAllowedError(LifecycleError, ValueError)
        ├── UnknownStageError(LifecycleError, ValueError)   no stage of that name or number
        └── GateBlockedError(LifecycleError)         carries the failing findings
    CollabrelWarning(UserWarning)

Every error pickles (the constructor arguments are kept) so it can cross process boundaries.
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
    "DuplicateRuleError",
    "FieldTypeError",
    "GateBlockedError",
    "LifecycleError",
    "LoadError",
    "NotADateError",
    "Problem",
    "RuleDefinitionError",
    "RuleFileError",
    "StatusChangeError",
    "TransitionNotAllowedError",
    "UnitError",
    "UnknownFieldError",
    "UnknownRuleError",
    "UnknownStageError",
    "UnknownSubjectError",
    "ValidationError",
    "explain",
]


def _rebuild(cls: type[CollabrelError], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return cls(*args, **kwargs)


class CollabrelError(Exception):
    """Base class of every exception collabrel raises."""

    def __init__(self, message: str, /, **context: Any) -> None:
        super().__init__(message)
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

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
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


class ConfigError(CollabrelError, ValueError):
    """A configuration value (interval, threshold, option) is invalid."""


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

    def __init__(
        self,
        message: str,
        /,
        *,
        relationship_id: str,
        current: str,
        requested: str,
        allowed: tuple[str, ...],
    ) -> None:
        super().__init__(
            message,
            relationship_id=relationship_id,
            current=current,
            requested=requested,
            allowed=allowed,
        )
        self.relationship_id = relationship_id
        self.current = current
        self.requested = requested
        self.allowed = allowed


class StatusChangeError(LifecycleError, ValueError):
    """A record (such as a nonconformity) cannot move to the requested status from its own.

    Attributes:
        subject_id: the record concerned.
        current: its status.
        requested: the status asked for.
        allowed: the statuses it may move to.
    """

    def __init__(
        self,
        message: str,
        /,
        *,
        subject_id: str,
        current: str,
        requested: str,
        allowed: tuple[str, ...],
    ) -> None:
        super().__init__(
            message, subject_id=subject_id, current=current, requested=requested, allowed=allowed
        )
        self.subject_id = subject_id
        self.current = current
        self.requested = requested
        self.allowed = allowed


class GateBlockedError(LifecycleError):
    """A stage gate is not met.

    Attributes:
        relationship_id: the relationship concerned.
        findings: the findings of the gate's rules that block it (FAIL, UNKNOWN, ERROR).
        reasons: one line per reason, including those outside the rules (such as an exit
            trigger the agreed exit strategy does not name).
    """

    def __init__(
        self,
        message: str,
        /,
        *,
        relationship_id: str,
        findings: tuple[Finding, ...],
        reasons: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            message, relationship_id=relationship_id, findings=findings, reasons=reasons
        )
        self.relationship_id = relationship_id
        self.findings = findings
        self.reasons = reasons


def explain(exc: BaseException) -> list[str]:
    """Return one human-readable line per problem carried by *exc*.

    A :class:`LoadError` gives one line per problem; any other exception gives its message.
    """
    if isinstance(exc, LoadError):
        return [str(p) for p in exc.problems]
    return [str(exc)]
