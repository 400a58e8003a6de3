"""Blind acceptance against a side that tries to learn the other's marks (SQLite and PostgreSQL).

A reveal names one package, the best of the overlap by the ballot's criterion, or none: what a side
reads back depends on the other side's marks only through that one package. Marks are shown to their
author alone; packages are published without scores, in an order shuffled with a recorded seed.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import numpy as np

from conftest import TALKS, auth
from truce.analysis.bridge import bridge_proposal, reference_row
from truce.analysis.standing import standings
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario
from truce.store.repo import Store, ballot_content

API = f"/api/talks/{TALKS}"
PACKAGES = [
    {"rafah": "israeli_control", "philadelphi": "reduced_presence"},
    {"rafah": "international_presence"},
    {"philadelphi": "reduced_presence", "return_north": "vehicle_inspection"},
    {"rafah": "agreed_reopening", "aid_trucks": 600},
]


def score(service_store: Store, terms: dict[str, Any], criterion: str) -> tuple[float, ...]:
    """A package's score by the criterion's defining rule, on each party's gain over its reservation value in
    the package's worst completion: ``nash`` the product of gains, ``egalitarian`` the gains smallest first
    (compared leximin). Rounded, as scores closer than 1e-9 are the same score."""
    c = compile_scenario(build_scenario(service_store.scenario_data(TALKS)))
    low = np.array([st.low for st in standings(c, reference_row(c, terms))])
    gains = np.maximum(low - c.reservation, 0.0)
    values = [float(np.prod(gains))] if criterion == "nash" else sorted(float(g) for g in gains)
    return tuple(round(v, 9) for v in values)


def publish(service_client: Any, criterion: str = "nash") -> tuple[int, list[dict[str, Any]]]:
    body = {"title": "Probe", "packages": PACKAGES, "criterion": criterion}
    r = service_client.post(f"{API}/ballots", headers=auth("mediator"), json=body)
    assert r.status_code == 201, r.text
    n = r.json()["number"]
    published = service_client.get(f"{API}/ballots/{n}", headers=auth("hamas")).json()["packages"]
    return n, [p["terms"] for p in published]


def test_a_side_that_marks_everything_learns_only_the_best_package_of_the_overlap(
    service_client: Any, service_store: Store
) -> None:
    reads: dict[tuple[str, str], set[str]] = {}  # (criterion, the package revealed) -> what hamas read
    for criterion, israel in itertools.product(("nash", "egalitarian"), range(1 << len(PACKAGES))):
        n, published = publish(service_client, criterion)
        marked = [i for i in range(len(published)) if israel >> i & 1]
        r = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": marked})
        assert r.status_code == 200
        everything = list(range(len(published)))
        seen = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("hamas"), json={"accepted": everything})
        body = seen.json()
        assert body["status"] == "revealed" and "overlap" not in body
        chosen = body["chosen"]
        if not marked:
            assert chosen is None
        else:  # one of the packages both marked, and none of them scores better
            assert chosen in marked, (criterion, marked)
            best = max(score(service_store, published[i], criterion) for i in marked)
            assert score(service_store, published[chosen], criterion) == best, (criterion, marked)
        revealed = json.dumps(None if chosen is None else published[chosen], sort_keys=True)
        rest = {k: v for k, v in body.items() if k not in ("number", "created_at", "packages", "chosen")}
        reads.setdefault((criterion, revealed), set()).add(json.dumps(rest, sort_keys=True))
    # whatever israel marked, hamas reads back the same but for the one package revealed
    assert all(len(read) == 1 for read in reads.values()), reads
    assert len({read for group in reads.values() for read in group}) == 1
    assert len({revealed for _, revealed in reads}) >= 3  # the probe did reveal different packages


def test_marks_are_shown_to_their_author_only(service_client: Any) -> None:
    n, _ = publish(service_client)
    twice = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [0, 0, 1]})
    assert twice.status_code == 422 and "at most once" in twice.text and "accepted" in twice.text
    service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [0, 1]})
    service_client.put(f"{API}/ballots/{n}/marks", headers=auth("hamas"), json={"accepted": [1, 2]})
    mediator = service_client.get(f"{API}/ballots/{n}", headers=auth("mediator")).json()
    assert mediator["my_marks"] is None and mediator["answered_by"] == ["israel", "hamas"]
    for side, own in (("israel", [0, 1]), ("hamas", [1, 2])):
        seen = service_client.get(f"{API}/ballots/{n}", headers=auth(side)).json()
        assert seen["my_marks"] == own and seen["answered_by"] is None
    page = service_client.get(f"/talks/{TALKS}/ballots/{n}", headers=auth("mediator")).text
    assert "you marked it" not in page and "Answered: Israel (government), Hamas." in page


def test_packages_are_published_without_scores_in_the_order_of_the_recorded_seed(
    service_client: Any, service_store: Store
) -> None:
    body = {"title": "Bridges", "from_proposal": "aug16-bridging", "criterion": "nash", "k": 3}
    n = service_client.post(f"{API}/ballots", headers=auth("mediator"), json=body).json()["number"]
    content = ballot_content(service_store.ballot(TALKS, n))
    assert content.seed is not None and content.criterion == "nash"
    c = compile_scenario(build_scenario(service_store.scenario_data(TALKS)))
    suggested = [dict(b.terms) for b in bridge_proposal(c, "aug16-bridging", "nash", 3).bridges]
    order = list(range(len(suggested)))
    random.Random(content.seed).shuffle(order)
    for who in ("hamas", "israel", "mediator"):
        ballot = service_client.get(f"{API}/ballots/{n}", headers=auth(who)).json()
        assert [p["terms"] for p in ballot["packages"]] == [suggested[i] for i in order]
        assert all(set(p) == {"index", "terms", "text"} for p in ballot["packages"])  # no gains, no scores
        assert "seed" not in json.dumps(ballot) and "rank" not in json.dumps(ballot)


def test_a_package_published_twice_is_refused(service_client: Any, service_store: Store) -> None:
    """Two copies of one package could be published: a side marking the one copy and the other side the other
    were told "No package: none was marked by every party", though both had accepted the same terms."""
    before = service_store.talks_version(TALKS)
    same = [{"rafah": "israeli_control", "aid_trucks": 600}, {"rafah": "international_presence"}]
    same.append({"aid_trucks": 600.0, "rafah": "israeli_control"})  # the first again, written otherwise
    r = service_client.post(f"{API}/ballots", headers=auth("mediator"), json={"title": "Twice", "packages": same})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == [{"message": "the same package as packages[0]", "path": ["packages", 2]}]
    assert service_store.talks_version(TALKS) == before  # nothing published
    r = service_client.post(f"{API}/ballots", headers=auth("mediator"), json={"title": "Once", "packages": same[:2]})
    assert r.status_code == 201


def test_a_mark_naming_no_package_or_one_twice_is_said_as_the_page_numbers_packages(
    service_client: Any, service_store: Store
) -> None:
    """The page numbers the packages from 1 (Package 1 to Package 4), and a mark out of range came back "no package
    4 (there are 4)", counted from 0; the page's form could mark one package twice, and was recorded so."""
    from html import unescape

    n, _ = publish(service_client)
    r = service_client.put(f"{API}/ballots/{n}/marks", headers=auth("israel"), json={"accepted": [1, 4]})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {
            "message": "index 4 is no package: the ballot has 4 (Packages 1 to 4, indices 0 to 3)",
            "path": ["accepted", 1],
        }
    ]
    before = service_store.talks_version(TALKS)
    url = f"/talks/{TALKS}/ballots/{n}/marks"
    for sent, said in (
        (["1", "1"], "accepted: Package 2 (index 1) is marked twice"),
        (["4"], "accepted: index 4 is no package"),
        (["x"], "accepted, value 1: "),
    ):
        page = service_client.post(url, data={"accepted": sent}, headers=auth("israel"))
        assert page.status_code == 422 and said in unescape(page.text), (sent, page.text)
    assert service_store.talks_version(TALKS) == before  # nothing recorded
