"""Recording the talks in forms: rounds, events and sources (the public record, kept by the mediators) and a
party's response to a text (each side records only its own).

Each reader turns a form into the data a scenario file would hold and names every problem by its field; the
writers check the whole candidate scenario under the talks' lock, as every write does.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from truce.errors import InputError, Problem
from truce.model.checks import dated_after, today_anywhere
from truce.model.scenario import Scenario, Stance, Status
from truce.service import forms, views
from truce.service.auth import Role, Viewer, http_error
from truce.service.forms import Errors, Fields
from truce.service.text_rules import new_answers_dated
from truce.store.repo import Store

CONFIDENCE = ("confirmed", "reported", "single", "unconfirmed")
KINDS = ("round", "event", "source")


def read_round(fields: Fields, s: Scenario, errors: Errors) -> dict[str, Any]:
    parties = [p.id for p in s.parties]
    data = {
        "id": forms.ident(fields, "id", errors),
        "title": forms.line(fields, "title", errors, required=True),
        "start": forms.date(fields, "start", errors),
        "end": forms.date(fields, "end", errors, required=False),
        "venue": forms.text(fields, "venue", errors),
        "participants": [p for p in fields.all("participants") if p in parties],
        "proposals": forms.id_list(fields, "proposals", errors, [p.id for p in s.proposals]),
        "summary": forms.text(fields, "summary", errors, most=forms.MAX_VALUE),
        "sources": forms.id_list(fields, "sources", errors, s.sources),
    }
    if data["id"] in {r.id for r in s.rounds}:
        errors.add("id", "a round with this id exists")
    start, end = data["start"], data["end"]
    if isinstance(start, str) and isinstance(end, str) and end < start:
        errors.add("end", "ends before it starts")
    return _present(data)


def read_event(fields: Fields, s: Scenario, errors: Errors) -> dict[str, Any]:
    parties = [p.id for p in s.parties]
    data = {
        "date": forms.date(fields, "date", errors),
        "title": forms.line(fields, "title", errors, required=True),
        "parties": [p for p in fields.all("parties") if p in parties],
        "summary": forms.text(fields, "summary", errors, most=forms.MAX_VALUE),
        "sources": forms.id_list(fields, "sources", errors, s.sources),
    }
    return _present(data)


def read_source(fields: Fields, s: Scenario, errors: Errors) -> tuple[str | None, dict[str, Any]]:
    source_id = forms.ident(fields, "id", errors)
    if source_id in s.sources:
        errors.add("id", "a source with this id exists")
    url = forms.text(fields, "url", errors, most=2000)
    if url is not None and not url.startswith(("https://", "http://")):
        errors.add("url", "a web address starts with https:// or http://")
    confidence = fields.get("confidence").strip() or None
    if confidence is not None and confidence not in CONFIDENCE:
        errors.add("confidence", f"one of {', '.join(CONFIDENCE)}")
    published = forms.date(fields, "date", errors, required=False)
    if isinstance(published, str):
        late = dated_after(dt.date.fromisoformat(published), today_anywhere(), "a source is dated when published", ())
        if late is not None:
            errors.add("date", late.message)
    data = {
        "title": forms.line(fields, "title", errors, required=True),
        "url": url,
        "date": published,
        "publisher": forms.text(fields, "publisher", errors),
        "confidence": confidence,
    }
    return source_id, _present(data)


def _present(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, [], "")}


READERS: dict[str, Callable[[Fields, Scenario, Errors], Any]] = {
    "round": read_round,
    "event": read_event,
    "source": read_source,
}


def frame_with(state: views.State, kind: str, item: Any) -> dict[str, Any]:
    """The talks' public frame with one round, event or source added."""
    frame = {k: copy.deepcopy(v) for k, v in state.data.items() if k not in ("proposals", "preferences")}
    if kind == "source":
        source_id, data = item
        frame["sources"] = {**frame.get("sources", {}), source_id: data}
    else:
        key = "rounds" if kind == "round" else "events"
        frame[key] = [*frame.get(key, []), item]
    return frame


def record_item(store: Store, viewer: Viewer, state: views.State, kind: str, item: Any, version: int) -> int:
    """Write the frame with the new item, made from frame version ``version`` (Conflict when stale)."""
    frame = frame_with(state, kind, item)
    return store.put_frame(state.scenario.id, frame, version, viewer.label, views.checker(viewer, lambda _p: True))


ITEM_FIELDS = {
    k: k for k in ("id", "title", "start", "end", "venue", "participants", "proposals", "summary", "date", "parties")
} | {k: k for k in ("sources", "url", "publisher", "confidence")}


def item_field(path: tuple[Any, ...]) -> str | None:
    """The recording form's field for a problem's path (``rounds[3].participants[0]`` -> ``participants``)."""
    inner = path[2:] if path[:1] in (("rounds",), ("events",), ("sources",)) else path
    return forms.problem_field(tuple(inner), ITEM_FIELDS)


# ----------------------------------------------------------------------------------------------
# a party's response to a text


def read_response(
    fields: Fields, viewer: Viewer, s: Scenario, errors: Errors, sources: Collection[str]
) -> dict[str, Any]:
    """A response as the form gives it. A party answers for its own side only (another side sent is refused
    when the response is recorded, never taken as its own); a mediator records any side's. It may cite
    ``sources`` (those the writer sees: another is unknown to it, as one never recorded is)."""
    sides = [p.id for p in s.parties if p.role.value == "party"]
    party = fields.get("party").strip() or (viewer.party if viewer.role == Role.party else "")
    if party not in sides:
        errors.add("party", "choose the side whose response this is")
    stance = fields.get("stance")
    if stance not in {x.value for x in Stance}:
        errors.add("stance", "choose accepted, rejected, conditional or no response")
    data = {
        "party": party,
        "stance": stance,
        "date": forms.date(fields, "date", errors),
        "note": forms.text(fields, "note", errors, most=forms.MAX_VALUE),
        "sources": forms.id_list(fields, "sources", errors, sources),
    }
    return _present(data)


def record_response(
    store: Store, viewer: Viewer, state: views.State, proposal_id: str, response: dict[str, Any], version: int
) -> int:
    """A new version of the text with ``response`` added (a later response of a side overrides its earlier
    one). Nothing else of the text changes, so any party may answer any text, but only in its own name."""
    if viewer.role == Role.party and response.get("party") != viewer.party:
        raise http_error(403, "a party records only its own response to a text")
    current = store.proposal_history(state.scenario.id, proposal_id)[-1]
    data = copy.deepcopy(current.data)
    data["responses"] = [*data.get("responses", []), response]
    note = None
    unsupported = views.unsupported_status(state.data, data)
    if unsupported is not None:  # a side may always answer: the status follows the answers, never the reverse
        was = data.get("status")
        data["status"] = Status.rejected.value if response.get("stance") == Stance.rejected else Status.tabled.value
        note = f"status {was!r} -> {data['status']!r}: {unsupported.split('; ', 1)[-1]}"

    def checked(scenario: dict[str, Any], before: dict[str, Any] | None) -> None:
        answers = ("responses", "status")  # what an answer writes; anything else changed means another wrote
        if before is not None and {k: v for k, v in before.items() if k not in answers} != {
            k: v for k, v in data.items() if k not in answers
        }:
            raise InputError([Problem("the text changed meanwhile: reload and answer again", ("version",))])
        new_answers_dated(data, before)
        # the sources the writer saw before this answer: another it cites is unknown to it, as one never recorded
        as_it_stood = [p for p in scenario["proposals"] if p.get("id") != proposal_id] + ([before] if before else [])
        hidden = views.hidden_sources({**scenario, "proposals": as_it_stood}, viewer)
        views.checker(viewer, lambda p: len(p) >= 2 and p[0] == "proposals", hidden)(scenario)
        unsupported = views.unsupported_status(scenario, data)
        if unsupported is not None:
            raise InputError([Problem(unsupported, ("stance",))])

    return store.put_proposal(state.scenario.id, data, version, viewer.label, checked, note)
