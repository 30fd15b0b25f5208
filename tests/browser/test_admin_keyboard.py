"""An administrator adds an organisation unit with the keyboard only.

Tab moves the focus, typing fills a field, arrow keys choose in a list, Enter follows a
link or submits: no click and no ``fill``. Elements are found by ids and hrefs.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from riskreg.seed import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ADMIN = "admin@sormland.example"
PARENT_CODE = "SRM-PV"  # Division Primärvård, Region Sörmland
NEW_CODE = "SRM-PV-TGB"
NEW_NAME = "Vårdcentralen Tangentbord"
MAX_TABS = 80


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus, visibly."""
    for _ in range(MAX_TABS):
        if not focused_matches(page, selector):  # it may have the focus already
            page.keyboard.press("Tab")
        if focused_matches(page, selector):
            assert focused_matches(page, ":focus-visible"), f"{selector}: focus not visible"
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def arrow_down_until(page: Page, select_id: str, wanted: re.Pattern[str], attr: str) -> None:
    """In the focused <select>, press ArrowDown until the chosen option matches."""
    select = page.locator(f"#{select_id}")
    for _ in range(MAX_TABS):
        chosen = select.evaluate(
            f"s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].{attr} : ''")
        if wanted.search(chosen):
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"no option of #{select_id} matches {wanted.pattern}")


def test_admin_adds_unit_with_keyboard_only(page, guard):
    # Sign in: Tab to the e-mail field, type, Tab to the password, type, Enter.
    page.goto("/login")
    tab_to(page, "#email")
    page.keyboard.type(ADMIN)
    tab_to(page, "#password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))

    # Start page → Administration, by the menu link.
    tab_to(page, 'header nav a[href="/admin/"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/")
    expect(page.locator("main table td code", has_text=NEW_CODE)).to_have_count(0)

    # Administration → the "add unit" form.
    tab_to(page, 'main a[href="/admin/units/new"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/units/new")

    # The form: parent unit, code, name, kind.
    tab_to(page, "#parent_id")
    arrow_down_until(page, "parent_id", re.compile(rf"\({re.escape(PARENT_CODE)}\)$"), "text")
    tab_to(page, "#code")
    page.keyboard.type(NEW_CODE)
    tab_to(page, "#name")
    page.keyboard.type(NEW_NAME)
    tab_to(page, "#kind")
    arrow_down_until(page, "kind", re.compile(r"^unit$"), "value")
    expect(page.locator("#code")).to_have_value(NEW_CODE)
    expect(page.locator("#name")).to_have_value(NEW_NAME)
    tab_to(page, 'main form button[type="submit"]')
    page.keyboard.press("Enter")

    # Back on the administration page: a status message and the unit in the list,
    # one level beneath its parent.
    page.wait_for_url("**/admin/")
    expect(page.locator('main [role="status"]')).to_be_visible()
    row = page.locator("main table tbody tr").filter(
        has=page.locator("td code", has_text=re.compile(rf"^{re.escape(NEW_CODE)}$")))
    expect(row).to_have_count(1)
    expect(row.locator("td").first).to_have_text(NEW_NAME)
    parent_row = page.locator("main table tbody tr").filter(
        has=page.locator("td code", has_text=re.compile(rf"^{re.escape(PARENT_CODE)}$")))
    parent_depth = _depth(parent_row.locator("td").first.get_attribute("class"))
    assert _depth(row.locator("td").first.get_attribute("class")) == parent_depth + 1

    guard.assert_clean()


def _depth(css_class: str | None) -> int:
    match = re.search(r"depth-(\d+)", css_class or "")
    assert match, f"no depth-N class in {css_class!r}"
    return int(match.group(1))
