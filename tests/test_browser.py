"""The HTML reports in a real headless Chromium: layout at 1280 px, no errors, printing.

One browser serves the module (see tests/browser.py); the module takes about 5 seconds.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import collabrel
from collabrel.reports import Report, report

AS_OF = date(2026, 11, 23)
WIDTH = 1280


def _browser_module() -> Any:
    module = sys.modules.get("browser")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "browser", Path(__file__).with_name("browser.py")
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["browser"] = module
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    b = _browser_module()
    if b.skip_browser():
        pytest.skip(f"browser tests skipped: {b.SKIP_ENV} is set")
    chromium = b.Browser()
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def rep() -> Report:
    return report(collabrel.example_portfolio(), as_of=AS_OF)


@pytest.fixture(scope="module")
def pages(rep: Report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("html")
    out = {"actions": d / "actions.html", "full": d / "full.html"}
    out["actions"].write_text(rep.actions().to_html(), encoding="utf-8")
    out["full"].write_text(rep.to_html(), encoding="utf-8")
    return out


OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
REMEDIES = """
[...document.querySelectorAll('td.remedy')].map(td => {
  td.scrollIntoView({block: 'center'});
  const r = td.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
          text: td.innerText, clipped: td.scrollWidth > td.clientWidth + 1};
})
"""


def test_the_action_view_shows_every_remedy_without_horizontal_scrolling(
    browser: Any, pages: dict[str, Path], rep: Report, tmp_path: Path
) -> None:
    page = browser.open(pages["actions"].as_uri(), width=WIDTH)
    try:
        assert page.evaluate("window.innerWidth") == WIDTH
        assert page.evaluate(OVERFLOW) <= 0, "the page scrolls sideways at 1280 px"
        remedies = page.evaluate(REMEDIES)
        assert len(remedies) == len(rep.failed()) == 28
        for cell in remedies:
            assert 0 <= cell["left"] < cell["right"] <= WIDTH, cell
            assert cell["width"] >= 150, cell  # a readable column, not a sliver
            assert not cell["clipped"], cell
            assert cell["text"].strip()
        # the screenshot: the last remedy, scrolled into view, is drawn inside the image
        last = remedies[-1]
        shot = page.screenshot(tmp_path / "actions.png")
        assert _ink(shot, last) > 0.005, "the remedy cell shows no text in the screenshot"
        assert _png_size(shot)[0] == WIDTH
        assert page.errors() == []
    finally:
        page.close()


def test_the_full_report_renders_without_errors_at_1280_px(
    browser: Any, pages: dict[str, Path], rep: Report
) -> None:
    page = browser.open(pages["full"].as_uri(), width=WIDTH)
    try:
        assert page.evaluate(OVERFLOW) <= 0
        sections = page.evaluate("[...document.querySelectorAll('h2[id]')].map(h => h.id)")
        assert sections == ["summary", "actions", "scope", "exclusions", "findings"]
        rows = page.evaluate("document.querySelectorAll('table.findings tbody tr').length")
        assert rows == len(rep)  # the full table is there
        widest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('table')]"
            ".map(t => t.getBoundingClientRect().right))"
        )
        assert widest <= WIDTH
        assert page.errors() == []
    finally:
        page.close()


def test_the_report_prints_on_landscape_pages(browser: Any, pages: dict[str, Path]) -> None:
    page = browser.open(pages["actions"].as_uri(), width=WIDTH)
    try:
        pdf = page.pdf()
    finally:
        page.close()
    assert pdf.startswith(b"%PDF")
    boxes = set(_media_boxes(pdf))
    assert boxes, "no page in the PDF"
    for width, height in boxes:
        assert width > height, "the pages are not landscape"
        assert abs(width - 842) < 2, width  # A4 in points
        assert abs(height - 595) < 2, height


# -------------------------------------------------------------------------- helpers


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _ink(path: Path, box: dict[str, float]) -> float:
    """The share of dark pixels inside *box* of the screenshot (text is dark on light)."""
    image_module = pytest.importorskip("PIL.Image")
    with image_module.open(path) as image:
        grey = image.convert("L")
        crop = grey.crop((int(box["left"]) + 2, int(box["top"]) + 2, int(box["right"]) - 2,
                          int(box["bottom"]) - 2))  # fmt: skip
        histogram = crop.histogram()  # 256 counts, by grey level
    return sum(histogram[:128]) / max(1, sum(histogram))


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    import re

    found = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in found]
