"""The public API is curated: ``__all__`` is exactly what the package exports, and the README runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import truce

ROOT = Path(__file__).resolve().parent.parent


def test_all_is_exactly_the_public_names() -> None:
    for name in truce.__all__:  # names load on first use: load them all, then nothing else may be public
        getattr(truce, name)
    public = {name for name in vars(truce) if not name.startswith("_") and name not in {"annotations", "Path"}}
    modules = {name for name in public if type(getattr(truce, name)).__name__ == "module"}
    assert len(set(truce.__all__)) == len(truce.__all__)
    assert set(truce.__all__) == public - modules
    assert set(truce.__all__) <= set(dir(truce))
    with pytest.raises(AttributeError):
        truce.no_such_name  # noqa: B018


def test_import_truce_loads_no_heavy_stack() -> None:
    """``import truce`` (and so every command's start) loads no solver, service, database or plotting stack."""
    heavy = ("scipy", "fastapi", "sqlalchemy", "plotly", "matplotlib", "uvicorn")
    code = "import sys, truce; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(run.stdout.split())
    assert "truce" in loaded
    assert loaded.isdisjoint(heavy), loaded & set(heavy)


def readme_blocks(language: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("block", readme_blocks("python"))
def test_readme_python_runs(block: str) -> None:
    result = subprocess.run([sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_readme_commands_run(tmp_path: Path) -> None:
    """Every `truce ...` line of the README's usage block runs and exits 0."""
    truce_bin = Path(sys.executable).parent / "truce"
    commands = [
        line.split("#")[0].strip()
        for block in readme_blocks("sh")
        for line in block.splitlines()
        if line.startswith("truce ") and not line.startswith("truce serve")  # the service suite runs serve
    ]
    assert len(commands) >= 5
    for command in commands:
        words = command.replace(">", " > ").split()
        # Files a command writes go to a scratch folder, not the checkout.
        outputs = {words[k + 1] for k, w in enumerate(words[:-1]) if w in {"-o", "--out", "--report", ">"}}
        if words[1:3] == ["export", "genius"]:
            outputs.add(words[-1])
        argv = [str(truce_bin)] + [str(tmp_path / w) if w in outputs else w for w in words[1:]]
        stdout = None
        if ">" in argv:
            k = argv.index(">")
            argv, stdout = argv[:k], argv[k + 1]
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stderr)
        if stdout:
            Path(stdout).write_text(result.stdout)
    assert {p.name for p in tmp_path.iterdir()} >= {"brief.html", "scenario.schema.json"}
