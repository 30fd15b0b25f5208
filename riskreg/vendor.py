"""Third-party JavaScript served from our own origin, out of the Python package
(many region networks are closed: no CDN)."""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Blueprint, send_from_directory

bp = Blueprint("vendor", __name__)

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_VERSION = plotly.__version__


def plotly_js():
    response = send_from_directory(PLOTLY_DIR, "plotly.min.js", mimetype="text/javascript",
                                   max_age=86400)
    response.headers["X-Plotly-Version"] = PLOTLY_VERSION
    return response


bp.add_url_rule("/vendor/plotly.min.js", endpoint="plotly", view_func=plotly_js)
