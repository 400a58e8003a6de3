"""Self-contained HTML: Jinja2 templates, with plotly's JavaScript embedded from the installed package."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jinja2
import plotly.offline

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("truce.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def plotly_js() -> str:
    """plotly.js from the installed plotly package: the page fetches nothing when viewed."""
    return str(plotly.offline.get_plotlyjs())


def figure_json(figure: Any) -> str:
    """A plotly figure as JSON for ``Plotly.newPlot`` in a page (``</`` escaped for inline scripts)."""
    return str(figure.to_json()).replace("</", "<\\/")


def render(template: str, **context: Any) -> str:
    """Render a template from ``truce/report/templates`` (they extend ``base.html``)."""
    return _env.get_template(template).render(plotly_js=plotly_js(), tojson=json.dumps, **context)
