"""Third-party JavaScript served from our own origin (many region networks are closed: no
CDN).

plotly.js is the official *cartesian* partial bundle (``plotly.js-cartesian-dist-min`` from
npm, MIT), vendored in static/vendor/plotly/ with its licence: it has the two trace types
we draw (heatmap, scatter) in 1.5 MB where the full bundle that the ``plotly`` pip package
ships weighs 4.8 MB, and the ``basic`` bundle lacks heatmap. Pages link it through
``url_for('static', …)`` (a hashed, compressed, year-cached name: riskreg/assets.py);
/vendor/plotly.min.js stays for old links."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory

from .assets import Asset

bp = Blueprint("vendor", __name__)

PLOTLY_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "plotly"
PLOTLY_FILE = "plotly-cartesian.min.js"
PLOTLY_STATIC = f"vendor/plotly/{PLOTLY_FILE}"  # url_for('static', filename=PLOTLY_STATIC)
PLOTLY_VERSION = json.loads((PLOTLY_DIR / "package.json").read_text(encoding="utf-8"))["version"]


def plotly_js():
    response = send_from_directory(PLOTLY_DIR, PLOTLY_FILE, mimetype="text/javascript",
                                   max_age=86400)
    response.headers["X-Plotly-Version"] = PLOTLY_VERSION
    return response


bp.add_url_rule("/vendor/plotly.min.js", endpoint="plotly", view_func=plotly_js)


# plotly.js injects CSS through <style> elements it creates, which a CSP without
# 'unsafe-inline' in style-src blocks: its own rules (skipped when the page has an element
# with id "plotly.js-style-global" and class "no-inline-styles") and bundled libraries'
# (maplibre: skipped when an element with their id exists). templates/_plotly.html puts
# those elements on the page and links this stylesheet, which carries the same rules.
# They are read once from the vendored bundle, so they match its version.
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
    source = (PLOTLY_DIR / PLOTLY_FILE).read_text(encoding="utf-8")
    match = _PLOTCSS.search(source)
    if match is None:
        raise RuntimeError(f"plotly.js {PLOTLY_VERSION}: its CSS rules were not found")
    lines = [f"/* plotly.js {PLOTLY_VERSION} (cartesian bundle): the rules it would inject */"]
    for selector, double, single in _RULE.findall(match.group(1)):
        full = (re.sub(r"^,", " ,", selector).replace("X", ".js-plotly-plot .plotly")
                .replace("Y", ".plotly-notifier"))
        lines.append(f"{full} {{{_unescape(double or single)}}}")
    # Bundled libraries' own sheets (maplibre, 75 KB) are not carried: we draw no maps. Their
    # marker ids still go on the page, so that plotly injects nothing.
    ids = [style_id for style_id, _var, _text in _INJECTED.findall(source)]
    return "\n".join(lines) + "\n", tuple(ids)


def plotly_css_text() -> str:
    return _plotly_styles()[0]


@bp.app_template_global()
def plotly_style_ids() -> tuple[str, ...]:
    """Ids of the <style> elements plotly adds unless an element with that id exists."""
    return _plotly_styles()[1]


@bp.app_template_global()
def plotly_version() -> str:
    return PLOTLY_VERSION


@cache
def _plotly_css_asset() -> Asset:
    body = plotly_css_text().encode("utf-8")
    return Asset(PLOTLY_DIR / "plotly.css", body, hashlib.sha256(body).hexdigest()[:12],
                 "text/css", 0.0)


def plotly_css():
    asset = _plotly_css_asset()
    encoding = asset.encoding_for(request.accept_encodings)
    response = Response(asset.encode(encoding) if encoding else asset.body, mimetype="text/css")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    # the link carries ?v=<plotly.js version>: a new bundle is a new URL
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.headers["X-Plotly-Version"] = PLOTLY_VERSION
    return response


bp.add_url_rule("/vendor/plotly.css", endpoint="plotly_css", view_func=plotly_css)
