"""Bad input gets located messages and exit 2: no traceback, no output file, whatever the input."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from truce.cli import app
from truce.io.documents import MAX_BYTES, parse_document

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "labour-2025" / "scenario.yaml"
LOCATED = re.compile(r"^.+:\d+:\d+: \S.*$")
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def assert_rejected(result: Any, name: str) -> list[str]:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "no message"
    for line in lines:
        assert LOCATED.match(line), line
        assert line.startswith(name)
    return lines


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


BOMB = b"""a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""

CASES = {
    "empty.yaml": b"",
    "blank.yaml": b"\n\n   \n",
    "binary.yaml": bytes(range(256)) * 4,
    "nul.yaml": b"id: x\x00\n",
    "latin1.yaml": "id: caf\u00e9\n".encode("latin-1"),
    "bomb.yaml": BOMB,
    "duplicate.yaml": b"id: a\ntitle: t\nid: b\n",
    "deep.yaml": b"[" * 20000 + b"]" * 20000,
    "deep.json": b"[" * 20000 + b"]" * 20000,
    "list.yaml": b"- 1\n- 2\n",
    "scalar.yaml": b"42\n",
    "bad-syntax.yaml": b"id: [unclosed\ntitle: x\n",
    "bad.json": b'{"id": "x",}',
    "tabs.yaml": b"id: x\n\ttitle: y\n",
    "unknown-tag.yaml": b"id: !!python/object:os.system x\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_files_are_rejected_with_a_location(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, CASES[name])
    for verb in (["validate"], ["analyze"]):
        assert_rejected(run(*verb, str(path)), str(path))


def test_ten_megabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", b"# " + b"x" * (10 * 1024 * 1024) + b"\n")
    (line,) = assert_rejected(run("validate", str(path)), str(path))
    assert f"{MAX_BYTES:,}-byte limit" in line


def test_bad_input_writes_no_report(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", b"id: x\n")
    report = tmp_path / "brief.html"
    assert_rejected(run("analyze", str(bad), "--report", str(report)), str(bad))
    assert not report.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_a_problem_on_line_100_is_located_there_not_drawn_as_an_emoji(tmp_path: Path) -> None:
    # rich prints ":100:" as an emoji unless told not to, which made "file:100:1" unreadable
    bad = write(tmp_path, "l100.yaml", b"id: x\n" + b"# note\n" * 98 + b"bogus_field: 1\n")
    lines = assert_rejected(run("validate", str(bad)), str(bad))
    assert f"{bad}:100:1: unknown field 'bogus_field' (check the spelling; `truce schema` lists the fields)" in lines


def test_json_with_integers_and_keys_past_every_limit_is_refused_in_short_located_lines(tmp_path: Path) -> None:
    # an integer of more digits than Python converts once crashed every verb; a 1,500-character key is valid JSON
    # that YAML cannot read (so its problem is placed at the start) and was quoted whole in the message
    long_int = write(tmp_path, "int.json", b'{"id": "x", "title": ' + b"7" * 5_000 + b"}")
    lines = assert_rejected(run("validate", str(long_int)), str(long_int))
    assert ":1:22: cannot read value '77777777777777777777...7777777777'" in lines[0]
    long_key = write(tmp_path, "key.json", b'{"id": "x", "' + b"k" * 1_500 + b'": 1}')
    lines = assert_rejected(run("validate", str(long_key)), str(long_key))
    assert any(
        f"{long_key}:1:1: unknown field 'kkkk" in line and len(line) < 200 + len(str(long_key)) for line in lines
    )


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("role: mediator", "role: referee", 1)
    data = parse_document(text.encode(), "x").data
    data["proposals"][0]["terms"]["nonexistent_issue"] = "x"
    data["parties"].append(dict(data["parties"][0]))
    path = write(tmp_path, "two.json", json.dumps(data).encode())
    lines = assert_rejected(run("validate", str(path)), str(path))
    assert any("'referee'" in line for line in lines)
    # The checker's cross-reference problems are reported after the structural ones are fixed.
    fixed = write(tmp_path, "three.json", json.dumps(data).replace('"referee"', '"mediator"').encode())
    lines = assert_rejected(run("validate", str(fixed)), str(fixed))
    assert any("duplicate party id" in line for line in lines)
    assert any("unknown issue 'nonexistent_issue'" in line for line in lines)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            out += paths(value, (*prefix, k))
    return out


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data(), junk, st.booleans())
def test_wrong_types_at_every_level(tmp_path: Path, data: st.DataObject, value: Any, as_json: bool) -> None:
    document = parse_document(EXAMPLE.read_bytes(), "example").data
    where = data.draw(st.sampled_from(paths(document)[1:]))
    node = document
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    text = json.dumps(document) if as_json else _yaml(document)
    path = write(tmp_path, "mutated.json" if as_json else "mutated.yaml", text.encode())
    result = run("validate", str(path))
    if result.exit_code != 0:  # some replacements are still valid (a note replaced by other text)
        assert_rejected(result, str(path))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes(tmp_path: Path, raw: bytes) -> None:
    path = write(tmp_path, "junk.yaml", raw)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert_rejected(result, str(path))


def _yaml(data: Any) -> str:
    from io import StringIO

    from ruamel.yaml import YAML

    out = StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


@pytest.mark.parametrize("step", ["1e-12", "0.0000001", "1e-300"])
def test_a_numeric_issue_with_countless_values_is_refused_without_listing_them(tmp_path: Path, step: str) -> None:
    """A red line's range on a numeric issue whose step gives trillions of values: the issue is reported (at
    most 100,000 values) and nothing tries to list its values, which once filled the memory."""
    text = EXAMPLE.read_text().replace("    step: 0.25\n", f"    step: {step}\n", 1)
    assert f"step: {step}" in text
    path = write(tmp_path, "countless.yaml", text.encode())
    lines = assert_rejected(run("validate", str(path)), str(path))
    assert any("values (at most 100,000)" in line for line in lines), lines
    assert not any("contains no value" in line for line in lines), lines


def test_an_integer_no_float_can_hold_is_refused_wherever_a_number_goes(tmp_path: Path) -> None:
    """Every number of a scenario replaced, one at a time, by 10^400: a located error each time, never the
    OverflowError a float conversion raised (a term of 309 digits or more once gave the service a 500)."""
    document = parse_document(EXAMPLE.read_bytes(), "example").data
    numbers = [where for where in paths(document)[1:] if _is_plain_number(_at(document, where))]
    assert len(numbers) > 20
    for where in numbers:
        mutated = json.loads(json.dumps(document))
        _at(mutated, where[:-1])[where[-1]] = 10**400
        path = write(tmp_path, "huge.json", json.dumps(mutated).encode())
        assert_rejected(run("validate", str(path)), str(path))


def _at(node: Any, where: tuple[Any, ...]) -> Any:
    for part in where:
        node = node[part]
    return node


def _is_plain_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.parametrize(("term", "ok"), [("5.5000001", False), ("5.5", True), ("5.500000000000001", True)])
def test_a_number_just_off_an_issues_values_is_refused(tmp_path: Path, term: str, ok: bool) -> None:
    """5.5000001 on a grid of quarters was accepted (stored as typed, shown as 5.5); float rounding still is."""
    text = EXAMPLE.read_text().replace("      wage_increase: 5.5\n", f"      wage_increase: {term}\n", 1)
    path = write(tmp_path, "off-grid.yaml", text.encode())
    result = run("validate", str(path))
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert any("is not a value of wage_increase" in line for line in assert_rejected(result, str(path)))


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("parties:\n", "parties: []\n", "at least one party is needed (got none)"),
        ("[[1.5, 0.0], [3.0", "[[1.5], [3.0", "a point of a value function needs two numbers: [x, value] (got [1.5])"),
        ("    max: 6\n    step: 0.25\n", "    max: 1.0e308\n    step: 1.0e-308\n", "more values than can be counted"),
        ("    min: 0\n    max: 6\n", "    min: -1.7e308\n    max: 1.7e308\n", "more values than can be counted"),
        ("      wage_increase: 5.5\n", "      wage_increase: 1.0e308\n", "1e+308 is not a value of wage_increase"),
        ("    tabled_by: [union]\n", "    tabled_by: union\n", "expected a list (got text 'union')"),
        ("    tabled_by: [union]\n", "    tabled_by: [7]\n", "expected text (got a number 7)"),
    ],
)
def test_a_scenarios_problem_is_said_in_its_own_words(tmp_path: Path, old: str, new: str, said: str) -> None:
    """The validator's words leaked ("tuple should have at least 1 item after validation", "missing required
    field 1", "gives inf values"), and a term on an issue of 1e308 by 1e-308 was a traceback."""
    text = EXAMPLE.read_text()
    if new == "parties: []\n":  # the list's entries go with it
        text = text[: text.index(old)] + old + text[text.index("\nissues:") :]
    assert old in text
    path = write(tmp_path, "words.yaml", text.replace(old, new, 1).encode())
    lines = assert_rejected(run("validate", str(path)), str(path))
    assert any(said in line for line in lines), lines
    assert not any(word in line for line in lines for word in ("tuple", "field 1", "inf ", "validation")), lines


@pytest.mark.parametrize("where", ["missing/brief.html", "."])
def test_an_output_path_that_cannot_be_written_is_bad_input(tmp_path: Path, where: str) -> None:
    """A report into a folder that does not exist, or onto a folder, was a traceback and exit 1."""
    target = tmp_path / where
    result = run("analyze", str(EXAMPLE), "--report", str(target))
    assert_rejected(result, str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == []


GAZA = str(EXAMPLE.parents[1] / "gaza-2024")
LABOUR = str(EXAMPLE.parent)
EXCHANGE = str(EXAMPLE.parents[1] / "exchange-2025")
HARBOUR = str(EXAMPLE.parents[2] / "tests" / "data" / "genius" / "harbour")
NEWS = str(EXAMPLE.parents[2] / "tests" / "data" / "reports" / "gaza-2024-08-18.txt")


@pytest.mark.parametrize(
    ("args", "name", "said"),
    [
        (["exchange", "plan", EXCHANGE, "--report"], "plan.pdf", ".html, .htm or .png files, not '.pdf'"),
        (["exchange", "ledger", EXCHANGE, EXCHANGE + "/release-log.csv", "--report"], "ledger", "has none"),
        (["import", "genius", HARBOUR, "-o"], "harbour.txt", ".yaml, .yml or .json files, not '.txt'"),
        (["analyze", LABOUR, "--report"], "brief.pdf", ".html or .htm files, not '.pdf'"),
        (["simulate", LABOUR, "--runs", "2", "--report"], "sim.png", ".html or .htm files, not '.png'"),
        (["exchange", "lists", EXCHANGE, "--synthetic", "--out"], "people.txt", ".csv files, not '.txt'"),
        (["record", "draft", GAZA, NEWS, "--accept", "all", "--out"], "new.json", "scenario.yaml is YAML"),
        (["record", "draft", GAZA, NEWS, "--accept", "all", "--patch"], "new.txt", ".patch or .diff files"),
        (["audit", "checkpoint", "--db", "x.db", "--out"], "head.db", ".json files, not '.db'"),
    ],
)
def test_an_output_named_for_a_format_its_command_does_not_write_is_refused(
    tmp_path: Path, args: list[str], name: str, said: str
) -> None:
    """exchange plan --report plan.pdf wrote 4.8 MB of HTML named .pdf; import genius -o x.txt wrote YAML."""
    target = tmp_path / name
    lines = assert_rejected(run(*args, str(target)), str(target))
    assert any(said in line and "give a name ending in" in line for line in lines), lines
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["import", "genius", HARBOUR, "-o", "{missing}/h.yaml"],
        ["export", "genius", GAZA, "{missing}/sub/genius"],
        ["tournament", LABOUR, "--seeds", "1", "--no-parquet", "--out", "{missing}/runs"],
        ["record", "draft", GAZA, NEWS, "--accept", "all", "--out", "{missing}/new.yaml"],
        ["exchange", "plan", EXCHANGE, "--report", "{missing}/plan.png"],
    ],
)
def test_no_command_makes_a_missing_folder_for_its_output(tmp_path: Path, args: list[str]) -> None:
    """export genius and tournament --out made any folders missing on the way, where analyze --report refused."""
    argv = [a.replace("{missing}", str(tmp_path / "missing")) for a in args]
    lines = assert_rejected(run(*argv), argv[-1])
    assert any(f"no folder '{tmp_path / 'missing'}" in line for line in lines), lines
    assert list(tmp_path.iterdir()) == []


def test_a_command_never_writes_over_what_it_reads(tmp_path: Path) -> None:
    """record draft --out onto its own scenario replaced it; export genius into the GENIUS folder it read
    rewrote that folder's files."""
    import shutil

    scenario = tmp_path / "gaza" / "scenario.yaml"
    shutil.copytree(GAZA, scenario.parent)
    domain = shutil.copytree(HARBOUR, tmp_path / "harbour")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    drafted = run("record", "draft", str(scenario.parent), NEWS, "--accept", "all", "--out", str(scenario))
    assert any("is read by this command" in line for line in assert_rejected(drafted, str(scenario)))
    exported = run("export", "genius", str(domain), str(domain))
    assert any("is where" in line for line in assert_rejected(exported, str(domain)))
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_another_existing_file_is_replaced_as_every_command_does(tmp_path: Path) -> None:
    """The one rule for an existing file that is not an input: replaced whole, by record draft as by reports."""
    out = tmp_path / "new.yaml"
    out.write_text("old\n")
    result = run("record", "draft", GAZA, NEWS, "--accept", "all", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("# Gaza ceasefire")


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["exchange", "lists", str(EXAMPLE.parents[1] / "exchange-2025"), "--synthetic", "--seed", "-1"], "--seed"),
        (["trades", GAZA, "--from", "aug16-bridging", "--parties", "israel,hamas", "--limit", "0"], "--limit"),
        (["trades", GAZA, "--from", "aug16-bridging", "--parties", "israel,hamas", "--limit", "-1"], "--limit"),
        (["bridge", GAZA, "--from", "aug16-bridging", "-k", "0"], "-k"),
        (["bridge", GAZA, "--from", "aug16-bridging", "--improvements", "-1"], "--improvements"),
        (["bridge", GAZA, "--from", "aug16-bridging", "--budget", "nan"], "budget"),
        (["simulate", GAZA, "--shock-probability", "-0.5"], "--shock-probability"),
        (["simulate", GAZA, "--shock-probability", "nan"], "--shock-probability"),
        (["simulate", GAZA, "--shock-cost-factor", "-3"], "--shock-cost-factor"),
        (["simulate", LABOUR, "--start", "mediator-package"], "--start"),
        (["frontier", LABOUR, "--zopa-budget", "inf"], "--zopa-budget"),
    ],
)
def test_an_option_value_out_of_its_range_is_refused_by_name(args: list[str], named: str) -> None:
    """A negative seed was a traceback; a limit of 0 said no trade exists; a negative shock probability, or a
    text on the table for a protocol that has none, ran as if nothing had been given."""
    result = run(*args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output and named in result.output, result.output


def _cli_process(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, with 1 GB of memory at most: what a reader without a bound does
    to a device or a pipe (fill the memory, wait for ever) must fail this test, not the machine."""

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    code = "from truce.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, preexec_fn=bounded
    )


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{input}"],
        ["fair-divide", "{input}"],
        ["exchange", "ledger", EXCHANGE, "{input}"],
        ["record", "draft", GAZA, "{input}"],
        ["audit", "verify", "--db", "{tmp}/none.db", "--checkpoint", "{input}"],
        ["exchange", "check", EXCHANGE, "{input}"],
    ],
)
@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_a_pipe_given_as_a_file_is_refused_unread(tmp_path: Path, args: list[str], kind: str) -> None:
    """/dev/zero said it held 0 bytes and was read until the memory ran out (the process was killed after a
    minute); a named pipe no one writes to was waited on for ever."""
    given = "/dev/zero"
    if kind == "pipe":
        given = str(tmp_path / "talks.yaml")
        os.mkfifo(given)
    argv = [a.replace("{input}", given).replace("{tmp}", str(tmp_path)) for a in args]
    done = _cli_process(*argv)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stderr == f"{given}:1:1: is not a regular file (a {kind})\n"


def _not_truces(tmp_path: Path, kind: str) -> Path:
    """A file (or folder) that someone could give to --db by mistake."""
    path = tmp_path / f"{kind}.db"
    if kind == "folder":
        path.mkdir()
        path.chmod(0o755)
    elif kind == "scenario":
        path.write_bytes(EXAMPLE.read_bytes())
    elif kind == "empty":
        path.write_bytes(b"")
    else:  # another program's SQLite database
        import sqlite3

        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.commit()
        connection.close()
    return path


def _state(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mode, b"" if p.is_dir() else p.read_bytes()) for p in folder.iterdir()}


@pytest.mark.parametrize("kind", ["folder", "scenario", "empty", "other"])
@pytest.mark.parametrize("verb", [["audit", "verify"], ["people", "list"], ["serve"]])
def test_a_db_that_is_not_truces_database_is_refused_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, verb: list[str]
) -> None:
    """audit verify and people list made truce's tables in any file given to --db (an empty file became a
    database, another program's database was given truce's tables), made it private (a folder given by
    mistake was made 0600, so no one could enter it) and showed a traceback for a file that is not a
    database; serve made truce's tables in another program's database and served it."""
    if verb == ["serve"] and kind == "empty":
        return  # an empty file is an empty database: serve makes its own there, as in a new file
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # never listen, whatever happens
    path = _not_truces(tmp_path, kind)
    before = _state(tmp_path)
    result = run(*verb, "--db", str(path))
    assert result.exit_code == 2, (result.output, result.exception)
    (line,) = result.stderr.splitlines()
    said = {"folder": "is a folder", "scenario": "not a SQLite file", "empty": "not a SQLite file", "other": "(notes)"}
    assert line.startswith(f"{path}: ") and said[kind] in line, line
    assert _state(tmp_path) == before


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://nobody:not-said@127.0.0.1:1/none", "--db: cannot open the database (connection failed"),
        ("nonsense://x", "--db: not a database address truce can open"),
        ("://", "--db: not a database URL or file"),
    ],
)
def test_a_db_that_cannot_be_opened_is_said_in_one_line(url: str, said: str) -> None:
    """A server that refuses, or an address of no known kind, was a traceback of SQLAlchemy's and exit 1."""
    result = run("people", "list", "--db", url)
    assert result.exit_code == 2, (result.output, result.exception)
    (line,) = result.stderr.splitlines()
    assert line.startswith(said) and "not-said" not in line, line


def test_serve_with_a_bad_file_to_start_from_makes_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad release log was found after the talks were put in the new database and before anyone was given a
    token: the next start found talks no one could sign in to and printed no token."""
    import shutil

    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    exchange = shutil.copytree(EXCHANGE, tmp_path / "exchange")
    (exchange / "release-log.csv").write_text("day,side,category,count\n-5,hamas,civilian_women,1\n")
    db = tmp_path / "talks.db"
    result = run("serve", "--db", str(db), "--scenario", GAZA, "--exchange", str(exchange))
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stderr == f"{exchange / 'release-log.csv'}:2:1: day must be at least 1 (got -5)\n"
    assert not db.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["exchange"]


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", LABOUR, "--runs", "2", "--report", "{ro}/sim.html"],
        ["export", "genius", LABOUR, "{ro}/genius"],
        ["tournament", LABOUR, "--seeds", "1", "--no-parquet", "--out", "{ro}/runs"],
        ["import", "genius", HARBOUR, "-o", "{ro}/harbour.yaml"],
    ],
)
def test_a_folder_that_cannot_be_written_in_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """A report into a folder one may not write in was refused only when written: 200,000 runs of simulate
    took 17 s and were lost. (The folder is read-only as the operating system reports it: the tests may run as
    root, whom no permission stops.)"""
    import truce.cli.simulate

    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == read_only and mode & os.W_OK else real_access(p, mode)
    )
    monkeypatch.setattr(truce.cli.simulate, "simulate", lambda *a, **k: pytest.fail("simulated before the check"))
    argv = [a.replace("{ro}", str(read_only)) for a in args]
    lines = assert_rejected(run(*argv), argv[-1])
    assert lines == [f"{argv[-1]}:1:1: cannot write into the folder '{read_only}' (no permission, or a read-only disk)"]
    assert list(read_only.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "content", "said"),
    [
        (["fair-divide"], b"item,a,b\nx," + b"9" * 100_000 + b",50\ny,50,50\n", "2:3: points must be finite (got '999"),
        (
            ["exchange", "ledger", EXCHANGE],
            b"day,side,category,count\n1," + b"9" * 5_000 + b",civilian_women,1\n",
            "2:3: unknown side '999",
        ),
    ],
)
def test_a_value_quoted_in_a_message_is_cut_to_a_readable_length(
    tmp_path: Path, args: list[str], content: bytes, said: str
) -> None:
    """A CSV cell of 100,000 digits was quoted whole: a message line of 100 KB."""
    path = write(tmp_path, "long.csv", content)
    (line,) = assert_rejected(run(*args, str(path)), str(path))
    assert line.startswith(f"{path}:{said}") and "characters left out)...999" in line, line[:300]
    assert len(line) < len(str(path)) + 200, len(line)


def test_escalations_that_would_compound_past_any_number_are_refused_and_the_most_allowed_runs(
    tmp_path: Path,
) -> None:
    """--shock-cost-factor 2 with an escalation a day for 3,000 days gave a cumulative cost of inf, printed as
    Infinity, which is not JSON; the message says the largest factor that stays finite, and that one runs."""
    args = ["simulate", GAZA, "--runs", "2", "--shock-probability", "1", "--days", "3000", "--json"]
    refused = run(*args, "--shock-cost-factor", "2")
    assert refused.exit_code == 2 and "Traceback" not in refused.output, refused.output
    said = " ".join(refused.stderr.replace("│", " ").split())
    found = re.search(
        r"--shock-cost-factor: 2 compounded over 3000 days passes any number a cost can be \(at most ([0-9.]+)", said
    )
    assert found is not None, said
    done = run(*args, "--shock-cost-factor", found.group(1))
    assert done.exit_code == 0, done.output

    def not_json(word: str) -> None:
        raise AssertionError(f"{word} in the JSON")

    costs = json.loads(done.stdout, parse_constant=not_json)["cost_of_delay"]
    assert costs


@pytest.mark.parametrize("kind", ["loop", "gone", "in a folder"])
def test_a_link_to_nothing_is_said_to_be_one(tmp_path: Path, kind: str) -> None:
    """A link whose target was gone, or two links pointing at each other, read "no such file or folder" (a file
    the user could see listed), and a folder whose scenario.yaml was such a link read "folder has no
    scenario.yaml"."""
    link = tmp_path / "scenario.yaml"
    if kind == "loop":
        (tmp_path / "other.yaml").symlink_to(link)
        link.symlink_to(tmp_path / "other.yaml")
    else:
        link.symlink_to(tmp_path / "gone.yaml")
    said = f"{link}:1:1: is a link to nothing that can be read (its target is missing, or the links lead back to "
    said += "themselves)"
    given = tmp_path if kind == "in a folder" else link
    assert assert_rejected(run("validate", str(given)), str(given)) == [said]
    if kind != "in a folder":  # (a folder is searched for agreement.yaml, not scenario.yaml)
        assert assert_rejected(run("exchange", "plan", str(link)), str(link)) == [said]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["schema", "nope"], "NAME: no schema 'nope' (expected scenario, frontier, bridge, standing)"),
        (["record", "draft", GAZA, NEWS, "--accept", "all"], "--accept: needs one of --out FILE"),
        (["record", "draft", GAZA, NEWS, "--patch", "x.patch"], "--patch: writes accepted entries"),
    ],
)
def test_a_problem_with_an_argument_names_the_argument(args: list[str], said: str) -> None:
    """These began "<input>:", naming nothing the user typed."""
    result = run(*args)
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stderr.startswith(said) and "<input>" not in result.stderr, result.stderr


def test_a_tournament_interrupted_while_writing_replaces_none_of_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between the tournament's files left the new results.csv beside the old report.html: a table and a
    report of different runs, in one folder."""
    import tempfile

    out = tmp_path / "runs"
    out.mkdir()
    old = {name: f"old {name}\n" for name in ("results.csv", "report.html")}
    for name, text in old.items():
        (out / name).write_text(text)
    real_mkstemp, calls = tempfile.mkstemp, []

    def interrupted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        calls.append(kwargs.get("prefix"))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    result = run(
        "tournament",
        LABOUR,
        "--strategies",
        "boulware,linear",
        "--seeds",
        "1",
        "--workers",
        "1",
        "--no-parquet",
        "--out",
        str(out),
    )
    assert result.exit_code == 130, (result.output, result.exception)  # as Ctrl-C ends every verb
    assert len(calls) == 2
    assert {p.name: p.read_text() for p in out.iterdir()} == old


@pytest.mark.parametrize(
    "args",
    [
        ["exchange", "plan", EXCHANGE, "--lists", "{folder}"],
        ["exchange", "ledger", EXCHANGE, "{folder}"],
        ["audit", "verify", "--db", "{folder}/none.db", "--checkpoint", "{folder}"],
        ["exchange", "check", EXCHANGE, "{folder}"],
    ],
)
def test_a_folder_given_where_a_file_is_read_is_refused_by_name(tmp_path: Path, args: list[str]) -> None:
    """A folder given as a list of people, a release log or a checkpoint is said to be one, in one line."""
    argv = [a.replace("{folder}", str(tmp_path)) for a in args]
    lines = assert_rejected(run(*argv), str(tmp_path))
    assert lines == [f"{tmp_path}:1:1: is not a regular file (a folder)"], lines


def test_binary_data_tagged_in_yaml_is_refused_as_any_other_tag(tmp_path: Path) -> None:
    """title: !!binary AA== was read as bytes and taken as a title holding a NUL, which the reader refuses in the
    file's own text (and PostgreSQL cannot store)."""
    text = EXAMPLE.read_text().replace("\ntitle: ", "\ntitle: !!binary AA== # ", 1)
    assert "!!binary" in text
    path = write(tmp_path, "tagged.yaml", text.encode())
    lines = assert_rejected(run("validate", str(path)), str(path))
    assert lines == [f"{path}:5:8: unsupported YAML tag 'tag:yaml.org,2002:binary' (plain data only)"], lines


@pytest.mark.parametrize(
    ("title", "as_json", "code"),
    [
        ('"a\\0b"', False, "U+0000"),
        ('"\\x1b[2J\\x1b[Hall clear"', False, "U+001B"),
        ("a\x00b", True, "U+0000"),
        ("\x1b]0;owned\x07talks", True, "U+001B"),
        ("back\bspace", True, "U+0008"),
    ],
)
def test_a_control_character_written_as_an_escape_is_refused_where_it_stands(
    tmp_path: Path, title: str, as_json: bool, code: str
) -> None:
    """An escape in quotes put what the file's own text may not hold into the talks: a NUL, or a terminal's
    control sequence (clear the screen, retitle the window) that analyze then printed to the reader's screen."""
    if as_json:
        data = parse_document(EXAMPLE.read_bytes(), "example").data
        data["title"] = title
        path = write(tmp_path, "escaped.json", json.dumps(data).encode())
    else:
        text = EXAMPLE.read_text().replace("\ntitle: ", f"\ntitle: {title} # ", 1)
        path = write(tmp_path, "escaped.yaml", text.encode())
    for verb in ("validate", "analyze"):
        lines = assert_rejected(run(verb, str(path)), str(path))
        assert len(lines) == 1 and f"text may not hold the control character {code}" in lines[0], lines


def test_an_emoji_escaped_as_json_writes_it_is_still_read(tmp_path: Path) -> None:
    data = parse_document(EXAMPLE.read_bytes(), "example").data
    data["title"] = "Talks \U0001f54a"
    path = write(tmp_path, "dove.json", json.dumps(data).encode())  # "\ud83d\udd4a": two escaped halves
    assert "\\ud83d" in path.read_text()
    result = run("analyze", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert "Talks \U0001f54a" in result.stdout


@pytest.mark.parametrize(
    ("args", "content", "where"),
    [
        (["fair-divide"], b"item,a,b\nwater \x1b[2J\x1b[H,50,50\nland,50,50\n", "2:7"),
        (
            ["exchange", "ledger", EXCHANGE],
            b"day,side,category,count\n1,hamas\x1b]0;owned\x07,civilian_women,1\n",
            "2:8",
        ),
        (["exchange", "plan", EXCHANGE, "--lists"], b"id,side,category,status\nH-1\x00,hamas,civilian_women,\n", "2:4"),
        (["record", "draft", GAZA], b"DOHA, Aug 18 (Wire) - Talks \x1b[8mresumed.\n", "1:29"),
    ],
)
def test_a_control_character_in_a_text_file_is_refused_where_it_stands(
    tmp_path: Path, args: list[str], content: bytes, where: str
) -> None:
    """A CSV cell or a news report holding an escape sequence was read, and printed to the terminal as it was (an
    item named to clear the screen, a side named to retitle the window)."""
    path = write(tmp_path, "text.csv" if args[0] != "record" else "report.txt", content)
    lines = assert_rejected(run(*args, str(path)), str(path))
    assert lines[0].startswith(f"{path}:{where}: contains the control character U+00"), lines


COMPOUNDING_COURSE = """
course:
  start: 2025-03-01
  deadline_days: 30
  shocks:
    - {date: 2025-03-02, title: First, basis: Assumed., cost_of_delay: {union: 1.0e+200}}
    - {date: 2025-03-03, title: Calm, basis: Assumed., cost_of_delay: {union: 0.5}}
    - {date: 2025-03-04, title: Second, basis: Assumed., cost_of_delay: {union: FACTOR}}
"""


def test_dated_cost_factors_that_compound_past_any_number_are_refused_at_the_shock(tmp_path: Path) -> None:
    """Two shocks of 1e200 on a cost of delay gave runs a cost of inf, printed as Infinity in --json, which is
    not JSON, and validate passed the file; the shock that passes the bound is refused at its factor, saying the
    largest that stays finite, and that one runs."""
    path = tmp_path / "scenario.yaml"
    text = EXAMPLE.read_text() + COMPOUNDING_COURSE
    path.write_text(text.replace("FACTOR", "1.0e+200"))
    line = text.splitlines().index(
        "    - {date: 2025-03-04, title: Second, basis: Assumed., cost_of_delay: {union: FACTOR}}"
    )
    (said,) = assert_rejected(run("validate", str(path)), str(path))
    column = text.splitlines()[line].index("FACTOR") + 1
    assert said.startswith(f"{path}:{line + 1}:{column}: a factor of 1e+200 on union's cost of delay"), said
    found = re.search(r"\(at most ([0-9.e+]+) here\)$", said)
    assert found is not None, said
    assert float(found.group(1)) > 1
    path.write_text(text.replace("FACTOR", found.group(1)))
    done = run("simulate", str(path), "--runs", "2", "--days", "30", "--json")
    assert done.exit_code == 0, done.output

    def not_json(word: str) -> None:
        raise AssertionError(f"{word} in the JSON")

    costs = json.loads(done.stdout, parse_constant=not_json)["cost_of_delay"]
    assert costs


@pytest.mark.parametrize(("sign", "said"), [("", "at most 3,660 (got a"), ("-", "at least 1 (got a negative")])
def test_a_release_log_day_of_thousands_of_digits_is_out_of_range(tmp_path: Path, sign: str, said: str) -> None:
    """A day of 5,000 digits, past the 4,300 Python reads as a number, was said not to be a whole number, and
    quoted (cut) digit by digit; it is one, out of range, and said so in a short line."""
    path = write(tmp_path, "log.csv", f"day,side,category,count\n{sign}{'9' * 5_000},hamas,civilian_women,1\n".encode())
    (line,) = assert_rejected(run("exchange", "ledger", EXCHANGE, str(path)), str(path))
    assert line == f"{path}:2:1: day must be {said} number of 5,000 digits)", line
