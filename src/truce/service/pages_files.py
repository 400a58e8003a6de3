"""Files in and out: a scenario (YAML or JSON) or a GENIUS domain (a zip of its folder) uploaded to open new
talks, and the talks downloaded as a scenario file, as GENIUS XML and as the HTML brief.

An upload is read exactly as ``truce validate`` reads files, so its problems are the CLI's ``file:line:col``
ones, shown beside the form; a bad upload changes nothing. A good one is answered with a redirect (303) to the
files page with ``?opened=``, which says what was opened and can be reloaded without sending the file again
(Post/Redirect/Get); the new mediator's token reaches that page once (:mod:`truce.service.shown_once`). A
download holds what its viewer may see: the mediator's has every party's preferences, a party's only its own,
an observer's none.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truce.errors import InputError, Problem
from truce.io.documents import parse_document
from truce.io.scenario_files import scenario_from_document, scenario_to_data, scenario_to_text
from truce.model.checks import build_scenario
from truce.model.scenario import Scenario
from truce.service import views
from truce.service.auth import ALL, Role, Viewer, access, current_viewer, fitted, store_dep
from truce.service.pages import HTML, render
from truce.service.schemas import BoundsError, check_bounds
from truce.service.shown_once import shown_once_of
from truce.store.repo import NotFound, Store, new_token

router = APIRouter()
ZIP_FILES = 60  # a GENIUS domain is a domain file and a few profiles
ZIP_BYTES = 8 * 1024 * 1024  # unpacked, in all: a zip bomb stops here
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
NAME = r"^[\w.\-]{1,100}$"  # an uploaded file's name as kept (see upload_of)
_KINDS = {
    "application/yaml": "object",  # schemathesis reads YAML as data, as a client would
    "application/json": "object",
    "application/zip": "string",
    "text/html": "string",
}
_FILE = {"description": "the file", "content": {kind: {"schema": {"type": t}} for kind, t in _KINDS.items()}}
DOWNLOAD: dict[str, Any] = {"response_class": Response, "responses": {**HTML["responses"], 200: _FILE}}


@router.get("/talks/{talks_id}/files", **access(*ALL), **HTML)
def files_page(
    talks_id: str,
    opened: str | None = Query(None, max_length=80, description="talks you opened from a file: say what was opened"),
    file: str | None = Query(None, pattern=NAME, description="the name of the file they were opened from"),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> HTMLResponse:
    answer = opened_answer(store, viewer, opened, file) if opened is not None else None
    return render("forms/files.html", viewer, problems=None, opened=answer, genius=has_genius(store, talks_id, viewer))


def has_genius(store: Store, talks_id: str, viewer: Viewer) -> bool:
    """Whether there is a GENIUS file for this viewer: a profile is preferences, so not before it may see some."""
    if viewer.role not in (Role.mediator, Role.party):
        return False
    return bool(visible_scenario(views.load(store, talks_id), viewer).preferences)


def opened_answer(store: Store, viewer: Viewer, talks_id: str, file: str | None) -> dict[str, Any]:
    """What a file opened, read back from the database, so that the page says the same on every reload: the
    talks as imported, their version, the audit entries the import wrote, and the new mediator's token the
    first time only. Only the mediator who opened them is told (anyone else: 404, as for no such talks)."""
    entries = store.audit_entries(talks_id) if viewer.role == Role.mediator else []
    imported = next((e for e in entries if e.action == "import"), None)
    if imported is None or imported.actor != opener_label(viewer):
        raise NotFound(f"no talks {talks_id!r} opened from a file by you")
    talks = store.get_talks(talks_id)
    frame = json.loads(talks.frame)
    written = [e for e in entries if e.at == imported.at]  # one transaction: the talks, texts and preferences
    opener = next((p for p in store.people(talks_id) if p.name == opener_name(viewer)), None)
    return {
        "id": talks_id,
        "title": talks.title,
        "file": file,
        "at": imported.at,
        "parties": [p.get("name", p.get("id")) for p in frame.get("parties", [])],
        "issues": len(frame.get("issues", [])),
        "proposals": sum(e.action == "proposal" for e in written),
        "preferences": sum(e.action == "preferences" for e in written),
        "version": store.frame_version(talks_id),
        "entries": (written[0].seq, written[-1].seq),
        "person": opener.id if opener else None,
        "token": shown_once_of(store).take((viewer.person, talks_id)),
    }


async def upload_of(request: Request) -> tuple[str, bytes] | None:
    """The uploaded file's name (its last part only) and bytes, or None when none was sent."""
    form = await request.form(max_files=1, max_fields=10)
    found = form.get("file")
    try:
        if found is None or isinstance(found, str):
            return None
        name = PurePosixPath((found.filename or "upload").replace("\\", "/")).name[:100] or "upload"
        return re.sub(r"[^\w.\-]", "_", name), await found.read()
    finally:
        await form.close()  # the spooled files behind the upload


@router.post("/talks/{talks_id}/files", **access(Role.mediator), **HTML)
def upload(
    talks_id: str,
    sent: tuple[str, bytes] | None = Depends(upload_of),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """Open new talks from an uploaded scenario file or GENIUS zip, then redirect (303) to the page that says
    what was opened and shows a mediator's token for them, once. Nothing is stored unless the whole file is
    good; a bad one is answered here, with its problems beside the form."""
    try:
        if sent is None or not sent[1]:
            raise InputError([Problem("choose a file to upload", (), "file", 1, 1)])
        scenario = read_upload(*sent)
        token = new_token()
        opened = store.open_talks(scenario_to_data(scenario), opener_label(viewer), (opener_name(viewer), token))
    except InputError as exc:
        problems = [p.located() for p in exc.problems]
        genius = has_genius(store, talks_id, viewer)
        return render("forms/files.html", viewer, status=422, problems=problems, opened=None, genius=genius)
    shown_once_of(store).put((viewer.person, opened), token)
    query = urlencode({"opened": opened, "file": sent[0] if sent else "upload"})
    return RedirectResponse(f"/talks/{talks_id}/files?{query}", status_code=303)


def opener_label(viewer: Viewer) -> str:
    """Who opened talks from a file, as their audit log says: the mediator and the talks they did it from, so
    that the answer page is shown to that mediator alone (a namesake in other talks is somebody else)."""
    return viewer.label_in(f" in talks {viewer.talks_id}")


def opener_name(viewer: Viewer) -> str:
    """The name of the mediator the talks a file opened are given (the person's name, kept whole if it fits)."""
    return fitted(viewer.name, ")", "mediator (opened by ")


def read_upload(name: str, raw: bytes) -> Scenario:
    """A scenario from an uploaded file: YAML or JSON by its suffix, or a zip of a GENIUS domain folder; within
    the bounds the API keeps a scenario sent to it in (:func:`within_bounds`)."""
    suffix = Path(name).suffix.lower()
    if suffix in SCENARIO_SUFFIXES:
        doc = parse_document(raw, name, as_json=suffix == ".json")
        scenario = scenario_from_document(doc)
        within_bounds(scenario, doc.locate)
        return scenario
    if suffix == ".zip":
        scenario = read_zip(name, raw)
        within_bounds(scenario, lambda p: Problem(p.message, p.path, name, 1, 1))
        return scenario
    raise InputError([Problem(f"upload a scenario ({', '.join(SCENARIO_SUFFIXES)}) or a GENIUS zip", (), name, 1, 1)])


def within_bounds(scenario: Scenario, locate: Callable[[Problem], Problem]) -> None:
    """Refuse, located in the file, a scenario the API would refuse as the body of ``POST /api/talks``: the same
    talks are opened either way. The model itself takes what a file on disk may hold (a NUL in a title, a name on
    two lines); the service keeps none of it, and PostgreSQL cannot even store the NUL."""
    try:
        check_bounds(scenario_to_data(scenario), "scenario")
    except BoundsError as exc:
        raise InputError([locate(Problem(str(exc), exc.where[1:]))]) from None


def read_zip(name: str, raw: bytes) -> Scenario:
    """A GENIUS domain folder (or a scenario folder) packed as a zip, unpacked flat into a private folder
    named after the zip (the talks' id comes from it) and read as ``truce validate`` reads folders."""
    from truce.io.scenario_files import load_any

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise InputError([Problem("not a zip file", (), name, 1, 1)]) from None
    if len(members) > ZIP_FILES or sum(m.file_size for m in members) > ZIP_BYTES:
        raise InputError([Problem(f"at most {ZIP_FILES} files and {ZIP_BYTES:,} bytes unpacked", (), name, 1, 1)])
    stem = re.sub(r"[^\w.\-]", "_", Path(name).stem) or "upload"
    with tempfile.TemporaryDirectory(prefix="truce-upload-") as tmp:
        folder = Path(tmp) / stem
        folder.mkdir()
        for member in members:
            leaf = PurePosixPath(member.filename.replace("\\", "/")).name
            if not leaf or leaf.startswith(".") or (folder / leaf).exists():
                raise InputError(
                    [Problem(f"{member.filename!r}: hidden, nameless or twice in the zip", (), name, 1, 1)]
                )
            (folder / leaf).write_bytes(_read_member(archive, member, name))
        try:
            return load_any(folder)
        except InputError as exc:
            raise InputError([_relative(p, folder, name) for p in exc.problems]) from None


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str) -> bytes:
    try:
        data = archive.read(member)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        raise InputError([Problem(f"{member.filename!r} cannot be unpacked ({exc})", (), name, 1, 1)]) from None
    if len(data) > ZIP_BYTES:
        raise InputError([Problem(f"{member.filename!r} is over {ZIP_BYTES:,} bytes", (), name, 1, 1)])
    return data


def _relative(problem: Problem, folder: Path, name: str) -> Problem:
    """A problem in an unpacked file, named as inside the zip (``domain.zip/party1.xml:3:5``), never by the
    server's own folder."""
    file = problem.file or name
    for base in (str(folder.resolve()), str(folder)):
        file = file.replace(base, name)
    return Problem(problem.message, problem.path, file, problem.line, problem.column)


def visible_scenario(state: views.State, viewer: Viewer) -> Scenario:
    """The talks as this viewer may see them (:func:`truce.service.views.export_data`), built once per version and
    :func:`truce.service.views.export_scope`."""
    return state.memo.get(
        ("visible", views.export_scope(viewer)), lambda: build_scenario(views.export_data(state, viewer))
    )


def _attachment(body: bytes | str, media: str, filename: str) -> Response:
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/talks/{talks_id}/download/scenario", **access(*ALL), **DOWNLOAD)
def download_scenario(
    talks_id: str,
    format: str = Query("yaml", pattern="^(yaml|json)$", description="YAML or JSON"),
    viewer: Viewer = Depends(current_viewer),
    store: Store = Depends(store_dep),
) -> Response:
    """The talks as a scenario file (``truce validate`` reads it), with the preferences you may see."""
    state = views.load(store, talks_id)
    text = scenario_to_text(views.export_data(state, viewer), json_format=format == "json")
    return _attachment(text, f"application/{format}", f"{talks_id}.{format}")


@router.get("/talks/{talks_id}/download/genius", **access(Role.mediator, Role.party), **DOWNLOAD)
def download_genius(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> Response:
    """The talks as a GENIUS domain folder (zip): the domain and a profile for each party you may see."""
    from truce.io.genius import export_genius

    scenario = visible_scenario(views.load(store, talks_id), viewer)
    if not scenario.preferences:  # said for the side asking, not "no party has preferences" of talks it sees part of
        whose = "your side has" if viewer.role == Role.party else "no party has"
        raise NotFound(f"{whose} entered no preferences yet: a GENIUS profile is preferences, so there is none")
    out = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="truce-genius-") as tmp:
        notes = export_genius(scenario, tmp)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).glob("*.xml")):
                archive.write(path, path.name)
            archive.writestr("NOTES.txt", "".join(f"{n}\n" for n in notes) or "GENIUS holds all of it.\n")
    return _attachment(out.getvalue(), "application/zip", f"{talks_id}-genius.zip")


@router.get("/talks/{talks_id}/download/brief", **access(*ALL), **DOWNLOAD)
def download_brief(
    talks_id: str, viewer: Viewer = Depends(current_viewer), store: Store = Depends(store_dep)
) -> Response:
    """The HTML brief of the talks (as ``truce analyze --report`` writes it), on the preferences you may see."""
    state = views.load(store, talks_id)
    html = state.memo.get(("brief", views.export_scope(viewer)), lambda: brief_of(visible_scenario(state, viewer)))
    return _attachment(html, "text/html", f"{talks_id}-brief.html")


def brief_of(scenario: Scenario) -> str:
    from truce.analysis.bargaining import bargaining
    from truce.analysis.overview import overview
    from truce.analysis.tabled import default_scope
    from truce.report.brief import brief_html

    result = overview(scenario)
    enough = len(result.compiled.parties) >= 2
    b = bargaining(result.compiled, count_zopa=False, scope=default_scope(scenario)) if enough else None
    return brief_html(result, b)
