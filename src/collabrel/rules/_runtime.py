"""The engine's run-time pieces.

The environment compiled rules read, the fact-path index, the change diff, compact verdict
changes, and the generated per-stage runners and per-rule refresh loops.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any, overload

import attrs

from collabrel._dates import CalendarInterval
from collabrel._facts import Facts
from collabrel.rules._compile import ERROR, CompiledRule, Thresholds
from collabrel.rules._findings import Verdict, VerdictChange
from collabrel.rules._schema import Path
from collabrel.rules._spec import RuleContext

__all__ = [
    "VERDICTS",
    "Block",
    "Changes",
    "PathIndex",
    "RuntimeEnv",
    "diff",
    "replace_field",
    "stage_runner",
]

VERDICTS: tuple[Verdict, ...] = (
    Verdict.PASS, Verdict.FAIL, Verdict.NOT_APPLICABLE, Verdict.UNKNOWN, Verdict.ERROR,
)  # fmt: skip
"""The verdict of each code (the compiled rules return codes 0-4)."""
CODES: dict[Verdict, int] = {v: i for i, v in enumerate(VERDICTS)}
"""The code of each verdict."""


class RuntimeEnv:
    """What compiled rules read besides their subject (one per session, kept current)."""

    __slots__ = (
        "as_of", "budget", "ctx", "intervals", "op", "org", "tallied", "tallies", "thresholds",
        "values",
    )  # fmt: skip

    def __init__(
        self,
        *,
        as_of: date,
        intervals: Mapping[str, CalendarInterval],
        values: Mapping[str, Any],
        org: Any,
        ctx: RuleContext,
    ) -> None:
        self.as_of = as_of
        self.intervals = intervals
        self.values = values
        self.org = org
        self.ctx = ctx
        self.thresholds = Thresholds(as_of, intervals)
        self.op: list[Any] = []
        """The value of each rule's factored organization part (by rule position)."""
        self.tallies: Mapping[int, Mapping[Any, int]] = {}
        """The tally of each organization rule that keeps one (by rule position)."""
        self.tallied: dict[int, tuple[RuleContext, RuleContext]] = {}
        """Per tallied rule: the :attr:`ctx` its context was made from, and that context
        with the rule's tally."""
        self.budget: float | None = None
        """Seconds one user function (Python rule, check function) may take on one subject."""


# ------------------------------------------------------------------------------- paths


class PathIndex:
    """Which rules read a fact path, or anything above or below it.

    A change at ``rel.working.agreement`` concerns the rules reading that path, the ones
    reading inside it (``rel.working.agreement.covers``) and the ones reading what contains
    it (``rel.working``). Look-ups are remembered.
    """

    __slots__ = ("_exact", "_memo", "_under")

    def __init__(self, reads: Iterable[tuple[int, Iterable[Path]]]) -> None:
        self._exact: dict[Path, set[int]] = {}
        self._under: dict[Path, set[int]] = {}
        self._memo: dict[Path, tuple[int, ...]] = {}
        for index, paths in reads:
            for p in paths:
                self._exact.setdefault(p, set()).add(index)
                for k in range(1, len(p) + 1):
                    self._under.setdefault(p[:k], set()).add(index)

    def __call__(self, path: Path) -> tuple[int, ...]:
        """The positions of the rules a change at *path* concerns, in order."""
        found = self._memo.get(path)
        if found is None:
            hit = set(self._under.get(path, ()))
            for k in range(1, len(path)):
                hit |= self._exact.get(path[:k], set())
            found = self._memo[path] = tuple(sorted(hit))
        return found

    def __bool__(self) -> bool:
        return bool(self._exact)

    def touched(self, paths: Iterable[Path]) -> set[int]:
        """The positions of the rules any of *paths* concerns."""
        out: set[int] = set()
        for p in paths:
            out.update(self(p))
        return out


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls))


def diff(old: Any, new: Any, prefix: Path, out: list[Path]) -> None:
    """Append to *out* the paths below *prefix* where *new* differs from *old*.

    Identical sub-objects are skipped without looking inside; collections are compared as a
    whole (a changed tuple is one changed path); facts are compared name by name. An attrs
    class is compared field by field by a function generated for it once.
    """
    if old is new:
        return
    cls = type(old)
    if cls is not type(new):
        out.append(prefix)
        return
    differ = _DIFFERS.get(cls)
    if differ is None:
        differ = _DIFFERS[cls] = _differ(cls)
    differ(old, new, prefix, out)


def _diff_facts(old: Facts, new: Facts, prefix: Path, out: list[Path]) -> None:
    names = set(old) | set(new)
    out.extend((*prefix, n) for n in sorted(names) if old.get(n) != new.get(n))


def _diff_value(old: Any, new: Any, prefix: Path, out: list[Path]) -> None:
    if isinstance(old, tuple) or old != new:
        out.append(prefix)


def _differ(cls: type) -> Callable[[Any, Any, Path, list[Path]], None]:
    """The comparison of two instances of *cls*, field by field (generated for attrs classes)."""
    if cls is Facts:
        return _diff_facts
    if not attrs.has(cls):
        return _diff_value
    lines = ["def differ(old, new, prefix, out):"]
    for name in _field_names(cls):
        lines += [
            f"    a = old.{name}",
            f"    b = new.{name}",
            "    if a is not b:",
            f"        _diff(a, b, (*prefix, {name!r}), out)",
        ]
    if len(lines) == 1:
        lines.append("    return")
    namespace: dict[str, Any] = {"_diff": diff}
    tree = ast.parse("\n".join(lines))
    exec(compile(tree, f"<diff {cls.__name__}>", "exec"), namespace)  # noqa: S102 - our own code
    fn: Callable[[Any, Any, Path, list[Path]], None] = namespace["differ"]
    return fn


_DIFFERS: dict[type, Callable[[Any, Any, Path, list[Path]], None]] = {}


_REPLACERS: dict[tuple[type, str], Callable[[Any, Any], Any]] = {}


def _replacer(cls: type, field: str) -> Callable[[Any, Any], Any]:
    """A function copying an instance of the frozen, slotted *cls* with *field* replaced."""
    names = _field_names(cls)
    lines = ["def replace(old, value):", "    new = _new(_cls)"]
    for name in names:
        source = "value" if name == field else f"old.{name}"
        lines.append(f"    _set(new, {name!r}, {source})")
    lines.append("    return new")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_set": object.__setattr__}
    tree = ast.parse("\n".join(lines))
    exec(compile(tree, f"<replace {cls.__name__}.{field}>", "exec"), namespace)  # noqa: S102 - our own code
    fn: Callable[[Any, Any], Any] = namespace["replace"]
    return fn


def replace_field(obj: Any, field: str, value: Any) -> Any:
    """Return a copy of the frozen attrs object *obj* with *field* set to *value*.

    The value is already valid: no validator runs (the caller checked it).
    """
    key = (type(obj), field)
    fn = _REPLACERS.get(key)
    if fn is None:
        fn = _REPLACERS[key] = _replacer(*key)
    return fn(obj, value)


# ------------------------------------------------------------------------------ changes


_NONZERO = bytes([0] + [1] * 255)


class Block:
    """The verdicts of one rule that a column-wide update changed, kept compact.

    It holds the rule's column of codes before and after (one byte per relationship
    position) and the ids by position: no object per changed pair until asked, and the
    changed positions are found in C when first needed.
    """

    __slots__ = ("_at", "ids", "new", "old", "rule_id")

    def __init__(self, rule_id: str, ids: Sequence[str], old: bytes, new: bytes) -> None:
        self.rule_id = rule_id
        self.ids = ids
        """Position -> relationship id, as at the update."""
        self.old = old
        self.new = new
        self._at: list[int] | None = None

    def positions(self) -> list[int]:
        """The positions whose code changed, in order."""
        if self._at is None:
            at: list[int] = []
            if self.old != self.new:
                size = len(self.old)
                delta = int.from_bytes(self.old) ^ int.from_bytes(self.new)
                flags = delta.to_bytes(size).translate(_NONZERO)
                k = flags.find(1)
                while k >= 0:
                    at.append(k)
                    k = flags.find(1, k + 1)
            self._at = at
        return self._at

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        """(relationship id, old code, new code) of each change."""
        ids, old, new = self.ids, self.old, self.new
        return ((ids[k], old[k], new[k]) for k in self.positions())

    def __len__(self) -> int:
        return len(self.positions())

    def __bool__(self) -> bool:
        return self.old != self.new


class Changes(Sequence[VerdictChange]):
    """The verdicts an update changed; :class:`VerdictChange` objects are made on demand.

    It compares equal to a tuple of the same changes.
    """

    __slots__ = ("_blocks", "_items", "_made")

    def __init__(
        self,
        items: list[tuple[str, str, int, int]] | None = None,
        blocks: list[Block] | None = None,
    ) -> None:
        self._items = items or []
        """(rule id, subject id, old code, new code); code -1 means no verdict."""
        self._blocks = [b for b in blocks if b] if blocks else []
        self._made: tuple[VerdictChange, ...] | None = None

    @staticmethod
    def of(changes: Sequence[VerdictChange]) -> Changes:
        """Changes already made as objects."""
        out = Changes()
        out._made = tuple(changes)
        return out

    def _all(self) -> tuple[VerdictChange, ...]:
        if self._made is None:
            made = [
                VerdictChange(
                    rule_id=rule_id,
                    subject_id=sid,
                    old=None if old < 0 else VERDICTS[old],
                    new=None if new < 0 else VERDICTS[new],
                )
                for rule_id, sid, old, new in self._items
            ]
            for block in self._blocks:
                made += [
                    VerdictChange(
                        rule_id=block.rule_id, subject_id=sid, old=VERDICTS[old], new=VERDICTS[new]
                    )
                    for sid, old, new in block
                ]
            self._made = tuple(made)
        return self._made

    def __len__(self) -> int:
        if self._made is not None:
            return len(self._made)
        return len(self._items) + sum(len(b) for b in self._blocks)

    def __bool__(self) -> bool:
        return bool(self._items) or bool(self._blocks) or bool(self._made)

    @overload
    def __getitem__(self, index: int) -> VerdictChange: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[VerdictChange]: ...
    def __getitem__(self, index: int | slice) -> VerdictChange | Sequence[VerdictChange]:
        return self._all()[index]

    def __iter__(self) -> Iterator[VerdictChange]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Changes | tuple | list):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Changes({list(self._all())!r})"


# ------------------------------------------------------------------------------ runners


def stage_runner(
    positions: Sequence[int],
    verdicts: Sequence[Callable[[Any, Any, Any], int]],
    compiled: Sequence[CompiledRule | None],
) -> Callable[[Any, Any, bytearray], None]:
    """Generate ``run(subject, env, row)`` for the rules at *positions*.

    Every rule writes its verdict code into *row*. Condition-tree rules are inlined (one
    expression each, no call); Python rules are one plain call. A rule that raises gets
    ERROR and the others go on.
    """
    namespace: dict[str, Any] = {"_ERROR": ERROR}
    body: list[ast.stmt] = [_parse_stmt("V = s.facts._values")]
    functions: list[ast.stmt] = []
    for i in positions:
        value = _rule_expression(i, compiled[i], verdicts, namespace, functions)
        body.extend(_filled(_RUN_ONE, {"X": value, "I": _constant(i)}))
    run: Callable[[Any, Any, bytearray], None] = _function(
        "run(s, e, row)", body, functions, namespace, "<collabrel stage runner>"
    )
    return run


def _rule_expression(
    i: int,
    c: CompiledRule | None,
    verdicts: Sequence[Callable[[Any, Any, Any], int]],
    namespace: dict[str, Any],
    functions: list[ast.stmt],
) -> ast.expr:
    """The verdict code of rule *i* as an expression of ``s``, ``e`` and ``V``.

    A condition tree is inlined (its names go into *namespace*, its helper functions into
    *functions*); a Python rule is one call of its verdict function from *verdicts*.
    """
    if c is None:
        namespace[f"_f{i}"] = verdicts[i]
        return _parse_expr(f"_f{i}(s, e, V)")
    namespace.update(c.namespace)
    functions.extend(c.functions)  # shared, never changed (see CompiledRule.expression)
    return c.expression


def _function(
    header: str,
    body: list[ast.stmt],
    functions: list[ast.stmt],
    namespace: dict[str, Any],
    filename: str,
) -> Callable[..., Any]:
    """Compile ``def <header>:`` with *body*, after the rules' helper *functions*.

    Every node is located already (parsed, made by :func:`_constant`, or a compiled rule's),
    so the module is not walked to locate it: that walk and copying the rules' expressions
    were most of what generating a function cost.
    """
    fn = ast.parse(f"def {header}:\n    pass\n").body[0]
    assert isinstance(fn, ast.FunctionDef)  # noqa: S101 - our own template
    if body:
        fn.body = body
    module = ast.Module(body=[*functions, fn], type_ignores=[])
    exec(compile(module, filename, "exec"), namespace)  # noqa: S102 - our own code
    made: Callable[..., Any] = namespace[fn.name]
    return made


_RUN_ONE = """
try:
    row[I] = X
except Exception:
    row[I] = _ERROR
"""

_UPDATE_ONE = """
try:
    c = X
except Exception:
    c = _ERROR
o = codes[start + I]
if c != o:
    codes[start + I] = c
    out.append((ID, rid, o, c))
"""


def fact_updater(
    positions: Sequence[int],
    ids: Sequence[str],
    compiled: Sequence[CompiledRule | None],
    verdicts: Sequence[Callable[[Any, Any, Any], int]] | None = None,
) -> Callable[..., None] | None:
    """Generate ``update(s, e, V, codes, start, out, rid)`` for the rules at *positions*.

    It runs the rules (inlined, as in the stage runners) on relationship *s* with the fact
    values *V*, writes each code at ``codes[start + position]`` and appends
    ``(rule id, rid, old, new)`` to *out* for each code that changed. A Python rule at
    *positions* is one plain call of its verdict function from *verdicts*; without
    *verdicts* (the relationship value is not built yet), ``None`` when there is one.
    """
    if verdicts is None and any(compiled[i] is None for i in positions):
        return None
    namespace: dict[str, Any] = {"_ERROR": ERROR}
    functions: list[ast.stmt] = []
    body: list[ast.stmt] = []
    for i in positions:
        value = _rule_expression(i, compiled[i], verdicts or (), namespace, functions)
        fills = {"X": value, "I": _constant(i), "ID": _constant(ids[i])}
        body.extend(_filled(_UPDATE_ONE, fills))
    header = "update(s, e, V, codes, start, out, rid)"
    return _function(header, body, functions, namespace, "<collabrel fact update>")


def _filled(source: str, fills: Mapping[str, ast.expr]) -> list[ast.stmt]:
    """The statements of our own *source*, its names in *fills* replaced by their expressions.

    A fill is put in as it is, not visited (it may be a compiled rule's shared expression).
    """
    result = _Fill(fills).visit(ast.parse(source))
    assert isinstance(result, ast.Module)  # noqa: S101 - a module stays a module
    return result.body


class _Fill(ast.NodeTransformer):
    """Replaces the names of *fills* by their expressions."""

    def __init__(self, fills: Mapping[str, ast.expr]) -> None:
        self.fills = fills

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self.fills.get(node.id, node)


def _constant(value: int | str) -> ast.Constant:
    """A constant with a location (no pass locates the generated functions' nodes)."""
    return ast.Constant(value=value, lineno=1, col_offset=0, end_lineno=1, end_col_offset=0)


def _parse_expr(source: str) -> ast.expr:
    return ast.parse(source, mode="eval").body


def _parse_stmt(source: str) -> ast.stmt:
    return ast.parse(source).body[0]


_REFRESH = """
for k, s in _compress(enumerate(rels), flags):
    V = s.facts._values
    try:
        col[k] = X
    except Exception:
        col[k] = _ERROR
"""


def rule_refresher(
    position: int,
    verdict: Callable[[Any, Any, Any], int],
    compiled: CompiledRule | None,
) -> Callable[..., None]:
    """Generate ``refresh(rels, flags, column, env)`` for the rule at *position*.

    It runs the rule again on every relationship of *rels* whose flag is set, writing its
    code at the same position of *column* (the rule's column of a
    :class:`~collabrel.rules._grid.Grid`). The rule's expression is inlined, as in the stage
    runners.
    """
    namespace: dict[str, Any] = {"_ERROR": ERROR, "_compress": itertools.compress}
    functions: list[ast.stmt] = []
    if compiled is None:
        namespace["_f"] = verdict
        value: ast.expr = _parse_expr("_f(s, e, V)")
    else:
        namespace.update(compiled.namespace)
        functions.extend(compiled.functions)  # shared, never changed
        value = compiled.expression
    body = _filled(_REFRESH, {"X": value})
    header = "refresh(rels, flags, col, e)"
    return _function(header, body, functions, namespace, f"<collabrel refresh {position}>")
