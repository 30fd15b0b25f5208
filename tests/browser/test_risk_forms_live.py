"""The risk forms as progressive enhancement (issue 13, item 8).

The assess form shows the value and band of the chosen likelihood and consequence as they
are chosen (static/js/risk-form.js) and, without JavaScript, the values it was rendered
with; it lists the steps of the scale with their descriptions. A new risk shows only the
fields of the chosen kind; without JavaScript every field is there under a legend that
names its kind. Nothing is saved: the tests only choose.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytestmark = pytest.mark.browser

COORDINATOR = "samordnare@norrbotten.example"  # coordinator on NLL-RS


@pytest.fixture
def ids(live_server) -> dict:
    """Risk 3 of Regionstyrelsen, the unit's id, and the value and band the scale gives."""
    from riskreg.extensions import db
    from riskreg.models import Unit
    from riskreg.models.plan import Plan
    from riskreg.models.risks import Risk
    from riskreg.scales import scale_for_unit

    with live_server.app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.code == "NLL-RS"))
        plan_id = db.session.scalar(select(Plan.id).where(Plan.unit_id == unit.id))
        risk_id = db.session.scalar(select(Risk.id).where(Risk.plan_id == plan_id,
                                                          Risk.number == 3))
        scale = scale_for_unit(unit)
        found = {"risk": risk_id, "unit": unit.id, "top": scale.size,
                 "top_band": scale.band_for(scale.size, scale.size).name,
                 "low_band": scale.band_for(1, 1).name,
                 "labels": list(scale.likelihood_labels)}
        db.session.remove()
    return found


def test_assess_form_shows_value_and_band_as_chosen(page, login, ids):
    login(page, COORDINATOR)
    page.goto(f"/risks/{ids['risk']}/assess")
    live = page.get_by_test_id("live-value")
    top = ids["top"]
    page.select_option("#likelihood", str(top))
    page.select_option("#consequence", str(top))
    expect(live).to_have_text(re.compile(
        rf"{top} × {top} = {top * top} – {re.escape(ids['top_band'])}"))
    page.select_option("#likelihood", "1")
    page.select_option("#consequence", "1")
    expect(live).to_have_text(re.compile(rf"1 × 1 = 1 – {re.escape(ids['low_band'])}"))
    # the steps with their descriptions, and the latest assessment with its comment
    steps = page.get_by_test_id("scale-steps")
    for label in ids["labels"]:
        expect(steps).to_contain_text(label)
    expect(page.get_by_test_id("previous-assessment")).to_be_visible()


def test_assess_form_without_javascript_shows_the_rendered_value(new_context, guard, login,
                                                                 ids, page):
    quiet = guard.watch(new_context(java_script_enabled=False).new_page())
    # login() waits for the start page, which works without scripts too
    login(quiet, COORDINATOR)
    quiet.goto(f"/risks/{ids['risk']}/assess")
    live = quiet.get_by_test_id("live-value")
    chosen_l = quiet.locator("#likelihood").input_value()
    chosen_c = quiet.locator("#consequence").input_value()
    assert chosen_l and chosen_c, "the form starts from the latest assessment"
    value = int(chosen_l) * int(chosen_c)
    expect(live).to_have_text(re.compile(rf"{chosen_l} × {chosen_c} = {value} – \S"))


def test_new_risk_shows_only_the_chosen_kinds_fields(page, login, ids):
    login(page, COORDINATOR)
    page.goto(f"/risks/new?unit={ids['unit']}")
    factor, unit_kind = page.get_by_test_id("kind-success_factor"), page.get_by_test_id("kind-unit")
    page.select_option("#kind", "success_factor")
    expect(factor).to_be_visible()
    expect(unit_kind).to_be_hidden()
    expect(page.locator("#success_factor_id")).to_be_visible()
    page.select_option("#kind", "unit")
    expect(unit_kind).to_be_visible()
    expect(factor).to_be_hidden()
    expect(page.locator("#handling_question")).to_be_visible()
    # the first assessment's live value works here too
    page.select_option("#likelihood", "2")
    page.select_option("#consequence", "2")
    expect(page.get_by_test_id("live-value")).to_contain_text("2 × 2 = 4")


def test_new_risk_without_javascript_shows_every_field_under_its_kind(new_context, guard,
                                                                      login, ids, page):
    quiet = guard.watch(new_context(java_script_enabled=False).new_page())
    login(quiet, COORDINATOR)
    quiet.goto(f"/risks/new?unit={ids['unit']}")
    for testid in ("kind-success_factor", "kind-unit"):
        box = quiet.get_by_test_id(testid)
        expect(box).to_be_visible()
        expect(box.locator("legend")).not_to_be_empty()
    for field_id in ("success_factor_id", "cause", "handling_question", "method"):
        expect(quiet.locator(f"#{field_id}")).to_be_visible()
