"""Issue 15, item 3: control characters (NUL above all) in any text input, query parameter
or JSON field are refused with 400 and a clear message, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from tests.conftest import DEMO_USERS, db_state, translated, unit
from tests.helpers.forms import new_user_form
from tests.helpers.risks import new_risk_data, risk

MESSAGE = ("A control character (such as a NUL byte) is not allowed in the input: "
           "%(field)s.")


def _edit(field: str, text: str) -> dict:
    r = risk("NLL", 1)
    return {"version": str(r.version), "title": r.title, "event": r.event, field: text}


def _assess(text: str) -> dict:
    r = risk("NLL", 1)
    return {"version": str(r.version), "period": "", "likelihood": "2", "consequence": "2",
            "comment": text}


def _unit(name: str) -> dict:
    return {"parent_id": str(unit("NLL-LS1").id), "code": "NLL-NY", "name": name,
            "kind": "unit"}


def _unit_edit(name: str) -> dict:
    u = unit("NLL-NARA")
    return {"code": u.code, "name": name, "kind": u.kind}


# (role, url, data, field): one case per kind of text named in the issue.
FORMS = [
    ("coordinator", lambda: f"/risks/new?unit={unit('NLL-RS').id}",
     lambda t: new_risk_data(event=f"Risk{t}text"), "event"),
    ("coordinator", lambda: f"/risks/new?unit={unit('NLL-RS').id}",
     lambda t: new_risk_data(method=f"Stick{t}prov"), "method"),
    ("owner", lambda: f"/risks/{risk('NLL', 1).id}/edit",
     lambda t: _edit("cause", f"Orsak{t}"), "cause"),
    ("owner", lambda: f"/risks/{risk('NLL', 1).id}/assess",
     lambda t: _assess(f"Kommentar{t}"), "comment"),
    ("coordinator", lambda: f"/risks/{risk('NLL', 1).id}/archive",
     lambda t: {"version": str(risk("NLL", 1).version), "reason": f"Skäl{t}"}, "reason"),
    ("admin", lambda: "/admin/units/new", lambda t: _unit(f"Enhet{t}"), "name"),
    ("admin", lambda: f"/admin/units/{unit('NLL-NARA').id}",
     lambda t: _unit_edit(f"Enhet{t}"), "name"),
    ("admin", lambda: "/admin/users/new",
     lambda t: new_user_form("ny@norrbotten.example", unit("NLL-RS").id, name=f"Namn{t}"),
     "name"),
]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]


def _check_refused(response, field: str, api: bool = False) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    if api:
        assert response.get_json()["error"]["message"] == translated(MESSAGE, field=field)
    else:
        assert translated(MESSAGE, field=field) in response.get_data(as_text=True)


@pytest.mark.parametrize("control", CONTROLS, ids=repr)
@pytest.mark.parametrize(("role", "url", "data", "field"), FORMS,
                         ids=[f"{f[3]}@{i}" for i, f in enumerate(FORMS)])
def test_forms_refuse_control_characters(as_role, role, url, data, field, control):
    c = as_role(role)
    before = db_state()
    _check_refused(c.post_form(url(), data(control)), field)
    assert db_state() == before


@pytest.mark.parametrize("text", ["rad ett\r\nrad två", "kolumn\tkolumn", "åäö – ”citat” €"])
def test_tab_newlines_and_ordinary_text_are_accepted(owner, text):
    r = risk("NLL", 1)
    response = owner.post_form(f"/risks/{r.id}/edit", _edit("cause", text))
    assert response.status_code == 302
    assert risk("NLL", 1).cause == text


@pytest.mark.parametrize("url", ["/risks/?q=a%00b", "/risks/?q%00=x", "/heatmaps/?unit=%00",
                                 "/risks/?q=a%1Bb"])
def test_query_parameters_refuse_control_characters(coordinator, url):
    response = coordinator.get(url)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_the_search_names_the_parameter(coordinator):
    _check_refused(coordinator.get("/risks/?q=a%00b"), "q")


def test_sign_in_with_a_nul_in_the_e_mail_is_refused(client):
    before = db_state()
    response = client.post_form("/login", {"email": f"{DEMO_USERS['owner']}\x00",
                                           "password": "x"})
    _check_refused(response, "email")
    assert db_state() == before


def test_api_query_parameters_refuse_control_characters(owner):
    _check_refused(owner.get("/api/v1/risks?q=a%00b"), "q", api=True)


@pytest.mark.parametrize("body", [{"name": "tok\x00en"}, {"x": ["ok", {"deep": "a\x00"}]},
                                  {"na\x00me": "token"}])
def test_json_fields_refuse_control_characters(owner, body):
    token = owner.csrf_token("/profile")
    before = db_state()
    response = owner.post("/api/v1/tokens", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]["message"]
    assert db_state() == before


def test_the_field_name_is_shown_without_its_control_characters(admin):
    response = admin.get("/risks/?a%00b=1")
    assert response.status_code == 400
    assert translated(MESSAGE, field="a?b") in response.get_data(as_text=True)
