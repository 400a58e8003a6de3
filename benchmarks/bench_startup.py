"""Start-up: how long a whole ``truce`` process takes to answer a command that does little, against a bare
``python -c "import numpy"`` (the floor for anything built on numpy) and ``import negmas``.

Each command runs :data:`RUNS` times in a fresh process; the table shows the fastest run (the least
disturbed by other work on the machine) and the median. The target: ``truce --help`` and ``truce validate``
within :data:`TARGET_SECONDS` of the numpy floor. ``truce validate`` includes reading and checking the
shipped case (about 0.2 s of YAML parsing and checks, measured in-process), which is work, not start-up.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
TARGET_SECONDS = 0.4
TRUCE = [sys.executable, "-c", "from truce.cli import main; main()"]
COMMANDS: tuple[tuple[str, list[str]], ...] = (
    ("python -c 'import numpy'", [sys.executable, "-c", "import numpy"]),
    ("python -c 'import truce'", [sys.executable, "-c", "import truce"]),
    ("truce --help", [*TRUCE, "--help"]),
    ("truce validate gaza-2024", [*TRUCE, "validate", str(ROOT / "examples" / "gaza-2024")]),
)


def timings(argv: list[str]) -> list[float]:
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=True)
        out.append(time.perf_counter() - start)
    return out


def run() -> None:
    print(f"Whole-process start-up, fastest and median of {RUNS} runs")
    print(f"  {'command':<30}{'fastest s':>10}{'median s':>10}{'over numpy':>12}  verdict")
    commands = list(COMMANDS)
    if importlib.util.find_spec("negmas") is not None:
        commands.append(("python -c 'import negmas'", [sys.executable, "-c", "import negmas"]))
    floor = None
    for label, argv in commands:
        t = timings(argv)
        fastest = min(t)
        floor = fastest if floor is None else floor
        over = fastest - floor
        verdict = ""
        if label.startswith("truce "):
            verdict = ("meets" if over <= TARGET_SECONDS else "MISSES") + f" <= +{TARGET_SECONDS} s"
        print(f"  {label:<30}{fastest:>10.3f}{statistics.median(t):>10.3f}{over:>+12.3f}  {verdict}", flush=True)
