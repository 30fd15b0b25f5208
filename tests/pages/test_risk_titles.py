"""A short title for every risk (issue 13, item 3): required for new risks, drawn from
the source for the seeded ones (the success factor shown beside it), used in every list,
the matrix cell tooltips and the API; migration 0008 backfills existing rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import select

from riskreg.extensions import db
from riskreg.models import Risk
from riskreg.risks.texts import TITLE_MAX, short_title
from riskreg.seed import load_yaml
from tests.conftest import unit
from tests.helpers.heatmaps import matrix_table, page_cells, parse_html
from tests.helpers.risks import new_risk_data, risk

MIGRATION = (Path(__file__).resolve().parents[2] / "migrations" / "versions"
             / "0008_risk_title_deadline.py")


def _migration():
    spec = importlib.util.spec_from_file_location("m0008", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("event", [
    "Pandemi som begränsar möten och dialoger",
    "Risk för dataintrång. Okunskap om vad som gäller.",
    "Ord " * 80,
    "   ",
])
def test_the_backfill_title_is_the_first_sentence_within_the_limit(event):
    title = short_title(event)
    assert title and len(title) <= TITLE_MAX
    assert title == _migration().short_title(event)  # the migration backfills alike
    if event.strip():
        assert event.split()[0] in title


@pytest.mark.usefixtures("app")
def test_seeded_risks_carry_the_titles_of_the_seed_files():
    for org, name in (("NLL", "risks_norrbotten.yaml"), ("SRM", "risks_sormland.yaml")):
        for item in load_yaml(name)["risks"]:
            assert risk(org, item["number"]).title == item["title"]
    # rows 16 and 17 of Bilaga 5 share their text; their titles tell them apart
    assert risk("NLL", 16).event == risk("NLL", 17).event
    assert risk("NLL", 16).title != risk("NLL", 17).title


def test_a_new_risk_needs_a_title(coordinator, t2):
    url = f"/risks/new?unit={unit('NLL-RS').id}"
    response = coordinator.post_form(url, new_risk_data(title="  "))
    assert response.status_code == 400
    doc = parse_html(response.get_data(as_text=True))
    assert doc.one(id="title-err").text()
    response = coordinator.post_form(url, new_risk_data(title="x" * (TITLE_MAX + 1)))
    assert response.status_code == 400
    response = coordinator.post_form(url, new_risk_data(title="Testdata läcker ut"))
    assert response.status_code == 302
    created = db.session.scalar(select(Risk).where(Risk.title == "Testdata läcker ut"))
    assert created is not None and created.event == "Risk för att testdata läcker ut"


def test_the_register_lists_titles_with_the_success_factor_beside(coordinator, t2):
    html = coordinator.get("/risks/", query_string={"sort": "number"}).get_data(as_text=True)
    doc = parse_html(html)
    for number in (16, 17):
        r = risk("NLL", number)
        row = doc.one("tr", data_risk_id=str(r.id))
        assert row.one("a").text() == r.title
        assert r.success_factor.name in row.text()


def test_the_matrix_cells_name_their_risks_in_a_tooltip(coordinator, t2):
    response = coordinator.get("/heatmaps/", query_string={
        "unit": unit("NLL-RS").id, "period": "2022-T1", "compare": "none"})
    cells = page_cells(matrix_table(parse_html(response.get_data(as_text=True))))
    seen = 0
    for cell in cells.values():
        for rid, title in zip(cell.risk_ids, cell.titles, strict=True):
            assert title == db.session.get(Risk, rid).title
            seen += 1
    assert seen == 16


def test_the_risk_page_heads_with_the_title(coordinator):
    r = risk("NLL", 3)
    doc = parse_html(coordinator.get(f"/risks/{r.id}").get_data(as_text=True))
    assert doc.one("h1").text().endswith(r.title)
    assert r.success_factor.name in doc.one("p", data_testid="success-factor").text()
