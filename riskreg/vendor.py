"""Third-party JavaScript served from our own origin, out of the Python package
(many region networks are closed: no CDN)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint, Response, send_from_directory

bp = Blueprint("vendor", __name__)

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_VERSION = plotly.__version__


def plotly_js():
    response = send_from_directory(PLOTLY_DIR, "plotly.min.js", mimetype="text/javascript",
                                   max_age=86400)
    response.headers["X-Plotly-Version"] = PLOTLY_VERSION
    return response


bp.add_url_rule("/vendor/plotly.min.js", endpoint="plotly", view_func=plotly_js)


# plotly.js injects CSS through <style> elements it creates, which a CSP without
# 'unsafe-inline' in style-src blocks: its own rules (skipped when the page has an element
# with id "plotly.js-style-global" and class "no-inline-styles") and bundled libraries'
# (maplibre: skipped when an element with their id exists). templates/_plotly.html puts
# those elements on the page and links this stylesheet, which carries the same rules.
# They are read once from the bundled plotly.min.js, so they match the installed version.
_PLOTCSS = re.compile(r'\{("X,X div":[^{}]*)\};for\(')
_RULE = re.compile(r""""((?:[^"\\]|\\.)*)":(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
_INJECTED = re.compile(r"""if\(!document\.getElementById\("([0-9a-f]+)"\)\)\{var (\w+)="""
                       r"""document\.createElement\("style"\);\2\.id="\1",\2\.textContent="""
                       r"""'((?:[^'\\]|\\.)*)'""")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@cache
def _plotly_styles() -> tuple[str, tuple[str, ...]]:
    """(the stylesheet, the ids of the style elements plotly would otherwise add)."""
    source = (PLOTLY_DIR / "plotly.min.js").read_text(encoding="utf-8")
    match = _PLOTCSS.search(source)
    if match is None:
        raise RuntimeError(f"plotly {PLOTLY_VERSION}: its CSS rules were not found")
    lines = [f"/* plotly.js as bundled with plotly {PLOTLY_VERSION}: the rules it would inject */"]
    for selector, double, single in _RULE.findall(match.group(1)):
        full = (re.sub(r"^,", " ,", selector).replace("X", ".js-plotly-plot .plotly")
                .replace("Y", ".plotly-notifier"))
        lines.append(f"{full} {{{_unescape(double or single)}}}")
    ids = []
    for style_id, _var, text in _INJECTED.findall(source):
        ids.append(style_id)
        lines.append(_unescape(text))
    return "\n".join(lines) + "\n", tuple(ids)


def plotly_css_text() -> str:
    return _plotly_styles()[0]


@bp.app_template_global()
def plotly_style_ids() -> tuple[str, ...]:
    """Ids of the <style> elements plotly adds unless an element with that id exists."""
    return _plotly_styles()[1]


def plotly_css():
    response = Response(plotly_css_text(), mimetype="text/css")
    response.cache_control.max_age = 86400
    response.headers["X-Plotly-Version"] = PLOTLY_VERSION
    return response


bp.add_url_rule("/vendor/plotly.css", endpoint="plotly_css", view_func=plotly_css)
