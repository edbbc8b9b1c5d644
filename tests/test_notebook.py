"""The consulting notebook runs top to bottom in a real Jupyter kernel, and matches its builder."""

from __future__ import annotations

import runpy
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebooks" / "portfolio.ipynb"
BUILDER = ROOT / "docs" / "notebooks" / "build_portfolio_notebook.py"

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


def test_notebook_is_built_by_its_script():
    builder = runpy.run_path(str(BUILDER), run_name="build_portfolio_notebook")
    assert NOTEBOOK.read_text(encoding="utf-8") == builder["render"](), (
        "docs/notebooks/portfolio.ipynb differs from its builder; run "
        "python docs/notebooks/build_portfolio_notebook.py"
    )


def test_notebook_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {cell.id} has outputs"
            assert cell.execution_count is None


def test_notebook_runs_in_a_kernel(tmp_path, monkeypatch):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # a non-GUI backend in the kernel: the tests run headless
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # keeps the kernel's debugger from warning about frozen modules on standard error
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # the Dask section says 100,000 relationships; a few hundred show the same in CI time
    monkeypatch.setenv("COLLABREL_NOTEBOOK_RELATIONSHIPS", "300")
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start

    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, errors
    assert (tmp_path / "rail-jv-maturity.png").stat().st_size > 0
    assert (tmp_path / "northbridge-assessment.html").exists()
    assert (tmp_path / "group-verdicts.png").stat().st_size > 0
    assert elapsed < 120, f"the notebook took {elapsed:.0f} s"
