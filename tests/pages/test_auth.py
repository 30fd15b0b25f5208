"""Signing in and out."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from limits import parse as parse_limit

from riskreg.admin import services as admin_services
from riskreg.extensions import db
from riskreg.seed import DEMO_PASSWORD
from riskreg.uow import transaction
from tests.conftest import (
    DEMO_USERS,
    field_errors,
    html_lang,
    location_path,
    redirects_to_login,
    translated,
    user,
)
from tests.unit.test_safe_redirect import UNSAFE

OWNER = DEMO_USERS["owner"]
WRONG_LOGIN = "Wrong e-mail address or password."


def hidden_next(response) -> str:
    match = re.search(r'<input[^>]*id="next"[^>]*>', response.get_data(as_text=True))
    assert match, "the login form has no next field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_sign_in_with_the_right_password(client):
    response = client.login(OWNER)
    assert response.status_code == 302
    assert location_path(response) == "/"
    assert client.get("/").status_code == 200
    assert user(OWNER).last_login_at is not None


@pytest.mark.parametrize("email", [OWNER.upper(), f"  {OWNER} "])
def test_email_is_matched_without_case_and_spaces(client, email):
    assert client.login(email).status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [(OWNER, "wrong-password"), ("nobody@norrbotten.example", DEMO_PASSWORD),
     ("nobody@norrbotten.example", "wrong-password")],
    ids=["wrong password", "unknown e-mail", "both wrong"],
)
def test_failed_sign_in_gives_one_generic_message(client, email, password):
    response = client.login(email, password)
    assert response.status_code == 401
    assert field_errors(response, "password").strip() == f"<li>{translated(WRONG_LOGIN)}</li>"
    assert field_errors(response, "email") is None
    assert redirects_to_login(client.get("/"))


def test_wrong_password_and_unknown_email_look_the_same(client, app):
    wrong = client.login(OWNER, "wrong-password")
    unknown = app.test_client().login("nobody@norrbotten.example", "wrong-password")
    assert wrong.status_code == unknown.status_code == 401
    assert field_errors(wrong, "password") == field_errors(unknown, "password")


@pytest.mark.parametrize(("email", "password"), [("", DEMO_PASSWORD), (OWNER, "")])
def test_empty_fields_are_field_errors(client, email, password):
    response = client.login(email, password)
    assert response.status_code == 400
    assert field_errors(response, "email" if not email else "password")


def test_sign_in_without_csrf_is_refused(client):
    response = client.post("/login", data={"email": OWNER, "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert redirects_to_login(client.get("/"))


def failure_limit() -> int:
    return parse_limit(current_app.config["LOGIN_FAILURE_LIMIT"]).amount


def test_repeated_failures_are_throttled(client, app):
    limit = failure_limit()
    for _ in range(limit):
        assert client.login(OWNER, "wrong-password").status_code == 401
    assert client.login(OWNER, "wrong-password").status_code == 429
    # even the right password waits now
    assert client.login(OWNER).status_code == 429
    # another account from the same address is not locked out
    assert app.test_client().login(DEMO_USERS["board"]).status_code == 302


def test_successful_sign_ins_are_not_counted(app):
    for _ in range(failure_limit() + 1):
        c = app.test_client()
        assert c.login(OWNER).status_code == 302


def test_deactivated_user_cannot_sign_in(client):
    with transaction():
        admin_services.set_user_active(user(DEMO_USERS["admin"]), user(OWNER), False)
    response = client.login(OWNER)
    assert response.status_code == 401
    assert field_errors(response, "password").strip() == f"<li>{translated(WRONG_LOGIN)}</li>"


def test_deactivation_ends_open_sessions(owner):
    assert owner.get("/").status_code == 200
    with transaction():
        admin_services.set_user_active(user(DEMO_USERS["admin"]), user(OWNER), False)
    assert redirects_to_login(owner.get("/"))


# -- next= ---------------------------------------------------------------------------
@pytest.mark.parametrize("target", [t for t in UNSAFE if t])
def test_unsafe_next_is_refused(client, target):
    assert hidden_next(client.get("/login", query_string={"next": target})) == ""
    response = client.login(OWNER, next=target)
    assert response.status_code == 302
    assert location_path(response) == "/"
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/admin/", "/profile", "/admin/users?x=1"])
def test_safe_next_is_followed(client, target):
    assert hidden_next(client.get("/login", query_string={"next": target})) == target
    response = client.login(DEMO_USERS["admin"], next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_protected_page_sends_to_sign_in_and_back(client):
    response = client.get("/admin/users")
    assert redirects_to_login(response)
    login_page = client.get(response.headers["Location"])
    assert hidden_next(login_page) == "/admin/users"
    signed_in = client.login(DEMO_USERS["admin"], next=hidden_next(login_page))
    assert signed_in.headers["Location"] == "/admin/users"


def test_signed_in_user_is_sent_from_login_to_start(owner):
    response = owner.get("/login")
    assert response.status_code == 302 and location_path(response) == "/"


# -- the session ----------------------------------------------------------------------
def test_session_is_renewed_at_sign_in(client):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        token_before = session["csrf_token"]
    assert client.login(OWNER).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != token_before


def test_old_form_token_does_not_work_after_sign_in(client):
    token = client.csrf_token("/login")
    client.login(OWNER)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 400
    assert client.get("/").status_code == 200


# -- signing out ------------------------------------------------------------------------
def test_logout_is_post_only(owner):
    assert owner.get("/logout").status_code == 405
    assert owner.get("/").status_code == 200


def test_logout_without_csrf_is_refused(owner):
    assert owner.post("/logout").status_code == 400
    assert owner.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert owner.get("/").status_code == 200


def test_logout(owner):
    response = owner.logout()
    assert redirects_to_login(response)
    assert redirects_to_login(owner.get("/"))
    assert redirects_to_login(owner.get("/profile"))


def test_sign_out_keeps_the_language(owner):
    owner.post_form("/language/en", page="/")
    owner.logout()
    assert html_lang(owner.get("/login")) == "en"


# -- the password -------------------------------------------------------------------------
NEW_PASSWORD = "a-new-long-password"


def change_password(c, current=DEMO_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return c.post_form("/profile", {"current": current, "password": new,
                                    "confirm": new if confirm is None else confirm})


def test_change_password(owner, app):
    response = change_password(owner)
    assert response.status_code == 302
    assert owner.get("/").status_code == 200  # still signed in
    assert app.test_client().login(OWNER, DEMO_PASSWORD).status_code == 401
    assert app.test_client().login(OWNER, NEW_PASSWORD).status_code == 302


def test_password_change_ends_other_sessions(owner, login_as):
    other = login_as(OWNER)
    change_password(owner)
    assert redirects_to_login(other.get("/"))
    assert owner.get("/").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field"),
    [("wrong-password", NEW_PASSWORD, NEW_PASSWORD, "current"),
     (DEMO_PASSWORD, "short", "short", "password"),
     (DEMO_PASSWORD, NEW_PASSWORD, "something-else", "confirm"),
     ("", NEW_PASSWORD, NEW_PASSWORD, "current")],
    ids=["wrong current", "too short", "not repeated", "current missing"],
)
def test_bad_password_change_is_a_field_error(owner, app, current, new, confirm, field):
    hash_before = user(OWNER).password_hash
    response = change_password(owner, current, new, confirm)
    assert response.status_code == 400
    assert field_errors(response, field)
    db.session.expire_all()
    assert user(OWNER).password_hash == hash_before
