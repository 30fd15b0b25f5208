"""The app as its users meet it (issue 13), in Chromium: each page behaviour of the
walk-through, done with the keyboard, with screenshots at 1366×768 and at 390 px wide kept
in test-artifacts/browser/walkthrough/.

Elements are found by structure (ids, data attributes, hrefs), never by translated words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_board_heatmap import tab_to

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser" / "walkthrough"
WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
COORDINATOR = "samordnare@norrbotten.example"


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at both widths (the viewport is restored to the wide one)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("1366", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def test_a_bad_period_in_the_url_keeps_the_heat_map(page, login, guard):
    page.set_viewport_size(WIDE)
    login(page, COORDINATOR)
    guard.expect_status("/heatmaps/?period=2022-T4", 400)
    response = page.goto("/heatmaps/?period=2022-T4")
    assert response is not None and response.status == 400
    select = page.locator("select#period")
    error = page.locator("#period-err")
    expect(error).to_be_visible()
    expect(select).to_have_attribute("aria-invalid", "true")
    expect(page.locator("td.cell").first).to_be_visible()  # the page is kept
    # the message sits beside its field: right under it, inside the same field box
    assert page.locator(".field.has-error").filter(has=select).filter(has=error).count() == 1
    shoot(page, "period-error")
    # pick a good period with the keyboard: the message is gone
    tab_to(page, "#period")
    page.keyboard.type("2022-T1")
    expect(select).to_have_value("2022-T1")
    tab_to(page, 'form.filters button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"period=2022-T1"))
    expect(page.locator("#period-err")).to_have_count(0)
    guard.assert_clean()


def test_risks_are_named_by_their_title_in_lists_and_matrix_tooltips(page, login, guard):
    page.set_viewport_size(WIDE)
    login(page, COORDINATOR)
    page.goto("/risks/?sort=number")
    first = page.locator("tr[data-risk-id] td:nth-child(2) a").first
    title = first.inner_text()
    assert title and len(title) <= 120
    shoot(page, "register-titles")
    page.goto("/heatmaps/?period=2022-T1&compare=none")
    links = page.locator("td.cell ul.numbers a")
    assert links.count() == 16
    tooltips = links.evaluate_all("as => as.map(a => a.getAttribute('title'))")
    assert title in tooltips and all(tooltips)
    # the tooltip's text is also the link's accessible name, for keyboard and screen readers
    tab_to(page, "td.cell ul.numbers a")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert page.evaluate("() => document.activeElement.getAttribute('title')") in focused
    guard.assert_clean()


def test_a_coordinator_follows_up_what_awaits_re_assessment(page, login, guard):
    page.set_viewport_size(WIDE)
    login(page, COORDINATOR)
    page.goto("/")
    panel = page.locator('section[data-testid="awaiting-units"]')
    expect(panel).to_be_visible()
    expect(panel.locator('[data-testid="awaiting-units-due"]')).to_contain_text(
        re.compile(r"\d{4}-\d{2}-\d{2}"))
    listed = panel.locator("li").count()
    assert listed > 0
    shoot(page, "start-coordinator")
    # from the panel to the register filtered to the risks not re-assessed, by keyboard
    tab_to(page, 'section[data-testid="awaiting-units"] a[href*="awaiting=y"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/risks/\?.*awaiting=y"))
    expect(page.locator("#awaiting")).to_be_checked()
    expect(page.locator('[data-testid="due-date"]')).to_contain_text(
        re.compile(r"\d{4}-\d{2}-\d{2}"))
    statuses = page.locator('tr[data-risk-id] [data-testid="reassess-status"]')
    assert statuses.count() == min(listed, 50)
    shoot(page, "register-awaiting")
    guard.assert_clean()


def test_a_board_member_goes_from_the_start_page_to_the_board_view(page, login, guard):
    page.set_viewport_size(WIDE)
    login(page, "styrelse@norrbotten.example")
    page.goto("/")
    steps = page.locator("ul.next-steps a")
    hrefs = steps.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert "/heatmaps/" in hrefs and "/board/" in hrefs
    shoot(page, "start-board")
    tab_to(page, 'ul.next-steps a[href="/board/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/board/$"))
    expect(page.locator("table.heatmap").first).to_be_visible()
    shoot(page, "board-view")
    guard.assert_clean()


def test_the_assess_form_shows_the_latest_assessment_and_comment(page, login, guard):
    page.set_viewport_size(WIDE)
    login(page, "riskagare@norrbotten.example")
    page.goto("/risks/?sort=number")
    href = page.locator("tr[data-risk-id] td:nth-child(2) a").nth(2).get_attribute("href")
    risk_id = re.match(r"/risks/(\d+)", href).group(1)
    page.goto(f"/risks/{risk_id}/assess")
    panel = page.locator('section[data-testid="previous-assessment"]')
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(re.compile(r"\d{4}-T[123]"))
    # the likelihood field has the focus, visibly, and its options carry the step names
    assert page.evaluate("() => document.activeElement.id") == "likelihood"
    assert page.locator("select#likelihood option").count() >= 5
    shoot(page, "assess")
    guard.assert_clean()
