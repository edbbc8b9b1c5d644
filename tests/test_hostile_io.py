"""Hostile documents for the loader: each runs in a fresh interpreter (10 s, 2 GiB).

Every case must end in a collabrel error that names the problem and where it is: never a
crash, a hang, a memory blow-up or a raw exception. The small cases are files under
``tests/data/hostile/io/``; the large ones (megabytes of text) are built by the snippet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "data" / "hostile" / "io"

_LOAD_FILE = """
import json, sys, time
import collabrel
from collabrel.errors import CollabrelError
started = time.perf_counter()
try:
    if sys.argv[2] == "rules":
        from collabrel.rules import load_rules
        load_rules(sys.argv[1])
    else:
        collabrel.load(sys.argv[1])
    outcome = {"kind": "loaded"}
except CollabrelError as exc:
    problems = [[p.path, p.message, p.line] for p in getattr(exc, "problems", ())]
    outcome = {"kind": "error", "type": type(exc).__name__, "problems": problems}
outcome["seconds"] = time.perf_counter() - started
print(json.dumps(outcome))
"""

# file: (what load or load_rules must say, the path of the problem)
CASES = {
    "deep_flow.yaml": ("nests deeper than 64 levels", "$.organization[0]"),
    "deep_block.yaml": ("nests deeper than 64 levels", "$[0][0]"),
    "deep_array.json": ("nests deeper than 64 levels", "$"),
    "deep_array.toml": ("nests deeper than 64 levels", "$"),
    "deep_rules.yaml": ("nests deeper than 64 levels", "$.rules[0]"),
    "huge_int.json": ("5,000 digits", "$.organization.corporate_rmp.version"),
    "huge_int.jsonl": ("5,000 digits", "$.organization.corporate_rmp.version"),
    "huge_int.toml": ("5,000 digits", "$.organization.corporate_rmp.version"),
    "huge_int.yaml": ("5,000 digits", "$.organization.corporate_rmp.version"),
    "huge_int_rules.json": ("5,000 digits", "$.rules[0].condition.count_at_least.n"),
    "merge_bomb.yaml": ("more than 2000000 values", "$.a"),
    "text_for_a_list.yaml": (
        "expected a list, got the text 'Context analysis'",
        "$.organization.context.internal_issues",
    ),
    "text_for_person_list.yaml": (
        "expected a list, got the text 'p-ceo'",
        "$.organization.top_management",
    ),
    "lone_surrogate.json": ("lone surrogate", "$.organization.name"),
    "nan_quantity.json": ("finite number", "$.relationships[0].resource_plan.budget"),
    "duplicate_record_key.jsonl": ("duplicate key 'name'", "$.organization"),
}


def test_every_corpus_file_has_a_case():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(CASES)


def _check(result, message: str, path: str) -> None:
    assert not result.timed_out, "a hang"
    assert not result.crashed, f"a crash: {result.returncode}\n{result.stderr[-2000:]}"
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = result.result
    assert outcome["kind"] == "error", outcome
    assert outcome["type"] in {"LoadError", "RuleFileError"}
    problems = outcome["problems"]
    assert any(message in m and p.startswith(path) for p, m, _ in problems), problems


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_file_is_refused_with_a_collabrel_error(isolated, name):
    kind = "rules" if "rules" in name else "portfolio"
    result = isolated(_LOAD_FILE, args=(str(CORPUS / name), kind))
    _check(result, *CASES[name])


_LOAD_TEXT = """
import json, time
import collabrel
from collabrel.errors import CollabrelError
started = time.perf_counter()
text = {build}
try:
    collabrel.loads(text)
    outcome = {{"kind": "loaded"}}
except CollabrelError as exc:
    problems = [[p.path, p.message, p.line] for p in getattr(exc, "problems", ())]
    outcome = {{"kind": "error", "type": type(exc).__name__, "problems": problems}}
outcome["seconds"] = time.perf_counter() - started
print(json.dumps(outcome))
"""

_ORG = '"organization: {id: org, name: O}\\n"'

GENERATED = {
    # 19 MB of small YAML items: refused by the node limit while parsing
    "nineteen_megabytes_of_items": (
        f'{_ORG} + "relationships:\\n" + "- 1\\n" * 4_800_000',
        "more than 2000000 values",
        "$",
    ),
    # a 300,000-character text where a list of records is expected: one problem
    "long_text_for_a_list": (
        f'{_ORG} + "relationships: " + "x" * 300_000 + "\\n"',
        "expected a list",
        "$.relationships",
    ),
    # 300,000 numbers where records are expected: the problems are capped
    "many_bad_items": (
        'json.dumps({"organization": {"id": "org", "name": "O", "people": list(range(300_000))}})',
        "checking stopped after 99 invalid items",
        "$.organization.people",
    ),
    # 64,000 blank lines before the document: sniffing stays linear
    "blank_lines": ('"\\n" * 64_000 + "organization: {id: org}\\n"', "required field", "$"),
    # a YAML alias bomb written with merge keys, nested 22 levels
    "merge_key_levels": (
        (
            '"a0: &a0 {k: v}\\n" + "".join(f"a{i}: &a{i} {{<<: [*a{i-1}, *a{i-1}], k{i}: v}}\\n" '
            'for i in range(1, 23)) + "organization: {<<: *a22, id: org, name: O}\\n"'
        ),
        "more than 2000000 values",
        "$",
    ),
    # deep flow nesting in JSON text, past the parser's own limits
    "deep_json_text": (
        '\'{"organization": \' + "[" * 200_000 + "]" * 200_000 + "}"',
        "nests deeper than 64 levels",
        "$",
    ),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_a_large_hostile_text_is_refused_in_bounded_time_and_memory(isolated, name):
    build, message, path = GENERATED[name]
    result = isolated(_LOAD_TEXT.format(build=build))
    _check(result, message, path)
    if name == "many_bad_items":
        assert len(result.result["problems"]) == 100


def test_the_corpus_runs_the_same_in_process():
    # a quick in-process pass over the small files, so a failure shows a traceback
    import collabrel
    from collabrel.errors import LoadError
    from collabrel.rules import load_rules

    for name, (message, _) in CASES.items():
        if name.startswith("deep"):
            continue  # deep files run only isolated
        reader = load_rules if "rules" in name else collabrel.load
        with pytest.raises(LoadError) as info:
            reader(CORPUS / name)
        assert any(message in p.message for p in info.value.problems), (name, info.value)
