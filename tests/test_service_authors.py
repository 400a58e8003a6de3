"""Who wrote what: every write names its writer so that two people are never confused, whatever their names'
length, and opening talks leaves them reachable or does not open them at all (SQLite, and PostgreSQL when one
is available: it enforces the size of the columns that keep who wrote something)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import ROOT, TALKS, auth
from truce.io.scenario_files import load_scenario, scenario_to_data
from truce.service.auth import WHO_MOST
from truce.store.repo import Store

API = f"/api/talks/{TALKS}"
LONGEST = "N" * 200  # the longest name a person may be given


def person(client: Any, name: str, role: str, party: str | None = None) -> tuple[int, dict[str, str]]:
    body = {"name": name, "role": role, **({"party": party} if party else {})}
    r = client.post(f"{API}/people", headers=auth("mediator"), json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}


def save_preferences(client: Any, headers: dict[str, str], party: str) -> Any:
    """Save a new version of ``party``'s preferences (its reservation value up by 0.01: saved unchanged, they
    would write none)."""
    current = client.get(f"{API}/preferences/{party}", headers=headers).json()["versions"][-1]
    changed = {**current["data"], "reservation": round(current["data"]["reservation"] + 0.01, 6)}
    body = {"version": current["version"], "preferences": changed}
    return client.put(f"{API}/preferences/{party}", headers=headers, json=body)


def test_a_person_with_the_longest_name_writes_and_is_named_by_their_number(
    service_client: Any, service_store: Store
) -> None:
    _, headers = person(service_client, LONGEST, "party", "israel")  # the fifth person of these talks
    saved = save_preferences(service_client, headers, "israel")
    assert saved.status_code == 200, saved.text
    entry = service_store.audit_entries(TALKS)[-1]
    assert len(entry.actor) <= WHO_MOST
    assert entry.actor.endswith("… (party: israel, person 5)")
    author = service_store.preference_history(TALKS, "israel")[-1].author
    assert author == entry.actor
    assert service_store.verify().ok


def test_two_people_of_one_name_are_told_apart_in_the_record(service_client: Any, service_store: Store) -> None:
    _, one = person(service_client, "Israel's team", "party", "israel")
    _, other = person(service_client, "Israel's team", "party", "israel")
    for headers in (one, other):
        assert save_preferences(service_client, headers, "israel").status_code == 200
    actors = [e.actor for e in service_store.audit_entries(TALKS)[-2:]]
    assert actors == [f"Israel's team (party: israel, person {n})" for n in (5, 6)]
    versions = service_client.get(f"{API}/preferences/israel", headers=one).json()["versions"]
    assert [v["author"] for v in versions[-2:]] == actors


def labour() -> dict[str, Any]:
    return scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025"))


def test_a_mediator_with_the_longest_name_opens_talks_that_have_their_mediator(
    service_client: Any, service_store: Store
) -> None:
    _, headers = person(service_client, LONGEST, "mediator")
    data = labour()
    r = service_client.post("/api/talks", headers=headers, json=data)
    assert r.status_code == 201, r.text
    data["id"] = r.json()["id"]  # an id of their own
    (opener,) = service_store.people(data["id"])
    assert opener.name.startswith("mediator (imported by NNN") and opener.name.endswith("…)")
    assert len(opener.name) <= WHO_MOST
    mine = {"Authorization": f"Bearer {r.json()['mediator_token']}"}
    assert service_client.get(f"/api/talks/{data['id']}", headers=mine).status_code == 200
    # its number is among the people of its own talks, not an id that counts the people of every talks
    added = service_client.post(f"/api/talks/{data['id']}/people", headers=mine, json={"name": "O", "role": "observer"})
    assert added.status_code == 201 and added.json()["id"] > 1
    assert service_store.audit_entries(data["id"])[-1].actor.endswith("… (mediator, person 1)")
    assert service_store.verify().ok


def test_opening_talks_writes_the_talks_and_their_mediator_together(
    service_client: Any, service_store: Store, monkeypatch: Any
) -> None:
    import truce.store.repo as repo

    def fail(*_args: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(repo, "_new_person", fail)
    data = labour()
    with pytest.raises(RuntimeError):  # the test client raises what the server would answer 500 to
        service_client.post("/api/talks", headers=auth("mediator"), json=data)
    assert [t.id for t in service_store.talks()] == [TALKS]  # nothing half-opened: the id is free again
    monkeypatch.undo()
    assert service_client.post("/api/talks", headers=auth("mediator"), json=data).status_code == 201


def test_a_file_opened_from_the_pages_by_the_longest_name_says_what_it_opened(
    service_client: Any, service_store: Store
) -> None:
    from test_service_pages import form_token

    _, headers = person(service_client, LONGEST, "mediator")
    token = headers["Authorization"].removeprefix("Bearer ")
    signed = service_client.post("/login", data={"token": token, "csrf": form_token(service_client, "/login")})
    assert signed.status_code == 200, signed.text
    data = labour()
    r = service_client.post(
        f"/talks/{TALKS}/files",
        data={"csrf": form_token(service_client, f"/talks/{TALKS}/files")},
        files={"file": ("labour.json", json.dumps(data).encode(), "application/json")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = service_client.get(r.headers["location"])
    assert page.status_code == 200, page.text
    assert 'data-testid="new-token"' in page.text  # the new talks' mediator, shown once
    data["id"] = parse_qs(urlsplit(r.headers["location"]).query)["opened"][0]  # an id of their own
    (opener,) = service_store.people(data["id"])
    assert opener.name.startswith("mediator (opened by NNN") and len(opener.name) <= WHO_MOST
    assert len(service_store.audit_entries(data["id"])[0].actor) <= WHO_MOST
