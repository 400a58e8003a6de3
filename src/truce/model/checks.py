"""Building a :class:`Scenario` from plain data, reporting every problem found with its path.

Structure and types come from pydantic; everything that crosses references (an unknown issue,
option or party, a term off its numeric grid, a parent cycle, an unsourced fact) is checked here,
so that one run of ``truce validate`` lists all that is wrong, not only the first thing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from truce.errors import InputError, Path, Problem, format_path
from truce.model.costs import cost_room, round_down
from truce.model.scenario import (
    MAX_NUMERIC_OPTIONS,
    Condition,
    Constituent,
    Issue,
    IssueKind,
    Preferences,
    Range,
    Ratification,
    RatificationRule,
    Reading,
    Scenario,
    Term,
    is_number,
)

M = TypeVar("M", bound=BaseModel)


def build_scenario(data: Any) -> Scenario:
    """Validate plain data (as read from a file) into a :class:`Scenario`, or raise :class:`InputError`."""
    return build_checked(Scenario, data, "scenario", check_scenario)


def build_checked(model: type[M], data: Any, what: str, check: Callable[[M], Iterable[Problem]]) -> M:
    """Validate plain data into ``model``, then ``check`` it; raise :class:`InputError` with every problem."""
    if not isinstance(data, dict):
        raise InputError([Problem(f"expected a mapping of {what} fields, got {_kind(data)}")])
    try:
        built = model.model_validate(data)
    except ValidationError as exc:
        raise InputError(pydantic_problems(exc, data)) from None
    problems = list(check(built))
    if problems:
        raise InputError(problems)
    return built


def pydantic_problems(exc: ValidationError, data: Any) -> list[Problem]:
    """Pydantic's errors as :class:`Problem` with real data paths.

    A value that fails a union (say, an issue's values given as a mapping with one bad number) makes
    pydantic report every branch; the branch whose shape matched is the one that speaks, so a type
    error is dropped when a deeper error exists beneath the same value, and type errors at one place
    are merged into one message that lists what would have been accepted.
    """
    found: dict[Path, list[tuple[str, Any]]] = {}
    for error in exc.errors(include_url=False):
        found.setdefault(_data_path(data, error["loc"]), []).append((error["type"], error))
    problems: list[Problem] = []
    for path, errors in found.items():
        deeper = any(other[: len(path)] == path and len(other) > len(path) for other in found)
        typed = [e for kind, e in errors if _is_type_error(kind)]
        others = [e for kind, e in errors if not _is_type_error(kind)]
        messages = list(dict.fromkeys(_message(e) for e in others))
        if typed and not deeper and not others:
            expected = " or ".join(dict.fromkeys(_expected(e) for e in typed))
            got = typed[0].get("input")
            messages.append(f"expected {expected} (got {_kind(got)} {_short(got)})")
        problems.extend(Problem(m, path) for m in messages)
    return problems


def _is_type_error(kind: str) -> bool:
    return kind.endswith("_type") or kind in {
        "literal_error",
        "enum",
        "model_attributes_type",
        "union_tag_invalid",
    }


def _expected(error: Any) -> str:
    msg: str = error["msg"]
    for lead in ("Input should be ", "Value should be "):
        if msg.startswith(lead):
            msg = msg[len(lead) :]
    msg = msg.replace("a valid ", "").replace("dictionary or instance of ", "")
    return _PEOPLES_WORDS.get(msg, msg)


# Python's names of what was expected, in the words a scenario's author uses ("expected tuple" was said of
# tabled_by: p0, where a list of parties goes)
_PEOPLES_WORDS = {"tuple": "a list", "list": "a list", "dictionary": "a mapping", "string": "text"}


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path:
    """Follow ``loc`` through the data, skipping parts that are pydantic's names for union branches."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not path_has_branch_marks(part):
            path.append(part)  # a missing required field: name it
            break
        else:
            continue
        path.append(part)
    return tuple(path)


def path_has_branch_marks(part: str) -> bool:
    return any(ch in part for ch in "[]()") or part in {
        "str",
        "int",
        "float",
        "bool",
        "list",
        "tuple",
        "dict",
    }


# What one entry of a list is called, by the list's field, for messages on how many a list holds.
ENTRY_NAMES = {
    "parties": ("party", "parties"),
    "tabled_by": ("party", "parties"),
    "who": ("party", "parties"),
    "issues": ("issue", "issues"),
    "terms": ("term", "terms"),
    "never": ("term", "terms"),
    "constituents": ("constituent", "constituents"),
    "sources": ("source", "sources"),
    "points": ("point", "points"),
    "categories": ("category", "categories"),
    "batches": ("batch", "batches"),
    "aliases": ("alias", "aliases"),
}
# A list of a fixed length, by the field that holds it: what it needs, in people's words.
FIXED_LISTS = {
    "values": "a point of a value function needs two numbers: [x, value]",
    "reservation": "a reservation range needs two numbers: [low, high]",
    "sides": "an exchange agreement has two sides",
}


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing" and isinstance(error["loc"][-1], int):  # an item short of a fixed-length list
        return f"{_fixed_list(error['loc'])} (got {_short(error.get('input'))})"
    if kind == "missing":
        return f"missing required field {_short(error['loc'][-1])}"
    if kind in ("too_short", "too_long"):
        return _list_length(kind, error)
    if kind == "extra_forbidden":
        return f"unknown field {_short(error['loc'][-1])} (check the spelling; `truce schema` lists the fields)"
    text = error["msg"].removeprefix("Value error, ")  # the wording of truce's own validators stands alone
    text = text[0].lower() + text[1:]
    return f"{text} (got {_short(error.get('input'))})"


def _fixed_list(loc: tuple[Any, ...]) -> str:
    field = next((part for part in reversed(loc) if part in FIXED_LISTS), None)
    if field is None:
        return f"expected at least {loc[-1] + 1} items here"
    return FIXED_LISTS[field]


def _list_length(kind: str, error: Any) -> str:
    """How many entries a list holds against how many it may, in the list's own words (at least one party)."""
    field = next((p for p in reversed(error["loc"]) if isinstance(p, str) and not path_has_branch_marks(p)), "")
    one, many = ENTRY_NAMES.get(field, ("entry", "entries"))
    ctx = error.get("ctx", {})
    bound = ctx.get("min_length" if kind == "too_short" else "max_length", 0)
    got = ctx.get("actual_length")
    if kind == "too_short":
        wanted = f"at least one {one} is needed" if bound == 1 else f"at least {bound} {many} are needed"
    else:
        wanted = f"at most {bound} {many} are allowed"
    return f"{wanted} (got {got if got else 'none'})"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_scenario(s: Scenario) -> Iterator[Problem]:
    """Every cross-reference problem in a structurally valid scenario."""
    yield from _unique("parties", [p.id for p in s.parties], "party")
    yield from _unique("issues", [i.id for i in s.issues], "issue")
    yield from _unique("proposals", [p.id for p in s.proposals], "proposal")
    yield from _unique("rounds", [r.id for r in s.rounds], "round")
    yield from _unique("constraints", [r.id for r in s.constraints], "package rule")
    party_ids = {p.id for p in s.parties}
    issues = {i.id: i for i in s.issues}
    source_ids = set(s.sources)
    proposal_ids = {p.id for p in s.proposals}
    yield from _check_issues_and_preferences(s, issues, party_ids, source_ids)
    yield from _check_constraints(s, issues, source_ids)
    yield from _check_proposals(s, issues, party_ids, proposal_ids, source_ids)
    yield from _parent_cycles(s)
    yield from _check_rounds_and_events(s, party_ids, proposal_ids, source_ids)
    yield from _check_record(s, party_ids, proposal_ids, source_ids)
    yield from _check_aliases(s, party_ids)
    yield from _check_course(s, party_ids, source_ids)
    yield from _check_uncertainty(s, source_ids)


def alias_key(words: str) -> str:
    """How names and aliases are compared: without regard to case, spacing or the kind of apostrophe."""
    return " ".join(words.replace("\u2019", "'").casefold().split())


def _check_aliases(s: Scenario, party_ids: set[str]) -> Iterator[Problem]:
    """Venues name known hosts, and no alias names two things of one kind: a report's words must point to one
    party, one issue, one option of an issue and one venue, or a draft of the record could not tell them apart."""
    yield from _unique("venues", [v.id for v in s.venues], "venue")
    for n, venue in enumerate(s.venues):
        if venue.host is not None and venue.host not in party_ids:
            yield Problem(f"unknown party {venue.host!r} (expected one of {_list(party_ids)})", ("venues", n, "host"))
    groups: list[tuple[str, list[tuple[Path, str, tuple[str, ...]]]]] = [
        ("party", [(("parties", n), p.name, p.aliases) for n, p in enumerate(s.parties)]),
        ("issue", [(("issues", n), i.name, i.aliases) for n, i in enumerate(s.issues)]),
        ("venue", [(("venues", n), v.name, v.aliases) for n, v in enumerate(s.venues)]),
    ]
    for n, issue in enumerate(s.issues):
        options: list[tuple[Path, str, tuple[str, ...]]] = [
            (("issues", n, "options", m), o.label, o.aliases) for m, o in enumerate(issue.options)
        ]
        groups.append((f"option of {issue.id}", options))
    for what, members in groups:
        yield from _ambiguous_aliases(what, members)


def _ambiguous_aliases(what: str, members: list[tuple[Path, str, tuple[str, ...]]]) -> Iterator[Problem]:
    owner: dict[str, int] = {}
    for k, (_, name, _) in enumerate(members):
        owner.setdefault(alias_key(name), k)
    for k, (path, _, aliases) in enumerate(members):
        for m, alias in enumerate(aliases):
            key = alias_key(alias)
            first = owner.setdefault(key, k)
            if first != k:
                yield Problem(
                    f"alias {alias!r} already names another {what} (at {format_path(members[first][0])})",
                    (*path, "aliases", m),
                )


def _unknown_sources(source_ids: set[str], path: Path, ids: Iterable[str]) -> Iterator[Problem]:
    """Shared by every sourced item: each source it cites must be listed under `sources`."""
    for k, sid in enumerate(ids):
        if sid not in source_ids:
            yield Problem(f"unknown source {sid!r} (add it under `sources`)", (*path, "sources", k))


def _unknown_parties(party_ids: set[str], path: Path, ids: Iterable[str]) -> Iterator[Problem]:
    """Shared by every list of parties: each one named must be a party of the scenario."""
    for k, pid in enumerate(ids):
        if pid not in party_ids:
            yield Problem(f"unknown party {pid!r} (expected one of {_list(party_ids)})", (*path, k))


def _check_issues_and_preferences(
    s: Scenario, issues: dict[str, Issue], party_ids: set[str], source_ids: set[str]
) -> Iterator[Problem]:
    """Issues and preferences, split out of check_scenario to keep it short; reported in that order."""
    for n, issue in enumerate(s.issues):
        yield from _check_issue(issue, ("issues", n))
        yield from _unknown_sources(source_ids, ("issues", n), issue.sources)
        for m, option in enumerate(issue.options):
            yield from _unknown_sources(source_ids, ("issues", n, "options", m), option.sources)

    for pid, prefs in s.preferences.items():
        path: Path = ("preferences", pid)
        if pid not in party_ids:
            yield Problem(f"preferences for unknown party {pid!r} (expected one of {_list(party_ids)})", path)
        yield from _check_preferences(prefs, issues, path)
        yield from _unknown_sources(source_ids, path, prefs.sources)
        for k, red_line in enumerate(prefs.red_lines):
            yield from _unknown_sources(source_ids, (*path, "red_lines", k), red_line.sources)
        if prefs.ratification is not None:
            yield from _check_ratification(prefs.ratification, issues, source_ids, (*path, "ratification"))


def _check_ratification(
    r: Ratification, issues: dict[str, Issue], source_ids: set[str], path: Path
) -> Iterator[Problem]:
    """A ratification rule and its constituents: their preferences are checked as a party's, except that a
    constituent known only by its red lines gives no weights (and then no reservation value either)."""
    if r.rule is RatificationRule.weighted and r.threshold is None:
        yield Problem("a weighted rule needs a threshold (the share of all votes needed)", (*path, "threshold"))
    if r.rule is not RatificationRule.weighted and r.threshold is not None:
        yield Problem(f"a {r.rule.value} rule takes no threshold (only a weighted rule does)", (*path, "threshold"))
    seen: set[str] = set()
    for n, member in enumerate(r.constituents):
        if member.id in seen:
            yield Problem(f"duplicate constituent id {member.id!r}", (*path, "constituents", n, "id"))
        seen.add(member.id)
    yield from _unknown_sources(source_ids, path, r.sources)
    for n, member in enumerate(r.constituents):
        mpath: Path = (*path, "constituents", n)
        yield from _unknown_sources(source_ids, mpath, member.sources)
        for k, red_line in enumerate(member.red_lines):
            yield from _unknown_sources(source_ids, (*mpath, "red_lines", k), red_line.sources)
        if member.weights:
            yield from _check_preferences(member, issues, mpath)
            continue
        if member.reservation > 0:
            yield Problem("a constituent with no weights approves by its red lines alone: no reservation", mpath)
        if not member.red_lines:
            yield Problem("a constituent needs weights or red lines (otherwise it approves everything)", mpath)
        for k, red_line in enumerate(member.red_lines):
            for issue_id, condition in red_line.terms.items():
                yield from _check_condition(issues, issue_id, condition, (*mpath, "red_lines", k, "terms", issue_id))


def _check_constraints(s: Scenario, issues: dict[str, Issue], source_ids: set[str]) -> Iterator[Problem]:
    """Package rules: their sources, their conditions, and whether one alone rules out every outcome."""
    for n, rule in enumerate(s.constraints):
        path: Path = ("constraints", n)
        yield from _unknown_sources(source_ids, path, rule.sources)
        for issue_id, condition in rule.never.items():
            yield from _check_condition(
                issues, issue_id, condition, (*path, "never", issue_id), "the package rule can never be broken"
            )
        if _rules_out_everything(issues, rule.never):
            yield Problem("this package rule alone rules out every outcome: no text could stand", (*path, "never"))


def _check_proposals(
    s: Scenario, issues: dict[str, Issue], party_ids: set[str], proposal_ids: set[str], source_ids: set[str]
) -> Iterator[Problem]:
    """Proposals: who tabled them, their parent, terms, responses and readings."""
    dates = {p.id: p.date for p in s.proposals}
    for n, proposal in enumerate(s.proposals):
        path: Path = ("proposals", n)
        yield from _unknown_parties(party_ids, (*path, "tabled_by"), proposal.tabled_by)
        yield from _unknown_sources(source_ids, path, proposal.sources)
        if proposal.parent is not None and proposal.parent not in proposal_ids:
            yield Problem(f"unknown parent proposal {proposal.parent!r}", (*path, "parent"))
        elif proposal.parent is not None and dates[proposal.parent] > proposal.date:
            yield Problem(
                f"dated {proposal.date} but its parent {proposal.parent!r} is dated later ({dates[proposal.parent]})",
                (*path, "date"),
            )
        for issue_id, term in proposal.terms.items():
            yield from _check_term(issues, issue_id, term, (*path, "terms", issue_id))
        for k, response in enumerate(proposal.responses):
            yield from _unknown_parties(party_ids, (*path, "responses", k, "party"), [response.party])
            if response.date is not None and response.date < proposal.date:
                yield Problem(
                    f"response dated {response.date}, before the proposal ({proposal.date})",
                    (*path, "responses", k, "date"),
                )
            yield from _unknown_sources(source_ids, (*path, "responses", k), response.sources)
        yield from _check_readings(proposal.readings, issues, party_ids, source_ids, path)
        for k, reading in enumerate(proposal.readings):
            yield from _unknown_sources(source_ids, (*path, "readings", k), reading.sources)


def _check_rounds_and_events(
    s: Scenario, party_ids: set[str], proposal_ids: set[str], source_ids: set[str]
) -> Iterator[Problem]:
    """Rounds and events: their parties, sources, dates and the proposals a round tabled."""
    for n, rnd in enumerate(s.rounds):
        path: Path = ("rounds", n)
        yield from _unknown_parties(party_ids, (*path, "participants"), rnd.participants)
        yield from _unknown_sources(source_ids, path, rnd.sources)
        if rnd.end is not None and rnd.end < rnd.start:
            yield Problem(f"round ends ({rnd.end}) before it starts ({rnd.start})", (*path, "end"))
        for k, prop in enumerate(rnd.proposals):
            if prop not in proposal_ids:
                yield Problem(f"unknown proposal {prop!r}", (*path, "proposals", k))
    for n, event in enumerate(s.events):
        yield from _unknown_parties(party_ids, ("events", n, "parties"), event.parties)
        yield from _unknown_sources(source_ids, ("events", n), event.sources)


def _check_record(s: Scenario, party_ids: set[str], proposal_ids: set[str], source_ids: set[str]) -> Iterator[Problem]:
    """Meetings, statements and series: every party, proposal and source they name exists."""
    yield from _unique("meetings", [m.id for m in s.meetings], "meeting")
    yield from _unique("statements", [m.id for m in s.statements], "statement")
    yield from _unique("series", [m.id for m in s.series], "series")
    dates = {p.id: p.date for p in s.proposals}

    def party(pid: str, path: Path) -> Iterator[Problem]:
        if pid not in party_ids:
            yield Problem(f"unknown party {pid!r} (expected one of {_list(party_ids)})", path)

    def proposal(pid: str | None, path: Path) -> Iterator[Problem]:
        if pid is not None and pid not in proposal_ids:
            yield Problem(f"unknown proposal {pid!r} (expected one of {_list(proposal_ids)})", path)

    def source(sid: str, path: Path) -> Iterator[Problem]:
        if sid not in source_ids:
            yield Problem(f"unknown source {sid!r} (add it under `sources`)", path)

    for n, meeting in enumerate(s.meetings):
        path: Path = ("meetings", n)
        for field in ("who", "met_with"):
            for k, pid in enumerate(getattr(meeting, field)):
                yield from party(pid, (*path, field, k))
        yield from proposal(meeting.carried, (*path, "carried"))
        for k, sid in enumerate(meeting.sources):
            yield from source(sid, (*path, "sources", k))
    for n, statement in enumerate(s.statements):
        path = ("statements", n)
        speaker = statement.speaker
        yield from party(
            statement.party(), (*path, "speaker") if isinstance(speaker, str) else (*path, "speaker", "party")
        )
        for k, pid in enumerate(statement.joint_with):
            yield from party(pid, (*path, "joint_with", k))
        yield from proposal(statement.about, (*path, "about"))
        if statement.about in dates and statement.date < dates[statement.about]:
            yield Problem(
                f"dated {statement.date}, before the proposal it is about ({dates[statement.about]})", (*path, "date")
            )
        for k, sid in enumerate(statement.sources):
            yield from source(sid, (*path, "sources", k))
    for n, series in enumerate(s.series):
        for k, point in enumerate(series.points):
            path = ("series", n, "points", k)
            yield from source(point.source, (*path, "source"))
            if k and point.date <= series.points[k - 1].date:
                yield Problem(
                    f"dated {point.date}, not after the point before it ({series.points[k - 1].date}): "
                    "points go in date order, one a date",
                    (*path, "date"),
                )


# how far ahead of UTC a clock can be (UTC+14): a record made just after midnight where it was made is dated so
AHEAD_OF_UTC = dt.timedelta(hours=14)


def today_anywhere(now: dt.datetime | None = None) -> dt.date:
    """The latest date it is anywhere on Earth: a record dated after it is dated in the future everywhere."""
    return ((now or dt.datetime.now(dt.UTC)) + AHEAD_OF_UTC).date()


def dated_after(when: dt.date | None, today: dt.date, what: str, path: Path) -> Problem | None:
    """The problem with a record dated ``when`` that cannot be dated after ``today`` (None: it is not)."""
    if when is None or when <= today:
        return None
    return Problem(f"dated {when}, after today ({today} in the world's latest time zone): {what}", path)


def dated_ahead(s: Scenario, today: dt.date) -> Iterator[Problem]:
    """What a record cannot date after ``today``: a text is dated when it is tabled, a response when it is
    given, a statement when it is made, a source when it is published, a figure when it is reported. Meetings
    and rounds may be planned ahead and events scheduled (a meeting set for next week is real), and the
    course's risks and shocks are assumptions about what lies ahead, so none of those is refused."""

    def ahead(when: dt.date | None, what: str, path: Path) -> Iterator[Problem]:
        found = dated_after(when, today, what, path)
        if found is not None:
            yield found

    for n, proposal in enumerate(s.proposals):
        yield from ahead(proposal.date, "a text is dated when it is tabled", ("proposals", n, "date"))
        for k, response in enumerate(proposal.responses):
            path: Path = ("proposals", n, "responses", k, "date")
            yield from ahead(response.date, "a response is recorded once it is given", path)
    for n, statement in enumerate(s.statements):
        yield from ahead(statement.date, "a statement is recorded once it is made", ("statements", n, "date"))
    for source_id, source in s.sources.items():
        yield from ahead(source.date, "a source is dated when it is published", ("sources", source_id, "date"))
    for n, series in enumerate(s.series):
        for k, point in enumerate(series.points):
            path = ("series", n, "points", k, "date")
            yield from ahead(point.date, "a figure is recorded once it is reported", path)


def _unique(where: str, ids: list[str], what: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for n, ident in enumerate(ids):
        if ident in seen:
            yield Problem(f"duplicate {what} id {ident!r}", (where, n, "id"))
        seen.add(ident)


def _list(ids: Iterable[object]) -> str:
    items = sorted(str(i) for i in ids)
    shown = ", ".join(items[:12])
    return shown + (", ..." if len(items) > 12 else "") if items else "(none)"


def _check_issue(issue: Issue, path: Path) -> Iterator[Problem]:
    if issue.kind is IssueKind.numeric:
        if issue.options:
            yield Problem("a numeric issue has min/max/step, not options", (*path, "options"))
        for name in ("min", "max", "step"):
            if getattr(issue, name) is None:
                yield Problem(f"numeric issue needs {name!r}", (*path, name))
        if issue.min is None or issue.max is None or issue.step is None:
            return
        if issue.max < issue.min:
            yield Problem(f"max ({issue.max}) is below min ({issue.min})", (*path, "max"))
        elif issue.step <= 0:
            yield Problem(f"step must be positive (got {issue.step})", (*path, "step"))
        else:
            count = (issue.max - issue.min) / issue.step
            if not math.isfinite(count):  # 1e308 by 1e-308: a count no float holds
                yield Problem(
                    f"min..max by step gives more values than can be counted (at most {MAX_NUMERIC_OPTIONS:,})", path
                )
            elif count + 1 > MAX_NUMERIC_OPTIONS:
                yield Problem(f"min..max by step gives {count + 1:,.0f} values (at most {MAX_NUMERIC_OPTIONS:,})", path)
            elif abs(count - round(count)) > 1e-9 * max(1.0, count):
                yield Problem(f"max - min ({issue.max - issue.min:g}) is not a whole number of steps", (*path, "step"))
        return
    for name in ("min", "max", "step", "unit"):
        if getattr(issue, name) is not None:
            yield Problem(f"{name!r} is only for numeric issues (this one is {issue.kind.value})", (*path, name))
    if len(issue.options) < 2:
        yield Problem(f"a {issue.kind.value} issue needs at least two options", (*path, "options"))
    yield from _unique_options(issue, path)


def _unique_options(issue: Issue, path: Path) -> Iterator[Problem]:
    seen: set[str] = set()
    for m, option in enumerate(issue.options):
        if option.id in seen:
            yield Problem(f"duplicate option id {option.id!r}", (*path, "options", m, "id"))
        seen.add(option.id)


def _check_term(issues: dict[str, Issue], issue_id: str, term: Term, path: Path) -> Iterator[Problem]:
    issue = issues.get(issue_id)
    if issue is None:
        yield Problem(f"unknown issue {issue_id!r} (expected one of {_list(issues)})", path)
        return
    if issue.kind is IssueKind.numeric:
        if not is_number(term):
            yield Problem(f"{issue_id} is numeric: expected a number, got {term!r}", path)
        elif issue.count() and not _on_grid(issue, float(term)):  # an issue with no valid values says so itself
            yield Problem(
                f"{term} is not a value of {issue_id} (expected {issue.min}..{issue.max} in steps of {issue.step})",
                path,
            )
    elif term not in issue.option_ids():
        yield Problem(f"unknown option {term!r} of {issue_id} (expected one of {_list(issue.option_ids())})", path)


def _on_grid(issue: Issue, x: float) -> bool:
    """Whether ``x`` is one of the issue's values, up to float rounding (1e-12 of the numbers' size): a value
    off by more (600.0000001 for 600) is refused, since it would be stored as typed but shown as the value."""
    if issue.min is None or issue.max is None or not issue.step:
        return False
    tol = 1e-12 * max(1.0, abs(x), abs(issue.min), abs(issue.step))
    if not issue.min - tol <= x <= issue.max + tol:  # first: far outside, the count of steps overflows
        return False
    nearest = issue.min + round((x - issue.min) / issue.step) * issue.step
    return abs(x - nearest) <= tol


def _check_preferences(prefs: Preferences | Constituent, issues: dict[str, Issue], path: Path) -> Iterator[Problem]:
    for issue_id in prefs.weights:
        if issue_id not in issues:
            yield Problem(
                f"weight for unknown issue {issue_id!r} (expected one of {_list(issues)})",
                (*path, "weights", issue_id),
            )
    if not any(w > 0 for w in prefs.weights.values()):
        yield Problem("at least one issue needs a positive weight", (*path, "weights"))
    for issue_id, values in prefs.values.items():
        issue = issues.get(issue_id)
        vpath = (*path, "values", issue_id)
        if issue is None:
            yield Problem(f"values for unknown issue {issue_id!r}", vpath)
            continue
        if issue.kind is IssueKind.numeric:
            if isinstance(values, dict):
                yield Problem(f"{issue_id} is numeric: give [x, value] points, not a value per option", vpath)
            else:
                xs = [float(x) for x, _ in values]
                if not xs:
                    yield Problem("needs at least one [x, value] point", vpath)
                elif any(b <= a for a, b in itertools.pairwise(xs)):
                    yield Problem("the points' x values must increase strictly", vpath)
            continue
        if not isinstance(values, dict):
            yield Problem(f"{issue_id} is {issue.kind.value}: give a value per option, not points", vpath)
            continue
        known = set(issue.option_ids())
        for option_id in values:
            if option_id not in known:
                yield Problem(
                    f"unknown option {option_id!r} of {issue_id} (expected one of {_list(known)})",
                    (*vpath, option_id),
                )
    for issue_id, weight in prefs.weights.items():
        issue = issues.get(issue_id)
        if issue is None or weight <= 0:
            continue
        given = prefs.values.get(issue_id)
        if given is None:
            yield Problem(f"issue {issue_id!r} has a weight but no values", (*path, "weights", issue_id))
        elif isinstance(given, dict) and issue.kind is not IssueKind.numeric:
            missing = [o for o in issue.option_ids() if o not in given]
            if missing:
                yield Problem(f"no value for option(s) {_list(missing)} of {issue_id}", (*path, "values", issue_id))
    for k, red_line in enumerate(prefs.red_lines):
        for issue_id, condition in red_line.terms.items():
            yield from _check_condition(issues, issue_id, condition, (*path, "red_lines", k, "terms", issue_id))


def _check_condition(
    issues: dict[str, Issue],
    issue_id: str,
    condition: Condition,
    path: Path,
    never_met: str = "the red line can never be crossed",
) -> Iterator[Problem]:
    issue = issues.get(issue_id)
    if issue is None:
        yield Problem(f"unknown issue {issue_id!r} (expected one of {_list(issues)})", path)
        return
    if isinstance(condition, Range):
        if issue.kind is not IssueKind.numeric:
            yield Problem(f"a range fits only numeric issues ({issue_id} is {issue.kind.value})", path)
        bounds = [b for b in (condition.at_least, condition.at_most, condition.above, condition.below) if b is not None]
        if not bounds:
            yield Problem("a range needs at_least, at_most, above or below", path)
        elif issue.grid() and not any(condition.contains(x) for x in issue.grid()):  # no grid: the issue's error
            yield Problem(f"this range contains no value of {issue_id}: {never_met}", path)
        return
    for k, term in enumerate(condition if isinstance(condition, tuple) else (condition,)):
        yield from _check_term(issues, issue_id, term, (*path, k) if isinstance(condition, tuple) else path)


def _rules_out_everything(issues: dict[str, Issue], never: dict[str, Condition]) -> bool:
    """True when every condition of a (conjunctive) rule holds for every option of its issue."""
    for issue_id, condition in never.items():
        issue = issues.get(issue_id)
        if issue is None:
            return False  # reported as an unknown issue
        options = issue.option_ids()
        if not options:
            return False
        if isinstance(condition, Range):
            if issue.kind is not IssueKind.numeric or not all(condition.contains(float(x)) for x in options):
                return False
        else:
            wanted = condition if isinstance(condition, tuple) else (condition,)
            if not all(any(_same_term(o, w) for w in wanted) for o in options):
                return False
    return True


def _same_term(option: Term, term: Term) -> bool:
    if is_number(option) and is_number(term):
        return abs(float(option) - float(term)) < 1e-9
    return option == term


def _check_readings(
    readings: Iterable[Reading], issues: dict[str, Issue], party_ids: set[str], source_ids: set[str], path: Path
) -> Iterator[Problem]:
    seen: set[str] = set()
    for k, reading in enumerate(readings):
        rpath = (*path, "readings", k)
        if reading.id in seen:
            yield Problem(f"duplicate reading id {reading.id!r} in this proposal", (*rpath, "id"))
        seen.add(reading.id)
        if reading.by not in party_ids and reading.by not in source_ids:
            yield Problem(
                f"unknown party or source {reading.by!r} (a reading is held by one of the parties "
                f"{_list(party_ids)} or a source under `sources`)",
                (*rpath, "by"),
            )
        for issue_id, term in reading.terms.items():
            yield from _check_term(issues, issue_id, term, (*rpath, "terms", issue_id))


def _parent_cycles(s: Scenario) -> Iterator[Problem]:
    parent = {p.id: p.parent for p in s.proposals}
    index = {p.id: n for n, p in enumerate(s.proposals)}
    reported: set[str] = set()
    for start in parent:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node in parent and node not in seen:
            seen.append(node)
            node = parent[node]
        if node is not None and node in seen:
            cycle = seen[seen.index(node) :]
            if not reported.intersection(cycle):
                reported.update(cycle)
                chain = " -> ".join([*cycle, node])
                yield Problem(f"proposals' parents form a cycle: {chain}", ("proposals", index[node], "parent"))


def _check_course(s: Scenario, party_ids: set[str], source_ids: set[str]) -> Iterator[Problem]:
    """The course of the talks: dated risks and shocks fall within it, and name known parties and sources."""
    course = s.course
    if course is None:
        return
    yield from _unique("course.risks", [r.id for r in course.risks], "risk")
    yield from _unknown_sources(source_ids, ("course",), course.sources)
    if course.hazard is not None:
        yield from _unknown_sources(source_ids, ("course", "hazard"), course.hazard.sources)
    dated: list[tuple[Path, Any]] = [(("course", "risks", n), r) for n, r in enumerate(course.risks)]
    dated += [(("course", "shocks", n), x) for n, x in enumerate(course.shocks)]
    for path, item in dated:
        yield from _unknown_sources(source_ids, path, item.sources)
        if course.start is None:
            yield Problem("a dated risk or shock needs `course.start` (day 1 of the talks)", (*path, "date"))
            continue
        day = course.day_of(item.date)
        if not 1 <= day <= course.deadline_days:
            yield Problem(
                f"dated {item.date}, day {day} of the talks: outside day 1 ({course.start}) to the deadline "
                f"(day {course.deadline_days})",
                (*path, "date"),
            )
    for n, shock in enumerate(course.shocks):
        for field in ("reservation", "cost_of_delay"):
            for pid in getattr(shock, field):
                if pid not in party_ids:
                    yield Problem(
                        f"unknown party {pid!r} (expected one of {_list(party_ids)})",
                        ("course", "shocks", n, field, pid),
                    )
    yield from _course_costs(s)


def _course_costs(s: Scenario) -> Iterator[Problem]:
    """Dated shocks multiply a party's daily cost of delay one after another: factors that compound past any
    number a cost can be over the deadline would give runs a cost of inf. The shock that takes a party's cost
    past that is refused, saying the largest factor it could have (the bound ``simulate`` holds its random
    escalations to)."""
    course = s.course
    if course is None or course.start is None:
        return
    days = course.deadline_days
    dated = [(course.day_of(x.date), n, x.cost_of_delay) for n, x in enumerate(course.shocks)]
    in_order = sorted((day, n, factors) for day, n, factors in dated if 1 <= day <= days)
    for pid, prefs in s.preferences.items():
        if prefs.cost_of_delay <= 0:
            continue
        room, logged = cost_room(prefs.cost_of_delay, days), 0.0
        for _day, n, factors in in_order:
            factor = factors.get(pid)
            if factor is None or factor == 1:
                continue
            if factor == 0:
                break  # no cost from then on, whatever comes after
            if logged + math.log(factor) >= room:
                most = round_down(math.exp(room - logged))
                yield Problem(
                    f"a factor of {factor:g} on {pid}'s cost of delay ({prefs.cost_of_delay:g} a day), with the "
                    f"shocks before it, passes any number a cost can be over the {days} days of the talks "
                    f"(at most {most:g} here)",
                    ("course", "shocks", n, "cost_of_delay", pid),
                )
                break
            logged += math.log(factor)


def _check_uncertainty(s: Scenario, source_ids: set[str]) -> Iterator[Problem]:
    """Each party's uncertainty names issues it weighs, and gives a reservation range low <= high."""
    for pid, prefs in s.preferences.items():
        u = prefs.uncertainty
        if u is None:
            continue
        path: Path = ("preferences", pid, "uncertainty")
        yield from _unknown_sources(source_ids, path, u.sources)
        for field in ("weights", "values"):
            given = getattr(u, field)
            if isinstance(given, dict):
                for issue_id in given:
                    if issue_id not in prefs.weights:
                        yield Problem(
                            f"noise for issue {issue_id!r}, which this party does not weigh "
                            f"(expected one of {_list(prefs.weights)})",
                            (*path, field, issue_id),
                        )
        if u.reservation is not None and u.reservation[0] > u.reservation[1]:
            yield Problem(
                f"reservation range [{u.reservation[0]}, {u.reservation[1]}]: low above high", (*path, "reservation")
            )
