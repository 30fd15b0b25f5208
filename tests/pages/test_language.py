"""Swedish by default; English on request, remembered on the user."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO_USERS, html_lang, location_path, translated, user


def test_swedish_is_the_default(client, owner):
    assert html_lang(client.get("/login")) == "sv"
    assert html_lang(owner.get("/")) == "sv"


def test_switch_to_english_persists_on_the_user(owner, login_as):
    response = owner.post_form("/language/en", page="/")
    assert response.status_code == 302
    assert user(DEMO_USERS["owner"]).language == "en"
    page = owner.get("/")
    assert html_lang(page) == "en"
    # a new sign-in, in another browser, keeps it
    assert html_lang(login_as(DEMO_USERS["owner"]).get("/")) == "en"
    # and back
    owner.post_form("/language/sv", page="/")
    assert user(DEMO_USERS["owner"]).language == "sv"
    assert html_lang(owner.get("/")) == "sv"


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_pages_are_rendered_in_the_chosen_language(client, locale):
    client.post_form(f"/language/{locale}", page="/login")
    page = client.get("/login")
    assert html_lang(page) == locale
    assert f"<h1>{translated('Sign in', locale)}</h1>" in page.get_data(as_text=True)


def test_anonymous_choice_is_kept_through_sign_in(client):
    client.post_form("/language/en", page="/login")
    client.login(DEMO_USERS["board"])
    assert html_lang(client.get("/")) == "en"


def test_language_switch_needs_csrf(owner):
    assert owner.post("/language/en").status_code == 400
    assert user(DEMO_USERS["owner"]).language in (None, "sv")
    assert html_lang(owner.get("/")) == "sv"


def test_unknown_language_is_404(owner):
    assert owner.post_form("/language/de", page="/").status_code == 404
    assert html_lang(owner.get("/")) == "sv"


@pytest.mark.parametrize(("target", "expected"),
                         [("/profile", "/profile"), ("//evil.example", "/"),
                          ("https://evil.example/", "/")])
def test_language_switch_returns_to_our_own_page(owner, target, expected):
    response = owner.post_form("/language/en", {"next": target}, page="/")
    assert response.status_code == 302 and location_path(response) == expected


def test_switch_form_returns_to_the_current_page(owner):
    html = owner.get("/profile").get_data(as_text=True)
    assert 'name="next" value="/profile?"' in html
