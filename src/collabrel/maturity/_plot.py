"""A radar plot of maturity profiles (needs matplotlib, from the ``jupyter`` extra).

Theme names are wrapped on two lines around the circle, and the legend sits outside the
polar axes, to the right, so it never covers a label.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from collabrel.maturity._matrix import MaturityMatrix, default_matrix
from collabrel.maturity._profiles import Profile

__all__ = ["radar"]


def radar(*profiles: Profile, matrix: MaturityMatrix | None = None, ax: Any = None) -> Any:
    """Draw one or several profiles on a radar chart of the themes; return the matplotlib axes.

    Raises:
        ImportError: with the extra to install, when matplotlib is missing.
    """
    try:
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "radar plots need matplotlib: pip install 'collabrel[jupyter]'"
        raise ImportError(msg) from exc
    matrix = matrix or default_matrix()
    keys = matrix.theme_keys
    angles = [2 * math.pi * i / len(keys) for i in range(len(keys))]
    if ax is None:
        _, ax = plt.subplots(subplot_kw={"projection": "polar"}, figsize=(8.5, 6))
    for p in profiles:
        values = [p.level(k) or 0.0 for k in keys]
        ax.plot([*angles, angles[0]], [*values, values[0]], label=f"{p.source}: {p.subject}")
        ax.fill([*angles, angles[0]], [*values, values[0]], alpha=0.1)
    ax.set_xticks(angles)
    names = ["\n".join(textwrap.wrap(matrix.theme(k).name, 18)[:2]) for k in keys]
    ax.set_xticklabels(names, fontsize=7)
    ax.tick_params(axis="x", pad=10)
    ax.set_ylim(0, matrix.max_level)
    ax.set_yticks(range(1, matrix.max_level + 1))
    ax.legend(loc="upper left", bbox_to_anchor=(1.18, 1.0), fontsize=7, frameon=False)
    ax.figure.tight_layout()
    return ax
