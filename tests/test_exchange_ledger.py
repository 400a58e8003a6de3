from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from truce.errors import InputError
from truce.exchange import Agreement
from truce.exchange.ledger import Ledger, keep_ledger, ledger_to_data
from truce.io.agreement_files import load_agreement, load_release_log, read_release_log
from truce.model.exchange import Event

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "exchange-2025"


@pytest.fixture(scope="module")
def a2025() -> Agreement:
    return load_agreement(EXAMPLE)[0]


@pytest.fixture(scope="module")
def ledger(a2025: Agreement) -> Ledger:
    return keep_ledger(a2025, load_release_log(EXAMPLE / "release-log.csv", a2025))


def test_published_log_shows_the_recorded_deviations_and_no_others(ledger: Ledger) -> None:
    found = {(day, d.kind, d.side, d.size, d.rule) for day, d in ledger.deviations()}
    assert found == {
        # the civilian-women-first sequence on 25 January (one civilian woman released on day 12)
        (7, "out_of_order", "hamas", 1, "order"),
        # displaced people crossed north on day 9, not day 7
        (7, "commitment_late", "israel", 2, "return_north"),
        # phase-two talks due by day 16 did not start (single report)
        (16, "commitment_missed", None, 24, "phase2_talks"),
        # the prisoner release due on day 35 was postponed to 27 February (day 40)
        (35, "late", "israel", 50, "key_sick_wounded"),
        (35, "late", "israel", 107, "key_held_since_2014"),
        # the ceasefire took effect at 11:15, not 08:30 (OCHA; the record says about three hours)
        (1, "commitment_late", None, 2.75, "ceasefire"),
        # OCHA counted 339 aid trucks on 24 January, 600 a day agreed
        (6, "recurring_short", None, 261, "aid_trucks"),
        # one set of remains handed over on 20 February was not of the person listed
        (33, "misidentified", "hamas", 1, "deceased"),
    }


def test_nothing_owed_at_the_end(ledger: Ledger) -> None:
    assert ledger.owed == {"hamas": [], "israel": []}
    assert ledger.through == 40


def test_running_exposure(ledger: Ledger) -> None:
    by_day = {d.day: d.exposure for d in ledger.days if d.exposure}
    assert by_day[1]["hamas"] == pytest.approx(3 / 33 - 90 / 1761, abs=1e-4)
    assert by_day[35]["hamas"] == pytest.approx(29 / 33 - 1135 / 1761, abs=1e-4)
    assert by_day[40] == {"hamas": 0.0, "israel": 0.0}


def test_json_shape(ledger: Ledger) -> None:
    data = ledger_to_data(ledger)
    day35 = next(d for d in data["days"] if d["day"] == 35)
    assert {"day", "due", "done", "deviations", "exposure"} <= set(day35)
    assert day35["deviations"][0]["kind"] == "late"
    assert set(day35["deviations"][0]) >= {"kind", "side", "size", "note"}
    assert data["owed"]["israel"]["total"] == 0


def test_missing_and_short(a2025: Agreement) -> None:
    events = [
        Event(1, "hamas", "civilian_women", 3),
        Event(1, "israel", "women_minors", 60),
        Event(7, "hamas", "civilian_women", 1),
        Event(7, "hamas", "female_soldiers", 1),
    ]
    ledger = keep_ledger(a2025, events, through=14)
    kinds = {(day, d.kind, d.size) for day, d in ledger.deviations()}
    assert (1, "short", 30) in kinds  # 60 of 90 on day 1
    assert (7, "short", 2) in kinds  # 5 captives by day 7, 7 due, and no more by day 14
    assert (7, "missing", 30) in kinds  # nothing for the civilian woman released on day 7
    assert (7, "missing", 50) in kinds  # nor for the female soldier
    assert (7, "commitment_missed", 7) in kinds  # return north not recorded by day 14
    assert (14, "short", 5) in kinds  # the cadence falls further behind
    owed = [(o.rule, o.count, o.due_day) for o in ledger.owed["israel"]]
    assert ("key_civilian", 30, 1) in owed
    assert ("key_civilian", 30, 7) in owed
    assert ("key_female_soldier", 30, 7) in owed


def test_a_key_paid_a_day_late_says_one_day(a2025: Agreement) -> None:
    events = [Event(1, "hamas", "civilian_women", 3), Event(1, "israel", "women_minors", 60)]
    events += [Event(2, "israel", "women_minors", 30)]
    ledger = keep_ledger(a2025, events, through=2)
    (short,) = [d for _, d in ledger.deviations() if d.kind == "short"]
    assert short.note.endswith("released on day 2 (2025-01-20) (1 day late)")


def test_captives_still_held_say_by_when_the_cadence_makes_them_due(a2025: Agreement) -> None:
    """The batch side's owed items had no due day, even when overdue: the cadence's remainder, days 36-42,
    makes everyone due by day 42 (2025-03-01)."""
    ledger = keep_ledger(a2025, [Event(1, "hamas", "civilian_women", 3)], through=1)
    data = ledger_to_data(ledger)["owed"]["hamas"]["items"]
    assert {(o["category"], o["due_day"], o["due_date"]) for o in data} >= {("civilian_women", 42, "2025-03-01")}


def test_surplus_captives(a2025: Agreement) -> None:
    ledger = keep_ledger(a2025, [Event(1, "hamas", "civilian_women", 6), Event(1, "israel", "women_minors", 180)])
    found = {(d.kind, d.side, d.size) for _, d in ledger.deviations()}
    assert ("surplus", "hamas", 2) in found


def test_captives_released_beyond_the_list_owe_no_key(a2025: Agreement) -> None:
    """Nine civilian women (the list holds four) made 270 prisoners due and the other side in default by
    270, while the ledger itself said five could not be on the list: only the four listed are keyed."""
    ledger = keep_ledger(a2025, [Event(1, "hamas", "civilian_women", 3)] * 3, through=1)
    found = {(d.kind, d.side, d.size) for _, d in ledger.deviations()}
    assert ("surplus", "hamas", 5) in found and ("missing", "israel", 120) in found
    assert [o.count for o in ledger.owed["israel"] if o.rule == "key_civilian"] == [120]


def test_a_count_or_day_past_the_agreements_bounds_is_refused_at_its_cell(tmp_path: Path, a2025: Agreement) -> None:
    log = tmp_path / "log.csv"
    log.write_text("day,side,category,count\n1,hamas,civilian_women,99999999999999999999999999\n99999,hamas,,\n")
    with pytest.raises(InputError) as caught:
        load_release_log(log, a2025)
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (2, 24, "count must be at most 10,000,000 (got 99999999999999999999999999)"),
        (3, 1, "day must be at most 3,660 (got 99999)"),
    ]


def test_ledger_beside_the_plan(a2025: Agreement) -> None:
    from truce.exchange import plan_exchange

    plan = plan_exchange(a2025)
    events = load_release_log(EXAMPLE / "release-log.csv", a2025)
    with_plan = keep_ledger(a2025, events, plan=plan)
    assert with_plan.deviations() == keep_ledger(a2025, events).deviations()
    day7 = next(d for d in with_plan.days if d.day == 7)
    assert day7.planned is not None
    assert any(e.category == "civilian_women" and e.count == 1 for e in day7.planned)
    assert "planned" in ledger_to_data(with_plan)["days"][0]


def test_a_commitment_due_after_the_last_day_is_not_yet_due(a2025: Agreement, ledger: Ledger) -> None:
    pending = {n.rule: n for n in ledger.not_yet_due}
    assert set(pending) == {"philadelphi_withdrawal"}
    withdrawal = pending["philadelphi_withdrawal"]
    assert (withdrawal.side, withdrawal.due_day, withdrawal.by_day) == ("israel", 42, 50)
    assert "not yet due on day 40" in withdrawal.note
    assert all(d.rule != "philadelphi_withdrawal" for _, d in ledger.deviations())
    data = ledger_to_data(ledger)
    assert [n["rule"] for n in data["not_yet_due"]] == ["philadelphi_withdrawal"]


def test_after_its_deadline_the_withdrawal_is_missed_or_done(a2025: Agreement) -> None:
    events = load_release_log(EXAMPLE / "release-log.csv", a2025)
    missed = keep_ledger(a2025, events, through=51)
    assert [(t, d.kind, d.size) for t, d in missed.deviations() if d.rule == "philadelphi_withdrawal"] == [
        (50, "commitment_missed", 1)
    ]
    assert missed.not_yet_due == []
    done = keep_ledger(a2025, [*events, Event(45, "israel", commitment="philadelphi_withdrawal")], through=51)
    assert all(d.rule != "philadelphi_withdrawal" for _, d in done.deviations())
    assert done.not_yet_due == []


@pytest.mark.parametrize("through", [1, 6, 7, 9, 16, 21, 22, 30, 41, 42, 49, 50, 60])
def test_every_commitment_is_done_flagged_unmonitored_or_not_yet_due(a2025: Agreement, through: int) -> None:
    """Never silently settled: by any day, each commitment was recorded done, is a deviation, is not
    monitored and past its day, or is listed as not yet due, and only one of the last two."""
    events = load_release_log(EXAMPLE / "release-log.csv", a2025)
    ledger = keep_ledger(a2025, events, through=through)
    done = {e.commitment for e in events if e.commitment and e.day <= through}
    flagged = {d.rule for _, d in ledger.deviations() if d.kind.startswith("commitment")}
    pending = {n.rule for n in ledger.not_yet_due}
    for c in a2025.commitments:
        fixed_deadline = c.by_day or c.day
        if fixed_deadline is not None:  # a commitment on a given day: its deadline is known in advance
            assert (c.id in pending) == (c.id not in done and fixed_deadline > through), c.id
        accounted = (c.id in done) + (c.id in pending) + (c.id in flagged) + (not c.monitored and c.id not in pending)
        assert accounted >= 1, c.id
        assert not (c.id in pending and c.id in flagged), c.id


def test_prisoners_released_before_the_captives_they_answer_for_settle_their_key_on_time(a2025: Agreement) -> None:
    """Hamas's batch of day 21 moved to day 23, Israel's 72 prisoners for it still on day 21: they were a
    surplus on day 21, and the key then owed again, late, short and missing from day 23 to day 35, with 72
    "still owed" by a side that had released every one of them."""
    events = [
        dataclasses.replace(e, day=23) if (e.day, e.side) == (21, "hamas") else e
        for e in load_release_log(EXAMPLE / "release-log.csv", a2025)
    ]
    ledger = keep_ledger(a2025, events)
    israel = {(day, d.kind, d.size, d.rule) for day, d in ledger.deviations() if d.side == "israel"}
    assert israel == {
        (7, "commitment_late", 2, "return_north"),
        (35, "late", 50, "key_sick_wounded"),
        (35, "late", 107, "key_held_since_2014"),
    }
    assert ledger.owed["israel"] == []


def test_a_release_ahead_of_anything_due_is_neither_surplus_nor_owed_again(a2025: Agreement) -> None:
    early = [Event(1, "hamas", "civilian_women", 3), Event(1, "israel", "women_minors", 90)]
    early += [Event(5, "israel", "life", 50)]
    before = keep_ledger(a2025, early, through=5)
    assert not [d for _, d in before.deviations() if d.kind == "surplus"]
    (ahead,) = [t for t in before.tallies if t.data["kind"] == "ahead"]
    assert ahead.data["released"] == [{"day": 5, "category": "life", "count": 50}]
    assert "50 prisoners serving life sentences on day 5 (2025-01-23)" in ahead.note
    on_day_7 = [*early, Event(7, "hamas", "female_soldiers", 4), Event(7, "israel", "life", 70)]
    on_day_7 += [Event(7, "israel", "other_sentence", 80)]
    after = keep_ledger(a2025, on_day_7, through=7)
    assert not [d for _, d in after.deviations() if d.side == "israel" and d.kind != "commitment_missed"]
    assert not [t for t in after.tallies if t.data["kind"] == "ahead"]
    # beyond what every captive still held could make due, the rest is a surplus, on the day it was released
    flood = keep_ledger(a2025, [*early, Event(6, "israel", "life", 300)], through=6)
    assert [(t, d.kind, d.size) for t, d in flood.deviations() if d.kind == "surplus"] == [(6, "surplus", 75)]


@pytest.fixture(scope="module")
def a2023() -> Agreement:
    return load_agreement(EXAMPLE.parent / "exchange-2023")[0]


def _truce_2023(*extra_days: int) -> list[Event]:
    """The four agreed days (13, 13, 13, 11 released, three prisoners each), then the days of extension."""
    events = [Event(1, "israel", commitment="pause_begins")]
    for day, n in enumerate((13, 13, 13, 11, *extra_days), 1):
        if n:
            events += [Event(day, "hamas", "women_children", n), Event(day, "israel", "women_minors", 3 * n)]
    return events


def test_days_of_extension_taken_are_due_like_batches_and_a_short_one_is_reported(a2023: Agreement) -> None:
    """Day 7 of the 2023 truce, the third of extension, released 8 of its 10: the ledger said nothing,
    since no rule watched the extension, and named the 2 only as owed by day 10, a day the pause never had."""
    ledger = keep_ledger(a2023, _truce_2023(10, 10, 8))
    due = {(d.day, e.rule, e.count) for d in ledger.days for e in d.due if e.rule.startswith("extension")}
    assert due == {(5, "extension day 1", 10), (6, "extension day 2", 10), (7, "extension day 3", 10)}
    assert [(t, d.kind, d.size, d.rule) for t, d in ledger.deviations()] == [(7, "short", 2, "extension day 3")]
    (short,) = [d for _, d in ledger.deviations()]
    assert short.note.startswith("extension day 3, day 7 (2023-11-30): 80 due in all by then")
    assert [(o.rule, o.count, o.due_day) for o in ledger.owed["hamas"]] == [("extension", 2, 7)]
    (tally,) = [t for t in ledger.tallies if t.data["kind"] == "extension"]
    assert tally.data["days_taken"] == [5, 6, 7] and tally.data["further"] == 28


def test_the_extension_is_counted_cumulatively(a2023: Agreement) -> None:
    """Ten people pay for a day whenever they are released: 12 then 8 is two days paid; 7 then 13 is a
    day 3 short, made up the next."""
    assert keep_ledger(a2023, _truce_2023(12, 8)).deviations() == []
    late = keep_ledger(a2023, _truce_2023(7, 13))
    assert [(t, d.kind, d.size) for t, d in late.deviations()] == [(5, "late", 3)]
    assert "made up by day 6 (2023-11-29)" in late.deviations()[0][1].note


def test_days_of_extension_not_taken_owe_nothing(a2023: Agreement) -> None:
    """The pause ended after the four agreed days: the 30 more on the list were said to be owed by day 10."""
    ledger = keep_ledger(a2023, _truce_2023(0, 0, 0, 0, 0, 0), through=10)
    assert ledger.deviations() == []
    assert ledger.owed == {"hamas": [], "israel": []}
    (tally,) = [t for t in ledger.tallies if t.data["kind"] == "extension"]
    assert tally.data["days_taken"] == [] and tally.data["not_owed"] == 30
    assert "none taken by day 10 (2023-12-03)" in tally.note


def test_a_day_recorded_twice_is_refused_at_the_repeated_rows(a2025: Agreement) -> None:
    """Day 12 pasted a second time read as 1 civilian woman, 1 female soldier and 1 man over 50 beyond the
    lists, and Israel's 56 prisoners as a surplus: people nobody released."""
    log = (EXAMPLE / "release-log.csv").read_text()
    day12 = "".join(line + "\n" for line in log.splitlines() if line.startswith("12,"))
    with pytest.raises(InputError) as caught:
        read_release_log(log + day12, a2025, "log.csv")
    first = log.splitlines().index(day12.splitlines()[0]) + 1
    repeated = caught.value.problems[0]
    assert (repeated.line, repeated.column) == (len(log.splitlines()) + 1, 1)
    assert repeated.message.startswith(f"the same row as line {first}, word for word")
    assert len(caught.value.problems) == 6


def test_a_person_released_twice_is_refused_at_the_identifier(a2025: Agreement) -> None:
    log = "day,side,category,ids\n1,hamas,civilian_women,c1 c2\n7,hamas,civilian_women,c2\n"
    with pytest.raises(InputError) as caught:
        read_release_log(log, a2025, "log.csv")
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [(3, 24, "'c2' was released on line 2")]


def test_a_person_misidentified_and_then_handed_over_is_released_once(a2025: Agreement) -> None:
    """Remains handed over as D-1 and found to be someone else, then D-1's the next day: the log was refused,
    "'D-1' was released on line 2", though D-1 was released only once; the ledger says the second made good
    the first."""
    log = "day,side,category,ids,identified\n33,hamas,deceased,D-1,misidentified\n34,hamas,deceased,D-1,yes\n"
    events = read_release_log(log, a2025, "log.csv")
    assert [(e.day, e.ids, e.identified) for e in events] == [(33, ("D-1",), "misidentified"), (34, ("D-1",), "yes")]
    (wrong,) = [d for _, d in keep_ledger(a2025, events).deviations() if d.kind == "misidentified"]
    assert "the correct return on day 34" in wrong.note
    with pytest.raises(InputError) as caught:
        read_release_log(log + "35,hamas,deceased,D-1,\n", a2025, "log.csv")
    assert [(p.line, p.message) for p in caught.value.problems] == [(4, "'D-1' was released on line 3")]


def test_people_owed_with_no_category_say_so_in_the_report(a2023: Agreement) -> None:
    """With two categories still held and only some of them owed for the extension, the report's table read
    "None" where the category goes."""
    from truce.model.exchange import build_agreement
    from truce.report.exchange import ledger_report

    data = a2023.model_dump(mode="json")
    data["sides"][0]["categories"].append({"id": "others", "count": 5})
    two = build_agreement(data)
    ledger = keep_ledger(two, _truce_2023(10, 10, 8))
    assert [(o.rule, o.category, o.count) for o in ledger.owed["hamas"]] == [("extension", None, 2)]
    html = ledger_report(two, ledger)
    assert "<td>extension</td><td>any still held</td>" in html and "<td>None</td>" not in html


def test_people_the_batches_make_due_are_owed_under_the_cadence_however_long_the_extension(a2023: Agreement) -> None:
    from truce.model.exchange import build_agreement

    early = [Event(1, "hamas", "women_children", 13)]
    assert [(o.rule, o.count, o.due_day) for o in keep_ledger(a2023, early, through=5).owed["hamas"]] == [
        ("cadence", 37, 4)
    ]
    data = a2023.model_dump(mode="json")
    data["cadence"]["batches"][0]["count"] = 80  # the batches hold everyone: no day of extension is needed
    whole = build_agreement(data)
    assert [(o.rule, o.count, o.due_day) for o in keep_ledger(whole, early, through=5).owed["hamas"]] == [
        ("cadence", 67, 4)
    ]


def test_no_more_days_of_extension_are_taken_than_the_agreement_allows(a2023: Agreement) -> None:
    """With the agreed days running past the extension's three, a release on day 11 counted as seven days of
    extension taken ("at most 3; 7 days taken"): 18 more people were owed, beyond what three days make due."""
    from truce.model.exchange import build_agreement

    data = a2023.model_dump(mode="json")
    data["days"], data["extension"]["max_days"] = 12, 3
    data["sides"][0]["categories"][0]["count"] = 100
    longer = build_agreement(data)
    ledger = keep_ledger(longer, [*_truce_2023(10, 10, 10), Event(11, "hamas", "women_children", 2)], through=12)
    assert ledger.owed["hamas"] == []
    (tally,) = [t for t in ledger.tallies if t.data["kind"] == "extension"]
    assert tally.data["days_taken"] == [5, 6, 7] and "; 3 days taken (days 5-7)" in tally.note
    assert tally.data["not_owed"] == 18


def test_a_day_of_extension_taken_once_the_lists_are_all_due_lists_no_one_due(a2023: Agreement) -> None:
    """Day 7 two short, made up on day 8: day 8 read as due "0" people under "extension day 4"."""
    ledger = keep_ledger(a2023, _truce_2023(10, 10, 8, 2), through=10)
    due = [(d.day, e.rule, e.count) for d in ledger.days for e in d.due if e.rule.startswith("extension")]
    assert due == [(5, "extension day 1", 10), (6, "extension day 2", 10), (7, "extension day 3", 10)]
    assert [(t, d.kind, d.size) for t, d in ledger.deviations() if d.side == "hamas"] == [(7, "late", 2)]


def test_people_the_batches_make_due_stay_owed_under_the_cadence_when_days_of_extension_are_taken(
    a2023: Agreement,
) -> None:
    """With the batches holding everyone, a release on day 6 made the 62 still held owed under the extension, by
    day 6, though the cadence made them due by day 4; with the batches holding 50, the 3 of them still held
    were folded into the extension's count, by its last day taken."""
    from truce.model.exchange import build_agreement

    data = a2023.model_dump(mode="json")
    data["cadence"]["batches"][0]["count"] = 80
    whole = build_agreement(data)
    late = [Event(1, "hamas", "women_children", 13), Event(6, "hamas", "women_children", 5)]
    owed = keep_ledger(whole, late, through=8).owed["hamas"]
    assert [(o.rule, o.category, o.count, o.due_day) for o in owed] == [("cadence", "women_children", 62, 4)]
    short = [Event(day, "hamas", "women_children", n) for day, n in ((1, 13), (2, 13), (3, 13), (4, 6), (6, 2))]
    owed = keep_ledger(a2023, short, through=8).owed["hamas"]
    assert [(o.rule, o.count, o.due_day) for o in owed] == [("cadence", 3, 4), ("extension", 20, 6)]
