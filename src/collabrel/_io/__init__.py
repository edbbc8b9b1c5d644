"""Loading and dumping portfolios as YAML, JSON, TOML or JSON Lines.

Loading reports every problem at once (up to :attr:`Limits.max_problems`), each with its
JSONPath-like location, its line for JSON Lines, and a hint, as one
:class:`~collabrel.errors.LoadError`; nothing is half-loaded. Hostile input (huge documents,
YAML alias and merge-key bombs, deep nesting, huge numbers) is refused while it is parsed, by
the guards of :class:`Limits`. Dumping writes one relationship at a time.

Modules: ``_parse`` (text to plain data), ``_yaml`` (the bounded YAML reader), ``_convert``
and ``_fast`` (plain data to objects and back), ``_references`` (reference checks),
``_records`` and ``_load`` (JSON Lines and loading), ``_dump`` (writing).
"""

from __future__ import annotations

from collabrel._io._convert import structure, unstructure
from collabrel._io._dump import dump, dump_shards, dumps
from collabrel._io._limits import DEFAULT_LIMITS, Limits
from collabrel._io._load import (
    Progress,
    iter_relationships,
    load,
    load_organization,
    load_shard,
    loads,
    loads_data,
    read_document,
    shard_paths,
)
from collabrel._io._parse import Format
from collabrel._io._records import JSONL_VERSION
from collabrel._io._references import reference_problems

__all__ = [
    "DEFAULT_LIMITS",
    "JSONL_VERSION",
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Format",
    "Limits",
    "Progress",
    "dump",
    "dump_shards",
    "dumps",
    "iter_relationships",
    "load",
    "load_organization",
    "load_shard",
    "loads",
    "loads_data",
    "read_document",
    "reference_problems",
    "shard_paths",
    "structure",
    "unstructure",
]

# The default limits as module constants, read at each call that is given no limits (so a
# test, or a program that means it, can lower them for every reader at once).
MAX_BYTES = DEFAULT_LIMITS.max_bytes
"""Largest document (or JSON Lines record) accepted by default (20 MiB)."""
MAX_DEPTH = DEFAULT_LIMITS.max_depth
"""Deepest nesting of mappings and lists accepted by default."""
MAX_ALIASES = DEFAULT_LIMITS.max_aliases
"""Most YAML aliases accepted by default in one document."""
MAX_NODES = DEFAULT_LIMITS.max_nodes
"""Most values accepted by default in one document or record."""
