"""What every request meets first: the body limit (before parsing or signing in), bounded fields, the Host
check, NUL characters and out-of-range numbers (never a 500), and the security headers on every answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import TALKS, auth, client_settings
from truce.service.app import create_app
from truce.service.guard import MIB, BodyLimit

API = f"/api/talks/{TALKS}"
SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def client_with(service_store: Any, **settings: Any) -> TestClient:
    return TestClient(create_app(service_store, client_settings(**settings)), raise_server_exceptions=False)


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_a_body_over_the_limit_is_refused_before_signing_in(service_client: Any) -> None:
    big = b'{"x": "' + b"a" * (MIB + 10) + b'"}'
    for url in ("/api/talks", f"{API}/proposals/x", "/login", f"/talks/{TALKS}/ballots"):
        r = service_client.post(url, content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413, (url, r.status_code)  # not 401: no token was looked at
        assert "larger than 1048576 bytes" in r.text
    # a chunked body (no Content-Length) is counted as it arrives
    chunks = (b"a" * 100_000 for _ in range(20))
    r = service_client.post("/api/talks", content=chunks, headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    # a body within the limit goes on to the door, which wants a token
    assert service_client.post("/api/talks", json={"x": "a" * 1000}).status_code == 401


def test_a_streamed_body_stops_being_read_at_the_limit() -> None:
    """The limit bounds memory: once past it, nothing more of the body is read."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": read < 1_000_000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(_scope: Any, _receive: Any, _send: Any) -> None:
        raise AssertionError("the application must not be called")

    scope = {"type": "http", "method": "POST", "path": "/api/talks", "headers": [(b"host", b"localhost")]}
    asyncio.run(BodyLimit(app, 10_000)(scope, receive, send))
    assert read == 11
    assert sent[0]["status"] == 413


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_the_body_limit_is_a_setting(service_store: Any) -> None:
    body = {"x": "a" * 2_000}
    with client_with(service_store, max_body=1_000) as c:
        assert c.post("/api/talks", json=body).status_code == 413
    with client_with(service_store, max_body=10_000) as c:
        assert c.post("/api/talks", json=body).status_code == 401


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_every_list_and_text_is_bounded_with_a_422_naming_the_field(service_client: Any) -> None:
    export = service_client.get(f"{API}/export", headers=auth("mediator")).json()
    proposal = next(p for p in export["proposals"] if p["id"] == "aug16-bridging")
    cases = [
        ({**proposal, "sources": [f"s{i}" for i in range(1_000)]}, "proposal.sources: at most 100 entries"),
        ({**proposal, "note": "n" * 20_001}, "proposal.note: at most 20,000 characters"),
        ({**proposal, "note": "a\x00b"}, "proposal.note: a NUL character is not allowed"),
        ({**proposal, "tabled_by": ["mediators"] * 21}, "proposal.tabled_by: at most 20 entries"),
    ]
    for sent, message in cases:
        r = service_client.put(
            f"{API}/proposals/aug16-bridging", headers=auth("mediator"), json={"version": 1, "proposal": sent}
        )
        assert r.status_code == 422, r.text
        assert any(message in p["message"] for p in r.json()["detail"]), r.text
    many = {**export, "id": "many", "proposals": [{"id": f"p{i}", "title": "t"} for i in range(1_001)]}
    r = service_client.post("/api/talks", headers=auth("mediator"), json=many)
    assert r.status_code == 422 and "scenario.proposals: at most 1,000 entries" in r.text
    r = service_client.post(f"{API}/people", headers=auth("mediator"), json={"name": "a\x00b", "role": "observer"})
    assert r.status_code == 422 and r.json()["detail"][0]["path"] == ["body", "name"]
    r = service_client.put(f"{API}/ballots/1/marks", headers=auth("israel"), json={"accepted": [2**70]})
    assert r.status_code == 422
    # an integer past the digits Python converts fails inside the JSON parser: still the field named
    digits = "7" * 5_000
    body = '{"version": 1, "proposal": {"id": "x", "title": "t", "terms": {"rafah": ' + digits + "}}}"
    for field, sent in (("version", '{"version": ' + digits + ', "proposal": {}}'), ("proposal", body)):
        r = service_client.put(
            f"{API}/proposals/aug16-bridging",
            headers={**auth("mediator"), "content-type": "application/json"},
            content=sent,
        )
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["path"][:2] == ["body", field], r.text
    assert r.json()["detail"][0]["path"] == ["body", "proposal", "terms", "rafah"]
    for broken in ("{", '{"version": ' + digits + ", "):  # not JSON at all: FastAPI's own answer, unchanged
        r = service_client.post(
            "/api/talks", headers={**auth("mediator"), "content-type": "application/json"}, content=broken
        )
        assert r.status_code == 422 and "JSON decode error" in r.text, r.text
    # the pages' edit forms have the same bounds
    r = service_client.post(
        f"/talks/{TALKS}/proposals/aug16-bridging",
        headers=auth("mediator"),
        data={"version": "1", "text": json.dumps(cases[0][0])},
    )
    assert r.status_code == 422 and "proposal.sources: at most 100 entries" in r.text
    # the shipped case is well inside every bound
    ok = service_client.put(
        f"{API}/proposals/aug16-bridging", headers=auth("mediator"), json={"version": 1, "proposal": proposal}
    )
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)
def test_nesting_too_deep_for_the_json_reader_is_a_422_naming_the_field(service_client: Any) -> None:
    """Thousands of brackets fit in a form or a body; Python's reader gives up on them with a RecursionError."""
    deep = "[" * 5_000 + "]" * 5_000
    before = service_client.get(f"{API}/export", headers=auth("mediator")).json()
    for url, who, what in (
        (f"/talks/{TALKS}/preferences/israel", "israel", "preferences"),
        (f"/talks/{TALKS}/proposals/jul27-israel", "israel", "proposal"),
    ):
        r = service_client.post(url, headers=auth(who), data={"version": "1", "text": deep})
        assert r.status_code == 422, r.text
        assert f"{what}: nested more than 16 deep" in r.text
    body = '{"version": 1, "preferences": ' + deep + "}"
    r = service_client.put(
        f"{API}/preferences/israel", headers={**auth("israel"), "content-type": "application/json"}, content=body
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == [{"message": "body: nested more than 16 deep", "path": ["body"]}]
    assert service_client.get(f"{API}/export", headers=auth("mediator")).json() == before


def test_huge_numbers_and_nul_characters_are_404_or_422_never_500(service_client: Any) -> None:
    """On both backends: PostgreSQL's INTEGER ends at 2**31 - 1 and its strings cannot hold a NUL."""
    one = {"title": "One", "packages": [{"rafah": "israeli_control"}]}
    assert service_client.post(f"{API}/ballots", headers=auth("mediator"), json=one).status_code == 201
    for number in (2**31, 2**63, 2**64 + 1, 10**30, -(2**63) - 1, 0):
        for url in (f"{API}/ballots/{number}", f"/talks/{TALKS}/ballots/{number}"):
            assert service_client.get(url, headers=auth("mediator")).status_code in (404, 422), url
        r = service_client.put(f"{API}/ballots/{number}/marks", headers=auth("israel"), json={"accepted": [0]})
        assert r.status_code in (404, 422), number
    for url in (
        f"{API}/proposals/a%00b",
        f"{API}/proposals/a%00b/history",
        f"{API}/preferences/ha%00mas",
        "/api/talks/gaza%00/export",
        f"/talks/{TALKS}/proposals/a%00b",
    ):
        assert service_client.get(url, headers=auth("mediator")).status_code in (404, 422), url
    r = service_client.get(f"{API}/bridge", params={"proposal": "a\x00b"}, headers=auth("mediator"))
    assert r.status_code == 422  # in the documented shape of bad input, the field named
    assert r.json()["detail"] == [
        {"message": "a NUL character is not allowed in the query", "path": ["query", "proposal"]}
    ]
    r = service_client.post(f"{API}/people", headers=auth("mediator"), json={"name": "x\x00", "role": "observer"})
    assert r.status_code == 422
    r = service_client.post(f"{API}/ballots", headers=auth("mediator"), json={"title": "t\x00", "from_proposal": "x"})
    assert r.status_code == 422
    assert service_client.get(f"{API}/ballots/1", headers=auth("mediator")).status_code == 200


@pytest.fixture
def sqlite_store(tmp_path: Any) -> Iterator[Any]:
    from conftest import seed_store
    from truce.store.repo import Store

    store = Store(f"sqlite:///{tmp_path / 'truce.db'}")
    seed_store(store)
    yield store
    store.close()


def test_every_answer_carries_the_security_headers_errors_included(sqlite_store: Any) -> None:
    app = create_app(sqlite_store, client_settings(max_body=1_000))

    @app.get("/api/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    with TestClient(app, raise_server_exceptions=False) as c:
        answers = {
            200: c.get("/api/health"),
            "page 200": c.get("/login"),
            303: c.get("/", follow_redirects=False),
            401: c.get(API),
            403: c.get(f"{API}/frontier", headers=auth("israel")),
            404: c.get("/no/such/page"),
            "api 404": c.get("/api/no-such-thing", headers=auth("mediator")),
            405: c.delete(API, headers=auth("mediator")),
            413: c.post("/api/talks", content=b"x" * 2_000),
            422: c.post(f"{API}/people", headers=auth("mediator"), json={}),
            400: c.get("/api/health", headers={"host": "attacker.example"}),
            500: c.get("/api/boom"),
        }
        for status, r in answers.items():
            expected = status if isinstance(status, int) else int(status.split()[-1])
            assert r.status_code == expected, (status, r.text)
            for header in SECURITY:
                assert header in r.headers, (status, header)
            assert r.headers["x-content-type-options"] == "nosniff"
            assert "default-src 'self'" in r.headers["content-security-policy"]
        assert answers[500].json() == {"detail": "internal error"}
        assert "an unexpected failure" not in answers[500].text
        assert answers[401].headers["cache-control"] == "no-store"


def test_only_allowed_host_names_are_answered(sqlite_store: Any) -> None:
    with TestClient(create_app(sqlite_store)) as c:  # the default: loopback names only
        assert c.get("/api/health").status_code == 400  # the test client's own name, "testserver"
        for host in ("localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"):
            assert c.get("/api/health", headers={"host": host}).status_code == 200, host
        for host in ("attacker.example", "attacker.example:8000", "localhost.attacker.example", "127.0.0.2", ""):
            r = c.get("/api/health", headers={"host": host})
            assert r.status_code == 400, host
            assert json.loads(r.text) == {"detail": "this server does not answer to that host name"}
    with TestClient(create_app(sqlite_store, client_settings(allowed_hosts=("truce.example",)))) as c:
        assert c.get("/api/health", headers={"host": "truce.example:443"}).status_code == 200
        assert c.get("/api/health", headers={"host": "localhost"}).status_code == 400
