"""The read-only JSON API: /api/v1/units and /api/v1/risks, scoped like the pages,
authenticated by the session or a personal bearer token (created and revoked on the
profile page, stored hashed), errors as JSON with a message, constant query counts."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from riskreg.admin.services import set_user_active
from riskreg.api import tokens
from riskreg.domain.periods import Period
from riskreg.extensions import db
from riskreg.models import AuditEvent, Unit
from riskreg.models.risks import ApiToken
from riskreg.risks import services
from riskreg.risks.services import NewRisk
from riskreg.risks.texts import RiskTexts
from riskreg.uow import transaction
from riskreg.web import MAX_INT
from tests.conftest import db_state, translated, unit, user
from tests.helpers.risks import (
    LS1_OWNER,
    NLL_BOARD,
    NLL_COORDINATOR,
    NLL_NUMBERS,
    NLL_OWNER,
    NLL_REASSESSED_T2,
    SRM_COORDINATOR,
    SRM_OWNER,
    SRM_REASSESSED_T2,
    SRM_VALUES_2024_T1,
    add_risks,
    plan_of,
    risk,
    risk_ids_in,
)

RISK_KEYS = {"id", "number", "kind", "unit_id", "owner", "title", "event", "success_factor",
             "likelihood", "consequence", "value", "band", "assessment"}
ASSESSMENT_KEYS = {"period", "likelihood", "consequence", "value", "band", "carried_forward"}
SECRET = re.compile(r"rr_[A-Za-z0-9_\-]{20,}")


@pytest.fixture
def ls1_risks(app):
    plan = plan_of("NLL")
    made = []
    for number, code in ((30, "NLL-LS1"), (31, "NLL-LS1-AKUT")):
        with transaction():
            made.append(services.create_risk(None, NewRisk(
                kind="unit", unit_id=unit(code).id, plan_id=plan.id,
                owner_id=user(LS1_OWNER).id, number=number, period=Period(2022, 1),
                likelihood=2, consequence=2,
                texts=RiskTexts(title=f"Risk på {code}", event=f"Risk på {code}"))))
    return made


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def create_token(c, name: str = "Power BI") -> str:
    """Create a token on the profile page; returns the secret shown once."""
    response = c.post_form("/api/v1/tokens", {"name": name}, page="/profile")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    html = c.get("/profile").get_data(as_text=True)
    found = SECRET.findall(html)
    assert len(found) == 1, "the secret is shown once on the profile page"
    return found[0]


def assert_error(response, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["error"]["status"] == status
    assert body["error"]["message"].strip()
    return body["error"]["message"]


# ======================================================================================
# /api/v1/units
# ======================================================================================
@pytest.mark.parametrize(("email", "top"), [(NLL_COORDINATOR, "NLL-RS"), (LS1_OWNER, "NLL-LS1"),
                                           (SRM_COORDINATOR, "SRM-PV"),
                                           ("admin@norrbotten.example", "NLL")])
def test_units_are_the_units_the_caller_may_read(login_as, email, top):
    body = login_as(email).get("/api/v1/units").get_json()
    root = unit(top)
    expected = db.session.scalars(select(Unit).where(Unit.subtree_clause(root.path))).all()
    assert {u["id"] for u in body["units"]} == {u.id for u in expected}
    for item in body["units"]:
        assert set(item) == {"id", "code", "name", "kind", "parent_id"}
        u = db.session.get(Unit, item["id"])
        assert (item["code"], item["name"], item["kind"], item["parent_id"]) == (
            u.code, u.name, u.kind, u.parent_id)


# ======================================================================================
# /api/v1/risks
# ======================================================================================
def test_risks_fields_for_a_success_factor_risk(coordinator, t2):
    body = coordinator.get("/api/v1/risks", query_string={"per_page": "200"}).get_json()
    assert (body["period"], body["total"], body["page"], body["per_page"]) == (
        "2022-T2", 16, 1, 200)
    by_number = {x["number"]: x for x in body["risks"]}
    assert sorted(by_number) == sorted(NLL_NUMBERS)
    r = risk("NLL", 3)
    item = by_number[3]
    assert set(item) == RISK_KEYS
    assert item["id"] == r.id and item["kind"] == "success_factor"
    assert item["unit_id"] == unit("NLL-RS").id
    assert item["owner"] == {"id": user(NLL_OWNER).id, "name": "Rikard Riskägare"}
    # the short title (issue 13, item 3) and, apart, the event text it was drawn from
    assert item["title"] == r.title == "Otillräckliga resurser för återställning efter covid-19"
    assert item["event"] == r.event
    assert item["success_factor"] == {"id": r.success_factor_id, "name": r.success_factor.name}
    assert (item["likelihood"], item["consequence"], item["value"], item["band"]) == (
        3, 3, 9, "Hög")
    assert item["assessment"] == {"period": "2022-T2", "likelihood": 3, "consequence": 3,
                                  "value": 9, "band": "Hög", "carried_forward": False}


@pytest.mark.parametrize(("period", "number", "expected"), [
    ("2022-T1", 3, ("2022-T1", 4, 3, 12, "Hög", False)),
    ("2022-T2", 1, ("2022-T1", 2, 3, 6, "Medel", True)),
    ("2022-T3", 6, ("2022-T2", 1, 2, 2, "Låg", True)),
    ("2024-T3", 16, ("2022-T2", 3, 4, 12, "Hög", True)),
    ("2021-T3", 1, None),
])
def test_risks_for_a_period_carry_the_latest_earlier_assessment(coordinator, period, number,
                                                                expected):
    body = coordinator.get("/api/v1/risks", query_string={"period": period,
                                                          "per_page": "200"}).get_json()
    assert body["period"] == period
    item = next(x for x in body["risks"] if x["number"] == number)
    if expected is None:
        assert item["assessment"] is None
        assert (item["likelihood"], item["value"], item["band"]) == (None, None, None)
        return
    a = item["assessment"]
    assert (a["period"], a["likelihood"], a["consequence"], a["value"], a["band"],
            a["carried_forward"]) == expected
    assert (item["likelihood"], item["consequence"], item["value"], item["band"]) == expected[1:5]


def test_carried_forward_for_every_risk_of_a_period(coordinator, coordinator_sormland):
    nll = coordinator.get("/api/v1/risks?period=2022-T2&per_page=200").get_json()["risks"]
    assert {x["number"] for x in nll if not x["assessment"]["carried_forward"]} == set(
        NLL_REASSESSED_T2)
    srm = coordinator_sormland.get("/api/v1/risks?period=2024-T2").get_json()["risks"]
    assert {x["number"] for x in srm if x["assessment"]["carried_forward"]} == (
        set(SRM_VALUES_2024_T1) - set(SRM_REASSESSED_T2))
    first = coordinator_sormland.get("/api/v1/risks?period=2024-T1").get_json()["risks"]
    assert {x["number"]: x["value"] for x in first} == SRM_VALUES_2024_T1
    assert sorted(x["band"] for x in first) == ["Hög", "Låg", "Medel", "Medel", "Medel"]


def test_the_current_period_is_the_default(coordinator, set_today):
    now = set_today("2023-02-01")
    body = coordinator.get("/api/v1/risks").get_json()
    assert body["period"] == str(now) == "2023-T1"
    assert all(x["assessment"]["carried_forward"] for x in body["risks"])


def test_pagination_and_total(coordinator):
    add_risks(37, event_text="API-risk")
    seen, page = [], 1
    while True:
        body = coordinator.get("/api/v1/risks", query_string={"per_page": "10",
                                                              "page": str(page)}).get_json()
        assert body["total"] == 53 and body["per_page"] == 10 and body["page"] == page
        if not body["risks"]:
            break
        assert len(body["risks"]) == (10 if page < 6 else 3)
        seen += [x["id"] for x in body["risks"]]
        page += 1
    assert page == 7
    assert len(seen) == len(set(seen)) == 53
    far = coordinator.get("/api/v1/risks", query_string={"page": "9999999",
                                                         "per_page": "200"}).get_json()
    assert far["total"] == 53 and far["risks"] == []
    default = coordinator.get("/api/v1/risks").get_json()
    assert default["per_page"] == 50 and len(default["risks"]) == 50


@pytest.mark.parametrize(("code", "include", "expected"), [
    ("NLL-RS", None, {"NLL-RS", "NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-RS", "true", {"NLL-RS", "NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-RS", "false", {"NLL-RS"}),
    ("NLL-LS1", "true", {"NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-LS1", "1", {"NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-LS1", "false", {"NLL-LS1"}),
    ("NLL-LS1", "0", {"NLL-LS1"}),
    ("NLL-LS1-AKUT", "false", {"NLL-LS1-AKUT"}),
    ("NLL-NARA", "true", set()),
    # the same words as the pages (web.bool_arg); empty is the default
    ("NLL-LS1", "", {"NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-LS1", "YES", {"NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-LS1", "y", {"NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-LS1", "on", {"NLL-LS1", "NLL-LS1-AKUT"}),
    ("NLL-LS1", "no", {"NLL-LS1"}),
    ("NLL-LS1", "n", {"NLL-LS1"}),
    ("NLL-LS1", "Off", {"NLL-LS1"}),
])
def test_unit_and_include_subunits(coordinator, ls1_risks, code, include, expected):
    query = {"unit": str(unit(code).id), "per_page": "200"}
    if include is not None:
        query["include_subunits"] = include
    body = coordinator.get("/api/v1/risks", query_string=query).get_json()
    units = {db.session.get(Unit, x["unit_id"]).code for x in body["risks"]}
    assert units == expected
    counts = {"NLL-RS": 16, "NLL-LS1": 1, "NLL-LS1-AKUT": 1}
    assert body["total"] == sum(counts[c] for c in expected)


def test_an_owner_beneath_sees_only_the_risks_beneath(login_as, ls1_risks):
    body = login_as(LS1_OWNER).get("/api/v1/risks").get_json()
    assert {x["id"] for x in body["risks"]} == {r.id for r in ls1_risks}
    assert body["total"] == 2


# ======================================================================================
# Errors
# ======================================================================================
@pytest.mark.parametrize("query", [
    {"period": "2022-T4"}, {"period": "2022-T0"}, {"period": "abc"}, {"period": "２０２２-T1"},
    {"period": "1800-T1"}, {"include_subunits": "maybe"}, {"include_subunits": "ja"},
    {"page": "0"}, {"page": "-1"}, {"page": "abc"}, {"page": "9" * 12},
    {"per_page": "1000"}, {"per_page": "0"}, {"per_page": "201"}, {"per_page": "ten"},
    {"unit": "abc"}, {"unit": "-1"}, {"unit": "9" * 30},
], ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_bad_parameters_are_400_with_a_message(coordinator, query):
    assert_error(coordinator.get("/api/v1/risks", query_string=query), 400)


@pytest.mark.parametrize(("name", "value", "maximum"), [
    ("page", "0", MAX_INT), ("page", "abc", MAX_INT), ("page", str(2**31), MAX_INT),
    ("per_page", "201", 200), ("per_page", "0", 200),
])
def test_a_bad_page_or_page_size_says_the_range(coordinator, name, value, maximum):
    """The same parser and message as the register's page (web.positive_int_arg)."""
    message = assert_error(coordinator.get("/api/v1/risks", query_string={name: value}), 400)
    assert message == translated("%(name)s must be a whole number from 1 to %(max)d.",
                                 name=name, max=maximum)


def test_a_bad_period_message_speaks_the_interface_language(coordinator):
    message = assert_error(coordinator.get("/api/v1/risks?period=2022-T4"), 400)
    assert message == translated("%(name)s: not a period; use YYYY-Tn, e.g. 2024-T1.",
                                 name="period")


@pytest.mark.parametrize("path", ["/api/v1/units", "/api/v1/risks",
                                  "/api/v1/risks?period=2022-T1"])
def test_unauthenticated_is_401_json(client, path):
    assert_error(client.get(path), 401)


@pytest.mark.parametrize("header", ["Bearer ", "Bearer rr_not-a-real-token-at-all-000000",
                                    "Bearer x", "Basic YWRtaW46YWRtaW4=", "rr_abc",
                                    "Bearer " + "rr_" + "a" * 300])
def test_a_bad_authorization_header_is_401(client, header):
    assert_error(client.get("/api/v1/risks", headers={"Authorization": header}), 401)


@pytest.mark.parametrize("email", [SRM_COORDINATOR, SRM_OWNER, "admin@sormland.example"])
@pytest.mark.parametrize("code", ["NLL-RS", "NLL", "NLL-LS1-AKUT"])
def test_another_regions_unit_is_404(login_as, email, code):
    c = login_as(email)
    assert_error(c.get("/api/v1/risks", query_string={"unit": str(unit(code).id)}), 404)
    assert_error(c.get("/api/v1/risks", query_string={"unit": str(2**31 - 1)}), 404)


@pytest.mark.parametrize("email", [SRM_COORDINATOR, SRM_OWNER, "admin@sormland.example",
                                   "styrelse@sormland.example"])
def test_another_region_never_finds_a_norrbotten_risk(login_as, email):
    c = login_as(email)
    nll = risk_ids_in("NLL")
    for period in ("2022-T1", "2022-T2", "2024-T1"):
        body = c.get("/api/v1/risks", query_string={"period": period,
                                                    "per_page": "200"}).get_json()
        assert body["total"] == 5
        assert not {x["id"] for x in body["risks"]} & nll
    units = {u["id"] for u in c.get("/api/v1/units").get_json()["units"]}
    assert unit("NLL-RS").id not in units and unit("NLL").id not in units


# ======================================================================================
# Personal tokens
# ======================================================================================
def test_a_token_is_shown_once_stored_hashed_and_reads_like_its_user(owner, client):
    before = set(db.session.scalars(select(ApiToken.id)))
    secret = create_token(owner, "Min rapport")
    assert SECRET.findall(owner.get("/profile").get_data(as_text=True)) == []  # only once
    [token] = db.session.scalars(select(ApiToken).where(ApiToken.id.notin_(before))).all()
    assert token.user.email == NLL_OWNER and token.name == "Min rapport"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and len(token.prefix) < len(secret) // 2
    # the plaintext is nowhere in the database
    dump = repr(db_state())
    assert secret not in dump and secret[len(token.prefix):] not in dump
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "api_token",
                                                       AuditEvent.object_id == token.id))
    assert event.action == "create" and secret not in repr(event.new)
    # the token reads the owner's scope, with no session
    body = client.get("/api/v1/risks", headers=bearer(secret)).get_json()
    assert body["total"] == 16
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 200
    assert tokens.user_for_token(secret).email == NLL_OWNER
    # the profile lists it by name and prefix
    profile = owner.get("/profile").get_data(as_text=True)
    assert "Min rapport" in profile and token.prefix in profile


def test_a_revoked_token_is_401(owner, client):
    secret = create_token(owner)
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == tokens.digest(secret)))
    assert client.get("/api/v1/risks", headers=bearer(secret)).status_code == 200
    response = owner.post_form(f"/api/v1/tokens/{token.id}/revoke", page="/profile")
    assert response.status_code == 302
    db.session.expire_all()
    assert token.revoked_at is not None
    assert_error(client.get("/api/v1/risks", headers=bearer(secret)), 401)
    assert token.prefix not in owner.get("/profile").get_data(as_text=True)
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "api_token", AuditEvent.object_id == token.id)
        .order_by(AuditEvent.id)))
    assert actions == ["create", "revoke"]


def test_a_deactivated_users_token_is_401(owner, client):
    secret = create_token(owner)
    with transaction():
        set_user_active(user("admin@norrbotten.example"), user(NLL_OWNER), False)
    assert_error(client.get("/api/v1/risks", headers=bearer(secret)), 401)


def test_a_token_is_no_session_for_the_pages(owner, client):
    secret = create_token(owner)
    response = client.get("/risks/", headers=bearer(secret))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    before = db_state()
    r = risk("NLL", 1)
    response = client.post(f"/risks/{r.id}/edit", headers=bearer(secret),
                           data={"event": "Via token", "version": str(r.version)})
    assert response.status_code in (302, 400)  # sign in first, or the CSRF check
    assert db_state() == before


def test_a_token_cannot_make_or_revoke_tokens(owner, client):
    secret = create_token(owner)
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == tokens.digest(secret)))
    before = db_state()
    for url in ("/api/v1/tokens", f"/api/v1/tokens/{token.id}/revoke"):
        response = client.post(url, headers=bearer(secret), data={"name": "Ny"})
        assert response.status_code in (400, 403)
        assert response.get_json()["error"]["message"]
    assert db_state() == before


def test_a_board_reviewer_may_create_a_read_only_token(board, client):
    secret = create_token(board)
    body = client.get("/api/v1/risks", headers=bearer(secret)).get_json()
    assert body["total"] == 16
    before = db_state()
    r = risk("NLL", 1)
    response = client.post(f"/api/v1/risks?id={r.id}", headers=bearer(secret))
    assert response.status_code == 405  # the API has no writes
    assert db_state() == before


@pytest.mark.parametrize("email", [NLL_BOARD, NLL_COORDINATOR, SRM_COORDINATOR])
def test_nobody_revokes_another_users_token(owner, login_as, email):
    secret = create_token(owner)
    token = db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == tokens.digest(secret)))
    before = db_state()
    response = login_as(email).post_form(f"/api/v1/tokens/{token.id}/revoke", page="/profile")
    assert_error(response, 404)
    assert db_state() == before


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name(owner, name):
    before = db_state()
    response = owner.post_form("/api/v1/tokens", {"name": name}, page="/profile")
    assert response.status_code == 302
    html = owner.get("/profile").get_data(as_text=True)
    assert translated("Give the token a name of at most 100 characters.") in html
    assert not SECRET.findall(html)
    assert db_state() == before


def test_at_most_ten_active_tokens(owner):
    for i in range(10):
        create_token(owner, f"T{i}")
    before = db_state()
    owner.post_form("/api/v1/tokens", {"name": "T11"}, page="/profile")
    html = owner.get("/profile").get_data(as_text=True)
    assert translated("You have %(n)d active tokens: revoke one first.", n=10) in html
    assert db_state() == before


def test_token_forms_need_csrf(owner):
    before = db_state()
    assert owner.post("/api/v1/tokens", data={"name": "Utan CSRF"}).status_code == 400
    assert db_state() == before


# ======================================================================================
# Query counts
# ======================================================================================
# Pinned: the user and their roles (2); the unit of ?unit= (1); the page of risks with units,
# owners and factors, the total riding along as a window count (1); the scales of the
# organisations on the page (1). A token adds its lookup.
API_QUERIES = {"session": 5, "token": 6}


@pytest.mark.parametrize("auth", ["session", "token"])
def test_the_api_issues_the_same_queries_for_10_and_500_risks(owner, client, statement_log,
                                                              auth):
    secret = create_token(owner) if auth == "token" else None
    c, headers = (client, bearer(secret)) if secret else (owner, {})
    query = {"per_page": "200", "unit": str(unit("NLL-LS1").id)}

    def measure(expected_total: int) -> int:
        c.get("/api/v1/risks", query_string=query, headers=headers)  # warm
        with statement_log() as q:
            body = c.get("/api/v1/risks", query_string=query, headers=headers).get_json()
        assert body["total"] == expected_total
        return q.count

    for i, code in enumerate(["NLL-LS1-AKUT", "NLL-LS1-BARN"]):
        add_risks(5, unit_code=code, owner_email=(LS1_OWNER, NLL_OWNER)[i])
    small = measure(10)
    for i, code in enumerate(["NLL-LS1-AKUT", "NLL-LS1-BARN"]):
        add_risks(245, unit_code=code, owner_email=(LS1_OWNER, NLL_OWNER)[i])
    large = measure(500)
    assert small == large == API_QUERIES[auth]
