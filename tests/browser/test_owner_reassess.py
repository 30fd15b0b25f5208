"""A risk owner re-assesses a risk that waits for this tertial, with the keyboard only.

Rikard Riskägare (riskagare@norrbotten.example) signs in on a day in 2022-T2. The start
page lists his risks not yet re-assessed in 2022-T2; risk 1 is among them (assessed
2022-T1: likelihood 2 × consequence 3 = 6). He opens it from that list, raises the
likelihood to 3 with the arrow keys, writes a comment and saves: Tab, arrow keys, typing
and Enter only. The risk page's history table then shows 2022-T2 (9) above 2022-T1 (6).

The live server's database is shared by every browser test: the fixture fixes "today"
and removes this test's assessment again afterwards (its audit event stays: the audit
log is append-only, also in the database).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from riskreg.domain.periods import Period
from riskreg.seed import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

OWNER = "riskagare@norrbotten.example"
TODAY = "2022-06-15"  # 2022-T2
PERIOD = "2022-T2"
NUMBER = 1
COMMENT = "Rekryteringen i glesbygd har gått sämre än väntat."
MAX_TABS = 120


@pytest.fixture
def risk_one(live_server) -> Iterator[dict]:
    """Risk 1 of Norrbotten on a fixed "today" in 2022-T2; cleaned up afterwards."""
    from riskreg.extensions import db
    from riskreg.models import Unit
    from riskreg.models.plan import Plan
    from riskreg.models.risks import Risk, RiskAssessment

    app = live_server.app
    previous = app.config.get("RISKREG_TODAY")
    app.config["RISKREG_TODAY"] = TODAY
    with app.app_context():
        plan_id = db.session.scalar(select(Plan.id).join(Unit, Unit.id == Plan.unit_id)
                                    .where(Unit.code == "NLL-RS"))
        risk = db.session.scalar(select(Risk).where(Risk.plan_id == plan_id,
                                                    Risk.number == NUMBER))
        assert [(str(a.period), a.value) for a in risk.assessments] == [("2022-T1", 6)], \
            "risk 1 is not as seeded"
        info = {"id": risk.id}
        db.session.remove()
    try:
        yield info
    finally:
        app.config["RISKREG_TODAY"] = previous
        with app.app_context():
            db.session.execute(delete(RiskAssessment).where(
                RiskAssessment.risk_id == info["id"],
                RiskAssessment.period == Period.parse(PERIOD)))
            db.session.commit()
            db.session.remove()


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus, visibly."""
    for _ in range(MAX_TABS):
        if not focused_matches(page, selector):
            page.keyboard.press("Tab")
        if focused_matches(page, selector):
            assert focused_matches(page, ":focus-visible"), f"{selector}: focus not visible"
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def chosen(page: Page, select_id: str) -> str:
    return page.locator(f"#{select_id}").evaluate("s => s.value")


def history_rows(page: Page) -> list[list[str]]:
    rows = page.locator('[data-testid="assessment-history"] tbody tr')
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
            for i in range(rows.count())]


def test_owner_re_assesses_the_waiting_risk_with_the_keyboard(page, guard, risk_one):
    risk_id = risk_one["id"]
    link = f'[data-testid="awaiting-own"] a[href="/risks/{risk_id}/assess"]'

    # Sign in with the keyboard.
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(OWNER)
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))

    # The start page: risk 1 waits for this tertial's assessment.
    waiting = page.locator('[data-testid="awaiting-own"]')
    expect(waiting).to_be_visible()
    expect(waiting.locator("h2")).to_contain_text(PERIOD)
    expect(page.locator(link)).to_have_count(1)
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/risks/{risk_id}/assess")

    # The form starts from the values that count now (2022-T1: 2 × 3) for 2022-T2.
    assert chosen(page, "period") == PERIOD
    assert (chosen(page, "likelihood"), chosen(page, "consequence")) == ("2", "3")
    expect(page.locator("main .carried")).to_be_visible()  # carried forward from 2022-T1

    # Likelihood 2 → 3 with one arrow key; consequence stays 3; a comment; Enter on Save.
    tab_to(page, "#likelihood")
    page.keyboard.press("ArrowDown")
    assert chosen(page, "likelihood") == "3"
    tab_to(page, "#consequence")
    assert chosen(page, "consequence") == "3"
    tab_to(page, "#comment")
    page.keyboard.type(COMMENT)
    tab_to(page, 'main form button[type="submit"]')
    page.keyboard.press("Enter")

    # The risk page: a status message, the new value and the old one in the history table.
    page.wait_for_url(re.compile(rf"/risks/{risk_id}$"))
    expect(page.locator('main [role="status"]').first).to_be_visible()
    expect(page.locator('[data-testid="current-value"]')).to_contain_text("9")
    expect(page.locator('[data-testid="current-value"] .carried')).to_have_count(0)
    rows = history_rows(page)
    assert len(rows) == 2, rows
    new, old = rows
    assert new[0].startswith(PERIOD) and new[1:3] == ["3", "3"]
    assert re.match(r"^9\b", new[3]) and new[4] == COMMENT
    assert "Rikard Riskägare" in new[5]
    assert old[0].startswith("2022-T1") and old[1:3] == ["2", "3"]
    assert re.match(r"^6\b", old[3])
    # the audit history (Historik) records the assessment too
    expect(page.locator("section[aria-labelledby=history] tbody tr").first).to_contain_text(
        COMMENT)

    # and the start page no longer lists it
    page.goto("/")
    expect(page.locator(link)).to_have_count(0)
    page.go_back()
    page.wait_for_url(re.compile(rf"/risks/{risk_id}$"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "owner_reassess_history.png"), full_page=True)
    guard.assert_clean()
