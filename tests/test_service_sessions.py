"""Signing in and out, and what another site can make a signed-in browser do: server-side sessions (ended on
sign-out, when idle, when their person is revoked or given a new token), form tokens, the origin check, the API's
bearer-only writes, revoking and rotating tokens (API and command line), demo databases, private database files."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import ROOT, TALKS, TOKENS, auth, client_settings, seed_store, write_held
from truce.cli import app
from truce.service.app import create_app
from truce.store.repo import Store, hash_token

API = f"/api/talks/{TALKS}"
GLANCE = f"/talks/{TALKS}"
BRIDGE = f"/talks/{TALKS}/bridge"
SQLITE = pytest.mark.parametrize("service_db_url", ["sqlite"], indirect=True)


def form_token(client: Any, url: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text)
    assert found, url
    return found.group(1)


def sign_in(client: Any, who: str) -> str:
    """Sign in through the form as a browser would; the session cookie's value."""
    client.cookies.clear()
    r = client.post("/login", data={"token": TOKENS[who], "csrf": form_token(client, "/login")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(client.cookies["truce_session"])


def signed_in(client: Any) -> bool:
    r = client.get(GLANCE, follow_redirects=False)
    return r.status_code == 200


def publish_form(client: Any, csrf: str | None) -> dict[str, str]:
    form = {"proposal": "aug16-bridging", "title": "From the form"}
    return form if csrf is None else {**form, "csrf": csrf}


def test_signing_out_ends_the_session_on_the_server(service_client: Any, service_store: Store) -> None:
    session = sign_in(service_client, "israel")
    assert session not in TOKENS.values()  # the cookie holds a random session id, never the token
    with service_store.engine.connect() as conn:
        stored = conn.execute(text("select id_hash from login_session")).scalars().all()
    assert stored == [hash_token(session)]  # and only its hash is kept
    assert signed_in(service_client)
    csrf = form_token(service_client, GLANCE)
    assert service_client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    # a copy of the cookie taken before signing out no longer signs anyone in
    service_client.cookies.set("truce_session", session)
    assert service_client.get(GLANCE, follow_redirects=False).headers["location"] == "/login"


@SQLITE
def test_signing_out_while_a_write_holds_the_database_stops_no_other_request(
    service_client: Any, service_store: Store
) -> None:
    # signing out writes; on SQLite it waits for the write lock, and waiting on the event loop would stop
    # every other request until the lock came free
    from concurrent.futures import ThreadPoolExecutor

    sign_in(service_client, "israel")
    csrf = form_token(service_client, GLANCE)
    with ThreadPoolExecutor(2) as pool, write_held(service_store):
        out = pool.submit(service_client.post, "/logout", data={"csrf": csrf}, follow_redirects=False)
        assert not out.done()
        health = pool.submit(service_client.get, "/api/health").result(timeout=20)
    assert health.status_code == 200
    assert out.result(timeout=30).status_code == 303
    assert not signed_in(service_client)


@SQLITE
def test_an_idle_session_ends(service_store: Store) -> None:
    with TestClient(create_app(service_store, client_settings(session_idle_minutes=30))) as client:
        sign_in(client, "hamas")
        assert signed_in(client)
        with service_store.engine.begin() as conn:
            at = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=29)).isoformat(timespec="microseconds")
            conn.execute(text("update login_session set last_used = :at"), {"at": at})
        assert signed_in(client)  # used within the idle time: still signed in, and the use is recorded
        with service_store.engine.begin() as conn:
            assert conn.execute(text("select last_used from login_session")).scalar_one() > at
            old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)).isoformat(timespec="microseconds")
            conn.execute(text("update login_session set last_used = :at"), {"at": old})
        assert not signed_in(client)
        with service_store.engine.connect() as conn:
            assert conn.execute(text("select count(*) from login_session")).scalar_one() == 0


@SQLITE
def test_the_api_never_takes_the_cookie(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    r = service_client.post(f"{API}/ballots", json={"title": "Cookie", "from_proposal": "aug16-bridging"})
    assert r.status_code == 401
    assert service_client.get(f"{API}/people").status_code == 401
    r = service_client.post(
        f"{API}/ballots", json={"title": "Bearer", "from_proposal": "aug16-bridging"}, headers=auth("mediator")
    )
    assert r.status_code == 201


@SQLITE
def test_page_forms_need_their_sessions_form_token(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    url = f"/talks/{TALKS}/ballots"
    assert service_client.post(url, data=publish_form(service_client, None)).status_code == 403
    assert service_client.post(url, data=publish_form(service_client, "0" * 64)).status_code == 403
    other = TestClient(service_client.app, base_url="http://testserver")
    sign_in(other, "mediator")
    theirs = form_token(other, BRIDGE)
    assert service_client.post(url, data=publish_form(service_client, theirs)).status_code == 403
    mine = form_token(service_client, BRIDGE)
    assert mine != theirs
    r = service_client.post(url, data=publish_form(service_client, mine), follow_redirects=False)
    assert r.status_code == 303
    # every form a page shows carries the token: sign-out, publish, marks, edits
    for page in (GLANCE, BRIDGE, f"{GLANCE}/proposals/aug16-bridging", f"{GLANCE}/preferences/israel"):
        html = service_client.get(page).text
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms, page
        assert all(f'name="csrf" value="{mine}"' in form for form in forms), page
    sign_in(service_client, "israel")
    ballot = r.headers["location"]
    html = service_client.get(ballot).text
    assert f'name="csrf" value="{form_token(service_client, ballot)}"' in html.split('action="' + ballot)[1]
    assert service_client.post(f"{ballot}/marks", data={"accepted": ["0"]}).status_code == 403
    assert service_client.post("/logout", follow_redirects=False).status_code == 403  # not signed out by a stranger
    assert signed_in(service_client)


@SQLITE
def test_requests_from_another_origin_are_refused(service_client: Any) -> None:
    sign_in(service_client, "mediator")
    csrf = form_token(service_client, BRIDGE)
    url = f"/talks/{TALKS}/ballots"
    for foreign in (
        {"origin": "http://testserver:9999"},  # a page on another port of the same host
        {"origin": "http://attacker.example"},
        {"origin": "null"},
        {"referer": "http://testserver:9999/attack.html"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site"},
    ):
        r = service_client.post(url, data=publish_form(service_client, csrf), headers=foreign)
        assert r.status_code == 403, foreign
        assert "another site" in r.text
        r = service_client.post("/login", data={"token": TOKENS["hamas"]}, headers=foreign)
        assert r.status_code == 403, foreign
        r = service_client.put(f"{API}/ballots/1/marks", json={"accepted": [0]}, headers={**auth("israel"), **foreign})
        assert r.status_code == 403, foreign
    for malformed in ({"origin": "http://["}, {"referer": "http://[::1/x"}):  # once a 500
        r = service_client.post(url, data=publish_form(service_client, csrf), headers=malformed)
        assert r.status_code == 403, malformed
    ours = {"origin": "http://testserver", "referer": "http://testserver/talks/x", "sec-fetch-site": "same-origin"}
    r = service_client.post(url, data=publish_form(service_client, csrf), headers=ours, follow_redirects=False)
    assert r.status_code == 303


@SQLITE
def test_behind_a_tls_proxy_the_stated_origin_is_compared_scheme_and_port_included(service_store: Store) -> None:
    # A plain-HTTP page on the same name (a network attacker's, say) is another origin once --origin is given.
    settings = client_settings(allowed_hosts=("127.0.0.1", "truce.example"), origins=("https://truce.example",))
    app = create_app(service_store, settings)
    with TestClient(app, base_url="https://truce.example", raise_server_exceptions=False) as client:
        url = f"{API}/ballots/1/marks"
        for foreign in ("http://truce.example", "https://truce.example:8443", "https://evil.example"):
            r = client.put(url, json={"accepted": [0]}, headers={**auth("israel"), "origin": foreign})
            assert r.status_code == 403, foreign
        for ours in ("https://truce.example", "HTTPS://Truce.Example:443"):
            r = client.put(url, json={"accepted": [0]}, headers={**auth("israel"), "origin": ours})
            assert r.status_code in (200, 404), (ours, r.text)  # past the check: no ballot 1 yet is a 404
        r = client.put(url, json={"accepted": [0]}, headers={**auth("israel"), "referer": "http://truce.example/x"})
        assert r.status_code == 403
    with TestClient(app, base_url="http://127.0.0.1:8000", raise_server_exceptions=False) as local:
        # on the machine itself, as before: the Host header's name, whatever the scheme
        r = local.put(
            f"{API}/ballots/1/marks",
            json={"accepted": [0]},
            headers={**auth("israel"), "origin": "http://127.0.0.1:8000"},
        )
        assert r.status_code in (200, 404), r.text


def test_origin_of_is_what_a_browser_sends() -> None:
    from truce.service.guard import origin_of

    assert origin_of("https://Truce.Example:443/x?y") == "https://truce.example"
    assert origin_of("http://truce.example:8080") == "http://truce.example:8080"
    assert origin_of("http://[::1]:8000/") == "http://[::1]:8000"
    assert origin_of("https://[2001:0DB8::1]") == "https://[2001:db8::1]"
    assert origin_of("https://Bücher.example") == "https://xn--bcher-kva.example"
    assert origin_of("ftp://truce.example") is None
    assert origin_of("https://truce.example:99999") is None
    assert origin_of("null") is None


def test_serve_refuses_an_origin_that_is_not_one(tmp_path: Path) -> None:
    for bad in ("truce.example", "https://truce.example/talks", "ftp://truce.example", "https://a:b@truce.example"):
        done = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "t.db"), "--origin", bad])
        assert done.exit_code == 2, (bad, done.output)
        assert "--origin" in done.output and "expected an origin" in done.output
    assert not (tmp_path / "t.db").exists()  # refused before anything was opened


@SQLITE
def test_the_sign_in_form_needs_its_own_form_token(service_client: Any) -> None:
    service_client.cookies.clear()
    r = service_client.post("/login", data={"token": TOKENS["hamas"]}, follow_redirects=False)
    assert r.status_code == 403 and "truce_session" not in service_client.cookies
    service_client.cookies.clear()
    r = service_client.post("/login", data={"token": TOKENS["hamas"], "csrf": "guess"}, follow_redirects=False)
    assert r.status_code == 403 and "truce_session" not in service_client.cookies
    assert "sign-in form has expired" in r.text


def test_a_mediator_revokes_people_and_rotates_tokens(service_client: Any, service_store: Store) -> None:
    people = service_client.get(f"{API}/people", headers=auth("mediator")).json()
    ids = {p["name"]: p["id"] for p in people}
    assert not any(p["revoked"] for p in people)
    israel, hamas, me = ids["Israel's team"], ids["Hamas's team"], ids["Mediator"]
    sign_in(service_client, "israel")
    assert signed_in(service_client)
    assert service_client.post(f"{API}/people/{israel}/revoke", headers=auth("hamas")).status_code == 403
    r = service_client.post(f"{API}/people/{israel}/revoke", headers=auth("mediator"))
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert service_client.get("/api/me", headers=auth("israel")).status_code == 401
    assert not signed_in(service_client)  # the revoked person's open page session ended too
    listed = {p["id"]: p["revoked"] for p in service_client.get(f"{API}/people", headers=auth("mediator")).json()}
    assert listed[israel] is True and listed[hamas] is False
    assert service_client.post(f"{API}/people/{israel}/token", headers=auth("mediator")).status_code == 409
    r = service_client.post(f"{API}/people/{me}/revoke", headers=auth("mediator"))
    assert r.status_code == 422 and "yourself" in r.text
    for missing in (10_000, 2**31 - 1):
        assert service_client.post(f"{API}/people/{missing}/revoke", headers=auth("mediator")).status_code == 404
    assert service_client.post(f"{API}/people/{2**63}/revoke", headers=auth("mediator")).status_code == 422

    sign_in(service_client, "hamas")
    r = service_client.post(f"{API}/people/{hamas}/token", headers=auth("mediator"))
    assert r.status_code == 200
    new = r.json()["token"]
    assert new != TOKENS["hamas"]
    assert service_client.get("/api/me", headers=auth("hamas")).status_code == 401
    assert service_client.get("/api/me", headers={"Authorization": f"Bearer {new}"}).json()["party"] == "hamas"
    assert not signed_in(service_client)
    again = service_client.post(f"{API}/people/{hamas}/token", headers={"Authorization": f"Bearer {new}"})
    assert again.status_code == 403  # a party does not hand out tokens
    newer = service_client.post(f"{API}/people/{hamas}/token", headers=auth("mediator")).json()["token"]
    assert service_client.get("/api/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    assert service_client.get("/api/me", headers={"Authorization": f"Bearer {newer}"}).status_code == 200
    # every change is in the audit log, and the chain still verifies
    actions = [e["action"] for e in service_client.get(f"{API}/audit", headers=auth("mediator")).json()]
    assert actions[-3:] == ["revoke", "rotate", "rotate"]
    assert service_store.verify().ok, service_store.verify().problems


def test_the_people_commands(tmp_path: Path) -> None:
    path = tmp_path / "truce.db"
    store = Store(f"sqlite:///{path}")
    seed_store(store)
    store.close()
    runner = CliRunner()
    listed = runner.invoke(app, ["people", "list", "--db", str(path), "--json"])
    assert listed.exit_code == 0, listed.output
    ids = {p["name"]: p["id"] for p in json.loads(listed.stdout)}
    r = runner.invoke(app, ["people", "revoke", str(ids["Observer"]), "--db", str(path)])
    assert r.exit_code == 0 and "revoked" in r.output
    r = runner.invoke(app, ["people", "rotate", str(ids["Mediator"]), "--db", str(path)])
    assert r.exit_code == 0, r.output
    token = r.output.strip().rsplit(" ", 1)[-1]
    again = runner.invoke(app, ["people", "rotate", str(ids["Mediator"]), "--db", str(path), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["token"] not in (token, TOKENS["mediator"])
    token = json.loads(again.stdout)["token"]
    assert runner.invoke(app, ["people", "revoke", "999", "--db", str(path)]).exit_code == 2
    assert runner.invoke(app, ["people", "rotate", str(ids["Observer"]), "--db", str(path)]).exit_code == 2
    assert runner.invoke(app, ["people", "list", "--db", str(tmp_path / "nope.db")]).exit_code == 2
    plain = runner.invoke(app, ["people", "list", "--db", str(path)])
    assert "Observer (revoked)" in plain.output
    store = Store(f"sqlite:///{path}")
    assert store.person_by_token(TOKENS["observer"]) is None
    assert store.person_by_token(TOKENS["mediator"]) is None
    found = store.person_by_token(token)
    assert found is not None and found.name == "Mediator"
    assert store.person_by_token(TOKENS["israel"]) is not None
    assert store.verify().ok
    store.close()


def test_a_demo_database_is_never_served_beyond_loopback(tmp_path: Path) -> None:
    from truce.cli.serve import read_first_start, seed

    path = tmp_path / "demo.db"
    store = Store(f"sqlite:///{path}")
    seed(store, read_first_start(ROOT / "examples" / TALKS), demo=True)
    assert store.is_demo()
    store.close()
    for host in ("0.0.0.0", "192.0.2.10", "::"):
        r = CliRunner().invoke(app, ["serve", "--db", str(path), "--host", host])  # note: no --demo
        assert r.exit_code == 2, r.output
        assert "made with --demo" in r.output
    real = Store(f"sqlite:///{tmp_path / 'real.db'}")
    seed(real, read_first_start(ROOT / "examples" / TALKS), demo=False)
    assert not real.is_demo()
    real.close()


def test_a_demo_database_made_before_the_mark_is_marked_on_upgrade(service_db_url: str) -> None:
    from truce.store.db import make_engine, migrate

    engine = make_engine(service_db_url)
    migrate(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("insert into talks values ('t', 'T', '{}', '2024-01-01')"))
        conn.execute(
            text(
                "insert into person (talks_id, name, role, token_hash, created_at)"
                " values ('t', 'm', 'mediator', :h, '')"
            ),
            {"h": hash_token("demo-mediator")},
        )
    engine.dispose()
    store = Store(service_db_url)
    assert store.is_demo()
    store.close()


def test_the_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "truce.db"
        store = Store(f"sqlite:///{path}")
        seed_store(store)
        with store.engine.connect() as conn:  # keep a connection open, so the WAL files are there to look at
            conn.execute(text("select count(*) from person")).scalar_one()
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(f.exists() for f in files)
            for f in files:
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        store.close()
        wide = tmp_path / "wide.db"
        wide.touch()
        wide.chmod(0o644)
        Store(f"sqlite:///{wide}").close()
        assert stat.S_IMODE(wide.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_a_first_start_interrupted_leaves_nothing_and_a_restart_opens_the_talks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start put the talks (and the exchange) in, then each person in a transaction of its own: stopped
    between them, the talks stayed with no one holding a token for them, and a restart, the database no longer
    empty, printed no tokens."""
    import truce.store.repo as repo
    from truce.cli.serve import read_first_start, seed

    start = read_first_start(ROOT / "examples" / TALKS, ROOT / "examples" / "exchange-2025")
    store = Store(f"sqlite:///{tmp_path / 'first.db'}")
    made = repo._new_person
    calls = []

    def stopped(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the server stopped after the mediator's token, before the sides'
        return made(*args)

    monkeypatch.setattr(repo, "_new_person", stopped)
    with pytest.raises(KeyboardInterrupt):
        seed(store, start, demo=True)
    assert store.is_empty() and not store.is_demo()
    assert store.person_by_token("demo-mediator") is None
    monkeypatch.setattr(repo, "_new_person", made)
    tokens = seed(store, start, demo=True)  # the restart finds the database empty and opens the talks
    assert [t for _, _, t in tokens] == ["demo-mediator", "demo-israel", "demo-hamas", "demo-observer"]
    assert all(store.person_by_token(t) is not None for _, _, t in tokens)
    assert store.exchange(TALKS) is not None and store.is_demo() and store.verify().ok
    store.close()
