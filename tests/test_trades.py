from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hand_cases import issue
from truce.analysis.home import home_standings
from truce.analysis.standing import Verdict, standings
from truce.analysis.trades import trades, trades_json
from truce.errors import InputError
from truce.model.checks import build_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.generate import random_scenario, with_constituents


def _port() -> dict[str, Any]:
    return {
        "id": "port",
        "title": "a shipper and a port",
        "parties": [{"id": "ship", "name": "Shipper"}, {"id": "port", "name": "Port"}],
        "issues": [
            issue("fee", "Fee", "ordinal", {"low": "low fee", "high": "high fee"}),
            issue("season", "Season", "categorical", {"summer": "summer", "winter": "winter"}),
            issue("cranes", "Cranes", "ordinal", {"one": "one crane", "two": "two cranes"}),
        ],
        "preferences": {
            # the shipper cares most about the fee, the port about the season
            "ship": {
                "assumption": True,
                "weights": {"fee": 6, "season": 2, "cranes": 2},
                "values": {
                    "fee": {"low": 1, "high": 0},
                    "season": {"summer": 0, "winter": 1},
                    "cranes": {"one": 0, "two": 1},
                },
            },
            "port": {
                "assumption": True,
                "weights": {"fee": 2, "season": 6, "cranes": 2},
                "values": {
                    "fee": {"low": 0, "high": 1},
                    "season": {"summer": 1, "winter": 0},
                    "cranes": {"one": 1, "two": 0},
                },
            },
        },
    }


def test_logroll_fee_for_season() -> None:
    c = compile_scenario(build_scenario(_port()))
    found = trades(c, {"fee": "high", "season": "winter", "cranes": "one"}, ("ship", "port"))
    assert len(found) == 1
    t = found[0]
    # the shipper concedes the season (loses 0.2, the port gains 0.6); the port concedes the fee
    # (loses 0.2, the shipper gains 0.6): each gains 0.4
    assert (t.first.issue, t.first.before, t.first.after) == ("season", "winter", "summer")
    assert (t.second.issue, t.second.before, t.second.after) == ("fee", "high", "low")
    assert t.first.gains == pytest.approx({"ship": -0.2, "port": 0.6})
    assert t.gains == pytest.approx({"ship": 0.4, "port": 0.4})
    assert t.terms == {"fee": "low", "season": "summer", "cranes": "one"}
    # Who concedes what, from what to what, in the options' labels; and whether the result is acceptable.
    assert t.text == (
        'Shipper concedes on Season, from "winter" to "summer"; in exchange, Port concedes on Fee, '
        'from "high fee" to "low fee". Net: Shipper gains 0.40, Port gains 0.40. '
        "The result is acceptable to Shipper; acceptable to Port."
    )
    assert t.verdicts == {p: st.acceptable for p, st in zip(c.parties, standings(c, c.encode(t.terms)), strict=True)}
    data = trades_json(found)
    assert data[0]["concessions"][0]["party"] == "ship"
    assert data[0]["concessions"][1]["issue"] == "fee"
    assert data[0]["acceptable"] == {"ship": "yes", "port": "yes"}


def test_trades_stay_within_the_tabled_terms() -> None:
    texts = [
        {
            "id": "ship-1",
            "title": "Shipper's text",
            "tabled_by": ["ship"],
            "date": "2024-01-02",
            "terms": {"fee": "high", "season": "winter", "cranes": "one"},
        },
        {
            "id": "port-1",
            "title": "Port's text",
            "tabled_by": ["port"],
            "date": "2024-01-03",
            "terms": {"fee": "low", "cranes": "one"},
        },
    ]
    c = compile_scenario(build_scenario({**_port(), "proposals": texts}))
    reference = c.scenario.terms_of("ship-1")
    # nobody tabled a summer season: within the tabled terms there is no trade
    assert trades(c, reference, ("ship", "port")) == ()
    # with any term, the fee-for-season trade, its season flagged as not tabled by anyone
    (t,) = trades(c, reference, ("ship", "port"), scope="all")
    assert (t.first.issue, t.first.tabled, t.second.issue, t.second.tabled) == ("season", False, "fee", True)
    assert t.first.text.endswith("(not tabled by anyone)")
    assert trades_json((t,))[0]["concessions"][0]["tabled"] is False


def test_a_verdict_within_the_tabled_terms_says_so_and_gives_analyzes_beside_it() -> None:
    """With cranes open and only one crane tabled, the port accepts the result within the tabled terms; with two
    cranes it would not, so analyze, which lets an open issue take any term, says it depends. The trade gives
    both verdicts and says what the first assumes."""
    data = _port()
    data["preferences"]["port"]["reservation"] = 0.7
    data["proposals"] = [
        {"id": "ship-1", "title": "Shipper's", "tabled_by": ["ship"], "date": "2024-01-02",
         "terms": {"fee": "high", "season": "winter"}},
        {"id": "port-1", "title": "Port's", "tabled_by": ["port"], "date": "2024-01-03",
         "terms": {"fee": "low", "season": "summer", "cranes": "one"}},
    ]  # fmt: skip
    c = compile_scenario(build_scenario(data))
    (t,) = trades(c, c.scenario.terms_of("ship-1"), ("ship", "port"))
    assert t.terms == {"fee": "low", "season": "summer"} and t.open == ("cranes",)
    assert t.verdicts == {"ship": Verdict.yes, "port": Verdict.yes}
    analyzed = {st.party: st.acceptable for st in standings(c, c.encode(t.terms))}
    assert t.any_term == analyzed == {"ship": Verdict.yes, "port": Verdict.depends}
    assert t.text.endswith(
        "The result is acceptable to Shipper; acceptable to Port. Open issues (Cranes): these verdicts assume they "
        "are settled within the terms tabled; with any term there, as analyze reads these terms, it is acceptable "
        "to Port or not, depending on the open issues."
    )
    data_out = trades_json((t,))[0]
    assert data_out["open"] == ["cranes"]
    assert data_out["any_term"] == {"acceptable": {"ship": "yes", "port": "depends"}, "ratified": {}}
    # with any term allowed, the verdict is analyze's and there is no assumption to state
    (wide,) = trades(c, c.scenario.terms_of("ship-1"), ("ship", "port"), scope="all")
    assert wide.verdicts == wide.any_term == analyzed and "Open issues" not in wide.text


def test_open_issues_and_red_lines_are_not_traded() -> None:
    data = _port()
    c = compile_scenario(build_scenario(data))
    assert trades(c, {"fee": "high"}, ("ship", "port")) == ()
    data["preferences"]["port"]["red_lines"] = [{"terms": {"fee": "low"}}]
    c = compile_scenario(build_scenario(data))
    assert trades(c, {"fee": "high", "season": "winter", "cranes": "one"}, ("ship", "port")) == ()


def test_bad_parties() -> None:
    c = compile_scenario(build_scenario(_port()))
    with pytest.raises(InputError, match="party 'x' has no preferences"):
        trades(c, {}, ("ship", "x"))
    with pytest.raises(InputError, match="two different parties"):
        trades(c, {}, ("ship", "ship"))
    for limit in (0, -1):  # a slice would have dropped trades without a word
        with pytest.raises(InputError, match="limit must be at least 1"):
            trades(c, {}, ("ship", "port"), limit)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Compiled, dict[str, str]]:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = draw(st.lists(st.integers(2, 4), min_size=2, max_size=4))
    s = random_scenario(rng, draw(st.integers(2, 3)), sizes, red_lines=draw(st.booleans()))
    reference = {
        f"i{i}": f"o{draw(st.integers(0, n - 1))}" for i, n in enumerate(sizes) if draw(st.booleans()) or i < 2
    }
    return compile_scenario(s), reference


@settings(max_examples=80, deadline=None)
@given(cases())
def test_trades_against_brute_force(case: tuple[Compiled, dict[str, str]]) -> None:
    c, reference = case
    a, b = "p0", "p1"
    found = trades(c, reference, (a, b))
    ref = c.encode(reference)
    pa, pb = c.parties.index(a), c.parties.index(b)
    # every trade: a concedes on one issue, b on another, both strictly better off, no red line crossed
    for t in found:
        assert t.first.gains[a] < 0 < t.first.gains[b]
        assert t.second.gains[b] < 0 < t.second.gains[a]
        assert t.gains[a] > 0 and t.gains[b] > 0
        row = c.encode(t.terms)
        assert int((row != ref).sum()) == 2
        if (ref >= 0).all():
            # no red line crossed that the reference did not cross already
            assert not (c.crossed(row) & ~c.crossed(ref)).any()
            # the verdict the text states is acceptability itself
            ok = c.acceptable(row)[0]
            assert [t.verdicts[p] == "yes" for p in c.parties] == ok.tolist()
            assert [t.verdicts[p] == "no" for p in c.parties] == (~ok).tolist()
    # the issue pairs found are exactly those where such a trade exists (brute force)
    expected = set()
    fixed = [i for i in range(len(ref)) if ref[i] >= 0]
    for i, j in itertools.permutations(fixed, 2):
        for o, q in itertools.product(range(c.sizes[i]), range(c.sizes[j])):
            if o == ref[i] or q == ref[j] or not (c.allowed[i][:, o].all() and c.allowed[j][:, q].all()):
                continue
            di = c.tables[i][:, o] - c.tables[i][:, ref[i]]
            dj = c.tables[j][:, q] - c.tables[j][:, ref[j]]
            if not (di[pa] < -1e-9 and di[pb] > 1e-9 and dj[pb] < -1e-9 and dj[pa] > 1e-9):
                continue
            if di[pa] + dj[pa] <= 1e-9 or di[pb] + dj[pb] <= 1e-9:
                continue
            row = ref.copy()
            row[i], row[j] = o, q
            if any(
                all(row[m] >= 0 and mask[row[m]] for m, mask in cp.masks)
                and not all(ref[m] >= 0 and mask[ref[m]] for m, mask in cp.masks)
                for cp in c.couplings
            ):
                continue
            expected.add((c.issues[i], c.issues[j]))
    assert {(t.first.issue, t.second.issue) for t in found} == expected
    # ranked by the smaller gain of the two, best first
    smaller = [min(t.gains[a], t.gains[b]) for t in found]
    assert smaller == sorted(smaller, reverse=True)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_each_trade_says_whether_each_side_ratifies_it_at_home(seed: int) -> None:
    """A logroll both leaders like can still fail at home: every trade carries each side's ratification of its
    result, as the rule decides it from scratch, and its text names the blockers when it is not certain."""
    rng = np.random.default_rng(seed)
    s = with_constituents(rng, random_scenario(rng, 2, [3, 3, 3]), members=3, reservation=0.7)
    c = compile_scenario(s)
    reference = c.decode(np.zeros(3, dtype=np.int64))
    found = trades(c, reference, ("p0", "p1"), scope="all")
    for t in found:
        homes = {h.party: h for h in home_standings(c, c.encode(t.terms))}
        assert {p: h.verdict for p, h in t.homes.items()} == {p: h.verdict for p, h in homes.items()}
        doubtful = [p for p in ("p0", "p1") if homes[p].verdict is not Verdict.yes]
        assert ("At home" in t.text) == bool(doubtful)
        for p in doubtful:
            assert all(m.name in t.text for m in homes[p].members if m.id in homes[p].blockers)
        assert trades_json((t,))[0]["ratified"] == {
            p: {"ratified": h.verdict.value, "blockers": list(h.blockers)} for p, h in homes.items()
        }
    leaders = trades(compile_scenario(s, ratification=False), reference, ("p0", "p1"), scope="all")
    assert all(not t.homes and "At home" not in t.text for t in leaders)
