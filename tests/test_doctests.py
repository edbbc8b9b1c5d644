"""Every example in a docstring of the library runs and prints what it shows.

The examples are documentation users copy; one that no longer matches the library misleads
them. (The distributed package's examples start a cluster and run in test_distributed.py.)
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import collabrel

_SKIPPED = ("collabrel.__main__", "collabrel.distributed")


def _modules() -> list[str]:
    names = [
        info.name
        for info in pkgutil.walk_packages(collabrel.__path__, "collabrel.")
        if not info.name.startswith(_SKIPPED)
    ]
    return sorted(["collabrel", *names])


def test_the_examples_are_found() -> None:
    found = sum(
        len(doctest.DocTestFinder().find(importlib.import_module(name))) for name in _modules()
    )
    assert found > 30  # the library has dozens of examples


@pytest.mark.parametrize("name", _modules())
def test_the_docstring_examples_run(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=False)
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (run it with -v)"
