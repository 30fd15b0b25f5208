"""Bad input gives field errors (400) or 404 — never a 500, never a half-saved change."""

from __future__ import annotations

import pytest
from markupsafe import escape
from wtforms.i18n import get_translations

from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from tests.conftest import DEMO_USERS, db_state, field_errors, form_errors, translated, unit, user
from tests.helpers.forms import new_user_form, scale_form, with_band_gap

HUGE = "9" * 25  # beyond any integer column
BIG = str(2**31)  # beyond a 32-bit INTEGER (PostgreSQL)


def _unit_form(**changes):
    return {"parent_id": str(unit("NLL-LS1").id), "code": "NLL-NEW", "name": "Ny enhet",
            "kind": "unit", **changes}


def _edit_form(**changes):
    u = unit("NLL-NARA")
    return {"code": u.code, "name": u.name, "kind": u.kind, **changes}


def _user_url() -> str:
    return f"/admin/users/{user(DEMO_USERS['owner_ls1']).id}"


FIELD_ERRORS = [
    ("/admin/units/new", lambda: _unit_form(code=""), "code"),
    ("/admin/units/new", lambda: _unit_form(code="  "), "code"),
    ("/admin/units/new", lambda: _unit_form(code="Å-ÄÖ"), "code"),
    ("/admin/units/new", lambda: _unit_form(code="X" * 21), "code"),
    ("/admin/units/new", lambda: _unit_form(code="NLL-LS1"), "code"),  # duplicate
    ("/admin/units/new", lambda: _unit_form(name=""), "name"),
    ("/admin/units/new", lambda: _unit_form(name="x" * 201), "name"),
    ("/admin/units/new", lambda: _unit_form(kind="castle"), "kind"),
    ("/admin/units/new", lambda: _unit_form(parent_id="abc"), "parent_id"),
    ("/admin/units/new", lambda: _unit_form(parent_id=""), "parent_id"),
    ("/admin/units/new", lambda: _unit_form(parent_id=HUGE), "parent_id"),
    ("/admin/units/new", lambda: _unit_form(parent_id=str(unit("SRM-PV").id)), "parent_id"),
    ("/admin/units/{NLL-NARA}", lambda: _edit_form(name=""), "name"),
    ("/admin/units/{NLL-NARA}", lambda: _edit_form(code="NLL-RS"), "code"),  # duplicate
    ("/admin/units/{NLL-NARA}", lambda: _edit_form(kind=""), "kind"),
    ("/admin/users/new", lambda: new_user_form("", unit("NLL-RS").id), "email"),
    ("/admin/users/new", lambda: new_user_form("no-at-sign", unit("NLL-RS").id), "email"),
    ("/admin/users/new", lambda: new_user_form(DEMO_USERS["owner"], unit("NLL-RS").id),
     "email"),  # duplicate
    ("/admin/users/new", lambda: new_user_form("n@x.example", unit("NLL-RS").id,
                                               password="short"), "password"),
    ("/admin/users/new", lambda: new_user_form("n@x.example", unit("NLL-RS").id,
                                               confirm="other-password"), "confirm"),
    ("/admin/users/new", lambda: new_user_form("n@x.example", unit("NLL-RS").id,
                                               role="emperor"), "role"),
    ("/admin/users/new", lambda: new_user_form("n@x.example", "abc"), "unit_id"),
    ("/admin/users/new", lambda: new_user_form("n@x.example", "", name=""), "name"),
    ("{user}", lambda: {"role": "", "unit_id": str(unit("NLL-RS").id)}, "role"),
    ("{user}", lambda: {"role": "owner", "unit_id": "x"}, "unit_id"),
    ("{user}", lambda: {"role": "owner", "unit_id": str(unit("NLL-LS1").id)}, "role"),  # has it
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "size": "abc"}, "size"),
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "size": "11"}, "size"),
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "action_threshold": "0"}, "action_threshold"),
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "action_threshold": ""}, "action_threshold"),
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "bands-0-colour": "red"}, "bands-0-colour"),
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "bands-0-low": "ett"}, "bands-0-low"),
    ("/admin/scale/{NLL}", lambda: {**scale_form(), "bands-1-high": "0"}, "bands-1-high"),
]


def resolve(url: str) -> str:
    if url == "{user}":
        return _user_url()
    for code in ("NLL-NARA", "NLL"):
        url = url.replace("{" + code + "}", str(unit(code).id))
    return url


@pytest.mark.parametrize(("url", "data", "field"), FIELD_ERRORS,
                         ids=[f"{u}:{f}:{i}" for i, (u, _, f) in enumerate(FIELD_ERRORS)])
def test_field_errors(admin, url, data, field):
    target = resolve(url)
    form = data()
    before = db_state()
    response = admin.post_form(target, form)
    assert response.status_code == 400
    assert field_errors(response, field), f"no error shown for {field}"
    html = response.get_data(as_text=True)
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert db_state() == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(bands=with_band_gap()),
         ("No band covers %(low)d–%(high)d.",
          {"low": DEFAULT_SCALE_CONFIG["bands"][1]["low"],
           "high": DEFAULT_SCALE_CONFIG["bands"][1]["low"]})),
        (dict(likelihood_labels=DEFAULT_SCALE_CONFIG["likelihood_labels"][:-1]),
         ("Give exactly %(size)d likelihood labels, none empty.",
          {"size": DEFAULT_SCALE_CONFIG["size"]})),
        (dict(action_threshold=DEFAULT_SCALE_CONFIG["size"] ** 2 + 1),
         ("The action threshold must be between 1 and %(max)d.",
          {"max": DEFAULT_SCALE_CONFIG["size"] ** 2})),
    ],
    ids=["gap", "label count", "threshold beyond max"],
)
def test_invalid_scale_is_a_form_error(admin, changes, message):
    root = unit("NLL")
    before = db_state()
    response = admin.post_form(f"/admin/scale/{root.id}", scale_form(**changes))
    assert response.status_code == 400
    msgid, params = message
    assert translated(msgid, **params) in form_errors(response)
    assert db_state() == before


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_errors_speak_the_language_of_the_interface(admin, locale):
    admin.post_form(f"/language/{locale}", page="/")
    response = admin.post_form("/admin/units/new", _unit_form(code="NLL-LS1"))
    assert response.status_code == 400
    expected = translated("Another unit already has the code %(code)s.", locale, code="NLL-LS1")
    assert expected in field_errors(response, "code")
    # WTForms' own messages follow the interface too (from WTForms' catalog)
    response = admin.post_form("/admin/units/new", _unit_form(name=""))
    required = escape(get_translations([locale]).gettext("This field is required."))
    assert required in field_errors(response, "name")


MALFORMED = [
    ("GET", "/admin/units/abc"),
    ("GET", "/admin/units/-1"),
    ("GET", "/admin/units/1.5"),
    ("GET", "/admin/units/0"),
    ("GET", f"/admin/units/{BIG}"),
    ("GET", f"/admin/units/{HUGE}"),
    ("POST", f"/admin/units/{HUGE}"),
    ("GET", "/admin/users/abc"),
    ("GET", f"/admin/users/{BIG}"),
    ("GET", f"/admin/users/{HUGE}"),
    ("GET", "/admin/scale/abc"),
    ("GET", f"/admin/scale/{BIG}"),
    ("GET", f"/admin/scale/{HUGE}"),
    ("POST", f"/admin/users/{HUGE}/active"),
    ("POST", "/admin/users/abc/active"),
    ("POST", f"/admin/assignments/{HUGE}/delete"),
    ("POST", f"/admin/assignments/{BIG}/delete"),
    ("POST", "/admin/assignments/abc/delete"),
    ("POST", "/language/xx"),
    ("GET", "/no-such-page"),
    ("GET", "/admin/no-such-page"),
]


@pytest.mark.parametrize(("method", "url"), MALFORMED, ids=[f"{m} {u}" for m, u in MALFORMED])
def test_malformed_ids_are_not_found(admin, method, url):
    if method == "GET":
        response = admin.get(url)
    else:
        response = admin.post(url, data={"csrf_token": admin.csrf_token()})
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


@pytest.mark.parametrize("parent", ["abc", HUGE, "-1", ""])
def test_odd_parent_in_the_query_string_is_ignored(admin, parent):
    assert admin.get("/admin/units/new", query_string={"parent": parent}).status_code == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405(admin, method):
    assert admin.open("/language/en", method=method).status_code == 405
    assert admin.open("/logout", method=method).status_code == 405


def test_error_pages_are_html_with_a_status(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)
