"""A radar plot of maturity profiles (needs matplotlib, from the ``jupyter`` extra)."""

from __future__ import annotations

import math
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
        _, ax = plt.subplots(subplot_kw={"projection": "polar"}, figsize=(6, 6))
    for p in profiles:
        values = [p.level(k) or 0.0 for k in keys]
        ax.plot([*angles, angles[0]], [*values, values[0]], label=f"{p.source}: {p.subject}")
        ax.fill([*angles, angles[0]], [*values, values[0]], alpha=0.1)
    ax.set_xticks(angles)
    ax.set_xticklabels([matrix.theme(k).name for k in keys], fontsize=7)
    ax.set_ylim(0, matrix.max_level)
    ax.legend(loc="lower right", fontsize=7)
    return ax
