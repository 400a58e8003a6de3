"""YAML (and JSON, which YAML reads) composed node by node, keeping the line and column of every key and value.

The full reader behind :func:`truce.io.documents.parse_document`: every YAML file, and any JSON file that
Python's own reader cannot be trusted with alone, or whose positions a problem needs.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from truce.errors import InputError, Path, Problem
from truce.io.documents import CONTROL, MAX_NODES, Document, line_col

_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
}


def composed(text: str, name: str) -> Document:
    """YAML (or JSON, which YAML reads) composed node by node, keeping every position."""
    yaml = YAML(typ="safe", pure=True)
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(f"invalid YAML: {what}", (), name, line, col)]) from None
    except ReaderError as exc:
        line, col = line_col(text, exc.position)
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
            shown = node.value if len(node.value) <= 40 else f"{node.value[:20]}...{node.value[-10:]}"
            # Python's reason goes on, after a semicolon, with advice for programmers (sys.set_int_max_str_digits)
            self._problem(f"cannot read value {shown!r} ({reason.split(';')[0]})", node, path)
            return None
        found = CONTROL.search(value) if isinstance(value, str) else None
        if found is not None:
            # an escape in quotes ("\0", "\x1b[2J") gives what the file's own text may not hold: a NUL, or a
            # terminal's control sequence that a command printing the title would send to the reader's screen
            code = f"U+{ord(found.group()):04X}"
            self._problem(f"text may not hold the control character {code} (written as an escape)", node, path)
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
