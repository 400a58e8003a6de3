"""Running the ``truce`` command in-process for the end-to-end tests."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from truce.cli import app

runner = CliRunner()


def invoke_json(*args: str) -> Any:
    """Run ``truce <args> --json``, which must succeed, and return what it printed, parsed."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)
