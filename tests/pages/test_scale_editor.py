"""The scale editor as a form (issue 13, item 7): a row per step and per band, a preview
of the matrix that saves nothing, clear messages for gaps and overlaps, a versioned save."""

from __future__ import annotations

import re

from sqlalchemy import select

from riskreg.domain.matrix import DEFAULT_SCALE_CONFIG
from riskreg.extensions import db
from riskreg.models.scale import RiskScale
from tests.conftest import db_state, field_errors, form_errors, translated, unit
from tests.helpers.forms import scale_form

SIZE = DEFAULT_SCALE_CONFIG["size"]
BANDS = DEFAULT_SCALE_CONFIG["bands"]


def url(code: str = "NLL") -> str:
    return f"/admin/scale/{unit(code).id}"


def preview(data: dict) -> dict:
    data = {k: v for k, v in data.items() if k != "save"}
    return {**data, "preview": "Förhandsgranska"}


def test_the_editor_has_a_row_per_step_and_band_and_a_spare_band_row(admin):
    html = admin.get(url()).get_data(as_text=True)
    for i in range(SIZE):
        assert f'id="steps-{i}-likelihood"' in html and f'id="steps-{i}-consequence"' in html
    assert f'id="steps-{SIZE}-likelihood"' not in html
    for i, band in enumerate(BANDS):
        assert re.search(rf'id="bands-{i}-name"[^>]*value="{re.escape(band["name"])}"', html) \
            or re.search(rf'value="{re.escape(band["name"])}"[^>]*id="bands-{i}-name"', html)
        assert 'type="color"' in html and f'id="bands-{i}-colour"' in html
    spare = len(BANDS)
    assert f'id="bands-{spare}-name"' in html  # an empty row to add a band with
    assert 'name="version"' in html


def test_preview_shows_the_changed_matrix_and_saves_nothing(admin):
    bands = [{"name": "Grön", "low": 1, "high": 8, "colour": "#00aa00"},
             {"name": "Röd", "low": 9, "high": SIZE * SIZE, "colour": "#cc0000"}]
    before = db_state()
    response = admin.post_form(url(), preview(scale_form(bands=bands)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="scale-preview"' in html
    matrix = html[html.index('data-testid="scale-preview"'):]
    # the highest cell is the new top band, the lowest the new bottom one
    assert f"{SIZE * SIZE} – Röd" in matrix and "1 – Grön" in matrix
    assert 'fill="#cc0000"' in matrix
    assert db_state() == before


def test_preview_of_a_new_size_gives_a_row_per_step(admin):
    data = preview(scale_form(size=SIZE + 1))
    response = admin.post_form(url(), data)
    # the labels of the new step are still empty: an error, and a row to fill them in
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="steps-{SIZE}-likelihood"' in html
    assert translated("Give exactly %(size)d likelihood labels, none empty.",
                      size=SIZE + 1) in form_errors(response)


def test_overlap_and_gap_are_named(admin):
    overlap = [dict(b) for b in BANDS]
    overlap[1]["low"] -= 1
    before = db_state()
    response = admin.post_form(url(), scale_form(bands=overlap))
    assert response.status_code == 400
    assert translated("Band %(name)s overlaps the band below it.",
                      name=overlap[1]["name"]) in form_errors(response)
    assert db_state() == before


def test_a_bad_colour_is_an_error_beside_its_field(admin):
    response = admin.post_form(url(), {**scale_form(), "bands-1-colour": "blå"})
    assert response.status_code == 400
    assert field_errors(response, "bands-1-colour")


def test_an_emptied_band_row_removes_the_band(admin):
    merged = [{"name": "Låg–medel", "low": 1, "high": BANDS[1]["high"], "colour": "#88cc88"},
              *[dict(b) for b in BANDS[2:]]]
    data = scale_form(bands=merged)
    data.update({f"bands-{len(merged)}-name": "", f"bands-{len(merged)}-low": "",
                 f"bands-{len(merged)}-high": "", f"bands-{len(merged)}-colour": "#000000"})
    response = admin.post_form(url(), data)
    assert response.status_code == 302
    stored = db.session.scalar(select(RiskScale).where(RiskScale.unit_id == unit("NLL").id))
    assert [b["name"] for b in stored.bands] == [b["name"] for b in merged]


def test_a_save_on_an_older_version_is_a_conflict(admin):
    first = scale_form(action_threshold=DEFAULT_SCALE_CONFIG["action_threshold"] + 1)
    assert admin.post_form(url(), first).status_code == 302
    stale = scale_form(action_threshold=DEFAULT_SCALE_CONFIG["action_threshold"] + 2,
                       version=first["version"])
    before = db_state()
    response = admin.post_form(url(), stale)
    assert response.status_code == 409
    assert db_state() == before
    stored = db.session.scalar(select(RiskScale).where(RiskScale.unit_id == unit("NLL").id))
    assert stored.action_threshold == DEFAULT_SCALE_CONFIG["action_threshold"] + 1
