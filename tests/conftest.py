"""Fixtures for the service tests: a seeded store (SQLite, and PostgreSQL when one is available), people
with known tokens, and a scenario whose private parts carry markers that must never leak."""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parents[1]
TALKS = "gaza-2024"
# One token per role; the party tokens speak for israel and hamas.
TOKENS = {
    "mediator": "tok-mediator-0123456789",
    "israel": "tok-israel-0123456789",
    "hamas": "tok-hamas-0123456789",
    "observer": "tok-observer-0123456789",
}
SECRET = {
    "israel": ("SECRET-ISRAEL-BASIS", "SECRET-ISRAEL-REDLINE", "SECRET-ISRAEL-DELAY"),
    "hamas": ("SECRET-HAMAS-BASIS", "SECRET-HAMAS-REDLINE", "SECRET-HAMAS-DELAY"),
}
RESERVATION = {"israel": 0.31737, "hamas": 0.29173}


# Property-based tests draw the same cases on every run, so that CI passes or fails for a reason, not by luck.
# Set TRUCE_FRESH_SEEDS=1 to draw new cases from fresh random seeds (a failure prints how to replay it):
#     TRUCE_FRESH_SEEDS=1 pytest tests/test_service_schemathesis.py
FRESH_SEEDS = os.environ.get("TRUCE_FRESH_SEEDS", "") not in ("", "0")
hypothesis_settings.register_profile("fixed", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("fresh", derandomize=False, database=None, print_blob=True)
hypothesis_settings.load_profile("fresh" if FRESH_SEEDS else "fixed")


def pytest_configure(config: pytest.Config) -> None:
    # starlette's TestClient prefers the httpx2 package and warns, once, when it finds httpx instead.
    config.addinivalue_line(
        "filterwarnings", "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning"
    )


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def postgres_url() -> str | None:
    url = os.environ.get("TRUCE_TEST_POSTGRES_URL")
    state = ROOT / ".ci" / "state" / "postgres-url"
    if not url and state.exists():
        url = state.read_text().strip()
    return url or None


def marked_scenario() -> dict[str, Any]:
    """The shipped case with markers in every private text, and reservation values found nowhere else."""
    from truce.io.scenario_files import load_scenario, scenario_to_data

    data = scenario_to_data(load_scenario(ROOT / "examples" / TALKS))
    for party, (basis, red, delay) in SECRET.items():
        prefs = data["preferences"][party]
        prefs["basis"] = basis
        prefs["delay_note"] = delay
        prefs["reservation"] = RESERVATION[party]
        for line in prefs.get("red_lines", []):
            line["note"] = red
    return data


def seed_store(service_store: Any) -> None:
    from truce.cli.serve import seed_exchange

    service_store.create_talks(marked_scenario(), "test")
    seed_exchange(service_store, TALKS, ROOT / "examples" / "exchange-2025")
    service_store.add_person(TALKS, "Mediator", "mediator", None, TOKENS["mediator"], "test")
    service_store.add_person(TALKS, "Israel's team", "party", "israel", TOKENS["israel"], "test")
    service_store.add_person(TALKS, "Hamas's team", "party", "hamas", TOKENS["hamas"], "test")
    service_store.add_person(TALKS, "Observer", "observer", None, TOKENS["observer"], "test")


@pytest.fixture(scope="session")
def service_pg_admin_url() -> str | None:
    url = postgres_url()
    if url is None:
        return None
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5):
            pass
    except Exception as exc:
        if in_ci():
            raise RuntimeError(f"PostgreSQL at {url} is not reachable in CI: {exc}") from exc
        return None
    return url


def fresh_database_url(backend: str, tmp_path: Path, service_pg_admin_url: str | None) -> Iterator[str]:
    """A URL for an empty database of this backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'truce.db'}"
        return
    if service_pg_admin_url is None:
        if in_ci():
            pytest.fail("CI is set but no PostgreSQL is available (run .ci/setup-services)")
        pytest.skip("no PostgreSQL (run .ci/setup-services, or set TRUCE_TEST_POSTGRES_URL)")
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"truce_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(service_pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(service_pg_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(service_pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def service_db_url(request: pytest.FixtureRequest, tmp_path: Path, service_pg_admin_url: str | None) -> Iterator[str]:
    yield from fresh_database_url(request.param, tmp_path, service_pg_admin_url)


@pytest.fixture
def service_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'truce.db'}"


@pytest.fixture
def service_store(service_db_url: str) -> Iterator[Any]:
    from truce.store.repo import Store

    s = Store(service_db_url)
    seed_store(s)
    yield s
    s.close()


@pytest.fixture
def service_client(service_store: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from truce.service.app import create_app

    with TestClient(create_app(service_store, client_settings())) as c:
        yield c


def client_settings(**changes: Any) -> Any:
    """The service's settings for the test client, whose requests name the host "testserver"."""
    from truce.service.guard import LOOPBACK_HOSTS, Settings

    return Settings(**{"allowed_hosts": (*LOOPBACK_HOSTS, "testserver"), **changes})


@contextlib.contextmanager
def write_held(store: Any, setting: str = "held") -> Iterator[None]:
    """A write transaction open in another thread for the whole block, holding the database's write lock (it
    has written the setting ``setting`` and not committed it); it commits when the block ends."""
    from concurrent.futures import ThreadPoolExecutor

    from truce.store.models import Setting

    holding, release = threading.Event(), threading.Event()

    def write(s: Any) -> None:
        s.merge(Setting(name=setting, value="1"))
        s.flush()
        holding.set()
        release.wait(60)

    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(store.run, write)
        try:
            assert holding.wait(30)
            yield
        finally:
            release.set()
        writer.result(timeout=30)


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``truce serve`` in a child process on 127.0.0.1, for tests that need a real server."""

    def __init__(self, db: str, *extra: str) -> None:
        self.db, self.extra = db, extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Any = None
        self.output = ""

    def start(self) -> Server:
        import subprocess
        import sys
        import time

        import httpx

        args = [sys.executable, "-c", "from truce.cli import main; main()", "serve", "--db", self.db]
        args += ["--port", str(self.port), "--scenario", str(ROOT / "examples" / TALKS)]
        args += ["--exchange", str(ROOT / "examples" / "exchange-2025"), *self.extra]
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "200"}
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"truce serve exited: {self.process.stdout.read()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("truce serve did not start within 60 s")

    def kill(self) -> None:
        """Kill without warning, as a crash would."""
        self.process.kill()
        self.process.wait(timeout=30)
        self.output += self.process.stdout.read()
        self.process.stdout.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.process is not None and not self.process.stdout.closed:
            self.output += self.process.stdout.read()
            self.process.stdout.close()
