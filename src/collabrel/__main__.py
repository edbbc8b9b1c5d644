"""``python -m collabrel``: the same as the ``collabrel`` command."""

from __future__ import annotations

import sys

from collabrel._cli import main

if __name__ == "__main__":
    sys.exit(main())
