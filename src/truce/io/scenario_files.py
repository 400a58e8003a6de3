"""Scenario files: YAML or JSON, one file or a folder holding ``scenario.yaml``."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path as FsPath
from typing import Any

from truce.errors import InputError, Problem
from truce.io.documents import Document, input_file, read_document
from truce.model.checks import build_scenario, dated_ahead, today_anywhere
from truce.model.scenario import Scenario

SCENARIO_NAMES = ("scenario.yaml", "scenario.yml", "scenario.json")


def scenario_file(path: str | FsPath) -> FsPath:
    """The file behind a scenario argument: the file itself, or a folder's ``scenario.yaml``."""
    return input_file(FsPath(path), SCENARIO_NAMES, str(path))


def load_scenario(path: str | FsPath) -> Scenario:
    """Read and validate a scenario; every problem is reported as ``file:line:col``."""
    file = scenario_file(path)
    doc = read_document(file)
    return scenario_from_document(doc)


def load_any(path: str | FsPath, profiles: Sequence[str] | None = None) -> Scenario:
    """A scenario from a scenario file or folder, or from a GENIUS domain folder (found by its XML roots)
    or that folder's domain file. ``profiles`` picks a GENIUS folder's parties by file name (see
    :func:`truce.io.genius.import_genius`); it does not apply to truce's own scenario files."""
    p = FsPath(path)
    folder = p.is_dir() and not any((p / name).is_file() for name in SCENARIO_NAMES)
    if folder or (p.suffix.lower() == ".xml" and p.is_file()):
        # GENIUS's reader only for a path that may be GENIUS's: every command that reads a scenario starts
        # with this function, and the reader's import is a few milliseconds of each one's start-up.
        from truce.io.genius import DOMAIN_ROOT, import_genius, is_genius_folder, root_tag

        if folder and is_genius_folder(p):
            return import_genius(p, profiles)
        if not folder:
            with p.open("rb") as handle:
                if root_tag(handle.read(65536)) == DOMAIN_ROOT:
                    return import_genius(p.parent, profiles)
    return load_scenario(p)


def scenario_from_document(doc: Document, held: Scenario | None = None) -> Scenario:
    """A scenario file's scenario. Beside the checks of any scenario, what a file records cannot be dated after
    today (a text tabled, a statement made: :func:`~truce.model.checks.dated_ahead`). With ``held`` (the talks
    an edit adds to), what they already hold so dated stands: only what the edit adds is refused."""
    try:
        scenario = build_scenario(doc.data)
        today = today_anywhere()
        ahead = list(dated_ahead(scenario, today))
        if held is not None and ahead:
            ahead = _added(ahead, dated_ahead(held, today))
        if ahead:
            raise InputError(ahead)
        return scenario
    except InputError as exc:
        raise InputError(
            [doc.locate(p, prefer_key="unknown field" in p.message or "duplicate" in p.message) for p in exc.problems]
        ) from None


def _added(found: list[Problem], held: Iterable[Problem]) -> list[Problem]:
    """The problems in ``found`` beyond those ``held`` already had, told apart by what they say (a date and a
    kind of record), not by place: an edit may put a series point between two it held."""
    stands = Counter(p.message for p in held)
    added = []
    for problem in found:
        if stands[problem.message] > 0:
            stands[problem.message] -= 1
        else:
            added.append(problem)
    return added


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data for writing back out (JSON-compatible, defaults left out)."""
    data: dict[str, Any] = json.loads(scenario.model_dump_json(exclude_defaults=True))
    data["truce"] = scenario.truce
    return data


def scenario_to_text(data: dict[str, Any], json_format: bool = False) -> str:
    """Scenario data as YAML (block style, keys in model order) or as JSON."""
    if json_format:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    from ruamel.yaml import YAML  # here, not at the top: a command reading a JSON scenario never needs it

    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the model order
    yaml.allow_unicode = True
    yaml.dump(data, out)
    return out.getvalue()


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "truce scenario"
    return schema
