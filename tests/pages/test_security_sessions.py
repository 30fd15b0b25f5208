"""Issue 15, item 1: a sign-in is a server-side session that ends at sign-out, after an
idle timeout and after an absolute lifetime; a form posted after a timeout is not lost."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app
from sqlalchemy import select, update

from riskreg import clock
from riskreg.auth import sessions
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import ApiToken, RiskAssessment, UserSession
from riskreg.models.types import utcnow
from tests.conftest import DEMO_USERS, db_state, location_path, redirects_to_login, translated
from tests.helpers.risks import risk

OWNER = DEMO_USERS["owner"]
IDLE = "You were signed out after %(minutes)d minutes without activity. Sign in again."
TOO_OLD = "You were signed out: a sign-in lasts at most %(hours)d hours. Sign in again."
KEPT = "What you had filled in is kept and shown again after you sign in."


def _previous_period() -> str:
    return str(Period.from_key(clock.current_period().key - 1))


def _assess_data(r, **extra) -> dict:
    return {"version": str(r.version), "period": _previous_period(), "likelihood": "2",
            "consequence": "3", "comment": "Kommentar skriven före tidsgränsen", **extra}


def _signed_in(app) -> object:
    """A client with a real sign-in of its own (not the shared fixture cookie)."""
    c = app.test_client()
    assert c.login(OWNER).status_code == 302
    return c


def _age(c, *, idle_minutes: float = 0, age_hours: float = 0) -> None:
    """Make the client's sign-in look ``idle_minutes`` idle and ``age_hours`` old."""
    now = time.time()
    with c.session_transaction() as s:
        if idle_minutes:
            s[sessions.SEEN] = int(now - idle_minutes * 60)
        if age_hours:
            s[sessions.STARTED] = int(now - age_hours * 3600)
            sid = s[sessions.SID]
    if age_hours:
        db.session.execute(update(UserSession).where(UserSession.id == sessions.digest(sid))
                           .values(created_at=utcnow() - timedelta(hours=age_hours)))


def _flashes(c) -> str:
    return c.get("/login").get_data(as_text=True)


# -- sign-out ends the session on the server ---------------------------------------------
def test_a_cookie_replayed_after_sign_out_is_refused(app):
    c = _signed_in(app)
    r = risk("NLL", 1)
    token = c.csrf_token(f"/risks/{r.id}/assess")
    assert c.get(f"/risks/{r.id}").status_code == 200
    stolen = c.get_cookie("session").value
    c.logout()

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    before = db_state()
    assert redirects_to_login(thief.get(f"/risks/{r.id}"))
    assert thief.get("/api/v1/risks").status_code == 401
    thief.set_cookie("session", stolen)
    response = thief.post(f"/risks/{r.id}/assess", data={**_assess_data(r), "csrf_token": token})
    assert redirects_to_login(response)
    thief.set_cookie("session", stolen)
    assert thief.post("/api/v1/tokens", data={"name": "stöld", "csrf_token": token}
                      ).status_code in (302, 401)
    db.session.expire_all()
    after = db_state()
    assert after["risk_assessment"] == before["risk_assessment"]
    assert after["api_token"] == before["api_token"]
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "stöld")) is None


def test_sign_out_ends_only_that_sign_in(app):
    laptop, phone = _signed_in(app), _signed_in(app)
    laptop.logout()
    assert redirects_to_login(laptop.get("/"))
    assert phone.get("/").status_code == 200


def test_sign_in_and_sign_out_are_recorded_and_audited(app, audit_log):
    with audit_log() as events:
        c = _signed_in(app)
        c.logout()
    assert [e.action for e in events] == ["login", "logout"]
    row = db.session.scalars(select(UserSession).order_by(UserSession.created_at.desc())).first()
    assert row.ended_at is not None and row.end_reason == "logout"


def test_the_user_and_the_sign_in_are_read_in_one_statement(owner, statement_log):
    with statement_log() as q:
        assert owner.get("/profile").status_code == 200
    loads = [s for s in q.statements if "user_session" in s]
    assert len(loads) == 1 and "user_account" in loads[0], q.statements


# -- idle timeout and absolute lifetime ----------------------------------------------------
def test_an_idle_session_ends_with_a_message(app):
    c = _signed_in(app)
    _age(c, idle_minutes=31)
    response = c.get("/risks/?q=x")
    assert response.status_code == 302 and location_path(response) == "/login"
    assert parse_qs(urlsplit(response.headers["Location"]).query)["next"] == ["/risks/?q=x"]
    assert translated(IDLE, minutes=30) in _flashes(c)
    assert redirects_to_login(c.get("/"))  # the old sign-in is gone


def test_activity_keeps_a_session_alive_without_writing(app, statement_log):
    c = _signed_in(app)
    _age(c, idle_minutes=20)
    with statement_log() as q:
        assert c.get("/").status_code == 200
    assert not [s for s in q.statements if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I)]
    with c.session_transaction() as s:
        assert time.time() - s[sessions.SEEN] < 60  # the stamp moved on, in the cookie
    _age(c, idle_minutes=20)
    assert c.get("/").status_code == 200


def test_the_idle_timeout_is_configurable(app, monkeypatch):
    monkeypatch.setitem(current_app.config, "RISKREG_SESSION_IDLE_MINUTES", 5)
    c = _signed_in(app)
    _age(c, idle_minutes=6)
    assert redirects_to_login(c.get("/"))
    assert translated(IDLE, minutes=5) in _flashes(c)


def test_a_session_ends_after_its_absolute_lifetime(app):
    c = _signed_in(app)
    _age(c, age_hours=12.1)
    assert redirects_to_login(c.get("/"))
    assert translated(TOO_OLD, hours=12) in _flashes(c)


def test_an_old_sign_in_is_refused_by_the_database_too(app):
    """Even with a fresh-looking cookie, a record older than the lifetime is refused."""
    c = _signed_in(app)
    sid = None
    with c.session_transaction() as s:
        sid = s[sessions.SID]
    db.session.execute(update(UserSession).where(UserSession.id == sessions.digest(sid))
                       .values(created_at=utcnow() - timedelta(hours=13)))
    assert redirects_to_login(c.get("/"))


def test_the_api_answers_401_after_a_timeout(app):
    c = _signed_in(app)
    _age(c, idle_minutes=31)
    response = c.get("/api/v1/risks")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == translated(IDLE, minutes=30)


# -- a form posted after a timeout is kept ------------------------------------------------
def test_a_form_posted_after_a_timeout_is_filled_in_again_after_sign_in(app):
    c = _signed_in(app)
    r = risk("NLL", 1)
    token = c.csrf_token(f"/risks/{r.id}/assess")
    _age(c, idle_minutes=31)
    before = db.session.scalar(select(RiskAssessment.id).order_by(RiskAssessment.id.desc()))
    response = c.post(f"/risks/{r.id}/assess", data={**_assess_data(r), "csrf_token": token})
    assert redirects_to_login(response)
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert next_url == f"/risks/{r.id}/assess?restore=1"
    login_page = _flashes(c)
    assert translated(KEPT) in login_page and translated(IDLE, minutes=30) in login_page
    # nothing was saved by the expired post
    assert db.session.scalar(select(RiskAssessment.id).order_by(RiskAssessment.id.desc())
                             ) == before

    signed_in = c.login(OWNER, next=next_url)
    assert signed_in.headers["Location"] == next_url
    page = c.get(next_url).get_data(as_text=True)
    assert "Kommentar skriven före tidsgränsen" in page
    period = re.escape(_previous_period())
    assert re.search(rf'<option[^>]*value="{period}"[^>]*selected|<option selected[^>]*'
                     rf'value="{period}"', page), "the posted period is not selected"
    # the form's own new token, not the stashed one
    assert token not in page
    # without restore=1 the form starts afresh
    assert "Kommentar skriven före tidsgränsen" not in c.get(f"/risks/{r.id}/assess"
                                                            ).get_data(as_text=True)
    # and posting it saves
    saved = c.post_form(next_url, _assess_data(r))
    assert saved.status_code == 302


def test_the_kept_input_is_for_the_same_user_only(app, login_as):
    c = _signed_in(app)
    r = risk("NLL", 1)
    token = c.csrf_token(f"/risks/{r.id}/assess")
    _age(c, idle_minutes=31)
    response = c.post(f"/risks/{r.id}/assess", data={**_assess_data(r), "csrf_token": token})
    next_url = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert c.login(DEMO_USERS["coordinator"], next=next_url).status_code == 302
    page = c.get(next_url).get_data(as_text=True)
    assert "Kommentar skriven före tidsgränsen" not in page


def test_passwords_and_tokens_are_never_kept(app):
    c = _signed_in(app)
    token = c.csrf_token("/profile")
    _age(c, idle_minutes=31)
    c.post("/profile", data={"current": "hemligt-lösen", "password": "nytt-hemligt-lösen",
                             "confirm": "nytt-hemligt-lösen", "csrf_token": token})
    stashed = db.session.scalars(select(UserSession.stash)).all()
    assert not any(s for s in stashed), stashed


def test_an_expired_post_to_a_post_only_url_sends_to_the_start_page_after_sign_in(app):
    c = _signed_in(app)
    token = c.csrf_token("/")
    _age(c, idle_minutes=31)
    response = c.post("/logout", data={"csrf_token": token})
    assert redirects_to_login(response)
    assert "next" not in parse_qs(urlsplit(response.headers["Location"]).query)


@pytest.mark.parametrize("minutes", [0, -1])
def test_session_settings_must_be_positive(minutes):
    from riskreg.config import Config, ConfigError

    with pytest.raises(ConfigError):
        Config.check({"ENV_NAME": "test", "RISKREG_SESSION_IDLE_MINUTES": minutes,
                      "RISKREG_SESSION_MAX_HOURS": 12})
