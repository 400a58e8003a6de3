"""The frontier benchmark's command row: the command it times answers with the frontier the library computes,
and its agreement check tells a frontier printed at 6 decimals from a different one (NegMAS is not run here)."""

from __future__ import annotations

import importlib
import json
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from truce.analysis.frontier import pareto_frontier


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # benchmarks/ is not an installed package; pytest puts the checkout on the path (pyproject.toml)
    return importlib.import_module("benchmarks.bench_frontier")


def test_the_timed_command_prints_the_librarys_frontier(bench: ModuleType, tmp_path: Path) -> None:
    sizes = (4, 3, 5)
    argv = bench.command(2, sizes, tmp_path)
    assert argv[-4:] == ["frontier", str(tmp_path / "domain.json"), "--json", "--zopa"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    printed = [list(p["utilities"].values()) for p in json.loads(done.stdout)["frontier"]]
    exact = pareto_frontier(bench.domain(2, sizes), zopa_only=True).utilities.tolist()
    assert bench.agree_printed(printed, exact)
    moved = [[u + 2e-6 if i == 0 and j == 0 else u for j, u in enumerate(p)] for i, p in enumerate(printed)]
    assert not bench.agree_printed(moved, exact)
    assert not bench.agree_printed(printed[1:], exact)
