"""A board reviewer opens the board pack from the board view and prints it in Chromium:
the toolbar is not printed, the pages are A4 portrait (@page), the band colours survive,
and the printed document stays a handful of pages. The print is kept in
test-artifacts/browser/ (PDF and PNG). The server-made PDF is tested in tests/boardpack/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

BOARD = "styrelse@norrbotten.example"
PERIOD = "2022-T2"
A4_SHORT, A4_LONG = 595, 842  # points, rounded


def test_board_pack_prints_from_the_board_view(page: Page, login, guard):
    from tests.browser.conftest import ARTIFACTS

    login(page, BOARD)
    page.goto(f"/board/?period={PERIOD}")
    page.locator('[data-testid="board-pack-links"] a').first.click()
    page.wait_for_url(re.compile(r"/board/pack\?"))
    # the meeting date is a field of the page: fill it in and show the pack again
    page.fill("#meeting", "2022-09-20")
    page.locator("div.toolbar form button[type=submit]").click()
    page.wait_for_url(re.compile(r"meeting=2022-09-20"))
    expect(page.locator('[data-testid="meeting-date"]')).to_have_text("2022-09-20")
    pdf_link = page.locator('[data-testid="pack-pdf"]')
    assert "meeting=2022-09-20" in pdf_link.get_attribute("href")

    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.locator('button[data-action="print"]').click()
    assert page.evaluate("() => window.__printed") == 1

    page.emulate_media(media="print")
    expect(page.locator("div.toolbar")).to_be_hidden()
    expect(page.locator('[data-testid="pack-matrix"]')).to_be_visible()
    adjust = page.locator("td.cell").first.evaluate("td => getComputedStyle(td).printColorAdjust")
    assert adjust == "exact"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = page.pdf(path=str(ARTIFACTS / f"board-pack-print-{PERIOD}.pdf"),
                    prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes
    for width, height in boxes:
        assert (round(float(width)), round(float(height))) == (A4_SHORT, A4_LONG)
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert 2 <= pages <= 8, pages
    page.screenshot(path=str(ARTIFACTS / f"board-pack-print-{PERIOD}.png"), full_page=True)
    guard.assert_clean()
