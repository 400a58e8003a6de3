"""What every verb shares: the typer app, the error guard, JSON output, and the one rule for writing files."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import typer

from truce.errors import InputError, Problem
from truce.model.scenario import Proposal, Scenario

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from truce.model.compiled import Compiled

app = typer.Typer(
    name="truce",
    help="A mediation engine for multi-party, multi-issue negotiations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _verbs() -> None:
    # A callback keeps the app a group of verbs even when only one verb's module is loaded (a command runs
    # only the module of its verb); without it typer would run a lone verb as the whole program.
    pass


class _Console:
    """A rich console made when first used: a verb answering ``--json`` never loads rich (15 ms of its start)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._made: Console | None = None

    def rich(self) -> Console:
        """The console itself, for what takes one (a progress bar)."""
        if self._made is None:
            from rich.console import Console

            # emoji=False: rich would print a problem located at line 100 (file:100:1) as "file💯1". markup=False:
            # every string printed holds the talks' words (titles, names, notes, paths), which are text; "[/x]" in
            # a title ended a verb in a traceback and "[bold]" in a name was obeyed. truce's own styles are given
            # as styles (``styled``), never written into a string to be parsed.
            self._made = Console(stderr=self._stderr, highlight=False, emoji=False, markup=False)
        return self._made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich(), name)


console = _Console()
errors = _Console(stderr=True)


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line in truce's own styles: each part a string, or a string and its style (``("Bridge 1", "bold")``).
    Nothing in a part is read as markup, so the talks' words in it are printed as written."""
    from rich.text import Text

    return Text.assemble(*parts)


EXIT_BAD_INPUT = 2
P = ParamSpec("P")
R = TypeVar("R")


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Run a verb; bad input becomes located messages on stderr and exit 2, with no traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                errors.print(problem.located(), markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


PRETTY_JSON_LIMIT = 1_000_000  # characters: above this, indenting costs seconds and helps no reader


def help_of(verbs: typer.Typer) -> str:
    """The top-level help of the app with every verb registered: each verb with the first paragraph of its help."""
    import textwrap

    group = typer.main.get_command(verbs)
    commands: dict[str, Any] = getattr(group, "commands", {})  # in the order they were registered
    width = max(len(n) for n in commands) + 2
    out = ["Usage: truce [OPTIONS] COMMAND [ARGS]...", "", f"  {group.help}", "", "Commands:"]
    for name, verb in commands.items():
        lines = textwrap.wrap(" ".join((verb.help or "").split("\n\n")[0].split()), 98 - width)
        out += [f"  {name:<{width}}{lines[0]}", *(" " * (width + 2) + line for line in lines[1:])]
    return "\n".join([*out, "", "Run 'truce COMMAND --help' for a command's arguments and options.", ""])


def print_json(data: Any) -> None:
    """Stable machine output: sorted keys are not used, the documented order is kept. Indented for people
    when small; a large answer (a many-party frontier runs to tens of MB) is written compact, because
    Python's indenting encoder is pure Python and took most of the command's time."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    if len(text) <= PRETTY_JSON_LIMIT:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(text + "\n")


def _refuse(path: Path, message: str) -> NoReturn:
    raise InputError([Problem(message, (), str(path), 1, 1)])


def _place_to_write(path: Path) -> None:
    """A file can be written at ``path``: it is not a folder, and its folder exists (none is made for it)."""
    if path.is_dir():
        _refuse(path, "is a folder: give the name of a file to write")
    if not path.parent.is_dir():
        _refuse(path, f"no folder {str(path.parent)!r} to write into: create it first")
    _writable(path, path.parent)


def _writable(path: Path, folder: Path) -> None:
    """Files can be made in ``folder``: said before the work, which found it out only when done (minutes of a
    simulation lost to a folder one may not write in)."""
    if not os.access(folder, os.W_OK | os.X_OK):
        _refuse(path, f"cannot write into the folder {str(folder)!r} (no permission, or a read-only disk)")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # links and a case-blind file system name one file in several ways
    except OSError:
        return False


def _files_read(inputs: Iterable[Path | None]) -> Iterator[Path]:
    """The files behind a verb's inputs: a file itself, every file of a folder (a verb may read any of them)."""
    for given in inputs:
        if given is not None and given.is_dir():
            yield from (p for p in given.iterdir() if p.is_file())
        elif given is not None:
            yield given


HTML_FILES = (".html", ".htm")
SCENARIO_FILES = (".yaml", ".yml", ".json")


def check_output(path: Path, suffixes: Sequence[str], inputs: Iterable[Path | None] = (), why: str = "") -> None:
    """The rule for every file a verb writes (README, "Files a command writes"), checked before any work: a
    name ending in an extension the verb writes, in a folder that exists, and not a file the verb reads. Any
    other existing file is replaced, whole, as by :func:`write_atomically`. ``why`` says why only these
    extensions, where the verb's help does not."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        found = f"not {path.suffix!r}" if path.suffix else "and this name has none"
        writes = f"this command writes {_either(suffixes)} files{why}"
        _refuse(path, f"{writes}, {found}: give a name ending in {_either(suffixes)}")
    _place_to_write(path)
    read = next((given for given in _files_read(inputs) if _same_file(path, given)), None)
    if read is not None:
        _refuse(path, f"is read by this command ({read}): writing here would overwrite it; give another name")


def check_output_folder(folder: Path, reads_from: Path | None = None) -> None:
    """The same rule for a verb that writes a folder of files: the folder may be new, but not its parent, and
    it is not the folder ``reads_from`` is read from (its files are the input's, or beside it)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        _refuse(folder, "exists and is not a folder: give a folder to write into")
    if not folder.parent.is_dir():
        _refuse(folder, f"no folder {str(folder.parent)!r} to make it in: create it first")
    _writable(folder, folder if folder.exists() else folder.parent)
    if reads_from is not None and _same_file(folder, reads_from if reads_from.is_dir() else reads_from.parent):
        _refuse(folder, f"is where {reads_from} is read from: write into another folder")


def _either(suffixes: Sequence[str]) -> str:
    return " or ".join([", ".join(suffixes[:-1]), suffixes[-1]] if len(suffixes) > 1 else list(suffixes))


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then a rename. A path that cannot be
    written (a folder, a folder that does not exist, no permission) is bad input, located at the path."""
    write_all_atomically([(Path(path), text.encode("utf-8") if isinstance(text, str) else text)])


def write_all_atomically(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write several files as one set: each to a temporary beside it and, only once all are written, each renamed
    over its name. On any failure before the renames (Ctrl-C included) the temporaries go and no file is
    replaced, so a set is never half old and half new."""
    for path, _ in files:
        _place_to_write(path)
    made: list[str] = []
    try:
        for path, data in files:
            try:
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            except OSError as exc:
                _refuse(path, f"cannot write here: {exc.strerror}")
            made.append(tmp)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is an ordinary file
        for (path, _), tmp in zip(files, made, strict=True):
            os.replace(tmp, path)
    except BaseException:
        for tmp in made:
            Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def show_assumed(scenario: Scenario, parties: Sequence[str], *, named: bool = False) -> None:
    """Say whose preferences the figures rest on as assumptions (every output of utilities says it); ``named``
    names the scenario, for an answer over several."""
    assumed = scenario.assumed(parties)
    if assumed:
        see = f"the scenario {scenario.id}" if named else "the scenario"
        said = f"Preferences of {', '.join(assumed)} are assumptions (see {see}), not the parties' own: "
        console.print(styled((said + "every utility here rests on them.", "yellow")), soft_wrap=True)


def find_proposal(scenario: Scenario, proposal_id: str, where: Path) -> Proposal:
    """The proposal with this id, or a located error listing the ids there are."""
    try:
        return scenario.proposal(proposal_id)
    except KeyError:
        known = ", ".join(p.id for p in scenario.proposals) or "(none)"
        raise InputError(
            [
                Problem(
                    f"no proposal {proposal_id!r} in scenario {scenario.id!r} (expected one of {known})", (), str(where)
                )
            ]
        ) from None


WITHIN_HELP = "tabled: only terms some proposal holds; all: any term (default: tabled when there are proposals)"
NO_RATIFICATION_HELP = "the leaders' view alone: leave out who must ratify at home (constituents and their rules)"
PROFILES_HELP = (
    "GENIUS folder only: the profile files that are the parties, in order, e.g. a.xml,b.xml "
    "(needed when the folder holds more profiles than parties)"
)


def profiles_of(text: str | None) -> list[str] | None:
    """``--profiles a.xml,b.xml`` as a list of file names (``None`` when not given)."""
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()] or None


def scope_of(within: str | None, scenario: Scenario, where: Path) -> str:
    """The ``--within`` scope asked for, or the scenario's default; a located error for an unknown one."""
    from truce.analysis.tabled import check_scope

    try:
        return check_scope(within, scenario)
    except ValueError as exc:
        raise InputError([Problem(f"--within: {exc}", (), str(where))]) from None


def find_text(s: Scenario, ref: str, where: Path) -> tuple[Proposal, str | None]:
    """``ID`` or ``ID@READING``: the proposal, and the reading's id if one is named (a located error if unknown)."""
    pid, at, reading = ref.partition("@")
    proposal = find_proposal(s, pid, where)
    known = ", ".join(r.id for r in proposal.readings) or "(none)"
    if at and not reading:  # "ID@" must not pass for the text as tabled: the reading was left out, not chosen
        choice = f"{pid} alone, or {pid}@READING, one of {known}" if proposal.readings else f"{pid}: it has no readings"
        raise InputError([Problem(f"{ref!r}: no reading after @ (give {choice})", (), str(where))])
    if not reading:
        return proposal, None
    if reading not in {r.id for r in proposal.readings}:
        raise InputError(
            [Problem(f"no reading {reading!r} of proposal {pid!r} (expected one of {known})", (), str(where))]
        )
    return proposal, reading


def party_indices(c: Compiled, parties: str | None, where: Path) -> list[int] | None:
    """``--parties a,b`` as indices of compiled parties (``None`` when not given); a located error otherwise."""
    if parties is None:
        return None
    names = [p.strip() for p in parties.split(",") if p.strip()]
    unknown = [p for p in names if p not in c.parties]
    if unknown or not names or len(set(names)) != len(names):
        known = ", ".join(c.parties) or "(none)"
        raise InputError(
            [Problem(f"--parties {parties!r}: expected distinct parties with preferences ({known})", (), str(where))]
        )
    return [c.parties.index(p) for p in names]


def show_ratification(c: Compiled) -> None:
    """Say so when the answers honour who must ratify at home, and how to see the leaders' view alone."""
    if not c.homes:
        return
    rules = ", ".join(f"{c.parties[h.party]} ({h.rule}, {len(h.members)} constituents)" for h in c.homes)
    console.print(
        f"Only packages each side's home ratifies count: {rules}. --no-ratification gives the leaders' view alone.",
        soft_wrap=True,
    )
