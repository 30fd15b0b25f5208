"""Fixes from the review: field-level rules, pager links, strict form values, start-page
steps per role, board parameters, administrators' text in the figures."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from riskreg.admin import services as admin_services
from riskreg.extensions import db
from riskreg.models import Risk, SuccessFactor, User
from riskreg.models.plan import Perspective, StrategicGoal
from riskreg.scales import stored_scale
from riskreg.uow import transaction
from tests.conftest import db_state, unit, user
from tests.helpers.risks import add_risks, risk


def _other_factor(r: Risk) -> int:
    return db.session.scalar(
        select(SuccessFactor.id)
        .join(StrategicGoal, StrategicGoal.id == SuccessFactor.goal_id)
        .join(Perspective, Perspective.id == StrategicGoal.perspective_id)
        .where(Perspective.plan_id == r.plan_id, SuccessFactor.id != r.success_factor_id)
        .limit(1))


def _edit_data(r: Risk, **extra) -> dict:
    return {"version": r.version, "title": r.title, "event": r.event, **extra}


def test_an_owner_cannot_relink_their_risk_to_another_success_factor(owner):
    r = risk("NLL", 1)
    before = db_state()
    response = owner.post_form(f"/risks/{r.id}/edit",
                               _edit_data(r, success_factor_id=_other_factor(r)))
    assert response.status_code == 403
    assert db_state() == before


def test_the_owner_edit_form_has_no_success_factor_field_and_keeps_the_link(owner):
    r = risk("NLL", 1)
    page = owner.get(f"/risks/{r.id}/edit").get_data(as_text=True)
    assert 'name="success_factor_id"' not in page
    response = owner.post_form(f"/risks/{r.id}/edit", _edit_data(r, event="Ny text"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (r.event, r.success_factor_id) == ("Ny text", risk("NLL", 1).success_factor_id)


def test_a_coordinator_may_relink_a_risk(coordinator):
    r = risk("NLL", 1)
    target = _other_factor(r)
    page = coordinator.get(f"/risks/{r.id}/edit").get_data(as_text=True)
    assert 'name="success_factor_id"' in page
    response = coordinator.post_form(f"/risks/{r.id}/edit",
                                     _edit_data(r, success_factor_id=target))
    assert response.status_code == 302
    db.session.expire_all()
    assert risk("NLL", 1).success_factor_id == target


@pytest.mark.parametrize("extra", [{"_method": "DELETE"}, {"_external": "1"},
                                   {"_anchor": "x"}, {"csrf_token": "y"}])
def test_pager_links_carry_only_the_register_filters(coordinator, extra):
    add_risks(60)
    response = coordinator.get("/risks/", query_string={"sort": "number", **extra})
    assert response.status_code == 200
    links = re.findall(r'rel="next" href="([^"]+)"', response.get_data(as_text=True))
    assert links and all(key not in links[0] for key in extra)
    assert "sort=number" in links[0] and "page=2" in links[0]


@pytest.mark.parametrize("value", [None, "", "yes", "2"])
def test_activating_a_user_needs_an_explicit_value(admin, value):
    target = user("riskagare.ls1@norrbotten.example")
    data = {} if value is None else {"active": value}
    response = admin.post_form(f"/admin/users/{target.id}/active", data,
                               page=f"/admin/users/{target.id}")
    assert response.status_code == 400
    db.session.expire_all()
    assert user("riskagare.ls1@norrbotten.example").active


def test_an_administrator_is_not_offered_risk_management(admin):
    page = admin.get("/").get_data(as_text=True)
    assert 'href="/risks/new"' not in page
    assert 'data-testid="awaiting-units"' not in page


def test_a_coordinator_is_offered_risk_management(coordinator):
    page = coordinator.get("/").get_data(as_text=True)
    assert 'href="/risks/new"' in page and 'data-testid="awaiting-units"' in page


def test_the_start_page_link_of_an_owner_without_risks_works(make_user, login_as):
    make_user("ny.agare@norrbotten.example", "owner", "NLL-LS1")
    c = login_as("ny.agare@norrbotten.example")
    me = db.session.scalar(select(User).where(User.email == "ny.agare@norrbotten.example"))
    response = c.get("/risks/", query_string={"owner": me.id})
    assert response.status_code == 200


def test_the_board_view_can_be_narrowed_to_a_readable_unit(board):
    ls1 = unit("NLL-LS1")
    page = board.get("/board/", query_string={"unit": ls1.id}).get_data(as_text=True)
    assert f'id="org-{ls1.id}"' in page and f'id="org-{unit("NLL-RS").id}"' not in page


def test_administrators_text_reaches_the_figures_escaped(admin, board):
    root = unit("NLL")
    stored = stored_scale(root.id)
    assert stored is not None  # the demo organisation has its own scale
    config = stored.as_config()
    config["bands"][2]["name"] = "<b>Hög</b>"
    config["likelihood_labels"][3] = '<a href="https://evil.example">Stor</a>'
    actor = db.session.scalar(select(User).where(User.email == "admin@norrbotten.example"))
    with transaction():
        admin_services.update_scale(actor, root, config)
    page = board.get("/heatmaps/", query_string={"unit": unit("NLL-RS").id,
                                                 "period": "2022-T1"}).get_data(as_text=True)
    figure = json.loads(html.unescape(re.search(r'data-figure="([^"]+)"', page).group(1)))
    text = json.dumps(figure, ensure_ascii=False)
    assert "<b>" not in text and "<a href" not in text
    assert "&lt;b&gt;H" in text and "&lt;a href=" in text
