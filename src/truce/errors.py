"""One exception family for bad input, each problem carrying where it is.

A *path* is the JSON path of the offending value inside a document (``("proposals", 2, "terms",
"rafah")``); the io layer turns paths into ``file:line:col`` using the positions it kept while
parsing. Library code below io raises :class:`InputError` with paths only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and where."""

    message: str
    path: Path = ()
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def located(self) -> str:
        """``file:line:col: message`` (the parts that are known)."""
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        elif self.path:
            where += f": at {format_path(self.path)}"
        # One problem, one line: a message never breaks the file:line:col format, and a value it quotes from the
        # input (a cell of 100,000 digits) is cut to what a reader can take in.
        return f"{where}: {' '.join(_cut(word) for word in self.message.split())}"


LONGEST_WORD = 200  # characters of one word of a message: longer than any path or id a reader would give


def _cut(word: str) -> str:
    if len(word) <= LONGEST_WORD:
        return word
    return f"{word[:40]}...({len(word) - 60:,} characters left out)...{word[-20:]}"


def format_path(path: Sequence[PathPart]) -> str:
    """``proposals[2].terms.rafah``: the JSON path written as people read it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


@dataclass
class InputError(Exception):
    """Bad input: one or more located problems. Nothing has been written when this is raised."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(p.located() for p in self.problems)

    @classmethod
    def one(cls, message: str, path: Path = (), file: str | None = None) -> InputError:
        return cls([Problem(message, path, file)])


def raise_if(problems: Iterable[Problem]) -> None:
    found = list(problems)
    if found:
        raise InputError(found)
