"""A board reviewer reads the heat map in Chromium: reaches a cell with the keyboard and
opens its risks, sees the plotly figure drawn from our own origin, and prints the board's
view (the print layout is kept in test-artifacts/browser/ as PNG and PDF).

The guard of tests/browser/conftest.py fails a test on any console error or request that
leaves 127.0.0.1. Elements are found by structure (ids, data attributes, hrefs), never by
translated words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers.heatmaps import NORRBOTTEN, seed_cells

pytestmark = pytest.mark.browser

BOARD = "styrelse@norrbotten.example"
PERIOD = "2022-T1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
MAX_TABS = 150
A4_LONG, A4_SHORT = 842, 595  # points, rounded


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector)


def tab_to(page: Page, selector: str) -> int:
    """Press Tab until ``selector`` has the focus, visibly; returns the presses."""
    for presses in range(MAX_TABS):
        if focused_matches(page, selector):
            assert focused_matches(page, ":focus-visible"), f"{selector}: focus not visible"
            return presses
        page.keyboard.press("Tab")
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {selector} on {page.url}")


def first_filled_cell(period: str) -> tuple[int, int, list[int]]:
    """The first cell with risks in reading order (likelihood high → low, consequence
    low → high), from the seed."""
    cells = seed_cells(NORRBOTTEN[0], NORRBOTTEN[1], period)
    (lk, c) = min(cells, key=lambda k: (-k[0], k[1]))
    return lk, c, cells[(lk, c)]


def test_board_reviewer_opens_a_cells_risks_with_the_keyboard(page, login, guard):
    login(page, BOARD)
    # The menu leads to the heat map: Tab to its link, Enter.
    tab_to(page, 'header nav a[href="/heatmaps/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/heatmaps/$"))
    # Choose the period from the list: Tab to it, type the start of the option (the
    # select's own type-ahead), Tab to the button, Enter.
    tab_to(page, "#period")
    page.keyboard.type(PERIOD)
    expect(page.locator("select#period")).to_have_value(PERIOD)
    tab_to(page, 'form.filters button[type="submit"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"period={PERIOD}"))

    lk, c, numbers = first_filled_cell(PERIOD)
    cell = page.locator(f'td.cell[data-likelihood="{lk}"][data-consequence="{c}"]')
    expect(cell).to_have_attribute("data-count", str(len(numbers)))
    # each link reads "#n" and then, for screen readers, the risk's title (issue 13, item 3)
    listed = [int(re.match(r"#(\d+)", t).group(1))
              for t in cell.locator("ul.numbers a").all_inner_texts()]
    assert listed == numbers
    ids = sorted(int(re.match(r"/risks/(\d+)", h).group(1)) for h in cell.locator(
        "ul.numbers a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))

    # Tab to the cell's link and open it with Enter: the register filtered to the cell.
    tab_to(page, f'td.cell[data-likelihood="{lk}"][data-consequence="{c}"] a.cell-link')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/risks/\?.*likelihood={lk}&consequence={c}"))
    rows = page.locator("tr[data-risk-id]")
    expect(rows).to_have_count(len(numbers))
    assert sorted(int(i) for i in rows.evaluate_all(
        "rs => rs.map(r => r.dataset.riskId)")) == ids
    shown = [int(t) for t in page.locator("tr[data-risk-id] > td:first-child").all_inner_texts()]
    assert sorted(shown) == numbers
    guard.assert_clean()


def test_plotly_figure_renders_from_our_own_origin(page, login, guard):
    login(page, BOARD)
    page.goto(f"/heatmaps/?period={PERIOD}")
    # the table shows the matrix: the figure waits, closed, and plotly.js is not fetched
    details = page.get_by_test_id("chart-details")
    expect(details).not_to_have_attribute("open", "")
    assert not [u for u in guard.requests if "plotly-cartesian" in u]
    details.locator("summary").click()
    chart = page.locator('[data-figure][data-rendered="true"]')
    expect(chart).to_have_count(1)  # set by charts.js once Plotly.newPlot resolved
    expect(chart).to_have_class(re.compile(r"\bjs-plotly-plot\b"))
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    # the cells' texts are drawn: each says its count and band
    texts = chart.locator("svg text").all_text_contents()
    lk, c, numbers = first_filled_cell(PERIOD)
    assert any(t.startswith(str(len(numbers))) for t in texts), texts[:20]
    # hover over the middle of the cell likelihood 3 × consequence 3 (third column of
    # four, second row from the top): its label lists the cell's risk numbers
    drag = chart.locator("svg.main-svg .nsewdrag").first
    drag.scroll_into_view_if_needed()
    box = drag.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 5 / 8, box["y"] + box["height"] * 3 / 8)
    label = chart.locator(".hoverlayer .hovertext").first
    expect(label).to_be_visible()
    hovered = seed_cells(NORRBOTTEN[0], NORRBOTTEN[1], PERIOD)[(3, 3)]
    assert [int(n) for n in re.findall(r"#(\d+)", label.text_content())] == hovered
    loaded = [u for u in guard.requests
              if re.search(r"/static/vendor/plotly/plotly-cartesian\.min\.[0-9a-f]{12}\.js$", u)]
    assert loaded and loaded[0].startswith("http://127.0.0.1:")
    guard.assert_clean()  # no console error (CSP included), nothing left 127.0.0.1


def test_board_view_print_layout_is_kept_as_an_artifact(page, login, guard):
    login(page, BOARD)
    page.goto(f"/board/?period={PERIOD}")
    sections = page.locator("section.print-page")
    n_sections = sections.count()
    assert n_sections >= 2
    # the print button calls window.print (print.js, no inline handler)
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed++; }; }")
    page.locator('button[data-action="print"]').click()
    assert page.evaluate("() => window.__printed") == 1

    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("footer.foot")).to_be_hidden()
    expect(page.locator('form[action="/board/"]')).to_be_hidden()
    expect(sections.first).to_be_visible()
    breaks = sections.evaluate_all("ss => ss.map(s => getComputedStyle(s).breakAfter)")
    assert breaks[:-1] == ["page"] * (n_sections - 1), breaks
    adjust = page.locator("td.cell").first.evaluate("td => getComputedStyle(td).printColorAdjust")
    assert adjust == "exact"  # band colours survive printing

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / f"board-print-{PERIOD}.png"
    page.screenshot(path=str(png), full_page=True)
    assert png.stat().st_size > 10_000

    pdf = ARTIFACTS / f"board-print-{PERIOD}.pdf"
    data = page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    # the divisions without risks are not printed (issue 12: 11 pages, most of them empty)
    printed = page.locator("section.print-page:not(.no-print)").count()
    assert 2 <= printed < n_sections
    assert printed <= pages < n_sections, (pages, printed, n_sections)
    # The CSS alone (@page size: A4 landscape) gives landscape A4 pages.
    # (The board pack, /board/pack, is the document to table: test_board_pack_print.py.)
    css_pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", css_pdf)
    assert boxes, "no MediaBox in the PDF"
    for width, height in boxes:
        assert (round(float(width)), round(float(height))) == (A4_LONG, A4_SHORT)
    guard.assert_clean()
