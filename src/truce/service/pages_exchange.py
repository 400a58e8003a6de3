"""The exchange page: the plan and the ledger with dates beside day numbers, charts readable without colour,
and a form the mediator records a release with (a new row of the release log, a new version of it)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import weakref
from typing import Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.errors import InputError
from truce.model.checks import dated_after, today_anywhere
from truce.model.exchange import Agreement
from truce.report.exchange import exposure_figure, gantt
from truce.report.html import figure_json
from truce.service import views
from truce.service.auth import ALL, Role, Viewer, access, current_viewer, store_dep
from truce.service.cache import LRU
from truce.service.pages import HTML, render
from truce.service.schemas import LINE
from truce.service.words import day_date
from truce.store.repo import Store

router = APIRouter()
FIELDS = ("date", "day", "side", "category", "count", "note")
DEFAULT_HEADER = ["day", "side", "category", "count", "note"]
WHOLE = re.compile("[0-9]{1,7}")  # ASCII digits only: "²" is a digit to str.isdigit, and no number to int


@router.get("/talks/{talks_id}/exchange", **access(*ALL), **HTML)
def exchange_page(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    return exchange_answer(store, talks_id, viewer, {}, {}, 200)


def exchange_answer(
    store: Store, talks_id: str, viewer: Viewer, errors: dict[str, str], values: dict[str, str], status: int
) -> HTMLResponse:
    """The exchange page; after a refused release, with each problem beside its field and the input kept."""
    x = views.exchange_view(store, talks_id)
    a = x.agreement
    figure, exposure = figures_of(store).get((talks_id, x.version), lambda: charts(x))
    return render(
        "exchange.html",
        viewer,
        status=status,
        x=x,
        figure=figure,
        exposure=exposure,
        date_of=lambda day: day_date(a.day_one, day),
        side_names={s.id: s.name for s in a.sides},
        category_names={c.id: c.name or c.id for s in a.sides for c in s.categories},
        # a commitment is named by what it commits a side to, as the agreement says it, not by its id
        commitment_names={**{c.id: c.text for c in a.commitments}, **{r.id: r.text for r in a.recurring}},
        categories=[(s.id, s.name, [(c.id, c.name or c.id) for c in s.categories]) for s in a.sides],
        errors=errors,
        values=values,
    )


CHARTS_KEPT = 16
_figures: weakref.WeakKeyDictionary[Store, LRU[tuple[str, int], tuple[str, str | None]]] = weakref.WeakKeyDictionary()
_figures_lock = threading.Lock()


def figures_of(store: Store) -> LRU[tuple[str, int], tuple[str, str | None]]:
    """The exchange charts of a store, as JSON, by (talks, version of the agreement and log): drawing them
    costs more than the rest of the page, and they change only with a new version."""
    with _figures_lock:
        found = _figures.get(store)
        if found is None:
            found = _figures[store] = LRU(CHARTS_KEPT)
        return found


def charts(x: views.Exchange) -> tuple[str, str | None]:
    """The plan's Gantt chart and the ledger's exposure chart (None without a release log), as JSON."""
    a, plan = x.agreement, x.plan
    merged: dict[tuple[int, str, str], int] = {}
    for d in plan.days:
        for r in d.releases:
            merged[d.day, r.side, r.category] = merged.get((d.day, r.side, r.category), 0) + r.count
    deadline = {c.id: c.by_day for c in a.commitments}
    spans = [(d.day, max(d.day, deadline.get(c) or d.day), c) for d in plan.days for c in d.commitments]
    figure = gantt(a, [(d, s, c, n) for (d, s, c), n in merged.items()], spans)
    exposure = figure_json(exposure_figure(a, x.ledger)) if x.ledger is not None else None
    return figure_json(figure), exposure


def _day(a: Agreement, date: str, day: str, errors: dict[str, str]) -> int | None:
    """The agreement's day number of a release, from its date (or a day number when there is no day one)."""
    if date.strip():
        try:
            when = dt.date.fromisoformat(date.strip())
        except ValueError:
            errors["date"] = "give the date as YYYY-MM-DD"
            return None
        if a.day_one is None:
            errors["date"] = "this agreement has no day one: give the day number instead"
            return None
        number = (when - a.day_one).days + 1
        if number < 1:
            errors["date"] = f"before day 1 ({a.day_one.isoformat()})"
            return None
        if number > a.horizon:  # a date years away is a typing slip, not a release of this agreement
            errors["date"] = f"after the agreement's last day, {a.day_label(a.horizon)}"
            return None
        return _happened(a, number, errors)
    if day.strip():
        if not WHOLE.fullmatch(day.strip()) or not 1 <= int(day) <= a.horizon:
            errors["day"] = f"give a day number from 1 to {a.horizon}, the agreement's last day"
            return None
        return _happened(a, int(day), errors)
    errors["date"] = "give the date of the release"
    return None


def _happened(a: Agreement, number: int, errors: dict[str, str]) -> int | None:
    """Day ``number``, unless its date is after today: the ledger records what happened, and a release is
    recorded once it is made (a day ahead is the plan's, never the ledger's). Told beside the date, the one
    field the form has when the agreement dates its days."""
    if a.day_one is None:
        return number  # no date to tell: the day stands as given
    late = dated_after(
        a.day_one + dt.timedelta(days=number - 1), today_anywhere(), "a release is recorded once made", ()
    )
    if late is None:
        return number
    errors["date"] = f"day {number}, {late.message}"
    return None


def release_row(a: Agreement, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The release log row a form asks for, and the problems with it by field (empty when it is good)."""
    errors: dict[str, str] = {}
    number = _day(a, values["date"], values["day"], errors)
    owner = a.category_side()
    sides = {s.id for s in a.sides}
    if values["side"] not in sides:
        errors["side"] = "choose one of the sides"
    if values["category"] not in owner:
        errors["category"] = "choose one of the categories"
    elif values["side"] in sides and owner[values["category"]] != values["side"]:
        errors["category"] = "this category is held by the other side"
    count = values["count"].strip()
    if not WHOLE.fullmatch(count) or not 1 <= int(count) <= 100_000:
        errors["count"] = "give a whole number of people, at least 1"
    row = {"day": str(number), "side": values["side"], "category": values["category"], "count": count}
    return {**row, "note": values["note"].strip()}, errors


def append_row(log: str, row: dict[str, str]) -> str:
    """The release log with ``row`` added under its header (comments and earlier rows kept as they are).

    A column the row fills and the header lacks (a log of ``day,side,category,count`` and a note) is added
    at the header's end, so nothing typed is dropped; earlier rows, shorter than the header, read as before.
    """
    lines = log.splitlines()
    at = next((n for n, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if at is None:
        header = DEFAULT_HEADER
        writer.writerow(header)
    else:
        header = next(csv.reader([lines[at]]))
        missing = [c for c in DEFAULT_HEADER if row.get(c) and c not in {h.strip() for h in header}]
        if missing:
            lines[at] += "," + ",".join(missing)
            header = [*header, *missing]
            log = "\n".join(lines)
    writer.writerow([row.get(column.strip(), "") for column in header])
    text = log if not log or log.endswith("\n") else log + "\n"
    return text + out.getvalue()


@router.post("/talks/{talks_id}/exchange/releases", **access(Role.mediator), **HTML)
def record_release(
    talks_id: str,
    version: int = Form(..., ge=0, le=1_000_000),
    date: str = Form("", max_length=20),
    day: str = Form("", max_length=10),
    side: str = Form(..., max_length=80, pattern=LINE),
    category: str = Form(..., max_length=80, pattern=LINE),
    count: str = Form(..., max_length=10),
    note: str = Form("", max_length=500, pattern=LINE),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Record a release: a new row of the release log, saved as a new version; the ledger follows."""
    values = {"date": date, "day": day, "side": side, "category": category, "count": count, "note": note}
    found = store.exchange(talks_id)
    x = views.exchange_view(store, talks_id)
    assert found is not None  # exchange_view found it
    row, errors = release_row(x.agreement, values)
    if not errors:
        log = append_row(found[2], row)
        try:
            views.prepare_exchange(store, found[1], log)
        except InputError as exc:
            errors["release"] = "; ".join(p.message for p in exc.problems)
        else:
            store.put_exchange(talks_id, found[1], log, version, viewer.label, _no_check)
            return RedirectResponse(f"/talks/{talks_id}/exchange#ledger-h", status_code=303)
    return exchange_answer(store, talks_id, viewer, errors, values, 422)


def _no_check(_agreement: dict[str, Any], _log: str) -> None:
    """Checked before the write, outside its transaction (as the API does)."""
