"""The Python examples of docs/simulate.md run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "simulate.md"


@pytest.mark.parametrize("block", re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S))
def test_docs_python_runs(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DOC.parent.parent)
    exec(compile(block, str(DOC), "exec"), {"__name__": "docs_example"})
