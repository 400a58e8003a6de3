"""The JSON Schemas of the answers that the command line and the service both give.

`truce frontier --json` and ``GET /api/talks/{id}/frontier`` print one document, as do `truce bridge --json`
and ``GET /api/talks/{id}/bridge``; every ``standing`` object of `truce analyze --json` and of
``GET /api/talks/{id}/standing`` has one shape. Each shape is a JSON Schema (draft 2020-12) shipped with the
package and printed by `truce schema NAME`; tests validate both sides' output against it and check
docs/json.md against its fields.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

RESULTS = ("frontier", "bridge", "standing")


def result_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one result (a name from :data:`RESULTS`)."""
    if name not in RESULTS:
        raise ValueError(f"no result schema {name!r} (expected one of {', '.join(RESULTS)})")
    text = files("truce.analysis").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
