from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import every_outcome
from cli_runner import runner
from truce.analysis.solutions import solve_all
from truce.cli import app
from truce.errors import InputError
from truce.io.genius import export_genius, import_genius, is_genius_folder, parse_xml, read_genius
from truce.io.scenario_files import load_any, scenario_to_data
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario
from truce.model.generate import random_scenario
from truce.model.scenario import Scenario

HARBOUR = Path(__file__).parent / "data" / "genius" / "harbour"
GAZA = Path(__file__).resolve().parent.parent / "examples" / "gaza-2024"
# CI keeps the real ANAC domains beside the repository: <repo>/../shared/genius-domains
REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "genius-domains"


def test_harbour_is_read_with_genius_semantics() -> None:
    s = import_genius(HARBOUR)
    assert [p.id for p in s.parties] == ["harbour-prof1", "harbour-prof2"]
    fee, cranes, season = s.issues
    assert (fee.id, fee.name, fee.kind.value) == ("Berth-fee", "Berth fee", "categorical")
    assert [o.id for o in fee.options] == ["200-day", "300-day", "400-day"]
    assert fee.label("300-day") == "$300 a day"
    assert (cranes.kind.value, cranes.min, cranes.max, cranes.step) == ("numeric", 1, 5, 1)
    assert season.option_ids() == ("Summer", "Winter")
    shipper = s.preferences["harbour-prof1"]
    assert shipper.reservation == 0.4
    assert shipper.basis is not None and "discount factor 0.9" in shipper.basis
    c = compile_scenario(s)
    u = c.utilities(c.encode({"Berth-fee": "300-day", "Cranes": 3, "Season": "Winter"}))[0]
    # shipper: fee 4/8, cranes 0.25 * (3 - 1), season 1/3;  port: fee 5/10, cranes 1.5 - 0.5 * 2, season 4/4
    assert u[0] == pytest.approx(0.5 * 0.5 + 0.3 * 0.5 + 0.2 / 3)
    assert u[1] == pytest.approx(0.6 * 0.5 + 0.2 * 0.5 + 0.2 * 1.0)
    # the port's crane line is 1.5 at one crane and -0.5 at five: clipped to [0, 1] as GENIUS does
    ends = c.utilities(np.stack([c.encode({"Berth-fee": "400-day", "Cranes": x, "Season": "Summer"}) for x in (1, 5)]))[
        :, 1
    ]
    assert ends == pytest.approx([0.6 + 0.2 * 1.0 + 0.2 * 0.5, 0.6 + 0.0 + 0.2 * 0.5])
    utilities = c.utilities(every_outcome(c))
    assert utilities.min() >= 0 and utilities.max() <= 1 + 1e-12


@pytest.mark.parametrize("written", ["2.5", "0", "-0.5"])
def test_a_discount_factor_genius_discards_is_said_to_be_discarded(tmp_path: Path, written: str) -> None:
    """GENIUS's loader keeps a discount factor only in (0, 1] and uses 1 (no discount) otherwise; the basis said
    "discount factor 2.5 in the file (not applied)" as if the profile discounted."""
    folder = _copy(tmp_path)
    profile = folder / "harbour-prof1.xml"
    profile.write_text(
        profile.read_text().replace('<discount_factor value="0.9"/>', f'<discount_factor value="{written}"/>')
    )
    found = read_genius(folder)
    basis = found.scenario.preferences["harbour-prof1"].basis or ""
    assert "not applied" not in basis
    assert f"discount factor {float(written):g} is outside (0, 1], which GENIUS discards: no discount" in basis
    assert any("GENIUS discards" in note for note in found.notes)


def test_harbour_round_trip_is_exact(tmp_path: Path) -> None:
    s = import_genius(HARBOUR)
    notes = export_genius(s, tmp_path / "out")
    assert notes == []  # every issue's best value is 1 already: no rescaling
    back = import_genius(tmp_path / "out")
    c, d = compile_scenario(s), compile_scenario(back)
    assert d.sizes == c.sizes
    assert [p.id for p in back.parties] == sorted(c.parties)
    outcomes = every_outcome(c)
    for pid in c.parties:
        assert np.allclose(
            d.utilities(outcomes)[:, d.parties.index(pid)], c.utilities(outcomes)[:, c.parties.index(pid)], atol=1e-12
        )
    assert list(d.reservation) == list(c.reservation)
    # the port's crane line is clipped (not linear over 1..5): GENIUS integer issues are linear, so it
    # goes out as a discrete issue with a value per number of cranes
    assert back.issue("Cranes").kind.value == "categorical"


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), parties=st.integers(1, 3), sizes=st.lists(st.integers(2, 4), min_size=1, max_size=3)
)
def test_round_trip_keeps_every_utility(
    tmp_path_factory: pytest.TempPathFactory, seed: int, parties: int, sizes: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    s = random_scenario(rng, parties, sizes, reservation=0.3)
    folder = tmp_path_factory.mktemp("genius")
    export_genius(s, folder)
    back = import_genius(folder)
    c, d = compile_scenario(s), compile_scenario(back)
    outcomes = every_outcome(c)
    for p, pid in enumerate(c.parties):
        # GENIUS makes each issue's best value worth 1: utilities come back divided by the best utility
        best = sum(float(t[p].max()) for t in c.tables)
        q = d.parties.index(pid)
        assert np.allclose(d.utilities(outcomes)[:, q] * best, c.utilities(outcomes)[:, p], atol=1e-9)
        assert d.reservation[q] * best == pytest.approx(min(0.3, best))


def _numeric_scenario() -> Scenario:
    return build_scenario(
        {
            "id": "aid",
            "title": "aid trucks",
            "parties": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
            "issues": [
                {"id": "trucks", "name": "Trucks a day", "kind": "numeric", "min": 0, "max": 4, "step": 1},
                {"id": "fuel", "name": "Fuel", "kind": "numeric", "min": 0, "max": 1, "step": 0.25, "unit": "t"},
                {
                    "id": "route",
                    "name": "Route",
                    "kind": "ordinal",
                    "options": [{"id": "north", "label": "North"}, {"id": "south", "label": "South"}],
                },
            ],
            "preferences": {
                "a": {
                    "assumption": True,
                    "weights": {"trucks": 2, "fuel": 1, "route": 1},
                    "values": {
                        "trucks": [[0, 0], [4, 1]],
                        "fuel": [[0, 0], [1, 0.8]],
                        "route": {"north": 1, "south": 0},
                    },
                    "red_lines": [{"terms": {"route": "south"}}],
                },
                "b": {
                    "assumption": True,
                    "weights": {"trucks": 1, "route": 1},
                    "values": {"trucks": [[0, 1], [4, 0]], "route": {"north": 0.2, "south": 0.6}},
                    "reservation": 0.5,
                },
            },
        }
    )


def test_numeric_issues_round_trip(tmp_path: Path) -> None:
    s = _numeric_scenario()
    notes = export_genius(s, tmp_path)
    assert any("a: 1 red line(s) left out" in n for n in notes)
    assert any(n.startswith("b: GENIUS utility = truce utility / 0.8") for n in notes)
    back = import_genius(tmp_path)
    assert back.title == "aid trucks"
    # trucks: whole numbers by 1, linear for both parties: a GENIUS integer issue
    assert (back.issue("trucks").kind.value, back.issue("trucks").min, back.issue("trucks").max) == ("numeric", 0, 4)
    # fuel goes by 0.25: GENIUS has no such grid, so one discrete value per amount
    assert back.issue("fuel").option_ids() == ("0", "0.25", "0.5", "0.75", "1")
    c, d = compile_scenario(s), compile_scenario(back)
    outcomes = every_outcome(c)
    for p, pid in enumerate(c.parties):
        best = sum(float(t[p].max()) for t in c.tables)
        q = d.parties.index(pid)
        assert np.allclose(d.utilities(outcomes)[:, q] * best, c.utilities(outcomes)[:, p], atol=1e-12)


def test_export_lists_everything_genius_cannot_hold(tmp_path: Path) -> None:
    """Israel's ratification rule was dropped without a word: the re-imported ZOPA was three times larger."""
    notes = export_genius(load_any(GAZA), tmp_path / "out")
    text = "\n".join(notes)
    assert "israel: ratification at home left out (majority rule of 2 constituent(s)" in text
    assert "uncertainty ranges left out" in text and "package rule(s) left out" in text
    assert "hamas: 1 red line(s) left out" in text


def test_export_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "other.xml").write_text("<x/>", encoding="utf-8")
    with pytest.raises(InputError, match=r"already holds other XML files \(other.xml\)"):
        export_genius(_numeric_scenario(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.xml"]


@pytest.mark.parametrize("existing", [False, True])
def test_an_export_interrupted_while_writing_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    """Ctrl-C while the profiles were written left their hidden temporaries in the folder (and the folder it
    had made); only a failure to write was cleaned up."""
    folder = tmp_path / "out"
    if existing:
        folder.mkdir()
        (folder / "README").write_text("kept\n", encoding="utf-8")
    scenario = load_any(HARBOUR)
    real_write, calls = Path.write_text, []

    def interrupted(self: Path, *args: object, **kwargs: object) -> int:
        calls.append(self.name)
        if len(calls) == 2:
            real_write(self, "<utility_", encoding="utf-8")  # part of the file, then Ctrl-C
            raise KeyboardInterrupt
        return real_write(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_genius(scenario, folder)
    assert len(calls) == 2
    left = sorted(p.name for p in tmp_path.rglob("*"))
    assert left == (["README", "out"] if existing else []), left


def test_load_any(tmp_path: Path) -> None:
    assert is_genius_folder(HARBOUR)
    assert load_any(HARBOUR).id == "harbour"
    assert load_any(HARBOUR / "harbour-domain.xml").id == "harbour"
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "scenario.json").write_text(json.dumps(scenario_to_data(_numeric_scenario())), encoding="utf-8")
    assert not is_genius_folder(folder)
    assert load_any(folder).id == "aid"
    assert load_any(folder / "scenario.json").id == "aid"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "harbour"
    shutil.copytree(HARBOUR, folder)
    return folder


def _errors(folder: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        import_genius(folder)
    return [p.located().replace(str(folder) + "/", "") for p in err.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "located"),
    [
        (
            'value="$400/day" evaluation="2"',
            'value="$500/day" evaluation="2"',
            "harbour-prof1.xml:6:1: value '$500/day'",
        ),
        ('evaluation="2"/>', 'evaluation="-2"/>', "harbour-prof1.xml:6:1: evaluations cannot be negative (got -2)"),
        ('evaluation="2"/>', 'evaluation="two"/>', "harbour-prof1.xml:6:1: evaluation='two' is not a number"),
        ('<reservation value="0.4"/>', '<reservation value="1.4"/>', "harbour-prof1.xml:20:1: reservation value 1.4"),
        (
            '<item index="3" value="$400/day" evaluation="2"/>\n',
            "",
            "harbour-prof1.xml:3:1: no evaluation for '$400/day'",
        ),
        ("</utility_space>", "</utility_spice>", "harbour-prof1.xml:21:3: invalid XML: mismatched tag"),
        ('ftype="linear"', 'ftype="exponential"', "harbour-prof1.xml:9:1: integer evaluator ftype 'exponential'"),
    ],
)
def test_bad_profiles_are_located(tmp_path: Path, old: str, new: str, located: str) -> None:
    folder = _copy(tmp_path)
    path = folder / "harbour-prof1.xml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    messages = _errors(folder)
    assert any(m.startswith(located) for m in messages), messages


def test_entity_bomb_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        "<utility_space><objective>&lol2;</objective></utility_space>\n"
    )
    (folder / "harbour-prof2.xml").write_text(bomb, encoding="utf-8")
    messages = _errors(folder)
    assert messages == [
        "harbour-prof2.xml:2:1: <!DOCTYPE declarations are refused (they can expand entities without bound)"
    ]
    with pytest.raises(InputError, match="ENTITY declarations are refused"):
        parse_xml(b'<a>\n<!ENTITY x "y"></a>', "f.xml")


def test_nonlinear_profile_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "harbour-prof2.xml").write_text(
        '<utility_space type="nonlinear">\n<objective index="0" name="root">\n'
        '  <utility maxutility="10"><ufun type="PlainUfun" weight="1" aggregation="sum">\n'
        '    <hyperRectangle utility="3"><INCLUDES index="2" min="1" max="3"/></hyperRectangle>\n'
        "  </ufun></utility>\n</objective>\n</utility_space>\n",
        encoding="utf-8",
    )
    messages = _errors(folder)
    assert len(messages) == 1
    assert messages[0].startswith("harbour-prof2.xml:3:3: non-linear GENIUS profile")


def test_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no GENIUS domain file"):
        import_genius(tmp_path)
    folder = _copy(tmp_path)
    (folder / "harbour-prof1.xml").unlink()
    (folder / "harbour-prof2.xml").unlink()
    with pytest.raises(InputError, match="no GENIUS profile"):
        import_genius(folder)


@pytest.mark.parametrize("content", [b"", b"garbage", b"\x00\x01"])
def test_a_profile_that_is_not_xml_is_an_error_not_a_party_less(tmp_path: Path, content: bytes) -> None:
    """An empty or broken profile was skipped: the talks were analysed with one party fewer, and exit 0."""
    folder = _copy(tmp_path)
    (folder / "harbour-prof1.xml").write_bytes(content)
    with pytest.raises(InputError, match="not an XML file") as caught:
        import_genius(folder)
    assert caught.value.problems[0].file == str(folder / "harbour-prof1.xml")


@pytest.mark.parametrize(
    ("name", "root", "meant"),
    [
        ("harbour-prof2.xml", "utility_spaces", "utility_space"),
        ("harbour-prof2.xml", "UtilitySpace", "utility_space"),
        ("harbour-prof2.xml", "utlity_space", "utility_space"),
        ("harbour-domain.xml", "negotiation_templat", "negotiation_template"),
    ],
)
def test_a_mistyped_root_is_an_error_at_that_file_not_a_party_less(
    tmp_path: Path, name: str, root: str, meant: str
) -> None:
    """A profile whose root was mistyped was skipped: the talks were read with one party fewer, and exit 0."""
    folder = _copy(tmp_path)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"<{meant}", f"<{root}", 1).replace(f"</{meant}>", f"</{root}>"), encoding="utf-8")
    line = 1 + text[: text.index(f"<{meant}")].count("\n")
    for read in (import_genius, load_any):
        with pytest.raises(InputError) as caught:
            read(folder)
        (problem,) = caught.value.problems
        assert (problem.file, problem.line, problem.column) == (str(path), line, 1)
        assert f"<{root}> is not a GENIUS root: did you mean <{meant}>" in problem.message
    result = runner.invoke(app, ["import", "genius", str(folder), "-o", str(tmp_path / "out.yaml")])
    assert result.exit_code == 2
    assert f"{path}:{line}:1: root element <{root}>" in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_an_xml_file_of_another_kind_is_left_alone_and_said_to_be(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "run.xml").write_text('<?xml version="1.0"?>\n<tournament><agent/></tournament>\n', encoding="utf-8")
    found = read_genius(folder)
    assert len(found.scenario.parties) == 2
    assert "XML files left alone (neither a domain nor a profile): run.xml (<tournament>)" in found.notes


@pytest.mark.parametrize("root", ["NegotiationOutcome", "negotiation_log", "workspace", "space", "utility"])
def test_a_root_sharing_a_word_with_a_genius_root_is_no_mistyped_one(tmp_path: Path, root: str) -> None:
    """A log of a negotiation (<NegotiationOutcome>) or an editor's <workspace> beside the profiles was refused
    as a mistyped <negotiation_template> or <utility_space>, for sharing one word with it: the folder could not
    be imported at all."""
    folder = _copy(tmp_path)
    (folder / "other.xml").write_text(f'<?xml version="1.0"?>\n<{root}><a/></{root}>\n', encoding="utf-8")
    found = read_genius(folder)
    assert len(found.scenario.parties) == 2
    assert f"other.xml (<{root}>)" in " ".join(found.notes)


@pytest.mark.parametrize("kind", ["broken link", "pipe", "geniusweb broken link"])
def test_a_profile_that_is_not_a_file_is_an_error_not_a_party_less(tmp_path: Path, kind: str) -> None:
    """A profile that was a link to a missing file (a folder copied without what its links point to) was passed
    over: the talks were analysed with one party fewer, and exit 0; a GeniusWeb profile that could not be read
    was passed over too."""
    if kind == "geniusweb broken link":
        folder = tmp_path / "trip"
        folder.mkdir()
        (folder / "trip1.json").write_text(
            _geniusweb("trip1", {"Kyoto": 1, "Osaka": 0.2, "Nara": 0.6}, (0.0, 0.8), (0.7, 0.3))
        )
        (folder / "trip2.json").write_text(
            _geniusweb("trip2", {"Kyoto": 0.1, "Osaka": 0.9, "Nara": 0.5}, (1.0, 0.0), (0.4, 0.6))
        )
        (folder / "trip3.json").symlink_to(tmp_path / "missing.json")
        broken = folder / "trip3.json"
    else:
        folder = _copy(tmp_path)
        broken = folder / "harbour-prof2.xml"
        broken.unlink()
        if kind == "pipe":
            os.mkfifo(broken)  # read as a profile, it would be waited on for ever
        else:
            broken.symlink_to(tmp_path / "missing.xml")
    with pytest.raises(InputError, match="cannot be read") as caught:
        load_any(folder)
    assert caught.value.problems[0].file == str(broken)


def test_a_listing_of_numbers_beside_the_profiles_is_left_alone(tmp_path: Path) -> None:
    """ANAC folders keep their Pareto frontier as ``pareto.xml``, lines of numbers that are not XML."""
    folder = _copy(tmp_path)
    (folder / "pareto.xml").write_text("0.67, 1.0\n0.68, 0.93\n0.76, 0.92\n")
    assert [p.id for p in import_genius(folder).parties] == [p.id for p in import_genius(_copy(tmp_path / "b")).parties]


# folder, parties, outcomes, reservation values (from the README beside the domains)
REAL_DOMAINS = [
    ("y2012_ItexvsCypressA", 2, 180, [0.5, 0.5]),
    ("y2012_CameraB", 2, 3600, [0.0, 0.0]),
    ("y2015_group2-dinner", 3, 1200, [0.0, 0.0, 0.0]),
    ("y2015_group3-bank_robbery", 9, 18, None),
    ("y2016_Caduceus", 3, 80, [0.0, 0.0, 0.0]),
]


@pytest.mark.skipif(not REAL.is_dir(), reason="the ANAC domains are not beside the repository")
@pytest.mark.parametrize(("name", "parties", "outcomes", "reservation"), REAL_DOMAINS)
def test_real_domains(name: str, parties: int, outcomes: int, reservation: list[float] | None) -> None:
    s = load_any(REAL / name)
    c = compile_scenario(s)
    assert len(c.parties) == parties
    assert int(np.prod(c.sizes)) == outcomes
    if reservation is not None:
        assert list(c.reservation) == reservation
    else:
        assert c.reservation.min() >= 0.2 and c.reservation.max() <= 0.5
    u = c.utilities(every_outcome(c))
    assert u.min() >= 0.0
    # GENIUS scale: every issue's best value is 1 and the weights count as written, so the best outcome is
    # worth the total weight (Bank_Robbery_util2's add up to 0.989), capped at 1
    totals = [
        min(1.0, sum(float(w.get("value", "0")) for w in ET.parse(REAL / name / f"{p.name}.xml").iter("weight")))
        for p in s.parties
    ]
    assert u.max(axis=0) == pytest.approx(totals, abs=1e-12)


@pytest.mark.skipif(not REAL.is_dir(), reason="the ANAC domains are not beside the repository")
def test_real_itex_utility_by_hand() -> None:
    c = compile_scenario(import_genius(REAL / "y2012_ItexvsCypressA"))
    row = c.encode(
        {"Price": "4.37", "Delivery": "45-days", "Payment": "30-days-after-delivery", "Returns": "5-spoilage-allowed"}
    )
    u = c.utilities(row)[0]
    # profile 2: Price 1/40, Delivery 10/25, Payment 6/15, Returns 7/20, with its weights
    w = [0.4700166576535899, 0.1220816713696379, 0.17727008190772825, 0.2306315890690439]
    expected = (w[0] * 1 / 40 + w[1] * 10 / 25 + w[2] * 6 / 15 + w[3] * 7 / 20) / sum(w)
    assert u[1] == pytest.approx(expected, abs=1e-12)
    assert u[0] == pytest.approx(1.0)  # each term is profile 1's best on its issue


@pytest.mark.skipif(not REAL.is_dir(), reason="the ANAC domains are not beside the repository")
def test_real_nonlinear_domain_is_refused() -> None:
    with pytest.raises(InputError) as err:
        import_genius(REAL / "y2014_10issues")
    assert all("non-linear GENIUS profile" in p.message and p.line is not None for p in err.value.problems)


def test_real_issue_is_cut_into_steps(tmp_path: Path) -> None:
    (tmp_path / "d.xml").write_text(
        '<negotiation_template><utility_space><objective index="0" name="root">\n'
        '<issue index="1" name="Price" type="real" etype="real" vtype="real">'
        '<range lowerbound="0" upperbound="10"/></issue>\n'
        '<issue index="2" name="Colour" type="discrete">'
        '<item index="1" value="red"/><item index="2" value="blue"/></issue>\n'
        "</objective></utility_space></negotiation_template>\n",
        encoding="utf-8",
    )
    (tmp_path / "p.xml").write_text(
        '<utility_space><objective index="0" name="root">\n'
        '<issue index="1" name="Price" type="real"><range lowerbound="0" upperbound="10"/>'
        '<evaluator ftype="linear" parameter0="0.2" parameter1="0.1"/></issue>\n'
        '<issue index="2" name="Colour" type="discrete"><item index="1" value="red" evaluation="1"/>'
        '<item index="2" value="blue" evaluation="3"/></issue>\n'
        '<weight index="1" value="0.5"/><weight index="2" value="0.5"/>\n'
        "</objective></utility_space>\n",
        encoding="utf-8",
    )
    s = import_genius(tmp_path)
    price = s.issue("Price")
    assert price.grid() == tuple(range(11))
    assert s.assumptions is not None and "Real issues (Price) are cut into 10 equal steps" in s.assumptions
    c = compile_scenario(s)
    # 0.1 x + 0.2, clipped at 1 from x = 8 on
    values = [c.utilities(c.encode({"Price": x, "Colour": "blue"}))[0][0] for x in (0, 5, 8, 10)]
    assert values == pytest.approx([0.5 * 0.2 + 0.5, 0.5 * 0.7 + 0.5, 1.0, 1.0])


# ----------------------------------------------------------------------------------------------
# Files as GENIUS's own loader reads them


def _domain(root_index: int = 0, flat: bool = False) -> str:
    issues = (
        '<issue index="2" name="Sport" type="discrete"><item index="1" value="swim"/><item index="2" value="run"/>'
        '<item index="3" value="yoga"/></issue>\n'
        '<issue index="3" name="Hours" type="discrete"><item index="1" value="one"/><item index="2" value="two"/>'
        "</issue>\n"
    )
    if flat:
        return f"<negotiation_template><utility_space>\n{issues}</utility_space></negotiation_template>\n"
    return (
        f'<negotiation_template><utility_space><objective index="{root_index}" name="Fitness" type="objective">\n'
        f"{issues}</objective></utility_space></negotiation_template>\n"
    )


def _profile(
    sport: tuple[float, float, float],
    hours: tuple[float, float],
    weights: tuple[float, float],
    *,
    reservation: float = 0.0,
    extra: str = "",
    layout: str = "objective",
) -> str:
    body = (
        '<issue index="2" name="Sport" type="discrete">'
        + "".join(
            f'<item index="{k}" value="{v}" evaluation="{e}"/>'
            for k, (v, e) in enumerate(zip(("swim", "run", "yoga"), sport, strict=True), 1)
        )
        + '</issue>\n<issue index="3" name="Hours" type="discrete">'
        + "".join(
            f'<item index="{k}" value="{v}" evaluation="{e}"/>'
            for k, (v, e) in enumerate(zip(("one", "two"), hours, strict=True), 1)
        )
        + f'</issue>\n<weight index="2" value="{weights[0]}"/><weight index="3" value="{weights[1]}"/>\n{extra}'
    )
    if layout == "flat":  # issues and weights straight under <utility_space>
        inner = body
    elif layout == "nested":  # a sub-objective holding the issues, as GENIUS's editor can write
        inner = (
            f'<objective index="0" name="root"><objective index="7" name="Training">\n{body}</objective></objective>'
        )
    else:
        inner = f'<objective index="0" name="root">\n{body}</objective>'
    return f'<utility_space>\n{inner}\n<reservation value="{reservation}"/>\n</utility_space>\n'


def _genius_utility(evaluations: list[dict[str, float]], weights: list[float], terms: list[str]) -> float:
    """GENIUS's AdditiveUtilitySpace.getUtility, written out: min(1, sum of weight x evaluation / issue max)."""
    total = sum(w * ev[t] / max(ev.values()) for w, ev, t in zip(weights, evaluations, terms, strict=True))
    return min(1.0, total)


def test_a_weight_for_the_root_objective_is_ignored(tmp_path: Path) -> None:
    # as in ANAC 2012 Fitness: the root objective (index 1 there) carries a weight of 1.0
    (tmp_path / "Fitness-domain.xml").write_text(_domain(root_index=1), encoding="utf-8")
    root_weight = '<weight index="1" value="1.0"/>\n'
    (tmp_path / "Fitness-prof1.xml").write_text(_profile((5, 1, 3), (1, 4), (0.6, 0.4), extra=root_weight))
    (tmp_path / "Fitness-prof2.xml").write_text(_profile((1, 5, 2), (4, 1), (0.3, 0.7)))
    found = read_genius(tmp_path)
    c = compile_scenario(found.scenario)
    assert any("weight 1 for index 1 (the objective 'Fitness') ignored" in n for n in found.notes)
    u = c.utilities(c.encode({"Sport": "yoga", "Hours": "two"}))[0]
    assert u[0] == pytest.approx(0.6 * 3 / 5 + 0.4 * 4 / 4)
    assert u[1] == pytest.approx(0.3 * 2 / 5 + 0.7 * 1 / 4)


@pytest.mark.parametrize("layout", ["flat", "nested"])
def test_flat_and_nested_layouts_read_as_the_usual_one(tmp_path: Path, layout: str) -> None:
    usual, other = tmp_path / "usual", tmp_path / layout
    for folder, kind in ((usual, "objective"), (other, layout)):
        folder.mkdir()
        (folder / "d.xml").write_text(_domain(flat=layout == "flat" and folder is other), encoding="utf-8")
        (folder / "a.xml").write_text(_profile((5, 1, 3), (1, 4), (0.6, 0.4), layout=kind), encoding="utf-8")
        (folder / "b.xml").write_text(_profile((1, 5, 2), (4, 1), (0.3, 0.7), layout=kind), encoding="utf-8")
    c, d = compile_scenario(import_genius(usual)), compile_scenario(import_genius(other))
    assert [i.id for i in d.scenario.issues] == ["Sport", "Hours"]
    outcomes = every_outcome(c)
    assert np.array_equal(c.utilities(outcomes), d.utilities(outcomes))


@settings(max_examples=25, deadline=None)
@given(
    weights=st.tuples(st.floats(0.05, 0.9), st.floats(0.05, 0.9)),
    sport=st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 9)),
    hours=st.tuples(st.integers(1, 9), st.integers(0, 9)),
    reservation=st.floats(0.0, 1.0),
)
def test_weights_that_do_not_add_up_to_1_count_as_genius_counts_them(
    tmp_path_factory: pytest.TempPathFactory,
    weights: tuple[float, float],
    sport: tuple[int, int, int],
    hours: tuple[int, int],
    reservation: float,
) -> None:
    folder = tmp_path_factory.mktemp("weights")
    (folder / "d.xml").write_text(_domain(), encoding="utf-8")
    (folder / "p-1.xml").write_text(_profile(sport, hours, weights, reservation=reservation), encoding="utf-8")
    (folder / "p-2.xml").write_text(_profile((1, 1, 1), (1, 1), (0.5, 0.5)), encoding="utf-8")
    found = read_genius(folder)
    c = compile_scenario(found.scenario)
    outcomes = every_outcome(c)
    ours = c.utilities(outcomes)[:, 0]
    evaluations = [dict(zip(("swim", "run", "yoga"), map(float, sport), strict=True))]
    evaluations.append(dict(zip(("one", "two"), map(float, hours), strict=True)))
    theirs = np.array(
        [
            _genius_utility(evaluations, list(weights), [str(c.options[i][k]) for i, k in enumerate(row)])
            for row in outcomes
        ]
    )
    total = sum(weights)
    if total <= 1.0:
        assert ours == pytest.approx(theirs, abs=1e-12)  # GENIUS's utilities, exactly
        assert c.reservation[0] == pytest.approx(reservation)
    else:
        assert np.minimum(1.0, ours * total) == pytest.approx(theirs, abs=1e-12)
    # the same outcomes are acceptable here as in GENIUS, whatever the total
    assert np.array_equal(ours >= c.reservation[0] - 1e-12, theirs >= reservation - 1e-12)
    said = any("weights add up to" in n for n in found.notes)
    assert said == (abs(total - 1.0) > 1e-9)


def _variants(tmp_path: Path) -> Path:
    """A two-party domain with reservation variants of each profile beside the two profiles."""
    (tmp_path / "Itex-domain.xml").write_text(_domain(), encoding="utf-8")
    (tmp_path / "Itex_Itex.xml").write_text(_profile((5, 1, 3), (1, 4), (0.6, 0.4)), encoding="utf-8")
    (tmp_path / "Itex_Cypress.xml").write_text(_profile((1, 5, 2), (4, 1), (0.3, 0.7)), encoding="utf-8")
    for r in (0.25, 0.5):
        text = _profile((1, 5, 2), (4, 1), (0.3, 0.7), reservation=r)
        (tmp_path / f"Itex_Cypress_reservation{r}.xml").write_text(text, encoding="utf-8")
    return tmp_path


def test_extra_profiles_are_refused_with_their_names_and_how_to_pick(tmp_path: Path) -> None:
    folder = _variants(tmp_path)
    with pytest.raises(InputError) as err:
        import_genius(folder)
    (problem,) = err.value.problems
    assert problem.file == str(folder)
    for name in ("Itex_Cypress.xml", "Itex_Cypress_reservation0.25.xml", "Itex_Itex.xml"):
        assert name in problem.message
    assert "--profiles" in problem.message
    s = import_genius(folder, ["Itex_Itex.xml", "Itex_Cypress_reservation0.5.xml"])
    assert [p.id for p in s.parties] == ["Itex_Itex", "Itex_Cypress_reservation0.5"]
    assert s.preferences["Itex_Cypress_reservation0.5"].reservation == 0.5
    assert load_any(folder, ["Itex_Cypress.xml", "Itex_Itex.xml"]).parties[0].id == "Itex_Cypress"
    with pytest.raises(InputError, match=r"--profiles: not a GENIUS profile in this folder: nope.xml \(the profiles"):
        import_genius(folder, ["Itex_Itex.xml", "nope.xml"])


def test_numbered_profiles_and_declared_parties_need_no_choice(tmp_path: Path) -> None:
    numbered = tmp_path / "numbered"
    numbered.mkdir()
    (numbered / "Dinner.xml").write_text(_domain(), encoding="utf-8")
    for n in (1, 2, 3):
        (numbered / f"Dinner_util{n}.xml").write_text(_profile((n, 1, 1), (1, 2), (0.5, 0.5)), encoding="utf-8")
    assert [p.id for p in import_genius(numbered).parties] == ["Dinner_util1", "Dinner_util2", "Dinner_util3"]
    # truce's export declares its parties in the domain file, so three named parties come back as three
    data = scenario_to_data(_numeric_scenario())
    data["parties"] = [{"id": p, "name": p.title()} for p in ("south", "north", "east")]
    data["preferences"] = {
        "south": data["preferences"]["a"],
        "north": data["preferences"]["b"],
        "east": {"assumption": True, "weights": {"route": 1}, "values": {"route": {"north": 1, "south": 0}}},
    }
    s = build_scenario(data)
    export_genius(s, tmp_path / "out")
    assert [p.id for p in import_genius(tmp_path / "out").parties] == ["south", "north", "east"]


def test_renaming_profile_files_does_not_change_the_solutions(tmp_path: Path) -> None:
    # a symmetric domain: each side's profile is the other's mirror image, so Nash and the utilitarian
    # solution tie between two deals; the choice must not follow the file names
    picks = []
    for first, second in (("alpha.xml", "beta.xml"), ("beta.xml", "alpha.xml")):
        folder = tmp_path / first
        folder.mkdir()
        (folder / "d.xml").write_text(_domain(), encoding="utf-8")
        (folder / first).write_text(_profile((9, 3, 5), (1, 1), (1.0, 0.0)), encoding="utf-8")
        (folder / second).write_text(_profile((3, 9, 5), (1, 1), (1.0, 0.0)), encoding="utf-8")
        c = compile_scenario(import_genius(folder))
        picks.append(
            {
                name: [str(c.options[i][k]) for i, k in enumerate(sol.outcome)]
                for name, sol in solve_all(c).items()
                if sol is not None
            }
        )
    assert picks[0] == picks[1]
    assert picks[0]["nash"][0] == "swim"


# ----------------------------------------------------------------------------------------------
# GeniusWeb JSON profiles


def _geniusweb(
    name: str,
    utilities: dict[str, float],
    low_high: tuple[float, float],
    weights: tuple[float, float],
    reservation: dict[str, object] | None = None,
) -> str:
    domain = {
        "name": "trip",
        "issuesValues": {
            "Destination": {"values": ["Kyoto", "Osaka", "Nara"]},
            "Days": {"range": {"low": 2, "high": 10, "step": 2}},
        },
    }
    profile = {
        "LinearAdditiveUtilitySpace": {
            "name": name,
            "domain": domain,
            "issueUtilities": {
                "Destination": {"DiscreteValueSetUtilities": {"valueUtilities": utilities}},
                "Days": {
                    "NumberValueSetUtilities": {
                        "lowValue": 2,
                        "lowUtility": low_high[0],
                        "highValue": 10,
                        "highUtility": low_high[1],
                    }
                },
            },
            "issueWeights": {"Destination": weights[0], "Days": weights[1]},
            "reservationBid": None if reservation is None else {"issuevalues": reservation},
        }
    }
    return json.dumps(profile, indent=2)


def test_geniusweb_profiles_are_read_as_geniusweb_computes_them(tmp_path: Path) -> None:
    (tmp_path / "trip1.json").write_text(
        _geniusweb(
            "trip1", {"Kyoto": 1, "Osaka": 0.2, "Nara": 0.6}, (0.0, 0.8), (0.7, 0.3), {"Destination": "Nara", "Days": 4}
        ),
        encoding="utf-8",
    )
    (tmp_path / "trip2.json").write_text(
        _geniusweb("trip2", {"Kyoto": 0.1, "Osaka": 0.9, "Nara": 0.5}, (1.0, 0.0), (0.4, 0.6)), encoding="utf-8"
    )
    assert is_genius_folder(tmp_path)
    s = load_any(tmp_path)
    assert [p.id for p in s.parties] == ["trip1", "trip2"]
    assert s.issue("Days").grid() == (2, 4, 6, 8, 10)
    c = compile_scenario(s)
    u = c.utilities(c.encode({"Destination": "Osaka", "Days": 6}))[0]
    # value utilities as written (no division by the largest, unlike GENIUS); days linear from 2 to 10
    assert u[0] == pytest.approx(0.7 * 0.2 + 0.3 * 0.4)
    assert u[1] == pytest.approx(0.4 * 0.9 + 0.6 * 0.5)
    # the reservation value is the utility of the reservation bid: Nara, 4 days
    assert c.reservation[0] == pytest.approx(0.7 * 0.6 + 0.3 * 0.2)
    assert c.reservation[1] == 0.0


def test_geniusweb_refuses_what_geniusweb_refuses(tmp_path: Path) -> None:
    path = tmp_path / "trip1.json"
    path.write_text(_geniusweb("trip1", {"Kyoto": 1, "Osaka": 0.2, "Nara": 0.6}, (0.0, 0.8), (0.7, 0.4)))
    (tmp_path / "trip2.json").write_text(_geniusweb("trip2", {"Kyoto": 1, "Osaka": 0, "Nara": 1.5}, (1, 0), (0.5, 0.5)))
    with pytest.raises(InputError) as err:
        import_genius(tmp_path, ["trip1.json"])
    (problem,) = err.value.problems
    assert problem.file == str(path) and problem.line is not None and problem.line > 1
    assert "weights must be 0 or more and add up to 1 (they add up to 1.1)" in problem.message
    with pytest.raises(InputError, match=r"a utility must lie in \[0, 1\] \(got 1.5\)"):
        import_genius(tmp_path, ["trip2.json"])


def test_geniusweb_numbered_profiles_are_the_parties(tmp_path: Path) -> None:
    for n in (1, 2, 3):
        text = _geniusweb(f"trip{n}", {"Kyoto": 1, "Osaka": n / 4, "Nara": 0}, (0.0, 1.0), (0.5, 0.5))
        (tmp_path / f"trip{n}.json").write_text(text, encoding="utf-8")
    assert [p.id for p in import_genius(tmp_path).parties] == ["trip1", "trip2", "trip3"]
    (tmp_path / "trip-low.json").write_text((tmp_path / "trip1.json").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match=r"4 GeniusWeb profiles and nothing says which are the parties"):
        import_genius(tmp_path)
