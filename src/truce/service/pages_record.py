"""The mediator's page for drafting the record from a news report (``/talks/{id}/record/draft``).

A report (pasted or uploaded) is drafted against the talks as they stand, and the entries are shown with the
words they came from. The ticked ones are either added to a copy of the scenario that the mediator downloads,
or applied to the talks' public record (meetings, rounds, statements, series, sources and the sources of
issues) as one new version of it, made from the version the draft was shown against (a stale form gets 409)
and written to the audit log. Citing a report on a proposal would make a new version of the text, so proposal
entries are only downloaded. The report travels in the form, so each answer drafts it again (the same report
against the same talks gives the same entries): nothing is kept between requests. Only the mediator sees the
page: the file downloaded holds every party's preferences, as the mediator's other pages do.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.analysis.drafting import MAX_ENTRIES, MAX_REPORT_CHARS, Draft, draft_json, draft_record, edits_for
from truce.errors import InputError, Problem
from truce.io.documents import decode_text
from truce.io.scenario_edit import edit_scenario
from truce.service import views
from truce.service.auth import Role, Viewer, access, current_viewer, store_dep
from truce.service.pages import HTML, render
from truce.store.repo import Store

router = APIRouter()
MAX_UPLOAD_BYTES = 512 * 1024
DATE = r"^(\d{4}-\d{2}-\d{2})?$"
DOWNLOAD: dict[str, Any] = {
    "response_class": Response,
    "responses": {
        200: {"content": {"application/json": {"schema": {"type": "object"}}}, "description": "the scenario file"},
        **{k: v for k, v in HTML["responses"].items() if k in (401, 403, 404, 422)},
    },
}


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError([Problem(f"date: {text!r} is not a date (YYYY-MM-DD)", ("date",))]) from None


async def _report(pasted: str, upload: UploadFile | None) -> str:
    """The report: the uploaded file when one is given, else the pasted text."""
    if upload is not None and upload.filename:
        raw = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise InputError([Problem(f"upload: the file is over {MAX_UPLOAD_BYTES:,} bytes", ("upload",))])
        return decode_text(raw, "upload")
    if not pasted.strip():
        raise InputError([Problem("report: paste a report or upload one (plain text)", ("report",))])
    return pasted


def _draft(store: Store, talks_id: str, report: str, date: str, source: str) -> tuple[views.State, Draft]:
    state = views.load(store, talks_id)
    return state, draft_record(state.scenario, report, _date(date), source or None)


@router.get("/talks/{talks_id}/record/draft", **access(Role.mediator), **HTML)
def record_draft_form(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> HTMLResponse:
    state = views.load(store, talks_id)
    return render("record_draft.html", viewer, draft=None, report="", date="", source="",
                  sources=sorted(state.scenario.sources), version=0)  # fmt: skip


@router.post("/talks/{talks_id}/record/draft", **access(Role.mediator), **HTML)
async def record_draft_page(
    talks_id: str,
    report: str = Form("", max_length=MAX_REPORT_CHARS),
    upload: UploadFile | None = File(None),
    date: str = Form("", pattern=DATE),
    source: str = Form("", max_length=80),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> HTMLResponse:
    text = await _report(report, upload)  # a coroutine only to read the upload: the rest waits on a worker thread
    return await run_in_threadpool(_draft_page, store, talks_id, viewer, text, date, source)


def _draft_page(store: Store, talks_id: str, viewer: Viewer, text: str, date: str, source: str) -> HTMLResponse:
    state, draft = _draft(store, talks_id, text, date, source)
    return render("record_draft.html", viewer, draft=draft_json(draft, state.scenario.id), report=text,
                  date=date, source=source, sources=sorted(state.scenario.sources),
                  version=store.frame_version(talks_id), max_entries=MAX_ENTRIES)  # fmt: skip


@router.post("/talks/{talks_id}/record/draft/scenario", **access(Role.mediator), **DOWNLOAD)
def record_draft_download(
    talks_id: str,
    report: str = Form(..., min_length=1, max_length=MAX_REPORT_CHARS),
    date: str = Form("", pattern=DATE),
    source: str = Form("", max_length=80),
    accept: list[str] = Form(default=[], max_length=500),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """The talks' scenario with the ticked entries, as a JSON scenario file to download (nothing is stored)."""
    if not accept:
        raise InputError([Problem("accept: tick at least one entry", ("accept",))])
    state, draft = _draft(store, talks_id, report, date, source)
    edits = edits_for(draft, state.scenario, accept)
    edited = edit_scenario(json.dumps(state.data, ensure_ascii=False), f"{talks_id}.json", edits, as_json=True)
    name = f"{talks_id}-with-report-{draft.date.isoformat()}.json"
    return Response(
        edited.text,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.post("/talks/{talks_id}/record/draft/apply", **access(Role.mediator), **HTML)
def record_draft_apply(
    talks_id: str,
    report: str = Form(..., min_length=1, max_length=MAX_REPORT_CHARS),
    date: str = Form("", pattern=DATE),
    source: str = Form("", max_length=80),
    version: int = Form(..., ge=0, le=1_000_000),
    accept: list[str] = Form(default=[], max_length=500),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Add the ticked entries to the talks' public record, as one new version of it."""
    if not accept:
        raise InputError([Problem("accept: tick at least one entry", ("accept",))])
    state, draft = _draft(store, talks_id, report, date, source)
    edits = edits_for(draft, state.scenario, accept)
    texts = [e.target for e in edits if e.section == "proposals"]
    if texts:
        raise InputError([Problem(
            f"accept: citing the report on a proposal ({', '.join(map(str, texts))}) makes a new version of the "
            "text: untick it, or download the file", ("accept",))])  # fmt: skip
    edited = edit_scenario(json.dumps(state.data, ensure_ascii=False), f"{talks_id}.json", edits, as_json=True)
    frame = {k: v for k, v in json.loads(edited.text).items() if k not in ("proposals", "preferences")}
    store.put_frame(talks_id, frame, version, viewer.label, views.checker(viewer, lambda _p: True))
    return RedirectResponse(f"/talks/{talks_id}", status_code=303)
