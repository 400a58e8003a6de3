"""Who may write what in a text, and what the answers recorded to a text hold it to.

Any side may answer any text in its own name: its response (``responses``, by ``party``) and its reading
(``readings``, by ``by``). A side tables and edits texts in its own name alone. An answer is to the text as it
stood: once a text is answered, what it says (``terms``, ``parent``, ``inherits``) changes only with a reason
given, and the answers given before do not pass to the changed text. A text amending another inherits its terms,
so a change to the parent that changes what an answered heir says is never silent either: a mediator gives the
reason, and a party, whose change would put words under the other side's answer, tables a new text instead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from truce.errors import InputError, Problem
from truce.model.checks import build_scenario, dated_after, today_anywhere
from truce.model.scenario import Proposal, Response, Scenario
from truce.service import views
from truce.service.auth import Role, Viewer, http_error

# what another side's response answered, with each field's value when it is left out
WHAT_A_TEXT_SAYS: dict[str, Any] = {"terms": {}, "parent": None, "inherits": True}


def what_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields saying what a text says (of :data:`WHAT_A_TEXT_SAYS`) that differ between two versions."""
    return [f for f, unset in WHAT_A_TEXT_SAYS.items() if before.get(f, unset) != after.get(f, unset)]


def said(proposal: dict[str, Any]) -> dict[str, Any] | None:
    """A text as its model reads it, defaults left out, so that two ways of writing the same text compare
    equal (``"inherits": true`` or nothing); None for what is not a text."""
    try:
        return Proposal.model_validate(proposal).model_dump(mode="json", exclude_defaults=True)
    except ValueError:
        return None


def answered_change(data: dict[str, Any], current: dict[str, Any] | None, note: str | None) -> None:
    """Refuse a change to what an answered text says that gives no reason (422 on ``note``) or that carries
    a response recorded before it (422 on ``proposal.responses``): each answered the text as it stood, and
    stays with that version in the history; the sides answer the changed text anew."""
    before, after = said(current or {}), said(data)
    if before is None or after is None or not before.get("responses") or not what_changed(before, after):
        return  # a new text, one nobody answered, or not a text at all (the check of the talks says why)
    problems = []
    if not note:
        problems.append(Problem("a change to what an answered text says needs a note saying why", ("note",)))
    carried = [r for r in before["responses"] if r in after.get("responses", [])]
    if carried:
        who = ", ".join(_answer(r) for r in carried)
        message = (
            f"{who} answered the text as it stood, not as changed: leave these responses out (they stay with "
            "the earlier version in the history) and record the answers to the changed text"
        )
        problems.append(Problem(message, ("proposal", "responses")))
    if problems:
        raise InputError(problems)


def answered_heirs(
    viewer: Viewer, after: Scenario, scenario: dict[str, Any], current: dict[str, Any] | None, note: str | None
) -> None:
    """Refuse a change to a text that changes what answered texts amending it say (the terms they inherit):
    from a party, whose change would put terms under another side's answer it never saw (422 on the field
    changed: table a new text); from a mediator, without a note saying why (422 on ``note``). The answers stay:
    what the heirs themselves say was not edited, and a correction of the record is what a mediator's note
    explains. ``scenario``: the talks with the change, and ``after`` the same checked; ``current``: the text before
    it."""
    if current is None:
        return  # a new text: nothing amends it yet
    edited = next((p for p in scenario["proposals"] if p.get("id") == current["id"]), None)
    changed = [] if edited is None else what_changed(current, edited)
    if not changed:
        return  # a change of anything else leaves what the heirs inherit as it was
    as_it_stood = [current if p is edited else p for p in scenario["proposals"]]
    before = build_scenario({**scenario, "proposals": as_it_stood})
    answered = _heirs_answered(before, after, current["id"], viewer.party if viewer.role == Role.party else None)
    if not answered:
        return
    what = "; ".join(f"{title} ({pid}), answered by {who}" for pid, title, who in answered)
    said_now = f"this change also changes what the texts amending this one say, through the terms they inherit: {what}"
    if viewer.role == Role.party:
        message = f"{said_now}; they were answered as they stood: table the change as a new text instead"
        raise InputError([Problem(message, ("proposal", changed[0]))])
    if not note:
        message = f"{said_now}; a change to what answered texts say needs a note saying why"
        raise InputError([Problem(message, ("note",))])


def _heirs_answered(before: Scenario, after: Scenario, text: str, party: str | None) -> list[tuple[str, str, str]]:
    """The texts other than ``text`` whose terms differ between the talks ``before`` and ``after``, each with
    who answered it (those answered by another than ``party`` alone, when it is given)."""
    out = []
    for p in after.proposals:
        who = [r for r in p.responses if r.party != party]
        if p.id != text and who and before.terms_of(p.id) != after.terms_of(p.id):
            out.append((p.id, p.title, ", ".join(_response(r) for r in who)))
    return out


def _response(response: Response) -> str:
    return _answer(response.model_dump(mode="json"))


def own_name(viewer: Viewer, data: dict[str, Any]) -> None:
    """Refuse a text a party would table in any name but its own alone."""
    if data.get("tabled_by") != [viewer.party]:
        raise http_error(403, "a party tables texts in its own name alone (a joint text is recorded by a mediator)")


def party_write(viewer: Viewer, data: dict[str, Any], current: dict[str, Any] | None, scenario: dict[str, Any]) -> None:
    """Refuse what a party may not write: anything in another's name, or a change to what a text says once
    another side has answered it (the answer would then seem to be to terms it never saw). ``current``: the
    text as it stands (``None``: a new text); ``scenario``: the talks with the edit."""
    party_may_write(viewer, data, current, scenario)
    answered = [r for r in _others(current or {}, "responses", viewer) if isinstance(r, dict)]
    changed = what_changed(current or {}, data)
    if answered and changed:
        who = ", ".join(_answer(r) for r in answered)
        message = (
            f"{who} answered this text as it stands: what it says stays as answered; table the change as a new "
            f"text amending it (parent {data.get('id')!r})"
        )
        raise InputError([Problem(message, ("proposal", changed[0]))])


def party_may_write(
    viewer: Viewer, data: dict[str, Any], current: dict[str, Any] | None, scenario: dict[str, Any]
) -> None:
    """The 403s of :func:`party_write`: a party tables and edits texts in its own name alone, and on a text
    it did not table alone changes only its own answers."""
    if current is not None and current.get("tabled_by") != [viewer.party]:
        answers_only(viewer, data, current, scenario)
        return
    own_name(viewer, data)
    for field in ANSWERS:
        if _others(data, field, viewer) != _others(current or {}, field, viewer):
            raise http_error(403, f"a party records only its own {field[:-1]} of a text")


# a text's answers, each by the field naming whose it is: any side may give its own on any text
ANSWERS = {"responses": "party", "readings": "by"}
# what an answer may do to a text's status: take it down when the answers no longer support it
STATUS_AFTER_AN_ANSWER = ("tabled", "rejected")


def answers_only(viewer: Viewer, data: dict[str, Any], current: dict[str, Any], scenario: dict[str, Any]) -> None:
    """Refuse an edit of a text the party did not table alone that changes more than the party's own
    responses and readings. The status may follow them down, as the response form sets it, when they no
    longer support it (``agreed`` after a rejection); the text itself is its tablers' and the mediators'."""
    after, before = said(data), said(current)
    if after is None or before is None:
        return  # not a text at all: the check of the talks refuses it beside its field
    was, now = before.pop("status", "tabled"), after.pop("status", "tabled")
    for field in ANSWERS:
        before[field], after[field] = _others(before, field, viewer), _others(after, field, viewer)
    if before != after:
        raise http_error(
            403,
            "on a text it did not table alone, a party records only its own response and its own reading; "
            "the rest is changed by its tablers or a mediator (a joint text is recorded by a mediator)",
        )
    if now != was and not (
        now in STATUS_AFTER_AN_ANSWER and views.unsupported_status(scenario, {**data, "status": was}) is not None
    ):
        raise http_error(
            403, "a party changes the status of a text it did not table only as its own answer takes it down"
        )


def status_unsupported(scenario: dict[str, Any], data: dict[str, Any], current: dict[str, Any] | None) -> None:
    """Refuse a status the recorded responses do not support (422 on ``proposal.status``), unless the text
    stood with that same status already unsupported: one stored before the rule (``rejected`` above the
    acceptance that replaced the rejection) would otherwise refuse every edit until its status changed. An edit
    that sets such a status, or takes away what supported it, is refused."""
    unsupported = views.unsupported_status(scenario, data)
    if unsupported is None:
        return
    was = (current or {}).get("status", "tabled")
    if current is not None and was == data.get("status", "tabled") and views.unsupported_status(scenario, current):
        return  # the stored status, as it was: this edit neither set it nor took away what held it up
    raise InputError([Problem(unsupported, ("proposal", "status"))])


def new_answers_dated(data: dict[str, Any], current: dict[str, Any] | None, now: dt.datetime | None = None) -> None:
    """Refuse a response an edit adds (one the text as it stood lacks) dated after today, or before a response
    of the same side above it in the list: an answer is recorded once given, and a side's last response is the
    one that counts, so it cannot be older than the answer it replaces. Responses already recorded stand."""
    responses = data.get("responses")
    if not isinstance(responses, list):
        return  # not a text at all: the check of the talks says why
    before = (current or {}).get("responses") or []
    today = today_anywhere(now)
    latest: dict[str, dt.date] = {}
    problems = []
    for k, response in enumerate(responses):
        when = _date_of(response)
        party = response.get("party") if isinstance(response, dict) else None
        if when is None or not isinstance(party, str):
            continue  # undated, or not a response at all (the check of the talks says why)
        if response not in before:
            future = dated_after(
                when, today, "a response is recorded once it is given", ("proposal", "responses", k, "date")
            )
            if future is not None:
                problems.append(future)
            elif party in latest and when < latest[party]:
                message = (
                    f"dated {when}, before {party}'s response of {latest[party]} above it, which it would replace: "
                    "a side's last response is the one that counts"
                )
                problems.append(Problem(message, ("proposal", "responses", k, "date")))
        latest[party] = max(when, latest.get(party, when))
    if problems:
        raise InputError(problems)


def new_text_dated(data: dict[str, Any], current: dict[str, Any] | None, now: dt.datetime | None = None) -> None:
    """Refuse a text dated after today, when it is new or the edit gives it that date: a text is dated when it
    is tabled. A text already recorded with its date stands, whatever that date."""
    when = _date_of(data)
    if current is not None and _date_of(current) == when:
        return
    future = dated_after(when, today_anywhere(now), "a text is dated when it is tabled", ("proposal", "date"))
    if future is not None:
        raise InputError([future])


def _date_of(record: Any) -> dt.date | None:
    """A response's or a text's date (None: undated, or not a date, which the check of the talks refuses)."""
    if not isinstance(record, dict) or not isinstance(record.get("date"), str):
        return None
    try:
        return dt.date.fromisoformat(record["date"])
    except ValueError:
        return None


def _answer(response: dict[str, Any]) -> str:
    when = f", {response['date']}" if response.get("date") else ""
    return f"{response.get('party')} ({response.get('stance')}{when})"


def _others(proposal: dict[str, Any], field: str, viewer: Viewer) -> list[Any]:
    """The entries of a text's ``responses`` (by ``party``) or ``readings`` (by ``by``) not in the viewer's name."""
    entries = proposal.get(field, [])
    if not isinstance(entries, list):
        return [entries]
    return [e for e in entries if not (isinstance(e, dict) and e.get(ANSWERS[field]) == viewer.party)]
