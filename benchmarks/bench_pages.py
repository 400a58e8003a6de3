"""Page latency: every web page, as each role reads it, with :data:`USERS` people reading at once.

``truce serve --demo`` runs in a child process on a fresh SQLite database with the shipped case and its
exchange agreement; a ballot is published first so that the ballot pages have something to show. Then
:data:`USERS` threads, each a person with a role's token, read every page that role may see, :data:`ROUNDS`
times each, in an order shuffled per person (seeded), pausing between pages as a person reading them
would (:data:`THINK`, drawn per read from the person's seed; each person also arrives at a time drawn
from the first such pause). The table shows each page's median and 95th
percentile answer time over every read, against the target of :data:`TARGET_MS` at the 95th percentile.
A second table reads with no pause at all (every person clicking as fast as the server answers: a load
test, not a model of people) to show where the server saturates. A bridging page answers within its
bounded wait (a progress page, status 202) when its search runs longer.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TALKS = "gaza-2024"
USERS = 20
ROUNDS = 2
THINK = (0.5, 2.0)  # seconds a person spends on a page before the next (uniform)
TARGET_MS = 300.0
SEED = 2024
ROLES = ("mediator", "israel", "hamas", "observer")


def pages(ballot: int) -> dict[str, list[tuple[str, str]]]:
    """(page name, path) for each role: every page it may see."""
    t = f"/talks/{TALKS}"
    everyone = [
        ("talks", t),
        ("proposal (complete)", f"{t}/proposals/jan2025-agreement"),
        ("proposal (partial)", f"{t}/proposals/aug16-bridging"),
        ("exchange", f"{t}/exchange"),
    ]
    sides = [("ballots", f"{t}/ballots"), ("ballot", f"{t}/ballots/{ballot}")]
    mediator = [
        ("frontier", f"{t}/frontier"),
        ("bridge (complete)", f"{t}/bridge?proposal=jul27-israel"),
        ("bridge (partial)", f"{t}/bridge?proposal=may6-egypt-qatar"),
        ("audit", f"{t}/audit"),
    ]
    return {
        "mediator": everyone + sides + mediator,
        "israel": [*everyone, *sides, ("preferences", f"{t}/preferences/israel")],
        "hamas": [*everyone, *sides, ("preferences", f"{t}/preferences/hamas")],
        "observer": everyone,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    args = [sys.executable, "-c", "from truce.cli import main; main()", "serve", "--db", str(db), "--demo"]
    args += ["--port", str(port), "--scenario", str(ROOT / "examples" / TALKS)]
    args += ["--exchange", str(ROOT / "examples" / "exchange-2025")]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("truce serve did not start within 60 s")


def person(
    url: str, role: str, todo: list[tuple[str, str]], seed: int, think: tuple[float, float]
) -> list[tuple[str, float, int]]:
    """One person reading their pages ROUNDS times in a shuffled order: (page, seconds, status) per read."""
    rng = random.Random(seed)
    out = []
    time.sleep(rng.uniform(0, think[1]))  # people arrive over the first pause, not all in one instant
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer demo-{role}"}, timeout=60) as client:
        for _ in range(ROUNDS):
            order = list(todo)
            rng.shuffle(order)
            for name, path in order:
                began = time.perf_counter()
                status = client.get(path).status_code
                out.append((name, time.perf_counter() - began, status))
                time.sleep(rng.uniform(*think))
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start(Path(tmp) / "truce.db")
        try:
            body = {"title": "Benchmark packages", "from_proposal": "jul27-israel"}
            r = httpx.post(
                f"{url}/api/talks/{TALKS}/ballots", json=body, headers={"Authorization": "Bearer demo-mediator"}
            )
            r.raise_for_status()
            todo = pages(int(r.json()["number"]))
            for label, think in (("people reading", THINK), ("no pause (load test)", (0.0, 0.0))):
                roles = [ROLES[n % len(ROLES)] for n in range(USERS)]
                people = [(url, role, todo[role], SEED + n, think) for n, role in enumerate(roles)]
                began = time.perf_counter()
                with ThreadPoolExecutor(USERS) as pool:
                    results = list(pool.map(lambda args: person(*args), people))
                report(label, think, [x for found in results for x in found], time.perf_counter() - began)
        finally:
            process.terminate()
            process.wait(timeout=30)


def report(label: str, think: tuple[float, float], reads: list[tuple[str, float, int]], wall: float) -> None:
    by_page: dict[str, list[float]] = {}
    statuses: dict[str, set[int]] = {}
    for name, seconds, status in reads:
        by_page.setdefault(name, []).append(seconds * 1000)
        statuses.setdefault(name, set()).add(status)
    pause = f"{think[0]:g}-{think[1]:g} s between pages" if think[1] else "no pause"
    print(f"{label}: {USERS} at once, {pause}, {ROUNDS} rounds each: {len(reads)} reads in {wall:.1f} s")
    print(f"  {'page':<22}{'reads':>6}{'median ms':>11}{'p95 ms':>9}  {'statuses':<10} verdict")
    worst = 0.0
    for name, ms in sorted(by_page.items()):
        high = p95(ms)
        worst = max(worst, high)
        verdict = ("meets" if high <= TARGET_MS else "MISSES") + f" <= {TARGET_MS:.0f} ms"
        codes = ",".join(str(s) for s in sorted(statuses[name]))
        print(f"  {name:<22}{len(ms):>6}{statistics.median(ms):>11.1f}{high:>9.1f}  {codes:<10} {verdict}")
    print(f"  slowest page at the 95th percentile: {worst:.1f} ms")
    bad = {name: s for name, s in statuses.items() if not s <= {200, 202}}
    if bad:
        raise RuntimeError(f"pages answered with errors: {bad}")
