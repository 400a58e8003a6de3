"""The ``truce`` command line: thin verbs that parse input, call the library and render output.

Every verb turns bad input into ``file:line:col: message`` lines on stderr and exit code 2
(see :func:`truce.cli.common.guarded`); anything else that goes wrong exits 1.
"""

from __future__ import annotations

from truce.cli import bargain as _bargain  # noqa: F401  (registers frontier, bridge, trades, fair-divide, import/export)
from truce.cli import exchange as _exchange  # noqa: F401  (registers the exchange verbs)
from truce.cli import people as _people  # noqa: F401  (registers people list, revoke, rotate)
from truce.cli import record as _record  # noqa: F401  (registers timeline)
from truce.cli import scenario as _scenario  # noqa: F401  (registers validate, analyze, diff, schema)
from truce.cli import serve as _serve  # noqa: F401  (registers serve, audit verify and audit checkpoint)
from truce.cli import simulate as _simulate  # noqa: F401  (registers simulate and tournament)
from truce.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
