"""The shape of the code base: who may import the catalogue, module sizes, import cycles,
public module names, and the built-in rules staying expressible as data."""

from __future__ import annotations

import ast
import importlib
import pickle
import pkgutil
from datetime import date
from pathlib import Path

import pytest

import collabrel
from collabrel.rules import (
    RuleSet,
    RuleSpec,
    Session,
    default_ruleset,
    dump_rules,
    rules_from_data,
)
from collabrel.rules._spec import builtin_rules

SRC = Path(collabrel.__file__).parent
CATALOGUE = "collabrel._iso44001"
AS_OF = date(2026, 11, 23)


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The collabrel modules *path* imports (at import time only, or anywhere)."""
    tree = ast.parse(path.read_text())
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes: list[ast.AST] = []
    if top_level_only:
        for node in tree.body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            nodes.extend(ast.walk(node) if isinstance(node, ast.If | ast.Try) else [node])
    else:
        nodes = list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES}
    return {m for m in found if m in MODULES}


# ------------------------------------------------------------------------ the catalogue


GENERIC = [
    m
    for m in MODULES
    if m.startswith(("collabrel.rules.", "collabrel.lifecycle", "collabrel.maturity"))
]


@pytest.mark.parametrize("module", GENERIC)
def test_generic_code_never_imports_the_catalogue(module):
    """Engine, rule sets, lifecycle and maturity reach the built-in rules only through the
    public ``collabrel.rules.default_ruleset`` (checked at import time and in function bodies)."""
    imported = _imports(MODULES[module], top_level_only=False)
    assert not {m for m in imported if m == CATALOGUE or m.startswith(CATALOGUE + ".")}


def test_only_default_ruleset_hands_the_catalogue_on():
    importers = {
        m
        for m, path in MODULES.items()
        if not m.startswith(CATALOGUE)
        and any(
            i == CATALOGUE or i.startswith(CATALOGUE + ".")
            for i in _imports(path, top_level_only=False)
        )
    }
    assert importers == {"collabrel.rules"}


def test_no_module_of_the_catalogue_is_over_600_lines():
    sizes = {
        m: len(p.read_text().splitlines()) for m, p in MODULES.items() if m.startswith(CATALOGUE)
    }
    assert len(sizes) >= 15
    assert {m: n for m, n in sizes.items() if n > 600} == {}


def test_the_import_graph_has_no_cycle_at_import_time():
    graph = {m: _imports(p, top_level_only=True) for m, p in MODULES.items()}
    # a module always sees its parent packages half-imported: those edges are not cycles
    for m, deps in graph.items():
        graph[m] = {d for d in deps if d != m and not m.startswith(d + ".")}
    assert "collabrel.rules._spec" in graph["collabrel.rules._engine"]  # the graph is real
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, trail: list[str]) -> bool:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycle.extend([*trail[trail.index(d) :], d] if d in trail else [m, d])
                return True
            if d not in state and visit(d, [*trail, d]):
                return True
        state[m] = 2
        return False

    for m in sorted(graph):
        if m not in state and visit(m, [m]):
            break
    assert cycle == []


def test_every_module_imports_on_its_own():
    for info in pkgutil.walk_packages(collabrel.__path__, "collabrel."):
        importlib.import_module(info.name)


# ------------------------------------------------------------------------ public names


PUBLIC = ["collabrel", "collabrel.rules", "collabrel.lifecycle", "collabrel.maturity"]


@pytest.mark.parametrize("module_name", PUBLIC)
def test_public_classes_report_a_public_module(module_name):
    module = importlib.import_module(module_name)
    private = {
        name: obj.__module__
        for name in module.__all__
        if isinstance(obj := getattr(module, name), type)
        and any(part.startswith("_") for part in obj.__module__.split("."))
    }
    assert private == {}


def test_published_classes_still_pickle_and_resolve_their_types():
    portfolio = collabrel.example_portfolio()
    assert pickle.loads(pickle.dumps(portfolio.relationships[0].stage_history)) == (  # noqa: S301
        portfolio.relationships[0].stage_history
    )
    assert repr(collabrel.Stage.KNOWLEDGE) == "<Stage.KNOWLEDGE: 2>"
    assert collabrel.Relationship.__module__ == "collabrel"
    assert RuleSpec.__module__ == "collabrel.rules"
    # the types of the fields stay resolvable once the module name changed
    assert collabrel.loads(collabrel.dumps(portfolio, "json"), format="json") == portfolio


def test_one_level_type_per_name():
    from collabrel import maturity, rules

    assert not hasattr(maturity, "Level")
    assert rules.Level.__module__ == "collabrel.rules"
    assert maturity.MaturityLevel.__module__ == "collabrel.maturity"


# ------------------------------------------------------------------ rules stay data


def _verdicts(rs: RuleSet) -> dict[tuple[str, str], object]:
    return Session(collabrel.example_portfolio(), rs, as_of=AS_OF).verdicts()


def test_the_builtin_rules_round_trip_through_rule_files():
    """Every built-in condition-tree rule dumps to rule-file data and loads back identical;
    with the Python rules kept aside, the verdicts on the example are the same."""
    builtin = default_ruleset()
    data = dump_rules(builtin)
    with builtin_rules():  # the built-in namespace is reserved for the catalogue
        loaded = rules_from_data(data, functions=builtin.functions())
    trees = [s for s in builtin if not s.is_python]
    assert len(trees) == len(loaded) > 200
    for original, again in zip(trees, loaded, strict=True):
        assert again == original, original.id
        assert again.read_paths == original.read_paths
    python = [s for s in builtin if s.is_python]
    rebuilt = RuleSet([*loaded, *python])
    assert _verdicts(rebuilt) == _verdicts(builtin)
    assert dump_rules(rebuilt) == data


def test_check_functions_are_named_once_across_the_builtin_set():
    functions = default_ruleset().functions()
    assert {"active_ser", "section_B1", "stage1_update", "covers_governance"} <= set(functions)
    assert all(name == f.__name__ for name, f in functions.items())
