"""Editing a scenario file in place of a person: add items, cite a source, add a series point.

YAML files are edited through ruamel.yaml's round trip, so comments, key order, quoting and folded text
stay as written; the layout of lists (how far a ``-`` is indented) is read from the file itself. When the
file's layout is one the round trip cannot reproduce exactly, the edit still succeeds and
:func:`edit_scenario` says so (``exact`` is false): some untouched lines may then be re-indented. JSON
files are rewritten with two-space indentation (JSON holds no comments to keep).

The edited text is read back and checked like any scenario file before anyone writes it.
"""

from __future__ import annotations

import difflib
import io
import json
from dataclasses import dataclass
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from truce.errors import InputError, Problem
from truce.io.documents import parse_document
from truce.io.scenario_files import scenario_from_document
from truce.model.checks import build_scenario
from truce.model.scenario import Scenario

# The list sections, in the order the scenario model keeps them: a missing section is added after the last
# present section that comes before it.
SECTIONS = ("sources", "parties", "issues", "preferences", "constraints", "proposals", "rounds", "venues",
            "events", "meetings", "statements", "series")  # fmt: skip
# (mapping indent, sequence indent, sequence dash offset) layouts tried, most common first
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0))


@dataclass(frozen=True)
class Edit:
    """One change: ``source`` adds ``data`` under ``sources`` as ``target``; ``append`` adds ``data`` to the
    list ``section``; ``cite`` adds the source id ``data`` to the ``sources`` of item ``target`` of
    ``section``; ``point`` adds the point ``data`` to series ``target`` in date order."""

    op: Literal["source", "append", "cite", "point"]
    section: str
    target: str | None
    data: Any


@dataclass(frozen=True)
class Edited:
    text: str
    scenario: Scenario
    exact: bool  # every line the edits did not touch is as it was


def edit_scenario(text: str, name: str, edits: list[Edit], as_json: bool = False) -> Edited:
    """The scenario text with the edits made, checked as a scenario file (a located error if it is not). What
    the text already holds dated after today stands (talks a service kept from before that was refused)."""
    before = parse_document(text.encode("utf-8"), name, as_json=as_json)  # the same safety limits as any read
    if as_json:
        data = json.loads(text)
        for edit in edits:
            _apply(data, edit)
        new, exact = json.dumps(data, indent=2, ensure_ascii=False) + "\n", True
    else:
        yaml, exact = _yaml_for(text)
        data = yaml.load(text)
        for edit in edits:
            _apply(data, edit)
        out = io.StringIO()
        yaml.dump(data, out)
        new = out.getvalue()
    held = build_scenario(before.data)
    scenario = scenario_from_document(parse_document(new.encode("utf-8"), name, as_json=as_json), held)
    return Edited(new, scenario, exact)


def _yaml_for(text: str) -> tuple[YAML, bool]:
    """A round-trip YAML set to the file's own layout, and whether it reproduces the file exactly."""
    for mapping, sequence, offset in _LAYOUTS:
        yaml = _yaml(mapping, sequence, offset)
        out = io.StringIO()
        yaml.dump(yaml.load(text), out)
        if out.getvalue() == text:
            return yaml, True
    return _yaml(*_LAYOUTS[0]), False


def _yaml(mapping: int, sequence: int, offset: int) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096  # never re-wrap a line that was not wrapped
    yaml.preserve_quotes = True
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _apply(data: Any, edit: Edit) -> None:
    if not isinstance(data, dict):
        raise InputError([Problem("the scenario is not a mapping of fields")])
    if edit.op == "source":
        sources = _section(data, "sources", dict)
        if edit.target in sources:
            raise InputError([Problem(f"source {edit.target!r} is already listed", ("sources", str(edit.target)))])
        sources[edit.target] = edit.data
    elif edit.op == "append":
        _section(data, edit.section, list).append(edit.data)
    elif edit.op == "cite":
        item = _item(data, edit.section, edit.target)
        cited = item.get("sources")
        if cited is None:
            item["sources"] = _flow([edit.data]) if isinstance(item, CommentedMap) else [edit.data]
        elif edit.data not in cited:
            cited.append(edit.data)
    else:
        points = _item(data, "series", edit.target).setdefault("points", [])
        at = next((k for k, p in enumerate(points) if str(p.get("date")) > str(edit.data["date"])), len(points))
        points.insert(at, edit.data)


def _flow(items: list[Any]) -> CommentedSeq:
    """A short list written on one line, as ``sources: [A1, B2]`` is in the shipped files."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _section(data: dict[str, Any], name: str, kind: type) -> Any:
    """The list (or mapping) ``name`` of the scenario, added in the model's order when missing."""
    if name not in data or data[name] is None:
        value = (CommentedMap() if kind is dict else CommentedSeq()) if isinstance(data, CommentedMap) else kind()
        order = [k for k in SECTIONS[: SECTIONS.index(name)] if k in data] if name in SECTIONS else []
        keys = list(data)
        at = keys.index(order[-1]) + 1 if order else len(keys)
        if isinstance(data, CommentedMap):
            data.insert(at, name, value)
        else:
            data[name] = value
    found = data[name]
    if not isinstance(found, kind):
        raise InputError([Problem(f"`{name}` is not a {'mapping' if kind is dict else 'list'}", (name,))])
    return found


def _item(data: dict[str, Any], section: str, item_id: str | None) -> Any:
    for item in _section(data, section, dict if section == "preferences" else list):
        if isinstance(item, dict) and item.get("id") == item_id:
            return item
    raise InputError([Problem(f"no {section} item {item_id!r} to edit", (section,))])


def unified_patch(old: str, new: str, name: str) -> str:
    """A unified diff from the old text to the new, for ``patch -p1`` or ``git apply`` from the file's folder."""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    return "".join(lines)
