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
