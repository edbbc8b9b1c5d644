"""Text to plain data: JSON, YAML and TOML, each bounded by the limits, each error with a path.

JSON goes through msgspec when it is installed (the ``fast`` extra) and through the standard
library otherwise; either way a document the fast parser refuses is parsed again slowly so that
the error names the exact value (a duplicate key, a 5,000-digit number, a lone surrogate).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from collabrel._io._limits import (
    Limits,
    check_tree,
    limits_error,
    marker,
    path_of,
)
from collabrel._io._yaml import MAX_DIGITS, parse_yaml
from collabrel.errors import ConfigError, LoadError, Problem

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "Format",
    "decode_json",
    "parse_text",
    "read_text",
    "sniff",
]

Format = Literal["yaml", "json", "toml", "jsonl"]
FORMATS = ("yaml", "json", "toml", "jsonl")
SUFFIXES: dict[str, Format] = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".jsonl": "jsonl",
}


def _fast_decoder() -> Callable[[str | bytes], Any] | None:
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec.json.Decoder().decode


_FAST = _fast_decoder()


# ----------------------------------------------------------------------------------- JSON


class _DuplicateKeyError(ValueError):
    """A JSON object names the same key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                msg = f"duplicate key {key!r}"
                raise _DuplicateKeyError(msg)
            seen.add(key)
    return out


def _int_or_marker(digits: str) -> Any:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        return marker(
            f"the number has {len(digits.lstrip('-')):,} digits, more than the "
            f"{MAX_DIGITS:,} a document may hold"
        )
    return int(digits)


def _json_slow(text: str, source: str, limits: Limits) -> Any:
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_int_or_marker)
    except _DuplicateKeyError as exc:
        raise limits_error(f"invalid JSON: {exc}", source, hint="write each key once") from None
    except json.JSONDecodeError as exc:
        raise limits_error(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source
        ) from None
    except RecursionError:
        raise limits_error(
            f"the document nests deeper than {limits.max_depth} levels", source
        ) from None
    check_tree(data, source, limits)
    return data


def _fast_encoder(*, stdlib: bool = False) -> Callable[[Any], bytes]:
    def encode(data: Any) -> bytes:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")

    if stdlib:
        return encode
    try:
        import msgspec
    except ImportError:
        return encode
    return msgspec.json.Encoder().encode


_ENCODE = _fast_encoder()
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _no_duplicate_keys(text: str, data: Any) -> bool:
    r"""Whether *data* kept every key of *text* (fast parsers keep the last of duplicates).

    Every key written in a JSON text is followed by one colon outside the texts, so the
    colons of *text* count the keys written plus the colons inside texts. Writing *data*
    again gives the same count for the keys kept. Unless an escape (``\\u003a``) hides a
    colon, the two counts are equal exactly when no key was written twice.

    Before counting, a shortcut: a text that *is* the writing of *data* (as every record
    :func:`collabrel.dump` writes is) names no key twice, since the encoder writes each key of
    a mapping once.
    """
    encoded = _ENCODE(data)
    end = len(text)
    while end and text[end - 1] in _TRAILING:
        end -= 1
    # (UTF-8 takes at least a byte a character: a shorter encoding cannot be equal)
    if len(encoded) >= end and encoded.decode("utf-8", "surrogatepass") == text[:end]:
        return True
    if "\\u003" in text:
        return False
    return text.count(":") == encoded.count(b":")


_TRAILING = frozenset(" \t\r\n")


def decode_json(text: str, source: str, limits: Limits) -> Any:
    """Parse JSON text (fast when msgspec is installed), refusing duplicate keys and guards.

    The fast path counts values only when the text could hold more than allowed; the depth
    is checked when the data is structured (a document that fits the domain model is never
    deeper than the model) or right away by the slow path.
    """
    try:
        data = _FAST(text) if _FAST is not None else json.loads(text)
    except Exception:  # noqa: BLE001 - any refusal is explained by the slow parser
        return _json_slow(text, source, limits)
    if type(data) is dict or type(data) is list:
        if len(text) > limits.max_nodes or not _no_duplicate_keys(text, data):
            return _json_slow(text, source, limits)
        if _FAST is None and _SURROGATE_ESCAPE.search(text):
            return _json_slow(text, source, limits)  # the standard parser lets them through
    return data


# ----------------------------------------------------------------------------------- TOML

_TOML_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\]\n]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$")
_TOML_KEY = re.compile(r"^[ \t]*([A-Za-z0-9_.\-\"' ]+?)[ \t]*=")
_LONG_NUMBER = re.compile(r"[+-]?\d[\d_]{%d,}" % MAX_DIGITS)  # noqa: UP031 - a regex quantifier


def _toml_path(text: str, offset: int) -> str:
    """The ``$`` path of the key whose value starts at *offset* in TOML *text* (best effort)."""
    before = text[:offset].split("\n")
    steps: list[str | int] = []
    counts: dict[str, int] = {}
    key: str | None = None
    for line in before:
        header = _TOML_HEADER.match(line)
        if header:
            names = [n.strip().strip("\"'") for n in header.group(2).split(".")]
            dotted = ".".join(names)
            if header.group(1) == "[[":
                counts[dotted] = counts.get(dotted, -1) + 1
                for other in list(counts):
                    if other.startswith(dotted + "."):
                        del counts[other]
            steps = []
            for i, name in enumerate(names):
                steps.append(name)
                prefix = ".".join(names[: i + 1])
                if prefix in counts:
                    steps.append(counts[prefix])
            key = None
            continue
        found = _TOML_KEY.match(line)
        if found:
            key = found.group(1)
    if key is not None:
        steps += [part.strip().strip("\"'") for part in key.split(".")]
    return path_of(tuple(steps))


def _parse_toml(text: str, source: str, limits: Limits) -> Any:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise limits_error(f"invalid TOML: {exc}", source) from None
    except RecursionError:
        raise limits_error(
            f"the document nests deeper than {limits.max_depth} levels", source
        ) from None
    except ValueError as exc:
        # an integer past Python's conversion limit: find it to say where it is
        long = _LONG_NUMBER.search(text)
        if long is None:  # pragma: no cover - tomllib raises ValueError only for numbers
            raise limits_error(f"invalid TOML: {exc}", source) from None
        line = text.count("\n", 0, long.start()) + 1
        digits = len(long.group().lstrip("+-").replace("_", ""))
        raise LoadError(
            [
                Problem(
                    path=_toml_path(text, long.start()),
                    message=f"the number on line {line} has {digits:,} digits, more than "
                    f"the {MAX_DIGITS:,} a document may hold",
                )
            ],
            source=source,
        ) from None
    check_tree(data, source, limits)
    return data


# ------------------------------------------------------------------------------- sniffing

_FIRST = re.compile(r"\S")
_TOML_TABLE = re.compile(r"\[\[?[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*\]\]?")
_TOML_ASSIGN = re.compile(r"[A-Za-z0-9_\-]+[ \t]*=[ \t]*\S")


def sniff(text: str) -> Format:
    """Guess the format of *text* from its first non-blank line (linear in the text)."""
    start = _FIRST.search(text)
    if start is None:
        return "yaml"
    end = text.find("\n", start.start())
    first = text[start.start() : end if end != -1 else len(text)].strip()
    if _TOML_TABLE.fullmatch(first) or _TOML_ASSIGN.match(first):
        return "toml"
    if first.startswith("{") and re.match(r'\{\s*"collabrel"\s*:', first) and end != -1:
        return "jsonl"
    if first.startswith(("{", "[")):
        return "json"
    return "yaml"


# -------------------------------------------------------------------------------- reading


def check_size(text: str, source: str, limits: Limits) -> None:
    """Refuse text larger than ``limits.max_bytes`` or holding a lone surrogate."""
    if len(text) > limits.max_bytes:  # each character is at least one byte
        _too_large(source, limits)
    try:
        size = len(text.encode("utf-8")) if not text.isascii() else len(text)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        raise limits_error(
            f"the text holds a lone surrogate (U+{ord(text[exc.start]):04X}) on line {line}, "
            "which no UTF-8 document can hold",
            source,
            hint="remove it or write the full character",
        ) from None
    if size > limits.max_bytes:
        _too_large(source, limits)


def _too_large(source: str, limits: Limits) -> None:
    raise limits_error(
        f"the document is larger than {limits.max_bytes} bytes",
        source,
        hint="split the portfolio (JSON Lines reads one relationship at a time), "
        "or raise Limits.max_bytes",
    )


def parse_text(text: str, fmt: Format, source: str, limits: Limits) -> Any:
    """Parse one document of *fmt* into plain data, refused whole when it breaks a limit."""
    check_size(text, source, limits)
    if fmt == "json":
        data = decode_json(text, source, limits)
        check_tree(data, source, limits, strings=False)  # depth and size; texts were checked
        return data
    if fmt == "toml":
        return _parse_toml(text, source, limits)
    if fmt == "yaml":
        return parse_yaml(text, source, limits)
    raise ConfigError(f"unknown format {fmt!r}; use 'yaml', 'json', 'toml' or 'jsonl'")


def read_text(path: Path, limits: Limits) -> str:
    """Read a UTF-8 file no larger than ``limits.max_bytes``, or raise :class:`LoadError`."""
    name = str(path)
    if not path.is_file():
        raise limits_error(f"no such file: {path}", name, hint="check the path")
    if path.stat().st_size > limits.max_bytes:
        raise limits_error(
            f"the file is larger than {limits.max_bytes} bytes",
            name,
            hint="split the portfolio (JSON Lines reads one relationship at a time), "
            "or raise Limits.max_bytes",
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise limits_error(f"the file is not UTF-8 text ({exc})", name) from None
