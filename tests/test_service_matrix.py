"""The authorisation matrix: every operation of the OpenAPI document, for every role.

The operations come from the document itself, so a new endpoint is covered as soon as it exists (and
fails here until it declares the roles it admits). For every answer, to every role, nothing may carry
another party's private preferences: their texts, their reservation value, or their standings.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from conftest import RESERVATION, SECRET, TALKS, TOKENS
from truce.analysis.standing import standings
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario

# Who asks: a role and (for parties) the side it speaks for. "outsider" is a mediator of other talks.
VIEWERS: dict[str, tuple[str, str | None]] = {
    "anonymous": ("anyone", None),
    "observer": ("observer", None),
    "israel": ("party", "israel"),
    "hamas": ("party", "hamas"),
    "mediator": ("mediator", None),
    "outsider": ("mediator", None),
}
PATH_VALUES = {"talks_id": TALKS, "proposal_id": "jul2-hamas", "party": "hamas", "number": "1", "kind": "event"}
QUERY_VALUES = {"proposal": "aug16-bridging"}


def body_for(method: str, path: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """A well-formed body for each writing operation (some are refused as stale: that is fine)."""
    if path == "/api/talks":
        from conftest import ROOT
        from truce.io.scenario_files import load_scenario, scenario_to_data

        return {"json": scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025"))}
    if path == "/api/talks/{talks_id}/proposals/{proposal_id}":
        proposal = next(p for p in scenario["proposals"] if p["id"] == PATH_VALUES["proposal_id"])
        return {"json": {"version": 1, "proposal": {**proposal, "note": "edited"}}}
    if path == "/api/talks/{talks_id}/preferences/{party}":
        return {"json": {"version": 99, "preferences": scenario["preferences"]["hamas"]}}
    if path == "/api/talks/{talks_id}/exchange":
        return {"json": {"version": 0, "agreement": {}, "release_log": ""}}
    if path == "/api/talks/{talks_id}/people":
        return {"json": {"name": "Another observer", "role": "observer"}}
    if path == "/api/talks/{talks_id}/ballots":
        return {"json": {"title": "Packages", "from_proposal": "aug16-bridging"}}
    if path.endswith("/marks") and path.startswith("/api"):
        return {"json": {"accepted": [0]}}
    if path == "/talks/{talks_id}/preferences/{party}":
        return {"data": {"version": "99", "text": json.dumps(scenario["preferences"]["hamas"])}}
    if path == "/talks/{talks_id}/proposals/{proposal_id}":
        proposal = next(p for p in scenario["proposals"] if p["id"] == PATH_VALUES["proposal_id"])
        return {"data": {"version": "1", "text": json.dumps({**proposal, "note": "edited"})}}
    if path == "/talks/{talks_id}/draft":  # a preview: every role that may draft sees its own standings only
        draft = {"id": "m1", "title": "Draft", "date": "2024-09-01", "tabled_by": "hamas", "parent": "aug16-bridging"}
        return {"data": {**draft, "term.rafah": "agreed_reopening", "action": "preview"}}
    if path == "/talks/{talks_id}/preferences/{party}/form":
        from truce.service.prefs_form import prefill

        fields = prefill(scenario["preferences"]["hamas"], build_scenario(scenario)).values
        return {"data": {**fields, "version": "1", "action": "preview"}}
    if path == "/talks/{talks_id}/proposals/{proposal_id}/respond":
        return {"data": {"version": "99", "party": "hamas", "stance": "accepted", "date": "2024-07-05"}}
    if path == "/talks/{talks_id}/record/{kind}":
        return {"data": {"version": "1", "date": "2024-09-01", "title": "An event"}}
    if path == "/talks/{talks_id}/people":
        return {"data": {"name": "Another observer", "role": "observer"}}
    if path == "/login":
        return {"data": {"token": "not-a-token"}}
    if path == "/talks/{talks_id}/ballots":
        return {"data": {"proposal": "aug16-bridging", "title": "Packages"}}
    if path.endswith("/marks"):
        return {"data": {"accepted": ["0"]}}
    return {}


def secrets_of(party: str, scenario: dict[str, Any]) -> list[str]:
    """Strings that only someone allowed to see ``party``'s preferences could receive."""
    s = build_scenario(scenario)
    c = compile_scenario(s)
    found = [*SECRET[party], str(RESERVATION[party])]
    p = c.parties.index(party)
    for proposal in s.proposals:
        st = standings(c, c.encode(s.terms_of(proposal.id)))[p]
        for value in (st.low, st.high):
            text = str(round(value, 6))
            if len(text) >= 7:  # long enough not to turn up by chance
                found.append(text)
    return found


def may_see(viewer: str) -> set[str]:
    _role, party = VIEWERS[viewer]
    if viewer == "mediator":
        return {"israel", "hamas"}
    return {party} if party else set()


@pytest.fixture
def outsider(service_store: Any) -> None:
    service_store.create_talks({**json.loads(json.dumps(_other_talks())), "id": "other-talks"}, "test")
    service_store.add_person("other-talks", "Other mediator", "mediator", None, "tok-outsider-0123456789", "test")
    # someone whose access the matrix may revoke and whose token it may replace without locking anyone else out
    spare = service_store.add_person(TALKS, "Spare observer", "observer", None, "tok-spare-0123456789", "test")
    PATH_VALUES["person_id"] = str(spare.id)


def _other_talks() -> dict[str, Any]:
    from conftest import ROOT
    from truce.io.scenario_files import load_scenario, scenario_to_data

    return scenario_to_data(load_scenario(ROOT / "examples" / "labour-2025"))


def test_every_operation_for_every_role(service_client: Any, service_store: Any, outsider: None) -> None:
    scenario = service_store.scenario_data(TALKS)
    doc = service_client.get("/openapi.json").json()
    leaks = {party: secrets_of(party, scenario) for party in SECRET}
    service_store.create_ballot(TALKS, "Seeded", [{"terms": {"rafah": "israeli_control"}}], ["israel", "hamas"], "test")
    operations = [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]
    assert len(operations) >= 25
    undeclared = [f"{m.upper()} {p}" for p, m, op in operations if "x-roles" not in op]
    assert not undeclared, f"operations without x-roles: {undeclared}"
    checked = 0
    seen_by_mediator: list[str] = []
    for path, method, op in operations:
        roles = set(op["x-roles"])
        for viewer, (role, party) in VIEWERS.items():
            service_client.cookies.clear()
            headers = {}
            token = TOKENS.get(viewer) or ("tok-outsider-0123456789" if viewer == "outsider" else None)
            if token:
                headers["Authorization"] = f"Bearer {token}"
            url = path
            for name in re.findall(r"{(\w+)}", path):
                url = url.replace("{" + name + "}", PATH_VALUES[name])
            params = {
                p["name"]: QUERY_VALUES[p["name"]]
                for p in op.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            r = service_client.request(
                method.upper(),
                url,
                params=params,
                headers=headers,
                follow_redirects=False,
                **body_for(method, path, scenario),
            )
            where = f"{method.upper()} {path} as {viewer}: {r.status_code} {r.text[-600:]}"
            allowed = "anyone" in roles or (
                viewer != "anonymous"
                and role in roles
                and (viewer != "outsider" or "{talks_id}" not in path)
                and ("{party}" not in path or PATH_VALUES["party"] in may_see(viewer))
                # a party edits only the texts it tabled (jul2-hamas is hamas's), and answers any text in its own
                # name only (the response's body names hamas)
                and not (method in ("put", "post") and "{proposal_id}" in path and role == "party" and party != "hamas")
            )
            if "anyone" in roles:
                assert r.status_code < 500, where
            elif viewer == "anonymous":
                assert r.status_code in (401, 303), where
                if r.status_code == 303:
                    assert r.headers["location"] == "/login", where
            elif allowed:
                assert r.status_code in (200, 201, 303, 409, 422), where
            else:
                assert r.status_code == 403, where
            body = r.text
            if viewer == "mediator":
                seen_by_mediator.append(body)
            for party, strings in leaks.items():
                if party in may_see(viewer):
                    continue
                for secret in strings:
                    assert secret not in body, f"{where}: leaks {party}'s {secret!r}"
            checked += 1
    assert checked == len(operations) * len(VIEWERS)
    # the check has teeth: every secret looked for does reach the one who may see it
    everything = "\n".join(seen_by_mediator)
    for strings in leaks.values():
        assert all(secret in everything for secret in strings)


def test_openapi_document_is_public_and_names_the_roles(service_client: Any) -> None:
    doc = service_client.get("/openapi.json").json()
    roles = {r for item in doc["paths"].values() for op in item.values() for r in op["x-roles"]}
    assert roles == {"anyone", "mediator", "party", "observer"}
