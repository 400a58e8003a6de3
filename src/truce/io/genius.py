"""GENIUS (ANAC) domain files: import a domain folder as a scenario, export a scenario as one.

A GENIUS domain folder holds one *domain* file (root ``<negotiation_template>``: the issues and their
values) and one *profile* per party (root ``<utility_space>``: weights, evaluations, reservation value,
discount factor), named e.g. ``*-prof1.xml``, ``*_util1.xml`` or ``profile-1.xml``; files are told
apart by their root element, not their names.

Semantics follow GENIUS itself, not any other loader:

- a discrete issue's evaluation is divided by that issue's largest evaluation, so each issue's best value
  is worth 1; integer issues use GENIUS's linear evaluator ``offset + slope * (x - lowerbound)`` and real
  issues ``parameter1 * x + parameter0``, both clipped to [0, 1] and not divided further;
- utility is the weighted sum with the weights *as written*, capped at 1, and the ``<reservation value>``
  is on that scale. GENIUS's loader (``genius.core.utility.AdditiveUtilitySpace`` in GENIUS 10.4: the
  constructor that reads a file does not call ``normalizeWeights``, and ``getUtility`` returns
  ``min(1, sum of weight x evaluation)``) does not normalise weights that do not add up to 1. truce
  divides by the total weight, so: weights adding up to W < 1 keep GENIUS's utilities exactly (each value
  is multiplied by W, so the best outcome is worth W, as in GENIUS); weights adding up to W > 1 give
  GENIUS's uncapped sum divided by W, with the reservation value divided by W too, so exactly the same
  outcomes are acceptable; outcomes GENIUS caps at 1 are ranked here by their uncapped sum. Both are said
  in the import's notes and the party's ``basis``;
- weights given for an objective (the root objective, as in ANAC 2012 Fitness) are ignored, as GENIUS's
  ``getUtility`` ignores objectives; issues may sit under nested objectives or directly under
  ``<utility_space>`` (GENIUS's loader reads both), and are taken in GENIUS's order;
- the discount factor is kept as a note in the party's ``basis``: truce does not apply it (one outside
  (0, 1], which GENIUS discards, is said to be discarded).

Which profiles are the parties: those picked with ``profiles=[...]`` (``--profiles a.xml,b.xml`` on the
command line), else those the domain file declares (a ``parties="a.xml,b.xml"`` attribute on
``<negotiation_template>``, which truce's export writes and GENIUS ignores), else all of them when there
are at most two, or when their file names number them 1..n (or 0..n-1) around the same text (ANAC's
``*_util1.xml``, ``*-prof1.xml``, ``profile-1.xml``). Otherwise (reservation variants, learning sets) the
import is refused, naming the profiles and how to pick them.

Real issues have no grid in GENIUS; they are cut into :data:`REAL_STEPS` equal steps, said so in the
scenario's ``assumptions``. Non-linear profiles (hyper-rectangle constraints, as in ANAC 2014) are
refused: truce's utilities are additive.

Parsing is safe: files are limited in size, and any ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused
(no entity expansion, no external entities). Errors name ``file:line:col``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from truce.errors import InputError, Problem
from truce.io.documents import Document, parse_document, read_limited
from truce.model.checks import build_scenario
from truce.model.scenario import IssueKind, Scenario, Term

if TYPE_CHECKING:
    # Loaded where XML is read or written: the verbs that load this module (bridge, import, export) mostly
    # never meet XML.
    import xml.etree.ElementTree as ET

MAX_XML_BYTES = 4 * 1024 * 1024
MAX_FILES = 200
REAL_STEPS = 10
GENIUS_ZERO = 0.00001  # GENIUS values a discrete issue at 0 when its largest evaluation is below this
WEIGHT_SLACK = 1e-9  # weights adding up to within this of 1 are GENIUS's usual rounding of 1
DOMAIN_ROOT = "negotiation_template"
PROFILE_ROOT = "utility_space"
PARTIES_ATTRIBUTE = "parties"  # truce's own: the domain file's list of the parties' profile files
NONLINEAR_TAGS = frozenset({"utility", "ufun", "hyperRectangle", "constraint", "INCLUDES"})
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
# the first element, after any XML declaration, comments and DOCTYPE (which the parser then refuses)
_ROOT = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*<([A-Za-z_][\w:.\-]*)", re.DOTALL)
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.(?:xml|json))$", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# Safe XML with positions


@dataclass
class _Xml:
    """A parsed XML file: its root element, and the 1-based (line, column) of every element."""

    file: str
    root: ET.Element
    positions: dict[ET.Element, tuple[int, int]] = field(default_factory=dict)

    def problem(self, message: str, element: ET.Element | None = None) -> Problem:
        line, col = self.positions.get(element, (1, 1)) if element is not None else (1, 1)
        return Problem(message, (), self.file, line, col)

    def error(self, message: str, element: ET.Element | None = None) -> InputError:
        return InputError([self.problem(message, element)])


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    return line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def parse_xml(raw: bytes, name: str) -> _Xml:
    """Parse XML bytes safely, keeping each element's position; refuse DOCTYPE and ENTITY declarations."""
    if len(raw) > MAX_XML_BYTES:
        raise InputError([Problem(f"input is {len(raw):,} bytes, over the {MAX_XML_BYTES:,}-byte limit", (), name)])
    found = _DECLARATION.search(raw)
    if found is not None:
        line, col = _line_col(raw, found.start())
        what = found.group(1).decode().upper()
        raise InputError(
            [
                Problem(
                    f"<!{what} declarations are refused (they can expand entities without bound)", (), name, line, col
                )
            ]
        )
    import xml.etree.ElementTree as ET
    from xml.parsers import expat

    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()
    doc = _Xml(name, ET.Element("none"))

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(tag, attrs)
        doc.positions[element] = (parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def refuse(*_: Any) -> None:  # the byte scan above catches these first; this is the backstop
        raise InputError([doc.problem("DOCTYPE and ENTITY declarations are refused")])

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code) if exc.code is not None else str(exc)
        raise InputError([Problem(f"invalid XML: {message}", (), name, exc.lineno, exc.offset + 1)]) from None
    doc.root = builder.close()
    return doc


def root_tag(raw: bytes) -> str | None:
    """The name of the first element of an XML file (``None`` if the bytes do not start like XML)."""
    found = _root(raw)
    return found[0] if found else None


def _root(raw: bytes) -> tuple[str, int, int] | None:
    """The first element's name and its 1-based line and column (``None`` if the bytes do not start like XML)."""
    head = raw[:65536]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    match = _ROOT.match(head)
    if not match:
        return None
    line, col = _line_col(head, match.start(1) - 1)
    return match.group(1).decode("ascii", "replace"), line, col


def _meant(tag: str) -> str | None:
    """The GENIUS root a root element of another name was most likely meant to be, when it looks like a slip
    of the keyboard (``utility_spaces``, ``UtilitySpace``, ``negotiation_templat``): it holds the whole name,
    or is a few letters from it. One word in common is not enough: a negotiation's log (``<NegotiationOutcome>``)
    or an editor's ``<workspace>`` is a file of another kind, and refusing it would refuse the folder."""
    plain = re.sub(r"[^a-z0-9]", "", tag.lower())
    for known in (PROFILE_ROOT, DOMAIN_ROOT):
        target = known.replace("_", "")
        if target in plain or _edits(plain, target) <= max(2, len(target) // 4):
            return known
    return None


def _edits(a: str, b: str) -> int:
    """The Levenshtein distance between two short strings."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


# ----------------------------------------------------------------------------------------------
# Import


@dataclass
class _DomainIssue:
    index: int
    id: str
    name: str
    kind: str  # discrete | integer | real
    element: ET.Element
    values: list[str] = field(default_factory=list)  # discrete: the GENIUS values, in order
    option_ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    lower: float = 0.0
    upper: float = 0.0


def genius_files(folder: str | FsPath) -> tuple[FsPath | None, list[FsPath]]:
    """The domain file and the profile files of a folder, found by their root elements. An XML file of
    another kind is left alone, and so is a list of numbers (ANAC folders hold their Pareto frontier as
    ``pareto.xml`` lines of ``u1, u2``); any other file that is not XML (empty, say), or whose root element
    looks like a mistyped ``<utility_space>`` or ``<negotiation_template>``, is an error, since skipping it
    could silently drop a party."""
    domains, profiles, _ = _sorted_files(FsPath(folder))
    return (domains[0] if domains else None), profiles


def _sorted_files(base: FsPath) -> tuple[list[FsPath], list[FsPath], list[str]]:
    """:func:`genius_files`' domain files and profiles, and the XML files left alone, each as ``name (<root>)``."""
    domains: list[FsPath] = []
    profiles: list[FsPath] = []
    others: list[str] = []
    candidates = _files_named(base, ".xml")
    if len(candidates) > MAX_FILES:
        message = (
            f"{len(candidates)} XML files: a GENIUS folder holds one domain and its profiles (at most {MAX_FILES})"
        )
        raise InputError([Problem(message, (), str(base), 1, 1)])
    for path in candidates:
        try:
            with path.open("rb") as handle:
                found = _root(handle.read(65536))
        except OSError as exc:
            raise InputError([Problem(f"cannot be read: {exc.strerror}", (), str(path), 1, 1)]) from None
        if found is None and not _numbers_only(path):
            message = "not an XML file (empty, or not starting with an element): a GENIUS domain or profile is XML"
            raise InputError([Problem(message, (), str(path), 1, 1)])
        tag = found[0] if found else None
        if tag == DOMAIN_ROOT:
            domains.append(path)
        elif tag == PROFILE_ROOT:
            profiles.append(path)
        elif found is not None:
            _refuse_mistyped(path, *found)
            others.append(f"{path.name} (<{tag}>)")
    if len(domains) > 1:
        names = ", ".join(p.name for p in domains)
        raise InputError([Problem(f"more than one GENIUS domain file ({names})", (), str(base), 1, 1)])
    return domains, profiles, others


def _refuse_mistyped(path: FsPath, tag: str, line: int, col: int) -> None:
    """Refuse, at its root element, a file whose root looks like a GENIUS root mistyped: left alone, it would
    take a party (or the domain) out of the talks without a word."""
    meant = _meant(tag)
    if meant is None:
        return
    kind = "a profile, one party's preferences" if meant == PROFILE_ROOT else "the domain file"
    message = (
        f"root element <{tag}> is not a GENIUS root: did you mean <{meant}> ({kind})? "
        f"A GENIUS domain is <{DOMAIN_ROOT}> and a profile <{PROFILE_ROOT}>"
    )
    raise InputError([Problem(message, (), str(path), line, col)])


def _files_named(base: FsPath, suffix: str) -> list[FsPath]:
    """The entries of a folder whose names end in ``suffix``, in natural order, but its subfolders. Anything else
    of that name (a link to a missing file, a pipe) is an error, not passed over: it may be a party's profile."""
    named = sorted((p for p in base.iterdir() if p.suffix.lower() == suffix and not p.is_dir()), key=_natural)
    for path in named:
        if not path.is_file():
            said = "a link to a file that does not exist" if path.is_symlink() and not path.exists() else "not a file"
            raise InputError([Problem(f"cannot be read: {said}", (), str(path), 1, 1)])
    return named


_NUMBERS = re.compile(rb"^\s*[-+0-9.eE]+(\s*[,;\s]\s*[-+0-9.eE]+)*\s*$")


def _numbers_only(path: FsPath) -> bool:
    """Whether a file is a non-empty listing of numbers, a line of them at a time (its first 64 KiB: a line
    cut there is not judged)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    lines = [line for line in head.splitlines() if line.strip()]
    if len(head) == 65536 and len(lines) > 1:
        lines = lines[:-1]
    return bool(lines) and all(_NUMBERS.match(line) for line in lines)


def is_genius_folder(folder: str | FsPath) -> bool:
    """A GENIUS domain folder (XML), or a folder of GeniusWeb JSON profiles."""
    base = FsPath(folder)
    if not base.is_dir():
        return False
    try:
        domain, _ = genius_files(base)
    except InputError:
        return True  # it is one, with a problem that the import will report
    return domain is not None or bool(geniusweb_files(base))


@dataclass(frozen=True)
class GeniusImport:
    """An imported GENIUS domain and what the import had to say about it (also in the scenario's text)."""

    scenario: Scenario
    notes: tuple[str, ...]


def import_genius(folder: str | FsPath, profiles: Sequence[str] | None = None) -> Scenario:
    """Read a GENIUS domain folder (a domain file and one profile per party) into a :class:`Scenario`.

    ``profiles``: the file names of the profiles that are the parties, in order (default: see the module
    docstring)."""
    return read_genius(folder, profiles).scenario


def read_genius(folder: str | FsPath, profiles: Sequence[str] | None = None) -> GeniusImport:
    """:func:`import_genius`, with the notes on what GENIUS's reading meant for truce's model. A folder with
    no GENIUS domain file but GeniusWeb JSON profiles is read by :func:`read_geniusweb`."""
    base = FsPath(folder)
    if not base.is_dir():
        raise InputError([Problem("not a folder (a GENIUS domain is a folder of XML files)", (), str(folder), 1, 1)])
    domains, found, others = _sorted_files(base)
    domain_path = domains[0] if domains else None
    if domain_path is None and geniusweb_files(base):
        return read_geniusweb(base, profiles)
    if domain_path is None:
        raise InputError([Problem(f"no GENIUS domain file (root <{DOMAIN_ROOT}>) in this folder", (), str(base), 1, 1)])
    if not found:
        raise InputError([Problem(f"no GENIUS profile (root <{PROFILE_ROOT}>) in this folder", (), str(base), 1, 1)])
    domain = parse_xml(read_limited(domain_path, str(domain_path), MAX_XML_BYTES), str(domain_path))
    issues, objectives, real_note = _read_domain(domain)
    profile_paths = _parties(base, found, profiles, domain)
    party_ids = _unique_ids([p.stem for p in profile_paths], "party")
    problems: list[Problem] = []
    preferences: dict[str, Any] = {}
    sources: dict[str, tuple[_Xml, ET.Element]] = {}
    notes: list[str] = [f"XML files left alone (neither a domain nor a profile): {', '.join(others)}"] if others else []
    for pid, path in zip(party_ids, profile_paths, strict=True):
        try:
            profile = parse_xml(read_limited(path, str(path), MAX_XML_BYTES), str(path))
            preferences[pid], element, said = _read_profile(profile, issues, objectives)
            sources[pid] = (profile, element)
            notes.extend(f"{path.name}: {n}" for n in said)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    left = [p.name for p in found if p not in profile_paths]
    if left:
        notes.append(f"profiles not read as parties: {', '.join(left)}")
    data: dict[str, Any] = {
        "truce": 1,
        "id": _slug(base.resolve().name, "genius"),
        "title": _title(domain) or f"GENIUS domain {base.resolve().name}",
        "description": f"Imported from the GENIUS domain file {domain_path.name} and {len(profile_paths)} profile(s).",
        "assumptions": (
            "Preferences are the GENIUS profiles' additive utilities as GENIUS's loader computes them: each "
            "discrete issue's evaluations divided by that issue's largest, weights as written (utility capped "
            "at 1), reservation values as written. Discount factors are noted, not applied."
            + real_note
            + "".join(f" {n}." for n in notes)
        ),
        "parties": [{"id": pid, "name": path.stem} for pid, path in zip(party_ids, profile_paths, strict=True)],
        "issues": [_issue_data(issue) for issue in issues],
        "preferences": preferences,
    }
    try:
        return GeniusImport(build_scenario(data), tuple(notes))
    except InputError as exc:
        raise InputError([_locate(p, domain, issues, sources) for p in exc.problems]) from None


def _parties(base: FsPath, found: list[FsPath], wanted: Sequence[str] | None, domain: _Xml | None) -> list[FsPath]:
    """The profiles that are the parties: those named in ``wanted``, else those the domain file declares
    (its ``parties`` attribute, written by :func:`export_genius`), else every one when their number says how
    many parties there are (at most two profiles, or profiles numbered 1..n or 0..n-1)."""
    names = [p.name for p in found]
    by_name = {p.name: p for p in found}
    declared = domain.root.get(PARTIES_ATTRIBUTE) if domain is not None else None
    if not wanted and declared is not None and domain is not None:
        listed = [n.strip() for n in declared.split(",") if n.strip()]
        unknown = [n for n in listed if n not in by_name]
        if unknown or not listed:
            raise domain.error(
                f"{PARTIES_ATTRIBUTE}={declared!r} names no GENIUS profile of this folder: "
                f"{', '.join(unknown) or '(none)'} (the profiles: {_listed(names)})",
                domain.root,
            )
        return [by_name[n] for n in dict.fromkeys(listed)]
    if wanted:
        unknown = [w for w in wanted if w not in by_name]
        twice = sorted({w for w in wanted if list(wanted).count(w) > 1})
        if unknown or twice:
            what = f"not a GENIUS profile in this folder: {', '.join(unknown)}" if unknown else ""
            what += ("; " if what and twice else "") + (f"named twice: {', '.join(twice)}" if twice else "")
            raise InputError([Problem(f"--profiles: {what} (the profiles: {_listed(names)})", (), str(base), 1, 1)])
        return [by_name[w] for w in wanted]
    if len(found) <= 2 or _numbered(names):
        return found
    raise InputError(
        [
            Problem(
                f"{len(found)} {'GENIUS' if domain is not None else 'GeniusWeb'} profiles and nothing says which "
                f"are the parties (they are not numbered 1..{len(found)}"
                f"{', and the domain file declares none' if domain is not None else ''}; extra profiles are often "
                f"reservation variants or learning sets): {_listed(names)}. Pick the parties' profiles, in order, "
                f"with --profiles {found[0].name},{found[1].name}",
                (),
                str(base),
                1,
                1,
            )
        ]
    )


def _numbered(names: Sequence[str]) -> bool:
    """True when the names are one series numbered 1..n around the same text (``x_util1.xml``, ...)."""
    matches = [_NUMBERED.match(n) for n in names]
    if not all(matches):
        return False
    parts = {(m.group(1).lower(), m.group(3).lower()) for m in matches if m}
    numbers = sorted(int(m.group(2)) for m in matches if m)
    return len(parts) == 1 and numbers[0] in (0, 1) and numbers == list(range(numbers[0], numbers[0] + len(names)))


def _listed(names: Sequence[str], most: int = 30) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _title(domain: _Xml) -> str:
    """The root objective's description (where truce's export puts the scenario title), if any."""
    space = domain.root.find(PROFILE_ROOT)
    objective = space.find("objective") if space is not None else None
    return (objective.get("description") or "").strip()[:200] if objective is not None else ""


def _locate(
    problem: Problem, domain: _Xml, issues: list[_DomainIssue], sources: dict[str, tuple[_Xml, ET.Element]]
) -> Problem:
    path = problem.path
    if len(path) >= 2 and path[0] == "issues" and isinstance(path[1], int) and path[1] < len(issues):
        return domain.problem(problem.message, issues[path[1]].element)
    if len(path) >= 2 and path[0] == "preferences" and str(path[1]) in sources:
        doc, element = sources[str(path[1])]
        return doc.problem(problem.message, element)
    return domain.problem(problem.message)


def _read_domain(doc: _Xml) -> tuple[list[_DomainIssue], dict[int, str], str]:
    """The domain's issues in GENIUS's order, its objectives (index: name) and a note on real issues."""
    if doc.root.tag != DOMAIN_ROOT:
        raise doc.error(f"expected a <{DOMAIN_ROOT}> root, got <{doc.root.tag}>", doc.root)
    space = doc.root.find(PROFILE_ROOT)
    if space is None:
        raise doc.error(f"no <{PROFILE_ROOT}> inside <{doc.root.tag}>", doc.root)
    top = space.find("objective")
    container = top if top is not None else space
    objectives: dict[int, str] = {}
    for element in container.iter("objective"):  # the container itself too, when it is the root objective
        if element.get("index") is not None:
            objectives.setdefault(_index(doc, element), element.get("name") or "")
    issues: list[_DomainIssue] = []
    problems: list[Problem] = []
    names: list[str] = []
    seen: dict[int, ET.Element] = {}
    for element in _issue_elements(container):
        try:
            issue = _domain_issue(doc, element)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if issue.index in seen or issue.index in objectives:
            problems.append(doc.problem(f"duplicate issue index {issue.index}", element))
            continue
        seen[issue.index] = element
        issues.append(issue)
        names.append(issue.name)
    if problems:
        raise InputError(problems)
    if not issues:
        raise doc.error("the domain has no <issue>", container)
    for issue, ident in zip(issues, _unique_ids(names, "issue"), strict=True):
        issue.id = ident
    reals = [i.name for i in issues if i.kind == "real"]
    note = f" Real issues ({', '.join(reals)}) are cut into {REAL_STEPS} equal steps." if reals else ""
    return issues, objectives, note


def _issue_elements(container: ET.Element) -> Iterator[ET.Element]:
    """The issues under ``container`` in GENIUS's order: a preorder walk of the objective tree in which
    each objective's sub-objectives come before its own issues (as GENIUS's domain loader builds it)."""
    for objective in container.findall("objective"):
        yield from _issue_elements(objective)
    yield from container.findall("issue")


def _containers(root: ET.Element) -> Iterator[ET.Element]:
    """Where a profile may hold issues and weights: the ``<utility_space>`` itself (a flat layout) and
    every objective in it, as GENIUS's profile loader walks them."""
    yield root
    yield from root.iter("objective")


def _attr(doc: _Xml, element: ET.Element, *names: str) -> str:
    for name in names:
        value = element.get(name)
        if value is not None:
            return value
    raise doc.error(f"<{element.tag}> needs the attribute {names[0]!r}", element)


def _number(doc: _Xml, element: ET.Element, *names: str) -> float:
    text = _attr(doc, element, *names)
    try:
        value = float(text)
    except ValueError:
        raise doc.error(f"{names[0]}={text!r} is not a number", element) from None
    if not math.isfinite(value):
        raise doc.error(f"{names[0]}={text!r} is not a finite number", element)
    return value


def _index(doc: _Xml, element: ET.Element) -> int:
    text = _attr(doc, element, "index")
    try:
        return int(text)
    except ValueError:
        raise doc.error(f"index={text!r} is not a whole number", element) from None


def _kind(element: ET.Element) -> str:
    return (element.get("type") or element.get("etype") or element.get("vtype") or "discrete").lower()


def _bounds(doc: _Xml, element: ET.Element) -> tuple[float, float]:
    holder = element if element.get("lowerbound") is not None else element.find("range")
    if holder is None:
        raise doc.error(f"<{element.tag}> needs 'lowerbound' and 'upperbound'", element)
    lower, upper = _number(doc, holder, "lowerbound"), _number(doc, holder, "upperbound")
    if upper < lower:
        raise doc.error(f"upperbound {upper:g} is below lowerbound {lower:g}", holder)
    return lower, upper


def _domain_issue(doc: _Xml, element: ET.Element) -> _DomainIssue:
    name = _attr(doc, element, "name")
    kind = _kind(element)
    issue = _DomainIssue(_index(doc, element), "", name, kind, element)
    if kind == "discrete":
        items = element.findall("item")
        if len(items) < 2:
            raise doc.error(f"discrete issue {name!r} needs at least two <item> values", element)
        issue.values = [_attr(doc, item, "value") for item in items]
        if len(set(issue.values)) != len(issue.values):
            raise doc.error(f"discrete issue {name!r} lists a value twice", element)
        issue.option_ids = _unique_ids(issue.values, "v")
        issue.labels = [
            (item.get("description") or "").strip() or value for item, value in zip(items, issue.values, strict=True)
        ]
    elif kind in ("integer", "real"):
        issue.lower, issue.upper = _bounds(doc, element)
        if kind == "integer" and not (issue.lower.is_integer() and issue.upper.is_integer()):
            raise doc.error("an integer issue needs whole-number bounds", element)
        if issue.upper == issue.lower:
            raise doc.error(f"issue {name!r} has a single value: nothing to negotiate", element)
    else:
        raise doc.error(f"issue type {kind!r} is not supported (expected discrete, integer or real)", element)
    return issue


def _issue_data(issue: _DomainIssue) -> dict[str, Any]:
    description = (issue.element.get("description") or "").strip()
    data: dict[str, Any] = {"id": issue.id, "name": description or issue.name}
    if issue.kind == "discrete":
        data["kind"] = "categorical"
        data["options"] = [{"id": o, "label": label} for o, label in zip(issue.option_ids, issue.labels, strict=True)]
    elif issue.kind == "integer":
        data.update(kind="numeric", min=int(issue.lower), max=int(issue.upper), step=1)
    else:
        data.update(kind="numeric", min=issue.lower, max=issue.upper, step=(issue.upper - issue.lower) / REAL_STEPS)
    return data


def _read_profile(
    doc: _Xml, issues: list[_DomainIssue], objectives: dict[int, str]
) -> tuple[dict[str, Any], ET.Element, list[str]]:
    root = doc.root
    _check_additive(doc)
    by_index = {issue.index: issue for issue in issues}
    own_objectives = {
        int(e.get("index") or "-1"): e.get("name") or "" for e in root.iter("objective") if _is_int(e.get("index"))
    }
    notes: list[str] = []
    weights, values, seen = _profile_evaluations(doc, by_index, {**own_objectives, **objectives}, notes)
    missing = [issue.name for issue in issues if issue.index not in seen and weights.get(issue.index, 0.0) > 0]
    if missing:
        raise doc.error(f"no evaluation for issue(s) {', '.join(missing)}", root)
    if not any(w > 0 for w in weights.values()):
        raise doc.error("no issue has a positive <weight>", root)
    reservation = _profile_reservation(doc)
    values, reservation = _weight_total(weights, values, reservation, notes)
    discount = root.find("discount_factor")
    basis = f"GENIUS profile {FsPath(doc.file).name}"
    if discount is not None:
        factor = _number(doc, discount, "value")
        if 0 < factor <= 1:
            basis += f"; discount factor {factor:g} in the file (not applied)"
        else:  # GENIUS's loader (validateDiscount) replaces it with 1: that profile does not discount at all
            notes.append(f"discount factor {factor:g} is outside (0, 1], which GENIUS discards: no discount")
    basis += "".join(f"; {n}" for n in notes)
    prefs = {
        "assumption": True,
        "basis": basis,
        "weights": {issue.id: weights.get(issue.index, 0.0) for issue in issues},
        "values": values,
        "reservation": reservation,
    }
    return prefs, root, notes


def _check_additive(doc: _Xml) -> None:
    """Refuse a document that is not a linear GENIUS profile, since truce models additive utilities only."""
    root = doc.root
    if root.tag != PROFILE_ROOT:
        raise doc.error(f"expected a <{PROFILE_ROOT}> root, got <{root.tag}>", root)
    nonlinear = next((e for e in root.iter() if e.tag in NONLINEAR_TAGS), None)
    if (root.get("type") or "").lower() == "nonlinear" or nonlinear is not None:
        raise doc.error(
            "non-linear GENIUS profile (utility from hyper-rectangle constraints) is not supported: "
            "truce models additive utilities (a weight and a value per issue)",
            nonlinear if nonlinear is not None else root,
        )


def _profile_evaluations(
    doc: _Xml, by_index: dict[int, _DomainIssue], objectives: dict[int, str], notes: list[str]
) -> tuple[dict[int, float], dict[str, Any], set[int]]:
    """Weights, values and evaluated issue indices of a profile, read in document order so errors come first-found."""
    weights: dict[int, float] = {}
    values: dict[str, Any] = {}
    seen: set[int] = set()
    for container in _containers(doc.root):
        for element in container.findall("weight"):
            index = _index(doc, element)
            weight = _number(doc, element, "value")
            if index not in by_index:
                # GENIUS's getUtility adds up issues only: an objective's weight (the root's, in ANAC 2012
                # Fitness) or a weight naming nothing counts for nothing
                name = objectives.get(index)
                what = f"the objective {name!r}" if name is not None else "no issue of the domain"
                notes.append(f"weight {weight:g} for index {index} ({what}) ignored, as GENIUS ignores it")
                continue
            if weight < 0:
                raise doc.error(f"weights cannot be negative (got {weight:g})", element)
            weights[index] = weight
        for element in container.findall("issue"):
            index = _index(doc, element)
            issue = by_index.get(index)
            if issue is None:
                raise doc.error(f"issue index {index} is not in the domain", element)
            if element.get("name") is not None and element.get("name") != issue.name:
                raise doc.error(
                    f"issue {index} is {element.get('name')!r} here but {issue.name!r} in the domain", element
                )
            seen.add(index)
            values[issue.id] = _profile_values(doc, element, issue)
    return weights, values, seen


def _profile_reservation(doc: _Xml) -> float:
    """The profile's <reservation> value (0 when absent), checked to lie in [0, 1] as GENIUS requires."""
    reservation = 0.0
    written = doc.root.find("reservation")
    if written is not None:
        reservation = _number(doc, written, "value")
        if not 0.0 <= reservation <= 1.0:
            raise doc.error(f"reservation value {reservation:g} is outside [0, 1]", written)
    return reservation


def _weight_total(
    weights: dict[int, float], values: dict[str, Any], reservation: float, notes: list[str]
) -> tuple[dict[str, Any], float]:
    """Values and reservation adjusted so truce's normalised utilities match GENIUS's unnormalised weights."""
    total = sum(w for i, w in weights.items() if w > 0)
    if total < 1.0:
        # GENIUS adds the weights as written: the best outcome is worth the total, not 1. truce divides by
        # the total weight, so each value is multiplied by it to give back GENIUS's utilities exactly.
        values = {issue_id: _scaled(v, total) for issue_id, v in values.items()}
        if total < 1.0 - WEIGHT_SLACK:
            notes.append(
                f"weights add up to {total:.6g}, not 1: as in GENIUS, utilities are the weighted sum as written, "
                f"so the best outcome is worth {total:.6g} (each value is multiplied by {total:.6g} to keep that)"
            )
    elif total > 1.0 + WEIGHT_SLACK:
        # GENIUS caps the weighted sum at 1, which no additive utility can do: truce keeps the sum divided by
        # the total and divides the reservation value alike, so the same outcomes are acceptable
        notes.append(
            f"weights add up to {total:.6g}, over 1: GENIUS utility = min(1, {total:.6g} x the utility here); "
            f"the reservation value {reservation:g} becomes {reservation / total:.6g} so that the same outcomes "
            f"are acceptable, and outcomes GENIUS caps at 1 are ranked here by their weighted sum"
        )
        reservation = reservation / total
    return values, reservation


def _is_int(text: str | None) -> bool:
    return text is not None and re.fullmatch(r"\s*-?\d+\s*", text) is not None


def _scaled(values: Any, factor: float) -> Any:
    """A profile's values for one issue (option: value, or [x, value] points) multiplied by ``factor``."""
    if isinstance(values, dict):
        return {k: v * factor for k, v in values.items()}
    return [[x, y * factor] for x, y in values]


def _profile_values(doc: _Xml, element: ET.Element, issue: _DomainIssue) -> Any:
    if issue.kind == "discrete":
        evaluation: dict[str, float] = {}
        for item in element.findall("item"):
            value = _attr(doc, item, "value")
            if value not in issue.values:
                raise doc.error(f"value {value!r} is not one of issue {issue.name!r} in the domain", item)
            number = _number(doc, item, "evaluation")
            if number < 0:
                raise doc.error(f"evaluations cannot be negative (got {number:g})", item)
            evaluation[value] = number
        missing = [v for v in issue.values if v not in evaluation]
        if missing:
            raise doc.error(f"no evaluation for {', '.join(map(repr, missing))} of issue {issue.name!r}", element)
        top = max(evaluation.values())
        # GENIUS (EvaluatorDiscrete.normalize): evaluation / the issue's largest, 0 when that is below 1e-5
        return {
            o: (evaluation[v] / top if top >= GENIUS_ZERO else 0.0)
            for o, v in zip(issue.option_ids, issue.values, strict=True)
        }
    evaluator = element.find("evaluator")
    ftype = (evaluator.get("ftype") or "linear").lower() if evaluator is not None else "none"
    lower, upper = issue.lower, issue.upper
    if issue.kind == "integer":
        if evaluator is None:
            slope, offset = 0.0, 0.0
        elif ftype != "linear":
            raise doc.error(f"integer evaluator ftype {ftype!r} is not supported (expected linear)", evaluator)
        else:
            slope, offset = _number(doc, evaluator, "slope"), _number(doc, evaluator, "offset")
        start = float(element.get("lowerbound") or lower)
        return _clipped_line(lower, upper, slope, offset - slope * start)
    if evaluator is None:
        raise doc.error(f"real issue {issue.name!r} needs an <evaluator>", element)
    if ftype == "linear":
        return _clipped_line(lower, upper, _number(doc, evaluator, "parameter1"), _number(doc, evaluator, "parameter0"))
    if ftype == "constant":
        constant = _number(doc, evaluator, "parameter0")
        if not 0.0 <= constant <= 1.0:
            raise doc.error(f"constant evaluation {constant:g} is outside [0, 1]", evaluator)
        return [[lower, constant], [upper, constant]]
    raise doc.error(f"real evaluator ftype {ftype!r} is not supported (expected linear or constant)", evaluator)


def _clipped_line(lower: float, upper: float, slope: float, intercept: float) -> list[list[float]]:
    """``clip(slope * x + intercept, 0, 1)`` on [lower, upper] as piecewise-linear points."""
    xs = {lower, upper}
    if slope != 0:
        for level in (0.0, 1.0):
            x = (level - intercept) / slope
            if lower < x < upper:
                xs.add(x)

    def at(x: float) -> float:
        return min(1.0, max(0.0, slope * x + intercept))

    return [[_tidy(x), at(x)] for x in sorted(xs)]


def _tidy(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else x


def _natural(path: FsPath) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _slug(text: str, fallback: str) -> str:
    """An id for a name: kept as it is when already valid, else runs of other characters become '-'."""
    text = text.strip()
    if _ID.match(text) and len(text) <= 80:
        return text
    slug = re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-_.")[:80].rstrip("-_.")
    return slug or fallback


def _unique_ids(names: Sequence[str], prefix: str) -> list[str]:
    out: list[str] = []
    taken: set[str] = set()
    for n, name in enumerate(names, start=1):
        base = _slug(name, f"{prefix}{n}")[:74]
        ident, k = base, 2
        while ident in taken:
            ident, k = f"{base}-{k}", k + 1
        taken.add(ident)
        out.append(ident)
    return out


# ----------------------------------------------------------------------------------------------
# GeniusWeb JSON profiles
#
# GeniusWeb (GENIUS's successor) writes a profile as JSON: {"LinearAdditiveUtilitySpace": {"name", "domain":
# {"name", "issuesValues"}, "issueUtilities", "issueWeights", "reservationBid"}}, the domain inside every
# profile. Read as GeniusWeb's own LinearAdditiveUtilitySpace reads it (geniusweb.profile.utilityspace):
# utility = sum of weight x value utility, the weights must add up to 1 and every utility lie in [0, 1]
# (GeniusWeb refuses other profiles), discrete utilities are used as written (no division by the largest,
# unlike GENIUS), a number issue's utility is linear from (low, lowUtility) to (high, highUtility), and the
# reservation value is the utility of the reservation bid (0 without one).

GENIUSWEB_KEY = "LinearAdditiveUtilitySpace"
_GENIUSWEB_START = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{\s*"LinearAdditiveUtilitySpace"\s*:')


def geniusweb_files(folder: str | FsPath) -> list[FsPath]:
    """The GeniusWeb linear additive profiles (JSON) of a folder, in natural order."""
    base = FsPath(folder)
    out: list[FsPath] = []
    for path in _files_named(base, ".json")[:MAX_FILES]:
        try:
            with path.open("rb") as handle:
                head = handle.read(4096)
        except OSError as exc:  # it may be a profile: skipped, it would silently drop a party
            raise InputError([Problem(f"cannot be read: {exc.strerror}", (), str(path), 1, 1)]) from None
        if _GENIUSWEB_START.match(head):
            out.append(path)
    return out


def read_geniusweb(folder: str | FsPath, profiles: Sequence[str] | None = None) -> GeniusImport:
    """A folder of GeniusWeb JSON profiles (one per party, each holding the domain) as a scenario."""
    base = FsPath(folder)
    found = geniusweb_files(base)
    if not found:
        raise InputError([Problem(f"no GeniusWeb profile ({GENIUSWEB_KEY} JSON) in this folder", (), str(base), 1, 1)])
    chosen = _parties(base, found, profiles, None)
    docs = [parse_document(read_limited(p, str(p), MAX_XML_BYTES), str(p), as_json=True) for p in chosen]
    first = docs[0]
    domain = _gw(first, (GENIUSWEB_KEY, "domain"), dict)
    issues_values = _gw(first, (GENIUSWEB_KEY, "domain", "issuesValues"), dict)
    issues: list[dict[str, Any]] = []
    ids = _unique_ids(list(issues_values), "issue")
    kinds: dict[str, Any] = {}
    for ident, (name, valueset) in zip(ids, issues_values.items(), strict=True):
        at = (GENIUSWEB_KEY, "domain", "issuesValues", name)
        if isinstance(valueset, dict) and isinstance(valueset.get("values"), list):
            values = [str(v) for v in valueset["values"]]
            if len(values) < 2 or len(set(values)) != len(values):
                raise InputError([first.locate(Problem(f"issue {name!r} needs two or more distinct values", at))])
            options = _unique_ids(values, "v")
            kinds[name] = dict(zip(values, options, strict=True))
            issues.append(
                {
                    "id": ident,
                    "name": name,
                    "kind": "categorical",
                    "options": [{"id": o, "label": v} for o, v in zip(options, values, strict=True)],
                }
            )
        elif isinstance(valueset, dict) and isinstance(valueset.get("range"), dict):
            low, high, step = (_gw_number(first, (*at, "range", k)) for k in ("low", "high", "step"))
            if not (high > low and step > 0):
                raise InputError([first.locate(Problem(f"issue {name!r}: a range needs low < high and step > 0", at))])
            kinds[name] = (low, high)
            issues.append({"id": ident, "name": name, "kind": "numeric", "min": low, "max": high, "step": step})
        else:
            raise InputError([first.locate(Problem(f"issue {name!r}: expected {{'values': [...]}} or a range", at))])
    id_of = dict(zip(issues_values, ids, strict=True))
    party_ids = _unique_ids([p.stem for p in chosen], "party")
    preferences = {pid: _gw_profile(doc, domain, kinds, id_of) for pid, doc in zip(party_ids, docs, strict=True)}
    notes = [f"profiles not read as parties: {', '.join(p.name for p in found if p not in chosen)}"]
    notes = notes if len(chosen) < len(found) else []
    data: dict[str, Any] = {
        "truce": 1,
        "id": _slug(str(domain.get("name") or base.resolve().name), "geniusweb"),
        "title": f"GeniusWeb domain {domain.get('name') or base.resolve().name}",
        "description": f"Imported from {len(chosen)} GeniusWeb profile(s).",
        "assumptions": (
            "Preferences are the GeniusWeb profiles' linear additive utilities as GeniusWeb computes them; "
            "reservation values are the utilities of the reservation bids." + "".join(f" {n}." for n in notes)
        ),
        "parties": [{"id": pid, "name": path.stem} for pid, path in zip(party_ids, chosen, strict=True)],
        "issues": issues,
        "preferences": preferences,
    }
    return GeniusImport(build_scenario(data), tuple(notes))


def _gw(doc: Document, path: tuple[str, ...], kind: type) -> Any:
    node: Any = doc.data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, kind):
        raise InputError([doc.locate(Problem(f"expected {'.'.join(path)} to be a {kind.__name__}", path))])
    return node


def _gw_number(doc: Document, path: tuple[str, ...]) -> float:
    node: Any = doc.data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    try:
        value = float(node) if isinstance(node, (int, float, str)) and not isinstance(node, bool) else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError([doc.locate(Problem(f"expected a number at {'.'.join(path)}", path))])
    return value


def _gw_profile(doc: Document, domain: dict[str, Any], kinds: dict[str, Any], id_of: dict[str, str]) -> dict[str, Any]:
    top = (GENIUSWEB_KEY,)
    if _gw(doc, (*top, "domain"), dict) != domain:
        raise InputError(
            [doc.locate(Problem("this profile's domain differs from the first profile's", (*top, "domain")))]
        )
    utilities = _gw(doc, (*top, "issueUtilities"), dict)
    weights = _gw(doc, (*top, "issueWeights"), dict)
    if set(utilities) != set(kinds) or set(weights) != set(kinds):
        raise InputError(
            [doc.locate(Problem("issueUtilities and issueWeights must name exactly the domain's issues", top))]
        )
    weight = _gw_weights(doc, top, kinds)
    values = _gw_values(doc, top, kinds, id_of)
    reservation = _gw_reservation(doc, top, kinds, id_of, values, weight)
    return {
        "assumption": True,
        "basis": f"GeniusWeb profile {FsPath(doc.file).name}",
        "weights": {id_of[name]: w for name, w in weight.items()},
        "values": values,
        "reservation": min(1.0, reservation),
    }


def _gw_weights(doc: Document, top: tuple[str, ...], kinds: dict[str, Any]) -> dict[str, float]:
    """The issue weights, checked as GeniusWeb's LinearAdditiveUtilitySpace checks them."""
    weight = {name: _gw_number(doc, (*top, "issueWeights", name)) for name in kinds}
    total = sum(weight.values())
    if any(w < 0 for w in weight.values()) or abs(total - 1.0) > WEIGHT_SLACK:
        # GeniusWeb's LinearAdditiveUtilitySpace refuses such a profile
        raise InputError(
            [
                doc.locate(
                    Problem(
                        f"weights must be 0 or more and add up to 1 (they add up to {total:g})", (*top, "issueWeights")
                    )
                )
            ]
        )
    return weight


def _gw_values(doc: Document, top: tuple[str, ...], kinds: dict[str, Any], id_of: dict[str, str]) -> dict[str, Any]:
    """Each issue's utilities in truce's form, checked to cover exactly the issue's values or range."""
    values: dict[str, Any] = {}
    for name, kind in kinds.items():
        at = (*top, "issueUtilities", name)
        if isinstance(kind, dict):
            table = _gw(doc, (*at, "DiscreteValueSetUtilities", "valueUtilities"), dict)
            if set(table) != set(kind):
                raise InputError(
                    [doc.locate(Problem(f"utilities for issue {name!r} must name exactly its values", at))]
                )
            values[id_of[name]] = {
                kind[v]: _gw_unit(doc, (*at, "DiscreteValueSetUtilities", "valueUtilities", v)) for v in kind
            }
        else:
            inner = (*at, "NumberValueSetUtilities")
            low, high = kind
            if (_gw_number(doc, (*inner, "lowValue")), _gw_number(doc, (*inner, "highValue"))) != (low, high):
                raise InputError([doc.locate(Problem(f"utilities for issue {name!r} must span its range", inner))])
            values[id_of[name]] = [
                [low, _gw_unit(doc, (*inner, "lowUtility"))],
                [high, _gw_unit(doc, (*inner, "highUtility"))],
            ]
    return values


def _gw_reservation(
    doc: Document,
    top: tuple[str, ...],
    kinds: dict[str, Any],
    id_of: dict[str, str],
    values: dict[str, Any],
    weight: dict[str, float],
) -> float:
    """The utility of the reservation bid (0 when absent), since truce holds a reservation value, not a bid."""
    reservation = 0.0
    bid = doc.data[GENIUSWEB_KEY].get("reservationBid")
    if bid is not None:
        terms = _gw(doc, (*top, "reservationBid", "issuevalues"), dict)
        for name, term in terms.items():
            if name not in kinds:
                raise InputError(
                    [doc.locate(Problem(f"the reservation bid names no issue {name!r}", (*top, "reservationBid")))]
                )
            kind = kinds[name]
            if isinstance(kind, dict):
                u = values[id_of[name]].get(kind.get(str(term), ""), None)
                if u is None:
                    raise InputError(
                        [
                            doc.locate(
                                Problem(
                                    f"the reservation bid's {name!r} is not one of its values", (*top, "reservationBid")
                                )
                            )
                        ]
                    )
            else:
                (x0, u0), (x1, u1) = values[id_of[name]]
                x = _gw_number(doc, (*top, "reservationBid", "issuevalues", name))
                u = 0.0 if not x0 <= x <= x1 else u0 + (u1 - u0) * (x - x0) / (x1 - x0)
            reservation += weight[name] * u
    return reservation


def _gw_unit(doc: Document, path: tuple[str, ...]) -> float:
    value = _gw_number(doc, path)
    if not 0.0 <= value <= 1.0:
        raise InputError([doc.locate(Problem(f"a utility must lie in [0, 1] (got {value:g})", path))])
    return value


# ----------------------------------------------------------------------------------------------
# Export


def export_genius(scenario: Scenario, folder: str | FsPath) -> list[str]:
    """Write ``scenario`` as a GENIUS domain folder; return notes on what GENIUS cannot hold.

    Files: ``<scenario id>-domain.xml`` and ``<party id>.xml`` for each party with preferences. GENIUS
    makes every issue's best value worth 1, so a party's utility there is its truce utility divided by
    its best possible utility (the sum over issues of weight x best value); with values that reach 1 on
    every weighted issue the two are equal. The reservation value is scaled the same way. Red lines, costs
    of delay, package rules, ratification at home and uncertainty ranges have no place in GENIUS files and
    are left out (listed in the notes). Nothing is
    written if anything is wrong.
    """
    base = FsPath(folder)
    from truce.model.compiled import compile_scenario  # numpy only where a domain is written, not read

    c = compile_scenario(scenario)
    if not c.parties:
        raise InputError([Problem("no party has preferences: nothing to export", ("preferences",))])
    domain_name = f"{scenario.id}-domain.xml"
    names = [domain_name, *(f"{pid}.xml" for pid in c.parties)]
    if len(set(names)) != len(names):
        raise InputError([Problem(f"a party id clashes with the domain file name {domain_name}", ("parties",))])
    integer_issues = _integer_issues(scenario, c)
    notes: list[str] = []
    files = {domain_name: _domain_xml(scenario, integer_issues, [f"{pid}.xml" for pid in c.parties])}
    for p, pid in enumerate(c.parties):
        text, scale = _profile_xml(scenario, c, p, integer_issues)
        files[f"{pid}.xml"] = text
        notes.extend(_party_notes(scenario, pid, float(c.reservation[p]), scale))
    if scenario.constraints:
        notes.append(f"{len(scenario.constraints)} package rule(s) left out (GENIUS has none)")
    _check_target(base, files)
    _write_all(base, files)
    return notes


def _party_notes(scenario: Scenario, pid: str, reservation: float, scale: float) -> list[str]:
    """Notes on what of one party's preferences GENIUS files change or cannot hold."""
    notes: list[str] = []
    if abs(scale - 1.0) > 1e-12:
        notes.append(f"{pid}: GENIUS utility = truce utility / {scale:.6g} (its best value is 1 in GENIUS)")
    if reservation > scale:
        notes.append(f"{pid}: reservation value above its best possible utility, written as 1")
    prefs = scenario.preferences[pid]
    if prefs.red_lines:
        notes.append(f"{pid}: {len(prefs.red_lines)} red line(s) left out (GENIUS has none)")
    if prefs.cost_of_delay > 0:
        notes.append(f"{pid}: cost of delay left out (GENIUS uses a discount factor instead)")
    if prefs.ratification is not None:
        rule, members = prefs.ratification.rule.value, len(prefs.ratification.constituents)
        notes.append(
            f"{pid}: ratification at home left out ({rule} rule of {members} constituent(s); GENIUS has one "
            "profile per party), so a package its constituents would block reads as acceptable there"
        )
    if prefs.uncertainty is not None:
        notes.append(f"{pid}: uncertainty ranges left out (GENIUS profiles hold one value each)")
    return notes


def _check_target(base: FsPath, files: dict[str, str]) -> None:
    """Refuse a target that is not a folder or holds other XML files, so nothing unrelated gets mixed in."""
    if base.exists() and not base.is_dir():
        raise InputError([Problem("exists and is not a folder", (), str(base), 1, 1)])
    if base.is_dir():
        others = sorted(p.name for p in base.glob("*.xml") if p.name not in files)
        if others:
            raise InputError(
                [
                    Problem(
                        f"folder already holds other XML files ({', '.join(others[:5])}): use an empty folder",
                        (),
                        str(base),
                        1,
                        1,
                    )
                ]
            )


def _write_all(base: FsPath, files: dict[str, str]) -> None:
    """Write every file through a temporary name, removing the temporaries (and the folder, if made here) on any
    failure, Ctrl-C included, so nothing half-written stays."""
    written: list[FsPath] = []
    made = not base.exists()
    try:
        base.mkdir(exist_ok=True)  # the folder, not a tree of them: a mistyped parent is refused, not made
        for name, text in files.items():
            tmp = base / f".{name}.tmp"
            written.append(tmp)  # before the write, which an interrupt may leave partial
            tmp.write_text(text, encoding="utf-8")
        for name in files:
            (base / f".{name}.tmp").replace(base / name)
    except BaseException as exc:
        for tmp in written:
            tmp.unlink(missing_ok=True)
        if made and base.is_dir() and not any(base.iterdir()):
            base.rmdir()
        if isinstance(exc, OSError):
            raise InputError([Problem(f"cannot write ({exc.strerror})", (), str(base), 1, 1)]) from None
        raise


def _integer_issues(scenario: Scenario, c: Any) -> set[int]:
    """Numeric issues GENIUS can hold as integer issues: step 1 on whole numbers, every value linear."""
    out: set[int] = set()
    for i, issue in enumerate(scenario.issues):
        if issue.kind is not IssueKind.numeric or issue.step != 1 or not isinstance(issue.min, int):
            continue
        table = c.tables[i]
        if table.shape[1] < 2:
            continue
        steps = table[:, 1:] - table[:, :-1]
        if all(abs(float(d) - float(row[0])) <= 1e-12 for row in steps for d in row):
            out.add(i)
    return out


def _term_text(term: Term) -> str:
    if isinstance(term, float):
        return repr(term) if not term.is_integer() else str(int(term))
    return str(term)


def _domain_xml(scenario: Scenario, integer_issues: set[int], profiles: list[str]) -> str:
    import xml.etree.ElementTree as ET

    # GENIUS reads only the <utility_space> inside: the attribute tells truce which files are the parties
    root = ET.Element(DOMAIN_ROOT, {PARTIES_ATTRIBUTE: ",".join(profiles)})
    space = ET.SubElement(root, PROFILE_ROOT, {"number_of_issues": str(len(scenario.issues))})
    objective = ET.SubElement(
        space,
        "objective",
        {"description": scenario.title, "etype": "objective", "index": "0", "name": "root", "type": "objective"},
    )
    for i, issue in enumerate(scenario.issues, start=1):
        attrs = {"index": str(i), "name": issue.id, "description": issue.name}
        if i - 1 in integer_issues:
            kind = {"etype": "integer", "type": "integer", "vtype": "integer"}
            ET.SubElement(
                objective, "issue", {**attrs, **kind, "lowerbound": str(issue.min), "upperbound": str(issue.max)}
            )
            continue
        element = ET.SubElement(
            objective, "issue", {**attrs, "etype": "discrete", "type": "discrete", "vtype": "discrete"}
        )
        for k, term in enumerate(issue.option_ids(), start=1):
            text = _term_text(term)
            ET.SubElement(element, "item", {"index": str(k), "value": text, "description": issue.label(term)})
    return _serialise(root)


def _profile_xml(scenario: Scenario, c: Any, p: int, integer_issues: set[int]) -> tuple[str, float]:
    tops = [float(table[p].max()) for table in c.tables]
    scale = sum(tops)
    pid = c.parties[p]
    if scale <= 0:
        raise InputError([Problem(f"{pid} values every outcome at 0: GENIUS cannot hold that", ("preferences", pid))])
    import xml.etree.ElementTree as ET

    root = ET.Element(PROFILE_ROOT)
    objective = ET.SubElement(
        root, "objective", {"index": "0", "name": pid, "type": "objective", "etype": "objective", "description": ""}
    )
    for i, issue in enumerate(scenario.issues):
        row, top = c.tables[i][p], tops[i]
        attrs = {"index": str(i + 1), "name": issue.id}
        if i in integer_issues:
            kind = {"etype": "integer", "type": "integer", "vtype": "integer"}
            element = ET.SubElement(
                objective, "issue", {**attrs, **kind, "lowerbound": str(issue.min), "upperbound": str(issue.max)}
            )
            first = float(row[0]) / top if top > 0 else 0.0
            slope = (float(row[1]) - float(row[0])) / top if top > 0 else 0.0
            ET.SubElement(element, "evaluator", {"ftype": "linear", "slope": repr(slope), "offset": repr(first)})
            continue
        element = ET.SubElement(
            objective, "issue", {**attrs, "etype": "discrete", "type": "discrete", "vtype": "discrete"}
        )
        for k, term in enumerate(issue.option_ids()):
            # an issue the party does not care about: any positive evaluation (its weight is 0)
            evaluation = float(row[k]) / top if top > 0 else 1.0
            ET.SubElement(
                element, "item", {"index": str(k + 1), "value": _term_text(term), "evaluation": repr(evaluation)}
            )
    for i, top in enumerate(tops):
        ET.SubElement(objective, "weight", {"index": str(i + 1), "value": repr(top / scale)})
    reservation = min(1.0, float(c.reservation[p]) / scale)
    ET.SubElement(root, "reservation", {"value": repr(reservation)})
    return _serialise(root), scale


def _serialise(root: ET.Element) -> str:
    import xml.etree.ElementTree as ET

    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


__all__ = [
    "GeniusImport",
    "export_genius",
    "genius_files",
    "geniusweb_files",
    "import_genius",
    "is_genius_folder",
    "parse_xml",
    "read_genius",
    "read_geniusweb",
    "root_tag",
]
