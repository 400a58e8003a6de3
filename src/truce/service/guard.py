"""What every request meets before any route sees it: the Host check, the body limit, the origin check, and
the security headers on every answer (errors included).

These are plain ASGI middlewares so that they act before a body is parsed or a token is looked up: a request
for an unknown host, a body over the limit or a cross-site write costs the server nothing but its headers.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MIB = 1024 * 1024
# The names a browser uses for this machine itself. Any other name could be one an attacker's DNS points here
# (DNS rebinding), so it is refused unless given with --allowed-host.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Pages load nothing from elsewhere; the inline scripts are the charts' data and one Plotly.newPlot call.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" even on this site's own
    # form posts, and the origin check below could not tell them from a foreign page's.
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)


@dataclass(frozen=True)
class Settings:
    """What a deployment may change; the defaults suit one machine serving on loopback."""

    max_body: int = MIB  # bytes of request body, checked before anything is parsed
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS  # Host header names answered (ports are not compared)
    # The addresses people reach the service at ("https://truce.example"), as `origin_of` writes them. When
    # given, a write whose browser names its page must come from one of them exactly, scheme and port included
    # (a plain-HTTP page on the same name is another origin), or from a loopback name of this machine.
    origins: tuple[str, ...] = ()
    session_idle_minutes: int = 8 * 60  # a page session not used for this long is ended


def host_name(host: str) -> str:
    """The name part of a Host header: ``[::1]:8000`` -> ``[::1]``, ``Example.org:80`` -> ``example.org``."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def normal_host(name: str) -> str:
    """An allowed-host entry as :func:`host_name` would read it (a bare IPv6 address gets its brackets)."""
    name = name.strip().lower()
    try:
        if ipaddress.ip_address(name).version == 6:
            return f"[{name}]"
    except ValueError:
        pass
    return host_name(name)


def is_loopback(host: str) -> bool:
    """Whether an address to listen on is this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _answer(send: Send, status: int, message: str, scope: Scope) -> None:
    """A small error answer, JSON for the API and a bare HTML page elsewhere (the pages' templates are not
    reached this early, but a page's answers are documented as HTML, so this one is too)."""
    if str(scope.get("path", "")).startswith("/api/"):
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        page = f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{status}</title><p>{escape(message)}</p>'
        body, kind = page.encode(), b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Adds the security headers to every answer that passes through, whatever produced it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = str(scope.get("path", "")).startswith(("/api/", "/talks/", "/login"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security_headers(list(message.get("headers", [])), private)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(headers: list[tuple[bytes, bytes]], private: bool) -> list[tuple[bytes, bytes]]:
    present = {k.lower() for k, _ in headers}
    wanted = [*SECURITY_HEADERS, *([("cache-control", "no-store")] if private else [])]
    return headers + [(k.encode(), v.encode()) for k, v in wanted if k.encode() not in present]


class HostCheck:
    """Refuses (400) a request whose Host header is not an allowed name, so DNS rebinding cannot reach us."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(normal_host(h) for h in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = _header(scope, b"host")
            if host is None or host_name(host) not in self.allowed:
                await _answer(send, 400, "this server does not answer to that host name", scope)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Reads at most ``limit`` bytes of a request body before the application sees any of it; more is a 413.

    A declared Content-Length over the limit is refused without reading; a body sent without one (chunked) is
    counted as it arrives and refused as soon as it passes the limit. Memory per request is bounded by the limit.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"the request body is larger than {self.limit} bytes"
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.limit:
                    await _answer(send, 413, too_large, scope)
                    return
            except ValueError:
                await _answer(send, 400, "the Content-Length header is not a number", scope)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the application finds out on its next receive
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > self.limit:
                await _answer(send, 413, too_large, scope)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower case and without a default port (None: not one)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    scheme, name = parts.scheme.lower(), parts.hostname.lower()
    try:  # as a browser writes it: an IPv6 address compressed, a name in ASCII (punycode)
        address = ipaddress.ip_address(name)
        name = f"[{address.compressed}]" if address.version == 6 else address.compressed
    except ValueError:
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{name}" + (f":{port}" if port is not None and port != default else "")


def same_origin(value: str, host: str, origins: tuple[str, ...] = ()) -> bool:
    """Whether an Origin or Referer header names this server: one of ``origins`` when they are given, else (or
    for a loopback name) the name the request's Host header gives, whatever the scheme."""
    if not value or value == "null":
        return False
    if origins and not is_loopback(host_name(host)):
        return origin_of(value) in origins
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[" is no address at all: not this server's
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


class OriginCheck:
    """Refuses (403) a state-changing request that a browser says came from another origin.

    A browser names the page a request came from in ``Origin`` (and ``Referer``); ``Sec-Fetch-Site`` says
    whether it was this site. A request that names none of them is not from a browser page, or from one that
    could not set our cookie anyway; the pages' form tokens and the API's bearer tokens cover it.
    """

    def __init__(self, app: ASGIApp, origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("method", "GET")).upper() not in SAFE_METHODS:
            host = _header(scope, b"host") or ""
            origin = _header(scope, b"origin")
            referer = _header(scope, b"referer")
            fetch_site = _header(scope, b"sec-fetch-site")
            foreign = (
                (origin is not None and not same_origin(origin, host, self.origins))
                or (origin is None and referer is not None and not same_origin(referer, host, self.origins))
                or (fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"))
            )
            if foreign:
                await _answer(send, 403, "a request from another site may not change anything here", scope)
                return
        await self.app(scope, receive, send)


class NoNul:
    """Refuses an address with a NUL character in it (404 in the path, 422 in the query): no name or id has one,
    and PostgreSQL cannot even compare a string holding one, so it must not reach a query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if "\x00" in str(scope.get("path", "")):
                await _answer(send, 404, "no such thing", scope)
                return
            query = bytes(scope.get("query_string", b""))
            if b"%00" in query or b"\x00" in query:
                await _refuse_nul_query(send, query, scope)
                return
        await self.app(scope, receive, send)


async def _refuse_nul_query(send: Send, query: bytes, scope: Scope) -> None:
    """422 naming the query fields that hold a NUL, in the API's documented shape of bad input."""
    message = "a NUL character is not allowed in the query"
    if not str(scope.get("path", "")).startswith("/api/"):
        await _answer(send, 422, message, scope)
        return
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    names = sorted({name.replace("\x00", "") for name, value in pairs if "\x00" in name + value}) or ["query"]
    detail = [{"message": message, "path": ["query", name]} for name in names]
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 422, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
