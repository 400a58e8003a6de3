"""Drafting a proposal in a form: one control per issue, inherited terms shown and overridable, and a preview
of what the draft would change before it is saved.

The preview is worked out on the talks as they stand with the draft added, and filtered by the viewer as every
view is: a party sees its own standing only, and what a change is worth to the other side never reaches it.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from truce.analysis.diff import diff
from truce.analysis.overview import change_json, rule_json, standing_json
from truce.analysis.rules import rule_breaches
from truce.analysis.standing import standings
from truce.errors import InputError
from truce.model.checks import build_scenario
from truce.model.compiled import compile_scenario
from truce.model.scenario import Issue, IssueKind, Scenario, Status
from truce.service import forms
from truce.service.auth import Role, Viewer
from truce.service.forms import OPEN, Errors, Fields
from truce.service.views import State

META = ("id", "title", "date", "venue", "status", "note", "parent", "tabled_by", "sources")
# the proposal's fields a scenario problem can name, and the form field each was typed in
FIELD_OF = {name: name for name in META} | {"inherits": "parent"}


def issue_controls(scenario: Scenario, parent: str | None, fields: Fields, errors: Errors) -> list[dict[str, Any]]:
    """One control per issue in the scenario's order: its label, unit, bounds, the term inherited from the
    parent (if any), the input as sent, and its error."""
    inherited = _inherited(scenario, parent)
    out = []
    for issue in scenario.issues:
        name = f"term.{issue.id}"
        held = inherited.get(issue.id)
        out.append(
            {
                "id": issue.id,
                "field": name,
                "name": issue.name,
                "kind": issue.kind.value,
                "unit": issue.unit,
                "min": issue.min,
                "max": issue.max,
                "step": issue.step,
                "options": [(o.id, o.label) for o in issue.options],
                "inherited": None if held is None else issue.label(held),
                "value": fields.get(name),
                "error": errors.by_field.get(name),
            }
        )
    return out


def _inherited(scenario: Scenario, parent: str | None) -> dict[str, Any]:
    if parent is None:
        return {}
    try:
        return scenario.terms_of(parent)
    except KeyError:
        return {}


def prefill(scenario: Scenario, viewer: Viewer, parent: str | None, terms: dict[str, Any]) -> Fields:
    """The form's first values: a new text amending ``parent`` (if any) with ``terms`` set."""
    inherited = _inherited(scenario, parent)
    values: dict[str, list[str]] = {
        "parent": [parent or ""],
        "status": [Status.draft.value if viewer.role == Role.mediator else Status.tabled.value],
        "date": [dt.date.today().isoformat()],
    }
    if viewer.role == Role.party and viewer.party:
        values["tabled_by"] = [viewer.party]
    for issue_id, term in terms.items():
        if inherited.get(issue_id) != term:
            values[f"term.{issue_id}"] = [str(term)]
    return Fields(values)


def read_draft(state: State, viewer: Viewer, fields: Fields) -> tuple[dict[str, Any], Errors]:
    """The proposal a drafting form describes, and every problem with it, by field."""
    s = state.scenario
    errors = Errors()
    data: dict[str, Any] = {
        "id": forms.ident(fields, "id", errors),
        "title": forms.text(fields, "title", errors, required=True),
        "date": forms.date(fields, "date", errors),
        "tabled_by": forms.id_list(fields, "tabled_by", errors, [p.id for p in s.parties]),
        "venue": forms.text(fields, "venue", errors),
        "note": forms.text(fields, "note", errors, most=forms.MAX_VALUE),
        "sources": forms.id_list(fields, "sources", errors, s.sources),
    }
    if not data["tabled_by"] and "tabled_by" not in errors.by_field:
        errors.add("tabled_by", "tick at least one party")
    status = fields.get("status", Status.tabled.value)
    if status not in {x.value for x in Status}:
        errors.add("status", "not a status")
    data["status"] = status
    parent = fields.get("parent").strip() or None
    if parent is not None and parent not in {p.id for p in s.proposals}:
        errors.add("parent", "no such proposal")
        parent = None
    data["parent"] = parent
    chosen, opened = _terms(s.issues, fields, errors)
    data.update(_own_terms(_inherited(s, parent), chosen, opened))
    return {k: v for k, v in data.items() if v not in (None, [], "")}, errors


def _terms(issues: tuple[Issue, ...], fields: Fields, errors: Errors) -> tuple[dict[str, Any], set[str]]:
    chosen: dict[str, Any] = {}
    opened: set[str] = set()
    for issue in issues:
        name = f"term.{issue.id}"
        value = fields.get(name)
        if value.strip() == OPEN or fields.get(f"open.{issue.id}") == "1":
            opened.add(issue.id)
            continue
        found = forms.term(issue, value, name, errors)
        if found is not None:
            chosen[issue.id] = found
    return chosen, opened


def _own_terms(inherited: dict[str, Any], chosen: dict[str, Any], opened: set[str]) -> dict[str, Any]:
    """The terms the text states itself. Opening an issue its parent settles means standing alone: the text
    then restates every inherited term it keeps (``inherits: false``)."""
    if opened & set(inherited):
        terms = {k: v for k, v in {**inherited, **chosen}.items() if k not in opened}
        return {"terms": terms, "inherits": False}
    return {"terms": {k: v for k, v in chosen.items() if inherited.get(k) != v}}


def candidate(state: State, proposal: dict[str, Any]) -> dict[str, Any]:
    """The talks' data with ``proposal`` added (or replacing the text of the same id)."""
    data = copy.deepcopy(state.data)
    others = [p for p in data["proposals"] if p.get("id") != proposal.get("id")]
    data["proposals"] = [*others, proposal]
    return data


def check_draft(state: State, viewer: Viewer, proposal: dict[str, Any], errors: Errors) -> Scenario | None:
    """The scenario with the draft in it, or None with the problems beside their fields. A party is told
    only of problems in its own draft (any other problem is reported without its text)."""
    try:
        return build_scenario(candidate(state, proposal))
    except InputError as exc:
        mine = [p for p in exc.problems if len(p.path) >= 2 and p.path[0] == "proposals"]
        if viewer.role != Role.mediator and len(mine) < len(exc.problems):
            errors.general.append("the draft conflicts with the talks")
        errors.absorb(InputError(mine if viewer.role != Role.mediator else exc.problems), draft_field)
        return None


def draft_field(path: tuple[Any, ...]) -> str | None:
    """The drafting form's field for a problem's path (``proposals[n].terms.rafah`` -> ``term.rafah``)."""
    parts = list(path)
    if "terms" in parts and parts.index("terms") + 1 < len(parts):
        return f"term.{parts[parts.index('terms') + 1]}"
    if parts[:1] == ["proposal"]:
        parts = parts[1:]
    return forms.problem_field(tuple(parts[2:] if parts[:1] == ["proposals"] else parts), FIELD_OF)


def preview(scenario: Scenario, viewer: Viewer, proposal_id: str) -> dict[str, Any]:
    """What the draft changes against its parent, the package rules it breaks, and the standings (with the
    red lines crossed) the viewer may see."""
    c = compile_scenario(scenario)
    proposal = scenario.proposal(proposal_id)
    terms = scenario.terms_of(proposal_id)
    outcome = c.encode(terms)
    seen = [p for p in c.parties if viewer.may_see_party(p)]
    parent = scenario.proposal(proposal.parent) if proposal.parent else None
    changes = [change_json(ch) for ch in diff(scenario, parent, proposal, c)] if parent else []
    for ch in changes:
        ch["effect"] = {p: v for p, v in ch["effect"].items() if p in seen}
    found = {st.party: standing_json(st) for st in standings(c, outcome)} if c.parties else {}
    return {
        "parent": parent.title if parent else None,
        "changes": changes,
        "rules": [rule_json(b) for b in rule_breaches(c, outcome)],
        "standing": {p: found[p] for p in seen if p in found},
        "terms_text": {i.id: i.label(terms[i.id]) if i.id in terms else "(open)" for i in scenario.issues},
        "numeric": {i.id for i in scenario.issues if i.kind is IssueKind.numeric},
    }
