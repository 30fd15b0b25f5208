"""Every write leaves exactly one audit event with its old → new values; a refused write
leaves none and saves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.extensions import db
from riskreg.models import RiskScale, RoleAssignment, Unit
from tests.conftest import DEMO_USERS, assignments_of, db_state, unit, user
from tests.helpers.forms import new_user_form, scale_form, with_band_gap

LS1_OWNER = DEMO_USERS["owner_ls1"]


def only_event(events):
    assert len(events) == 1, [(e.object_type, e.action) for e in events]
    return events[0]


def test_login_leaves_one_login_event(client, audit_log):
    with audit_log() as events:
        assert client.login(DEMO_USERS["owner"]).status_code == 302
    event = only_event(events)
    owner = user(DEMO_USERS["owner"])
    assert (event.object_type, event.object_id, event.action) == ("user", owner.id, "login")
    assert event.user_id == owner.id
    assert event.at is not None and event.at.utcoffset().total_seconds() == 0


def test_failed_login_leaves_no_event(client, audit_log):
    with audit_log() as events:
        client.login(DEMO_USERS["owner"], "wrong-password")
    assert events == []


def test_add_unit(admin, audit_log):
    parent = unit("NLL-LS1")
    form = {"parent_id": parent.id, "code": "nll-ls1-ort", "name": "VO Ortopedi", "kind": "unit"}
    with audit_log() as events:
        response = admin.post_form("/admin/units/new", form)
    assert response.status_code == 302
    new = unit("NLL-LS1-ORT")  # codes are upper-cased
    assert (new.parent_id, new.name, new.kind) == (parent.id, "VO Ortopedi", "unit")
    assert new.path == f"{parent.path}{new.id}/" and new.depth == parent.depth + 1
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == ("unit", new.id, "create")
    assert event.user_id == user(DEMO_USERS["admin"]).id
    assert event.old is None
    assert event.new == {"code": "NLL-LS1-ORT", "name": "VO Ortopedi", "kind": "unit",
                         "parent_id": parent.id}
    assert event.unit_id == new.id


def test_edit_unit(admin, audit_log):
    target = unit("NLL-LS1-IMED")
    old_name = target.name
    with audit_log() as events:
        response = admin.post_form(f"/admin/units/{target.id}",
                                   {"code": target.code, "name": "VO Medicin", "kind": target.kind})
    assert response.status_code == 302
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == ("unit", target.id, "update")
    assert event.old == {"name": old_name}
    assert event.new == {"name": "VO Medicin"}
    assert unit("NLL-LS1-IMED").name == "VO Medicin"


def test_saving_an_unchanged_unit_leaves_no_event(admin, audit_log):
    target = unit("NLL-NARA")
    with audit_log() as events:
        response = admin.post_form(f"/admin/units/{target.id}",
                                   {"code": target.code, "name": target.name, "kind": target.kind})
    assert response.status_code == 302
    assert events == []


def test_create_user(admin, audit_log):
    ls1 = unit("NLL-LS1")
    with audit_log() as events:
        response = admin.post_form("/admin/users/new",
                                   new_user_form("Ny.Person@Norrbotten.example", ls1.id))
    assert response.status_code == 302
    created = user("ny.person@norrbotten.example")
    assert [(a.role, a.unit.code) for a in created.assignments] == [("owner", "NLL-LS1")]
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == ("user", created.id, "create")
    assert event.old is None
    assert event.new == {"email": "ny.person@norrbotten.example", "name": "Test Person",
                         "role": "owner", "unit": "NLL-LS1"}
    assert "a-long-enough-password" not in str(event.new)
    assert event.unit_id == ls1.id


def test_assign_role(admin, audit_log):
    target = user(LS1_OWNER)
    imed = unit("NLL-LS1-IMED")
    with audit_log() as events:
        response = admin.post_form(f"/admin/users/{target.id}",
                                   {"role": "coordinator", "unit_id": imed.id})
    assert response.status_code == 302
    assignment = assignments_of(LS1_OWNER)[-1]
    assert (assignment.role, assignment.unit_id) == ("coordinator", imed.id)
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == \
        ("role_assignment", assignment.id, "create")
    assert event.old is None
    assert event.new == {"user": LS1_OWNER, "role": "coordinator", "unit": "NLL-LS1-IMED"}


def test_remove_role(admin, audit_log):
    target = user(LS1_OWNER)
    extra = RoleAssignment(user_id=target.id, role="board", unit_id=unit("NLL-LS1").id)
    db.session.add(extra)
    db.session.commit()
    extra_id = extra.id
    with audit_log() as events:
        response = admin.post_form(f"/admin/assignments/{extra_id}/delete",
                                   page=f"/admin/users/{target.id}")
    assert response.status_code == 302
    assert [a.role for a in assignments_of(LS1_OWNER)] == ["owner"]
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == \
        ("role_assignment", extra_id, "delete")
    assert event.old == {"user": LS1_OWNER, "role": "board", "unit": "NLL-LS1"}
    assert event.new is None


@pytest.mark.parametrize(("active", "action"), [(False, "deactivate"), (True, "activate")])
def test_deactivate_and_activate(admin, audit_log, active, action):
    target = user(LS1_OWNER)
    if active:  # start from a deactivated user
        target.active = False
        db.session.commit()
    with audit_log() as events:
        response = admin.post_form(f"/admin/users/{target.id}/active",
                                   {"active": "1" if active else "0"},
                                   page=f"/admin/users/{target.id}")
    assert response.status_code == 302
    assert user(LS1_OWNER).active is active
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == ("user", target.id, action)
    assert event.old == {"active": not active}
    assert event.new == {"active": active}


def test_change_scale(admin, audit_log):
    root = unit("NLL")
    new_threshold = DEFAULT_SCALE_CONFIG["action_threshold"] + 1
    with audit_log() as events:
        response = admin.post_form(f"/admin/scale/{root.id}",
                                   scale_form(action_threshold=new_threshold))
    assert response.status_code == 302
    scale = db.session.scalar(select(RiskScale).where(RiskScale.unit_id == root.id))
    assert scale.action_threshold == new_threshold
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == \
        ("risk_scale", scale.id, "update")
    assert event.old == {"action_threshold": DEFAULT_SCALE_CONFIG["action_threshold"]}
    assert event.new == {"action_threshold": new_threshold}
    assert event.unit_id == root.id


def test_change_scale_bands(admin_sormland, audit_log):
    root = unit("SRM")
    bands = [{"name": "Låg", "low": 1, "high": 8, "colour": "#00ff00"},
             {"name": "Hög", "low": 9, "high": 16, "colour": "#ff0000"}]
    with audit_log() as events:
        response = admin_sormland.post_form(f"/admin/scale/{root.id}",
                                            scale_form("SRM", bands=bands))
    assert response.status_code == 302
    event = only_event(events)
    assert event.old == {"bands": DEFAULT_SCALE_CONFIG["bands"]}
    assert event.new == {"bands": bands}


def test_change_password(owner, audit_log):
    me = user(DEMO_USERS["owner"])
    hash_before = me.password_hash
    with audit_log() as events:
        response = owner.post_form("/profile", {"current": "riskreg-demo-2026",
                                                "password": "another-long-password",
                                                "confirm": "another-long-password"})
    assert response.status_code == 302
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == ("user", me.id, "password")
    assert event.user_id == me.id
    # the audit log never holds a password or its hash
    assert not event.old and not event.new
    assert hash_before not in str(event.new) and user(me.email).password_hash != hash_before


def test_change_language(owner, audit_log):
    me = user(DEMO_USERS["owner"])
    old = me.language
    with audit_log() as events:
        response = owner.post_form("/language/en", page="/")
    assert response.status_code == 302
    event = only_event(events)
    assert (event.object_type, event.object_id, event.action) == ("user", me.id, "language")
    assert event.old == {"language": old}
    assert event.new == {"language": "en"}
    with audit_log() as again:
        owner.post_form("/language/en", page="/")
    assert again == []


def test_anonymous_language_switch_leaves_no_event(client, audit_log):
    with audit_log() as events:
        assert client.post_form("/language/en", page="/login").status_code == 302
    assert events == []


# -- refused writes: no event, nothing saved ---------------------------------------------
def _unit_form(code="NLL-NEW", parent="NLL-LS1", **changes):
    return {"parent_id": unit(parent).id, "code": code, "name": "Ny enhet", "kind": "unit",
            **changes}


def _edit_form(of, **changes):
    u = unit(of)
    return {"code": u.code, "name": u.name, "kind": u.kind, **changes}


REFUSED = [
    # (role, url, form data, page carrying the token, expected status)
    ("coordinator", "/admin/units/new", lambda: _unit_form(), "/", 403),
    ("owner", "/admin/users/new", lambda: new_user_form("x@norrbotten.example",
                                                        unit("NLL-RS").id), "/", 403),
    ("board", "/admin/scale/{NLL}", lambda: scale_form(action_threshold=10), "/", 403),
    ("coordinator_ls1", "/admin/units/{NLL-LS1-IMED}", lambda: _edit_form("NLL-LS1-IMED",
                                                                          name="X"), "/", 403),
    ("admin_sormland", "/admin/units/{NLL-LS1}", lambda: _edit_form("NLL-LS1", name="Hacked"),
     "/admin/", 404),
    ("admin_sormland", "/admin/units/new", lambda: _unit_form(), None, 400),
    ("admin_sormland", "/admin/scale/{NLL}", lambda: scale_form(action_threshold=10), "/admin/",
     404),
    ("admin_sormland", "/admin/users/{riskagare.ls1@norrbotten.example}",
     lambda: {"role": "admin", "unit_id": unit("NLL-LS1").id}, "/admin/", 404),
    ("admin_sormland", "/admin/users/{riskagare.ls1@norrbotten.example}/active",
     lambda: {"active": "0"}, "/admin/", 404),
    ("admin_ls1", "/admin/scale/{NLL}", lambda: scale_form(action_threshold=10), "/admin/", 404),
    ("admin_ls1", "/admin/units/{NLL-NARA}", lambda: _edit_form("NLL-NARA", name="X"),
     "/admin/", 404),
    ("admin_ls1", "/admin/users/{riskagare.ls1@norrbotten.example}",  # a unit outside LS1
     lambda: {"role": "owner", "unit_id": unit("NLL-NARA").id}, None, 400),
    # ServiceError: shown as a form error, nothing saved
    ("admin", "/admin/units/new", lambda: _unit_form(code="NLL-LS1"), None, 400),
    ("admin", "/admin/units/new", lambda: _unit_form(code="bad code!"), None, 400),
    ("admin", "/admin/units/{NLL-NARA}", lambda: _edit_form("NLL-NARA", code="nll-ls1"), None,
     400),
    ("admin", "/admin/scale/{NLL}", lambda: scale_form(bands=with_band_gap()), None, 400),
    ("admin", "/admin/users/new", lambda: new_user_form(DEMO_USERS["owner"].upper(),
                                                        unit("NLL-RS").id), None, 400),
    ("admin", "/admin/users/{riskagare.ls1@norrbotten.example}",
     lambda: {"role": "owner", "unit_id": unit("NLL-LS1").id}, None, 400),
    # ServiceError on a button: flashed, redirected back, nothing saved
    ("admin", "/admin/users/{admin@norrbotten.example}/active", lambda: {"active": "0"},
     "/admin/", 302),
    ("admin", "/admin/assignments/{riskagare.ls1@norrbotten.example}/delete", dict, "/admin/",
     302),
]


def _resolve(url: str) -> str:
    import re

    def _id(match):
        key = match.group(1)
        if "@" not in key:
            return str(unit(key).id)
        if url.startswith("/admin/assignments/"):
            return str(assignments_of(key)[0].id)
        return str(user(key).id)

    return re.sub(r"\{([^}]+)\}", _id, url)


@pytest.mark.parametrize(("role", "url", "data", "page", "status"), REFUSED,
                         ids=[f"{r[0]}:{r[1]}:{r[4]}" for r in REFUSED])
def test_refused_writes_leave_no_event_and_save_nothing(as_role, audit_log, role, url, data,
                                                        page, status):
    c = as_role(role)
    target = _resolve(url)
    form = data()
    before = db_state()
    with audit_log() as events:
        response = c.post_form(target, form, page=page)
    assert response.status_code == status
    assert events == []
    assert db_state() == before


def test_a_refused_write_can_be_corrected(admin, audit_log):
    """After a refused save the same session can save (nothing is left half-done)."""
    with audit_log() as events:
        assert admin.post_form("/admin/units/new", _unit_form(code="NLL-LS1")).status_code == 400
        assert admin.post_form("/admin/units/new", _unit_form(code="NLL-OK")).status_code == 302
    assert only_event(events).new["code"] == "NLL-OK"
    assert db.session.scalar(select(Unit.id).where(Unit.code == "NLL-OK")) is not None
