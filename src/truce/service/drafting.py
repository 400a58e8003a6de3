"""Drafting a proposal in a form: one control per issue, inherited terms shown and overridable, and a preview
of what the draft would change before it is saved.

The same form corrects a recorded text (a mediator's fix of a wrong term, date or title): it opens on the text
as it stands, its own terms as its own and its inherited ones marked as inherited, previews the change against
the text as it stands, and saves a new version of the same proposal.

The preview is worked out on the talks as they stand with the draft added, and filtered by the viewer as every
view is: a party sees its own standing only, and what a change is worth to the other side never reaches it.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from truce.analysis.diff import Change, diff
from truce.analysis.overview import change_json, standing_json
from truce.analysis.rules import rule_breaches, rule_json
from truce.analysis.standing import standings
from truce.errors import InputError
from truce.model.checks import build_scenario
from truce.model.compiled import Compiled, compile_scenario
from truce.model.scenario import Issue, IssueKind, Proposal, Scenario, Status
from truce.service import forms
from truce.service.auth import Role, Viewer
from truce.service.forms import OPEN, Errors, Fields
from truce.service.text_rules import new_text_dated, what_changed
from truce.service.views import State, citable_sources

META = ("id", "title", "date", "venue", "status", "note", "parent", "tabled_by", "sources")
# the proposal's fields a scenario problem can name, and the form field each was typed in
FIELD_OF = {name: name for name in META} | {"inherits": "parent"}
ALONE = "0"  # the ``inherits`` field of a text that has a parent but does not inherit its terms
BEFORE = "(as it stands)"  # the id a corrected text's current version takes beside the correction (never a real id)


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


def inherits_from(fields: Fields) -> str | None:
    """The text whose terms the form's text inherits: its parent, unless it stands alone."""
    parent = fields.get("parent").strip() or None
    return None if fields.get("inherits") == ALONE else parent


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


def prefill_correction(scenario: Scenario, proposal_id: str, version: int) -> Fields:
    """The form's first values for correcting a text: the text as it stands (version ``version``). Only its own
    terms fill the controls; what it inherits stays marked as its parent's, as in any draft."""
    p = scenario.proposal(proposal_id)
    values: dict[str, list[str]] = {
        "edit": [p.id],
        "version": [str(version)],
        "id": [p.id],
        "title": [p.title],
        "date": [p.date.isoformat()],
        "venue": [p.venue or ""],
        "status": [p.status.value],
        "note": [p.note or ""],
        "parent": [p.parent or ""],
        "tabled_by": list(p.tabled_by),
        "sources": [", ".join(p.sources)],
    }
    if p.parent is not None and not p.inherits:
        values["inherits"] = [ALONE]
    for issue_id, term in p.terms.items():
        values[f"term.{issue_id}"] = [str(term)]
    return Fields(values)


def carried(current: dict[str, Any], corrected: dict[str, Any]) -> dict[str, Any]:
    """The corrected text with what the form has no control for (responses, readings) kept as they stand,
    except the responses when the correction changes what the text says: each answered the text as it stood
    and stays with that version (:func:`truce.service.text_rules.answered_change`)."""
    kept = {k: v for k, v in current.items() if k not in META and k not in ("terms", "inherits")}
    out = {**kept, **corrected}
    if what_changed(current, out):
        out.pop("responses", None)
    if "tabled_by" in out and set(out["tabled_by"]) == set(current.get("tabled_by", [])):
        out["tabled_by"] = current["tabled_by"]  # the boxes come in the parties' order, not in the text's
    if "status" not in current and out.get("status") == Status.tabled.value:
        del out["status"]  # the default, left unstated as the text had it: a correction changes only what it says
    return out


def read_draft(
    state: State, viewer: Viewer, fields: Fields, stated: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], Errors]:
    """The proposal a drafting form describes, and every problem with it, by field. The terms in ``stated``
    (those a corrected text states itself) stay its own even where its parent holds the same."""
    s = state.scenario
    errors = Errors.of(fields)
    data: dict[str, Any] = {
        "id": forms.ident(fields, "id", errors),
        "title": forms.line(fields, "title", errors, required=True),
        "date": forms.date(fields, "date", errors),
        "tabled_by": forms.id_list(fields, "tabled_by", errors, [p.id for p in s.parties]),
        "venue": forms.text(fields, "venue", errors),
        "note": forms.text(fields, "note", errors, most=forms.MAX_VALUE),
        # the sources the drafter sees, as the write checks them: another is unknown to it as one never recorded
        "sources": forms.id_list(fields, "sources", errors, citable_sources(state.data, viewer)),
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
    alone = parent is not None and fields.get("inherits") == ALONE
    chosen, opened = _terms(s.issues, fields, errors)
    data.update(_own_terms({} if alone else _inherited(s, parent), chosen, opened, stated))
    if alone:
        data["inherits"] = False
    return {k: v for k, v in data.items() if v not in (None, [], "", {})}, errors


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


def _own_terms(
    inherited: dict[str, Any], chosen: dict[str, Any], opened: set[str], stated: frozenset[str]
) -> dict[str, Any]:
    """The terms the text states itself. Opening an issue its parent settles means standing alone: the text
    then restates every inherited term it keeps (``inherits: false``)."""
    if opened & set(inherited):
        terms = {k: v for k, v in {**inherited, **chosen}.items() if k not in opened}
        return {"terms": terms, "inherits": False}
    return {"terms": {k: v for k, v in chosen.items() if k in stated or inherited.get(k) != v}}


def candidate(state: State, proposal: dict[str, Any]) -> dict[str, Any]:
    """The talks' data with ``proposal`` added (or replacing the text of the same id)."""
    data = copy.deepcopy(state.data)
    others = [p for p in data["proposals"] if p.get("id") != proposal.get("id")]
    data["proposals"] = [*others, proposal]
    return data


def check_draft(state: State, viewer: Viewer, proposal: dict[str, Any], errors: Errors) -> Scenario | None:
    """The scenario with the draft in it, or None with the problems beside their fields. A party is told
    only of problems in its own draft (any other problem is reported without its text)."""
    current = next((p for p in state.data["proposals"] if p.get("id") == proposal.get("id")), None)
    try:
        new_text_dated(proposal, current)  # shown at the preview, not only when the save is refused
        return build_scenario(candidate(state, proposal))
    except InputError as exc:
        mine = [p for p in exc.problems if len(p.path) >= 2 and p.path[0] in ("proposals", "proposal")]
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


def preview(scenario: Scenario, viewer: Viewer, proposal_id: str, before: Scenario | None = None) -> dict[str, Any]:
    """What the draft changes against its parent (or, for a correction, against the text as it stands in
    ``before``), the package rules it breaks, and the standings (with the red lines crossed) the viewer may see."""
    c = compile_scenario(scenario)
    terms = scenario.terms_of(proposal_id)
    outcome = c.encode(terms)
    seen = [p for p in c.parties if viewer.may_see_party(p)]
    against, found_changes = _changes(scenario, c, scenario.proposal(proposal_id), before)
    changes = [change_json(ch) for ch in found_changes]
    for ch in changes:
        ch["effect"] = {p: v for p, v in ch["effect"].items() if p in seen}
    found = {st.party: standing_json(st) for st in standings(c, outcome)} if c.parties else {}
    return {
        "parent": against,
        "correction": before is not None,
        "heirs": [] if before is None else heirs(before, scenario, proposal_id),
        "changes": changes,
        "rules": [rule_json(b) for b in rule_breaches(c, outcome)],
        "standing": {p: found[p] for p in seen if p in found},
        "terms_text": {i.id: i.label(terms[i.id]) if i.id in terms else "(open)" for i in scenario.issues},
        "numeric": {i.id for i in scenario.issues if i.kind is IssueKind.numeric},
    }


def heirs(before: Scenario, after: Scenario, proposal_id: str) -> list[tuple[str, str]]:
    """The texts (id, title) whose terms change with a correction of ``proposal_id``: those amending it, at any
    remove, that inherit a term the correction changes."""
    return [
        (p.id, p.title)
        for p in after.proposals
        if p.id != proposal_id and before.terms_of(p.id) != after.terms_of(p.id)
    ]


def _changes(
    scenario: Scenario, c: Compiled, proposal: Proposal, before: Scenario | None
) -> tuple[str | None, list[Change]]:
    """What the text's terms (with those it inherits) change, and against what: the text as it stands in
    ``before`` (set beside the correction under an id no text can have), else its parent."""
    if before is not None:
        old = before.proposal(proposal.id).model_copy(update={"id": BEFORE})
        both = scenario.model_copy(update={"proposals": (*scenario.proposals, old)})
        return "the text as it stands", diff(both, old, proposal, c)
    if proposal.parent is None:
        return None, []
    parent = scenario.proposal(proposal.parent)
    return parent.title, diff(scenario, parent, proposal, c)
