"""A party's preferences in a form: a weight per issue, a value per option (points of a value function on
numeric issues), the reservation value, red lines and the cost of delay; and a preview of what a change does
to that party's own standing on every text.

Red lines are written one to a row in a small language, the way people say them:
``rafah = israeli_control``, ``end_of_war in phased, permanent_upfront``, ``aid_trucks < 300``, and several
conditions joined by ``and`` (a red line is crossed only when all of them hold).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection
from typing import Any

from truce.analysis.overview import standing_json
from truce.analysis.standing import standings
from truce.errors import InputError
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario
from truce.model.scenario import MAX_WEIGHT, Issue, IssueKind, Scenario
from truce.service import forms, views
from truce.service.forms import Errors, Fields

SPARE_RED_LINES = 2  # empty rows offered for new red lines
_COMPARE = {">=": "at_least", "<=": "at_most", ">": "above", "<": "below"}
_CONDITION = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.\-]*)\s*(>=|<=|=|>|<|\bin\b)\s*(.+?)\s*$")
SCALARS = ("basis", "reservation", "cost_of_delay", "delay_note", "sources")


def _term_text(term: Any) -> str:
    return f"{term:g}" if isinstance(term, float) else str(term)


def condition_text(issue: str, condition: Any) -> str:
    """One red-line condition as a row of the form writes it."""
    if isinstance(condition, dict):
        ops = {v: k for k, v in _COMPARE.items()}
        return " and ".join(f"{issue} {ops[k]} {_term_text(v)}" for k, v in condition.items() if v is not None)
    if isinstance(condition, list | tuple):
        return f"{issue} in {', '.join(_term_text(t) for t in condition)}"
    return f"{issue} = {_term_text(condition)}"


def prefill(data: dict[str, Any], scenario: Scenario) -> Fields:
    """The form's fields for preferences as stored."""
    values: dict[str, list[str]] = {"assumption": ["1"] if data.get("assumption", True) else []}
    for key in SCALARS:
        if data.get(key) not in (None, [], ""):
            found = data[key]
            values[key] = [", ".join(found) if isinstance(found, list) else str(found)]
    for issue_id, weight in data.get("weights", {}).items():
        values[f"weight.{issue_id}"] = [_term_text(weight)]
    for issue_id, given in data.get("values", {}).items():
        if isinstance(given, dict):
            for option, value in given.items():
                values[f"value.{issue_id}.{option}"] = [_term_text(value)]
        else:
            values[f"points.{issue_id}"] = [", ".join(f"{_term_text(x)}: {_term_text(v)}" for x, v in given)]
    for n, line in enumerate(data.get("red_lines", [])):
        values[f"redline.{n}.terms"] = [" and ".join(condition_text(i, c) for i, c in line.get("terms", {}).items())]
        values[f"redline.{n}.note"] = [line.get("note") or ""]
        values[f"redline.{n}.sources"] = [", ".join(line.get("sources", []))]
    return Fields(values)


def red_line_rows(fields: Fields) -> int:
    """How many red-line rows the form shows: those sent or stored, and a few empty ones."""
    sent = [int(m.group(1)) for name in fields.values if (m := re.match(r"^redline\.(\d{1,3})\.terms$", name))]
    return min(max(sent, default=-1) + 1 + SPARE_RED_LINES, 202)


# what the form edits; anything else a party's preferences hold (its ratification at home, its uncertainty for
# simulations, fields added later) is kept as it is on save, never dropped for not having a control
FORM_KEYS = frozenset(
    {"assumption", "basis", "reservation", "cost_of_delay", "delay_note", "sources", "weights", "values", "red_lines"}
)


def keep_untouched(before: dict[str, Any] | None, edited: dict[str, Any]) -> dict[str, Any]:
    """``edited`` (what the form gives) with every part of ``before`` the form has no control for."""
    return {**{k: v for k, v in (before or {}).items() if k not in FORM_KEYS}, **edited}


def read_preferences(fields: Fields, s: Scenario, errors: Errors, sources: Collection[str]) -> dict[str, Any]:
    """Preferences as the form gives them, every problem named by its field; they may cite ``sources`` (those
    the writer sees: another is unknown to it, as one never recorded is)."""
    data: dict[str, Any] = {
        "assumption": fields.get("assumption") == "1",
        "basis": forms.text(fields, "basis", errors, most=forms.MAX_VALUE),
        "reservation": forms.number(fields, "reservation", errors, low=0, high=1),
        "cost_of_delay": forms.number(fields, "cost_of_delay", errors, low=0, high=1),
        "delay_note": forms.text(fields, "delay_note", errors, most=forms.MAX_VALUE),
        "sources": forms.id_list(fields, "sources", errors, sources),
        "weights": {},
        "values": {},
        "red_lines": [],
    }
    for issue in s.issues:
        weight = forms.number(fields, f"weight.{issue.id}", errors, low=0, high=MAX_WEIGHT)
        if weight is not None:
            data["weights"][issue.id] = weight
        given = _issue_values(fields, issue, errors)
        if given:
            data["values"][issue.id] = given
    for n in range(red_line_rows(fields)):
        line = _red_line(fields, n, s, errors, sources)
        if line is not None:
            data["red_lines"].append(line)
    return {k: v for k, v in data.items() if v not in (None, [], "") and (v != {} or k == "weights")}


def _issue_values(fields: Fields, issue: Issue, errors: Errors) -> Any:
    if issue.kind is not IssueKind.numeric:
        found = {o.id: forms.number(fields, f"value.{issue.id}.{o.id}", errors, low=0, high=1) for o in issue.options}
        return {k: v for k, v in found.items() if v is not None}
    name = f"points.{issue.id}"
    points = []
    for part in [p for p in re.split(r"[,;]", fields.get(name)) if p.strip()]:
        x, colon, v = part.partition(":")
        try:
            point = [forms.tidy(float(x)), forms.tidy(float(v))]
        except ValueError:
            errors.add(name, f"write points as number: value, e.g. 0: 0, 600: 1 (not {part.strip()[:30]!r})")
            return None
        if not colon or not 0 <= point[1] <= 1:
            errors.add(name, "each value is between 0 and 1, after a colon: 600: 1")
            return None
        points.append(point)
    return points


def _red_line(fields: Fields, n: int, s: Scenario, errors: Errors, sources: Collection[str]) -> dict[str, Any] | None:
    name = f"redline.{n}.terms"
    text = fields.get(name).strip()
    if not text:
        if fields.get(f"redline.{n}.note").strip() or fields.get(f"redline.{n}.sources").strip():
            # a row with only its why would be dropped, the note with it: it is most likely a line half-written
            errors.add(
                name, "write the terms this note and these sources are about (to remove the red line, clear them too)"
            )
        return None
    terms: dict[str, Any] = {}
    for part in re.split(r"\s+and\s+", text):
        found = _CONDITION.match(part)
        if found is None:
            errors.add(
                name, f"write a condition as issue = option, issue in a, b or issue < number (not {part[:40]!r})"
            )
            return None
        issue_id, op, rest = found.groups()
        try:
            issue = s.issue(issue_id)
        except KeyError:
            errors.add(name, f"no issue {issue_id!r}")
            return None
        condition = _condition(issue, op, rest, name, errors)
        if condition is None:
            return None
        terms[issue_id] = (
            {**terms[issue_id], **condition} if isinstance(condition, dict) and issue_id in terms else condition
        )
    line: dict[str, Any] = {"terms": terms}
    note = forms.text(fields, f"redline.{n}.note", errors, most=forms.MAX_VALUE)
    if note:
        line["note"] = note
    cited = forms.id_list(fields, f"redline.{n}.sources", errors, sources)
    if cited:
        line["sources"] = cited
    return line


def _condition(issue: Issue, op: str, rest: str, name: str, errors: Errors) -> Any:
    if op in _COMPARE:
        try:
            return {_COMPARE[op]: forms.tidy(float(rest))}
        except ValueError:
            errors.add(name, f"{issue.id} {op} needs a number")
            return None
    picked = [forms.term(issue, t, name, errors) for t in re.split(r"\s*[,|]\s*", rest)] if op == "in" else None
    if picked is not None:
        return None if any(t is None for t in picked) else picked
    return forms.term(issue, rest, name, errors)


def kept_fields(current: dict[str, Any]) -> list[str]:
    """The fields of the stored preferences the form leaves as they are."""
    return sorted(k for k in current if k not in FORM_KEYS)


def pref_field(path: tuple[Any, ...]) -> str | None:
    """The form's field for a problem's path (``preferences.israel.values.rafah.x`` -> ``value.rafah.x``)."""
    inner = list(path[2:]) if path[:1] == ("preferences",) else list(path)
    if not inner:
        return None
    head = inner[0]
    if head == "weights" and len(inner) > 1:
        return f"weight.{inner[1]}"
    if head == "values" and len(inner) > 2 and isinstance(inner[2], str):
        return f"value.{inner[1]}.{inner[2]}"
    if head == "values" and len(inner) > 1:
        return f"points.{inner[1]}"
    if head == "red_lines" and len(inner) > 1:
        return f"redline.{inner[1]}.terms"
    return str(head) if head in SCALARS else None


def check_preferences(state: views.State, viewer: Any, party: str, data: dict[str, Any], errors: Errors) -> Any:
    """The scenario with these preferences, or None with the problems beside their fields (only problems in
    the viewer's own edit are told, as on every write)."""
    candidate = copy.deepcopy(state.data)
    candidate["preferences"][party] = data

    def ours(path: tuple[Any, ...]) -> bool:
        return len(path) >= 2 and path[0] == "preferences" and path[1] == party

    try:
        views.checker(viewer, ours)(candidate)
    except InputError as exc:
        errors.absorb(exc, pref_field)
        return None
    return build_scenario(candidate)


def preview(state: views.State, scenario: Scenario, party: str) -> list[dict[str, Any]]:
    """Every text's standing for ``party`` before and after the edit (that party's own standing only)."""
    c = compile_scenario(scenario)
    before = views.all_standings(state)
    rows = []
    for proposal in scenario.proposals:
        after = {st.party: st for st in standings(c, c.encode(scenario.terms_of(proposal.id)))}.get(party)
        was = before.get(proposal.id, {}).get(party)
        now = standing_json(after) if after is not None else None
        rows.append({"id": proposal.id, "title": proposal.title, "before": was, "after": now})
    return rows
