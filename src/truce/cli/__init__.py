"""The ``truce`` command line: thin verbs that parse input, call the library and render output.

Every verb turns bad input into ``file:line:col: message`` lines on stderr and exit code 2
(see :func:`truce.cli.common.guarded`); anything else that goes wrong exits 1.

A command loads only the module that defines its verb (``truce validate`` needs no solver, simulator or
service); ``truce --help``, an unknown verb and :data:`app` load them all.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

# the module of truce.cli that registers each top-level verb (a test checks this against the app)
VERBS = {
    **dict.fromkeys(("frontier", "bridge", "trades", "tabled", "fair-divide", "import", "export"), "bargain"),
    "exchange": "exchange",
    "people": "people",
    **dict.fromkeys(("timeline", "record"), "record"),
    **dict.fromkeys(("validate", "schema", "analyze", "diff"), "scenario"),
    **dict.fromkeys(("serve", "audit"), "serve"),
    **dict.fromkeys(("simulate", "tournament"), "simulate"),
}


def load(verb: str | None = None) -> typer.Typer:
    """The command-line app with ``verb`` registered, or every verb (``None`` or a verb not known)."""
    from truce.cli.common import app

    wanted = VERBS.get(verb or "")
    for module in sorted(set(VERBS.values())) if wanted is None else (wanted,):
        importlib.import_module(f"truce.cli.{module}")
    return app


def main() -> None:
    words = [w for w in sys.argv[1:] if not w.startswith("-")]
    load(words[0] if words else None)()


def __getattr__(name: str) -> object:
    if name == "app":  # the app with every verb, as tests and documentation tools want it
        return load()
    raise AttributeError(f"module 'truce.cli' has no attribute {name!r}")


__all__ = ["app", "load", "main"]
