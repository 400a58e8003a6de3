"""The frontier benchmark's command row: the command it times answers with the frontier the library computes,
and its agreement check tells a frontier printed at 6 decimals from a different one (NegMAS is not run here)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from truce.analysis.frontier import pareto_frontier

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # benchmarks/ is not an installed package; pytest puts the checkout on the path (pyproject.toml)
    return importlib.import_module("benchmarks.bench_frontier")


def test_the_timed_command_prints_the_librarys_frontier(bench: ModuleType, tmp_path: Path) -> None:
    sizes = (4, 3, 5)
    argv = bench.frontier_command(bench.scenario_of(2, sizes), tmp_path / "domain.json", "--zopa")
    assert argv[-4:] == ["frontier", str(tmp_path / "domain.json"), "--json", "--zopa"]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    printed = [list(p["utilities"].values()) for p in json.loads(done.stdout)["frontier"]]
    exact = pareto_frontier(bench.domain(2, sizes), zopa_only=True).utilities.tolist()
    assert bench.agree_printed(printed, exact)
    moved = [[u + 2e-6 if i == 0 and j == 0 else u for j, u in enumerate(p)] for i, p in enumerate(printed)]
    assert not bench.agree_printed(moved, exact)
    assert not bench.agree_printed(printed[1:], exact)


def test_negmas_gets_the_same_tables_without_importing_truce(bench: ModuleType, tmp_path: Path) -> None:
    c = bench.domain(2, (4, 3, 5))
    with np.load(bench.save_tables(c, tmp_path)) as saved:
        assert np.array_equal(saved["reservation"], c.reservation)
        assert all(np.array_equal(saved[f"table{i}"], t) for i, t in enumerate(c.tables))
    code = "import sys, benchmarks.bench_frontier; print(sorted(m for m in sys.modules if m.startswith('truce')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"  # NegMAS's process loads the module and pays for no truce import
