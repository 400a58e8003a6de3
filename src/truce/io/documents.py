"""Reading YAML and JSON documents safely, keeping where every value stood.

Scenario and agreement files come from people and from other tools, so this reader refuses
what would hurt: files over a size limit, bytes that are not UTF-8 text, duplicate keys, and
documents whose aliases expand past a node budget (the "billion laughs" YAML bomb). It keeps
the line and column of every key and value so that a later check can say ``file:line:col``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from truce.errors import InputError, Path, Problem

MAX_BYTES = 2 * 1024 * 1024
# Every node visited while converting counts, aliases included, so an alias bomb
# exhausts the budget long before it exhausts memory.
MAX_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge", "binary")
}


@dataclass
class Document:
    """A parsed document: plain data, and the 1-based (line, column) of each path in it."""

    data: Any
    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, problem: Problem, prefer_key: bool = False) -> Problem:
        """The problem with this document's file and the nearest known position of its path."""
        path = problem.path
        while True:
            where = (self.keys.get(path) if prefer_key else None) or self.values.get(path)
            if where is not None or not path:
                break
            path = path[:-1]
        line, col = where if where is not None else (1, 1)
        return Problem(problem.message, problem.path, self.file, line, col)


def read_document(path: str | FsPath, display: str | None = None) -> Document:
    """Read a YAML or JSON file into a :class:`Document`; raise :class:`InputError` if it is unsafe."""
    fs_path = FsPath(path)
    name = display or str(path)
    return parse_document(read_limited(fs_path, name, MAX_BYTES), name, as_json=fs_path.suffix.lower() == ".json")


def read_limited(path: FsPath, name: str, limit: int) -> bytes:
    """A file's bytes; a file over ``limit`` bytes, or one that cannot be read, is a problem named ``name``."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError([Problem(f"file is {size:,} bytes, over the {limit:,}-byte limit", (), name, 1, 1)])
        return path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(f"cannot read file ({exc.strerror})", (), name, 1, 1)]) from None


def parse_document(raw: bytes, name: str, as_json: bool = False) -> Document:
    """Parse bytes (UTF-8 YAML, or JSON) into a :class:`Document`."""
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(f"input is {len(raw):,} bytes, over the {MAX_BYTES:,}-byte limit", (), name, 1, 1)])
    text = _decode(raw, name)
    if not text.strip():
        raise InputError([Problem("file is empty (expected a mapping of scenario fields)", (), name, 1, 1)])
    if as_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError([Problem(f"invalid JSON: {exc.msg}", (), name, exc.lineno, exc.colno)]) from None
        except RecursionError:
            raise InputError([Problem("JSON nested too deeply", (), name, 1, 1)]) from None
    yaml = YAML(typ="safe", pure=True)
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(f"invalid YAML: {what}", (), name, line, col)]) from None
    except ReaderError as exc:
        line, col = _line_col(text, exc.position)
        what = f"character {exc.character!r} is not allowed in YAML" if isinstance(exc.character, str) else exc.reason
        raise InputError([Problem(f"invalid YAML: {what}", (), name, line, col)]) from None
    except YAMLError as exc:
        raise InputError([Problem(f"invalid YAML: {str(exc).splitlines()[0]}", (), name, 1, 1)]) from None
    except RecursionError:
        raise InputError([Problem("document nested too deeply", (), name, 1, 1)]) from None
    doc = Document(None, name)
    if root is None:
        raise InputError([Problem("file holds no document (expected a mapping)", (), name, 1, 1)])
    converter = _Converter(yaml, doc)
    try:
        doc.data = converter.convert(root, ())
    except RecursionError:
        raise InputError([Problem("document nested too deeply", (), name, 1, 1)]) from None
    if converter.problems:
        raise InputError(converter.problems)
    return doc


def decode_utf8(raw: bytes, name: str) -> str:
    """A file's bytes as UTF-8 text (without a byte order mark); undecodable bytes are a problem at their place."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Problem("not UTF-8 text (a binary file?)", (), name, line, col)]) from None


def _decode(raw: bytes, name: str) -> str:
    text = decode_utf8(raw, name)
    nul = text.find("\x00")
    if nul >= 0:
        line, col = _line_col(text, nul)
        raise InputError([Problem("contains a NUL character (a binary file?)", (), name, line, col)])
    return text


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


class _Converter:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, yaml: YAML, doc: Document) -> None:
        self.constructor = yaml.constructor
        self.doc = doc
        self.visited = 0
        self.problems: list[Problem] = []

    def _problem(self, message: str, node: Node, path: Path) -> None:
        mark = node.start_mark
        self.problems.append(Problem(message, path, self.doc.file, mark.line + 1, mark.column + 1))

    def convert(self, node: Node, path: Path) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise InputError(
                [
                    Problem(
                        f"document expands to more than {MAX_NODES:,} values (aliases expanding exponentially?)",
                        path,
                        self.doc.file,
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                    )
                ]
            )
        self.doc.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in _PLAIN_TAGS:
            self._problem(f"unsupported YAML tag {node.tag!r} (plain data only)", node, path)
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        self._problem("unsupported YAML node", node, path)
        return None

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        # Dates stay as the text written: the model parses (and checks) them, and JSON output needs text.
        if node.tag == "tag:yaml.org,2002:timestamp":
            return str(node.value)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (YAMLError, ValueError, OverflowError) as exc:
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self._problem(f"cannot read value {node.value!r} ({reason})", node, path)
            return None
        return value

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = self.convert(value_node, path)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        for k, v in item.items():
                            out.setdefault(k, v)
                continue
            if not isinstance(key_node, ScalarNode):
                self._problem("mapping keys must be plain text", key_node, path)
                continue
            key = self._scalar(key_node, path)
            if isinstance(key, bool) or key is None or isinstance(key, float):
                key = str(key_node.value)
            if isinstance(key, int):
                key = str(key)
            child = (*path, key)
            if key in out:
                first = self.doc.keys.get(child, (0, 0))[0]
                self._problem(f"duplicate key {key!r} (first given on line {first})", key_node, child)
                continue
            self.doc.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.convert(value_node, child)
        return out
