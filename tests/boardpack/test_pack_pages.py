"""The board pack as print HTML (/board/pack): what it holds, for whom, and how many
statements it costs. Expected cells and summaries come from the seed YAML
(tests/helpers/heatmaps.py), never typed in."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from jinja2 import ChoiceLoader, DictLoader

from riskreg.boardpack import sections
from riskreg.scales import scale_for_unit
from tests.conftest import translated, unit
from tests.helpers.heatmaps import (
    NORRBOTTEN,
    SORMLAND,
    Node,
    band_summary,
    grow_tree,
    parse_html,
    plant_risk,
    seed_cells,
)

PERIOD = "2022-T2"


def pack_page(client, unit_code: str | None = "NLL-RS", status: int = 200, **query):
    if unit_code is not None:
        query["unit"] = unit(unit_code).id
    query.setdefault("period", PERIOD)
    response = client.get("/board/pack", query_string=query)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response


def pack_doc(client, unit_code: str | None = "NLL-RS", **query) -> Node:
    return parse_html(pack_page(client, unit_code, **query).get_data(as_text=True))


def cells_of(table: Node) -> dict[tuple[int, int], tuple[int, str, list[int]]]:
    """(likelihood, consequence) → (count, band name, risk numbers) of a pack matrix."""
    out = {}
    for td in table.find_all("td", cls="cell"):
        key = (int(td.get("data-likelihood")), int(td.get("data-consequence")))
        assert key not in out
        numbers = td.find("span", cls="numbers")
        listed = [int(n) for n in re.findall(r"\d+", numbers.text())] if numbers else []
        count = int(td.one("span", cls="count").text())
        assert count == int(td.get("data-count"))
        out[key] = (count, td.one("span", cls="band").text(), listed)
    return out


@pytest.mark.parametrize(("seed_file", "unit_code", "reader", "period"), [
    pytest.param(NORRBOTTEN[0], NORRBOTTEN[1], "board", "2022-T2", id="NLL-RS-2022-T2"),
    pytest.param(NORRBOTTEN[0], NORRBOTTEN[1], "coordinator", "2022-T1", id="NLL-RS-2022-T1"),
    pytest.param(SORMLAND[0], SORMLAND[1], "coordinator_sormland", "2024-T1",
                 id="SRM-PV-2024-T1"),
])
def test_pack_matrix_has_count_and_band_in_every_cell_and_the_band_summary(
        as_role, seed_file, unit_code, reader, period):
    doc = pack_doc(as_role(reader), unit_code, period=period)
    scale = scale_for_unit(unit(unit_code))
    expected = seed_cells(seed_file, unit_code, period)
    cells = cells_of(doc.one("table", data_testid="pack-matrix"))
    assert len(cells) == scale.size ** 2  # every cell, the empty ones too
    for (lk, c), (count, band, numbers) in cells.items():
        assert band == scale.band(lk * c).name
        assert numbers == expected.get((lk, c), [])
        assert count == len(numbers)
    summary = doc.one("p", data_testid="band-summary").text()
    assert summary == band_summary(expected, scale, translated("Total"))


def test_sormland_summary_reads_as_in_its_document(coordinator_sormland):
    """004: "1 Hög 3 Medel 1 Låg | Totalt: 5"."""
    doc = pack_doc(coordinator_sormland, "SRM-PV", period="2024-T1")
    assert doc.one("p", data_testid="band-summary").text() == "1 Hög 3 Medel 1 Låg | Totalt: 5"


def test_pack_lists_each_risk_once_and_leaves_out_divisions_without_risks(board):
    doc = pack_doc(board, meeting="2022-09-20")
    expected = seed_cells(NORRBOTTEN[0], "NLL-RS", PERIOD)
    rows = doc.one("table", data_testid="pack-risks").find("tbody").find_all("tr")
    numbers = [int(tr.find("td").text()) for tr in rows]
    assert sorted(numbers) == sorted(n for ns in expected.values() for n in ns)
    assert len(set(numbers)) == len(numbers) == 16
    # every risk of Norrbotten's demo sits on Regionstyrelsen itself: no division matrix
    # (the board view draws seven empty ones)
    assert doc.find_all("table", data_testid="division-matrix") == []
    assert len(doc.find_all("table", cls="matrix")) == 1
    # the sections, numbered, in the registered order; the contents list names them all
    parts = doc.find_all("section", cls="part")
    assert [p.get("data-section") for p in parts] == [
        "risks", "movements", "findings", "measures", "controls", "kpis"]
    heads = [p.find("h2").text() for p in parts]
    assert [h.split(".")[0] for h in heads] == ["1", "2", "3", "4", "5", "6"]
    contents = [li.text() for li in doc.one("nav", cls="contents").find_all("li")]
    assert contents == [h.split(". ", 1)[1] for h in heads]
    # measures without a status are counted in the findings and listed once, in the
    # follow-up (no list twice)
    finding = doc.one("div", data_finding="measure_without_status")
    assert finding.find("ul") is None
    assert "4" in finding.one("p", cls="note").text()


def test_cover_names_organisation_board_meeting_and_periods(board):
    doc = pack_doc(board, meeting="2022-09-20", compare="last_year")
    cover = doc.one("section", data_testid="pack-cover")
    assert cover.one("p", cls="organisation").text() == "Region Norrbotten"
    assert cover.one("p", cls="board").text() == "Regionstyrelsen"
    assert cover.one("dd", data_testid="meeting-date").text() == "2022-09-20"
    text = cover.text()
    assert "2022-T2 (DÅ08)" in text and "2021-T2 (DÅ08)" in text
    # the running header and footer: meeting, period, legend of every band, print date
    header = doc.one("header", data_testid="pack-header").text()
    assert "2022-09-20" in header and "2022-T2" in header
    legend = doc.one("span", data_testid="pack-legend").text()
    for band in scale_for_unit(unit("NLL-RS")).bands:
        assert f"{band.name} {band.low}–{band.high}" in legend
    assert doc.one("span", cls="pageno").get("data-of") == translated("of")
    # the movements compare with the same tertial last year
    assert doc.one("section", data_section="movements").find("h2").text().endswith("2021-T2")


def test_a_division_with_risks_gets_its_matrix(board):
    plant_risk("NLL-LS1-IMED", [("2022-T1", 3, 3)], "Vårdplatsbrist på medicinavdelning")
    doc = pack_doc(board)
    divisions = doc.find_all("table", data_testid="division-matrix")
    assert [t.get("data-unit") for t in divisions] == [str(unit("NLL-LS1").id)]
    cells = cells_of(divisions[0])
    assert cells[(3, 3)][0] == 1 and sum(c[0] for c in cells.values()) == 1
    summaries = [p.text() for p in doc.find_all("p", cls="summary")]
    assert summaries[-1] == f"1 Hög | {translated('Total')}: 1"
    whole = cells_of(doc.one("table", data_testid="pack-matrix"))
    assert sum(c[0] for c in whole.values()) == 17


def test_meeting_date_is_a_field_and_a_bad_one_a_message(board):
    doc = pack_doc(board, meeting="2022-09-20")
    assert doc.one("input", id="meeting").get("value") == "2022-09-20"
    for bad in ("2022-13-40", "20.9.2022", "x" * 300, "0001-01-01"):
        response = pack_page(board, status=400, meeting=bad)
        doc = parse_html(response.get_data(as_text=True))
        assert doc.one("ul", id="meeting-err").text()  # beside its field, not a 500
        assert doc.one("dd", data_testid="meeting-date").text() == translated("Not given")
    response = board.get("/board/pack.pdf", query_string={"meeting": "2022-02-30"})
    assert response.status_code == 400


def test_bad_period_or_unit_is_refused_not_a_500(board):
    assert pack_page(board, status=400, period="2022-T9").status_code == 400
    assert board.get("/board/pack?unit=abc").status_code == 400
    assert board.get("/board/pack?unit=999999").status_code == 404


def test_a_board_view_section_links_to_its_pack(board, owner):
    doc = parse_html(board.get("/board/?period=2022-T2").get_data(as_text=True))
    links = doc.one("p", data_testid="board-pack-links").find_all("a")
    rs = unit("NLL-RS").id
    assert [a.get("href") for a in links] == [f"/board/pack?unit={rs}&period=2022-T2",
                                              f"/board/pack.pdf?unit={rs}&period=2022-T2"]
    assert "no-print" in doc.one("p", data_testid="board-pack-links").classes
    # the board view prints no division without risks (each is a no-print section)
    for section in doc.find_all("section", cls="print-page"):
        table = section.find("table", data_testid="child-matrix")
        if table is not None:
            empty = all(td.get("data-count") == "0" for td in table.find_all("td", cls="cell"))
            assert ("no-print" in section.classes) == empty
    # a risk owner reads the board view but not the pack: no link
    doc = parse_html(owner.get("/board/?period=2022-T2").get_data(as_text=True))
    assert doc.find("p", data_testid="board-pack-links") is None


def test_pack_page_toolbar_links_the_pdf_of_the_same_pack(board):
    doc = pack_doc(board, meeting="2022-09-20", compare="none")
    href = doc.one("a", data_testid="pack-pdf").get("href")
    rs = unit("NLL-RS").id
    assert href == f"/board/pack.pdf?unit={rs}&period=2022-T2&compare=none&meeting=2022-09-20"
    assert doc.find("section", data_section="movements") is None  # no comparison asked
    assert "no-print" in doc.one("div", cls="toolbar").classes
    scripts = [s.get("src") for s in doc.find_all("script")]
    assert len(scripts) == 1 and re.fullmatch(r"/static/js/print\.[0-9a-f]+\.js", scripts[0])
    assert doc.one("button", data_action="print")


def test_a_canary_risk_of_another_region_never_appears(board, coordinator_sormland):
    plant_risk("SRM-PV", [("2022-T1", 4, 4)], "KANARIEFÅGEL Sörmland")
    srm = pack_page(coordinator_sormland, "SRM-PV").get_data(as_text=True)
    assert "KANARIEFÅGEL Sörmland" in srm  # the canary is real
    for query in ({}, {"compare": "last_year"}, {"unit": ""}):
        html = pack_page(board, None if "unit" in query else "NLL-RS",
                         **{k: v for k, v in query.items() if k != "unit"}).get_data(
            as_text=True)
        assert "KANARIEFÅGEL" not in html


PINNED = 30  # see the breakdown in test_pack_html_statement_count_is_pinned


def test_pack_html_statement_count_is_pinned(board, statement_log):
    """The session's user and grants (2), the scale (1), the whole matrix (1), the cover
    (1), the divisions (1) and one matrix per division (7 in Regionstyrelsen), the list of
    risks (1), the comparison (1: its counts and its list folded in one statement), the
    findings (one per kind: 4; the scale is read once per request), the measures
    follow-up (1), the internal-control follow-up (6: the plans of the subtree and their
    follow-ups, then controls.queries.reports' controls, units, runs and deviations,
    whatever the number of plans) and the KPI table (4): the owning
    features' own queries, constant in the number of risks (a division is one more)."""
    url = f"/board/pack?unit={unit('NLL-RS').id}&period={PERIOD}"
    board.get(url)  # warm up (per-process caches)
    with statement_log() as small:
        assert board.get(url).status_code == 200
    grow_tree(300)
    with statement_log() as large:
        response = board.get(url)
    assert response.status_code == 200
    doc = parse_html(response.get_data(as_text=True))
    assert len(doc.find_all("table", data_testid="division-matrix")) >= 2  # it grew
    assert not small.writes and not large.writes
    assert (small.count, large.count) == (PINNED, PINNED), large.statements


def test_a_section_is_added_by_one_registration(app, board, monkeypatch):
    """What riskreg/controls/ does to put its follow-up into the pack: one PackSection."""
    monkeypatch.setattr(app, "jinja_loader", ChoiceLoader([
        app.jinja_loader, DictLoader({"test/_pack.html": "<p data-testid='extra'>"
                                                         "{{ part.data.runs }} runs</p>"})]))
    app.jinja_env.cache.clear() if app.jinja_env.cache else None
    registered = app.extensions[sections.EXTENSION]
    extra = sections.PackSection("extra", lambda ctx: "Intern kontroll",
                                 lambda ctx: {"runs": 3}, "test/_pack.html")
    nothing = sections.PackSection("nothing", lambda ctx: "Tomt", lambda ctx: None,
                                   "test/_missing.html")
    monkeypatch.setitem(app.extensions, sections.EXTENSION, (*registered, nothing, extra))
    doc = pack_doc(board)
    part = doc.one("section", data_section="extra")
    assert part.find("h2").text() == "7. Intern kontroll"
    assert part.one("p", data_testid="extra").text() == "3 runs"
    assert doc.find("section", data_section="nothing") is None  # nothing to show: left out
    with pytest.raises(ValueError):
        sections.init_boardpack(current_app, [extra, extra])


def test_measures_follow_up_is_cut_with_the_count_of_the_rest(board, monkeypatch):
    full = pack_doc(board)
    rows = [tr.get("data-measure-id") for t in full.find_all("table", data_testid="pack-measures")
            for tr in t.find_all("tr", data_measure_id=True)]
    assert len(rows) == len(set(rows)) > 10  # each measure once
    assert full.find("p", data_testid="pack-measures-more") is None
    monkeypatch.setattr(sections, "MEASURES_LISTED", 10)
    cut = pack_doc(board)
    kept = [tr.get("data-measure-id") for t in cut.find_all("table", data_testid="pack-measures")
            for tr in t.find_all("tr", data_measure_id=True)]
    assert kept == rows[:10]
    more = cut.one("p", data_testid="pack-measures-more").text()
    assert more.startswith(translated("and %(n)d more", n=len(rows) - 10))


def test_the_internal_control_follow_up_is_the_reports_for_the_plans_beneath(
        coordinator_sormland, board):
    """The pack's section shows, per plan of the unit's subtree, the follow-up report's
    rows: the same traffic light per control as the report page (controls.queries)."""
    from tests.helpers.controls import plan

    p = plan("SRM-PV", 2024)
    doc = pack_doc(coordinator_sormland, "SRM-PV", period="2024-T2")
    part = doc.one("section", data_section="controls")
    [table] = part.find_all("table", data_testid="pack-controls")
    assert table.get("data-plan") == str(p.id)
    in_pack = {tr.get("data-control"): tr.one("span", cls="light").get("data-light")
               for tr in table.find("tbody").find_all("tr")}
    report = parse_html(coordinator_sormland.get(
        f"/controls/plans/{p.id}/report?period=2024-T2").get_data(as_text=True))
    on_page = {tr.get("data-control"): tr.one("span", cls="light").get("data-light")
               for tr in report.one("table", data_testid="report").find("tbody")
               .find_all("tr")}
    assert in_pack == on_page and in_pack["5"] == "red" and len(in_pack) == 5
    # a unit without a plan at or beneath it (Länssjukvård 1: Regionstyrelsen's plan is
    # above it) has no such section
    assert pack_doc(board, "NLL-LS1").find("section", data_section="controls") is None
