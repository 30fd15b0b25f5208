"""A coordinator records a KPI outcome with the keyboard only and reads the KPI table.

Leo Controller (samordnare.ls1@norrbotten.example, coordinator of Division Länssjukvård 1)
signs in on a day in 2022-T2, opens the KPI table of his division for 2022-T2, follows
"Registrera utfall" for *Andel digitala vårdbesök* (target 40 %, higher is better; 23 % in
2022-T1), types 41,5 % in total, K 40, M 43 and saves: Tab, typing and Enter only. The
table then shows the outcome in Swedish number format, the goal as met and the trend up
(in words beside the arrow).

The live server's database is shared by every browser test: the fixture fixes "today"
and removes this test's outcome afterwards (its audit event stays: the log is
append-only).
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

COORDINATOR = "samordnare.ls1@norrbotten.example"
TODAY = "2022-06-15"  # 2022-T2
PERIOD = "2022-T2"
KPI_START = "Andel digitala vårdbesök"
MAX_TABS = 200


@pytest.fixture
def digital(live_server) -> Iterator[dict]:
    from riskreg.extensions import db
    from riskreg.models import Kpi, KpiOutcome, Unit

    app = live_server.app
    previous = app.config.get("RISKREG_TODAY")
    app.config["RISKREG_TODAY"] = TODAY
    with app.app_context():
        kpi_id = db.session.scalar(select(Kpi.id).where(Kpi.name.startswith(KPI_START)))
        unit_id = db.session.scalar(select(Unit.id).where(Unit.code == "NLL-LS1"))
        assert db.session.scalar(select(KpiOutcome.id).where(
            KpiOutcome.kpi_id == kpi_id, KpiOutcome.period == Period.parse(PERIOD))) is None
        db.session.remove()
    try:
        yield {"kpi": kpi_id, "unit": unit_id}
    finally:
        app.config["RISKREG_TODAY"] = previous
        with app.app_context():
            db.session.execute(delete(KpiOutcome).where(
                KpiOutcome.kpi_id == kpi_id, KpiOutcome.period == Period.parse(PERIOD)))
            db.session.commit()
            db.session.remove()


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str) -> None:
    for _ in range(MAX_TABS):
        if not focused_matches(page, selector):
            page.keyboard.press("Tab")
        if focused_matches(page, selector):
            assert focused_matches(page, ":focus-visible"), f"{selector}: focus not visible"
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def test_coordinator_records_a_kpi_outcome_with_the_keyboard(page, guard, digital):
    kpi_id, unit_id = digital["kpi"], digital["unit"]
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(COORDINATOR)
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"/kpis/?unit={unit_id}&period={PERIOD}")
    expect(page.locator("h1")).to_contain_text("Division Länssjukvård 1")
    row = page.locator(f'tr[data-kpi="{kpi_id}"]')
    expect(row).to_contain_text("Inget utfall")
    link = f'a[href="/kpis/{kpi_id}/outcome?unit={unit_id}&period={PERIOD}"]'
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/kpis/{kpi_id}/outcome*")

    assert page.locator("#period").evaluate("s => s.value") == PERIOD
    assert focused_matches(page, "#total")  # the first figure has the focus
    page.keyboard.type("41,5")
    tab_to(page, "#women")
    page.keyboard.type("40")
    tab_to(page, "#men")
    page.keyboard.type("43")
    tab_to(page, 'main form button[type="submit"]')
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"/kpis/\?unit={unit_id}&period={PERIOD}$"))
    expect(page.locator('main [role="status"]').first).to_be_visible()
    row = page.locator(f'tr[data-kpi="{kpi_id}"]')
    expect(row.locator("td.outcome")).to_contain_text("41,5")
    expect(row.locator("td.outcome")).to_contain_text("K: 40")
    expect(row.locator("td.fulfilment")).to_have_text(re.compile(r"^\s*Uppfyllt\s*$"))
    expect(row).to_contain_text("↑ Ökar")  # 23 % → 41,5 %
    expect(row).to_contain_text("40 %")  # the target of 2022
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "coordinator_kpi_table.png"), full_page=True)
    guard.assert_clean()
