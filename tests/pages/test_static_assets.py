"""Static files (issue 13, item 6): content-hashed names, compressed once, cached a year
(riskreg/assets.py); HTML is not compressed (BREACH)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from flask import url_for

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
YEAR = 365 * 24 * 3600


def hashed(filename: str) -> str:
    from flask import current_app

    with current_app.test_request_context():
        return url_for("static", filename=filename)


@pytest.mark.parametrize("filename", ["css/app.css", "js/charts.js",
                                      "vendor/plotly/plotly-cartesian.min.js"])
def test_static_urls_carry_the_content_hash_and_are_kept_a_year(client, filename):
    import hashlib

    url = hashed(filename)
    digest = hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:12]
    stem, ext = filename.rsplit(".", 1)
    assert url == f"/static/{stem}.{digest}.{ext}"
    response = client.get(url)
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert f"max-age={YEAR}" in cache and "immutable" in cache and "public" in cache
    assert response.get_data() == (STATIC / filename).read_bytes()  # no Accept-Encoding
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize(("accept", "encoding", "decode"), [
    ("gzip, deflate, br", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
])
def test_static_files_are_sent_compressed(client, accept, encoding, decode):
    filename = "vendor/plotly/plotly-cartesian.min.js"
    response = client.get(hashed(filename), headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    original = (STATIC / filename).read_bytes()
    assert decode(body) == original
    assert len(body) < len(original) / 3


def test_a_repeat_visit_may_ask_with_the_etag(client):
    url = hashed("css/app.css")
    first = client.get(url, headers={"Accept-Encoding": "br"})
    again = client.get(url, headers={"Accept-Encoding": "br",
                                     "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_plain_name_and_an_old_hash_still_answer(client):
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "max-age=3600" in plain.headers["Cache-Control"]
    old = client.get("/static/css/app.000000000000.css")
    assert old.status_code == 200 and "no-cache" in old.headers["Cache-Control"]
    assert old.get_data() == plain.get_data()


@pytest.mark.parametrize("url", ["/static/css/nothing.css", "/static/../riskreg/config.py",
                                 "/static/%2e%2e/riskreg/config.py", "/static/css/"])
def test_no_file_outside_or_missing(client, url):
    assert client.get(url).status_code == 404


def test_pages_link_hashed_static_files_and_are_not_compressed(owner):
    response = owner.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers  # no BREACH oracle on pages
    html = response.get_data(as_text=True)
    assert re.search(r'href="/static/css/app\.[0-9a-f]{12}\.css"', html)
