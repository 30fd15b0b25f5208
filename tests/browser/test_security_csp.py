"""Issue 15, item 5: the pages keep working under a CSP without 'unsafe-inline' in
style-src: no violation is reported (inline styles, plotly's own <style> elements), the
band colours still show, and plotly's figures still draw."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

ADMIN = "admin@norrbotten.example"
BOARD = "styrelse@norrbotten.example"
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  [e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(' ')));"""


def violations(page: Page) -> list[str]:
    return page.evaluate("() => window.__csp")


def test_heat_map_and_risk_pages_report_no_csp_violation(page, login, guard):
    page.add_init_script(WATCH)
    login(page, BOARD)
    response = page.goto("/heatmaps/?period=2022-T1")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.get_by_test_id("chart-details").locator("summary").click()  # closed: the table shows it
    expect(page.locator("[data-figure][data-rendered=true]").first).to_be_attached()
    # plotly's rules come from our stylesheet, not an injected <style>
    assert page.locator("style").count() == 0
    cursor = page.locator(".js-plotly-plot .plotly .main-svg").first.evaluate(
        "el => getComputedStyle(el).position")
    assert cursor == "absolute"
    # the band colour of a matrix cell shows (an SVG fill, no inline style)
    fill = page.locator("td.cell svg.fill rect").first.evaluate(
        "r => getComputedStyle(r).fill")
    assert fill.startswith("rgb(") and fill != "rgb(0, 0, 0)"
    assert violations(page) == []
    for url in ("/board/?period=2022-T1", "/risks/", "/risks/1"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], url
    guard.assert_clean()


def test_admin_scale_page_reports_no_csp_violation(page, login, guard):
    page.add_init_script(WATCH)
    login(page, ADMIN)
    page.goto("/admin/")
    page.locator('a[href^="/admin/scale/"]').first.click()
    swatch = page.locator(".swatch svg.fill rect").first
    expect(swatch).to_be_attached()
    assert violations(page) == []
    guard.assert_clean()
