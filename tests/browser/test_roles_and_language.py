"""Each demo role signs in, sees its start page in Swedish, switches to English, signs out.

Elements are found by structure (ids, hrefs, form actions), never by visible text: the
interface's words are translated and may change.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PERIOD = re.compile(r"^\d{4}-T[123] \((DÅ04|DÅ08|ÅR)\)$")  # e.g. 2026-T1 (DÅ04)

SWEDISH_CATALOG = (Path(__file__).resolve().parents[2]
                   / "riskreg" / "translations" / "sv" / "LC_MESSAGES" / "messages.po")
# Words that are always on the start page, in each language (compared, never spelt out).
CHROME = 'form[action="/logout"] button, main h2#my-units'

ROLES = {
    # role: (demo user of Region Norrbotten, the unit of the role: code, name)
    "admin": ("admin@norrbotten.example", "NLL", "Region Norrbotten"),
    "coordinator": ("samordnare@norrbotten.example", "NLL-RS", "Regionstyrelsen"),
    "owner": ("riskagare@norrbotten.example", "NLL-RS", "Regionstyrelsen"),
    "board": ("styrelse@norrbotten.example", "NLL-RS", "Regionstyrelsen"),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_role_signs_in_switches_to_english_and_signs_out(
        role, page, fresh_page, guard, login, logout, switch_language):
    email, unit_code, unit_name = ROLES[role]

    # The sign-in page and the start page speak Swedish by default.
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    login(page, email)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "sv")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("[data-testid=current-period]")).to_have_text(PERIOD)
    # The start page lists the user's units by name: the unit of this role is among them;
    # its code only for an administrator (issue 13, item 9).
    unit_cell = page.locator("main table td").filter(
        has_text=re.compile(rf"^\s*{re.escape(unit_name)}\s*$"))
    expect(unit_cell.first).to_be_visible()
    code_cell = page.locator("main table td").filter(
        has_text=re.compile(rf"^\s*{re.escape(unit_code)}\s*$"))
    expect(code_cell).to_have_count(1 if role == "admin" else 0)
    # The navigation fits the role: only an administrator sees Administration.
    admin_link = page.locator('header nav a[href="/admin/"]')
    expect(admin_link).to_have_count(1 if role == "admin" else 0)
    swedish_words = page.locator(CHROME).all_inner_texts()
    # No button offers the language already shown.
    expect(page.locator('form[action="/language/sv"]')).to_have_count(0)

    # The language button switches to English ...
    switch_language(page, "en")
    if SWEDISH_CATALOG.exists():  # the words changed, whatever they are
        assert page.locator(CHROME).all_inner_texts() != swedish_words
    expect(page.locator('form[action="/language/en"]')).to_have_count(0)
    expect(page.locator('form[action="/language/sv"] button')).to_be_visible()
    # ... which holds on another page,
    page.locator('header a[href="/profile"]').click()
    page.wait_for_url("**/profile")
    expect(html).to_have_attribute("lang", "en")
    # on the sign-in page after signing out,
    logout(page)
    expect(html).to_have_attribute("lang", "en")
    # after signing in again,
    login(page, email)
    expect(html).to_have_attribute("lang", "en")
    logout(page)

    # and in a new browser with no cookies: the choice is kept with the user.
    other = fresh_page()
    other.goto("/login")
    expect(other.locator("html")).to_have_attribute("lang", "sv")
    login(other, email)
    expect(other.locator("html")).to_have_attribute("lang", "en")
    # Back to Swedish, which is kept the same way.
    switch_language(other, "sv")
    other.reload()
    expect(other.locator("html")).to_have_attribute("lang", "sv")
    logout(other)
    expect(other.locator('form[action="/logout"]')).to_have_count(0)

    guard.assert_clean()

