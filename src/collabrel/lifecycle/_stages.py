"""Kept for imports written before the stages moved to ``collabrel._stages``."""

from __future__ import annotations

from collabrel._stages import Phase, Stage, to_stage

__all__ = ["Phase", "Stage", "to_stage"]
