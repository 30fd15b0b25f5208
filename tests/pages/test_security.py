"""Response headers and cookies."""

from __future__ import annotations

import re

import pytest

from tests.conftest import unit

PUBLIC = ["/login", "/healthz", "/no-such-page"]
ADMIN_PAGES = ["/", "/profile", "/admin/", "/admin/units/new", "/admin/users",
               "/admin/users/new", "/admin/scale/{NLL}"]


def csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def check_headers(response) -> None:
    policy = csp(response)
    assert "'self'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", PUBLIC)
def test_security_headers_on_public_pages(client, url):
    check_headers(client.get(url))


def test_security_headers_on_pages_and_redirects(admin):
    for url in ADMIN_PAGES:
        response = admin.get(url.replace("{NLL}", str(unit("NLL").id)))
        assert response.status_code == 200
        check_headers(response)
        html = response.get_data(as_text=True)
        # nothing the CSP would block: no inline scripts, no inline event handlers
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
    check_headers(admin.post_form("/language/en", page="/"))


def test_session_cookie_is_http_only_and_same_site(client):
    client.login("riskagare@norrbotten.example")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
