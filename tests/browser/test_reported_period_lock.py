"""A coordinator reports a period to the board; the risk owner sees the lock and cannot
re-assess it; the coordinator reopens it with a reason, and the owner corrects it.

Sara Samordnare (samordnare@norrbotten.example, coordinator on Regionstyrelsen) reports
2022-T1 (DÅ04) for Regionstyrelsen on a day in 2022-T2. Rikard Riskägare (the owner of
risk 1) then finds the lock on the risk page (who reported it, when), no re-assess button,
and a refusal with the lock's message when he posts a 2022-T1 assessment anyway. Sara
reopens the period with a reason; Rikard corrects 2022-T1.

The live server's database is shared by every browser test: the fixture fixes "today",
and afterwards removes the lock and puts risk 1's 2022-T1 assessment back as seeded (the
audit events stay: the audit log is append-only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from riskreg.domain.periods import Period
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

COORDINATOR = "samordnare@norrbotten.example"
OWNER = "riskagare@norrbotten.example"
TODAY = "2022-06-15"  # 2022-T2
PERIOD = "2022-T1"
NOTE = "RS 2022-05-30 § 87"
REASON = "Sannolikheten för risk 1 registrerades fel i DÅ04."
REFUSED = "Perioden 2022-T1 (DÅ04) är rapporterad till nämnden och låst"


@pytest.fixture
def reported(live_server) -> Iterator[dict]:
    from riskreg.extensions import db
    from riskreg.models import PeriodLock, Unit
    from riskreg.models.plan import Plan
    from riskreg.models.risks import Risk, RiskAssessment
    from riskreg.risks import state

    app = live_server.app
    previous = app.config.get("RISKREG_TODAY")
    app.config["RISKREG_TODAY"] = TODAY
    fields = ("likelihood", "consequence", "value", "comment", "assessed_by_id",
              "assessed_at")
    with app.app_context():
        rs = db.session.scalar(select(Unit).where(Unit.code == "NLL-RS"))
        plan_id = db.session.scalar(select(Plan.id).where(Plan.unit_id == rs.id))
        risk = db.session.scalar(select(Risk).where(Risk.plan_id == plan_id, Risk.number == 1))
        seeded = db.session.scalar(select(RiskAssessment).where(
            RiskAssessment.risk_id == risk.id, RiskAssessment.period == Period.parse(PERIOD)))
        assert (seeded.likelihood, seeded.consequence) == (2, 3), "risk 1 is not as seeded"
        info = {"risk_id": risk.id, "unit_id": rs.id,
                "seeded": {f: getattr(seeded, f) for f in fields}}
        db.session.remove()
    try:
        yield info
    finally:
        app.config["RISKREG_TODAY"] = previous
        with app.app_context():
            db.session.execute(delete(PeriodLock).where(PeriodLock.unit_id == info["unit_id"]))
            row = db.session.scalar(select(RiskAssessment).where(
                RiskAssessment.risk_id == info["risk_id"],
                RiskAssessment.period == Period.parse(PERIOD)))
            for name, value in info["seeded"].items():
                setattr(row, name, value)
            db.session.flush()
            state.refresh(db.session.get(Risk, info["risk_id"]))
            db.session.commit()
            db.session.remove()


def test_coordinator_reports_owner_is_refused_coordinator_reopens(page: Page, guard, login,
                                                                   logout, reported):
    risk_id = reported["risk_id"]

    # Sara reports 2022-T1 for Regionstyrelsen, from the menu.
    login(page, COORDINATOR)
    page.locator('header nav a[href="/locks/"]').click()
    page.wait_for_url("**/locks/")
    expect(page.locator("h1")).to_contain_text("Rapporterade perioder")
    page.get_by_label("Enhet").select_option(str(reported["unit_id"]))
    page.get_by_label("Period", exact=True).select_option(PERIOD)
    page.get_by_label("Anteckning").fill(NOTE)
    page.get_by_role("button", name="Rapportera och lås perioden").click()
    page.wait_for_url(re.compile(r"/locks/\?unit=\d+$"))
    expect(page.locator('main [role="status"]').first).to_contain_text(
        "rapporterad till nämnden för Regionstyrelsen och låst")
    row = page.locator('[data-testid="locks"] tbody tr').first
    expect(row).to_contain_text("2022-T1 (DÅ04)")
    expect(row).to_contain_text("Låst")
    expect(row).to_contain_text(NOTE)
    logout(page)

    # Rikard sees the lock on risk 1's page for 2022-T1, and no re-assess button.
    login(page, OWNER)
    page.goto(f"/risks/{risk_id}?period={PERIOD}")
    banner = page.locator('[data-testid="lock-banner"]')
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("2022-T1 (DÅ04) är rapporterad till nämnden")
    expect(banner).to_contain_text("Sara Samordnare")
    expect(page.locator('[data-testid="reassess-locked"]')).to_be_visible()
    expect(page.locator(f'main a[href^="/risks/{risk_id}/assess"]')).to_have_count(0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reported_period_lock_banner.png"))

    # Posting a 2022-T1 assessment anyway is refused with the lock's message.
    page.goto(f"/risks/{risk_id}/assess?period={PERIOD}")
    expect(page.locator('[data-testid="lock-banner"]')).to_be_visible()
    assert page.locator("#period").evaluate("s => s.value") == PERIOD
    expect(page.locator("#period option:checked")).to_contain_text("rapporterad till nämnden")
    page.locator("#likelihood").select_option("3")
    guard.expect_status(f"/risks/{risk_id}/assess", 400)
    guard.expect_status(f"/risks/{risk_id}/assess?period={PERIOD}", 400)
    page.get_by_role("button", name="Spara bedömning").click()
    expect(page.locator("#period-err")).to_contain_text(REFUSED)
    logout(page)

    # Sara reopens 2022-T1 with a reason.
    login(page, COORDINATOR)
    page.goto("/locks/")
    page.locator('[data-testid="locks"] tbody tr').first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/locks/\d+/reopen$"))
    page.get_by_label("Varför öppnas perioden igen?").fill(REASON)
    page.get_by_role("button", name="Öppna igen").click()
    page.wait_for_url(re.compile(r"/locks/\?unit=\d+$"))
    row = page.locator('[data-testid="locks"] tbody tr').first
    expect(row).to_contain_text("Öppnad igen")
    expect(row).to_contain_text(REASON)
    logout(page)

    # Rikard corrects 2022-T1.
    login(page, OWNER)
    page.goto(f"/risks/{risk_id}?period={PERIOD}")
    expect(page.locator('[data-testid="lock-banner"]')).to_have_count(0)
    page.locator(f'main a[href="/risks/{risk_id}/assess?period={PERIOD}"]').click()
    assert page.locator("#period").evaluate("s => s.value") == PERIOD
    page.locator("#likelihood").select_option("3")
    page.get_by_role("button", name="Spara bedömning").click()
    page.wait_for_url(re.compile(rf"/risks/{risk_id}$"))
    first_row = page.locator('[data-testid="assessment-history"] tbody tr').first
    expect(first_row).to_contain_text("2022-T1")
    expect(first_row.locator("td").nth(1)).to_have_text("3")
    guard.assert_clean()
