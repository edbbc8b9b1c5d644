"""Writing portfolios as they are read: one relationship at a time, in every format.

A portfolio is written record by record (the organization, then each relationship), so the
memory a dump needs does not grow with the number of relationships. A file is written to a
temporary name beside it and renamed at the end: a dump that fails leaves nothing behind.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from collabrel._atomic import replacing
from collabrel._io._convert import unstructure
from collabrel._io._load import ORGANIZATION_FILES, Progress, log
from collabrel._io._parse import SUFFIXES, Format
from collabrel._io._records import HEADER_KEY, JSONL_VERSION, PORTFOLIO, RELATIONSHIPS
from collabrel._model import Portfolio
from collabrel.errors import ConfigError, DumpError

__all__ = ["dump", "dump_shards", "dumps"]

_Chunks = Iterator[str]


def _fast_encoder() -> Callable[[Any], bytes] | None:
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec.json.Encoder().encode


_ENCODE = _fast_encoder()


# ----------------------------------------------------------------------------------- JSON


def _compact(data: Any) -> str:
    if _ENCODE is not None:
        try:
            return _ENCODE(data).decode("utf-8")
        except (TypeError, ValueError, OverflowError, UnicodeError):
            pass  # the standard library says precisely what is wrong
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _pretty(data: Any, indent: int) -> str:
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2)
    return text.replace("\n", "\n" + " " * indent)


def _json(portfolio: Portfolio, progress: Progress | None) -> _Chunks:
    yield '{\n  "organization": ' + _pretty(unstructure(portfolio.organization), 2)
    rels = portfolio.relationships
    if not rels:
        yield "\n}\n"
        return
    yield ',\n  "relationships": [\n'
    for i, rel in enumerate(rels):
        yield ("    " if i == 0 else ",\n    ") + _pretty(unstructure(rel), 4)
        _tick(progress, i, len(rels))
    yield "\n  ]\n}\n"


def _jsonl(portfolio: Portfolio, progress: Progress | None) -> _Chunks:
    yield _compact({HEADER_KEY: PORTFOLIO, "version": JSONL_VERSION}) + "\n"
    yield _compact(unstructure(portfolio.organization)) + "\n"
    rels = portfolio.relationships
    for i, rel in enumerate(rels):
        yield _compact(unstructure(rel)) + "\n"
        _tick(progress, i, len(rels))


def _tick(progress: Progress | None, index: int, total: int) -> None:
    if progress is not None:
        progress(index + 1, total)


# ----------------------------------------------------------------------------------- YAML

# characters a YAML reader would fold, drop or refuse unless they are written as escapes
_ESCAPE_IN_YAML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def _yaml_dumper() -> Any:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        msg = "writing YAML needs PyYAML: pip install 'collabrel[yaml]'"
        raise ConfigError(msg) from exc
    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):  # type: ignore[misc, valid-type]
        pass

    def text(dumper: Any, value: str) -> Any:
        style = '"' if _ESCAPE_IN_YAML.search(value) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, text)
    return yaml, _Dumper


def _yaml_text(data: Any) -> str:
    yaml, dumper = _yaml_dumper()
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100))


def _yaml(portfolio: Portfolio, progress: Progress | None) -> _Chunks:
    yield _yaml_text({"organization": unstructure(portfolio.organization)})
    rels = portfolio.relationships
    if rels:
        yield "relationships:\n"
    for i, rel in enumerate(rels):
        yield _yaml_text([unstructure(rel)])
        _tick(progress, i, len(rels))


# ----------------------------------------------------------------------------------- TOML

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_str(text: str) -> str:
    # JSON escapes the C0 controls, quotes and backslashes as TOML does; TOML also needs DEL
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_str(key)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = f"cannot write the number {value!r}: documents hold finite numbers only"
            raise DumpError(msg)
        return repr(value)
    if isinstance(value, str):
        return _toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + "}"
    msg = f"cannot write {value!r} as TOML"
    raise DumpError(msg)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table(node: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    for k, v in node.items():
        if not isinstance(v, Mapping) and not _is_table_array(v):
            lines.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in node.items():
        name = f"{prefix}{_key(k)}"
        if isinstance(v, Mapping):
            lines.extend(["", f"[{name}]"])
            _table(v, f"{name}.", lines)
        elif _is_table_array(v):
            for item in v:
                lines.extend(["", f"[[{name}]]"])
                _table(item, f"{name}.", lines)


def _toml_text(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml(portfolio: Portfolio, progress: Progress | None) -> _Chunks:
    yield _toml_text({"organization": unstructure(portfolio.organization)})
    rels = portfolio.relationships
    for i, rel in enumerate(rels):
        lines = ["", "[[relationships]]"]
        _table(unstructure(rel), "relationships.", lines)
        yield "\n".join(lines) + "\n"
        _tick(progress, i, len(rels))


_WRITERS: dict[str, Callable[[Portfolio, Progress | None], _Chunks]] = {
    "json": _json,
    "jsonl": _jsonl,
    "yaml": _yaml,
    "toml": _toml,
}


def _whole(obj: Any, fmt: str) -> str:
    """Any domain object (not a portfolio) as one document."""
    data = unstructure(obj)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "jsonl":
        return _compact(data) + "\n"
    if fmt == "toml":
        if not isinstance(data, Mapping):
            msg = f"TOML holds a table at the top; cannot write {type(obj).__name__} as TOML"
            raise DumpError(msg)
        return _toml_text(data)
    return _yaml_text(data)


def _chunks(obj: Any, fmt: str, progress: Progress | None) -> _Chunks:
    if fmt not in _WRITERS:
        raise ConfigError(f"unknown format {fmt!r}; use 'yaml', 'json', 'toml' or 'jsonl'")
    if isinstance(obj, Portfolio):
        return _checked(_WRITERS[fmt](obj, progress), obj)
    return _checked(iter([_whole(obj, fmt)]), obj)


def _checked(chunks: _Chunks, obj: Any) -> _Chunks:
    """Pass the chunks on, turning a value no document can hold into :class:`DumpError`."""
    try:
        for chunk in chunks:
            try:
                chunk.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = chunk[exc.start]
                msg = (
                    f"cannot write a text holding the lone surrogate U+{ord(bad):04X} "
                    f"(near {chunk[max(exc.start - 40, 0) : exc.start]!r}); no UTF-8 document "
                    "can hold it"
                )
                raise DumpError(msg) from None
            yield chunk
    except DumpError:
        raise
    except ValueError as exc:  # json: a number that is not finite, or too many digits
        msg = f"cannot write {type(obj).__name__}: {exc}"
        raise DumpError(msg) from None


# ---------------------------------------------------------------------------------- API


def dumps(
    obj: Any,
    format: Format = "yaml",  # noqa: A002 - the natural name
    *,
    progress: Progress | None = None,
) -> str:
    """Return *obj* (a portfolio or any domain object) as YAML, JSON, TOML or JSON Lines text.

    Loading the text again gives an equal object.

    Raises:
        DumpError: when *obj* holds a value no document could load back (a lone surrogate,
            a number that is not finite, an integer of more than 4,300 digits).
    """
    return "".join(_chunks(obj, format, progress))


def dump(
    obj: Any,
    target: str | Path | IO[str],
    *,
    format: Format | None = None,  # noqa: A002 - the natural name
    progress: Progress | None = None,
) -> None:
    """Write *obj* to a file (in the format its suffix names unless *format* is given) or a stream.

    A portfolio is written one relationship at a time, so memory does not grow with their
    number. A file is written under a temporary name and renamed when complete: if the dump
    fails, the file is left as it was.

    Args:
        obj: a portfolio or any domain object.
        target: a path (``.yaml``, ``.yml``, ``.json``, ``.toml`` or ``.jsonl``) or an open
            text stream (then *format* is required).
        format: the format, instead of the suffix's.
        progress: called as ``progress(done, total)`` after each relationship.

    Raises:
        ConfigError: when the format is unknown or cannot be told.
        DumpError: when *obj* holds a value no document could load back.
    """
    if hasattr(target, "write"):
        if format is None:
            msg = "dump to a stream needs format='yaml', 'json', 'toml' or 'jsonl'"
            raise ConfigError(msg)
        stream: IO[str] = target  # type: ignore[assignment]
        for chunk in _chunks(obj, format, progress):
            stream.write(chunk)
        return
    path = Path(target)
    fmt = format or SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        msg = f"cannot tell the format of {path}; name it .yaml, .json, .toml or .jsonl"
        raise ConfigError(msg)
    _atomic(path, _chunks(obj, fmt, progress))
    log.info("wrote %s", path)


def _atomic(path: Path, chunks: _Chunks) -> None:
    with (
        replacing(path, suffix=".tmp") as part,
        open(  # noqa: PTH123
            part, "w", encoding="utf-8", newline="\n"
        ) as out,
    ):
        buffer = io.StringIO()
        for chunk in chunks:
            buffer.write(chunk)
            if buffer.tell() > 1 << 20:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())


def dump_shards(
    portfolio: Portfolio,
    directory: str | Path,
    *,
    shard_size: int = 10_000,
    progress: Progress | None = None,
) -> tuple[Path, ...]:
    """Write *portfolio* as a folder of shards: ``organization.json`` and JSON Lines shards.

    Each shard (``relationships-00000.jsonl``, ``relationships-00001.jsonl``, ...) starts
    with the header ``{"collabrel": "relationships", "version": 1}`` and holds up to
    *shard_size* relationships, one per line. :func:`load` reads the folder back whole;
    :func:`load_shard` reads one shard (one worker's share of the portfolio).

    The folder is written under a temporary name and renamed when complete; it must not
    exist yet, or be empty.

    Returns:
        The paths of the shards, in order.

    Raises:
        ConfigError: when *shard_size* is not positive or *directory* is not empty.
        DumpError: when the portfolio holds a value no document could load back.
    """
    if isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1:
        raise ConfigError(f"shard_size must be a positive whole number, got {shard_size!r}")
    folder = Path(directory)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"{folder} exists and is not an empty folder; choose a new folder")
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        _atomic(work / ORGANIZATION_FILES[0], _chunks(portfolio.organization, "json", None))
        rels = portfolio.relationships
        names = []
        header = _compact({HEADER_KEY: RELATIONSHIPS, "version": JSONL_VERSION}) + "\n"
        for number, start in enumerate(range(0, len(rels), shard_size)):
            name = f"relationships-{number:05d}.jsonl"
            part = rels[start : start + shard_size]

            def lines(part: tuple[Any, ...] = part, start: int = start) -> _Chunks:
                yield header
                for i, rel in enumerate(part):
                    yield _compact(unstructure(rel)) + "\n"
                    _tick(progress, start + i, len(rels))

            _atomic(work / name, _checked(lines(), portfolio))
            names.append(name)
        if folder.exists():
            folder.rmdir()
        work.rename(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("wrote %d relationships in %d shards to %s", len(rels), len(names), folder)
    return tuple(folder / name for name in names)
