from __future__ import annotations

import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truce.cli import app
from truce.report.exchange_png import SIZE_PX

A2025 = Path(__file__).resolve().parent.parent / "examples" / "exchange-2025"
SIGNATURE = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["exchange", *args])
    return result.exit_code, result.stderr


def size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize(
    "verb",
    [
        ("plan", str(A2025)),
        ("ledger", str(A2025), str(A2025 / "release-log.csv")),
    ],
    ids=["plan", "ledger"],
)
def test_png_report_is_written_and_reproducible(tmp_path: Path, verb: tuple[str, ...]) -> None:
    first, second = tmp_path / "one.png", tmp_path / "two.PNG"
    assert run(*verb, "--report", str(first))[0] == 0
    assert run(*verb, "--report", str(second))[0] == 0
    png = first.read_bytes()
    assert png.startswith(SIGNATURE)
    assert size(png) == SIZE_PX == (1600, 1000)
    assert png == second.read_bytes()
    assert b"tIME" not in png and b"Software" not in png and b"atplotlib" not in png
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.png", "two.PNG"]


def test_html_report_still_written_for_other_suffixes(tmp_path: Path) -> None:
    report = tmp_path / "plan.html"
    assert run("plan", str(A2025), "--report", str(report))[0] == 0
    assert not report.read_bytes().startswith(SIGNATURE)


def test_bad_log_writes_no_png(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("day,side,category,count\n1,hamas,nobody,3\n")
    code, err = run("ledger", str(A2025), str(log), "--report", str(tmp_path / "ledger.png"))
    assert code == 2 and "log.csv:2:" in err
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]


def test_agreement_without_a_plan_writes_no_png(tmp_path: Path) -> None:
    agreement = tmp_path / "agreement.yaml"
    text = (A2025 / "agreement.yaml").read_text()
    agreement.write_text(text.replace("{day: 7, count: 4}", "{day: 7, count: 40}"))
    code, err = run("plan", str(tmp_path), "--report", str(tmp_path / "plan.png"))
    assert code == 2 and "conflicting rule" in err
    assert [p.name for p in tmp_path.iterdir()] == ["agreement.yaml"]


def test_an_agreements_dollars_are_text_and_long_notes_are_wrapped(tmp_path: Path) -> None:
    """A "$" in a title or a category's name was read as mathematics: an odd one ended the PNG in a
    traceback; and a note naming categories in the agreement's words ran off the figure's right edge."""
    from truce.exchange.ledger import keep_ledger
    from truce.io.agreement_files import load_agreement, load_release_log
    from truce.report.exchange_png import NOTE_WIDTH, _Chart, _note_lines

    folder = tmp_path / "agreement"
    folder.mkdir()
    text = (A2025 / "agreement.yaml").read_text().replace('title: "January', 'title: "Costs $5 $\\\\frac{ January')
    (folder / "agreement.yaml").write_text(text.replace('"female soldiers (living)"', '"female $x^ soldiers"'))
    png = tmp_path / "ledger.png"
    code, err = run("ledger", str(folder), str(A2025 / "release-log.csv"), "--report", str(png))
    assert code == 0, err
    assert png.read_bytes().startswith(SIGNATURE)
    a = load_agreement(A2025)[0]
    ledger = keep_ledger(a, load_release_log(A2025 / "release-log.csv", a))
    notes = [
        (day, f"{a.day_label(day)}: {d.kind} ({d.side}, {d.measure()}): {d.note}") for day, d in ledger.deviations()
    ]
    chart = _Chart("ledger", deviations=notes)
    lines = _note_lines(chart)
    assert max(map(len, lines)) <= NOTE_WIDTH and len(lines) > len(chart.deviations)
