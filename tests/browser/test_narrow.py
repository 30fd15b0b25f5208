"""Phones and narrow windows (issue 13, item 5): at 360 px no page of the access matrix
scrolls sideways (wide tables scroll inside their own box, the matrix fits), for the roles
that between them open every page. Screenshots of each page at 1366 and 390 px are kept in
test-artifacts/widths/. axe-core runs at 360 px too: a table box that scrolls must be
reachable by keyboard and named (static/js/tables.js).
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import pages_for, serious_violations
from tests.conftest import DEMO_USERS

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS.parent / "widths"
# Between them these roles open every HTML page of the matrix.
ROLES = ("anonymous", "admin", "coordinator", "owner", "board")
OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= doc.clientWidth) return null;
  // the widest elements that stick out, to say what to fix
  const out = [];
  document.querySelectorAll('body *').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.right > doc.clientWidth + 1 && out.length < 5) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (typeof el.className === 'string' && el.className
                ? '.' + el.className.split(' ').join('.') : '') +
               ' right=' + Math.round(r.right));
    }
  });
  return {scroll: doc.scrollWidth, client: doc.clientWidth, out: out};
}"""


def _name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", url).strip("_") or "start"


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_360px(role, page, login, resolved):
    page.set_viewport_size({"width": 360, "height": 740})
    if role != "anonymous":
        login(page, DEMO_USERS[role])
    too_wide = {}
    for template in pages_for(role):
        url = resolved(template)
        page.goto(url)
        found = page.evaluate(OVERFLOW)
        if found:
            too_wide[url] = found
        # the boxes that scroll are reachable by keyboard and named (axe at this width too)
        violations = serious_violations(page)
        if violations:
            too_wide[url] = {**(found or {}), "axe": violations}
    assert not too_wide, f"as {role}, pages wider than 360 px: {too_wide}"


@pytest.mark.parametrize("width", [1366, 390])
def test_screenshots_at_both_widths(width, page, login, resolved):
    """The main pages as the coordinator sees them, kept as test artifacts."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, DEMO_USERS["coordinator"])
    taken = []
    for template in pages_for("coordinator"):
        if "?" in template:  # the same page with other parameters
            continue
        url = resolved(template)
        page.goto(url)
        path = SHOTS / f"{width}-{_name(url)}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
    assert taken and all(p.stat().st_size > 0 for p in taken)
