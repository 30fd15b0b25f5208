"""Shared fixtures: one app and one demo database per run, a transaction per test.

* The app and its schema are built once (``db.create_all()``) and the demo data is
  loaded once with ``seed_demo()``.
* Every test that uses the app runs inside an outer transaction on one connection.
  All sessions (the test body's and each request's) are bound to that connection with
  ``join_transaction_mode="create_savepoint"``, so the commit of a request's unit of work
  (or of ``uow.transaction()`` in a test body) only releases a savepoint, and its rollback
  goes back to that savepoint; the outer transaction is rolled back after the test.
* Services flush and never commit: a test body that calls one and needs the result saved
  (before a request, or before a rollback) wraps it in ``uow.transaction()``.
* Each request of the test client runs in its own application context (as in
  production): its own session, its own ``flask.g`` and Flask-Login user.
* CSRF stays on: ``client.post_form()`` fetches a page, takes its ``csrf_token`` and
  posts with it; ``client.post()`` posts without one.

Run on PostgreSQL by setting ``RISKREG_TEST_DATABASE_URL`` (psycopg 3 URL).
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, func, select
from sqlalchemy.pool import StaticPool

from riskreg import create_app
from riskreg.auth import sessions
from riskreg.config import TestConfig
from riskreg.domain.periods import Period
from riskreg.extensions import db, limiter
from riskreg.models import AuditEvent, RoleAssignment, Unit, User
from riskreg.seed import DEMO_PASSWORD, seed_demo

# -- the demo users (seed/users.yaml) that tests act as -------------------------
DEMO_USERS = {
    "admin": "admin@norrbotten.example",  # admin on NLL
    "coordinator": "samordnare@norrbotten.example",  # coordinator on NLL-RS
    "owner": "riskagare@norrbotten.example",  # risk owner on NLL-RS
    "board": "styrelse@norrbotten.example",  # board reviewer on NLL-RS
    "owner_ls1": "riskagare.ls1@norrbotten.example",  # risk owner on NLL-LS1
    "coordinator_ls1": "samordnare.ls1@norrbotten.example",  # coordinator on NLL-LS1
    "admin_sormland": "admin@sormland.example",  # admin on SRM: the adversary for NLL objects
    "coordinator_sormland": "samordnare@sormland.example",  # coordinator on SRM-PV
}

_CSRF_INPUT = re.compile(r"<input[^>]*\bname=\"csrf_token\"[^>]*>")
_VALUE = re.compile(r"\bvalue=\"([^\"]*)\"")
# Transaction plumbing, not queries: left out of StatementLog.statements.
_NOT_A_QUERY = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


class RiskregTestConfig(TestConfig):
    """TestConfig, plus one shared in-memory connection when the database is sqlite://.
    API tokens are not stamped here: the stamp's own transaction would commit the test's
    (tested on a live server in tests/browser/test_api_token_stamp.py)."""

    API_TOKEN_STAMP = False

    SQLALCHEMY_ENGINE_OPTIONS = (
        {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        if TestConfig.SQLALCHEMY_DATABASE_URI in ("sqlite://", "sqlite:///:memory:")
        else {"pool_pre_ping": True}
    )


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session, but always on the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


# -- the test client --------------------------------------------------------------
def csrf_token_in(html: str) -> str:
    tag = _CSRF_INPUT.search(html)
    assert tag, "no csrf_token input on the page"
    value = _VALUE.search(tag.group(0))
    assert value, "csrf_token input without a value"
    return value.group(1)


class Client(FlaskClient):
    """A browser of one user. CSRF stays on: ``post_form`` sends the page's token."""

    email: str | None = None

    def open(self, *args, **kwargs):
        # Flush what the test body prepared, so that the request sees it.
        if has_app_context():
            db.session.flush()
        # A fresh context: the request pushes its own app context (own session, own g),
        # instead of borrowing the test body's.
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the body must see what the request changed
        return response

    def csrf_token(self, page: str | None = None) -> str:
        """A valid token for this session, read from ``page`` (default: any page we can see)."""
        if page is None:
            page = "/" if self.email else "/login"
        response = self.get(page, follow_redirects=True)
        return csrf_token_in(response.get_data(as_text=True))

    def post_form(self, url: str, data: dict | None = None, *, page: str | None = None,
                  **kwargs):
        """POST ``data`` with the CSRF token of ``page`` (default: ``url`` itself, fetched
        with GET; for POST-only URLs give the page that carries the button)."""
        token = self.csrf_token(page or url)
        return self.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)

    def login(self, email: str, password: str = DEMO_PASSWORD, next: str | None = None):
        data = {"email": email, "password": password}
        if next is not None:
            data["next"] = next
        response = self.post_form("/login", data)
        if response.status_code == 302:
            self.email = email
        return response

    def logout(self):
        response = self.post_form("/logout", page="/")
        self.email = None
        return response


def translated(msgid: str, locale: str = "sv", **params) -> str:
    """``msgid`` as the interface shows it in ``locale`` (HTML-escaped, as in a page)."""
    from flask import current_app
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    with current_app.test_request_context(), force_locale(locale):
        return str(escape(gettext(msgid, **params)))


def html_lang(response) -> str:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", response.get_data(as_text=True))
    assert match, "no <html lang=...>"
    return match.group(1)


def field_errors(response, field: str) -> str | None:
    """The error list rendered under a form field (templates/_macros/forms.html), or None."""
    match = re.search(rf'<ul class="errors" id="{re.escape(field)}-err"[^>]*>(.*?)</ul>',
                      response.get_data(as_text=True), re.DOTALL)
    return match.group(1) if match else None


def form_errors(response) -> str | None:
    """The errors shown for the form as a whole, or None."""
    match = re.search(r'<div class="flash flash-error" role="alert">(.*?)</div>',
                      response.get_data(as_text=True), re.DOTALL)
    return match.group(1) if match else None


def location_path(response) -> str:
    """The path a redirect points at; fails when it leaves the site."""
    parts = urlsplit(response.headers["Location"])
    assert not parts.scheme and not parts.netloc, response.headers["Location"]
    return parts.path


def redirects_to_login(response) -> bool:
    return response.status_code == 302 and location_path(response) == "/login"


# -- app and database: once per run ------------------------------------------------
@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    app = create_app(RiskregTestConfig)
    app.test_client_class = Client
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo()
        _SEEDED_TOKENS.update(
            (email, token) for email, token in db.session.execute(
                select(User.email, User.session_token)))
        db.session.remove()
    _sign_in_demo_users(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@dataclass
class _Connection:
    """The connection of the running test, for statement_log."""

    current: object | None = None


_test_connection = _Connection()


@pytest.fixture(autouse=True)
def _isolated(request) -> Iterator[None]:
    """A transaction per test, rolled back afterwards (only for tests that use the app)."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {"class_": _BoundSession, "bind": connection,
         "join_transaction_mode": "create_savepoint"}
    )
    _test_connection.current = connection
    limiter.reset()
    ctx = app.app_context()
    ctx.push()
    g.pop("_grants", None)
    try:
        yield
    finally:
        ctx.pop()  # removes the body's session (Flask-SQLAlchemy's teardown)
        db.session = original
        _test_connection.current = None
        outer.rollback()
        connection.close()
        limiter.reset()


# -- users --------------------------------------------------------------------------
@pytest.fixture
def client(app) -> Client:
    """An anonymous visitor."""
    return app.test_client()


# Signed-in session cookies of the demo users, made once after seeding (their sign-in
# records are part of the seeded database) and reused across tests: each test's changes
# are rolled back, so a demo user's session token and sign-in record are back to their
# seeded state and the cookie stays valid. A test that changed the token first gets a real
# sign-in. (Sign-in itself, its event and its session renewal are tested with
# ``client.login``.)
_SEEDED_TOKENS: dict[str, str] = {}
_SESSIONS: dict[str, str] = {}


def _sign_in_demo_users(app: Flask) -> None:
    for email in DEMO_USERS.values():
        c = app.test_client()
        assert c.login(email).status_code == 302, f"could not sign in as {email}"
        _SESSIONS[email] = c.get_cookie("session").value
    limiter.reset()


def _stamp_as_new(c: Client) -> None:
    """A reused cookie is stamped as just signed in and used (the idle timeout and the
    lifetime count from there; its sign-in record is in the seeded database)."""
    now = int(time.time())
    with c.session_transaction() as s:
        s[sessions.STARTED] = s[sessions.SEEN] = now


@pytest.fixture
def login_as(app):
    """``login_as(email)``: a new client signed in as that user."""

    def _login(email: str, password: str = DEMO_PASSWORD) -> Client:
        c = app.test_client()
        seeded = _SEEDED_TOKENS.get(email) if password == DEMO_PASSWORD else None
        reusable = seeded is not None and seeded == db.session.scalar(
            select(User.session_token).where(User.email == email))
        if reusable and email in _SESSIONS:
            c.set_cookie("session", _SESSIONS[email])
            c.email = email
            _stamp_as_new(c)
            return c
        response = c.login(email, password)
        assert response.status_code == 302, f"could not sign in as {email}"
        return c

    return _login


@pytest.fixture
def admin(login_as) -> Client:
    """Administrator of Region Norrbotten (NLL)."""
    return login_as(DEMO_USERS["admin"])


@pytest.fixture
def coordinator(login_as) -> Client:
    """Internal-control coordinator of Regionstyrelsen (NLL-RS)."""
    return login_as(DEMO_USERS["coordinator"])


@pytest.fixture
def owner(login_as) -> Client:
    """Risk owner on Regionstyrelsen (NLL-RS)."""
    return login_as(DEMO_USERS["owner"])


@pytest.fixture
def board(login_as) -> Client:
    """Board reviewer of Regionstyrelsen (NLL-RS)."""
    return login_as(DEMO_USERS["board"])


@pytest.fixture
def coordinator_ls1(login_as) -> Client:
    """Coordinator of Division Länssjukvård 1 (NLL-LS1) only."""
    return login_as(DEMO_USERS["coordinator_ls1"])


@pytest.fixture
def owner_ls1(login_as) -> Client:
    """Risk owner on Division Länssjukvård 1 (NLL-LS1)."""
    return login_as(DEMO_USERS["owner_ls1"])


@pytest.fixture
def coordinator_sormland(login_as) -> Client:
    """Coordinator of Division Primärvård, Region Sörmland (SRM-PV)."""
    return login_as(DEMO_USERS["coordinator_sormland"])


@pytest.fixture
def admin_sormland(login_as) -> Client:
    """Administrator of Region Sörmland: the adversary for every Norrbotten object."""
    return login_as(DEMO_USERS["admin_sormland"])


@pytest.fixture
def make_user(app):
    """``make_user(email, role, unit_code)``: a new user (password DEMO_PASSWORD), saved
    as a request would save it (one unit of work)."""
    from riskreg.admin import services as admin_services
    from riskreg.uow import transaction

    def _make(email: str, role: str, unit_code: str, name: str | None = None) -> User:
        with transaction():
            return admin_services.create_user(None, email, name or email, DEMO_PASSWORD,
                                              role, unit(unit_code))

    return _make


@pytest.fixture
def admin_ls1(make_user, login_as) -> Client:
    """Administrator of Division Länssjukvård 1 only (not of the region)."""
    make_user("admin.ls1@norrbotten.example", "admin", "NLL-LS1")
    return login_as("admin.ls1@norrbotten.example")


ROLES = ("anonymous", *DEMO_USERS, "admin_ls1")


@pytest.fixture
def as_role(request, client, login_as):
    """``as_role(name)``: a client for one of ROLES ("anonymous" is not signed in)."""

    def _as(role: str) -> Client:
        if role == "anonymous":
            return client
        if role in DEMO_USERS:
            return login_as(DEMO_USERS[role])
        return request.getfixturevalue(role)

    return _as


# -- "today" and the risk register -----------------------------------------------------
SECOND_OWNER = "riskagare2@norrbotten.example"  # a second risk owner on NLL-RS (made below)
TODAY_2022_T2 = "2022-06-15"  # Norrbotten's demo tertial of re-assessments


@pytest.fixture
def set_today(app, monkeypatch):
    """``set_today("2022-06-15")``: fix the app's "today" (restored after the test);
    returns the period it falls in."""

    def _set(iso: str) -> Period:
        monkeypatch.setitem(app.config, "RISKREG_TODAY", iso)
        return Period.containing(date.fromisoformat(iso))

    return _set


@pytest.fixture
def t2(set_today) -> Period:
    """Today is in 2022-T2, Norrbotten's demo tertial of re-assessments."""
    return set_today(TODAY_2022_T2)


@pytest.fixture
def owner2(make_user) -> User:
    """A second risk owner on NLL-RS (the same unit as the demo owner)."""
    return make_user(SECOND_OWNER, "owner", "NLL-RS", "Rolf Andraägare")


@pytest.fixture
def second_owner(owner2, login_as) -> Client:
    """The second risk owner on NLL-RS, signed in."""
    return login_as(owner2.email)


@pytest.fixture
def deep_risks(app) -> dict[str, int]:
    """A risk in a grandchild unit of Regionstyrelsen (VO Internmedicin, under Division
    Länssjukvård 1) and one a level deeper, both 4×4 (a cell no seed risk uses)."""
    from tests.helpers.heatmaps import add_unit, plant_risk

    add_unit("NLL-LS1-IMED", "NLL-LS1-IMED-HJ", "Hjärtavdelningen")
    grandchild = plant_risk("NLL-LS1-IMED", [("2022-T1", 4, 4)], "Risk i VO Internmedicin")
    deeper = plant_risk("NLL-LS1-IMED-HJ", [("2022-T1", 4, 4)], "Risk på Hjärtavdelningen")
    return {"grandchild": grandchild.id, "deeper": deeper.id}


# -- lookups the tests use ---------------------------------------------------------
def unit(code: str) -> Unit:
    found = db.session.scalar(select(Unit).where(Unit.code == code))
    assert found is not None, f"no unit {code}"
    return found


def user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None, f"no user {email}"
    return found


def assignments_of(email: str) -> list[RoleAssignment]:
    return list(db.session.scalars(
        select(RoleAssignment).join(User).where(User.email == email)
        .order_by(RoleAssignment.id)))


def db_state() -> dict[str, list]:
    """Every row of every table, in key order: equal before and after = nothing saved."""
    db.session.expire_all()
    return {t.name: [tuple(r) for r in db.session.execute(
        select(t).order_by(*t.primary_key.columns))] for t in db.metadata.sorted_tables}


# -- statements sent and the audit log -----------------------------------------------
# INSERT, UPDATE, DELETE, also behind a WITH (not SELECT ... FOR UPDATE).
_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE\s|DELETE\s+FROM)\b"
                    r"|^\s*WITH\b.*\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b",
                    re.IGNORECASE | re.DOTALL)
_CLOSES_A_TRANSACTION = ("RELEASE", "ROLLBACK", "COMMIT")


@dataclass
class StatementLog:
    """The SQL statements sent on the test's connection, by the test body and by requests
    alike. ``sent`` is everything, transaction plumbing included; ``statements`` (and
    ``count``, ``len()``) leave out BEGIN/SAVEPOINT/RELEASE/ROLLBACK/COMMIT."""

    sent: list[str] = field(default_factory=list)

    @property
    def statements(self) -> list[str]:
        return [s for s in self.sent if not _NOT_A_QUERY.match(s)]

    @property
    def count(self) -> int:
        return len(self.statements)

    def __len__(self) -> int:
        return self.count

    @property
    def writes(self) -> list[str]:
        """Every INSERT, UPDATE and DELETE, on one line each."""
        return [" ".join(s.split()) for s in self.sent if _WRITE.match(s)]

    def write_blocks(self) -> list[list[str]]:
        """The writes grouped by the transaction (savepoint) they ran in: a block ends at
        RELEASE SAVEPOINT / ROLLBACK / COMMIT; blocks without writes are left out."""
        blocks: list[list[str]] = []
        current: list[str] = []
        for s in self.sent:
            if s.lstrip().upper().startswith(_CLOSES_A_TRANSACTION):
                if current:
                    blocks.append(current)
                current = []
            elif _WRITE.match(s):
                current.append(" ".join(s.split()))
        if current:
            blocks.append(current)
        return blocks

    def assert_one_transaction(self, *tables: str) -> list[str]:
        """One block of writes, touching each of ``tables`` and the audit log."""
        blocks = self.write_blocks()
        assert len(blocks) == 1, f"writes in {len(blocks)} transactions: {blocks}"
        written = " | ".join(blocks[0])
        for table in (*tables, "audit_event"):
            assert re.search(rf"\b(INSERT INTO|UPDATE) {table}\b", written), (table, written)
        return blocks[0]


@pytest.fixture
def statement_log(app):
    """``with statement_log() as log: ...`` then ``assert log.count == 1``,
    ``assert not log.writes`` or ``log.assert_one_transaction("risk")``: the one capture
    of SQL statements (query-count pins, writes, transactions)."""

    @contextmanager
    def _capture() -> Iterator[StatementLog]:
        log = StatementLog()
        connection = _test_connection.current

        def _before(_conn, _cursor, statement, _params, _context, _many):
            log.sent.append(statement)

        event.listen(connection, "before_cursor_execute", _before)
        try:
            yield log
        finally:
            event.remove(connection, "before_cursor_execute", _before)

    return _capture


@pytest.fixture
def audit_log(app):
    """``with audit_log() as events: ...``: the audit events written inside the block."""

    @contextmanager
    def _capture() -> Iterator[list[AuditEvent]]:
        last = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        events: list[AuditEvent] = []
        yield events
        db.session.expire_all()
        events.extend(db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id)))

    return _capture
