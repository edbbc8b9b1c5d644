"""The documentation runs: every Python example, the reference generator and the site build.

Each page's ```python blocks run in order, in one namespace, in a temporary working
directory. A block preceded by the line ``<!-- not run -->`` is shown but not run (see
docs/contributing-to-docs.md). A ```text block right after a block that runs (only blank
lines, or a line such as "prints", between them) is its output: what the block prints must
match it, ``...`` standing for any text (as in doctest), trailing spaces ignored.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GENERATOR = DOCS / "gen_reference.py"
NOT_RUN = "<!-- not run -->"
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\n]*)$")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Return ``(first line number, code)`` of every ```python block that is meant to run."""
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    previous = ""
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        fence, info = match.group("fence"), match.group("info").strip()
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        language = info.split()[0].lstrip(".{").rstrip("}") if info else ""
        if language == "python" and previous != NOT_RUN:
            blocks.append((start + 1, "\n".join(lines[start:end]) + "\n"))
        previous = ""
        i = end + 1
    return blocks


OUTPUT_LEAD = re.compile(r"^(prints|it prints|gives|outputs?)\b.*:?$", re.IGNORECASE)
"""A short line that may stand between an example and its output block."""


def examples(text: str) -> list[tuple[int, str, str | None]]:
    """Return ``(first line, code, expected output or None)`` of every block that runs."""
    out: list[tuple[int, str, str | None]] = []
    lines = text.splitlines()
    runnable = {line for line, _ in python_blocks(text)}
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.group("fence"), match.group("info").strip()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if (i + 2) in runnable and info.split()[:1] == ["python"]:
            code = "\n".join(lines[i + 1 : end]) + "\n"
            expected = _output_after(lines, end + 1)
            out.append((i + 2, code, expected))
        i = end + 1
    return out


def _output_after(lines: list[str], start: int) -> str | None:
    """The ```text block that follows *start* (blank lines or a lead-in line before it)."""
    j = start
    while j < len(lines) and (not lines[j].strip() or OUTPUT_LEAD.match(lines[j].strip())):
        j += 1
    if j >= len(lines):
        return None
    match = FENCE.match(lines[j])
    if not match or match.group("info").strip() != "text":
        return None
    end = j + 1
    while end < len(lines) and not lines[end].strip().startswith(match.group("fence")):
        end += 1
    return "\n".join(lines[j + 1 : end]) + "\n"


def _same_output(expected: str, got: str) -> bool:
    def trim(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"

    checker = doctest.OutputChecker()
    return checker.check_output(trim(expected), trim(got), doctest.ELLIPSIS)


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if python_blocks(p.read_text(encoding="utf-8")))


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    return tmp_path


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_examples_run(page, in_tmp):
    namespace: dict[str, object] = {"__name__": "__docs__"}
    relative = page.relative_to(ROOT)
    drifted = []
    for line, code, expected in examples(page.read_text(encoding="utf-8")):
        # pad with blank lines so that tracebacks give the line number in the Markdown file
        compiled = compile("\n" * (line - 1) + code, str(relative), "exec")
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compiled, namespace)  # noqa: S102 - running our own documentation
        except Exception as exc:
            pytest.fail(f"{relative}, block at line {line} raised {exc!r}:\n\n{code}")
        if expected is not None and not _same_output(expected, printed.getvalue()):
            drifted.append(
                f"{relative}, block at line {line} printed:\n{printed.getvalue()}\n"
                f"but the page shows:\n{expected}"
            )
    assert not drifted, "\n\n".join(drifted)


def test_tutorials_and_how_tos_have_examples():
    for folder in ("tutorial", "how-to"):
        found = sorted((DOCS / folder).glob("*.md"))
        assert found, f"docs/{folder} has no pages"
        for page in found:
            assert python_blocks(page.read_text(encoding="utf-8")), f"{page} has no example"


def test_output_blocks_are_found_and_compared():
    lines = [
        "```python", "print('a')", "```", "", "prints", "", "```text", "a", "```",
        "```python", "x = 1", "```", "Some prose.", "```text", "not an output", "```",
    ]  # fmt: skip
    page = "\n".join(lines)
    assert examples(page) == [(2, "print('a')\n", "a\n"), (11, "x = 1\n", None)]
    assert _same_output("line 1: ...\nend\n", "line 1: anything at all\nend\n")
    assert _same_output("a  \n", "a\n")
    assert not _same_output("3 problems\n", "4 problems\n")


def test_block_extraction_follows_the_convention():
    lines = [
        "Intro", "", "```python", "a = 1", "```", "",
        NOT_RUN, "```python", "raise SystemExit", "```",
        "```text", "not code", "```",
        "````python", "b = 2", "````",
    ]  # fmt: skip
    assert python_blocks("\n".join(lines)) == [(4, "a = 1\n"), (15, "b = 2\n")]


# ------------------------------------------------------------------------- reference


def _generate(out: Path) -> dict[str, str]:
    module = runpy.run_path(str(GENERATOR), run_name="gen_reference")
    assert module["main"](["--out", str(out)]) == 0
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("reference"))


def test_reference_pages_are_generated(generated):
    assert set(generated) == {"rules.md", "config.md", "errors.md", "api.md", "portfolio.md"}


def test_the_portfolio_reference_lists_every_class_and_field(generated):
    import attrs

    from collabrel._schema import model_classes

    page = generated["portfolio.md"]
    for cls in model_classes():
        assert f"## {cls.__name__}\n" in page
        section = page.split(f"## {cls.__name__}\n", 1)[1].split("\n## ", 1)[0]
        for field in attrs.fields(cls):
            if field.init and not field.name.startswith("_"):
                assert f"| `{field.name}` |" in section, (cls.__name__, field.name)
    assert "Unit: money" in page  # quantities say what they measure
    assert "Refers to a person id." in page
    assert '`"rel-rail-jv"`' in page  # examples come from the bundled example


def test_reference_lists_every_builtin_rule(generated):
    from collabrel.rules import default_ruleset

    rules = generated["rules.md"]
    missing = [s.id for s in default_ruleset() if f"| `{s.id}` |" not in rules]
    assert not missing, f"rules missing from rules.md: {missing}"
    for spec in default_ruleset():
        assert spec.title.split()[0] in rules


def test_reference_lists_every_config_key_with_a_description(generated):
    from collabrel import Config

    config = generated["config.md"]
    for key in Config().to_mapping():
        row = next((line for line in config.splitlines() if line.startswith(f"| `{key}` |")), "")
        assert row, f"config key {key} missing from config.md"
        assert not row.endswith("|  |"), f"config key {key} has no description"


def test_reference_lists_every_error_and_public_name(generated):
    import collabrel.errors
    import collabrel.rules

    errors = generated["errors.md"]
    for name in collabrel.errors.__all__:
        assert name in errors
    api = generated["api.md"]
    for module in (collabrel, collabrel.rules, collabrel.errors):
        for name in module.__all__:
            assert f"| `{name}` |" in api, f"{module.__name__}.{name} missing from api.md"


def test_reference_generation_is_deterministic(generated, tmp_path):
    assert _generate(tmp_path) == generated


def test_the_committed_reference_pages_are_up_to_date(generated):
    committed = {p.name: p.read_text(encoding="utf-8") for p in (DOCS / "reference").glob("*.md")}
    stale = sorted(name for name in generated.keys() | committed.keys()
                   if committed.get(name) != generated.get(name))  # fmt: skip
    assert not stale, (
        f"docs/reference/{', '.join(stale)} differ from what the code generates: run "
        "python docs/gen_reference.py (or make docs) and commit the pages"
    )


# ------------------------------------------------------------------------------ site


def test_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs, ignore=shutil.ignore_patterns("__pycache__", "reference"))
    _generate(docs / "reference")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    done = subprocess.run(  # noqa: S603 - our own interpreter and config
        # no --quiet: it hides the warnings that --strict counts, and the build then passes
        [sys.executable, "-m", "mkdocs", "build", "--strict",
         "-f", str(tmp_path / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "reference" / "rules" / "index.html").exists()
