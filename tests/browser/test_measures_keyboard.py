"""Measures in the browser, with the keyboard only.

* Lena Verksamhetschef (risk owner of Division Länssjukvård 1, responsible for the
  division's 000 measures) reports the status of three measures for 2022-T2: on each
  follow-up form the status select has the focus, an arrow key picks ● (Pågår enligt plan),
  Tab reaches the comment, she types, Tab reaches Save, Enter. The list for 2022-T2 then
  shows the three statuses.
* Sara Samordnare (coordinator of Regionstyrelsen) links the 003 assignment 101 to risks 3
  and 7 with Tab and Space, and saves with Enter; the measure page lists both risks.

The live server's database is shared by every browser test: the fixtures fix "today" and
remove what the tests saved afterwards (the audit events stay: the log is append-only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from riskreg.domain.periods import Period
from tests.browser.test_owner_reassess import tab_to

pytestmark = pytest.mark.browser

TODAY = "2022-06-15"  # 2022-T2
PERIOD = "2022-T2"
OWNER = "riskagare.ls1@norrbotten.example"
COORDINATOR = "samordnare@norrbotten.example"


def _ids(app, numbers: list[int], model, plan_code: str = "NLL-RS") -> list[int]:
    from riskreg.extensions import db
    from riskreg.models import Plan, Unit

    with app.app_context():
        plan_id = db.session.scalar(select(Plan.id).join(Unit, Unit.id == Plan.unit_id)
                                    .where(Unit.code == plan_code))
        ids = {n: i for i, n in db.session.execute(
            select(model.id, model.number).where(model.plan_id == plan_id,
                                                 model.number.in_(numbers)))}
        db.session.remove()
    return [ids[n] for n in numbers]


@pytest.fixture
def today_t2(live_server) -> Iterator[object]:
    app = live_server.app
    previous = app.config.get("RISKREG_TODAY")
    app.config["RISKREG_TODAY"] = TODAY
    try:
        yield app
    finally:
        app.config["RISKREG_TODAY"] = previous


@pytest.fixture
def three_measures(today_t2) -> Iterator[list[int]]:
    from riskreg.extensions import db
    from riskreg.models import Measure, MeasureFollowUp

    ids = _ids(today_t2, [1, 2, 3], Measure)
    try:
        yield ids
    finally:
        with today_t2.app_context():
            db.session.execute(delete(MeasureFollowUp).where(
                MeasureFollowUp.measure_id.in_(ids),
                MeasureFollowUp.period == Period.parse(PERIOD)))
            db.session.commit()
            db.session.remove()


@pytest.fixture
def measure_101(today_t2) -> Iterator[dict]:
    from riskreg.extensions import db
    from riskreg.models import Measure, MeasureRisk, Risk

    [mid] = _ids(today_t2, [101], Measure)
    risks = _ids(today_t2, [3, 7], Risk)
    try:
        yield {"id": mid, "risks": risks}
    finally:
        with today_t2.app_context():
            db.session.execute(delete(MeasureRisk).where(MeasureRisk.measure_id == mid))
            db.session.commit()
            db.session.remove()


def test_owner_updates_three_statuses_with_the_keyboard(page: Page, guard, login,
                                                        three_measures):
    login(page, OWNER)
    for n, mid in enumerate(three_measures, start=1):
        page.goto(f"/measures/{mid}/follow-up?period={PERIOD}")
        expect(page.locator("#period")).to_have_value(PERIOD)
        tab_to(page, "#status")
        page.keyboard.press("ArrowDown")  # – → ▲
        page.keyboard.press("ArrowDown")  # ▲ → ●
        assert page.locator("#status").evaluate("s => s.value") == "on_track"
        tab_to(page, "#comment")
        page.keyboard.type(f"Arbetet pågår ({n})")
        tab_to(page, 'main form button[type="submit"]')
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/measures/{mid}\?period={PERIOD}$"))
        expect(page.locator('[data-testid="follow-ups"] tbody tr').first).to_contain_text(
            f"Arbetet pågår ({n})")
    page.goto(f"/measures/?period={PERIOD}&q=")
    for mid in three_measures:
        row = page.locator(f'tr[data-measure-id="{mid}"]')
        expect(row.locator('[data-status="on_track"]')).to_contain_text("● Pågår enligt plan")
    guard.assert_clean()


def test_coordinator_links_a_measure_to_two_risks(page: Page, guard, login, measure_101):
    login(page, COORDINATOR)
    mid, (r3, r7) = measure_101["id"], measure_101["risks"]
    page.goto(f"/measures/{mid}/risks")
    tab_to(page, f"#risk-{r3}")
    page.keyboard.press("Space")
    tab_to(page, f"#risk-{r7}")
    page.keyboard.press("Space")
    tab_to(page, 'main form button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/measures/{mid}$"))
    rows = page.locator('[data-testid="measure-risks"] tbody tr')
    expect(rows).to_have_count(2)
    expect(page.locator(f'[data-testid="measure-risks"] tr[data-risk-id="{r3}"]')).to_be_visible()
    expect(page.locator(f'[data-testid="measure-risks"] tr[data-risk-id="{r7}"]')).to_be_visible()
    # the risk page lists the measure too
    page.goto(f"/risks/{r7}")
    expect(page.locator(f'[data-testid="risk-measures"] tr[data-measure-id="{mid}"]')
           ).to_be_visible()
    guard.assert_clean()
