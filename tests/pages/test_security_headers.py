"""Issue 15, item 5: HSTS over HTTPS, no caching of signed-in pages and the API, and a
style-src without 'unsafe-inline' (no inline style left in the pages)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import unit
from tests.helpers.risks import risk
from tests.pages.test_security import csp

HTTPS = {"base_url": "https://riskreg.example"}


def signed_in_pages() -> list[str]:
    r = risk("NLL", 1)
    return ["/", "/profile", "/risks/", f"/risks/{r.id}", f"/risks/{r.id}/assess",
            f"/risks/{r.id}/edit", "/heatmaps/?period=2022-T1", "/board/?period=2022-T1",
            "/admin/", "/admin/users", f"/admin/scale/{unit('NLL').id}"]


def test_hsts_over_https_only(client):
    secure = client.get("/login", **HTTPS)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_signed_in_pages_are_not_stored(admin, coordinator):
    for c in (admin, coordinator):
        for url in signed_in_pages():
            response = c.get(url)
            if response.status_code in (200, 302, 400, 403, 404):
                assert response.headers.get("Cache-Control") == "no-store", url


@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/risks", "/api/v1/heatmap"])
def test_the_api_is_not_stored(owner, client, url):
    assert owner.get(url).headers["Cache-Control"] == "no-store"
    assert client.get(url).headers["Cache-Control"] == "no-store"  # the 401 too


def test_our_own_files_may_be_cached(owner):
    for url in ("/static/css/app.css", "/vendor/plotly.min.js", "/vendor/plotly.css"):
        response = owner.get(url)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), url


def test_style_src_has_no_unsafe_inline(client):
    assert csp(client.get("/login"))["style-src"] == ["'self'"]


def test_no_inline_styles_are_left_in_the_pages(admin, board):
    for c in (admin, board):
        for url in signed_in_pages():
            html = c.get(url).get_data(as_text=True)
            assert not re.search(r"\sstyle\s*=", html), url
            assert "<style" not in html, url


def test_band_colours_are_svg_fills(board):
    html = board.get("/heatmaps/?period=2022-T1").get_data(as_text=True)
    fills = re.findall(r'<svg class="fill"[^>]*><rect [^>]*fill="(#[0-9a-f]{6})"', html)
    assert len(fills) >= 16


def test_plotly_css_carries_plotlys_own_rules(owner):
    css = owner.get("/vendor/plotly.css").get_data(as_text=True)
    assert ".js-plotly-plot .plotly .main-svg {" in css
    assert ".plotly-notifier" in css
    page = owner.get(f"/risks/{risk('NLL', 1).id}").get_data(as_text=True)
    assert re.search(r'<link id="plotly.js-style-global" class="no-inline-styles"', page)
