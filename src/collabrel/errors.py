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
    ├── ConfigError(CollabrelError, ValueError)      a bad interval, threshold or option
    ├── UnitError(CollabrelError, TypeError)         a quantity with the wrong unit or registry
    └── LifecycleError(CollabrelError)
        ├── TransitionNotAllowedError(LifecycleError, ValueError)
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
    "DumpError",
    "DuplicateRuleError",
    "GateBlockedError",
    "LifecycleError",
    "LoadError",
    "Problem",
    "RuleDefinitionError",
    "RuleFileError",
    "StatusChangeError",
    "TransitionNotAllowedError",
    "UnitError",
    "UnknownFieldError",
    "UnknownRuleError",
    "UnknownSubjectError",
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


class ConfigError(CollabrelError, ValueError):
    """A configuration value (interval, threshold, option) is invalid."""


class UnitError(CollabrelError, TypeError):
    """A quantity has the wrong dimension, an unknown unit, or comes from a foreign registry."""


class LifecycleError(CollabrelError):
    """Base class of the lifecycle errors."""


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
