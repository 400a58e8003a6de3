"""Every snippet of docs/simulate.md runs as shown: each Python block as a script of its own (so a process pool
starts its workers as it would for a reader), each shell line as a command, from the repository's root."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "simulate.md"
TEXT = DOC.read_text()
PYTHON = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
SHELL = [
    line
    for block in re.findall(r"```sh\n(.*?)```", TEXT, flags=re.S)
    for line in re.sub(r"\\\n\s*", "", block).splitlines()
    if line.strip()
]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"}


@pytest.mark.parametrize("block", PYTHON, ids=[f"python-{n}" for n in range(len(PYTHON))])
def test_docs_python_runs_as_a_script(block: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(block)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _needs(command: str) -> str | None:
    """Why a documented command cannot run here, or None."""
    if "ray://" in command:
        return "needs a Ray cluster at the address shown"
    if "--backend ray" in command and importlib.util.find_spec("ray") is None:
        return "needs the ray extra"
    return None


@pytest.mark.parametrize("command", SHELL, ids=[f"sh-{n}" for n in range(len(SHELL))])
def test_docs_commands_run_as_shown(command: str, tmp_path: Path) -> None:
    reason = _needs(command)
    if reason:
        pytest.skip(reason)
    words = shlex.split(command.split("  #")[0])
    assert words[0] == "truce"
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # relative paths as in the docs; outputs land here
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    truce = shutil.which("truce", path=str(Path(sys.executable).parent)) or "truce"
    done = subprocess.run([truce, *words[1:]], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "INFO" not in done.stdout + done.stderr  # quiet backends: no log lines from Ray or anything else


def test_the_tutorials_figures_are_what_its_commands_give() -> None:
    """The tutorial said four runs in ten agree (the seeded runs gave 23%) and that its fourth line agrees
    every time (without strategies both sides are Boulware agents and none did): its figures are checked."""
    from cli_runner import invoke_json

    tutorial = [words for words in map(shlex.split, SHELL[:5])]
    first = invoke_json(*tutorial[0][1:])
    assert f"({first['agreement_rate']:.0%}, at the very end: day {first['time_to_agreement']['p50']:.0f}" in " ".join(
        TEXT.split()
    )
    fourth = invoke_json(*tutorial[3][1:])
    assert fourth["agreement_rate"] == 1.0
    assert f"every run agrees, on day {fourth['time_to_agreement']['p50']:.0f}," in " ".join(TEXT.split())
