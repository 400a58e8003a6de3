"""A command loads only what its verb needs: the verb table matches the app, and a light verb stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import truce.cli
from truce.cli import VERBS, app

ROOT = Path(__file__).resolve().parent.parent


def test_every_verb_is_found_in_the_module_that_registers_it() -> None:
    registered: dict[str, str] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        registered[name] = command.callback.__module__
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None and group.name is not None
        modules = {c.callback.__module__ for c in sub.registered_commands if c.callback is not None}
        assert len(modules) == 1
        registered[group.name] = modules.pop()
    assert {verb: f"truce.cli.{module}" for verb, module in VERBS.items()} == registered


def loaded_by(*argv: str) -> set[str]:
    code = (
        "import sys\nfrom truce.cli import main\nsys.argv = ['truce', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True)
    return set(done.stderr.split())


def test_validate_loads_no_solver_simulator_or_service() -> None:
    loaded = loaded_by("validate", str(ROOT / "examples" / "gaza-2024"))
    assert "truce.cli.files" in loaded
    heavy = {"scipy", "plotly", "fastapi", "sqlalchemy", "truce.simulate", "truce.exchange", "truce.cli.bargain"}
    heavy |= {"numpy", "truce.analysis.bargaining", "truce.cli.scenario"}  # checking a file compiles nothing
    heavy |= {"truce.io.genius"}  # nor reads GENIUS's files
    assert not heavy & loaded


def test_frontier_on_a_json_scenario_loads_only_what_it_shows(tmp_path: Path) -> None:
    # the verb timed whole-process against peers: no other verb's analyses, no YAML reader, no table for people
    from truce.io.scenario_files import load_scenario, scenario_to_data, scenario_to_text

    talks = tmp_path / "talks.json"
    scenario = load_scenario(ROOT / "examples" / "gaza-2024")
    talks.write_text(scenario_to_text(scenario_to_data(scenario), json_format=True), encoding="utf-8")
    loaded = loaded_by("frontier", str(talks), "--json")
    assert {"truce.cli.frontier", "truce.analysis.bargaining"} <= loaded
    heavy = {"truce.cli.bargain", "truce.analysis.bridge", "truce.analysis.trades", "truce.analysis.fair_division"}
    heavy |= {"ruamel", "ruamel.yaml", "rich", "scipy", "truce.io.composed", "xml.etree.ElementTree"}
    heavy |= {"truce.io.genius"}  # GENIUS's reader only for a path that may be a GENIUS domain
    assert not heavy & loaded


def test_help_lists_every_verb() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from truce.cli import main; main()", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert done.returncode == 0
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ") and line[2] != " "}
    assert set(VERBS) <= listed
    assert truce.cli.load("validate") is app


def test_a_verb_whose_module_registers_it_alone_still_runs_as_a_verb() -> None:
    # `truce timeline SCENARIO` loads only truce.cli.record, whose one verb typer would otherwise run as the
    # whole program (and refuse the scenario as an extra argument)
    code = "import sys\nfrom truce.cli import main\nsys.argv = ['truce', *sys.argv[1:]]\nmain()"
    for verb in sorted(VERBS):
        done = subprocess.run([sys.executable, "-c", code, verb, "--help"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, (verb, done.stderr)
        assert f"truce {verb}" in " ".join(done.stdout.split()), (verb, done.stdout[:300])
    done = subprocess.run(
        [sys.executable, "-c", code, "timeline", str(ROOT / "examples" / "gaza-2024"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_help_is_the_verbs_own_help_and_imports_nothing() -> None:
    from truce.cli.common import help_of

    assert help_of(app) == truce.cli.HELP, "remake truce.cli.HELP (see the comment above it)"
    assert not {"typer", "numpy", "pydantic", "rich"} & {m.split(".")[0] for m in loaded_by("--help")}
    done = subprocess.run(
        [sys.executable, "-c", "from truce.cli import main; main()", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == truce.cli.HELP


def test_no_verb_help_breaks_a_sentence_across_lines() -> None:
    # the help joins the lines of a docstring's first paragraph but keeps the line breaks of the others: a
    # later paragraph wrapped in the source prints as a line cut short in the middle of a sentence
    for verb in sorted(VERBS):
        truce.cli.load(verb)
    commands = [*app.registered_commands]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        commands += group.typer_instance.registered_commands
    for command in commands:
        assert command.callback is not None
        for paragraph in (command.callback.__doc__ or "").strip().split("\n\n")[1:]:
            assert "\n" not in paragraph.strip(), (command.callback.__name__, paragraph)


def test_python_dash_m_truce_is_the_command(tmp_path: Path) -> None:
    """Where the scripts folder is not on the PATH, ``python -m truce`` runs the same verbs, exit codes alike."""
    run = [sys.executable, "-m", "truce"]
    done = subprocess.run([*run, "validate", str(ROOT / "examples" / "gaza-2024")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    bad = tmp_path / "talks.json"
    bad.write_text('{"truce": 1, "id": 7}\n', encoding="utf-8")
    done = subprocess.run([*run, "validate", str(bad)], capture_output=True, text=True)
    assert done.returncode == 2 and f"{bad}:1:" in done.stderr and "Traceback" not in done.stderr
