"""pandas data frames of reports, views, checklists, maturity profiles and gate checks.

Every frame has proper dtypes: verdicts, levels, kinds and answers are categoricals (with
their categories in a meaningful order), stages and counts nullable integers, dates
``datetime64`` and shares floats (``NaN`` when nothing applies). pandas is imported only
here, on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collabrel.reports import ReportRow

__all__ = ["frame", "pandas", "rows_frame"]

VERDICTS = ("pass", "fail", "unknown", "error", "not_applicable")
"""The verdict categories, in the order counts are shown."""


def pandas(feature: str) -> Any:
    """Import pandas, or raise a clear error naming the extra to install."""
    from collabrel.reports import _optional

    return _optional("pandas", feature, "jupyter")


def frame(
    records: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    feature: str,
    categories: dict[str, Sequence[str] | None] | None = None,
    integers: Iterable[str] = (),
    dates: Iterable[str] = (),
    floats: Iterable[str] = (),
) -> Any:
    """A data frame of *records* with *columns* and the dtypes asked for.

    *categories* maps a column to its categories in order (``None``: in order of appearance).
    """
    pd = pandas(feature)
    df = pd.DataFrame.from_records(list(records), columns=list(columns))
    for name in integers:
        df[name] = df[name].astype("Int64")
    for name in floats:
        df[name] = df[name].astype("float64")
    for name in dates:
        df[name] = pd.to_datetime(df[name])
    for name, cats in (categories or {}).items():
        values = cats if cats is not None else list(dict.fromkeys(df[name].dropna()))
        df[name] = pd.Categorical(df[name], categories=list(values), ordered=cats is not None)
    return df


def rows_frame(rows: Iterable[ReportRow], *, as_of: date, version: str) -> Any:
    """The report rows as a frame with the columns of the CSV (see ``Report.to_frame``)."""
    from collabrel._render._tabular import COLUMNS, record

    records = (record(r, as_of, version) for r in rows)
    return frame(
        records,
        COLUMNS,
        feature="a report's to_frame()",
        categories={
            "verdict": VERDICTS,
            "level": ("ORG", "REL", "JNT"),
            "gap": ("nonconformity", "open gate item"),
            "severity": ("major", "minor", "advisory"),
            "mode": None,
            "clause": None,
        },
        integers=("stage", "subject_stage"),
        dates=("as_of", "due_on"),
    )
