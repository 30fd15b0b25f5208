"""Page weight: bytes over the wire per page, first and repeat visit (issue 13, item 6).

Through the real app (Flask test client) on a fresh SQLite demo database, as a browser
asks: ``Accept-Encoding: gzip, deflate, br``. A page's first visit is its HTML plus every
``/static/`` and ``/vendor/`` file it links (stylesheets, scripts) and, where a figure is
drawn at once, the plotly.js that charts.js fetches then (``data-plotly``); a figure in a
closed <details> fetches nothing until it is opened (shown in its own row). A repeat visit
is the HTML again plus the files whose ``Cache-Control`` does not let the browser reuse
them (``no-cache``/``no-store``/no max-age). Bodies are counted as sent (compressed when
the server compressed them), headers not.

    python -m benchmarks.page_weight
"""

from __future__ import annotations

import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from riskreg import create_app
from riskreg.config import TestConfig
from riskreg.extensions import db

ACCEPT = {"Accept-Encoding": "gzip, deflate, br"}
COORDINATOR = "samordnare@norrbotten.example"
BOARD = "styrelse@norrbotten.example"
PERIOD = "2022-T2"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []
        self.figure_open: bool | None = None  # None: no figure
        self.plotly: str | None = None
        self._details_open: list[bool] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet":
            self.files.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.files.append(a["src"])
            if a.get("data-plotly"):
                self.plotly = a["data-plotly"]
        elif tag == "details":
            self._details_open.append("open" in a)
        elif a.get("data-figure") is not None and self.figure_open is None:
            self.figure_open = all(self._details_open) if self._details_open else True

    def handle_endtag(self, tag):
        if tag == "details" and self._details_open:
            self._details_open.pop()


def _reusable(response) -> bool:
    cc = response.cache_control
    return not cc.no_cache and not cc.no_store and (cc.max_age or 0) > 0


def weigh(client, url: str) -> dict:
    page = client.get(url, headers=ACCEPT)
    assert page.status_code == 200, (url, page.status_code)
    html_bytes = len(page.get_data())
    links = _Links()
    links.feed(page.get_data(as_text=True))
    files = [f for f in links.files if re.match(r"^/(static|vendor)/", f)]
    if links.figure_open and links.plotly:
        files.append(links.plotly)
    first_static = repeat_static = 0
    for f in files:
        r = client.get(f, headers=ACCEPT)
        size = len(r.get_data())
        first_static += size
        if not _reusable(r):
            repeat_static += size
    closed_figure = None
    if links.figure_open is False and links.plotly:
        closed_figure = len(client.get(links.plotly, headers=ACCEPT).get_data())
    return {"html": html_bytes, "static": first_static, "first": html_bytes + first_static,
            "repeat": html_bytes + repeat_static, "on_open": closed_figure,
            "compressed": page.headers.get("Content-Encoding")}


def main() -> None:
    from flask_migrate import upgrade

    from riskreg.seed import DEMO_PASSWORD, seed_demo

    with tempfile.TemporaryDirectory() as tmp:
        config = type("WeightConfig", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'weight.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://", "RISKREG_TODAY": "2022-06-15"})
        app = create_app(config)
        with app.app_context():
            upgrade()
            seed_demo()
            db.session.remove()
        rows = []
        for who, pages in ((COORDINATOR, [
                ("start (coordinator)", "/"),
                ("register `/risks/`", "/risks/"),
                ("risk page `/risks/3`", "/risks/3"),
                ("re-assess `/risks/3/assess`", "/risks/3/assess"),
                (f"heat map `/heatmaps/?period={PERIOD}`", f"/heatmaps/?period={PERIOD}")]),
                (BOARD, [(f"board view `/board/?period={PERIOD}` (board member)",
                          f"/board/?period={PERIOD}")])):
            client = app.test_client()
            _login(client, who, DEMO_PASSWORD)
            for name, url in pages:
                rows.append((name, weigh(client, url)))
        print("| page | HTML | static files | first visit | repeat visit |")
        print("|---|---|---|---|---|")
        for name, w in rows:
            print(f"| {name} | {w['html']:,} | {w['static']:,} | {w['first']:,} | "
                  f"{w['repeat']:,} |")
        for name, w in rows:
            if w["on_open"]:
                print(f"\n{name}: opening the interactive chart fetches plotly.js, "
                      f"{w['on_open']:,} bytes (first time; then cached a year)")


def _login(client, email: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = {"email": email, "password": password}
    if token:  # the test configuration may run without CSRF
        data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.status_code


if __name__ == "__main__":
    main()
