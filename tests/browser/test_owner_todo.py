"""A risk owner reaches what is overdue from the to-do list, with the keyboard only.

Rikard Riskägare signs in on 2022-09-20, six days after 2022-T2's deadline: the to-do
panel of his start page lists the risks he did not re-assess in 2022-T2, each saying
in words that it is overdue (colour is not the only signal). He tabs to the first item
and opens it with Enter: the re-assess page of that risk. Nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_owner_reassess import OWNER, tab_to

pytestmark = pytest.mark.browser

TODAY = "2022-09-20"


@pytest.fixture
def overdue_day(live_server) -> Iterator[None]:
    app = live_server.app
    previous = app.config.get("RISKREG_TODAY")
    app.config["RISKREG_TODAY"] = TODAY
    try:
        yield
    finally:
        app.config["RISKREG_TODAY"] = previous


def test_owner_opens_an_overdue_item_from_the_to_do_list(page: Page, guard, login,
                                                         overdue_day):
    login(page, OWNER)
    page.goto("/")
    todo = page.locator('[data-testid="todo"]')
    expect(todo).to_be_visible()
    rows = todo.locator("tbody tr")
    expect(rows.first).to_be_visible()
    count = rows.count()  # 11 as seeded (the live database is shared by the browser tests)
    expect(todo.locator('[data-testid="todo-overdue"]')).to_have_text(
        f"{count} saker är försenade.")
    first = rows.first
    expect(first.locator('[data-testid="todo-status"]')).to_have_text(
        re.compile(r"Försenad sedan 6 dagar"))
    risk_id = first.get_attribute("data-object-id")
    # the link opens the form on the tertial that is owed
    link = f'[data-testid="todo"] a[href="/risks/{risk_id}/assess?period=2022-T2"]'
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/risks/{risk_id}/assess?period=2022-T2")
    guard.assert_clean()
