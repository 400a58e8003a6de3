"""The application factory: the API, the pages, static files, and how errors become answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from truce.errors import InputError
from truce.service import api, pages, pages_exchange, pages_files, pages_forms, pages_people, pages_record
from truce.service.auth import Forbidden, NotSignedIn
from truce.service.guard import (
    BodyLimit,
    HostCheck,
    NoNul,
    OriginCheck,
    SecurityHeaders,
    Settings,
    with_security_headers,
)
from truce.service.schemas import BoundsError
from truce.store.repo import Conflict, NotFound, Store

STATIC = Path(__file__).parent / "static"
# Worker threads for the routes and dependencies that are plain functions (anyio lends 40 by default). They
# take turns on one interpreter lock: with 40 at once, every answer under load waits behind 39 others'
# slices; with a few, the rest wait in line and answers come back in order. Bridging searches run on the
# jobs' own threads (the page waits at most jobs.WAIT_SECONDS for one; the API, and a ballot published through
# it, hold no thread while they wait). A ballot published from the page, or a draft made from a bridge, joins
# the page's search or reuses its result, waiting on its worker thread: their forms are shown once it is done.
THREADS = 8


def _where(error: Any) -> list[str | int]:
    """The field a validation error names: a passed bound names the very value inside a free-form body."""
    found = error.get("ctx", {}).get("error")
    if isinstance(found, BoundsError):
        return list(found.where)
    return [p for p in error.get("loc", ()) if isinstance(p, str | int)]


def plotly_file() -> Path:
    """plotly.js as the installed plotly package ships it: nothing is fetched from the internet."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="truce",
        version="0.1.0",
        description="Mediation service: talks, proposals, private preferences, blind acceptance, audit log.",
        docs_url=None,  # the interactive docs page loads its scripts from a CDN: nothing here comes from the internet
        redoc_url=None,
        lifespan=_threads,
    )
    app.state.store = store
    app.state.settings = settings
    # The last added runs first: headers on everything, then the Host, the body's size, NULs, the origin.
    app.add_middleware(OriginCheck, origins=settings.origins)
    app.add_middleware(NoNul)
    app.add_middleware(BodyLimit, limit=settings.max_body)
    app.add_middleware(HostCheck, allowed=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    _routes(app)
    _error_answers(app)
    return app


@asynccontextmanager
async def _threads(_app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
    yield


def _routes(app: FastAPI) -> None:
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(pages_exchange.router)
    app.include_router(pages_record.router)  # before pages_forms: /record/draft is not a /record/{kind} form
    app.include_router(pages_forms.router)
    app.include_router(pages_people.router)
    app.include_router(pages_files.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_file(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _answer(request: Request, status: int, message: str, headers: Any = None) -> Response:
    """An error as a page for the pages, as JSON for the API."""
    if _is_page(request):
        return pages.error_page(request, status, message)
    return JSONResponse({"detail": message}, status, headers=headers)


def _form_field(path: list[str | int]) -> str:
    """A form's field as a page names it in a refusal: ``accepted`` and, for one of the values sent under it,
    which, counted from 1 as people count (``accepted, value 2``), not the list's index."""
    names = [k for k, part in enumerate(path) if isinstance(part, str)]
    if not names:
        return f"value {int(path[-1]) + 1}"
    last = names[-1]
    after = path[last + 1 :]
    return f"{path[last]}, value {int(after[0]) + 1}" if after else str(path[last])


def _error_answers(app: FastAPI) -> None:
    """Every refusal in the shape its caller reads: a page (or a redirect to sign in) or the API's JSON."""

    @app.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if _is_page(request):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"detail": "sign in with a token"}, 401, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, _exc: Forbidden) -> Response:
        return _answer(request, 403, "not for your role")

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        return _answer(request, 404, str(exc))

    @app.exception_handler(Conflict)
    def conflict(request: Request, exc: Conflict) -> Response:
        if _is_page(request):
            return _answer(request, 409, str(exc))
        return JSONResponse({"detail": str(exc), "current_version": exc.current}, 409)

    @app.exception_handler(InputError)
    def bad_input(request: Request, exc: InputError) -> Response:
        problems = [{"message": p.message, "path": list(p.path)} for p in exc.problems]
        if _is_page(request):
            return _answer(request, 422, "; ".join(pages.named_problem(p) for p in exc.problems))
        return JSONResponse({"detail": problems}, 422)

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, exc: RequestValidationError) -> Response:
        messages = [str(e.get("msg", "invalid")) for e in exc.errors()]
        paths = [_where(e) for e in exc.errors()]
        if _is_page(request):  # each message names its field, as the form calls it
            named = [f"{_form_field(p)}: {m}" if p else m for m, p in zip(messages, paths, strict=True)]
            return _answer(request, 422, "; ".join(named))
        return JSONResponse({"detail": [{"message": m, "path": p} for m, p in zip(messages, paths, strict=True)]}, 422)

    @app.exception_handler(api.UnreadableBody)
    def unreadable_body(_request: Request, exc: api.UnreadableBody) -> Response:
        return JSONResponse({"detail": [{"message": exc.detail, "path": exc.where}]}, 422)

    @app.exception_handler(HTTPException)
    def http_exception(request: Request, exc: HTTPException) -> Response:
        return _answer(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    def server_error(request: Request, _exc: Exception) -> Response:
        # Starlette sends this answer from outside every middleware: it gets its headers here.
        response = JSONResponse({"detail": "internal error"}, 500)
        private = request.url.path.startswith(("/api/", "/talks/", "/login"))
        response.raw_headers[:] = with_security_headers(list(response.raw_headers), private)
        return response
