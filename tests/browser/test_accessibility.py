"""WCAG 2.1 AA in the browser (issue 13, item 10): axe-core on every page of the access
matrix as every role that may open it, and the keyboard with a visible focus.

Swedish public bodies must meet WCAG 2.1 AA (lagen om tillgänglighet till digital offentlig
service). axe-core (bundled by ``axe-playwright-python``) checks each HTML page of
tests/pages/test_access_matrix.py that answers 200 to the role; a serious or critical
violation fails the test, listed with the page and the offending elements. Then Tab walks
through the page: every element that takes the focus must show it (an outline or a shadow
drawn by ``:focus-visible``), never an invisible focus.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.conftest import DEMO_USERS
from tests.pages.test_access_matrix import PAGES

pytestmark = pytest.mark.browser

# The rules of WCAG 2.0/2.1 A and AA, and axe's best practices (their serious findings too).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"]}
FAILING_IMPACTS = {"serious", "critical"}
# Not HTML pages: JSON, probes, vendored JavaScript.
NOT_HTML = ("api.", "vendor.", "ops.")
MAX_TABS = 40
AXE = Axe()

# The browser's demo has no administrator of NLL-LS1 (the matrix makes one): left out.
BROWSER_ROLES = ("anonymous", *DEMO_USERS)


def pages_for(role: str) -> list[str]:
    """The matrix's HTML pages this role may open (200), each URL once."""
    urls = []
    for p in PAGES:
        if p.endpoint.startswith(NOT_HTML) or p.expected.get(role) != 200:
            continue
        if p.url not in urls:
            urls.append(p.url)
    return urls


def test_every_role_has_pages_to_check():
    for role in BROWSER_ROLES:
        assert pages_for(role), role


def serious_violations(page: Page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS)
    found = []
    for v in results.response["violations"]:
        if v.get("impact") not in FAILING_IMPACTS:
            continue
        targets = [", ".join(map(str, n["target"])) for n in v["nodes"][:5]]
        found.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return found


# The focused element: is its focus drawn (an outline of 2px or more, or a shadow)?
FOCUS_PROBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A date field's own calendar button (inside the browser's shadow tree: the field itself
  // then does not match :focus); its ring is styled in app.css and drawn by the browser.
  if (el.type === 'date' && !el.matches(':focus')) return {skip: true};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id,
          text: (el.textContent || '').trim().slice(0, 40),
          visible: outline || shadow,
          onscreen: r.width > 0 && r.height > 0};
}"""


def unseen_focus(page: Page) -> list[str]:
    """Tab through (up to MAX_TABS stops): the stops whose focus is not drawn."""
    page.locator("body").evaluate(
        "b => { b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex'); }")
    bad, seen = [], 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        probe = page.evaluate(FOCUS_PROBE)
        if probe is None:  # past the last element
            break
        seen += 1
        if probe.get("skip"):
            continue
        if not (probe["visible"] and probe["onscreen"]):
            bad.append(f"<{probe['tag']} id={probe['id']!r}> {probe['text']!r}")
    assert seen, f"{page.url}: Tab reaches nothing"
    return bad


@pytest.mark.parametrize("role", BROWSER_ROLES)
def test_pages_pass_axe_and_show_the_focus(role, page, guard, login, resolved):
    if role != "anonymous":
        login(page, DEMO_USERS[role])
    problems: dict[str, list[str]] = {}
    checked = 0
    for template in pages_for(role):
        url = resolved(template)
        response = page.goto(url)
        assert response is not None and response.status == 200, (url, role)
        checked += 1
        found = serious_violations(page)
        found += [f"focus not visible: {f}" for f in unseen_focus(page)]
        if found:
            problems[f"{template} ({url})"] = found
    assert checked == len(pages_for(role))
    assert not problems, f"as {role}:\n" + "\n".join(
        f"{url}\n  " + "\n  ".join(found) for url, found in problems.items())
