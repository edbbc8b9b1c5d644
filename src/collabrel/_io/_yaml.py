"""YAML to plain data from libyaml's event stream, bounded while it parses.

PyYAML's composer and constructor recurse once per nesting level (libyaml's composer in C, so
deep flow collections crash the process) and expand aliases and merge keys before anything
can count them. This builder reads the parser's events instead and keeps its own stack: depth,
values, aliases and merges are counted as they arrive, an alias counts as every value it stands
for, and the document is refused at the first event past a limit. Scalars are resolved as
YAML 1.1 does (PyYAML's safe schema), except that dates stay text (the date hook reports a bad
date with its path) and only the standard tags are accepted.
"""

from __future__ import annotations

import math
import re
from typing import Any

from collabrel._io._limits import Limits, limits_error, path_of, shown
from collabrel.errors import LoadError, Problem

__all__ = ["MAX_DIGITS", "parse_yaml"]

MAX_DIGITS = 4300
"""Most digits of an integer in any document (Python's default conversion limit)."""

_TAG = "tag:yaml.org,2002:"
_BOOL = {
    "yes": True, "no": False, "true": True, "false": False, "on": True, "off": False,
}  # fmt: skip
# YAML 1.1 plain scalars, as PyYAML's safe resolver reads them (timestamps excepted)
_IMPLICIT: list[tuple[str, re.Pattern[str], str]] = [
    (
        "bool",
        re.compile(
            r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
        ),
        "yYnNtTfFoO",
    ),
    (
        "float",
        re.compile(
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
            r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
            r"|[-+]?\.(?:inf|Inf|INF)"
            r"|\.(?:nan|NaN|NAN))$"
        ),
        "-+0123456789.",
    ),
    (
        "int",
        re.compile(
            r"^(?:[-+]?0b[0-1_]+"
            r"|[-+]?0[0-7_]+"
            r"|[-+]?(?:0|[1-9][0-9_]*)"
            r"|[-+]?0x[0-9a-fA-F_]+"
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
        ),
        "-+0123456789",
    ),
    ("merge", re.compile(r"^(?:<<)$"), "<"),
    ("null", re.compile(r"^(?:~|null|Null|NULL|)$"), "~nN"),
]
_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _kind, _rx, _firsts in _IMPLICIT:
    for _ch in _firsts:
        _BY_FIRST.setdefault(_ch, []).append((_kind, _rx))

_MERGE = object()
_NO_KEY = object()


class _Refused(Exception):  # noqa: N818 - private, carries one problem
    def __init__(self, message: str, mark: Any = None, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


def _resolve(value: str) -> str:
    """The implicit type of a plain scalar: bool, float, int, merge, null or str."""
    candidates = _BY_FIRST.get(value[:1], ()) if value else (("null", _IMPLICIT[-1][1]),)
    for kind, rx in candidates:
        if rx.match(value):
            return kind
    return "str"


def _sexagesimal(text: str) -> float:
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits.lstrip("+-")
    if len(digits) > MAX_DIGITS:
        msg = (
            f"the number has {len(digits):,} digits, more than the {MAX_DIGITS:,} a document "
            "may hold"
        )
        raise _Refused(msg)
    if ":" in digits:
        return sign * int(_sexagesimal(digits))
    if digits.startswith(("0b", "0x", "0o")):
        return sign * int(digits, 0)
    if len(digits) > 1 and digits[0] == "0":
        return sign * int(digits, 8)
    return sign * int(digits)


def _float(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1.0 if value[:1] == "-" else 1.0
    value = value.lstrip("+-")
    if value == ".inf":
        return sign * math.inf
    if value == ".nan":
        return math.nan
    if ":" in value:
        return sign * _sexagesimal(value)
    return sign * float(value)


def _construct(kind: str, value: str) -> Any:
    try:
        if kind == "str":
            return value
        if kind == "null":
            return None
        if kind == "bool":
            return _BOOL[value.lower()]
        if kind == "int":
            return _int(value)
        if kind == "float":
            return _float(value)
    except (ValueError, KeyError) as exc:
        msg = f"{shown(value)} is not a valid {kind}"
        raise _Refused(msg) from exc
    msg = f"unsupported tag !!{kind}"
    raise _Refused(msg)


def _scalar(event: Any) -> Any:
    tag = event.tag
    if tag is None or tag == "!":
        if tag is None and event.implicit[0]:
            value = event.value
            first = value[:1]
            if first not in _BY_FIRST and value:
                return value  # most plain scalars are text: no pattern can match them
            if value.isdigit() and (first != "0" or len(value) == 1) and len(value) < 19:  # noqa: PLR2004
                return int(value)
            kind = _resolve(value)
            return _MERGE if kind == "merge" else _construct(kind, event.value)
        return event.value
    if tag.startswith(_TAG) and tag[len(_TAG) :] in {"str", "int", "float", "bool", "null"}:
        return _construct(tag[len(_TAG) :], event.value)
    msg = f"unsupported tag {tag!r}: only plain values, lists and mappings are read"
    raise _Refused(msg, event.start_mark)


class _Frame:
    __slots__ = ("anchor", "explicit", "is_map", "key", "mark", "merges", "start", "value")

    def __init__(self, value: Any, anchor: str | None, start: int, mark: Any) -> None:
        self.value = value
        self.is_map = type(value) is dict
        self.anchor = anchor
        self.start = start
        self.mark = mark
        self.key: Any = _NO_KEY
        self.merges: list[dict[str, Any]] | None = None


class _Builder:
    """Turns parser events into plain data, counting as it goes."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.count = 0
        self.aliases = 0
        self.documents = 0
        self.result: Any = None
        self.event: Any = None

    def document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            msg = "the text holds more than one YAML document (a second '---')"
            raise _Refused(msg, event.start_mark, hint="keep one document per file")

    def problem(self, exc: _Refused) -> Problem:
        """The problem of a refusal, with the path and place where it happened."""
        mark = exc.mark or getattr(self.event, "start_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        message = exc.message
        if message.startswith("unsupported tag") and mark is not None:
            message, at = f"invalid YAML at line {mark.line + 1}: {message}", ""
        return Problem(path=self.where(), message=f"{message}{at}", hint=exc.hint)

    def where(self) -> str:
        steps: list[str | int] = []
        for frame in self.stack:
            if frame.is_map:
                if frame.key is not _NO_KEY and isinstance(frame.key, str):
                    steps.append(frame.key)
            else:
                steps.append(len(frame.value))
        return path_of(tuple(steps))

    def grow(self, size: int) -> None:
        self.count += size
        if self.count > self.limits.max_nodes:
            raise _Refused(
                f"the document has more than {self.limits.max_nodes} values",
                hint="split it or remove repeated content, or raise Limits.max_nodes",
            )

    def add(self, value: Any, size: int, mark: Any) -> None:
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        if not frame.is_map:
            frame.value.append(value)
            return
        if frame.key is _NO_KEY:
            if value is _MERGE:
                frame.key = _MERGE
                return
            if type(value) is not str:
                msg = f"mapping key {shown(value)} is not text"
                raise _Refused(msg, mark, hint="quote the key")
            if value in frame.value:
                msg = f"duplicate key {value!r}"
                raise _Refused(msg, mark, hint="write each key once")
            frame.key = value
            return
        key, frame.key = frame.key, _NO_KEY
        if key is _MERGE:
            self.merge(frame, value, mark)
        else:
            frame.value[key] = value
        del size

    def merge(self, frame: _Frame, value: Any, mark: Any) -> None:
        merged = value if type(value) is list else [value]
        for item in merged:
            if type(item) is not dict:
                msg = "a merge key (<<) takes a mapping or a list of mappings"
                raise _Refused(msg, mark)
        if frame.merges is None:
            frame.merges = []
        frame.merges.extend(merged)

    def start(self, event: Any, value: Any) -> None:
        if len(self.stack) >= self.limits.max_depth:
            raise _Refused(
                f"the document nests deeper than {self.limits.max_depth} levels",
                event.start_mark,
                hint="flatten it, or raise Limits.max_depth",
            )
        tag = event.tag
        expected = _TAG + ("map" if type(value) is dict else "seq")
        if tag is not None and tag not in {"!", expected}:
            msg = f"unsupported tag {tag!r}: only plain values, lists and mappings are read"
            raise _Refused(msg, event.start_mark)
        self.grow(1)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(value, event.anchor, self.count, event.start_mark))

    def end(self) -> None:
        frame = self.stack.pop()
        value = frame.value
        if frame.is_map:
            if frame.key is not _NO_KEY:  # pragma: no cover - the parser pairs keys and values
                msg = "a mapping key has no value"
                raise _Refused(msg, frame.mark)
            if frame.merges:
                combined: dict[str, Any] = {}
                for merged in frame.merges:
                    self.grow(len(merged))
                    for k, v in merged.items():
                        combined.setdefault(k, v)
                combined.update(value)
                value = combined
        size = self.count - frame.start + 1
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, size)
        self.add(value, size, frame.mark)

    def alias(self, event: Any) -> None:
        name = event.anchor
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            msg = f"more than {self.limits.max_aliases} aliases (an alias bomb?)"
            raise _Refused(
                msg, event.start_mark, hint="write the values out, or raise Limits.max_aliases"
            )
        if name in self.open_anchors:
            raise _Refused(
                f"the document nests deeper than {self.limits.max_depth} levels "
                f"(the alias *{name} refers to a collection that contains it)",
                event.start_mark,
            )
        if name not in self.anchors:
            msg = f"the alias *{name} refers to no anchor &{name} before it"
            raise _Refused(msg, event.start_mark)
        value, size = self.anchors[name]
        self.grow(size)
        self.add(value, size, event.start_mark)


def _parser(text: str) -> tuple[Any, Any]:
    import yaml

    try:
        from yaml.cyaml import CParser  # type: ignore[attr-defined] # not in the stubs
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return yaml, yaml.SafeLoader(text)
    return yaml, CParser(text)


def _count_events(text: str, source: str, limits: Limits) -> None:
    """Refuse a large text whose events alone show too many values, without building any.

    Every value is one event (a collection two), so more than twice the node limit of events
    means more values than the limit. libyaml counts them in C, several times faster than
    the events can be read in Python.
    """
    try:
        from yaml.cyaml import CParser  # type: ignore[attr-defined] # not in the stubs
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return
    import yaml

    try:
        events = CParser(text).raw_parse()
    except yaml.YAMLError:
        return  # the real parse reports the error with its place
    if events > 2 * limits.max_nodes + 8:
        raise limits_error(
            f"the document has more than {limits.max_nodes} values",
            source,
            hint="split it or remove repeated content, or raise Limits.max_nodes",
        )


def _feed(parser: Any, builder: _Builder, events: Any) -> None:
    """Read every event of *parser* into *builder* (the loop every YAML load runs)."""
    scalar, alias = events.ScalarEvent, events.AliasEvent
    mapping, sequence = events.MappingStartEvent, events.SequenceStartEvent
    ends = (events.MappingEndEvent, events.SequenceEndEvent)
    stack = builder.stack
    limit = builder.limits.max_nodes
    get_event = parser.get_event
    while (event := get_event()) is not None:
        builder.event = event
        kind = type(event)
        if kind is scalar:
            builder.count += 1
            if builder.count > limit:
                builder.grow(0)
            value = _scalar(event)
            if event.anchor is not None:
                builder.anchors[event.anchor] = (value, 1)
            if stack and not stack[-1].is_map:
                stack[-1].value.append(value)  # the common case, without a call
            else:
                builder.add(value, 1, event.start_mark)
        elif kind is mapping:
            builder.start(event, {})
        elif kind is sequence:
            builder.start(event, [])
        elif kind in ends:
            builder.end()
        elif kind is alias:
            builder.alias(event)
        elif kind is events.DocumentStartEvent:
            builder.document(event)


def parse_yaml(text: str, source: str, limits: Limits) -> Any:
    """Parse one YAML document into plain data, refusing it at the first guard it breaks."""
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        msg = "reading YAML needs PyYAML: pip install 'collabrel[yaml]'"
        raise limits_error(msg, source) from exc
    if len(text) > limits.max_nodes:
        _count_events(text, source, limits)
    _, parser = _parser(text)
    builder = _Builder(limits)
    try:
        _feed(parser, builder, yaml.events)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise limits_error(f"invalid YAML at {where}: {exc.problem}", source) from None
    except yaml.YAMLError as exc:
        raise limits_error(f"invalid YAML: {exc}", source) from None
    except _Refused as exc:
        raise LoadError([builder.problem(exc)], source=source) from None
    except UnicodeEncodeError:
        raise limits_error(
            "the text holds a lone surrogate, which no UTF-8 document can hold", source
        ) from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    return builder.result
