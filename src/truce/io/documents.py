"""Reading YAML and JSON documents safely, keeping where every value stood.

Scenario and agreement files come from people and from other tools, so this reader refuses
what would hurt: files over a size limit, bytes that are not UTF-8 text, duplicate keys, and
documents whose aliases expand past a node budget (the "billion laughs" YAML bomb). It keeps
the line and column of every key and value so that a later check can say ``file:line:col``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from truce.errors import InputError, Path, Problem

MAX_BYTES = 2 * 1024 * 1024
# Every node visited while converting counts, aliases included, so an alias bomb
# exhausts the budget long before it exhausts memory.
MAX_NODES = 200_000


@dataclass
class Document:
    """A parsed document: plain data, and the 1-based (line, column) of each path in it."""

    data: Any
    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # JSON read by the plain reader: its positions are found from this text only when a problem needs one
    unplaced: str | None = field(default=None, repr=False)

    def locate(self, problem: Problem, prefer_key: bool = False) -> Problem:
        """The problem with this document's file and the nearest known position of its path."""
        if self.unplaced is not None:
            from truce.io.composed import composed

            try:  # the same text, so the same data, now with positions
                placed = composed(self.unplaced, self.file)
                self.values, self.keys = _json_paths(placed.values), _json_paths(placed.keys)
            except InputError:
                pass  # JSON the YAML reader cannot read (a key over 1,024 characters): placed at the start
            self.unplaced = None
        path = problem.path
        while True:
            where = (self.keys.get(path) if prefer_key else None) or self.values.get(path)
            if where is not None or not path:
                break
            path = path[:-1]
        line, col = where if where is not None else (1, 1)
        return Problem(problem.message, problem.path, self.file, line, col)


def _json_paths(places: dict[Path, tuple[int, int]]) -> dict[Path, tuple[int, int]]:
    """Positions the YAML reader found, under the keys the JSON reader gives: an escaped surrogate pair
    ("\\ud83d\\ude00", as Python's json.dumps writes an emoji) is one character to JSON, two halves to YAML."""

    def pair(found: re.Match[str]) -> str:
        return found.group().encode("utf-16", "surrogatepass").decode("utf-16")

    def joined(part: str | int) -> str | int:  # a lone half stays as it is, on both readers
        return re.sub("[\ud800-\udbff][\udc00-\udfff]", pair, part) if isinstance(part, str) else part

    return {tuple(joined(part) for part in path): where for path, where in places.items()}


def read_document(path: str | FsPath, display: str | None = None) -> Document:
    """Read a YAML or JSON file into a :class:`Document`; raise :class:`InputError` if it is unsafe."""
    fs_path = FsPath(path)
    name = display or str(path)
    return parse_document(read_limited(fs_path, name, MAX_BYTES), name, as_json=fs_path.suffix.lower() == ".json")


def input_file(path: FsPath, names: tuple[str, ...], name: str) -> FsPath:
    """The file behind an input argument: the file itself, or the first of ``names`` in a folder. A link that
    leads nowhere (its target gone, or a loop back to itself) is said to be one, not "no such file", which
    sent people looking for a file they could see."""
    if path.is_dir():
        for each in (path / n for n in names):
            if each.is_file():
                return each
            if each.is_symlink():
                raise InputError([Problem(_NOWHERE, (), str(each), 1, 1)])
        raise InputError([Problem(f"folder has no {' or '.join(names)}", (), name, 1, 1)])
    if not path.exists():
        raise InputError([Problem(_NOWHERE if path.is_symlink() else "no such file or folder", (), name, 1, 1)])
    return path


_NOWHERE = "is a link to nothing that can be read (its target is missing, or the links lead back to themselves)"


def read_limited(path: FsPath, name: str, limit: int) -> bytes:
    """A file's bytes; a file over ``limit`` bytes, one that is not a regular file, or one that cannot be read,
    is a problem named ``name``. Never more than ``limit`` bytes are read: a device such as /dev/zero reports
    a size of 0 and never ends, and a file may grow after its size was taken."""
    try:
        # Non-blocking, so that opening a named pipe no one writes to does not wait for ever; the flag changes
        # nothing for a regular file, which is all that is read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError([Problem(f"cannot read file ({exc.strerror})", (), name, 1, 1)]) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise InputError([Problem(f"is not a regular file ({_kind(status.st_mode)})", (), name, 1, 1)])
        if status.st_size > limit:
            over = f"file is {status.st_size:,} bytes, over the {limit:,}-byte limit"
            raise InputError([Problem(over, (), name, 1, 1)])
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError([Problem(f"cannot read file ({exc.strerror})", (), name, 1, 1)]) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError([Problem(f"file is over the {limit:,}-byte limit (it grew while read)", (), name, 1, 1)])
    return data


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a pipe"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISDIR, "a folder"),
    )
    return next((said for test, said in kinds if test(mode)), "a socket or other special file")


def parse_document(raw: bytes, name: str, as_json: bool = False) -> Document:
    """Parse bytes (UTF-8 YAML, or JSON) into a :class:`Document`."""
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(f"input is {len(raw):,} bytes, over the {MAX_BYTES:,}-byte limit", (), name, 1, 1)])
    text = _decode(raw, name)
    if not text.strip():
        raise InputError([Problem("file is empty (expected a mapping of scenario fields)", (), name, 1, 1)])
    if as_json:
        try:
            return Document(_plain_json(text), name, unplaced=text)
        except (_Unusual, ValueError, RecursionError):
            pass  # read once more below, to say what is wrong and where
        try:
            json.loads(text)  # with no hooks: only what is not JSON at all fails here
        except json.JSONDecodeError as exc:
            raise InputError([Problem(f"invalid JSON: {exc.msg}", (), name, exc.lineno, exc.colno)]) from None
        except RecursionError:
            raise InputError([Problem("JSON nested too deeply", (), name, 1, 1)]) from None
        except ValueError:
            pass  # an integer of more digits than Python converts: the YAML reader says where
    from truce.io.composed import composed

    return composed(text, name)


class _Unusual(Exception):
    """JSON that the plain reader would not refuse, or would read otherwise than the YAML reader."""


# What the YAML reader refuses in any text, JSON included: the complement of ruamel.yaml's reader.NON_PRINTABLE
# (written as the characters refused, which compiles ten times faster than a negated class)
NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


# Control characters, which no text of a scenario holds: a NUL, or the escape that starts a terminal's control
# sequence. Surrogates are left to the model (an escaped pair, as json.dumps writes an emoji, is two halves to YAML).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# The same written as JSON escapes ("\u001b", "\b"): read by the YAML reader, which refuses them where they stand (a
# doubled backslash before the u is no escape, and is read by the YAML reader all the same)
_ESCAPED_CONTROL = re.compile(
    r"\\(?:[bf]|u(?:00[01][0-9a-fA-F]|007[fF]|008[0-46-9a-fA-F]|009[0-9a-fA-F]|[fF]{3}[eEfF]))"
)


def _plain_json(text: str) -> Any:
    """JSON read by Python's own reader, ten times faster than composing it as YAML (most of a command's start
    on a JSON scenario). Anything that reader would let through and the YAML reader refuses or reads otherwise
    (a duplicate key, NaN, a number past a float, a character YAML does not allow, more than
    :data:`MAX_NODES` values) raises :class:`_Unusual`, so that the YAML reader reads it, as before.

    Where the two differ on purpose, this is the JSON reading: a character YAML takes for a line break
    (U+0085, U+2028, U+2029) stays in its string (YAML folded it, or the spaces around it, away), an escaped
    surrogate pair is the one character it encodes (YAML kept two halves), and valid JSON that YAML cannot
    read (a key over 1,024 characters, a line break before a colon) is read, its problems placed at the start
    of the file."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            raise _Unusual
        return out

    def number(digits: str) -> float:
        x = float(digits)
        if not math.isfinite(x):
            raise _Unusual
        return x

    def constant(word: str) -> Any:
        raise _Unusual

    if NON_PRINTABLE.search(text) or _ESCAPED_CONTROL.search(text):
        raise _Unusual
    data = json.loads(text, object_pairs_hook=pairs, parse_float=number, parse_constant=constant)
    # Each value takes at least two characters but the last, so only a text this long can hold too many
    if len(text) > 2 * MAX_NODES and _count(data) > MAX_NODES:
        raise _Unusual
    return data


def _count(data: Any) -> int:
    stack, seen = [data], 0
    while stack:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return seen


def decode_utf8(raw: bytes, name: str) -> str:
    """A file's bytes as UTF-8 text (without a byte order mark); undecodable bytes are a problem at their place."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError([Problem("not UTF-8 text (a binary file?)", (), name, line, col)]) from None


def decode_text(raw: bytes, name: str) -> str:
    """A text file's bytes (a CSV, a news report) as UTF-8 holding no control character but tab and line breaks:
    an escape sequence in a cell or a report would reach the terminal as it was printed (clearing the screen,
    retitling the window), and a NUL the database."""
    text = decode_utf8(raw, name)
    found = CONTROL.search(text.replace("\x0c", " "))  # a form feed (a page break) is kept: text from PDFs holds them
    if found is not None:
        line, col = line_col(text, found.start())
        code = f"U+{ord(found.group()):04X}"
        raise InputError([Problem(f"contains the control character {code} (a binary file?)", (), name, line, col)])
    return text


def _decode(raw: bytes, name: str) -> str:
    text = decode_utf8(raw, name)
    nul = text.find("\x00")
    if nul >= 0:
        line, col = line_col(text, nul)
        raise InputError([Problem("contains a NUL character (a binary file?)", (), name, line, col)])
    return text


def line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
