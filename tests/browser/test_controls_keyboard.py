"""Internal control in the browser.

* Sven Samordnare (coordinator of Sörmland's Division Primärvård) records a spot check at
  Vårdcentralen Strängnäs for 2024-T3 with the keyboard: pastes 120 invoice numbers, draws
  10, marks two of them as deviations (with severity and note), attaches a PDF and creates
  the follow-up measure from the first deviation with one button.
* Britt Ledamot (board reviewer of PRD) finds the follow-up report through the menu, picks
  DÅ08 and reads it: the rule of the traffic light, a light per control, the measure
  decided from a deviation and what was not performed.

The live server's database is shared by the browser tests: the fixture fixes "today" and
removes what the test saved (the audit events stay: the log is append-only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.test_owner_reassess import tab_to

pytestmark = pytest.mark.browser

TODAY = "2024-10-15"  # 2024-T3
COORDINATOR = "samordnare@sormland.example"
BOARD = "styrelse@sormland.example"
INVOICES = [f"LEV-2024-{n:05d}" for n in range(1, 121)]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _ids(app) -> dict[str, int]:
    from riskreg.extensions import db
    from riskreg.models import Control, ControlPlan, Unit

    with app.app_context():
        pv = db.session.scalar(select(Unit.id).where(Unit.code == "SRM-PV"))
        plan = db.session.scalar(select(ControlPlan.id).where(ControlPlan.unit_id == pv,
                                                              ControlPlan.year == 2024))
        spot = db.session.scalar(select(Control.id).where(Control.plan_id == plan,
                                                          Control.method == "stickprov"))
        vc = db.session.scalar(select(Unit.id).where(Unit.code == "SRM-PV-STRANGNAS"))
        db.session.remove()
    return {"plan": plan, "control": spot, "unit": vc}


@pytest.fixture
def sormland_t3(live_server) -> Iterator[dict[str, int]]:
    from riskreg.extensions import db
    from riskreg.models import (
        ControlRun,
        ControlRunItem,
        Evidence,
        Measure,
        MeasureRisk,
    )

    app = live_server.app
    previous = app.config.get("RISKREG_TODAY")
    app.config["RISKREG_TODAY"] = TODAY
    ids = _ids(app)
    try:
        yield ids
    finally:
        app.config["RISKREG_TODAY"] = previous
        with app.app_context():
            runs = list(db.session.scalars(select(ControlRun.id).where(
                ControlRun.control_id == ids["control"], ControlRun.unit_id == ids["unit"],
                ControlRun.period >= 2024 * 3 + 2)))
            measures = list(db.session.scalars(select(ControlRunItem.measure_id).where(
                ControlRunItem.run_id.in_(runs), ControlRunItem.measure_id.is_not(None))))
            db.session.execute(delete(Evidence).where(Evidence.run_id.in_(runs)))
            db.session.execute(delete(ControlRunItem).where(ControlRunItem.run_id.in_(runs)))
            db.session.execute(delete(ControlRun).where(ControlRun.id.in_(runs)))
            db.session.execute(delete(MeasureRisk).where(MeasureRisk.measure_id.in_(measures)))
            db.session.execute(delete(Measure).where(Measure.id.in_(measures)))
            db.session.commit()
            db.session.remove()


def _mark(page: Page, n: int, deviation: bool, note: str = "") -> None:
    tab_to(page, f"#items-{n}-result")
    page.keyboard.press("ArrowDown")  # – → OK
    if deviation:
        page.keyboard.press("ArrowDown")  # OK → Avvikelse
        tab_to(page, f"#items-{n}-severity")
        page.keyboard.press("ArrowDown")  # – → Mindre
        page.keyboard.press("ArrowDown")  # Mindre → Betydande
        tab_to(page, f"#items-{n}-note")
        page.keyboard.type(note)


def test_coordinator_records_a_spot_check_by_keyboard(page: Page, guard, login, sormland_t3,
                                                       tmp_path):
    ids = sormland_t3
    login(page, COORDINATOR)
    page.goto(f"/controls/{ids['control']}/runs/new?unit={ids['unit']}&period=2024-T3")
    expect(page.locator("#unit")).to_be_focused()
    expect(page.locator("#period")).to_have_value("2024-T3")
    tab_to(page, "#population_description")
    page.keyboard.type("Leverantörsfakturor september 2024")
    tab_to(page, "#items")
    page.keyboard.insert_text("\n".join(INVOICES))  # pasted
    tab_to(page, "#sample_size")
    expect(page.locator("#sample_size")).to_have_value("10")
    tab_to(page, 'main form button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/controls/runs/\d+$"))
    expect(page.locator('[data-testid="run-facts"]')).to_contain_text("120")
    rows = page.locator('[data-testid="items"] tbody tr')
    expect(rows).to_have_count(10)
    drawn = [rows.nth(i).get_attribute("data-item") for i in range(10)]
    assert all(d in INVOICES for d in drawn)

    for n in range(10):
        _mark(page, n, n in (2, 6), f"Attest saknas på {drawn[n]}")
    run_path = "/controls/runs/" + page.url.rsplit("/", 1)[-1]
    tab_to(page, f'form[action="{run_path}"] button[type="submit"]')
    page.keyboard.press("Enter")
    expect(page.locator('[data-testid="deviations"]')).to_contain_text("2/10")
    expect(page.locator('[data-testid="conclusion"]')).to_contain_text("Avvikelser funna")

    pdf = tmp_path / "attestlista.pdf"
    pdf.write_bytes(PDF)
    tab_to(page, "#file")
    page.locator("#file").set_input_files(str(pdf))  # the file chooser itself is the OS's
    tab_to(page, 'form[action$="/evidence"] button[type="submit"]')
    page.keyboard.press("Enter")
    expect(page.locator('[data-testid="evidence"]')).to_contain_text("attestlista.pdf")

    first = page.locator('[data-testid="deviation-list"] form').first
    expect(first.locator("button")).to_contain_text(drawn[2])
    tab_to(page, f'form[action="{first.get_attribute("action")}"] button')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/measures/\d+$"))
    expect(page.locator("h1")).to_contain_text(drawn[2])
    expect(page.locator('[data-testid="measure-risks"] tbody tr')).to_have_count(1)
    guard.assert_clean()


def test_board_reviewer_reads_the_follow_up_report(page: Page, guard, login):
    login(page, BOARD)
    page.get_by_role("link", name="Intern kontroll").click()
    page.locator('[data-testid="plans"] a', has_text="Uppföljningsrapport").first.click()
    tab_to(page, "#period")
    page.keyboard.press("Home")  # DÅ04
    page.keyboard.press("ArrowDown")  # DÅ08
    tab_to(page, 'main form.filters button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"period=2024-T2"))
    expect(page.locator("h1")).to_contain_text("DÅ08 2024")
    expect(page.locator('[data-testid="light-rule"]')).to_be_visible()
    report = page.locator('[data-testid="report"]')
    expect(report.locator("tbody tr")).to_have_count(5)
    spot = report.locator('tr[data-control="5"]')
    expect(spot.locator("[data-light]")).to_contain_text("Röd")
    expect(spot).to_contain_text("Åtgärd")
    expect(spot).to_contain_text("verksamhetschefen sjukskriven")
    expect(page.get_by_text("Demodata (påhittad)").first).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)  # reads only
    guard.assert_clean()
