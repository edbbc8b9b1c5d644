"""Annex B: the elements a relationship management plan holds, by kind of plan (catalog §3).

The corporate RMP, the stage 1 relationship RMP and the joint RMP each hold a subset of the
elements B1-B22; some elements are internal and never go into a joint plan; an agreement may
cover a topic through the joint RMP section annexed to it (8.6.10).
"""

from __future__ import annotations

__all__ = [
    "AGREEMENT_SECTIONS",
    "ANNEX_B_CORPORATE",
    "ANNEX_B_INTERNAL_ONLY",
    "ANNEX_B_JOINT",
    "ANNEX_B_STAGE1",
]

ANNEX_B_CORPORATE = (
    "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B10", "B11", "B12", "B16", "B17", "B20",
    "B21",
)  # fmt: skip
"""The Annex B elements a corporate RMP is expected to hold (catalog §3, column C)."""

ANNEX_B_STAGE1 = ("B1", "B3", "B4", "B5", "B8", "B10", "B11", "B22")
"""The Annex B elements of a relationship RMP that stage 1 fills (catalog §3, column S)."""

ANNEX_B_JOINT = (
    "B1", "B2", "B3", "B4", "B5", "B6", "B10", "B11", "B12", "B15", "B16", "B17", "B18", "B19",
    "B20", "B21", "B22",
)  # fmt: skip
"""The Annex B elements a joint RMP is expected to hold in full (catalog §3, column J)."""

ANNEX_B_INTERNAL_ONLY = ("B13", "B14")
"""Annex B elements that must never be copied into a joint RMP (catalog §3, column J)."""

AGREEMENT_SECTIONS = {
    "governance": "B5", "objectives": "B3", "risk_allocation": "B10", "ip": "B12",
    "value_sharing": "B4", "issue_resolution": "B18", "exit": "B21",
}  # fmt: skip
"""The joint RMP section that covers each agreement topic when the plan is annexed (8.6.10)."""
