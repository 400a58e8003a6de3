"""The page every browser test drives: kept to the server under test and watched for errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conftest import Server


@contextmanager
def watched_page(browser: Any, server: Server, expected: tuple[str, ...]) -> Iterator[Any]:
    """A new page that may ask for nothing outside ``server`` and may log no error in the browser console
    but those containing one of ``expected`` (answers a test provokes on purpose); both are checked once
    the page is closed."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if route.request.url.startswith(server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    p = context.new_page()
    console_errors: list[str] = []
    p.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    p.on("pageerror", lambda error: console_errors.append(str(error)))
    yield p
    context.close()
    assert not outside, f"pages asked for outside resources: {outside}"
    unexpected = [e for e in console_errors if not any(x in e for x in expected)]
    assert not unexpected, f"errors in the browser console: {unexpected}"
