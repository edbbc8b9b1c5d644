"""The exception tree: one catch-all, the documented builtin bases, pickling, LoadError."""

from __future__ import annotations

import pickle
import warnings

import attrs
import pytest

from collabrel import errors
from collabrel.errors import (
    CollabrelError,
    CollabrelWarning,
    ConfigError,
    ConflictError,
    DumpError,
    DuplicateRuleError,
    FieldTypeError,
    GateBlockedError,
    HistoryIntegrityError,
    IdempotencyKeyError,
    LifecycleError,
    LoadError,
    MissingExtraError,
    NotADateError,
    Problem,
    RuleDefinitionError,
    RuleFileError,
    RulesetMismatchError,
    SchemaVersionError,
    StatusChangeError,
    StoreError,
    TransitionNotAllowedError,
    UnitError,
    UnknownFieldError,
    UnknownItemError,
    UnknownRuleError,
    UnknownStageError,
    UnknownSubjectError,
    UsageError,
    ValidationError,
    explain,
)


def _pickled(obj):
    return pickle.loads(pickle.dumps(obj))  # noqa: S301 - a round trip of our own bytes


# every error class, the builtin bases the module docstring documents, and an instance
PROBLEMS = (Problem(path="$.relationships[0].stage", message="bad stage", hint="use 1-8"),)
TREE = [
    (LoadError, (ValueError,), LoadError(PROBLEMS, source="p.yaml")),
    (RuleFileError, (ValueError, LoadError), RuleFileError(PROBLEMS, source="rules.yaml")),
    (RuleDefinitionError, (TypeError,), RuleDefinitionError("bad rule", rule_id="r1")),
    (DuplicateRuleError, (TypeError, RuleDefinitionError), DuplicateRuleError("dup", rule_id="x")),
    (UnknownFieldError, (TypeError, RuleDefinitionError), UnknownFieldError("no field")),
    (UnknownRuleError, (LookupError,), UnknownRuleError("no rule", rule_id="x")),
    (UnknownSubjectError, (LookupError,), UnknownSubjectError("no relationship")),
    (ConfigError, (ValueError,), ConfigError("bad interval", key="review.rmp")),
    (DumpError, (ValueError,), DumpError("cannot write nan", path="$.x")),
    (UnitError, (TypeError,), UnitError("bad unit")),
    (UnknownItemError, (LookupError,), UnknownItemError("no item 'p13'")),
    (UsageError, (ValueError, ConfigError), UsageError("--format xlsx needs -o")),
    (MissingExtraError, (ImportError,), MissingExtraError("pip install 'collabrel[xlsx]'")),
    (
        ValidationError,
        (ValueError,),
        ValidationError("RiskItem.likelihood must be 1-5", owner="RiskItem", field="likelihood"),
    ),
    (
        FieldTypeError,
        (TypeError, ValueError, ValidationError),
        FieldTypeError("Party.id must be text", owner="Party", field="id", hint="quote it"),
    ),
    (NotADateError, (TypeError,), NotADateError("as_of must be a date", name="as_of", got="str")),
    (
        UnknownStageError,
        (ValueError, LifecycleError),
        UnknownStageError("unknown stage 'nine'", given="'nine'", suggestion=""),
    ),
    (LifecycleError, (), LifecycleError("lifecycle")),
    (
        TransitionNotAllowedError,
        (ValueError, LifecycleError),
        TransitionNotAllowedError(
            "not allowed",
            relationship_id="rel-1",
            current="knowledge",
            requested="value_creation",
            allowed=("internal_assessment", "closed_not_pursued"),
        ),
    ),
    (
        GateBlockedError,
        (LifecycleError,),
        GateBlockedError("blocked", relationship_id="rel-1", findings=(), reasons=("why",)),
    ),
    (
        StatusChangeError,
        (ValueError, LifecycleError),
        StatusChangeError(
            "cannot close",
            subject_id="nc-1",
            current="raised",
            requested="closed",
            allowed=("action_planned",),
        ),
    ),
    (StoreError, (), StoreError("cannot open the store")),
    (ConflictError, (StoreError,), ConflictError("rel-1", 2, 3)),
    (IdempotencyKeyError, (StoreError, ValueError), IdempotencyKeyError("key reused")),
    (HistoryIntegrityError, (StoreError,), HistoryIntegrityError("bad", problems=("r1 v2",))),
    (SchemaVersionError, (StoreError,), SchemaVersionError("schema 9")),
    (
        RulesetMismatchError,
        (StoreError,),
        RulesetMismatchError("mismatch", recorded="2026.1.0", current="2026.11.0"),
    ),
]
IDS = [cls.__name__ for cls, _, _ in TREE]


def test_a_structured_error_needs_its_context():
    with pytest.raises(TypeError, match="needs the context allowed, current"):
        TransitionNotAllowedError("x", relationship_id="r", requested="y")
    blocked = GateBlockedError("blocked", relationship_id="r", findings=())
    assert blocked.reasons == ()  # a declared default
    assert blocked.relationship_id == "r"


def test_the_docstring_tree_names_every_error():
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert name in errors.__doc__


def test_the_table_covers_every_exported_error():
    exported = {
        obj
        for name in errors.__all__
        if isinstance(obj := getattr(errors, name), type) and issubclass(obj, BaseException)
    }
    assert exported - {CollabrelError, CollabrelWarning, errors.RulesetMismatchWarning} == {
        cls for cls, _, _ in TREE
    }


@pytest.mark.parametrize(("cls", "bases", "instance"), TREE, ids=IDS)
def test_every_error_is_catchable_by_collabrel_error_and_its_builtin_bases(cls, bases, instance):
    assert type(instance) is cls
    with pytest.raises(CollabrelError):
        raise instance
    for base in bases:
        with pytest.raises(base):
            raise instance


@pytest.mark.parametrize(("cls", "bases", "instance"), TREE, ids=IDS)
def test_every_error_pickles_with_its_message_and_attributes(cls, bases, instance):
    clone = _pickled(instance)
    assert type(clone) is cls
    assert str(clone) == str(instance)
    assert clone.args == instance.args
    assert vars(clone) == vars(instance)


def test_transition_not_allowed_keeps_its_attributes():
    exc = TransitionNotAllowedError(
        "no", relationship_id="rel-1", current="a", requested="b", allowed=("c",)
    )
    clone = _pickled(exc)
    assert (clone.relationship_id, clone.current, clone.requested, clone.allowed) == (
        "rel-1",
        "a",
        "b",
        ("c",),
    )


def test_gate_blocked_keeps_its_findings():
    exc = GateBlockedError("blocked", relationship_id="rel-1", findings=("f1", "f2"))  # type: ignore[arg-type]
    clone = _pickled(exc)
    assert clone.relationship_id == "rel-1"
    assert clone.findings == ("f1", "f2")


def test_warning_is_a_user_warning():
    assert issubclass(CollabrelWarning, UserWarning)
    with pytest.warns(CollabrelWarning):
        warnings.warn("careful", CollabrelWarning, stacklevel=1)


# ------------------------------------------------------------------------------ LoadError


def test_load_error_lists_every_problem_with_its_path():
    problems = [
        Problem(path="$.relationships[0].stage", message="unknown stage 'nine'", hint="use 1-8"),
        Problem(path="$.organization.peeple", message="unknown field 'peeple'"),
    ]
    exc = LoadError(problems, source="portfolio.yaml")
    assert exc.problems == tuple(problems)
    assert exc.source == "portfolio.yaml"
    text = str(exc)
    assert text.splitlines() == [
        "portfolio.yaml has 2 problems; nothing was loaded:",
        "  - $.relationships[0].stage: unknown stage 'nine' (use 1-8)",
        "  - $.organization.peeple: unknown field 'peeple'",
    ]


def test_load_error_with_one_problem_says_problem():
    exc = LoadError([Problem(path="$", message="empty")])
    assert str(exc).startswith("<document> has 1 problem;")


def test_load_error_pickles_with_problems_and_source():
    exc = LoadError(PROBLEMS, source="p.yaml")
    clone = _pickled(exc)
    assert clone.problems == PROBLEMS
    assert clone.source == "p.yaml"
    assert str(clone) == str(exc)


def test_problem_is_a_frozen_value():
    problem = Problem(path="$", message="m")
    assert problem.hint == ""
    assert str(problem) == "$: m"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        problem.path = "$.x"  # type: ignore[misc]
    assert _pickled(problem) == problem


def test_explain():
    exc = LoadError(
        [Problem(path="$.a", message="bad", hint="fix"), Problem(path="$.b", message="worse")]
    )
    assert explain(exc) == ["$.a: bad (fix)", "$.b: worse"]
    assert explain(ConfigError("bad interval")) == ["bad interval"]
    assert explain(KeyError("k")) == ["'k'"]
