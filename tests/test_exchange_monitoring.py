"""The ledger's rules for what the 2025 exchange needed: recurring commitments, identification,
destination, times within a day, dates beside day numbers, and commitments not yet due."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from truce.cli import app
from truce.errors import InputError
from truce.exchange.ledger import Ledger, keep_ledger, ledger_to_data
from truce.exchange.rules.base import counted, deviation_kinds
from truce.exchange.rules.destination import DestinationDeviation
from truce.exchange.rules.identification import IdentificationDeviation
from truce.exchange.rules.recurring import RecurringDeviation, spans
from truce.io.agreement_files import load_agreement, load_release_log, read_release_log
from truce.model.exchange import Agreement, build_agreement

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "exchange-2025"


def _agreement(**extra: Any) -> Agreement:
    data: dict[str, Any] = {
        "id": "small",
        "title": "Small exchange",
        "day_one": "2025-01-19",
        "days": 10,
        "sides": [
            {"id": "a", "name": "A", "categories": [{"id": "remains", "count": 3}, {"id": "people", "count": 2}]},
            {"id": "b", "name": "B", "categories": [{"id": "long", "count": 40}, {"id": "short", "count": 40}]},
        ],
        "cadence": {"side": "a", "batches": [{"day": 1, "count": 2}, {"from_day": 5, "to_day": 10, "remainder": True}]},
        "keys": [{"id": "k", "category": "people", "per_person": {"long": 10, "short": 10}}],
        **extra,
    }
    return build_agreement(data)


def _ledger(a: Agreement, log: str, through: int | None = None) -> Ledger:
    return keep_ledger(a, read_release_log(log, a, "log.csv"), through)


def _kinds(ledger: Ledger, rule: str | None = None) -> set[tuple[int, str, float]]:
    return {(day, str(d.kind), d.size) for day, d in ledger.deviations() if rule is None or d.rule == rule}


TRUCKS = {"recurring": [{"id": "trucks", "side": "b", "per_day": 100, "unit": "trucks", "to_day": 6, "text": "aid"}]}


def test_recurring_short_days_are_deviations_and_unrecorded_days_are_not_met() -> None:
    a = _agreement(**TRUCKS)
    log = "day,side,recurring,count\n1,b,trucks,120\n2,b,trucks,60\n4,b,trucks,100\n4,b,trucks,5\n"
    ledger = _ledger(a, log, through=5)
    assert _kinds(ledger, "trucks") == {(2, "recurring_short", 40)}
    (tally,) = [t for t in ledger.tallies if t.rule == "trucks"]
    assert tally.data["met"] == 2 and tally.data["short"] == [2] and tally.data["not_recorded"] == [3, 5]
    assert "5 days due by day 5 (2025-01-23): 2 met, 1 short, 2 not recorded (days 3, 5)" in tally.note
    assert next(d for day, d in ledger.deviations() if d.rule == "trucks").unit == "trucks"


def test_a_yes_no_recurring_commitment_on_given_days() -> None:
    a = _agreement(recurring=[{"id": "crossing", "side": "b", "on_days": [2, 4, 9], "text": "crossing open"}])
    ledger = _ledger(a, "day,side,recurring,count\n2,b,crossing,\n4,b,crossing,0\n", through=9)
    assert _kinds(ledger, "crossing") == {(4, "recurring_short", 1)}
    (tally,) = ledger.tallies
    assert tally.data["days_due"] == 3 and tally.data["not_recorded"] == [9]
    assert "3 days due by day 9 (2025-01-27): 1 met, 1 short, 1 not recorded (day 9)" in tally.note


def test_a_day_recorded_not_kept_shows_its_zero_and_is_drawn_as_no_commitment_done() -> None:
    """A crossing recorded shut (0) had no count in --json and a grey "commitment done" bar in the HTML
    chart, like a day it opened; the HTML table showed no truck counts and "both" for a row naming nobody."""
    from truce.report.exchange import ledger_report

    a = _agreement(recurring=[*TRUCKS["recurring"], {"id": "crossing", "side": "b", "on_days": [2, 4], "text": "open"}])
    ledger = _ledger(a, "day,side,recurring,count\n2,b,crossing,\n4,b,crossing,0\n3,,trucks,80\n", through=4)
    done = {d["day"]: d["done"] for d in ledger_to_data(ledger)["days"]}
    assert done[4] == [{"side": "b", "rule": "crossing", "category": None, "count": 0}]
    html = ledger_report(a, ledger)
    assert '"commitment: crossing"' not in html and '"commitment: trucks"' not in html
    assert "<td>b: crossing 0<br></td>" in html and "<td>trucks 80<br></td>" in html


def test_a_counted_recurring_row_needs_its_count_and_a_known_id() -> None:
    a = _agreement(**TRUCKS)
    with pytest.raises(InputError) as info:
        read_release_log("day,side,recurring,count\n1,b,trucks,\n2,b,lorries,3\n", a, "log.csv")
    first, second = info.value.problems
    assert (first.file, first.line) == ("log.csv", 2) and "give the count" in first.message
    assert second.line == 3 and "unknown recurring commitment 'lorries'" in second.message


def test_a_row_crediting_a_commitment_to_the_side_it_does_not_bind_is_located() -> None:
    """Side a's row of b's trucks, or of b's crossing, counted as b keeping them; a row may name no side."""
    a = _agreement(**TRUCKS, commitments=[{"id": "crossing", "side": "b", "day": 3, "text": "crossing opens"}])
    with pytest.raises(InputError) as info:
        read_release_log("day,side,recurring,commitment,count\n1,a,trucks,,100\n3,a,,crossing,\n", a, "log.csv")
    assert [(p.line, p.column, p.message) for p in info.value.problems] == [
        (2, 3, "recurring commitment trucks is side b's, not side a's"),
        (3, 3, "commitment crossing is side b's, not side a's"),
    ]
    ledger = _ledger(a, "day,side,recurring,commitment,count\n1,,trucks,,100\n3,,,crossing,\n", through=3)
    assert _kinds(ledger, "crossing") == set()


def test_recurring_outside_the_agreement_is_located() -> None:
    with pytest.raises(InputError, match="outside days 1-6"):
        _agreement(recurring=[{"id": "x", "text": "x", "to_day": 6, "on_days": [8]}])


def test_misidentified_remains_are_not_counted_and_the_correct_return_is_the_follow_up() -> None:
    a = _agreement()
    log = (
        "day,side,category,count,identified\n"
        "1,a,people,2,\n1,b,long,20,\n1,b,short,20,\n"
        "5,a,remains,2,yes\n5,a,remains,1,misidentified\n7,a,remains,1,yes\n"
    )
    ledger = _ledger(a, log)
    assert _kinds(ledger) == {(5, "misidentified", 1)}
    (dev,) = [d for _, d in ledger.deviations()]
    assert "the correct return on day 7 (2025-01-25) (2 days later)" in dev.note
    assert ledger.owed["a"] == []  # the three remains are out: two on day 5, the right one on day 7


def test_remains_not_identified_and_never_made_good_are_still_owed() -> None:
    a = _agreement()
    log = "day,side,category,count,identified\n1,a,people,2,\n1,b,long,20,\n1,b,short,20,\n5,a,remains,3,no\n"
    ledger = _ledger(a, log, through=10)
    assert _kinds(ledger) == {(5, "not_identified", 3), (10, "short", 3)}  # never returned: short, not late
    (dev,) = [d for _, d in ledger.deviations() if d.kind is IdentificationDeviation.not_identified]
    assert "3 not yet returned by day 10" in dev.note
    assert [(o.category, o.count) for o in ledger.owed["a"]] == [("remains", 3)]


def test_exile_beyond_what_was_agreed_per_category_and_in_all() -> None:
    a = _agreement(exile=[{"side": "b", "category": "long", "count": 5}])
    base = "day,side,category,count,destination\n1,a,people,2,\n"
    within = _ledger(a, base + "1,b,long,20,abroad\n1,b,short,20,home\n")
    assert _kinds(within) == {(1, "exile_beyond_agreed", 15)}
    (tally,) = within.tallies
    assert tally.data["abroad"] == {"long": 20} and tally.data["home"] == {"short": 20}
    by_day = _ledger(a, base + "1,b,long,20,\n1,b,short,20,\n1,b,,4,abroad\n3,b,,3,abroad\n")
    assert _kinds(by_day) == {(3, "exile_beyond_agreed", 2)}
    assert by_day.tallies[0].data["not_recorded"] == 33
    assert DestinationDeviation.exile_beyond_agreed in deviation_kinds()


def test_a_commitment_done_hours_late_on_its_day() -> None:
    a = _agreement(commitments=[{"id": "pause", "day": 1, "at": "08:30", "text": "pause"}])
    ledger = _ledger(a, "day,time,side,commitment\n1,11:15,a,pause\n", through=1)
    (dev,) = [d for _, d in ledger.deviations() if d.rule == "pause"]
    assert (dev.kind, dev.size, dev.unit) == ("commitment_late", 2.75, "hours")
    on_time = _ledger(a, "day,time,side,commitment\n1,08:00,a,pause\n", through=1)
    assert not [d for _, d in on_time.deviations() if d.rule == "pause"]


@pytest.mark.parametrize("cell", ["25:00", "8:30", "noon"])
def test_a_bad_time_is_located(cell: str) -> None:
    a = _agreement()
    with pytest.raises(InputError, match=r"log.csv:2:3: time must be HH:MM"):
        read_release_log(f"day,time,side,category,count\n1,{cell},a,people,1\n", a, "log.csv")


def test_bad_destination_and_identification_are_located() -> None:
    a = _agreement()
    with pytest.raises(InputError) as info:
        read_release_log(
            "day,side,category,count,destination,identified\n1,b,long,1,exile,\n1,a,remains,1,,maybe\n", a, "l"
        )
    assert [(p.line, p.column) for p in info.value.problems] == [(2, 12), (3, 16)]


def test_every_reported_kind_is_registered_once() -> None:
    kinds = [str(k) for k in deviation_kinds()]
    assert len(kinds) == len(set(kinds))
    for enum in (RecurringDeviation, IdentificationDeviation, DestinationDeviation):
        assert set(enum) <= set(deviation_kinds())


def test_spans() -> None:
    assert spans([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"


# ---- the 2025 example --------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger2025() -> Ledger:
    a = load_agreement(EXAMPLE)[0]
    return keep_ledger(a, load_release_log(EXAMPLE / "release-log.csv", a))


def test_2025_tallies_aid_exile_and_remains(ledger2025: Ledger) -> None:
    notes = {t.rule: t for t in ledger2025.tallies}
    aid = notes["aid_trucks"].data
    assert aid["recorded"] == {"1": 630, "2": 915, "3": 897, "4": 808, "5": 653, "6": 339, "25": 801}
    assert aid["met"] == 6 and aid["short"] == [6] and len(aid["not_recorded"]) == 33
    exile = notes["destination (israel)"].data
    assert exile["abroad"] == {"": 167} and exile["agreed_abroad"] == {"life": 230}
    assert "the correct return on day 34 (2025-02-21)" in notes["deceased"].note


def test_2025_withdrawal_is_due_on_day_50_not_yet_due_and_never_owed_zero(ledger2025: Ledger) -> None:
    data = ledger_to_data(ledger2025)
    (ahead,) = data["not_yet_due"]
    assert ahead["rule"] == "philadelphi_withdrawal"
    assert (ahead["by_day"], ahead["by_date"], ahead["due_date"]) == (50, "2025-03-09", "2025-03-01")
    assert "by day 50 (2025-03-09); not yet due on day 40 (2025-02-27)" in ahead["note"]
    assert data["days"][0]["date"] == "2025-01-19" and data["through_date"] == "2025-02-27"
    result = CliRunner().invoke(app, ["exchange", "ledger", str(EXAMPLE), str(EXAMPLE / "release-log.csv")])
    assert result.exit_code == 0
    assert "still owed by israel: 0 people; not yet due: philadelphi_withdrawal" in result.stdout
    assert "2025-01-19" in result.stdout
    json_out = CliRunner().invoke(app, ["exchange", "ledger", str(EXAMPLE), str(EXAMPLE / "release-log.csv"), "--json"])
    assert json.loads(json_out.stdout)["tallies"]


def test_the_docs_list_every_kind_of_deviation() -> None:
    text = (EXAMPLE.parent.parent / "docs" / "exchange.md").read_text()
    table = text[text.index("| kind | size |") :].split("\n\n")[0]
    for kind in deviation_kinds():
        assert f"`{kind}`" in table, kind


def test_deviations_name_categories_and_count_one_day_as_a_day(tmp_path: Path) -> None:
    """Notes read "4 of female_soldiers released while 1 of civilian_women still held" and sizes "(israel, 1
    days)": a category is named as the agreement names it, and one of a unit is one day, hour or person."""
    a = load_agreement(EXAMPLE)[0]
    log = tmp_path / "log.csv"
    log.write_text(
        "day,side,category,count,commitment\n1,,,,ceasefire\n1,hamas,civilian_women,3,\n1,israel,women_minors,90,\n"
        "7,hamas,female_soldiers,4,\n7,israel,life,120,\n7,israel,other_sentence,80,\n8,israel,,,return_north\n"
    )
    ledger = keep_ledger(a, load_release_log(log, a))
    notes = {str(d.kind): d for _, d in ledger.deviations()}
    assert notes["out_of_order"].note == (
        "4 of female soldiers (living) released while 1 of civilian women and children (living) still held"
    )
    assert notes["out_of_order"].measure() == "1 person" and notes["commitment_late"].measure() == "1 day"
    result = CliRunner().invoke(app, ["exchange", "ledger", str(EXAMPLE), str(log)], env={"COLUMNS": "400"})
    assert "commitment_late (israel, 1 day): return_north" in result.stdout
    assert "1 days" not in result.stdout and "female_soldiers released" not in result.stdout
    report = tmp_path / "ledger.html"
    CliRunner().invoke(app, ["exchange", "ledger", str(EXAMPLE), str(log), "--report", str(report)])
    assert "(israel, 1 day)" in report.read_text() and "1 days" not in report.read_text()


@pytest.mark.parametrize("verb", ["plan", "ledger"])
def test_an_agreements_words_are_printed_as_written_never_as_markup(tmp_path: Path, verb: str) -> None:
    """A title or a category's name holding "[/x]" ended the CLI in a traceback (markup that closes nothing);
    "[bold]" in one would have been obeyed."""
    text = (EXAMPLE / "agreement.yaml").read_text()
    text = text.replace('title: "January 2025', 'title: "[/x] January 2025')
    text = text.replace('name: "female soldiers (living)"', 'name: "female [/soldiers] [bold]soldiers"')
    (tmp_path / "agreement.yaml").write_text(text)
    args = [str(EXAMPLE / "release-log.csv")] if verb == "ledger" else []
    result = CliRunner().invoke(app, ["exchange", verb, str(tmp_path), *args], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "[/x] January 2025" in result.stdout
    if verb == "ledger":
        assert "4 of female [/soldiers] [bold]soldiers released" in result.stdout


def test_one_of_an_agreements_own_unit_is_counted_without_guessing_its_singular() -> None:
    """A recurring commitment one truck short read "1 trucks"; an agreement's own unit is kept as written, its
    singular not guessed ("buses", "series"): "1 (trucks)". truce's own units stay "1 day", "1 person"."""
    a = _agreement(recurring=[{**TRUCKS["recurring"][0], "per_day": 2}])
    ledger = _ledger(a, "day,side,recurring,count\n1,b,trucks,1\n", through=1)
    (short,) = [d for _day, d in ledger.deviations() if d.rule == "trucks"]
    assert short.measure() == "1 (trucks)" and "trucks: 1 (trucks) on day 1" in short.note, short
    (tally,) = [t for t in ledger.tallies if t.rule == "trucks"]
    assert tally.note.startswith("trucks: 2 trucks a day;"), tally.note
    assert counted(1, "days") == "1 day" and counted(1, "people") == "1 person" and counted(40, "buses") == "40 buses"
