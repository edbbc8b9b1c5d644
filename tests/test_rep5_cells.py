"""The CSV writer's fast paths equal the plain definitions they shortcut.

:func:`starts_plain` lets :func:`formula_like` skip its pattern for text that starts with a
letter or a digit, and :func:`csv_cells` takes such cells as they are: a spreadsheet must
still never receive a formula, so both must agree with the pattern on any text.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collabrel._mappings import clause_key
from collabrel._render._tabular import (
    _FORMULA,
    COLUMNS,
    csv_cells,
    formula_like,
    neutralise,
    starts_plain,
)


def _formula_by_pattern(text: str) -> bool:
    """The definition: a leading tab or carriage return, or the pattern at the start."""
    return text.startswith(("\t", "\r")) or _FORMULA.match(text) is not None


# text made of the characters that matter (blanks, invisible characters, formula signs) and
# of any other character
_TRICKY = st.sampled_from(
    [" ", "\t", "\r", "\n", "\x00", "\x1f", "\x7f", "\x85", "\x9f", "\xa0", "\u2003",
     "\u200b", "\u200f", "\u202e", "\u2060", "\u206f", "\ufeff", "\u3000", "=", "+", "-",
     "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "a", "Z", "7", "\u0661", "\u00e9", "'"]
)  # fmt: skip
_TEXT = st.one_of(st.text(), st.lists(_TRICKY | st.characters(), max_size=8).map("".join))


def test_no_letter_or_digit_can_start_a_formula() -> None:
    # every code point: a letter or digit is neither a blank/invisible prefix nor a sign
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if char.isalnum():
            assert not _formula_by_pattern(char + "=1"), hex(code)


@given(_TEXT)
def test_formula_like_equals_the_pattern(text: str) -> None:
    assert formula_like(text) == _formula_by_pattern(text)
    if starts_plain(text):
        assert not _formula_by_pattern(text)


def test_formula_like_is_false_for_what_is_not_text() -> None:
    assert not formula_like(None)
    assert not formula_like(-1)
    assert not formula_like(b"=1")


_VALUES = st.one_of(st.none(), st.integers(), _TEXT)


@given(st.lists(_VALUES, min_size=len(COLUMNS), max_size=len(COLUMNS)))
def test_csv_cells_equal_neutralising_every_cell(values: list[Any]) -> None:
    rec = dict(zip(COLUMNS, values, strict=True))
    assert csv_cells(rec) == ["" if rec[c] is None else neutralise(rec[c]) for c in COLUMNS]


@given(
    st.lists(
        st.one_of(st.integers(0, 20).map(str), st.text("abAZ-_ 0123456789²³¹", max_size=3)),
        max_size=5,
    )
)
def test_clause_key_orders_numbers_numerically(parts: list[str]) -> None:
    clause = ".".join(parts)
    numbers = {str(n): n for n in range(1000)}
    expected = tuple(numbers.get(p.lstrip("0") or "0", 0) if p.isascii() and p.isdigit() else 0
                     for p in clause.split("."))  # fmt: skip
    assert clause_key(clause) == expected
    assert clause_key(clause) == expected  # remembered, the same


@pytest.mark.parametrize(
    ("clause", "key"),
    [("8.10", (8, 10)), ("8.9", (8, 9)), ("B.2", (0, 2)), ("4.1²", (4, 0)), ("x²", (0,)),
     ("", (0,))],
)  # fmt: skip
def test_clause_key_of_written_clauses(clause: str, key: tuple[int, ...]) -> None:
    """A superscript digit is not a number (it used to raise ValueError in every report)."""
    assert clause_key(clause) == key


def _report_rows() -> st.SearchStrategy[list[Any]]:
    """Report rows that share their rules' and subjects' fields, with tricky text anywhere."""
    from collabrel import Stage
    from collabrel.reports import FailedCondition, ReportRow
    from collabrel.rules import Fact, GapKind, Verdict

    text = _TEXT
    maybe = st.none() | text
    stage = st.none() | st.sampled_from(list(Stage))
    fields = {
        "rule_id": text, "clause": text, "title": text, "level": text, "stage": stage,
        "mode": text, "severity": text, "remedy": text,
        "tags": st.lists(text, max_size=2).map(tuple),
        "subject_id": text, "subject_name": text, "subject_stage": stage,
    }  # fmt: skip
    of_rule = list(fields)[:9]

    @st.composite
    def variants(draw: st.DrawFn) -> list[dict[str, Any]]:
        """A rule and subject, and others that differ from them in one field each."""
        base = draw(st.fixed_dictionaries(fields))
        names = draw(st.lists(st.sampled_from(list(fields)), max_size=4))
        return [base, *({**base, name: draw(fields[name])} for name in names)]

    def split(both: list[dict[str, Any]]) -> Any:
        rules = [{k: v for k, v in d.items() if k in of_rule} for d in both]
        subjects = [{k: v for k, v in d.items() if k not in of_rule} for d in both]
        return rows(rules, subjects)

    def rows(rules: list[dict[str, Any]], subjects: list[dict[str, Any]]) -> Any:
        one = st.builds(
            lambda r, s, **kw: ReportRow(**r, **s, **kw),
            st.sampled_from(rules),
            st.sampled_from(subjects),
            verdict=st.sampled_from(list(Verdict)),
            message=text,
            evidence=st.lists(st.builds(Fact, path=text, value=text), max_size=2).map(tuple),
            explanation=st.lists(
                st.builds(
                    FailedCondition,
                    condition=text,
                    path=maybe,
                    actual=maybe,
                    expected=maybe,
                    hint=maybe,
                ),
                max_size=2,
            ).map(tuple),
            error=maybe,
            exclusion=maybe,
            gap=st.none() | st.sampled_from(list(GapKind)),
            owner=maybe,
            due_on=st.none() | st.dates(),
            tracked_by=maybe,
        )
        return st.lists(one, max_size=12)

    return variants().flatmap(split)


@given(rows=_report_rows(), version=_TEXT, as_of=st.dates())
def test_write_csv_writes_each_row_as_its_record_cells(
    rows: list[Any], version: str, as_of: Any
) -> None:
    """The CSV writer's per-rule and per-subject cells are the row's own cells, neutralised."""
    import csv
    import io
    from types import SimpleNamespace

    from collabrel._render._tabular import record, write_csv

    doc = SimpleNamespace(as_of=as_of, ruleset_version=version, rows=lambda: iter(rows))
    written = io.StringIO()
    write_csv(doc, written)  # type: ignore[arg-type]
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(csv_cells(record(row, as_of, version)))
    assert written.getvalue() == expected.getvalue()
