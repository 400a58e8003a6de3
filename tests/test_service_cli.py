"""``truce serve`` and the database options: URLs, the demo tokens' guard, and the security headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import TALKS, auth
from truce.cli import app
from truce.store.db import database_url


def test_database_url_takes_files_urls_and_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TRUCE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url(None) == f"sqlite:///{tmp_path / 'truce.db'}"
    assert database_url("x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert database_url("postgresql://u@127.0.0.1:5/db") == "postgresql+psycopg://u@127.0.0.1:5/db"
    monkeypatch.setenv("TRUCE_DATABASE_URL", "postgres://u@127.0.0.1/t")
    assert database_url(None) == "postgresql+psycopg://u@127.0.0.1/t"
    assert database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_demo_tokens_only_on_loopback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--demo", "--host", "0.0.0.0", "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 2
    assert "127.0.0.1 only" in result.output
    assert not (tmp_path / "t.db").exists()


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_answers_carry_security_headers(service_client: Any) -> None:
    r = service_client.get(f"/api/talks/{TALKS}/standing", headers=auth("israel"))
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_serve_takes_the_body_limit_and_more_host_names(tmp_path: Path) -> None:
    import httpx

    from conftest import Server

    server = Server(str(tmp_path / "t.db"), "--max-body", "2000", "--allowed-host", "truce.example").start()
    try:
        r = httpx.post(f"{server.url}/api/talks", content=b"x" * 3000, timeout=30)
        assert r.status_code == 413
        assert httpx.post(f"{server.url}/api/talks", content=b"x" * 1000, timeout=30).status_code == 401
        for host, status in (("truce.example", 200), (f"localhost:{server.port}", 200), ("rebound.example", 400)):
            r = httpx.get(f"{server.url}/api/health", headers={"host": host}, timeout=30)
            assert r.status_code == status, host
            assert r.headers["x-content-type-options"] == "nosniff"
    finally:
        server.stop()
