# ruff: noqa: INP001, T201 - a maintenance script, not a package module; it reports what it did
"""Write the bundled example portfolio as JSON, from its YAML.

The JSON copy is what ``collabrel demo`` loads when PyYAML is not installed (``pip install
collabrel`` alone).

Run it after changing ``src/collabrel/_data/example_portfolio.yaml``; the test suite checks
that the two load to equal portfolios.

Usage::

    python scripts/example_json.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import collabrel

TARGET = (
    Path(__file__).resolve().parents[1] / "src" / "collabrel" / "_data" / "example_portfolio.json"
)


def main() -> int:
    """Regenerate the JSON copy; return the exit status."""
    portfolio = collabrel.load(collabrel.example_path())
    text = collabrel.dumps(portfolio, "json")
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(text)} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
