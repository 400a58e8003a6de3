"""The ``truce`` command line: thin verbs that parse input, call the library and render output.

Every verb turns bad input into ``file:line:col: message`` lines on stderr and exit code 2
(see :func:`truce.cli.common.guarded`); anything else that goes wrong exits 1.

A command loads only the module that defines its verb (``truce validate`` needs no solver, simulator or
service); ``truce --help``, an unknown verb and :data:`app` load them all.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

# the module of truce.cli that registers each top-level verb (a test checks this against the app)
VERBS = {
    "frontier": "frontier",
    **dict.fromkeys(("bridge", "trades", "tabled", "fair-divide", "import", "export"), "bargain"),
    "exchange": "exchange",
    **dict.fromkeys(("validate", "schema"), "files"),
    "people": "people",
    **dict.fromkeys(("timeline", "record"), "record"),
    **dict.fromkeys(("analyze", "diff"), "scenario"),
    **dict.fromkeys(("serve", "audit"), "serve"),
    **dict.fromkeys(("simulate", "tournament"), "simulate"),
}


def load(verb: str | None = None) -> typer.Typer:
    """The command-line app with ``verb`` registered, or every verb (``None`` or a verb not known)."""
    from truce.cli.common import app

    wanted = VERBS.get(verb or "")
    for module in dict.fromkeys(VERBS.values()) if wanted is None else (wanted,):  # registered in this order
        importlib.import_module(f"truce.cli.{module}")
    return app


# What `truce --help` prints, kept as text so that printing it imports nothing (every verb's module, with typer,
# rich and pydantic, took most of a second); tests/test_startup.py checks it against the verbs' own help, and
# `python -c "from truce.cli import load; from truce.cli.common import help_of; print(help_of(load()))"` remakes it.
HELP = """\
Usage: truce [OPTIONS] COMMAND [ARGS]...

  A mediation engine for multi-party, multi-issue negotiations.

Commands:
  frontier     The exact Pareto frontier, the bargaining solutions and the zone of possible
               agreement (of the packages each side's constituents ratify, where the scenario says
               who must ratify at home).
  bridge       Packages every party accepts that change as few terms of a proposal as possible, each
               change explained.
  trades       Logrolling: pairs of concessions, each on the issue its maker cares less about, that
               leave both better off.
  tabled       Every term on the table: which proposal (or reading of one) holds it, tabled by whom,
               and when.
  fair-divide  Adjusted Winner (Brams & Taylor): divisible items split so both get equal points and
               neither envies.
  validate     Check scenario files; list every problem as file:line:col.
  schema       Print a JSON Schema: of scenario files (for editors), or of a result that the CLI and
               the API share.
  timeline     Rounds, meetings, proposals, statements and events in date order, then what each
               sourced series says about a period of delay, in its own units (never in utilities).
  analyze      Each proposal's standing for each party, the sticking points, the diffs along each
               lineage, and whether each side's constituents would ratify each text (who blocks it,
               and by how much).
  diff         What proposal B changes against proposal A, in the issues' own words; then what each
               reading of either text changes against that text as tabled.
  serve        Run the mediation service (API and pages). An empty database gets the shipped case
               and tokens.
  simulate     How likely a deal is by each day, on what terms, at what cumulative cost, with these
               strategies.
  tournament   Every assignment of the strategies to the parties, on every scenario, for --seeds
               seeds each.
  import       Bring talks in from other tools' files.
  export       Write talks out in other tools' files.
  exchange     Plan, check and monitor exchange agreements (captives and prisoners released in
               batches).
  people       Who may sign in to the service: list, revoke, give a new token.
  record       Draft entries of the record (meetings, statements, figures) from a news report.
  audit        Check the service's audit log.

Run 'truce COMMAND --help' for a command's arguments and options.
"""


def main() -> None:
    if sys.argv[1:] == ["--help"]:
        sys.stdout.write(HELP)
        return
    words = [w for w in sys.argv[1:] if not w.startswith("-")]
    # What loading creates (the modules, the scenario models and their validators: some forty thousand
    # objects) lives until the process ends, so collecting while it grows finds nothing to free: a hundred
    # collections, 10-20 ms of every command. Frozen afterwards, no collection while the verb runs scans it
    # again, and the exit does not walk it to free memory the system takes back anyway (about 30 ms more).
    # Only here, where the process is the command's: the library never touches a caller's collector.
    gc.disable()
    try:
        verbs = load(words[0] if words else None)
    finally:
        gc.freeze()
        gc.enable()
    verbs()


def __getattr__(name: str) -> object:
    if name == "app":  # the app with every verb, as tests and documentation tools want it
        return load()
    raise AttributeError(f"module 'truce.cli' has no attribute {name!r}")


__all__ = ["app", "load", "main"]
